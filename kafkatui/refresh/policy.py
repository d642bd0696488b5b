"""The refresh loop's decisions, as pure functions of the state: the seam between the data and
the Textual app.

Why pure: this is the part that must never go wrong under a failing cluster (backoff, stale
marks, which sources a view needs), and as plain functions it is unit-tested without a
terminal or a cluster. The app (`ui/polling.py`) only turns the answers into `set_timer`
calls and thread workers:

    wanted_sources(...)        which sources to keep armed for the visible view
    delay_on_activate(...)     when to poll a source a new view needs
    apply_poll(...)            fold one poll result into AppState -> (new state, delay to next poll)
                               (and pace the source: refresh/pace.py, the app protects the host;
                               and set its request deadline: refresh/deadline.py)
    mark_slow(...)             mark a source stale while its poll hangs
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kafkatui.health.controller import observe_metadata, observe_zookeeper
from kafkatui.model import ClusterHealth, ClusterSnapshot, GroupsSnapshot, SourceError, ZkSnapshot
from kafkatui.refresh.deadline import DEFAULT_DEADLINE_POLICY, SET, DeadlinePolicy, PollWait, next_deadline
from kafkatui.refresh.pace import DEFAULT_POLICY, NORMAL, PacePolicy, PollCost, Spent, next_pace
from kafkatui.refresh.state import KAFKA_SOURCES, AppState, Source, SourceHealth

MAX_BACKOFF_S = 30.0
HISTORY_POINTS = 30
ZOOKEEPER_BACKOFF_CAP_S = 5.0
"""A failed ZooKeeper poll costs one refused TCP connect, and kazoo itself retries at most every
5 s (zookeeper/source.py RETRY_MAX_DELAY_S): back off no further, so a restarted ZooKeeper shows
as connected within seconds instead of after the general 30 s cap."""
PARTIAL_ERRORS_SHOWN = 3


# --------------------------------------------------------------------------- timing policy


def next_delay(
    refresh_s: float,
    failures: int,
    *,
    cap: float = MAX_BACKOFF_S,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next poll after `failures` consecutive failures (0 = last poll was good).

    Doubles from `refresh_s` like kazoo's KazooRetry: refresh, refresh, 2*refresh, 4*refresh ...
    capped at `cap` (but never below `refresh_s`). `jitter` (0..1) spreads retries by ±jitter
    so several sources that failed together don't retry in lock-step.
    """
    if failures <= 0:
        delay = refresh_s
    else:
        exponent = min(failures - 1, 16)  # keeps 2**n small; the cap bites long before
        delay = min(refresh_s * 2**exponent, max(cap, refresh_s))
    if jitter > 0:
        delay *= 1 + jitter * (2 * rand() - 1)
    return max(0.0, delay)


def delay_on_activate(health: SourceHealth, interval_s: float, now: float) -> float:
    """When a view that needs a source appears: poll now if its data is due, else when it is due.

    A failing source keeps its backoff (switching views must not hammer a dead broker), and
    `interval_s` is the one the source is polled at now (`AppState.poll_interval`), so a source
    whose interval was stretched keeps that interval.
    """
    if health.stale and health.next_attempt_at is not None:
        return max(0.0, health.next_attempt_at - now)
    if health.last_ok_at is None:
        return 0.0
    return max(0.0, health.last_ok_at + (health.last_duration_s or 0.0) + interval_s - now)


def slow_after(refresh_s: float) -> float:
    """How long a poll may run before the UI marks its source stale while it still waits."""
    return max(10.0, 3 * refresh_s)


# --------------------------------------------------------------------------- bounded histories


def push_history(series: tuple[Any, ...] | None, value: Any, limit: int = HISTORY_POINTS) -> tuple[Any, ...]:
    return ((*(series or ()), value))[-limit:]


def topic_rate_history(
    history: Mapping[str, tuple[float, ...]], snapshot: ClusterSnapshot, limit: int = HISTORY_POINTS
) -> dict[str, tuple[float, ...]]:
    """Append each topic's msgs/s (when the source knew it) and drop topics that are gone.

    An idle topic's series stays as it is: no traffic is not appended to a series that has seen
    none (no series, or `limit` zeros), which would draw the same flat line. Why (issue 14):
    each refresh otherwise changed every idle topic's series, so the topics view made every row
    again at every refresh of a 10,000-topic cluster. An idle topic's trend is blank until it
    has traffic, and flat once the window has seen none."""
    out: dict[str, tuple[float, ...]] = {}
    for topic in snapshot.topics:
        series = history.get(topic.name, ())
        rate = topic.msgs_per_s
        if rate is not None and (rate or any(series)):
            series = push_history(series, float(rate), limit)
        if series:
            out[topic.name] = series
    return out


def lag_trends(
    history: Mapping[str, tuple[int, ...]], snapshot: GroupsSnapshot, limit: int = HISTORY_POINTS
) -> dict[str, tuple[int, ...]]:
    """Append each group's total lag (when known) and drop groups that are gone."""
    out: dict[str, tuple[int, ...]] = {}
    for g in snapshot.groups:
        series = history.get(g.id, ())
        if g.total_lag is not None:
            series = push_history(series, g.total_lag, limit)
        out[g.id] = series
    return out


# --------------------------------------------------------------------------- which sources


def wanted_sources(view_sources: Iterable[Source], state: AppState, zookeeper_configured: bool) -> frozenset[Source]:
    """The sources to keep polling: what the visible view needs, plus the cluster for the header.

    Groups wait for the cluster's first answer: they share the Kafka client, and its lock, with
    the cluster poll, so before it a groups poll only waits out the same connect timeout and
    delays the first "Kafka DOWN" and its reason by a whole timeout (measured: 8 s, not 4).
    Either answer counts, the full refresh or the header's light health poll, so a view that
    shows groups and no cluster data need not ask for every partition's offsets to get them.
    ZooKeeper is not polled when none is configured or the cluster turns out to be KRaft.
    """
    wanted = set(view_sources) | {Source.CLUSTER}
    cluster = state.cluster
    if cluster is None and state.health[Source.CLUSTER].last_ok_at is None:
        wanted.discard(Source.GROUPS)  # the security poll shares that client too
        wanted.discard(Source.SECURITY)
        wanted.discard(Source.QUORUM)
    if not zookeeper_configured or (cluster is not None and cluster.kraft):
        wanted.discard(Source.ZOOKEEPER)
    return frozenset(wanted)


# --------------------------------------------------------------------------- folding a result in


@dataclass(frozen=True)
class PollResult:
    """What one poll of one source came back with (a snapshot or an error) and when, and its
    history folded ahead in the poll's worker thread (`fold_ahead`), if it was."""

    source: Source
    snapshot: object | None
    error: SourceError | None
    started_at: float
    finished_at: float
    ahead: Ahead | None = None
    timed_out: bool = False  # it ran into its request deadline (the app knows the deadline it gave)
    cpu_s: float | None = None  # the CPU the poll used (its worker's and the Kafka IO thread's; None: not known)


def partial_error(errors: tuple[str, ...]) -> str:
    """One line for a refresh that kept some data but lost parts of it (snapshot.errors)."""
    more = len(errors) - PARTIAL_ERRORS_SHOWN
    return "partial refresh: " + "; ".join(errors[:PARTIAL_ERRORS_SHOWN]) + (f" (+{more} more)" if more > 0 else "")


@dataclass(frozen=True)
class Ahead:
    """A source's history with one snapshot folded in, and the history it was folded into."""

    base: Mapping[str, tuple[Any, ...]]
    history: dict[str, tuple[Any, ...]]


def fold_ahead(state: AppState, source: Source, snapshot: object) -> Ahead | None:
    """The history `fold` would make of this snapshot, made now (None: the source has none).

    Why (issue 14): folding 10,000 topics' rates took the UI thread 30-40 ms at every refresh
    and 5,000 groups' lags 15-25 ms, so the poll's worker thread folds them as soon as the
    snapshot is in, into the state of that moment; `fold` takes the result when that history is
    still the state's (one poll of a source is in flight at a time, so it is, unless the state
    was replaced meanwhile), else folds again itself."""
    if source is Source.CLUSTER and isinstance(snapshot, ClusterSnapshot):
        base = state.topic_rate_history
        return Ahead(base, topic_rate_history(base, snapshot))
    if source is Source.GROUPS and isinstance(snapshot, GroupsSnapshot):
        return Ahead(state.lag_trends, lag_trends(state.lag_trends, snapshot))
    return None


def fold(state: AppState, source: Source, snapshot: object, ahead: Ahead | None = None) -> AppState:
    """AppState with one new snapshot, plus the bounded histories derived from it (`ahead`: as
    `fold_ahead` made them, taken when made from this state's history)."""
    if source is Source.CLUSTER and isinstance(snapshot, ClusterSnapshot):
        history = (ahead.history if ahead is not None and ahead.base is state.topic_rate_history
                   else topic_rate_history(state.topic_rate_history, snapshot))
        watch = state.controller if snapshot.kraft else observe_metadata(
            state.controller, snapshot.controller_id, snapshot.fetched_at)
        return replace(state, cluster=snapshot, controller=watch, topic_rate_history=history,
                       brokers=snapshot.brokers)
    if source is Source.CLUSTER:  # ClusterHealth (a light poll): only the known brokers may change
        brokers = snapshot.brokers if isinstance(snapshot, ClusterHealth) else state.brokers
        return state if brokers == state.brokers else replace(state, brokers=brokers)
    if source is Source.GROUPS and isinstance(snapshot, GroupsSnapshot):
        trends = (ahead.history if ahead is not None and ahead.base is state.lag_trends
                  else lag_trends(state.lag_trends, snapshot))
        return replace(state, groups=snapshot, lag_trends=trends)
    if source is Source.ZOOKEEPER:
        watch = state.controller
        if isinstance(snapshot, ZkSnapshot) and snapshot.controller_read:
            metadata = state.cluster.controller_id if state.cluster is not None else None
            watch = observe_zookeeper(watch, snapshot.controller_id, metadata, snapshot.fetched_at)
        return replace(state, zookeeper=snapshot, controller=watch)  # type: ignore[arg-type]
    if source is Source.SECURITY:
        return replace(state, security=snapshot)  # type: ignore[arg-type]
    if source is Source.QUORUM:
        return replace(state, quorum=snapshot)  # type: ignore[arg-type]
    return replace(state, processes=snapshot)  # type: ignore[arg-type]


def poll_cost(result: PollResult, first: bool = False) -> PollCost | None:
    """What a poll cost the host, for pacing: the CPU it used (pace.py says why not its wall
    time), or None when that is not known. A source's `first` answer is a cold start (connecting,
    the first scan of /proc): it says little about the next polls and never stretches the interval
    (measured: a first processes poll used 0.6 s of CPU, the next ones 0.03 s)."""
    if first or result.cpu_s is None:
        return None
    return PollCost(max(0.0, result.cpu_s))


def poll_wait(result: PollResult) -> PollWait | None:
    """How long a poll waited, for its deadline: None for a failure that did not run into the
    deadline (a refused connection says nothing about how long an answer takes)."""
    failed = result.error is not None or result.snapshot is None
    if failed and not result.timed_out:
        return None
    return PollWait(max(0.0, result.finished_at - result.started_at), result.timed_out)


def with_deadline(state: AppState, source: Source, result: PollResult,
                  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY) -> AppState:
    """The state with the source's next request deadline (a Kafka source only)."""
    if source not in KAFKA_SOURCES:
        return state
    old = state.deadlines.get(source, SET)
    new = next_deadline(old, state.timeout_s, poll_wait(result), policy)
    return state if new == old else replace(state, deadlines={**state.deadlines, source: new})


def with_pace(state: AppState, source: Source, cost: PollCost | None, now: float,
              policy: PacePolicy = DEFAULT_POLICY) -> AppState:
    """The state with the source's next pace, judged against what the other sources still polled
    use of the one share (refresh/pace.py), and with what this source's polls now use."""
    others = [spent.rate for other, spent in state.spent.items() if other is not source and spent.current(now)]
    old = state.pace.get(source, NORMAL)
    paced = next_pace(old, state.interval(source), cost, policy, source.value, others)
    if paced != old:
        state = replace(state, pace={**state.pace, source: paced})
    if cost is not None:
        state = replace(state, spent={**state.spent, source: Spent(cost.cpu_s, paced.interval(state.interval(source)),
                                                                   now)})
    return state


def apply_poll(state: AppState, result: PollResult, now: float,
               rand: Callable[[], float] = random.random,
               pace: PacePolicy = DEFAULT_POLICY,
               deadline: DeadlinePolicy = DEFAULT_DEADLINE_POLICY) -> tuple[AppState, float]:
    """Fold one poll result into the state: (the new state, seconds until this source's next poll).

    Success: the snapshot replaces the old one and the source is healthy, unless the snapshot
    itself lost parts (a SIGSTOP'd broker timed out): then its data is kept but the source is
    marked stale with what was lost, never "ok". Failure: the last data stays, the source is
    marked stale since its first failure, and the next poll backs off (with jitter, so sources
    that failed together do not retry in lock-step). A failed ZooKeeper poll still carries the
    live session state, which replaces the old one so the header does not say CONNECTED.

    Either way the poll's cost paces the source (`pace`, refresh/pace.py): the next poll is no
    sooner than the paced interval, so a poll that took too much of the host's CPU for its
    interval makes the next one come later instead of stacking work on a loaded host. And a
    poll that ran into its request deadline gives the next one a longer deadline (`deadline`,
    refresh/deadline.py), so a large cluster on a loaded host gets its answers at last.
    """
    source = result.source
    state = with_deadline(state, source, result, deadline)
    state = with_pace(state, source, poll_cost(result, state.health[source].last_ok_at is None), now, pace)
    paced = state.pace.get(source, NORMAL)
    health = state.health[source]
    if result.error is None and result.snapshot is not None:
        state = fold(state, source, result.snapshot, result.ahead)
        duration = getattr(result.snapshot, "duration_s", result.finished_at - result.started_at)
        new_health = health.succeeded(result.finished_at, duration)
        lost = tuple(getattr(result.snapshot, "errors", ()) or ())
        if lost:
            new_health = replace(new_health, error=partial_error(lost),
                                 stale_since=health.stale_since or result.finished_at)
        return state.with_health(source, new_health), state.poll_interval(source)
    error = result.error or SourceError(source.value, "no data")
    cap = ZOOKEEPER_BACKOFF_CAP_S if source is Source.ZOOKEEPER else MAX_BACKOFF_S
    delay = next_delay(state.refresh_s, health.failures + 1, cap=cap, jitter=0.1, rand=rand)
    if paced.stretched:
        delay = max(delay, state.poll_interval(source))
    new_health = health.failed(result.finished_at, str(error), now + delay)
    session = getattr(error, "session_state", None)
    if source is Source.ZOOKEEPER and session is not None and state.zookeeper is not None:
        state = replace(state, zookeeper=replace(state.zookeeper, state=session))  # last stats, live state
    return state.with_health(source, new_health), delay


def mark_slow(state: AppState, in_flight: Mapping[Source, float], already: Iterable[Source],
              now: float) -> tuple[AppState, frozenset[Source]]:
    """Mark each source whose poll has hung longer than `slow_after` stale (once per poll): the
    header must not say "ok" while a SIGSTOP'd broker keeps the answer from coming. Returns the
    new state and the sources newly marked."""
    marked = set(already)
    newly: set[Source] = set()
    for source, started in in_flight.items():
        waited = now - started
        if waited > slow_after(state.refresh_s) and source not in marked:
            newly.add(source)
            state = state.with_health(source, state.health[source].failed(now, f"no answer for {waited:.0f}s", None))
    return state, frozenset(newly)
