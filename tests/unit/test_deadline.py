"""The adaptive request deadline (refresh/deadline.py): a Kafka source whose poll ran into its
deadline gets a longer one, capped, and back gradually once its polls are quick; a refused
connection (an outage, not slowness) never grows it. Pure: no clock, no cluster."""

from __future__ import annotations

from kafkatui.model import ClusterSnapshot, SourceError
from kafkatui.refresh.deadline import SET, Deadline, DeadlinePolicy, PollWait, deadline_note, next_deadline
from kafkatui.refresh.policy import PollResult, apply_poll
from kafkatui.refresh.state import AppState, Source

POLICY = DeadlinePolicy()  # the defaults an operator gets: 30 s cap, 3 quick polls per halving
TIMED_OUT = PollWait(4.0, timed_out=True)


def run(polls: list[PollWait | None], base: float = 4.0, deadline: Deadline = SET,
        policy: DeadlinePolicy = POLICY) -> list[float]:
    """The deadline in force after each poll."""
    out = []
    for poll in polls:
        deadline = next_deadline(deadline, base, poll, policy)
        out.append(deadline.timeout(base))
    return out


def test_answered_polls_keep_the_set_timeout() -> None:
    assert run([PollWait(0.1), PollWait(3.9), None]) == [4.0, 4.0, 4.0]
    assert deadline_note(4.0, SET) == ""


def test_a_poll_that_ran_into_its_deadline_doubles_it_up_to_30s() -> None:
    assert run([TIMED_OUT] * 5) == [8.0, 16.0, 30.0, 30.0, 30.0]
    assert deadline_note(4.0, Deadline(8.0)) == "timeout 4s→8s"
    assert run([TIMED_OUT], base=40.0) == [40.0]  # a set timeout over the cap is never shortened
    assert run([TIMED_OUT] * 2, policy=DeadlinePolicy(max_s=10.0)) == [8.0, 10.0]


def test_a_refused_connection_never_grows_it() -> None:
    """A dead broker refuses at once: an outage, reported at once, not a slow answer worth waiting for."""
    assert run([None] * 3) == [4.0] * 3
    assert next_deadline(Deadline(16.0, calm=2), 4.0, None) == Deadline(16.0)  # holds, the count restarts


def test_it_shrinks_gradually_after_three_quick_polls_per_halving() -> None:
    grown = Deadline(30.0)
    assert run([PollWait(0.5)] * 9, deadline=grown) == [30.0, 30.0, 15.0, 15.0, 15.0, 7.5, 7.5, 7.5, 4.0]
    back = next_deadline(next_deadline(next_deadline(Deadline(8.0), 4.0, PollWait(1.0)), 4.0, PollWait(1.0)),
                         4.0, PollWait(1.0))
    assert back == SET and deadline_note(4.0, back) == ""


def test_hysteresis_a_poll_between_the_thresholds_holds_it_and_restarts_the_count() -> None:
    """At 16 s a 5 s answer is in time but over half of 8 s: halving would risk the next timeout,
    so it stays, and the quick-poll count starts over after it."""
    polls = [PollWait(1.0), PollWait(1.0), PollWait(5.0), PollWait(1.0), PollWait(1.0), PollWait(1.0)]
    assert run(polls, deadline=Deadline(16.0)) == [16.0, 16.0, 16.0, 16.0, 16.0, 8.0]
    # a refresh that takes about 5 s with 4 s set: it times out, gets 8 s, and stays there (no 4 -> 8 -> 4 flapping)
    hovering = [TIMED_OUT] + [PollWait(4.5), PollWait(5.5)] * 4
    assert set(run(hovering)) == {8.0}


# --------------------------------------------------------------------------- folded into AppState


def cluster() -> ClusterSnapshot:
    return ClusterSnapshot(fetched_at=1_000.0, duration_s=4.0, cluster_id="c", controller_id=1, brokers=(),
                           topics=(), errors=("latest offsets from broker 2: KafkaTimeoutError",))


def test_apply_poll_grows_the_deadline_of_that_source_only() -> None:
    state = AppState(timeout_s=4.0)
    lost_parts = PollResult(Source.CLUSTER, cluster(), None, 996.0, 1_000.0, timed_out=True, cpu_s=0.1)
    state, _ = apply_poll(state, lost_parts, 1_000.0)
    assert state.request_timeout(Source.CLUSTER) == 8.0 and state.request_timeout(Source.GROUPS) == 4.0
    assert state.health[Source.CLUSTER].stale  # what it lost is reported now, whatever the next deadline
    failed = PollResult(Source.GROUPS, None, SourceError("kafka", "no answer within 4 s"), 996.0, 1_000.0,
                        timed_out=True)
    state, _ = apply_poll(state, failed, 1_000.0, rand=lambda: 0.5)
    assert state.request_timeout(Source.GROUPS) == 8.0 and state.health[Source.GROUPS].stale


def test_apply_poll_leaves_the_non_kafka_sources_alone() -> None:
    """ZooKeeper and the processes have their own fixed timeouts: no deadline to grow."""
    state = AppState(timeout_s=4.0)
    for source in (Source.ZOOKEEPER, Source.PROCESSES):
        failed = PollResult(source, None, SourceError(source.value, "timed out"), 996.0, 1_000.0, timed_out=True)
        state, _ = apply_poll(state, failed, 1_000.0, rand=lambda: 0.5)
    assert state.deadlines == {}
