"""Consumer-group health on the real cluster: lag in time, committed below the log start, missing
topics, and proof that fetching the timestamps joins no group and commits nothing.

The harness (never kafkatui) makes each condition happen on the shared cluster with its own
uniquely named topics and groups, deleted at the end:

* `lagging`: 10 records with explicit timestamps one hour ago (one per second), a group that
  commits offset 2, then 5 more records stamped now (the producer keeps producing). The record
  at the committed offset has a known timestamp, so the expected lag in time is exact: between
  (before the call - that timestamp) and (after the call - that timestamp), no timing involved.
* `lost`: 10 records stamped two hours ago, a group that commits 3, then `delete_records` to 8:
  the group's next records were deleted unread (committed_below_log_start, critical) and its
  lag in time is estimated from the oldest record kept (offset 8), a lower bound.

Kafka 3.9 removes a deleted topic's committed offsets as soon as the coordinator sees the
deletion (measured here: gone within a second) and refuses commits for partitions that do not
exist, so a group with offsets for a missing topic cannot be made on a running cluster without
stopping its coordinator; what can be proven here is the detection on the brokers' real answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata

from kafkatui.config import Settings, parse_bootstrap
from kafkatui.health.rules import findings
from kafkatui.kafka.lag_time import fetch_round
from kafkatui.kafka.source import CLIENT_ID as KAFKATUI_CLIENT_ID
from kafkatui.kafka.source import KafkaSource
from kafkatui.model import Group, GroupsSnapshot
from kafkatui.tail.consumer import CLIENT_ID as TAIL_CLIENT_ID
from tests.conftest import committed_offsets, listed_groups, no_autocreate

pytestmark = pytest.mark.live

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Scene:
    lagging_topic: str
    lagging_group: str
    lagging_ts_ms: int  # timestamp of the record at the lagging group's committed offset (2)
    lost_topic: str
    lost_group: str
    lost_kept_ts_ms: int  # timestamp of the oldest record kept (offset 8) after delete_records


def _produce(bootstrap: str, topic: str, stamps: list[int]) -> None:
    producer = no_autocreate(KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0))
    try:
        for i, stamp in enumerate(stamps):
            producer.send(topic, value=b"record %d" % i, partition=0, timestamp_ms=stamp).get(30)
    finally:
        producer.close()


def _commit(bootstrap: str, group: str, topic: str, offset: int) -> None:
    consumer = no_autocreate(KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False))
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
    finally:
        consumer.close()


def make_scene(bootstrap: str, admin: KafkaAdminClient, name: str) -> Scene:
    """Both conditions, made by the harness; the caller deletes them (`remove_scene`)."""
    now = int(time.time() * 1000)
    scene = Scene(f"{name}-lag", f"{name}-lag-g", now - HOUR_MS + 2000, f"{name}-lost", f"{name}-lost-g",
                  now - 2 * HOUR_MS + 8000)
    admin.create_topics([NewTopic(t, 1, 1) for t in (scene.lagging_topic, scene.lost_topic)])
    admin.wait_for_topics([scene.lagging_topic, scene.lost_topic], timeout_ms=30000)
    _produce(bootstrap, scene.lagging_topic, [now - HOUR_MS + i * 1000 for i in range(10)])
    _commit(bootstrap, scene.lagging_group, scene.lagging_topic, 2)
    _produce(bootstrap, scene.lagging_topic, [int(time.time() * 1000)] * 5)  # it keeps producing
    _produce(bootstrap, scene.lost_topic, [now - 2 * HOUR_MS + i * 1000 for i in range(10)])
    _commit(bootstrap, scene.lost_group, scene.lost_topic, 3)
    admin.delete_records({TopicPartition(scene.lost_topic, 0): 8})
    return scene


def remove_scene(admin: KafkaAdminClient, scene: Scene) -> None:
    try:
        admin.delete_groups([scene.lagging_group, scene.lost_group])
    finally:
        admin.delete_topics([scene.lagging_topic, scene.lost_topic])


@pytest.fixture(scope="module")
def admin(cluster: Any) -> Iterator[KafkaAdminClient]:
    client = no_autocreate(KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-lagtime-test",
                                            request_timeout_ms=15000, bootstrap_timeout_ms=15000))
    yield client
    client.close()


@pytest.fixture(scope="module")
def scene(cluster: Any, admin: KafkaAdminClient) -> Iterator[Scene]:
    made = make_scene(cluster.bootstrap, admin, f"t-lagtime-{int(time.time() * 1000) % 10**8}")
    yield made
    remove_scene(admin, made)


@dataclass(frozen=True)
class Seen:
    groups: GroupsSnapshot
    before_ms: int
    after_ms: int
    findings: list


@pytest.fixture(scope="module")
def seen(cluster: Any, scene: Scene) -> Seen:
    """One refresh of a fresh source (its first groups call fetches the timestamps at once)."""
    src = KafkaSource(Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=5.0))
    try:
        cluster_snap = src.refresh()
        before = int(time.time() * 1000)
        groups = src.groups()
        after = int(time.time() * 1000)
    finally:
        src.close()
    return Seen(groups, before, after, findings(cluster_snap, groups))


@pytest.fixture(scope="module")
def document(cluster: Any, scene: Scene) -> tuple[dict, int, int]:
    """The real `kafkatui snapshot --json`, and the wall clock around it."""
    before = int(time.time() * 1000)
    result = subprocess.run(
        [sys.executable, "-m", "kafkatui", "snapshot", "--json", "--no-processes", "--bootstrap", cluster.bootstrap],
        capture_output=True, text=True, timeout=90,
    )
    after = int(time.time() * 1000)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), before, after


def _group(snap: GroupsSnapshot, group_id: str) -> Group:
    found = snap.group(group_id)
    assert found is not None, f"{group_id} not listed"
    return found


def _between(value: float | None, ts_ms: int, before_ms: int, after_ms: int) -> None:
    """`value` is now - ts for some `now` between before and after (a little rounding allowed)."""
    assert value is not None
    assert (before_ms - ts_ms) / 1000 - 0.01 <= value <= (after_ms - ts_ms) / 1000 + 0.01, (value, ts_ms)


def test_lag_in_time_is_the_age_of_the_record_at_the_committed_offset(scene: Scene, seen: Seen,
                                                                      document: tuple[dict, int, int]) -> None:
    g = _group(seen.groups, scene.lagging_group)
    assert g.total_lag == 13  # committed 2 of 15 records
    _between(g.lag_seconds, scene.lagging_ts_ms, seen.before_ms, seen.after_ms)
    assert g.lag_seconds is not None and 3590 < g.lag_seconds < 3700  # about an hour, although records are new
    assert g.lag_time_note == ""  # the record at offset 2 is there: exact, not estimated
    (p,) = g.partitions
    assert p.lag_seconds == g.lag_seconds and p.lag_time_note == ""

    doc, before, after = document
    (jg,) = [x for x in doc["groups"] if x["id"] == scene.lagging_group]
    _between(jg["lag_seconds"], scene.lagging_ts_ms, before, after)
    assert jg["lag_seconds_note"] == "" and jg["partitions"][0]["lag_seconds"] == jg["lag_seconds"]
    assert jg["catch_up"]["state"] == "unknown"  # one sample: no rates yet, and it says so
    assert jg["catch_up"]["reason"] == "rates need 2 refreshes"


def test_committed_below_log_start_is_critical_and_the_lag_in_time_a_lower_bound(
        scene: Scene, seen: Seen, document: tuple[dict, int, int]) -> None:
    g = _group(seen.groups, scene.lost_group)
    _between(g.lag_seconds, scene.lost_kept_ts_ms, seen.before_ms, seen.after_ms)
    assert "offset 3 is below the log start 8 (deleted unread)" in g.lag_time_note
    assert "lag is at least this" in g.lag_time_note
    (finding,) = [f for f in seen.findings if f.kind == "committed_below_log_start"
                  and f.subject == f"group {scene.lost_group}"]
    assert finding.severity == "critical"
    assert finding.detail.startswith(f"{scene.lost_topic} 0: committed 3 < log start 8; 5 records were deleted")

    doc, before, after = document
    (jg,) = [x for x in doc["groups"] if x["id"] == scene.lost_group]
    _between(jg["lag_seconds"], scene.lost_kept_ts_ms, before, after)
    assert "below the log start 8" in jg["lag_seconds_note"]
    (item,) = [a for a in doc["attention"] if a["kind"] == "committed_below_log_start"
               and a["subject"] == f"group {scene.lost_group}"]
    assert item["severity"] == "critical"


def test_missing_topics_and_partitions_from_the_brokers_answer(cluster: Any, admin: KafkaAdminClient,
                                                               scene: Scene) -> None:
    """The check behind committed_for_missing_partition, on the brokers' real Metadata answer.
    The brokers auto-create topics on a careless Metadata request: the missing one stays absent."""
    absent = f"{scene.lagging_topic}-never-created"
    src = KafkaSource(Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=5.0))

    async def ask(call: Any) -> Any:
        return await fetch_round(call, [], [(absent, 0), (scene.lagging_topic, 7), (scene.lagging_topic, 0)])

    try:
        result, sent = src._call("missing check", ask, {})  # the round KafkaSource.groups runs
    finally:
        src.close()
    assert result.missing == {
        (absent, 0): "the topic no longer exists",
        (scene.lagging_topic, 7): "the topic has 1 partitions, not partition 7",
    }
    assert sent == 1 and result.errors == []  # one Metadata request, nothing fetched
    assert absent not in admin.list_topics()


def _group_state(admin: KafkaAdminClient, group: str) -> tuple:
    described = admin.describe_groups([group])[group]
    offsets = committed_offsets(admin, [group])[group]
    return (described["group_state"], described["protocol_type"], described["members"],
            sorted((tp.topic, tp.partition, om.offset) for tp, om in offsets.items()))


def test_fetching_timestamps_joins_no_group_and_commits_nothing(cluster: Any, admin: KafkaAdminClient,
                                                                scene: Scene) -> None:
    """The groups' state, members and committed offsets are the same before and after kafkatui
    fetched the records at their committed offsets (checked that it did), and no group anywhere
    has a member with kafkatui's client ids."""
    mine = (scene.lagging_group, scene.lost_group)
    before = {g: _group_state(admin, g) for g in mine}
    assert before[scene.lagging_group][0] == "Empty"
    assert before[scene.lagging_group][3] == [(scene.lagging_topic, 0, 2)]
    src = KafkaSource(Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=5.0))
    try:
        snap = src.groups()
        assert _group(snap, scene.lagging_group).lag_seconds is not None  # the Fetch did run
        assert snap.timing.get("lag_time") is not None
    finally:
        src.close()
    assert {g: _group_state(admin, g) for g in mine} == before
    everyone = admin.describe_groups(listed_groups(admin, mine))
    members = {m["client_id"] for g in everyone.values() for m in (g.get("members") or [])}
    assert not members & {KAFKATUI_CLIENT_ID, TAIL_CLIENT_ID}
