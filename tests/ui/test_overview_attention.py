"""The overview's "Needs attention" panel in the real app against the real local cluster (no mocks).

The seeded `analytics` group committed once at half the end offsets and has no members, so the
Burrow-style evaluator turns it STOP at its second sample (a group with no members whose offsets
were never seen to move; lag.DEFAULT_STOP_AFTER_S is the wait for the others); the overview polls
groups for the panel, so it shows up there without a visit to the groups view. The cluster is
healthy, so no partition is listed.
"""

from __future__ import annotations

from typing import Any

from kafkatui.kafka.lag import DEFAULT_STOP_AFTER_S
from kafkatui.model import LagStatus
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.widgets.attention import AttentionPanel
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import screen_text

ANALYTICS = "g\x00analytics"
FIRST_POLL_S = 30.0


async def test_overview_lists_the_lagging_group_and_no_partitions(cluster: Any, make_app: Any,
                                                                   wait_until: Any) -> None:
    app = make_app(refresh=1.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.state.groups is not None
                         and app.state.cluster is not None, FIRST_POLL_S, "cluster and groups polled by the overview")
        panel = app.screen.query_one(AttentionPanel)
        table = panel.table

        def analytics_listed() -> bool:
            row = panel.row(ANALYTICS)
            return (row is not None and row.status not in (LagStatus.OK, LagStatus.UNKNOWN)
                    and ANALYTICS in table.visible_keys())

        await wait_until(pilot, analytics_listed, DEFAULT_STOP_AFTER_S + 25, "analytics listed with a non-OK status")
        row = panel.row(ANALYTICS)
        group = app.state.groups.group("analytics")
        assert row is not None and group is not None
        assert row.status is group.status  # the groups view's verdict, not a second opinion
        assert row.total_lag == group.total_lag and group.total_lag > 0
        shown = table.plain_row(ANALYTICS)
        assert "analytics" in shown and row.status.value in shown and f"lag {group.total_lag:,}" in shown
        text = screen_text(app)
        assert "Needs attention" in text and ("critical" in text or "warning" in text)

        snap = app.state.cluster
        assert (snap.under_replicated, snap.offline) == (0, 0), "the local cluster is not healthy"
        assert [k for k in table.visible_keys() if k.startswith("p\x00")] == []  # no URP / offline rows

        # The brokers keep the keys; Tab moves to the attention table; Enter opens the group.
        assert app.focused is app.screen.query_one("#overview-brokers", FilterTable)
        await pilot.press("tab")
        await wait_until(pilot, lambda: app.focused is table, 5, "focus on the attention table")
        table.move_cursor(row=table.get_row_index(ANALYTICS), animate=False)
        await wait_until(pilot, lambda: table.cursor_key == ANALYTICS, 5, "cursor on analytics")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupDetailScreen)
                         and app.screen.group_id == "analytics", 10, "the analytics group detail")
        assert app.current_mode == "groups"
        assert app.view_errors == []
