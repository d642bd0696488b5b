"""lag: each Burrow-style rule, the group severity order, and the tracker's bounds."""

from __future__ import annotations

import pytest

from kafkatui.kafka.lag import (
    SEVERITY,
    LagSample,
    LagTracker,
    evaluate_group,
    evaluate_partition,
    severity,
    stuck_run,
)
from kafkatui.model import GroupPartition, LagStatus


def window(*pairs: tuple[int | None, int | None], start: float = 1000.0, step: float = 5.0) -> list[LagSample]:
    """Samples `step` seconds apart from (committed, latest) pairs."""
    return [LagSample(start + i * step, c, latest) for i, (c, latest) in enumerate(pairs)]


def end_of(samples: list[LagSample]) -> float:
    return samples[-1].at


def test_lag_matches_group_partition_definition() -> None:
    for committed, latest in [(10, 25), (30, 25), (-1, 25), (None, 25), (10, None)]:
        assert LagSample(0, committed, latest).lag == GroupPartition("t", 0, committed, latest).lag


def test_no_samples_is_unknown() -> None:
    assert evaluate_partition([], now=0)[0] is LagStatus.UNKNOWN


def test_single_sample_with_lag_is_not_judged_yet() -> None:
    status, reason = evaluate_partition(window((5, 10)), now=1000)
    assert status is LagStatus.PENDING
    assert "2 are needed" in reason


def test_missing_log_end_offset_is_err() -> None:
    samples = window((5, 10), (6, None))
    status, reason = evaluate_partition(samples, now=end_of(samples))
    assert status is LagStatus.ERR
    assert "log end offset" in reason


def test_missing_log_end_offset_is_err_even_with_one_sample() -> None:
    assert evaluate_partition(window((5, None)), now=1000)[0] is LagStatus.ERR


@pytest.mark.parametrize("committed", [None, -1])
def test_no_committed_offset_is_unknown(committed: int | None) -> None:
    samples = window((5, 10), (committed, 12))
    status, reason = evaluate_partition(samples, now=end_of(samples))
    assert (status, reason) == (LagStatus.UNKNOWN, "no committed offset")


def test_rewind_when_committed_goes_backwards() -> None:
    samples = window((100, 200), (150, 210), (20, 220), (30, 230))
    status, reason = evaluate_partition(samples, now=end_of(samples))
    assert status is LagStatus.REWIND
    assert reason == "committed offset went back from 150 to 20"


def test_stop_when_stuck_and_no_members() -> None:
    samples = window((100, 150), (100, 160), (100, 170), (100, 170), (100, 180))  # 20 s span
    status, reason = evaluate_partition(samples, now=end_of(samples), has_members=False, stop_after_s=20)
    assert status is LagStatus.STOP
    assert "no members" in reason and "lag 80" in reason


def test_stall_when_stuck_with_members() -> None:
    samples = window((100, 150), (100, 160), (100, 170), (100, 170), (100, 180))
    status, reason = evaluate_partition(samples, now=end_of(samples), has_members=True, stop_after_s=20)
    assert status is LagStatus.STALL
    assert "stuck at 100" in reason


def test_stuck_needs_stop_after_seconds() -> None:
    samples = window((100, 150), (100, 160), (100, 170))  # only 10 s stuck
    status, _ = evaluate_partition(samples, now=end_of(samples), has_members=False, stop_after_s=20)
    assert status is not LagStatus.STOP
    assert evaluate_partition(samples, now=end_of(samples) + 10, has_members=False, stop_after_s=20)[0] is (
        LagStatus.STOP
    )


def test_stuck_since_from_longer_history_fires_with_short_window() -> None:
    samples = window((100, 150), (100, 151), step=1.0)
    now = end_of(samples)
    assert evaluate_partition(samples, now=now, has_members=False, stop_after_s=20)[0] is LagStatus.PENDING
    verdict = evaluate_partition(samples, now=now, has_members=False, stop_after_s=20, stuck_since=now - 60)
    assert verdict[0] is LagStatus.STOP
    assert "60s" in verdict[1]


def test_idle_consumer_that_is_caught_up_is_ok_not_stopped() -> None:
    samples = window(*[(100, 100)] * 10)
    status, reason = evaluate_partition(samples, now=end_of(samples) + 600, has_members=False)
    assert (status, reason) == (LagStatus.OK, "caught up")


def test_new_messages_after_idle_are_not_stop_yet() -> None:
    """Lag appeared only in the newest sample: the consumer has not had a chance to commit."""
    samples = window(*[(100, 100)] * 9, (100, 105))
    assert stuck_run(samples) == samples[-1:]
    status, _ = evaluate_partition(samples, now=end_of(samples), has_members=False, stop_after_s=20)
    assert status is LagStatus.OK


def test_warn_when_lag_grows_every_sample() -> None:
    samples = window((100, 110), (105, 120), (110, 135), (115, 160))
    status, reason = evaluate_partition(samples, now=end_of(samples))
    assert status is LagStatus.WARN
    assert reason == "lag grew in every one of the last 4 samples, now 45"


def test_warn_needs_three_samples_and_growth_is_not_judged_before() -> None:
    samples = window((100, 110), (105, 120))
    status, reason = evaluate_partition(samples, now=end_of(samples))
    assert (status, reason) == (LagStatus.PENDING, "lag grew to 15 in 2 samples; 3 decide WARN")
    samples = window((100, 110), (105, 120), (110, 120))  # lag 10, 15, 10
    assert evaluate_partition(samples, now=end_of(samples))[0] is LagStatus.OK


def test_two_samples_that_do_not_grow_are_ok() -> None:
    """Commits moved and the lag did not grow: no rule can turn this window WARN or STOP."""
    samples = window((100, 120), (110, 125))  # lag 20, 15
    assert evaluate_partition(samples, now=end_of(samples)) == (LagStatus.OK, "lag 15, not growing steadily")


def test_one_flat_step_breaks_warn() -> None:
    samples = window((100, 110), (105, 120), (115, 130), (120, 145))  # lag 10, 15, 15, 25
    assert evaluate_partition(samples, now=end_of(samples))[0] is LagStatus.OK


def test_zero_lag_anywhere_in_window_is_ok() -> None:
    samples = window((100, 100), (100, 110), (105, 120), (110, 135))  # lag 0, 10, 15, 25
    status, reason = evaluate_partition(samples, now=end_of(samples))
    assert (status, reason) == (LagStatus.OK, "lag was 0 within the window")


def test_lag_holding_steady_is_ok() -> None:
    samples = window((100, 150), (150, 200), (200, 250))
    assert evaluate_partition(samples, now=end_of(samples)) == (LagStatus.OK, "lag 50, not growing steadily")


def test_unordered_samples_are_sorted_by_time() -> None:
    samples = window((100, 110), (105, 120), (110, 135))
    assert evaluate_partition(list(reversed(samples)), now=end_of(samples))[0] is LagStatus.WARN


def test_severity_order_is_explicit() -> None:
    order = [LagStatus.ERR, LagStatus.STOP, LagStatus.STALL, LagStatus.REWIND, LagStatus.WARN, LagStatus.PENDING,
             LagStatus.OK]
    ranks = [severity(s) for s in [*order, LagStatus.UNKNOWN]]
    assert ranks == sorted(ranks, reverse=True)
    assert set(SEVERITY) == set(LagStatus)


def group_fixture() -> dict[tuple[str, int], list[LagSample]]:
    return {
        ("orders", 0): window((100, 100), (110, 110), (120, 120)),  # OK
        ("orders", 1): window((100, 110), (105, 120), (110, 135)),  # WARN, lag 25
        ("orders", 2): window((100, 200), (50, 210), (60, 220)),  # REWIND
        ("payments", 0): window((7, 7)),  # UNKNOWN
    }


def test_group_worst_status_wins() -> None:
    parts = group_fixture()
    status, reason = evaluate_group(parts, has_members=True, now=1010)
    assert status is LagStatus.REWIND
    assert reason == "orders-2: committed offset went back from 100 to 50"


def test_group_err_beats_everything() -> None:
    parts = group_fixture()
    parts[("payments", 1)] = window((1, 2), (1, None))
    assert evaluate_group(parts, has_members=True, now=1010)[0] is LagStatus.ERR


def test_group_stop_beats_stall_rules_and_rewind() -> None:
    parts = group_fixture()
    parts[("payments", 1)] = window((1, 50), (1, 60), (1, 70), (1, 80), (1, 90))
    assert evaluate_group(parts, has_members=False, now=1020, stop_after_s=20)[0] is LagStatus.STOP
    assert evaluate_group(parts, has_members=True, now=1020, stop_after_s=20)[0] is LagStatus.STALL


def test_group_counts_other_partitions_in_same_state_and_prefers_most_lag() -> None:
    parts = {
        ("t", 0): window((100, 110), (105, 120), (110, 135)),  # WARN, lag 25
        ("t", 1): window((100, 110), (105, 130), (110, 200)),  # WARN, lag 90
        ("t", 2): window((100, 110), (105, 125), (110, 150)),  # WARN, lag 40
    }
    status, reason = evaluate_group(parts, has_members=True, now=1010)
    assert status is LagStatus.WARN
    assert reason.startswith("t-1: ")
    assert reason.endswith("(+2 more partitions)")


def test_group_ok_summarises_total_lag() -> None:
    parts = {("t", 0): window((100, 100), (110, 110)), ("t", 1): window((0, 5), (5, 10))}
    assert evaluate_group(parts, has_members=True, now=1005) == (LagStatus.OK, "2 partitions OK, total lag 5")


def test_group_unknown_only_when_all_unknown() -> None:
    assert evaluate_group({}, has_members=True, now=0) == (LagStatus.UNKNOWN, "no committed offsets")
    parts = {("t", 0): window((None, 3)), ("t", 1): window((-1, 4))}
    assert evaluate_group(parts, has_members=True, now=0)[0] is LagStatus.UNKNOWN
    parts[("t", 2)] = window((1, 1), (2, 2))
    assert evaluate_group(parts, has_members=True, now=1005)[0] is LagStatus.OK


def test_tracker_window_is_bounded() -> None:
    tracker = LagTracker(window=4)
    for i in range(20):
        tracker.record("g", 1000.0 + i, [("t", 0, i, i + 5), ("t", 1, i, i)])
    kept = tracker.samples("g", "t", 0)
    assert len(kept) == 4
    assert [s.committed for s in kept] == [16, 17, 18, 19]
    assert tracker.trend("g") == [5, 5, 5, 5]


def test_tracker_trend_sums_known_lag_per_record() -> None:
    tracker = LagTracker()
    tracker.record("g", 1.0, [("t", 0, 0, 10), ("t", 1, 0, 5)])
    tracker.record("g", 2.0, [("t", 0, 5, 20), ("t", 1, None, 5)])
    assert tracker.trend("g") == [15, 15]
    assert tracker.trend("missing") == []


def test_tracker_drops_partitions_not_in_latest_record() -> None:
    tracker = LagTracker()
    tracker.record("g", 1.0, [("t", 0, 0, 10), ("gone", 0, 0, 5)])
    tracker.record("g", 2.0, [("t", 0, 5, 20)])
    assert tracker.samples("g", "gone", 0) == []
    assert len(tracker.samples("g", "t", 0)) == 2


def test_tracker_forgets_quiet_groups() -> None:
    tracker = LagTracker(forget_after_s=100)
    tracker.record("old", 1000.0, [("t", 0, 0, 0)])
    tracker.record("new", 1050.0, [("t", 0, 0, 0)])
    assert tracker.groups() == ["new", "old"]
    tracker.record("new", 1101.0, [("t", 0, 0, 0)])
    assert tracker.expire(1101.0) == ["old"]
    assert tracker.groups() == ["new"]
    assert tracker.evaluate("old", has_members=False, now=1101.0) == (LagStatus.UNKNOWN, "no samples yet")


def test_tracker_record_only_touches_its_group_and_expire_keeps_recent_ones() -> None:
    """Expiry is one pass per refresh (`expire`), not a scan of every group on every `record`."""
    tracker = LagTracker(forget_after_s=100)
    tracker.record("a", 1000.0, [("t", 0, 0, 0)])
    tracker.record("b", 1500.0, [("t", 0, 0, 0)])  # long after a's cutoff: a is still kept
    assert tracker.groups() == ["a", "b"]
    assert tracker.expire(1100.0) == []  # exactly at the cutoff: kept
    assert tracker.expire(1100.5) == ["a"]
    assert tracker.groups() == ["b"]
    assert tracker.expire(1500.0) == [] and tracker.samples("b", "t", 0)


def test_tracker_detects_stop_beyond_its_window() -> None:
    """With a fast refresh the window spans less than stop_after_s; the tracker still knows."""
    tracker = LagTracker(window=3, stop_after_s=20)
    for i in range(30):
        tracker.record("g", 1000.0 + i, [("t", 0, 50, 80)])
    status, reason = tracker.evaluate("g", has_members=False, now=1029.0)
    assert status is LagStatus.STOP
    assert "29s" in reason
    assert tracker.evaluate("g", has_members=True, now=1029.0)[0] is LagStatus.STALL


def test_tracker_stuck_run_restarts_when_commits_move() -> None:
    tracker = LagTracker(window=3, stop_after_s=20)
    for i in range(30):
        tracker.record("g", 1000.0 + i, [("t", 0, 50 if i < 25 else 60, 80)])
    status, _ = tracker.evaluate("g", has_members=False, now=1029.0)
    assert status is LagStatus.OK  # moved 4 s ago: not stuck long enough


def test_tracker_rejects_tiny_window() -> None:
    with pytest.raises(ValueError):
        LagTracker(window=1)


def test_tracker_forget() -> None:
    tracker = LagTracker()
    tracker.record("g", 1.0, [("t", 0, 0, 0)])
    tracker.forget("g")
    assert tracker.groups() == []


def test_single_sample_at_zero_lag_is_already_ok() -> None:
    from kafkatui.kafka.lag import LagSample, evaluate_partition
    from kafkatui.model import LagStatus

    status, reason = evaluate_partition([LagSample(at=1.0, committed=10, latest=10)], now=1.0)
    assert status is LagStatus.OK
    assert "lag 0" in reason
    status, _ = evaluate_partition([LagSample(at=1.0, committed=5, latest=10)], now=1.0)
    assert status is LagStatus.PENDING


def test_group_members_are_judged_per_partition() -> None:
    """Old commits on a topic the group no longer consumes are STOP (nobody holds them), not
    STALL: only the partitions a member is assigned can be stalled by that member."""
    stuck = window((1, 50), (1, 60), (1, 70), (1, 80), (1, 90))
    parts = {("new", 0): stuck, ("old", 0): stuck}
    status, reason = evaluate_group(parts, has_members=frozenset({("new", 0)}), now=1020, stop_after_s=20)
    assert status is LagStatus.STOP
    assert reason.startswith("old-0: ") and "no members consuming it" in reason
    only_new = {("new", 0): stuck, ("old", 0): window((5, 5), (5, 5))}  # the old topic is caught up
    status, reason = evaluate_group(only_new, has_members=frozenset({("new", 0)}), now=1020, stop_after_s=20)
    assert status is LagStatus.STALL and reason.startswith("new-0: ")
    assert evaluate_group(parts, has_members=frozenset(), now=1020, stop_after_s=20)[0] is LagStatus.STOP


def test_tracker_judges_members_per_partition() -> None:
    tracker = LagTracker(window=3, stop_after_s=20)
    for i in range(30):
        tracker.record("g", 1000.0 + i, [("live", 0, 100 + i, 101 + i), ("gone", 0, 50, 80)])
    status, reason = tracker.evaluate("g", has_members=frozenset({("live", 0)}), now=1029.0)
    assert status is LagStatus.STOP and reason.startswith("gone-0: ")
    # the group-wide answer (no readable assignments) still means "a member may hold it"
    assert tracker.evaluate("g", has_members=True, now=1029.0)[0] is LagStatus.STALL
