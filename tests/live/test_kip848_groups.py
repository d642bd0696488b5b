"""A KIP-848 consumer group on the real KRaft cluster (Kafka 4.1.1), seen through KafkaSource.

The consumer is the real Java client from the cluster's own jars (kafka-clients 4.1.1, run as a
single-file Java program) with `group.protocol=consumer`: the cluster's libs hold no
kafka-tools jar, so there is no console consumer to start. DescribeGroups answers "not a
classic group" for its group; kafkatui must describe it with ConsumerGroupDescribe and show
its member, the owner of each partition and the lag, as it does for classic groups.

The test writes (topic, records, a group's offsets through its consumer) and cleans up after
itself; kafkatui only reads. Nothing here mocks Kafka.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.protocol.admin import ListGroupsRequest

import localcluster.cluster as lc
from kafkatui.config import Settings, parse_bootstrap
from kafkatui.kafka import fetch as kafka_fetch
from kafkatui.kafka.source import KafkaSource
from kafkatui.model import Group, GroupsSnapshot
from tests.conftest import close_producer, no_autocreate, wait_for

TIMEOUT_S = 4.0
CLIENT_LIMITS = {"request_timeout_ms": 15000, "bootstrap_timeout_ms": 15000}
COUNTS = {0: 5, 1: 3, 2: 1}  # records per partition
LATE = 4  # records written to partition 0 after the consumer has gone

CONSUMER_SOURCE = """
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Consumes a topic in a KIP-848 group, auto-committing; leaves the group on SIGTERM. */
public class Kip848Consumer {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("group.id", args[2]);
        p.put("client.id", args[3]);
        p.put("group.protocol", "consumer");
        p.put("auto.offset.reset", "earliest");
        p.put("auto.commit.interval.ms", "200");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            consumer.wakeup();
            try { main.join(15000); } catch (InterruptedException e) { }
        }));
        long seen = 0;
        try {
            consumer.subscribe(List.of(args[1]));
            System.out.println("subscribed");
            while (true) {
                int n = consumer.poll(Duration.ofMillis(200)).count();
                if (n > 0) { seen += n; System.out.println("consumed " + seen); }
            }
        } catch (WakeupException e) {
            // SIGTERM: fall through to close(), which commits and leaves the group
        } finally {
            consumer.close();
            System.out.println("closed");
        }
    }
}
"""




def java_consumer(tmp_path: Path, bootstrap: str, topic: str, group: str, client_id: str) -> subprocess.Popen:
    """The real Java consumer from the KRaft cluster's own kafka-clients jar."""
    java = shutil.which("java")
    libs = lc.libs_dir(lc.KRAFT_KAFKA_VERSION)
    if java is None or not any(libs.glob("kafka-clients-*.jar")):
        pytest.fail(f"need java and the Kafka {lc.KRAFT_KAFKA_VERSION} jars in {libs} (the KRaft cluster's own)")
    source = tmp_path / "Kip848Consumer.java"
    source.write_text(CONSUMER_SOURCE)
    log = (tmp_path / "consumer.log").open("w")
    return subprocess.Popen(
        [java, "-Xmx128m", "-cp", f"{libs}/*", str(source), bootstrap, topic, group, client_id],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def consumer_log(tmp_path: Path) -> str:
    path = tmp_path / "consumer.log"
    return path.read_text() if path.exists() else ""


def stop(proc: subprocess.Popen) -> None:
    """By PID: SIGTERM (the consumer closes and leaves its group), then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def group_of(source: KafkaSource, group_id: str, ready: Callable[[Group], bool]) -> Callable[[], GroupsSnapshot | None]:
    def probe() -> GroupsSnapshot | None:
        snap = source.groups()
        g = snap.group(group_id)
        probe.seen = (g, snap.errors)  # type: ignore[attr-defined]  # for the timeout message
        return snap if g is not None and ready(g) else None

    return probe


@pytest.fixture
def admin(kraft_cluster) -> Iterator[KafkaAdminClient]:
    client = no_autocreate(
        KafkaAdminClient(bootstrap_servers=kraft_cluster.bootstrap, client_id="kafkatui-test", **CLIENT_LIMITS)
    )
    yield client
    client.close()


def test_a_kip848_group_is_described_with_its_member(kraft_cluster, admin, unique_name, tmp_path, monkeypatch) -> None:
    topic, group_id = unique_name, f"{unique_name}-g"
    client_id = f"kip848-{uuid.uuid4().hex[:6]}"
    total = sum(COUNTS.values())
    admin.create_topics({topic: {"num_partitions": 3, "replication_factor": 1}}, wait_for_metadata=True)
    producer = no_autocreate(
        KafkaProducer(
            bootstrap_servers=kraft_cluster.bootstrap,
            client_id="kafkatui-test",
            acks="all",
            linger_ms=0,
            allow_auto_create_topics=False,
        )
    )
    source = KafkaSource(Settings(bootstrap=parse_bootstrap(kraft_cluster.bootstrap), connect_timeout_s=TIMEOUT_S))
    consumer: subprocess.Popen | None = None
    try:
        for partition, n in COUNTS.items():
            for i in range(n):
                producer.send(topic, value=f"record {i}".encode(), partition=partition)
        producer.flush(timeout=15)

        # Preconditions, from the consumer itself: it has joined and read every record.
        consumer = java_consumer(tmp_path, kraft_cluster.bootstrap, topic, group_id, client_id)
        wait_for(
            f"the Java consumer to read {total} records",
            lambda: f"consumed {total}\n" in consumer_log(tmp_path) or consumer.poll() is not None,
            45,
        )
        assert consumer.poll() is None, consumer_log(tmp_path)

        # kafkatui: a Stable group with the consumer as its member, caught up once it commits.
        def caught_up(g: Group) -> bool:
            return g.state == "Stable" and bool(g.members) and g.total_lag == 0 and len(g.partitions) == 3

        snap = wait_for("the group Stable, with its member, caught up", group_of(source, group_id, caught_up), 20)
        g = snap.group(group_id)
        assert g is not None
        assert not [e for e in snap.errors if group_id in e]  # no "not a classic group" error line
        assert g.protocol_type == "consumer" and g.protocol == "uniform"  # 4.1's default server-side assignor
        assert g.coordinator is not None and g.coordinator in {1, 2, 3}
        (member,) = g.members
        assert member.client_id == client_id and member.host == "127.0.0.1" and member.member_id
        assert member.assignments == ((topic, 0), (topic, 1), (topic, 2))
        # the group detail: every partition owned by the member, committed at the log end
        assert [(p.partition, p.committed, p.latest, p.lag, p.member) for p in g.partitions] == [
            (0, 5, 5, 0, client_id),
            (1, 3, 3, 0, client_id),
            (2, 1, 1, 0, client_id),
        ]

        # The seeded classic group in the same answer is still described by DescribeGroups.
        billing = snap.group("billing")
        if billing is not None and billing.state == "Stable":  # its demo consumer may be rebalancing
            assert billing.protocol_type == "consumer" and billing.protocol not in ("", "uniform")  # client-side
            assert any(m.assignments for m in billing.members)

        # The groups part of `kafkatui snapshot --json`, from the installed command's code path.
        doc = snapshot_json(kraft_cluster.bootstrap, tmp_path)
        (entry,) = [x for x in doc["groups"] if x["id"] == group_id]
        assert entry["state"] == "Stable" and entry["protocol_type"] == "consumer"
        assert entry["members"] == [
            {
                "client_id": client_id,
                "host": "127.0.0.1",
                "assignments": [{"topic": topic, "partition": p} for p in range(3)],
            }
        ]
        assert entry["total_lag"] == 0

        # A broker that lists groups without a type (ListGroups before v5): DescribeGroups'
        # "not a classic group" sends kafkatui to ConsumerGroupDescribe all the same.
        monkeypatch.setattr(kafka_fetch, "list_groups_request", lambda: ListGroupsRequest(max_version=4))
        untyped = KafkaSource(Settings(bootstrap=parse_bootstrap(kraft_cluster.bootstrap), connect_timeout_s=TIMEOUT_S))
        try:
            old = wait_for("the group through ListGroups v4", group_of(untyped, group_id, caught_up), 20)
            seen = old.group(group_id)
            assert seen is not None
            assert (seen.state, seen.protocol_type, seen.protocol, seen.members, seen.partitions) == (
                g.state, g.protocol_type, g.protocol, g.members, g.partitions
            )
            assert not [e for e in old.errors if group_id in e]
        finally:
            untyped.close()
            monkeypatch.undo()

        # The consumer leaves: the group is Empty, keeps its offsets, and new records are lag.
        stop(consumer)
        assert "closed" in consumer_log(tmp_path)
        for i in range(LATE):
            producer.send(topic, value=f"late {i}".encode(), partition=0)
        producer.flush(timeout=15)

        def lagging(g: Group) -> bool:
            return g.state == "Empty" and g.total_lag == LATE

        snap = wait_for("the group Empty, lagging", group_of(source, group_id, lagging), 20)
        g = snap.group(group_id)
        assert g is not None and g.members == () and g.protocol_type == "consumer"
        assert [(p.partition, p.committed, p.latest, p.lag, p.member) for p in g.partitions] == [
            (0, 5, 5 + LATE, LATE, None),
            (1, 3, 3, 0, None),
            (2, 1, 1, 0, None),
        ]
        assert not [e for e in snap.errors if group_id in e]
    finally:
        if consumer is not None:
            stop(consumer)
        source.close()
        close_producer(producer)
        for cleanup in (lambda: admin.delete_groups([group_id]), lambda: admin.delete_topics([topic])):
            try:
                print(f"cleanup: {cleanup()}")
            except Exception as exc:  # cleanup must not hide the test's own failure
                print(f"cleanup failed: {exc}")


def snapshot_json(bootstrap: str, tmp_path: Path) -> dict:
    """`kafkatui snapshot --json` run as the user runs it, without their config or state."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "kafkatui", "snapshot", "--json", "--no-processes", "--bootstrap", bootstrap],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert not [e for e in doc["cluster"]["errors"] if re.search(r"describe group|consumer group describe", e)]
    return doc
