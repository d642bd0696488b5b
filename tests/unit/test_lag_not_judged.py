"""lag: a group is never called OK before the lag window can judge it (issue 12, defect 6).

The demo's `analytics` group has no members and a committed offset that never moves while the
demo producer keeps writing. kafkatui used to call it OK from its second refresh until the
WARN (3 samples) and STOP (20 s) rules could fire. These drive `LagTracker` the way the groups
poll does (one `record` + `evaluate` per refresh) and check the verdict at every refresh.
"""

from __future__ import annotations

from kafkatui.kafka.lag import NOT_JUDGED, LagTracker, evaluate_group
from kafkatui.model import LagStatus
from tests.unit.test_lag import window

REFRESH_S = 5.0


def statuses(tracker: LagTracker, group: str, offsets: list[list[tuple[str, int, int, int]]],
             has_members: bool | frozenset[tuple[str, int]]) -> list[tuple[LagStatus, str]]:
    """The verdict after each refresh; `offsets[i]` is refresh i's (topic, partition, committed, latest)."""
    out = []
    for i, parts in enumerate(offsets):
        now = 1000.0 + i * REFRESH_S
        tracker.record(group, now, parts)
        out.append(tracker.evaluate(group, has_members, now))
    return out


def test_group_without_members_and_stuck_lag_is_not_ok_then_stop_at_the_second_refresh() -> None:
    """The demo's analytics: no members, committed fixed, the end offset growing a little each refresh."""
    offsets = [[("orders", p, 500, 11_000 + 40 * i + p) for p in range(3)] for i in range(6)]
    verdicts = statuses(LagTracker(), "analytics", offsets, has_members=False)
    assert [s for s, _ in verdicts] == [LagStatus.PENDING] + [LagStatus.STOP] * 5
    first = verdicts[0][1]
    assert first.startswith(f"{NOT_JUDGED}: orders-2: 1 sample so far") and "no member consuming it" in first
    assert "no members consuming it" in verdicts[1][1]


def test_stuck_partition_held_by_a_member_is_not_judged_until_stall() -> None:
    """A member holds the partition and never commits: not OK, not STOP early; STALL at 20 s."""
    offsets = [[("orders", 0, 500, 11_000)] for _ in range(6)]  # lag flat: WARN cannot fire either
    verdicts = statuses(LagTracker(stop_after_s=20), "g", offsets, has_members=True)
    assert [s for s, _ in verdicts] == [LagStatus.PENDING] * 4 + [LagStatus.STALL] * 2
    assert verdicts[2][1] == (f"{NOT_JUDGED}: orders-0: committed offset 500 not seen moving in 10s with lag 10,500;"
                              " STALL if it stays for 20s")


def test_never_ok_while_a_stuck_window_is_young_whatever_the_lag_does() -> None:
    """Lag shrinking, flat or growing: with the committed offset never seen to move, no refresh says OK."""
    for latest in ([900, 800, 800, 700], [900, 900, 900, 900], [900, 950, 940, 990]):
        offsets = [[("t", 0, 100, end)] for end in latest]
        for has_members in (True, frozenset({("t", 0)}), frozenset()):
            verdicts = statuses(LagTracker(stop_after_s=20), "g", offsets, has_members=has_members)
            assert LagStatus.OK not in [s for s, _ in verdicts], (latest, has_members, verdicts)


def test_healthy_consumer_is_ok_once_commits_are_seen_moving() -> None:
    offsets = [[("t", 0, 100 + 50 * i, 160 + 50 * i)] for i in range(4)]  # lag 60 at every refresh
    verdicts = statuses(LagTracker(), "g", offsets, has_members=True)
    assert [s for s, _ in verdicts] == [LagStatus.PENDING] + [LagStatus.OK] * 3


def test_group_that_commits_without_members_gets_the_full_wait() -> None:
    """A consumer with manual assignment commits for a group that has no members: once its commits
    were seen moving, a pause shorter than `stop_after_s` is not STOP."""
    committed = [100, 150, 150, 150]  # moved once, then two refreshes without a commit (10 s)
    offsets = [[("t", 0, c, 200 + 10 * i)] for i, c in enumerate(committed)]
    verdicts = statuses(LagTracker(stop_after_s=20), "g", offsets, has_members=False)
    assert [s for s, _ in verdicts] == [LagStatus.PENDING] + [LagStatus.OK] * 3  # lag 100, 60, 70, 80


def test_one_unjudged_partition_keeps_the_group_from_ok() -> None:
    parts = {("t", 0): window((100, 100), (110, 110)), ("t", 1): window((5, 50))}  # OK, and 1 sample with lag
    status, reason = evaluate_group(parts, has_members=True, now=1005)
    assert status is LagStatus.PENDING
    assert reason == f"{NOT_JUDGED}: t-1: 1 sample so far, lag 45; 2 are needed"
