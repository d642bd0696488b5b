"""What the app polls while only the tail is visible (issue 14), against the real local cluster.

Why: the header needs the cluster's health, not every partition's offsets, and the tail shows no
other source's data; on a large cluster the tail must not pay for the whole cluster. Observed
through the public AppState: the cluster's health moves on while its snapshot stays the same
object, and the other sources' health stands still; the topics view gets fresh data at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from kafkatui.refresh.state import Source
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.tail.screen import TailScreen

pytestmark = pytest.mark.live
SIZE = (120, 36)


async def test_with_only_the_tail_visible_only_the_cluster_health_is_polled(make_app: Any, wait_until: Any) -> None:
    app = make_app(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: all(app.state.health[s].last_ok_at for s in OverviewScreen.SOURCES), 60,
                         "every source of the overview answered once")
        app.open_tail("orders")
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), what="the tail")

        def cluster_polls(n: int) -> Any:
            seen = [app.state.health[Source.CLUSTER].last_ok_at]

            def probe() -> bool:
                now = app.state.health[Source.CLUSTER].last_ok_at
                if now != seen[-1]:
                    seen.append(now)
                return len(seen) > n

            return probe

        await wait_until(pilot, cluster_polls(2), 30, "two cluster polls after the switch (in-flight ones landed)")
        snapshot = app.state.cluster
        others = {s: app.state.health[s].last_ok_at for s in Source if s is not Source.CLUSTER}
        await wait_until(pilot, cluster_polls(3), 30, "three more cluster polls with the tail visible")
        assert app.state.cluster is snapshot  # light polls: the last full snapshot is kept as it was
        assert {s: app.state.health[s].last_ok_at for s in others} == others  # nothing else polled
        assert app.state.health[Source.CLUSTER].error is None

        await pilot.press("escape")  # back to topics: its data is old, so a full poll runs now
        await wait_until(pilot, lambda: isinstance(app.screen, TopicsScreen), what="the topics view")
        await wait_until(pilot, lambda: app.state.cluster is not snapshot, 10, "fresh cluster data")
        assert app.view_errors == []
