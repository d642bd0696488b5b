"""The refresh loop's seam (refresh/policy.py): how one poll result changes the state, and which
sources a view keeps armed. Pure: no terminal, no cluster."""

from __future__ import annotations

from dataclasses import replace

from kafkatui.model import (
    Broker,
    ClusterHealth,
    ClusterSnapshot,
    Partition,
    SecuritySnapshot,
    SourceError,
    Topic,
    ZkSnapshot,
    ZkState,
)
from kafkatui.refresh.policy import (
    MAX_BACKOFF_S,
    ZOOKEEPER_BACKOFF_CAP_S,
    PollResult,
    apply_poll,
    fold,
    fold_ahead,
    mark_slow,
    slow_after,
    wanted_sources,
)
from kafkatui.refresh.state import AppState, Source

NOW = 1_000.0


def cluster(errors: tuple[str, ...] = (), kraft: bool = False) -> ClusterSnapshot:
    return ClusterSnapshot(fetched_at=NOW, duration_s=0.2, cluster_id="c", controller_id=1, brokers=(), topics=(),
                           kraft=kraft, errors=errors)


def ok(source: Source, snapshot: object) -> PollResult:
    return PollResult(source, snapshot, None, NOW - 0.3, NOW)


def failed(source: Source, error: SourceError) -> PollResult:
    return PollResult(source, None, error, NOW - 4, NOW)


def test_a_good_answer_replaces_the_data_and_polls_again_at_the_interval() -> None:
    state, delay = apply_poll(AppState(refresh_s=5.0), ok(Source.CLUSTER, cluster()), NOW)
    assert state.cluster is not None and state.cluster.cluster_id == "c"
    health = state.health[Source.CLUSTER]
    assert not health.stale and health.last_ok_at == NOW and health.last_duration_s == 0.2
    assert delay == 5.0


def test_a_failure_keeps_the_last_data_marks_it_stale_and_backs_off() -> None:
    state, _ = apply_poll(AppState(refresh_s=5.0), ok(Source.CLUSTER, cluster()), NOW)
    delays = []
    timeout = failed(Source.CLUSTER, SourceError("kafka", "timed out"))
    for _ in range(6):
        state, delay = apply_poll(state, timeout, NOW, rand=lambda: 0.5)
        delays.append(delay)
    assert state.cluster is not None  # the last good data stays on screen
    health = state.health[Source.CLUSTER]
    assert health.stale and health.error == "kafka: timed out" and health.stale_since == NOW
    assert health.failures == 6 and health.next_attempt_at == NOW + delays[-1]
    assert delays == [5.0, 10.0, 20.0, MAX_BACKOFF_S, MAX_BACKOFF_S, MAX_BACKOFF_S]  # rand 0.5: no jitter


def test_a_recovery_clears_the_stale_mark() -> None:
    state, _ = apply_poll(AppState(), failed(Source.CLUSTER, SourceError("kafka", "down")), NOW)
    state, _ = apply_poll(state, ok(Source.CLUSTER, cluster()), NOW)
    assert not state.health[Source.CLUSTER].stale and state.health[Source.CLUSTER].failures == 0


def test_a_partial_answer_keeps_its_data_but_is_not_called_ok() -> None:
    lost = ("broker 2: timed out", "a", "b", "c")
    state, delay = apply_poll(AppState(refresh_s=5.0), ok(Source.CLUSTER, cluster(errors=lost)), NOW)
    health = state.health[Source.CLUSTER]
    assert state.cluster is not None and health.stale and delay == 5.0
    assert health.error == "partial refresh: broker 2: timed out; a; b (+1 more)"


def test_zookeeper_backs_off_no_further_than_its_own_cap_and_takes_the_live_session_state() -> None:
    zk = ZkSnapshot(fetched_at=NOW, duration_s=0.1, state=ZkState.CONNECTED, hosts="h:1", server=None)
    state, _ = apply_poll(AppState(refresh_s=5.0), ok(Source.ZOOKEEPER, zk), NOW)
    error = SourceError("zookeeper", "connection lost")
    error.session_state = ZkState.SUSPENDED  # type: ignore[attr-defined]
    for _ in range(5):
        state, delay = apply_poll(state, failed(Source.ZOOKEEPER, error), NOW, rand=lambda: 0.5)
    assert delay == max(ZOOKEEPER_BACKOFF_CAP_S, 5.0)
    assert state.zookeeper is not None and state.zookeeper.state is ZkState.SUSPENDED


def test_groups_wait_for_the_first_cluster_answer_and_zookeeper_only_when_it_applies() -> None:
    view = {Source.GROUPS, Source.ZOOKEEPER}
    assert wanted_sources(view, AppState(), True) == {Source.CLUSTER, Source.ZOOKEEPER}
    zk_mode = replace(AppState(), cluster=cluster())
    assert wanted_sources(view, zk_mode, True) == {Source.CLUSTER, Source.GROUPS, Source.ZOOKEEPER}
    assert wanted_sources(view, zk_mode, False) == {Source.CLUSTER, Source.GROUPS}
    kraft = replace(AppState(), cluster=cluster(kraft=True))
    assert wanted_sources(view, kraft, True) == {Source.CLUSTER, Source.GROUPS}
    # the quorum view's poll shares the Kafka client too: after the cluster's first answer
    assert wanted_sources({Source.QUORUM}, AppState(), False) == {Source.CLUSTER}
    assert wanted_sources({Source.QUORUM}, kraft, False) == {Source.CLUSTER, Source.QUORUM}
    assert wanted_sources((), AppState(), True) == {Source.CLUSTER}  # the header always needs the cluster


def test_groups_are_polled_after_the_light_cluster_answer_too() -> None:
    """A view that shows groups and no cluster data gets only the header's light cluster poll
    (ClusterHealth, which leaves state.cluster unset): its answer must still let groups start."""
    health = ClusterHealth(fetched_at=NOW, duration_s=0.01, cluster_id="c", brokers=(), requests=1)
    before = AppState()
    assert wanted_sources({Source.GROUPS}, before, False) == {Source.CLUSTER}
    after, _delay = apply_poll(before, ok(Source.CLUSTER, health), NOW)
    assert after.cluster is None
    assert wanted_sources({Source.GROUPS}, after, False) == {Source.CLUSTER, Source.GROUPS}


def test_a_hanging_poll_is_marked_stale_once() -> None:
    state = AppState(refresh_s=5.0)
    started = NOW - slow_after(5.0) - 1
    state, newly = mark_slow(state, {Source.CLUSTER: started, Source.GROUPS: NOW - 1}, (), NOW)
    assert newly == {Source.CLUSTER}
    assert state.health[Source.CLUSTER].stale and "no answer for" in (state.health[Source.CLUSTER].error or "")
    assert not state.health[Source.GROUPS].stale
    again, newly = mark_slow(state, {Source.CLUSTER: started}, {Source.CLUSTER}, NOW + 1)
    assert newly == frozenset() and again is state


def test_a_history_folded_ahead_is_taken_only_when_made_from_the_states_history() -> None:
    """The poll's worker thread folds the rates in ahead (off the UI thread); the UI thread takes that
    only if the state's history is still the one it was folded into, else it folds again itself."""
    topic = Topic("orders", False, (Partition("orders", 0, 1, (1,), (1,)),), msgs_per_s=4.0)
    snap = replace(cluster(), topics=(topic,))
    state = AppState(topic_rate_history={"orders": (1.0, 2.0)})
    ahead = fold_ahead(state, Source.CLUSTER, snap)
    assert ahead is not None and ahead.history == {"orders": (1.0, 2.0, 4.0)}
    taken, _ = apply_poll(state, replace(ok(Source.CLUSTER, snap), ahead=ahead), NOW)
    assert taken.topic_rate_history is ahead.history  # not folded a second time

    moved_on = replace(state, topic_rate_history={"orders": (9.0,)})  # another landing came first
    again, _ = apply_poll(moved_on, replace(ok(Source.CLUSTER, snap), ahead=ahead), NOW)
    assert again.topic_rate_history == {"orders": (9.0, 4.0)}


def security(unavailable: dict[str, str] | None = None) -> SecuritySnapshot:
    return SecuritySnapshot(fetched_at=NOW, acls=None, quotas=(), scram_users=(), unavailable=unavailable or {})


def test_security_is_polled_only_for_its_view_after_the_cluster_and_at_its_slow_interval() -> None:
    answered = replace(AppState(), cluster=cluster())
    assert Source.SECURITY not in wanted_sources({Source.CLUSTER, Source.GROUPS}, answered, True)
    assert wanted_sources({Source.SECURITY}, AppState(), False) == {Source.CLUSTER}  # shares the Kafka client
    assert wanted_sources({Source.SECURITY}, answered, False) == {Source.CLUSTER, Source.SECURITY}
    for refresh_s, interval in ((2.0, 30.0), (60.0, 60.0)):  # every 30 s, or the refresh interval if longer
        state, delay = apply_poll(AppState(refresh_s=refresh_s), ok(Source.SECURITY, security()), NOW)
        assert delay == interval and state.security is not None
        assert state.interval(Source.CLUSTER) == refresh_s  # the other sources keep the set interval


def test_a_part_security_cannot_read_is_a_fact_not_a_stale_source() -> None:
    snap = security({"acls": "no authorizer configured (SECURITY_DISABLED)"})
    state, _delay = apply_poll(AppState(), ok(Source.SECURITY, snap), NOW)
    assert not state.health[Source.SECURITY].stale and state.security == snap
    state, delay = apply_poll(state, failed(Source.SECURITY, SourceError("kafka", "timed out")), NOW, rand=lambda: 0.5)
    assert state.health[Source.SECURITY].stale and state.security == snap and delay == state.refresh_s


def test_the_groups_views_poll_groups_and_only_the_header_light_cluster_health() -> None:
    """Views that show groups and no cluster data must not make the app fetch every partition's
    offsets (issue 14): the cluster is polled (for the header) but light, which the poll loop
    decides by the view's SOURCES leaving out Source.CLUSTER (ui/polling.py)."""
    from kafkatui.ui.screens.group_detail import GroupDetailScreen
    from kafkatui.ui.screens.groups import GroupsScreen

    health = ClusterHealth(fetched_at=NOW, duration_s=0.01, cluster_id="c", brokers=(), requests=1)
    answered, _delay = apply_poll(AppState(), ok(Source.CLUSTER, health), NOW)
    for view in (GroupsScreen, GroupDetailScreen):
        assert view.SOURCES == {Source.GROUPS}, view.__name__
        assert wanted_sources(view.SOURCES, answered, False) == {Source.CLUSTER, Source.GROUPS}


def test_the_processes_view_matches_processes_to_the_brokers_of_the_light_cluster_poll() -> None:
    """The processes view shows no cluster data, only processes matched to brokers (issue 14):
    the light cluster poll must bring the brokers (AppState.brokers, what the processes poll is
    matched to), and an unchanged light answer must leave the state alone (nothing to redraw)."""
    from kafkatui.ui.screens.processes import ProcessesScreen

    assert ProcessesScreen.SOURCES == {Source.PROCESSES}
    brokers = (Broker(1, "127.0.0.1", 19092), Broker(2, "127.0.0.1", 19093))
    health = ClusterHealth(fetched_at=NOW, duration_s=0.01, cluster_id="c", brokers=brokers, requests=1)
    state, _delay = apply_poll(AppState(), ok(Source.CLUSTER, health), NOW)
    assert state.brokers == brokers and state.cluster is None
    assert wanted_sources(ProcessesScreen.SOURCES, state, False) == {Source.CLUSTER, Source.PROCESSES}
    same = fold(state, Source.CLUSTER, replace(health, fetched_at=NOW + 5))
    assert same is state
    full = fold(state, Source.CLUSTER, replace(cluster(), brokers=brokers[:1]))
    assert full.brokers == brokers[:1]  # the full poll's brokers count as well
