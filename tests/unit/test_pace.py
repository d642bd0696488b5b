"""The app protects the host (refresh/pace.py): when a source's polls cost too much of the host's
CPU for its interval it is polled less often, capped, and back gradually once cheap. Pure: no
clock, no cluster."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kafkatui.model import ClusterSnapshot, SourceError
from kafkatui.refresh.pace import NORMAL, Pace, PacePolicy, PollCost, Spent, next_pace, pace_note
from kafkatui.refresh.policy import PollResult, apply_poll, delay_on_activate, with_pace
from kafkatui.refresh.state import AppState, Source, SourceHealth

POLICY = PacePolicy(share=0.25, min_cost_s=0.5, max_factor=8.0)  # round numbers (the defaults: their own test)


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
    assert pace.interval_s == 13.0 and pace.reason == "kafka used 3.2s CPU"  # 3.2 s is 25 % of 12.8 s
    assert pace_note(5.0, pace) == "refresh 5s→13s (kafka used 3.2s CPU)"
    assert pace_note(5.0, pace, why=False) == "refresh 5s→13s"  # the header at 80 columns
    assert next_pace(NORMAL, 5.0, PollCost(1.3), POLICY, "kafka").interval_s == 6.0  # whole seconds


def test_the_stretch_is_capped_at_8x_and_60s() -> None:
    assert run([PollCost(30.0)]) == [40.0]  # 8 x 5 s
    assert run([PollCost(30.0)], set_interval=10.0) == [60.0]  # 8 x 10 s would be 80 s
    assert run([PollCost(30.0)], set_interval=90.0) == [90.0]  # a set interval over 60 s is never shortened
    assert run([PollCost(30.0)] * 5) == [40.0] * 5
    assert pace_note(5.0, next_pace(NORMAL, 5.0, PollCost(30.0), POLICY, "kafka")) == (
        "refresh 5s→40s (kafka used 30.0s CPU)")


def test_the_defaults_keep_a_10000_topic_refresh_near_idle_and_leave_a_healthy_one_alone() -> None:
    """What an operator gets (issue 14: under 3 % of a core at idle): 2.5 % of a core for all polls,
    a 0.1 s floor, 12x. A 30,000-partition refresh used 0.66-0.93 s of CPU (scale_ui): polled every
    27-38 s, not every 5 s (13-19 % of a core); a 2,000-partition one (~0.05 s) is never
    stretched, nor one at the floor; 1.8 s (a loaded host) is capped at 60 s."""
    defaults = PacePolicy()
    assert run([PollCost(0.9)], policy=defaults) == [36.0]
    assert run([PollCost(1.8)], policy=defaults) == [60.0]
    assert run([PollCost(0.05), PollCost(0.1), PollCost(0.125)], policy=defaults) == [5.0, 5.0, 5.0]
    assert run([PollCost(0.2)], policy=defaults) == [8.0]
    assert run([PollCost(0.09)], set_interval=1.0, policy=defaults) == [1.0]  # under the 0.1 s floor


def test_a_sources_part_is_what_the_others_leave_and_never_less_than_an_equal_part() -> None:
    policy = PacePolicy(share=0.03, min_cost_s=0.0)
    assert policy.share_for([]) == 0.03
    assert policy.share_for([0.002, 0.004]) == pytest.approx(0.024)  # cheap polls leave the rest
    assert policy.share_for([0.05]) == pytest.approx(0.015)  # an expensive one: half each, not nothing
    assert next_pace(NORMAL, 5.0, PollCost(0.3), policy, others=[]).interval_s == 10.0
    assert next_pace(NORMAL, 5.0, PollCost(0.3), policy, others=[0.015]).interval_s == 20.0


def test_short_polls_never_stretch_a_short_interval() -> None:
    """At 1 s the share rule alone would fire on a 0.3 s poll of a busy machine: min_cost_s."""
    assert run([PollCost(0.5), PollCost(0.3)], set_interval=1.0) == [1.0, 1.0]
    assert run([PollCost(0.6)], set_interval=1.0) == [3.0]  # 0.6 s is 25 % of 2.4 s




def test_it_recovers_gradually_after_three_cheap_polls_per_halving() -> None:
    stretched = next_pace(NORMAL, 5.0, PollCost(9.0), POLICY, "kafka")
    assert stretched.interval_s == 36.0
    assert run([PollCost(0.1)] * 9, pace=stretched) == [36.0, 36.0, 18.0, 18.0, 18.0, 9.0, 9.0, 9.0, 5.0]
    back = next_pace(next_pace(next_pace(Pace(10.0, "x"), 5.0, PollCost(0.1), POLICY), 5.0, PollCost(0.1), POLICY),
                     5.0, PollCost(0.1), POLICY)
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


def test_an_unknown_cost_holds_the_interval() -> None:
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


def answered() -> AppState:
    """A state whose cluster has answered before: its next polls are paced."""
    return AppState(refresh_s=5.0).with_health(Source.CLUSTER, SourceHealth(last_ok_at=980.0))


def test_a_sources_first_answer_is_a_cold_start_and_never_stretches() -> None:
    first = PollResult(Source.CLUSTER, cluster(), None, 990.0, 993.2, cpu_s=3.2)
    state, delay = apply_poll(AppState(refresh_s=5.0), first, 1_000.0)
    assert delay == 5.0 and Source.CLUSTER not in state.pace
    assert apply_poll(state, first, 1_005.0)[1] == 60.0  # the second one counts (128 s, capped at 12x)


def test_apply_poll_schedules_the_next_poll_at_the_stretched_interval() -> None:
    state, delay = apply_poll(answered(), PollResult(Source.CLUSTER, cluster(), None, 990.0, 993.2,
                                                                  cpu_s=0.32), 1_000.0)
    assert delay == 13.0 and state.poll_interval(Source.CLUSTER) == 13.0  # 0.32 s is 2.5 % of 12.8 s
    assert state.pace[Source.CLUSTER].reason == "kafka used 0.3s CPU"
    assert state.poll_interval(Source.GROUPS) == 5.0  # paced per source
    # a view shown later keeps the stretched interval
    assert delay_on_activate(state.health[Source.CLUSTER], state.poll_interval(Source.CLUSTER), 994.0) == (
        pytest.approx(12.2 + 0.2))


def test_apply_poll_paces_by_cpu_not_by_wall_time() -> None:
    """A hung broker (SIGSTOP) makes a poll slow in wall time but costs the host nothing: it does
    not stretch the interval (it used to, up to 8x, so the app saw the hung broker later); the
    same wall time spent on the host's CPU does."""
    waited = PollResult(Source.CLUSTER, cluster(), None, 990.0, 993.2, cpu_s=0.01)
    state, delay = apply_poll(answered(), waited, 1_000.0)
    assert delay == 5.0 and Source.CLUSTER not in state.pace
    busy = replace(waited, cpu_s=0.32)
    assert apply_poll(answered(), busy, 1_000.0)[1] == 13.0


def test_apply_poll_a_timeout_backs_off_and_does_not_stretch_the_interval() -> None:
    """A poll that ran into its deadline grows the deadline (refresh/deadline.py), not the
    interval: the next attempt comes after the ordinary backoff."""
    timeout = PollResult(Source.CLUSTER, None, SourceError("kafka", "no answer within 4 s"), 996.0, 1_000.0,
                         timed_out=True, cpu_s=0.02)
    state, delay = apply_poll(AppState(refresh_s=5.0), timeout, 1_000.0, rand=lambda: 0.5)
    assert delay == 5.0 and Source.CLUSTER not in state.pace
    assert state.request_timeout(Source.CLUSTER) == 8.0


def test_activate_keeps_a_stretched_interval() -> None:
    health = SourceHealth(last_ok_at=98.0, last_duration_s=0.5)
    assert delay_on_activate(health, 15.0, now=100.0) == pytest.approx(13.5)


def test_apply_poll_shares_one_budget_with_the_sources_still_polled() -> None:
    """The groups poll uses 0.2 s every 10 s (2 % of a core) of the 2.5 %: a 0.32 s cluster poll
    gets an equal part (1.25 %), so 26 s, not the 13 s it gets alone. Once the groups are no
    longer polled (another view, two intervals without a poll), the cluster has the whole share."""
    result = PollResult(Source.CLUSTER, cluster(), None, 990.0, 993.2, cpu_s=0.32)
    busy = replace(answered(), spent={Source.GROUPS: Spent(0.2, 10.0, 995.0)})
    state, delay = apply_poll(busy, result, 1_000.0)
    assert delay == 26.0
    assert state.spent[Source.CLUSTER] == Spent(0.32, 26.0, 1_000.0)
    assert state.spent[Source.GROUPS] == Spent(0.2, 10.0, 995.0)
    assert apply_poll(busy, result, 1_030.0)[1] == 13.0  # the groups' last poll is 35 s old


def test_one_budget_keeps_the_overviews_polls_together_near_it_at_10000_topics() -> None:
    """The overview's four sources at 10,000 topics (CPU per poll as measured: Kafka 0.93 s, groups
    0.22 s; the processes and ZooKeeper polls cheap), polled as the app does, each at its paced
    interval, for 20 minutes: all of them together use about the share, not four times a share
    each (5 % per source made 11 % of a core). The Kafka poll is capped at 60 s, and the cheap
    ones (under the floor) at their set interval, so it is a little over 2.5 %."""
    costs = {Source.CLUSTER: 0.93, Source.GROUPS: 0.22, Source.PROCESSES: 0.03, Source.ZOOKEEPER: 0.01}
    state = AppState(refresh_s=5.0)
    due = {source: 0.1 * i for i, source in enumerate(costs)}
    while (now := min(due.values())) < 1_200.0:
        source = min(due, key=due.__getitem__)
        state = with_pace(state, source, PollCost(costs[source]), now)
        due[source] = now + state.poll_interval(source)
    total = sum(spent.rate for spent in state.spent.values())
    assert total < 0.031, f"{total:.2%} of a core"
    assert state.poll_interval(Source.CLUSTER) == 60.0 and state.poll_interval(Source.PROCESSES) == 5.0
    assert 30.0 <= state.poll_interval(Source.GROUPS) <= 40.0


def test_a_processes_polls_cost_leaves_out_its_log_dir_walks() -> None:
    """The poll worker's cost for pacing (ui/polling.py): the processes source's log-dir walks
    pace themselves (processes/source.py), so a poll that walked for 50 ms and did 20 ms of other
    work costs 20 ms, not 70 ms, and a costly walk does not stretch the processes' interval."""
    from types import SimpleNamespace

    from kafkatui.model import ProcessesSnapshot
    from kafkatui.ui.polling import PollingMixin

    def burn(seconds: float) -> None:
        began = time.thread_time()
        while time.thread_time() - began < seconds:
            pass

    class Processes:
        walked = 0.0

        def refresh(self, brokers: object = ()) -> ProcessesSnapshot:
            began = time.thread_time()
            burn(0.05)  # the walk
            self.walked += time.thread_time() - began
            burn(0.02)
            return ProcessesSnapshot(fetched_at=1.0, duration_s=0.07, processes=())

    processes = Processes()
    hub = SimpleNamespace(call=lambda name, fn: fn(processes), io_cpu_s=lambda: 0.0,
                          walk_cpu_s=lambda: processes.walked)
    posted: list[object] = []
    app = SimpleNamespace(_hub=hub, _state=AppState(), settings=SimpleNamespace(connect_timeout_s=4.0),
                          post_message=posted.append)
    PollingMixin._poll_worker(app, Source.PROCESSES, ())  # type: ignore[arg-type]
    (message,) = posted
    assert message.cpu_s >= 0.07  # the worker's whole CPU, for the benchmark's trace
    assert 0.02 <= message.poll_cpu_s < 0.045, message.poll_cpu_s
