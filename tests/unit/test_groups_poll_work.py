"""The groups poll's work grows with the groups whose offsets moved, not with all groups (issue 14).

`KafkaSource.groups` is driven from hand-made answers of its requests (`GroupsFetch`, the shape
`kafka_fetch.fetch_groups` returns; no cluster: what is tested is the build from the answers), and
the lag rule's calls are counted (`kafkatui.kafka.lag.evaluate_partition`), never timed. The
laziness it relies on (`LagTracker.repeat`) is checked to be exact against a tracker that records
every sample.
"""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest

from kafkatui.config import Settings
from kafkatui.kafka import lag
from kafkatui.kafka.fetch import GroupsFetch
from kafkatui.kafka.lag import LagTracker
from kafkatui.kafka.lag_time import RoundResult
from kafkatui.kafka.source import KafkaSource
from kafkatui.model import LagStatus

CHANGED = 3  # groups whose offsets move at each poll


def answers(groups: int, tick: int) -> GroupsFetch:
    """`groups` caught-up groups of one member on 3 partitions each; the first CHANGED commit (and
    are written to) at every tick; group 5 has no members and is 7 behind."""
    listed: dict[str, tuple[int, Any]] = {}
    described: dict[str, Any] = {}
    committed: dict[str, dict[tuple[str, int], int | None]] = {}
    latest: dict[tuple[str, int], int] = {}
    for i in range(groups):
        gid, topic = f"g{i:05d}", f"t{i:05d}"
        listed[gid] = (1, SimpleNamespace(group_state="Stable", protocol_type="consumer"))
        assignment = SimpleNamespace(assigned_partitions=[SimpleNamespace(topic=topic, partitions=[0, 1, 2])])
        members = [] if i == 5 else [SimpleNamespace(member_id=f"m{i}", client_id=f"c{i}", client_host="/h",
                                                     member_assignment=assignment)]
        described[gid] = SimpleNamespace(group_state="Stable", protocol_type="consumer", protocol_data="range",
                                         members=members)
        moved = tick if i < CHANGED else 0
        committed[gid] = {(topic, p): 100 + moved for p in range(3)}
        latest.update({(topic, p): 100 + moved + (7 if i == 5 else 0) for p in range(3)})
    return GroupsFetch(listed, described, committed, latest, [], {})


def offline_source(monkeypatch: pytest.MonkeyPatch, answer: list[GroupsFetch]) -> KafkaSource:
    """A source whose requests are answered by `answer[0]`, the lag-in-time round by nothing."""
    source = KafkaSource(Settings())

    def call(what: str, coro: Any, timing: dict[str, float], timeout_s: float | None = None) -> tuple[Any, int]:
        return (RoundResult() if what == "lag in time" else answer[0]), 0

    monkeypatch.setattr(source, "_call", call)
    return source


def rule_calls_per_poll(monkeypatch: pytest.MonkeyPatch, groups: int) -> tuple[int, int, Any]:
    """Calls of the partition lag rule in a poll where only CHANGED groups moved, and in one where
    none did (after 3 polls to fill the windows); and the last snapshot."""
    calls = [0]
    rule = lag.evaluate_partition

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return rule(*args, **kwargs)

    monkeypatch.setattr(lag, "evaluate_partition", counted)
    answer = [answers(groups, 0)]
    source = offline_source(monkeypatch, answer)
    for tick in range(3):
        answer[0] = answers(groups, tick)
        source.groups()
    calls[0] = 0
    answer[0] = answers(groups, 3)
    source.groups()
    moving = calls[0]
    calls[0] = 0
    snapshot = source.groups()  # the same answers again
    return moving, calls[0], snapshot


def test_a_poll_re_evaluates_only_the_groups_that_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    small_moving, small_idle, _small = rule_calls_per_poll(monkeypatch, 200)
    big_moving, big_idle, big = rule_calls_per_poll(monkeypatch, 2_000)
    # the CHANGED groups' partitions (also in the poll after: their windows still hold the move), and
    # the lagging group 5 (its verdict changes with time): never all
    assert small_moving == big_moving == (CHANGED + 1) * 3
    assert small_idle == big_idle == (CHANGED + 1) * 3
    assert len(big.groups) == 2_000
    assert {g.status for g in big.groups if g.id != "g00005"} == {LagStatus.OK}
    assert big.groups[5].status is LagStatus.STOP and big.groups[5].total_lag == 21


def test_the_kept_evaluation_is_what_a_full_evaluation_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same polls with every group recorded and judged afresh give equal groups."""
    ticks = [0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3]

    def polls() -> list[Any]:
        answer = [answers(40, 0)]
        source = offline_source(monkeypatch, answer)
        out = []
        for tick in ticks:
            answer[0] = answers(40, tick)
            out.append([g for g in source.groups().groups if g.id != "g00005"])  # its reason names seconds
        return out

    kept = polls()
    monkeypatch.setattr(LagTracker, "repeat", lambda self, group_id, at: False)
    assert kept == polls()


def sequence(seed: int, polls: int) -> list[list[tuple[str, int, int | None, int | None]]]:
    """Offsets of one group's 2 partitions per poll: long equal runs, moves, rewinds, lag and none."""
    rng = random.Random(seed)
    out = []
    state = {0: (10, 10), 1: (None, 5)}
    for _ in range(polls):
        if rng.random() < 0.12:
            p = rng.randrange(2)
            committed, end = state[p]
            latest = end if end is not None else 20
            choice = rng.randrange(5)
            if choice == 0:
                state[p] = (latest, latest + 3)  # falls behind
            elif choice == 1:
                state[p] = (latest, latest)  # catches up
            elif choice == 2:
                state[p] = ((committed or 0) - 2, latest)  # rewinds
            elif choice == 3:
                state[p] = (None, latest)  # nothing committed
            else:
                state[p] = (committed, None)  # no log end offset
        out.append([("t", p, c, e) for p, (c, e) in sorted(state.items())])
    return out


@pytest.mark.parametrize("seed", range(20))
def test_repeat_is_exactly_a_record_of_the_same_offsets(seed: int) -> None:
    lazy, full = LagTracker(stop_after_s=12.0), LagTracker(stop_after_s=12.0)
    last = None
    repeated = 0
    for n, offsets in enumerate(sequence(seed, 150)):
        at = n * 5.0
        full.record("g", at, offsets)
        if offsets == last and lazy.repeat("g", at):
            repeated += 1
        else:
            lazy.record("g", at, offsets)
        last = offsets
        if n % 7 == 0 or n == 149:  # read now and then: a read applies what was left pending
            members = n % 2 == 0
            assert lazy.evaluate("g", members, at) == full.evaluate("g", members, at)
            assert lazy.windows("g") == full.windows("g")
            assert lazy.trend("g") == full.trend("g")
    assert repeated  # the sequence had settled stretches
