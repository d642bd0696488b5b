"""Catch-up ETA and "falling behind" from a group's lag window (kafkatui.kafka.catch_up)."""

from __future__ import annotations

from kafkatui.kafka.catch_up import (
    CATCHING_UP,
    FALLING_BEHIND,
    KEEPING_UP,
    UNKNOWN,
    catch_up,
    eta_text,
    window_rates,
)
from kafkatui.kafka.lag import LagSample, LagTracker
from kafkatui.model import CatchUp


def window(*rows: tuple[float, int, int]) -> list[LagSample]:
    return [LagSample(at, committed, latest) for at, committed, latest in rows]


def test_rates_are_offset_deltas_over_the_window_summed_over_partitions() -> None:
    rates = window_rates({
        ("orders", 0): window((0, 100, 200), (5, 150, 220), (10, 200, 240)),  # consumes 10/s, produced 4/s
        ("orders", 1): window((0, 0, 50), (10, 30, 60)),  # consumes 3/s, produced 1/s
    })
    assert rates is not None
    assert rates.consume_per_s == 13.0 and rates.produce_per_s == 5.0
    assert (rates.lag_first, rates.lag_last) == (150, 70)


def test_no_rates_without_two_samples_apart() -> None:
    assert window_rates({}) is None
    assert window_rates({("t", 0): window((0, 1, 5))}) is None
    assert window_rates({("t", 0): window((3, 1, 5), (3, 2, 5))}) is None
    assert window_rates({("t", 0): [LagSample(0, None, 5), LagSample(5, None, 9)]}) is None  # nothing committed


def test_a_rewind_counts_as_no_progress_not_a_negative_rate() -> None:
    rates = window_rates({("t", 0): window((0, 500, 600), (10, 100, 700))})
    assert rates is not None and rates.consume_per_s == 0.0 and rates.produce_per_s == 10.0


def test_catching_up_eta_is_lag_over_net_rate() -> None:
    rates = window_rates({("t", 0): window((0, 0, 1000), (10, 200, 1100))})  # 20/s in, 10/s out
    found = catch_up(900, rates)
    assert found.state == CATCHING_UP and found.eta_s == 90.0
    assert (found.consume_per_s, found.produce_per_s) == (20.0, 10.0)
    assert eta_text(found) == "1m 30s"


def test_falling_behind_needs_produce_above_consume_and_a_growing_lag() -> None:
    growing = window_rates({("t", 0): window((0, 0, 100), (10, 50, 300))})
    found = catch_up(250, growing)
    assert found.state == FALLING_BEHIND and found.eta_s is None
    assert found.reason == "produced 20.0/s, consumed 5.0/s" and eta_text(found) == "falling behind"
    # produce above consume in the rates (partitions seen over different spans), but the lag did not
    # grow over the window: not "falling behind"
    not_growing = window_rates({("t", 0): window((9, 0, 100), (10, 0, 105)),
                                ("t", 1): window((0, 0, 100), (10, 10, 100))})
    assert not_growing is not None and (not_growing.produce_per_s, not_growing.consume_per_s) == (5.0, 1.0)
    assert (not_growing.lag_first, not_growing.lag_last) == (200, 195)
    assert catch_up(195, not_growing) == CatchUp(UNKNOWN, consume_per_s=1.0, produce_per_s=5.0,
                                                 reason="lag not shrinking")


def test_unknown_and_caught_up() -> None:
    assert catch_up(None, None) == CatchUp(UNKNOWN, reason="lag unknown")
    assert catch_up(0, None).state == "caught_up" and eta_text(catch_up(0, None)) == "caught up"
    assert catch_up(5, None) == CatchUp(UNKNOWN, reason="rates need 2 refreshes")
    idle = window_rates({("t", 0): window((0, 10, 20), (10, 10, 20))})  # nobody consumes, nobody produces
    assert catch_up(10, idle).reason == "no commit progress" and eta_text(catch_up(10, idle)) == "—"
    assert eta_text(None) == "—"


def test_the_tracker_window_feeds_the_rates() -> None:
    tracker = LagTracker(window=5)
    tracker.record("g", 0.0, [("t", 0, 0, 1000)])
    tracker.record("g", 10.0, [("t", 0, 300, 1100)])
    found = catch_up(800, window_rates(tracker.windows("g")))
    assert found.state == CATCHING_UP and found.eta_s == 40.0  # 30/s in, 10/s produced: 800 / 20
    assert tracker.windows("missing") == {}


def test_a_small_lag_in_a_consuming_group_is_keeping_up_not_falling_behind() -> None:
    """The demo's billing group: lag 0 then 2 at ~2 msgs/s in and out read "falling behind"."""
    sawing = window_rates({("t", 0): window((0, 0, 0), (10, 18, 20))})  # 1.8/s out, 2/s in, lag 0 -> 2
    assert sawing is not None and sawing.lag_last > sawing.lag_first
    found = catch_up(2, sawing)
    assert found.state == KEEPING_UP and eta_text(found) == "keeping up"
    # the band is 10 s of production: 20 records deep at 2/s keeps up, 21 does not
    assert catch_up(20, sawing).state == KEEPING_UP
    assert catch_up(21, sawing).state == FALLING_BEHIND
    # nobody consumes: never keeping up, whatever the lag
    stopped = window_rates({("t", 0): window((0, 5, 5), (10, 5, 25))})
    assert catch_up(2, stopped).state == FALLING_BEHIND
