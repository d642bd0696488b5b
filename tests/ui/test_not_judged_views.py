"""A group the lag window cannot judge yet reads "not judged yet" everywhere, never OK (issue 12, defect 6).

The verdicts come from the real `LagTracker`, fed the way the groups poll feeds it: `slowpoke`
has a member holding its partition and a committed offset that has not moved in the two
refreshes seen so far (lag 11,000), `billing` has caught up. Then every place that shows a
group's status is read through what it renders: the overview's counts (the all-clear line, and
the attention title when rows are listed), the groups list, the group detail and the JSON.
"""

from __future__ import annotations

import re

from kafkatui.kafka.lag import NOT_JUDGED, LagTracker
from kafkatui.model import Group, GroupMember, GroupPartition, GroupsSnapshot, LagStatus
from kafkatui.snapshot.document import group_json
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import NOW, cluster_snapshot, frozen_app, frozen_state, screen_text, wait_for

SIZE = (120, 36)
REFRESHES = 2


def judged_groups() -> GroupsSnapshot:
    """billing (caught up) and slowpoke (held, stuck, lagging) after REFRESHES refreshes, judged by LagTracker."""
    tracker = LagTracker()
    member = GroupMember("m-1", "slow-1", "/127.0.0.1", (("orders", 0),))
    offsets = {"billing": [], "slowpoke": []}
    for i in range(REFRESHES):
        offsets["billing"] = [("payments", 0, 5_400 + i, 5_400 + i)]
        offsets["slowpoke"] = [("orders", 0, 1_000, 12_000)]
        for gid, parts in offsets.items():
            tracker.record(gid, NOW + 5.0 * i, parts)
    now = NOW + 5.0 * (REFRESHES - 1)
    groups = []
    for gid, members in (("billing", ()), ("slowpoke", (member,))):
        status, reason = tracker.evaluate(gid, {a for m in members for a in m.assignments} or bool(members), now)
        parts = tuple(GroupPartition(t, p, c, latest) for t, p, c, latest in offsets[gid])
        groups.append(Group(gid, "Stable" if members else "Empty", "consumer", "range", members, parts,
                            status, reason))
    return GroupsSnapshot(fetched_at=now, duration_s=0.05, groups=tuple(groups))


def test_the_stuck_group_is_pending_with_its_reason() -> None:
    snap = judged_groups()
    slow = snap.group("slowpoke")
    assert slow is not None and slow.status is LagStatus.PENDING
    assert slow.status_reason.startswith(f"{NOT_JUDGED}: orders-0: committed offset 1,000 not seen moving in 5s")
    assert group_json(slow)["status"] == "PENDING"
    assert group_json(slow)["status_reason"] == slow.status_reason


async def test_overview_counts_it_as_not_judged_yet_not_ok() -> None:
    healthy = cluster_snapshot(drop="orders")  # no under-replicated partition: the all-clear line
    app = frozen_app(frozen_state(cluster=healthy, groups=judged_groups()))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Nothing needs attention" in screen_text(app), what="the all-clear line")
        text = " ".join(screen_text(app).split())
        assert "1 group OK, 1 not judged yet" in text
        assert "2 groups OK" not in text


async def test_attention_title_counts_it_when_other_problems_are_listed() -> None:
    app = frozen_app(frozen_state(groups=judged_groups()))  # the fixture cluster has one URP partition
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Needs attention" in screen_text(app), what="the attention title")
        text = " ".join(screen_text(app).split())
        assert re.search(r"⚠ \d+ warnings?", text) and f"1 group {NOT_JUDGED}" in text


async def test_groups_list_and_detail_say_pending() -> None:
    app = frozen_app(frozen_state(groups=judged_groups()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), what="the groups view")
        table = app.screen.query_one("#groups-table", FilterTable)
        await wait_for(pilot, lambda: table.visible_keys() == ["slowpoke", "billing"], what="worst first")
        row = table.plain_row("slowpoke")
        assert "… PENDING" in row and "OK" not in row
        assert "… 1 PENDING" in screen_text(app)
        # PENDING takes the UNKNOWN colour in a theme that sets no lag-pending of its own
        assert semantic(app, "lag-PENDING") == semantic(app, "lag-UNKNOWN")

        app.open_group("slowpoke")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), what="the group detail")
        await wait_for(pilot, lambda: "Status … PENDING" in screen_text(app), what="the status line")
        text = " ".join(screen_text(app).split())
        assert f"Status … PENDING — {NOT_JUDGED}: orders-0: committed offset 1,000" in text

