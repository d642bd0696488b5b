"""health.rules: each rule on hand-made model values (no cluster), and the disk fill tracker.

The live proofs (each condition made to happen on the real cluster) are in
tests/live/test_health_live.py.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace as NS
from typing import Any

from kafkatui.health.rules import (
    CRITICAL,
    KINDS,
    ORDER,
    WARNING,
    ClusterMemo,
    balance,
    cluster_findings,
    drift_findings,
    findings,
    lag_time_text,
    log_starts,
    min_isr_state,
    partition_finding,
    time_to_full,
)
from kafkatui.kafka.convert_health import min_isr_from_response, reassignments_from_response
from kafkatui.kafka.disks import DiskFillTracker
from kafkatui.model import (
    Broker,
    CatchUp,
    ClusterConfigs,
    ClusterSnapshot,
    Group,
    GroupPartition,
    GroupsSnapshot,
    LagStatus,
    LogDir,
    Partition,
    Quorum,
    QuorumVoter,
    Reassignment,
    Topic,
)

BROKERS = (Broker(1, "h", 1), Broker(2, "h", 2), Broker(3, "h", 3))


def snap(*topics: Topic, min_isr: dict[str, int] | None = None, broker_min_isr: int | None = 1,
         log_dirs: tuple[LogDir, ...] = (), reassignments: tuple[Reassignment, ...] = (),
         broker_configs: dict | None = None, configs: bool = True) -> ClusterSnapshot:
    cfg = ClusterConfigs(1.0, min_isr or {}, broker_min_isr, broker_configs or {}) if configs else None
    return ClusterSnapshot(1.0, 0.1, "c", 1, BROKERS, topics, log_dirs=log_dirs, reassignments=reassignments,
                           configs=cfg)


def part(p: int, leader: int, replicas: tuple[int, ...], isr: tuple[int, ...], topic: str = "orders",
         earliest: int | None = 0) -> Partition:
    return Partition(topic, p, leader, replicas, isr, earliest=earliest, latest=100)


def kinds(cluster: ClusterSnapshot | None, groups: GroupsSnapshot | None = None) -> list[tuple[str, str, str]]:
    return [(f.kind, f.severity, f.subject) for f in findings(cluster, groups)]


def test_min_isr_conditions_with_their_reason() -> None:
    under = partition_finding(part(3, 1, (1, 2, 3), (1,)), 2)
    assert under is not None and (under.kind, under.severity) == ("under_min_isr", CRITICAL)
    assert under.subject == "orders 3"
    assert under.detail.startswith("ISR 1 < min.insync.replicas 2, producers with acks=all fail")
    at = partition_finding(part(0, 1, (1, 2, 3), (1, 2)), 2)
    assert at is not None and (at.kind, at.severity) == ("at_min_isr", WARNING) and "missing 3" in at.detail
    # without a min ISR known (configs not fetched yet) it is plain under-replication
    plain = partition_finding(part(0, 1, (1, 2, 3), (1, 2)), None)
    assert plain is not None and plain.kind == "under_replicated"
    # ISR = min ISR = RF is not "at min ISR": nothing is missing
    assert partition_finding(part(0, 1, (1, 2), (1, 2)), 2) is None
    # offline beats everything
    off = partition_finding(Partition("orders", 1, -1, (1, 2, 3), ()), 2)
    assert off is not None and off.kind == "offline_partition" and off.detail.startswith("no leader")


def test_effective_min_isr_is_the_override_else_the_broker_setting() -> None:
    topics = (Topic("orders", False, (part(0, 1, (1, 2, 3), (1, 2)),)),
              Topic("logs", False, (part(0, 1, (1, 2, 3), (1, 2), topic="logs"),)))
    found = kinds(snap(*topics, min_isr={"orders": 2}, broker_min_isr=1))
    assert found == [("at_min_isr", WARNING, "orders 0"), ("under_replicated", WARNING, "logs 0")]
    found = kinds(snap(*topics, min_isr={"orders": 2}, broker_min_isr=2))
    assert ("at_min_isr", WARNING, "logs 0") in found


def test_rf_below_min_isr_is_one_finding_per_topic() -> None:
    audit = Topic("audit", False, tuple(part(i, 1, (1,), (1,), topic="audit") for i in range(4)))
    found = findings(snap(audit, min_isr={"audit": 2}))
    assert [(f.kind, f.severity, f.subject) for f in found] == [("rf_below_min_isr", CRITICAL, "audit")]
    assert found[0].detail == ("replication factor 1 < min.insync.replicas 2, "
                               "producers with acks=all can never write")


def test_log_dirs_offline_and_filling() -> None:
    day = 86_400
    dirs = (
        LogDir(1, "/a", "KafkaStorageException", None, None, 0),
        LogDir(2, "/b", None, 2 * 10**12, 10**9, 0, fill_bytes_per_s=10**9 / (day / 2)),  # 12 h; another disk
        LogDir(3, "/c", None, 10**12, 10**9, 0, fill_bytes_per_s=10**9 / 600),  # full in 10 min
        LogDir(3, "/d", None, 10**12, 10**9, 0, fill_bytes_per_s=10**9 / (2 * day)),  # 2 days: fine
        LogDir(3, "/e", None, 10**12, 10**9, 0, fill_bytes_per_s=-5.0),  # being freed
    )
    found = findings(snap(log_dirs=dirs))
    assert [(f.kind, f.severity, f.subject) for f in found] == [
        ("offline_log_dir", CRITICAL, "broker 1 /a"),
        ("disk_full_soon", CRITICAL, "broker 3 /c"),
        ("disk_full_soon", WARNING, "broker 2 /b"),
    ]
    assert "KafkaStorageException" in found[0].detail and "full in about" in found[2].detail
    assert time_to_full(dirs[4]) is None and time_to_full(dirs[0]) is None


def test_reassignment_progress_from_sizes() -> None:
    r = Reassignment("orders", 2, (1, 2, 3), adding=(3,), removing=(1,), leader_bytes=1000,
                     copied_bytes=((3, 450),))
    assert r.progress == 0.45
    found = findings(snap(reassignments=(r,)))
    assert [(f.kind, f.subject) for f in found] == [("reassignment_in_progress", "orders 2")]
    assert "adding 3" in found[0].detail and "removing 1" in found[0].detail and "copied 45%" in found[0].detail
    unknown = Reassignment("orders", 2, (1, 2, 3), adding=(3,), removing=(1,), leader_bytes=1000,
                           copied_bytes=((3, None),))
    assert unknown.progress is None and "progress unknown" in findings(snap(reassignments=(unknown,)))[0].detail


def test_reassignments_from_a_response() -> None:
    response = NS(error_code=0, topics=[NS(name="orders", partitions=[
        NS(partition_index=2, replicas=[1, 2, 3], adding_replicas=[3], removing_replicas=[1])])])
    sizes = {2: {("orders", 2): 800}, 3: {("orders", 2): 200}}
    got, errors = reassignments_from_response(response, {("orders", 2): 2}, sizes)
    assert errors == [] and got[0].leader_bytes == 800 and got[0].copied_bytes == ((3, 200),)
    assert got[0].progress == 0.25
    failed, errors = reassignments_from_response(NS(error_code=41, topics=[]), {}, {})
    assert failed == [] and errors == ["reassignments: NotControllerError"]


def test_min_isr_from_a_batched_response() -> None:
    cfg = NS(name="min.insync.replicas", value="2")
    response = NS(results=[NS(error_code=0, resource_name="orders", configs=[cfg]),
                           NS(error_code=3, resource_name="gone", configs=[])])
    values, errors = min_isr_from_response(response)
    assert values == {"orders": 2} and errors == ["topic configs: 1 topic UnknownTopicOrPartitionError"]


def test_leader_imbalance_counts_preferred_misses_in_the_isr() -> None:
    # broker 2 is preferred for 3 partitions and in their ISR, but leads none (a restart moved them)
    moved = tuple(part(i, 1 if i % 2 else 3, (2, 1, 3), (1, 2, 3)) for i in range(3))
    own = tuple(part(i, 1, (1, 2, 3), (1, 2, 3)) for i in range(3, 6))
    down = (part(6, 1, (3, 1, 2), (1, 2)),)  # 3 is preferred but out of the ISR: an outage, not imbalance
    cluster = snap(Topic("orders", False, moved + own + down))
    counts = balance(cluster)
    assert (counts[2].preferred, counts[2].misses, counts[2].leaders) == (3, 3, 0)
    assert counts[3].misses == 0 and counts[1].leaders == 5
    imbalance = [f for f in findings(cluster) if f.kind == "leader_imbalance"]
    assert [f.subject for f in imbalance] == ["broker 2"]
    assert "not the leader of 3 of the 3 partitions" in imbalance[0].detail and "skew" in imbalance[0].detail
    auto = {b: {"auto.leader.rebalance.enable": "true", "leader.imbalance.check.interval.seconds": "30"}
            for b in (1, 2, 3)}
    [found] = [f for f in findings(snap(Topic("orders", False, moved + own + down), broker_configs=auto))
               if f.kind == "leader_imbalance"]
    assert "moves them back at its next check (every 30 s, leader.imbalance.check.interval.seconds)" in found.detail


def test_leader_imbalance_follows_the_brokers_threshold() -> None:
    """Kafka's rule: listed only above leader.imbalance.per.broker.percentage, read per broker."""
    one_miss = (part(0, 3, (2, 1, 3), (1, 2, 3)),)
    own = tuple(part(i, 2, (2, 1, 3), (1, 2, 3)) for i in range(1, 10))  # broker 2 preferred for 10, misses 1
    topic = Topic("orders", False, one_miss + own)
    assert balance(snap(topic))[2].misses == 1
    assert [f for f in findings(snap(topic)) if f.kind == "leader_imbalance"] == []  # 10 % is not above 10 %
    low = {b: {"leader.imbalance.per.broker.percentage": "5", "auto.leader.rebalance.enable": "false"}
           for b in (1, 2, 3)}
    found = [f for f in findings(snap(topic, broker_configs=low)) if f.kind == "leader_imbalance"]
    assert [f.subject for f in found] == ["broker 2"]
    assert "(10% > leader.imbalance.per.broker.percentage 5%)" in found[0].detail
    assert "auto.leader.rebalance.enable=false" in found[0].detail


def test_disk_full_soon_is_one_finding_per_shared_filesystem() -> None:
    day = 86_400
    rate = 10**9 / (day / 2)
    dirs = (  # one host, one disk: equal totals, usable bytes a moment apart
        LogDir(1, "/s/1", None, 10**12, 10**9, 0, fill_bytes_per_s=rate),
        LogDir(2, "/s/2", None, 10**12, 10**9 - 4096, 0, fill_bytes_per_s=rate),
        LogDir(3, "/s/3", None, 10**12, 10**9 + 4096, 0, fill_bytes_per_s=rate),
    )
    found = [f for f in findings(snap(log_dirs=dirs)) if f.kind == "disk_full_soon"]
    assert [f.subject for f in found] == ["brokers 1,2,3 on h"]
    assert "shared by broker 1 /s/1, broker 2 /s/2, broker 3 /s/3" in found[0].detail
    apart = ClusterSnapshot(1.0, 0.1, "c", 1, (Broker(1, "h1", 1), Broker(2, "h2", 2), Broker(3, "h3", 3)), (),
                            log_dirs=dirs)
    assert [f.subject for f in findings(apart)] == ["broker 1 /s/1", "broker 2 /s/2", "broker 3 /s/3"]


def test_quorum_follower_lag() -> None:
    voters = (
        QuorumVoter(3000, 500, 0, 10, 10, is_leader=True),
        QuorumVoter(3001, 499, 1, 200, 200),  # one record behind for a moment: normal
        QuorumVoter(3002, 380, 120, 61_000, 61_000),  # stopped a minute ago
    )
    observers = (QuorumVoter(2, 490, 10, 15_000, 15_000, is_observer=True),  # a paused broker
                 QuorumVoter(3, 500, 0, 100, 100, is_observer=True))
    quorum = Quorum(3000, 7, 500, voters, observers)
    cluster = ClusterSnapshot(1.0, 0.1, "c", 3000, BROKERS, (), quorum=quorum, kraft=True)
    found = [f for f in findings(cluster) if f.kind == "quorum_follower_lag"]
    assert [(f.subject, f.severity) for f in found] == [("broker 2", WARNING), ("controller 3002", WARNING)]
    assert found[1].detail.startswith("120 records behind the high watermark 500 of leader 3000; last fetch 1m")
    assert "its metadata (topics, leaders, configs) is stale" in found[0].detail


def test_min_isr_state_of_a_topic() -> None:
    topic = Topic("orders", False, (part(0, 1, (1, 2, 3), (1,)), part(1, 1, (1, 2, 3), (1, 2)),
                                    part(2, 1, (1, 2, 3), (1, 2, 3))))
    state = min_isr_state(topic, 2)
    assert (state.under, state.at, state.rf_below) == (1, 1, False)
    single = Topic("audit", False, (part(0, 1, (1,), (1,), topic="audit"),))
    assert min_isr_state(single, 2).rf_below and min_isr_state(single, None).min_isr is None


def test_config_drift_ignores_per_node_keys() -> None:
    configs = {
        1: {"broker.id": "1", "listeners": "a", "log.dirs": "/1", "num.io.threads": "8", "x": "1"},
        2: {"broker.id": "2", "listeners": "b", "log.dirs": "/2", "num.io.threads": "8", "x": "1"},
        3: {"broker.id": "3", "listeners": "c", "log.dirs": "/3", "num.io.threads": "16", "x": "1"},
    }
    found = drift_findings(configs)
    assert [(f.kind, f.subject) for f in found] == [("config_drift", "num.io.threads")]
    assert found[0].detail == "differs between brokers: brokers 1,2: 8 · broker 3: 16"
    assert drift_findings({1: configs[1]}) == []


def test_committed_below_log_start_and_group_lag() -> None:
    topic = Topic("orders", False, (part(0, 1, (1,), (1,), earliest=50), part(1, 1, (1,), (1,), earliest=0)))
    lost = Group("g1", "Empty", "consumer", "", (), (GroupPartition("orders", 0, 20, 100),
                                                      GroupPartition("orders", 1, 20, 100)), LagStatus.OK)
    stopped = Group("g2", "Empty", "consumer", "", (), (GroupPartition("orders", 1, 20, 100),), LagStatus.STOP,
                    "no progress")
    groups = GroupsSnapshot(1.0, 0.1, (lost, stopped))
    found = findings(snap(topic), groups)
    assert [(f.kind, f.severity, f.subject) for f in found] == [
        ("committed_below_log_start", CRITICAL, "group g1"),
        ("group_lag", CRITICAL, "group g2"),
    ]
    assert found[0].detail.startswith("orders 0: committed 20 < log start 50; 30 records were deleted")
    # unknown committed offsets or log starts say nothing
    unknown_start = Topic("orders", False, (part(0, 1, (1,), (1,), earliest=None),))
    assert [f.kind for f in findings(snap(unknown_start), groups)] == ["group_lag"]


def test_group_lag_says_how_far_behind_in_time_and_the_eta() -> None:
    lagging = (GroupPartition("orders", 0, 20, 100),)
    behind = Group("g", "Stable", "consumer", "", (), lagging, LagStatus.WARN, "lag grew", lag_seconds=12_360.0,
                   catch_up=CatchUp("falling_behind", consume_per_s=1.0, produce_per_s=9.0, reason="produced 9/s"))
    found = findings(None, GroupsSnapshot(1.0, 0.1, (behind,)))
    assert [f.detail for f in found] == ["WARN, lag 80 (3h 26m behind, falling behind): lag grew"]
    estimated = replace(behind, lag_time_note="orders 0: below the log start", status=LagStatus.STOP,
                        catch_up=CatchUp("catching_up", eta_s=90.0))
    assert lag_time_text(estimated) == " (~3h 26m behind, catches up in 1m 30s)"
    assert lag_time_text(replace(behind, lag_seconds=None, catch_up=None)) == ""


def test_committed_for_a_missing_topic_or_partition_is_a_warning_with_its_reason() -> None:
    gone = (
        GroupPartition("old", 0, 5, None, exists=False, lag_time_note="the topic no longer exists"),
        GroupPartition("old", 1, 5, None, exists=False, lag_time_note="the topic no longer exists"),
        GroupPartition("orders", 7, 5, None, exists=False, lag_time_note="the topic has 3 partitions, not partition 7"),
        GroupPartition("orders", 0, 5, 5),
    )
    g = Group("g", "Empty", "consumer", "", (), gone, LagStatus.OK)
    found = findings(snap(), GroupsSnapshot(1.0, 0.1, (g,)))
    assert [(f.kind, f.severity, f.subject, f.group) for f in found] == [
        ("committed_for_missing_partition", WARNING, "group g", "g")]
    assert found[0].detail == (
        "committed offsets for partitions that no longer exist: orders 7 (the topic has 3 partitions, not partition 7);"
        " old 0, old 1 (the topic no longer exists); they stay until offsets.retention.minutes expires them,"
        " and have no lag")
    assert findings(snap(), GroupsSnapshot(1.0, 0.1, (replace(g, partitions=gone[3:]),))) == []


def test_every_kind_is_named_and_order_is_worst_first() -> None:
    assert len(KINDS) == len(set(KINDS)) == 16  # issue 15: 12, +1 groups, +3 controller
    assert set(ORDER) == set(KINDS)
    topic = Topic("orders", False, (part(0, 1, (1, 2, 3), (1, 2)), part(1, 1, (1, 2, 3), (1,))))
    found = findings(snap(topic, min_isr={"orders": 2}))
    assert [f.severity for f in found] == [CRITICAL, WARNING]
    assert findings(None, None) == []


def test_disk_fill_tracker_rates_over_a_window() -> None:
    tracker = DiskFillTracker(window_s=100)
    key = (1, "/d")
    assert tracker.update(0.0, [(key, 1000)]) == {key: None}  # one sample: no rate
    assert tracker.update(10.0, [(key, 900)]) == {key: 10.0}  # 100 bytes used in 10 s
    assert tracker.update(20.0, [(key, None)]) == {key: None}  # unknown this time
    assert tracker.update(200.0, [(key, 700)]) == {key: None}  # older samples left the window
    assert tracker.update(210.0, [(key, 800)]) == {key: -10.0}  # space freed
    tracker.update(220.0, [])
    assert tracker.update(230.0, [(key, 500)]) == {key: None}  # forgotten when it was gone


# --------------------------------------------------------------------------- ClusterMemo (issue 14)


def _random_cluster(rng: Any, topics: dict[str, Any], min_isr: dict[str, int]) -> Any:
    """A new cluster snapshot from `topics`, a few of which are replaced, added or deleted first."""
    names = list(topics)
    for _ in range(rng.randint(0, 4)):
        action = rng.choice(("change", "add", "delete", "min_isr"))
        name = rng.choice(names) if names else f"t{rng.randint(0, 99):02d}"
        if action == "delete" and names:
            topics.pop(name, None)
        elif action == "min_isr":
            min_isr[name] = rng.randint(1, 4)
        else:
            if action == "add":
                name = f"t{rng.randint(0, 99):02d}"
            parts = []
            for i in range(rng.randint(1, 4)):
                replicas = tuple(rng.sample((1, 2, 3, 4), rng.randint(1, 3)))
                isr = tuple(r for r in replicas if rng.random() < 0.8)
                leader = rng.choice((*isr, -1)) if isr else -1
                parts.append(Partition(name, i, leader, replicas, isr, earliest=rng.randint(0, 50)))
            topics[name] = Topic(name, False, tuple(parts))
        names = list(topics)
    configs = ClusterConfigs(0.0, dict(min_isr), 2, {b: {"leader.imbalance.per.broker.percentage": "10"}
                                                     for b in (1, 2, 3, 4)})
    brokers = tuple(Broker(b, "h", 9092) for b in (1, 2, 3, 4))
    return ClusterSnapshot(0.0, 0.1, "c", 1, brokers, tuple(topics[n] for n in sorted(topics)), configs=configs)


def test_the_cluster_memo_gives_what_the_rules_give_afresh_over_random_changes() -> None:
    """Balance, log starts, rf and imbalance findings through one ClusterMemo, snapshot after
    snapshot with topics changed, added and deleted, equal what each rule says afresh."""
    import random

    rng = random.Random(14)
    memo = ClusterMemo()
    topics: dict[str, Any] = {}
    min_isr: dict[str, int] = {}
    for step in range(300):
        snap = _random_cluster(rng, topics, min_isr)
        assert balance(snap, memo) == balance(snap), step
        assert memo.update(snap).starts == log_starts(snap), step
        assert memo.findings(snap) == cluster_findings(snap), step


def test_the_cluster_memo_counts_only_the_topics_that_changed() -> None:
    """Issue 14: a new snapshot where 2 of N topic objects are new counts 2 topics, at 200 and at
    2,000 topics; a second call with the same snapshot (a groups poll) counts none."""
    def second(count: int) -> int:
        topics = [Topic(f"t{i:05d}", False, (Partition(f"t{i:05d}", 0, 1, (1, 2), (1, 2)),)) for i in range(count)]
        memo = ClusterMemo()
        memo.findings(ClusterSnapshot(0.0, 0.1, "c", 1, (Broker(1, "h", 1), Broker(2, "h", 2)), tuple(topics)))
        topics[3] = replace(topics[3], msgs_per_s=1.0)
        topics[9] = Topic("t00009", False, (Partition("t00009", 0, 2, (1, 2), (1, 2)),))
        snap = ClusterSnapshot(0.0, 0.1, "c", 1, (Broker(1, "h", 1), Broker(2, "h", 2)), tuple(topics))
        memo.findings(snap)
        updated = memo.updated
        memo.findings(snap)
        assert memo.updated == updated and balance(snap, memo)[1].misses == 1  # t00009 led by 2, preferred 1
        return updated

    assert second(200) == second(2_000) == 2
