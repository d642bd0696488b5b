"""Lag in time, the ETA and committed-below-log-start on screen, in the real app against the real
cluster. The harness makes the conditions (tests/live/test_group_lag_time_live.py: a group one hour
behind by its record timestamps, a group whose next records were deleted); the demo `analytics`
group stopped while the demo producer writes to `logs`, so it is falling behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaAdminClient

from kafkatui.fmt import human_duration
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.widgets.attention import AttentionPanel
from kafkatui.ui.widgets.table import FilterTable
from tests.conftest import no_autocreate
from tests.live.test_group_lag_time_live import Scene, make_scene, remove_scene
from tests.ui.fixtures import screen_text

SIZE = (170, 48)  # wide enough for the ETA column
FIRST_POLL_S = 40.0


@pytest.fixture(scope="module")
def scene(cluster: Any) -> Iterator[Scene]:
    admin = no_autocreate(KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-lagtime-ui-test",
                                           request_timeout_ms=15000, bootstrap_timeout_ms=15000))
    made = make_scene(cluster.bootstrap, admin, f"t-lagtime-ui-{int(time.time() * 1000) % 10**8}")
    try:
        yield made
    finally:
        remove_scene(admin, made)
        admin.close()


def _shown_lag(app: Any, table: FilterTable, group_id: str) -> bool:
    """The row shows the group's current lag in time, as the state has it (polled: it ages)."""
    groups = app.state.groups
    g = groups.group(group_id) if groups is not None else None
    return g is not None and g.lag_seconds is not None and human_duration(g.lag_seconds) in table.plain_row(group_id)


async def test_lag_time_eta_and_data_loss_on_screen(make_app: Any, wait_until: Any, scene: Scene) -> None:
    app = make_app(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.state.groups is not None
                         and app.state.cluster is not None, FIRST_POLL_S, "cluster and groups polled")
        panel = app.screen.query_one(AttentionPanel)
        lost_key = f"f\x00committed_below_log_start\x00group {scene.lost_group}"
        await wait_until(pilot, lambda: panel.row(lost_key) is not None, 30, "the data-loss row")
        assert "DATA LOST" in panel.table.plain_row(lost_key)
        # the lagging group has no members and never moves: STOP at its second sample, and its row
        # says how far behind it is in time
        lag_key = f"g\x00{scene.lagging_group}"
        await wait_until(pilot, lambda: panel.row(lag_key) is not None
                         and " behind" in panel.table.plain_row(lag_key), 40, "the lagging group's row with its time")
        assert "59m" in panel.table.plain_row(lag_key) or "1h 00m" in panel.table.plain_row(lag_key)

        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupsScreen), 10, "the groups view")
        table = app.screen.query_one(FilterTable)
        await wait_until(pilot, lambda: _shown_lag(app, table, scene.lagging_group), 30, "Lag time in the list")
        await wait_until(pilot, lambda: _shown_lag(app, table, scene.lost_group), 30, "the lost group's lag time")
        await wait_until(pilot, lambda: "falling behind" in table.plain_row("analytics"), 30,
                         "analytics falling behind in the ETA column")
        assert "Lag time" in screen_text(app) and "ETA" in screen_text(app)

        await pilot.press("slash", *f"^{scene.lagging_group}$", "enter")
        await wait_until(pilot, lambda: table.cursor_key == scene.lagging_group, 10, "cursor on the group")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupDetailScreen), 10, "the group detail")
        parts = app.screen.query_one("#group-partitions", FilterTable)
        key = f"{scene.lagging_topic}\x000"
        await wait_until(pilot, lambda: key in parts.visible_keys(), 20, "its partition")

        def detail_shows_time() -> bool:
            g = app.state.groups.group(scene.lagging_group) if app.state.groups is not None else None
            text = screen_text(app)
            if g is None or g.lag_seconds is None:
                return False
            shown = human_duration(g.lag_seconds)
            return shown in parts.plain_row(key) and f"{shown} behind" in text and "ETA —" in text

        await wait_until(pilot, detail_shows_time, 20, "lag in time per partition and the group's time and ETA")
        assert "no commit progress" in screen_text(app)  # why there is no ETA
        assert app.view_errors == []
