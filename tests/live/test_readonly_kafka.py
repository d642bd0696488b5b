"""Proof that KafkaSource changes nothing on the cluster.

A test-only admin client takes a digest of what a writer could change: the topics with
their partition counts, the consumer groups, and the committed offsets of every group.
Excluded, by name, because the demo daemons change them all the time: the committed
offsets of the `billing` group (its consumer commits) and every log end offset (the demo
producer writes). Topics created by other tests (`t-...`, `bench-...`) are excluded too.
The brokers run with auto.create.topics.enable=true, so a careless Metadata request for a
missing topic WOULD create it: the trap test asks about one and checks it is still absent.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import NotCoordinatorError

from kafkatui.config import Settings, parse_bootstrap
from kafkatui.kafka import source as kafka_source
from kafkatui.kafka.source import KafkaSource
from kafkatui.model import SourceError
from tests.conftest import SEEDED_GROUPS, committed_offsets, listed_groups

pytestmark = pytest.mark.live

MOVING_GROUPS = {"billing"}  # committed offsets advance while the demo consumer runs
TEST_TOPIC = re.compile(r"^(t-|bench-)")


@pytest.fixture(scope="module")
def admin(cluster) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(
        bootstrap_servers=cluster.bootstrap,
        client_id="kafkatui-readonly-test",
        request_timeout_ms=15000,
        bootstrap_timeout_ms=15000,
    )
    yield client
    client.close()


@pytest.fixture
def source(cluster) -> Iterator[KafkaSource]:
    src = KafkaSource(Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=4.0))
    yield src
    src.close()


def state(admin: KafkaAdminClient, must_include: Collection[str] = SEEDED_GROUPS) -> dict:
    """What a writer could change; the group helpers ride out a coordinator that is still loading
    or has moved (right after an earlier fault test restarted a broker)."""
    topics = {t["name"]: len(t["partitions"]) for t in admin.describe_topics() if not TEST_TOPIC.match(t["name"] or "")}
    groups = listed_groups(admin, must_include)
    stable = [g for g in groups if g not in MOVING_GROUPS]
    offsets = committed_offsets(admin, stable)
    committed = {
        g: sorted((tp.topic, tp.partition, om.offset) for tp, om in offsets.get(g, {}).items()) for g in stable
    }
    return {"topics": topics, "groups": groups, "committed": committed}


def digest(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def test_full_refresh_changes_nothing(admin: KafkaAdminClient, source: KafkaSource) -> None:
    before = state(admin)
    cluster_snap = source.refresh()
    groups_snap = source.groups()
    source.refresh()
    source.groups()
    source.configs("topic", "customers")
    source.configs("topic", "orders")
    source.configs("broker", str(cluster_snap.brokers[0].id))
    after = state(admin, before["groups"])
    assert after == before, "the source changed topics, groups or committed offsets"
    assert digest(after) == digest(before)
    # the source saw the same groups, and did not add one of its own
    assert {g.id for g in groups_snap.groups} == set(before["groups"])
    assert not any("kafkatui" in g for g in after["groups"])


def test_describing_a_missing_topic_does_not_create_it(
    admin: KafkaAdminClient, source: KafkaSource, unique_name: str
) -> None:
    groups_before = listed_groups(admin)
    assert unique_name not in admin.list_topics()
    with pytest.raises(SourceError) as info:
        source.configs("topic", unique_name)
    assert "does not exist" in str(info.value)
    # the source's metadata path by name (used for group lag) must not create it either
    source.refresh()
    source.groups()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # auto-creation would show up within moments
        assert unique_name not in admin.list_topics()
        time.sleep(0.5)
    snap = source.refresh()
    assert snap.topic(unique_name) is None
    assert listed_groups(admin, groups_before) == groups_before


def source_modules() -> dict[str, str]:
    """The code of every module of the Kafka source (the kafkatui/kafka/ package), comments and
    docstrings removed: docstrings may mention what we never do."""
    paths = sorted(Path(kafka_source.__file__).parent.glob("*.py"))
    modules = {}
    for path in paths:
        text = path.read_text()
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        modules[path.name] = re.sub(r'"""(?:.|\n)*?"""', "", code)
    return modules


def test_source_sends_only_read_requests() -> None:
    """Static check: no module of the source names a mutating API, request or consumer."""
    modules = source_modules()
    # the glob must find the split modules, or this test would pass vacuously
    split = {"source.py", "wire.py", "fetch.py", "convert.py", "convert_groups.py"}
    assert split <= set(modules)
    forbidden = [
        r"\bcreate_\w+\(",
        r"\bdelete_\w+\(",
        r"\balter_\w+\(",
        r"\belect_leaders\(",
        r"\breset_group_offsets\(",
        r"\bremove_group_members\(",
        r"\bupdate_features\(",
        r"(Create|Delete|Alter|IncrementalAlter|Elect|OffsetCommit|OffsetDelete|JoinGroup|SyncGroup|"
        r"Heartbeat|LeaveGroup|Produce|InitProducerId|AddPartitionsToTxn|EndTxn)\w*Request",
        r"\bKafkaConsumer\b",
        r"\bKafkaProducer\b",
    ]
    for name, code in modules.items():
        for pattern in forbidden:
            assert not re.search(pattern, code), f"{name}: {pattern}"
        assert "allow_auto_topic_creation=True" not in code, name
    # requests are built in wire.py only, and its every Metadata request forbids auto-creation
    for name, code in modules.items():
        if name != "wire.py":
            assert not re.search(r"\w+Request\b", code), f"{name} builds a request; build it in wire.py"
    metadata_requests = re.findall(r"MetadataRequest\(([^)]*)\)", modules["wire.py"])
    assert metadata_requests, "no Metadata request found: the check would be vacuous"
    for args in metadata_requests:
        assert "allow_auto_topic_creation=False" in args, args


# The read-only APIs kafkatui may speak, by api key: Metadata, ListOffsets, OffsetFetch,
# DescribeGroups, ListGroups, DescribeConfigs, DescribeLogDirs, ListPartitionReassignments,
# DescribeQuorum, ConsumerGroupDescribe.
READ_ONLY_API_KEYS = {3, 2, 9, 15, 16, 32, 35, 46, 55, 69}


def test_wire_requests_are_read_only_apis() -> None:
    """Every request class wire.py uses (kafka-python's or our own) speaks a read-only API key."""
    from kafkatui.kafka import wire

    classes = {name: obj for name, obj in vars(wire).items() if name.endswith("Request") and hasattr(obj, "API_KEY")}
    assert "ListPartitionReassignmentsRequest" in classes and "DescribeLogDirsRequest" in classes
    for name, cls in classes.items():
        assert cls.API_KEY in READ_ONLY_API_KEYS, f"{name} (api key {cls.API_KEY})"


def test_own_message_schemas_are_read_only_apis() -> None:
    """kafkatui ships wire schemas for what kafka-python lacks (kafkatui/kafka/messages); each
    must be a read-only API, and the package must not name a mutating request either."""
    folder = Path(kafka_source.__file__).parent / "messages"
    schemas = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    assert schemas, "no schema found: the check would be vacuous"
    for schema in schemas:
        assert schema["apiKey"] in READ_ONLY_API_KEYS, schema["name"]
    code = re.sub(r'"""(?:.|\n)*?"""', "", (folder / "__init__.py").read_text())
    assert not re.search(r"(Create|Delete|Alter|Commit|Join|Sync|Heartbeat|Leave|Produce|Elect)\w*Request", code)


def test_committed_offsets_survive_a_stale_coordinator(admin: KafkaAdminClient) -> None:
    """The digest helper must not trust kafka-python's coordinator cache: point the cached
    coordinator of `analytics` at a broker that is not its coordinator, as a move leaves it."""
    from kafka.cluster import CoordinatorType

    truth = committed_offsets(admin, ["analytics"])
    assert truth.get("analytics"), "analytics has committed offsets (seeded)"
    cluster = admin._manager.cluster  # kafka-python internals: the only way to stage a stale cache
    key = (CoordinatorType.GROUP, "analytics")
    real = cluster._coordinators[key]
    real_port = cluster.broker_metadata(real).port
    wrong = next(b.node_id for b in cluster.brokers() if b.port != real_port)
    cluster._coordinators[key] = wrong
    try:
        with pytest.raises(NotCoordinatorError):
            admin.list_group_offsets(["analytics"])
        assert committed_offsets(admin, ["analytics"]) == truth
    finally:
        cluster._coordinators[key] = real
