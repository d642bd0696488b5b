"""The health rules on the real cluster: each condition is made to happen by this harness (never by
kafkatui), then seen by the data layer (KafkaSource + health.rules), in the `attention` list of
the real `kafkatui snapshot --json`, and on screen: a row of the real app's Needs attention panel
with the same reason (`everywhere`).

These change the cluster (topic and broker configs, reassignments, deleted records, stopped
brokers) and undo it in `finally`; run them on a private cluster (KAFKATUI_TEST_STATE_DIR with
KAFKATUI_CLUSTER_PORT_BASE), never on a shared one. The broker-stopping test is marked `faults`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.structs import OffsetAndMetadata

from kafkatui.config import Settings, load_settings, parse_bootstrap
from kafkatui.health.attention import AttentionRow
from kafkatui.health.rules import Finding, balance, findings
from kafkatui.kafka.source import KafkaSource
from kafkatui.model import SourceError
from tests.conftest import delete_topics_after_faults, no_autocreate, unpaced, wait_for

pytestmark = pytest.mark.live

TIMEOUT = 120.0  # a wait, not a timed check: generous for a loaded 2-core CI machine


@pytest.fixture(scope="module")
def admin(cluster: Any) -> Iterator[KafkaAdminClient]:
    client = no_autocreate(KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-health-test",
                                            request_timeout_ms=15000, bootstrap_timeout_ms=15000))
    yield client
    client.close()


def source_for(cluster: Any) -> KafkaSource:
    return KafkaSource(Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=5.0))


def seen_by_source(cluster: Any, kind: str, subject: str, groups: bool = False) -> Finding | None:
    """The finding as the data layer sees it (a fresh source: configs are fetched at once). None
    while a refresh fails outright: just after a broker is killed, a new client's metadata request
    can go to it and be refused (seen once in a full run); the caller asks again until its timeout."""
    src = source_for(cluster)
    try:
        snap = src.refresh()
        group_snap = src.groups() if groups else None
    except SourceError:
        return None
    finally:
        src.close()
    return next((f for f in findings(snap, group_snap) if f.kind == kind and f.subject == subject), None)


def seen_by_cli(cluster: Any, kind: str, subject: str) -> dict | None:
    """The finding in the real `kafkatui snapshot --json` document's `attention` list."""
    result = subprocess.run(
        [sys.executable, "-m", "kafkatui", "snapshot", "--json", "--no-processes", "--bootstrap", cluster.bootstrap],
        capture_output=True, text=True, timeout=90,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    for item in doc["attention"]:
        assert set(item) == {"kind", "severity", "subject", "detail"} and item["severity"] in ("critical", "warning")
    return next((a for a in doc["attention"] if a["kind"] == kind and a["subject"] == subject), None)


def seen_on_screen(cluster: Any, kind: str, subject: str, tmp: Path) -> AttentionRow:
    """The finding as the operator sees it: a row of the real app's Needs attention panel, on
    screen (in the panel's visible rows), read headless from a fresh app at a 1 s refresh. A
    partition's finding may be told on the partition's own row (min-ISR on an under-replicated
    partition: one row per partition, its `check` naming the rule)."""
    from kafkatui.ui.app import KafkaTuiApp
    from kafkatui.ui.screens.overview import OverviewScreen
    from kafkatui.ui.widgets.attention import AttentionPanel
    from tests.ui.fixtures import wait_for as wait_on_screen

    key = f"f\x00{kind}\x00{subject}"
    settings = load_settings({"bootstrap": cluster.bootstrap, "zookeeper": cluster.zookeeper, "refresh": 1},
                             env={}, path=tmp / "no-config.toml")

    async def run() -> AttentionRow:
        app = unpaced(KafkaTuiApp(settings))

        def row() -> AttentionRow | None:
            if not isinstance(app.screen, OverviewScreen):
                return None
            panel = app.screen.query_one(AttentionPanel)
            for shown in panel.table.visible_keys():
                found = panel.row(shown)
                # a partition's min-ISR finding is told on that partition's row, with its reason first
                if found is not None and (shown == key or (found.check == kind
                                                           and f"{found.target} {found.partition}" == subject)):
                    return found
            return None

        async with app.run_test(size=(200, 120)) as pilot:
            await wait_on_screen(pilot, row, TIMEOUT, f"{kind} {subject} in the Needs attention panel")
            found = row()
            assert found is not None
            return found

    return asyncio.run(run())


def everywhere(cluster: Any, kind: str, subject: str, tmp: Path, groups: bool = False) -> tuple[Finding, dict]:
    """Seen by the data layer, in `snapshot --json` and on screen, with the same words."""
    finding = wait_for(f"{kind} {subject} in the data layer",
                       lambda: seen_by_source(cluster, kind, subject, groups), TIMEOUT, interval=1)
    doc = wait_for(f"{kind} {subject} in snapshot --json", lambda: seen_by_cli(cluster, kind, subject), TIMEOUT)
    row = seen_on_screen(cluster, kind, subject, tmp)
    reason = doc["detail"].split(" · ")[0].split(" (missing")[0]  # a partition row lists the missing ISR itself
    assert reason in row.detail, (doc["detail"], row.detail)
    return finding, doc


def create(admin: KafkaAdminClient, name: str, assignment: dict[int, list[int]], configs: dict[str, str]) -> None:
    admin.create_topics([NewTopic(name, -1, -1, replica_assignments=assignment, topic_configs=configs)])
    admin.wait_for_topics([name], timeout_ms=30000)


def produce(cluster: Any, topic: str, count: int, size: int = 100) -> None:
    producer = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", linger_ms=5))
    try:
        for i in range(count):
            producer.send(topic, value=(b"%08d" % i) * (size // 8 or 1), partition=0)
        producer.flush(30)
    finally:
        producer.close()


def test_rf_below_min_isr(cluster: Any, admin: KafkaAdminClient, unique_name: str, tmp_path: Path) -> None:
    create(admin, unique_name, {0: [1]}, {"min.insync.replicas": "2"})
    try:
        finding, doc = everywhere(cluster, "rf_below_min_isr", unique_name, tmp_path)
        assert finding.severity == "critical" and doc["severity"] == "critical"
        assert doc["detail"] == "replication factor 1 < min.insync.replicas 2, producers with acks=all can never write"
    finally:
        admin.delete_topics([unique_name])


def test_committed_below_log_start(cluster: Any, admin: KafkaAdminClient, unique_name: str,
                                   tmp_path: Path) -> None:
    create(admin, unique_name, {0: [1]}, {})
    group = f"{unique_name}-g"
    tp = TopicPartition(unique_name, 0)
    try:
        produce(cluster, unique_name, 10)
        consumer = no_autocreate(KafkaConsumer(bootstrap_servers=cluster.bootstrap, group_id=group,
                                               enable_auto_commit=False))
        try:
            consumer.assign([tp])
            consumer.commit({tp: OffsetAndMetadata(3, "", -1)})  # the group read 3 records
        finally:
            consumer.close()
        admin.delete_records({tp: 8})  # then retention (here: the harness) deletes past it
        finding, doc = everywhere(cluster, "committed_below_log_start", f"group {group}", tmp_path, groups=True)
        assert finding.severity == "critical" and doc["severity"] == "critical"
        assert doc["detail"].startswith(f"{unique_name} 0: committed 3 < log start 8; 5 records were deleted")
    finally:
        admin.delete_groups([group])
        admin.delete_topics([unique_name])


def test_config_drift(cluster: Any, admin: KafkaAdminClient, tmp_path: Path) -> None:
    key = "log.cleaner.backoff.ms"  # dynamic, harmless: how long an idle cleaner sleeps
    admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, "2", configs={key: "15001"})])
    try:
        finding, doc = everywhere(cluster, "config_drift", key, tmp_path)
        assert finding.severity == "warning"
        assert doc["detail"] == "differs between brokers: brokers 1,3: 15000 · broker 2: 15001"
    finally:
        admin.reset_configs([ConfigResource(ConfigResourceType.BROKER, "2", configs=[key])])


def test_leader_misses_below_the_threshold_are_not_attention(cluster: Any, admin: KafkaAdminClient,
                                                              unique_name: str) -> None:
    """Partition 10 led by broker 2 has its replicas reordered so broker 1 becomes preferred: a
    reorder moves no data and keeps the leader. Broker 1 is preferred for 11+ partitions, so one
    miss is under the 10 % (leader.imbalance.per.broker.percentage) at which the controller
    would move it back at its next imbalance check: it stays, as such misses do on a real cluster,
    and Kafka's rule says it is no imbalance. The data layer counts it (the broker detail shows
    it); the attention list does not. Above the threshold: tests/ui/test_broker_health_live.py."""
    assignment = {p: [1, 2, 3] for p in range(10)}
    assignment[10] = [2, 1, 3]
    create(admin, unique_name, assignment, {})
    try:
        admin.alter_partition_reassignments({TopicPartition(unique_name, 10): [1, 2, 3]})

        def missed() -> Any:
            src = source_for(cluster)
            try:
                snap = src.refresh()
            finally:
                src.close()
            part = snap.topic(unique_name).partitions[10] if snap.topic(unique_name) else None
            return snap if part is not None and part.replicas[0] == 1 and part.leader == 2 else None

        snap = wait_for("partition 10 preferring broker 1, led by 2", missed, TIMEOUT, interval=1)
        counts = balance(snap)[1]
        assert counts.misses >= 1 and counts.misses * 100 <= 10 * counts.preferred
        assert [f for f in findings(snap) if f.kind == "leader_imbalance"] == []
        assert seen_by_cli(cluster, "leader_imbalance", "broker 1") is None
    finally:
        admin.delete_topics([unique_name])


def test_reassignment_in_progress(cluster: Any, admin: KafkaAdminClient, unique_name: str,
                                  tmp_path: Path) -> None:
    """A partition on broker 1 is moved to broker 2 with replication throttled to 1 KiB/s, so it
    stays in progress; the harness cancels it and removes the throttle at the end."""
    create(admin, unique_name, {0: [1]}, {})
    tp = TopicPartition(unique_name, 0)
    throttle = {"leader.replication.throttled.rate": "1024", "follower.replication.throttled.rate": "1024"}
    try:
        produce(cluster, unique_name, 2000, size=1000)  # ~2 MB: half an hour at 1 KiB/s
        admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, str(b), configs=throttle) for b in (1, 2)],
                            raise_on_unknown=False)  # throttle rates are dynamic-only keys
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, unique_name, configs={
            "leader.replication.throttled.replicas": "0:1", "follower.replication.throttled.replicas": "0:2"})])
        admin.alter_partition_reassignments({tp: [2]})
        finding, doc = everywhere(cluster, "reassignment_in_progress", f"{unique_name} 0", tmp_path)
        assert finding.severity == "warning" and finding.topic == unique_name
        assert "adding 2" in doc["detail"] and "removing 1" in doc["detail"]
        assert "copied " in doc["detail"], doc["detail"]  # the new replica's size against the leader's
    finally:
        try:
            admin.alter_partition_reassignments({tp: None})
        finally:
            admin.reset_configs([ConfigResource(ConfigResourceType.BROKER, str(b), configs=list(throttle))
                                 for b in (1, 2)], raise_on_unknown=False)
            admin.delete_topics([unique_name])


@pytest.mark.faults
def test_at_then_under_min_isr(cluster: Any, admin: KafkaAdminClient, unique_name: str, tmp_path: Path) -> None:
    """RF 3, min.insync.replicas 2, led by broker 1: stop broker 3 (ISR 2 = min ISR: at_min_isr),
    then broker 2 (ISR 1 < 2: under_min_isr). Both come back in `finally`."""
    cluster.ensure_up()  # an earlier fault test may have left a broker down or still registering
    create(admin, unique_name, {0: [1, 2, 3]}, {"min.insync.replicas": "2"})
    subject = f"{unique_name} 0"
    down: list[str] = []
    try:
        cluster.kill("broker-3")
        down.append("broker-3")
        finding, doc = everywhere(cluster, "at_min_isr", subject, tmp_path)
        assert finding.severity == "warning" and doc["detail"].startswith(
            "ISR 2 = min.insync.replicas 2, one more replica lost and acks=all writes stop")
        cluster.kill("broker-2")
        down.append("broker-2")
        finding, doc = everywhere(cluster, "under_min_isr", subject, tmp_path)
        assert doc["severity"] == "critical"
        assert doc["detail"].startswith("ISR 1 < min.insync.replicas 2, producers with acks=all fail")
    finally:
        if down:
            cluster.ensure_up()  # both back in one start and one settle
        delete_topics_after_faults(cluster, [unique_name])


@pytest.mark.faults
def test_quorum_follower_lag_on_kraft(kraft_cluster: Any) -> None:
    """KRaft: the harness pauses broker 3 (SIGSTOP), an observer of the metadata quorum: the high
    watermark moves on (the controller appends a no-op record every 500 ms) and broker 3's log end
    offset does not, so after QUORUM_BEHIND_S it is reported with its lag in records and the time
    since its last fetch. The local KRaft cluster has one controller, so there is no lagging
    voter to make; the rule treats voters the same way (tests/unit/test_health_rules.py)."""
    kraft_cluster.ensure_up()
    try:
        kraft_cluster.pause("broker-3")
        # a refresh may fail outright while a broker is frozen: seen_by_source says None, and it is asked again
        finding = wait_for("quorum_follower_lag broker 3 in the data layer",
                           partial(seen_by_source, kraft_cluster, "quorum_follower_lag", "broker 3"), TIMEOUT,
                           interval=1)
        assert finding.severity == "warning" and "records behind the high watermark" in finding.detail
        assert "last fetch" in finding.detail
        doc = wait_for("quorum_follower_lag in snapshot --json",
                       lambda: seen_by_cli(kraft_cluster, "quorum_follower_lag", "broker 3"), TIMEOUT)
        assert doc["severity"] == "warning"
    finally:
        kraft_cluster.resume("broker-3")
        kraft_cluster.wait_settled()
