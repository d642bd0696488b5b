"""The app protects the host (refresh/pace.py): when a source's polls cost too much of its
interval it is polled less often, capped, and back gradually once cheap. Pure: no clock, no cluster."""

from __future__ import annotations

import pytest

from kafkatui.model import ClusterSnapshot, SourceError
from kafkatui.refresh.pace import NORMAL, Pace, PacePolicy, PollCost, next_pace, pace_note
from kafkatui.refresh.policy import PollResult, apply_poll, delay_on_activate
from kafkatui.refresh.state import AppState, Source, SourceHealth

POLICY = PacePolicy()  # the defaults an operator gets: 25 %, 0.5 s floor, 8x / 60 s cap, 3 calm polls


def run(costs: list[PollCost | None], set_interval: float = 5.0, pace: Pace = NORMAL,
        policy: PacePolicy = POLICY) -> list[float]:
    """The interval in use after each poll."""
    out = []
    for cost in costs:
        pace = next_pace(pace, set_interval, cost, policy, "kafka")
        out.append(pace.interval(set_interval))
    return out


def test_cheap_polls_keep_the_set_interval() -> None:
    assert run([PollCost(0.2), PollCost(1.25), PollCost(0.0)]) == [5.0, 5.0, 5.0]  # 1.25 s is exactly 25 %


def test_a_poll_over_the_share_stretches_the_interval_until_it_fits_and_says_why() -> None:
    pace = next_pace(NORMAL, 5.0, PollCost(3.2), POLICY, "kafka")
    assert pace.interval_s == 13.0 and pace.reason == "kafka took 3.2s"  # 3.2 s is 25 % of 12.8 s
    assert pace_note(5.0, pace) == "refresh 5s→13s (kafka took 3.2s)"
    assert pace_note(5.0, pace, why=False) == "refresh 5s→13s"  # the header at 80 columns
    assert next_pace(NORMAL, 5.0, PollCost(1.3), POLICY, "kafka").interval_s == 6.0  # whole seconds


def test_the_stretch_is_capped_at_8x_and_60s() -> None:
    assert run([PollCost(30.0)]) == [40.0]  # 8 x 5 s
    assert run([PollCost(30.0)], set_interval=10.0) == [60.0]  # 8 x 10 s would be 80 s
    assert run([PollCost(30.0)], set_interval=90.0) == [90.0]  # a set interval over 60 s is never shortened
    assert run([PollCost(30.0)] * 5) == [40.0] * 5
    assert pace_note(5.0, next_pace(NORMAL, 5.0, PollCost(30.0), POLICY, "kafka")) == (
        "refresh 5s→40s (kafka took 30.0s)")


def test_short_polls_never_stretch_a_short_interval() -> None:
    """At 1 s the share rule alone would fire on a 0.3 s poll of a busy machine: min_cost_s."""
    assert run([PollCost(0.5), PollCost(0.3)], set_interval=1.0) == [1.0, 1.0]
    assert run([PollCost(0.6)], set_interval=1.0) == [3.0]  # 0.6 s is 25 % of 2.4 s


def test_a_timed_out_poll_stretches_even_under_the_share() -> None:
    """A timeout only says the poll cost at least that long: it at least doubles the interval."""
    pace = next_pace(NORMAL, 30.0, PollCost(4.0, timed_out=True), POLICY, "security")
    assert pace.interval_s == 60.0 and pace.reason == "security timed out at 4s"
    assert run([PollCost(4.0, timed_out=True)] * 4) == [16.0, 32.0, 40.0, 40.0]  # 4 s is 25 % of 16 s, then 2x


def test_it_recovers_gradually_after_three_cheap_polls_per_halving() -> None:
    stretched = next_pace(NORMAL, 5.0, PollCost(9.0), POLICY, "kafka")
    assert stretched.interval_s == 36.0
    assert run([PollCost(0.1)] * 9, pace=stretched) == [36.0, 36.0, 18.0, 18.0, 18.0, 9.0, 9.0, 9.0, 5.0]
    back = next_pace(next_pace(next_pace(Pace(10.0, "x"), 5.0, PollCost(0.1)), 5.0, PollCost(0.1)), 5.0,
                     PollCost(0.1))
    assert back == NORMAL and pace_note(5.0, back) == ""


def test_hysteresis_a_poll_between_the_thresholds_holds_the_interval_and_restarts_the_count() -> None:
    """At 20 s a 3 s poll is within 25 % (5 s) but over half the share of 10 s (1.25 s): shrinking to
    10 s would stretch again at once, so it stays; the cheap-poll count starts over after it."""
    pace = Pace(20.0, "kafka took 4.0s")
    costs = [PollCost(0.1), PollCost(0.1), PollCost(3.0), PollCost(0.1), PollCost(0.1), PollCost(0.1)]
    assert run(costs, pace=pace) == [20.0, 20.0, 20.0, 20.0, 20.0, 10.0]
    # polls hovering around the share of the set interval (1.2 s, then 1.3 s, of 25 % of 5 s = 1.25 s)
    # would go 8 -> 5 -> 6 -> 5 if it shrank as soon as they fit; the margin of half keeps it at 8
    hovering = [PollCost(2.0)] + [PollCost(1.2), PollCost(1.2), PollCost(1.2), PollCost(1.3)] * 3
    assert set(run(hovering)) == {8.0}


def test_a_failure_that_did_not_time_out_says_nothing_about_cost() -> None:
    pace = Pace(20.0, "why", calm=2)
    assert next_pace(pace, 5.0, None, POLICY) == Pace(20.0, "why", 0)
    assert next_pace(NORMAL, 5.0, None, POLICY) == NORMAL


def test_the_share_is_configurable() -> None:
    assert run([PollCost(2.0)], policy=PacePolicy(share=0.5)) == [5.0]
    assert run([PollCost(2.0)], policy=PacePolicy(share=0.1)) == [20.0]


# --------------------------------------------------------------------------- folded into AppState


def cluster() -> ClusterSnapshot:
    return ClusterSnapshot(fetched_at=1_000.0, duration_s=0.2, cluster_id="c", controller_id=1, brokers=(),
                           topics=())


def test_apply_poll_schedules_the_next_poll_at_the_stretched_interval() -> None:
    state, delay = apply_poll(AppState(refresh_s=5.0), PollResult(Source.CLUSTER, cluster(), None, 990.0, 993.2),
                              1_000.0)
    assert delay == 13.0 and state.poll_interval(Source.CLUSTER) == 13.0
    assert state.pace[Source.CLUSTER].reason == "kafka took 3.2s"
    assert state.poll_interval(Source.GROUPS) == 5.0  # paced per source
    # a view shown later keeps the stretched interval
    assert delay_on_activate(state.health[Source.CLUSTER], state.poll_interval(Source.CLUSTER), 994.0) == (
        pytest.approx(12.2 + 0.2))


def test_apply_poll_a_timeout_waits_the_stretched_interval_not_the_short_backoff() -> None:
    timeout = PollResult(Source.CLUSTER, None, SourceError("kafka", "no answer within 4 s"), 996.0, 1_000.0,
                         timed_out=True)
    state, delay = apply_poll(AppState(refresh_s=5.0), timeout, 1_000.0, rand=lambda: 0.5)
    assert delay == 16.0 and state.pace[Source.CLUSTER].reason == "kafka timed out at 4s"
    refused = PollResult(Source.CLUSTER, None, SourceError("kafka", "refused"), 999.9, 1_000.0)
    _, delay = apply_poll(AppState(refresh_s=5.0), refused, 1_000.0, rand=lambda: 0.5)
    assert delay == 5.0  # the ordinary backoff: a refused connection costs nothing


def test_activate_keeps_a_stretched_interval() -> None:
    health = SourceHealth(last_ok_at=98.0, last_duration_s=0.5)
    assert delay_on_activate(health, 15.0, now=100.0) == pytest.approx(13.5)
