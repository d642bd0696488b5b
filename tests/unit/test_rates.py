"""rates: msgs/s from log end offset deltas, with honest None where no rate can be known."""

from __future__ import annotations

import pytest

from kafkatui.kafka.rates import RateTracker, sum_topic_rates


def test_first_sight_is_none_then_delta_over_time() -> None:
    tracker = RateTracker()
    assert tracker.update(100.0, {("t", 0): 1000, ("t", 1): 50}) == {("t", 0): None, ("t", 1): None}
    rates = tracker.update(105.0, {("t", 0): 1500, ("t", 1): 50})
    assert rates == {("t", 0): pytest.approx(100.0), ("t", 1): 0.0}


def test_offsets_going_backwards_give_none_and_rebaseline() -> None:
    tracker = RateTracker()
    tracker.update(0.0, {("t", 0): 5000})
    assert tracker.update(10.0, {("t", 0): 20}) == {("t", 0): None}  # topic re-created
    assert tracker.update(20.0, {("t", 0): 120}) == {("t", 0): pytest.approx(10.0)}


def test_unknown_offset_gives_none_but_keeps_baseline() -> None:
    tracker = RateTracker()
    tracker.update(0.0, {("t", 0): 0})
    assert tracker.update(5.0, {("t", 0): None}) == {("t", 0): None}
    assert tracker.update(10.0, {("t", 0): 200}) == {("t", 0): pytest.approx(20.0)}


def test_time_not_moving_forward_gives_none() -> None:
    tracker = RateTracker()
    tracker.update(10.0, {("t", 0): 0})
    assert tracker.update(10.0, {("t", 0): 100}) == {("t", 0): None}


def test_partitions_no_longer_present_are_forgotten() -> None:
    tracker = RateTracker()
    tracker.update(0.0, {("t", 0): 0, ("t", 1): 0})
    tracker.update(1.0, {("t", 0): 10})
    # ("t", 1) returns after a gap: treated as new, not as a 2-second delta
    assert tracker.update(2.0, {("t", 0): 20, ("t", 1): 100}) == {("t", 0): 10.0, ("t", 1): None}


def test_sum_topic_rates_ignores_unknown_partitions_unless_all_unknown() -> None:
    rates = {("a", 0): 1.5, ("a", 1): None, ("a", 2): 2.5, ("b", 0): None}
    assert sum_topic_rates(rates) == {"a": 4.0, "b": None}


def test_topic_rates_reflect_last_update() -> None:
    tracker = RateTracker()
    tracker.update(0.0, {("a", 0): 0, ("a", 1): 0, ("b", 0): 7})
    assert tracker.topic_rates() == {"a": None, "b": None}
    tracker.update(2.0, {("a", 0): 10, ("a", 1): 30, ("b", 0): 7})
    assert tracker.topic_rates() == {"a": 20.0, "b": 0.0}

