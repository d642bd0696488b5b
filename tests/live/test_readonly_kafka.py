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

import ast
import hashlib
import importlib
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


# The read-only APIs kafkatui may speak, by api key: Metadata, ListOffsets, OffsetFetch,
# DescribeGroups, ListGroups, DescribeConfigs, DescribeLogDirs, ListPartitionReassignments,
# DescribeQuorum, ConsumerGroupDescribe.
# 1: Fetch as a consumer (no group field); 29, 48, 50: DescribeAcls, DescribeClientQuotas and
# DescribeUserScramCredentials (the security section of snapshot --json)
READ_ONLY_API_KEYS = {3, 2, 9, 15, 16, 29, 32, 35, 46, 48, 50, 55, 69, 1}

# KafkaAdminClient's methods, by their first word. Every public method must fall in one set, so a
# kafka-python upgrade that adds a method with a new verb fails here until someone sorts it.
MUTATING_VERBS = {"create", "delete", "alter", "elect", "reset", "remove", "update", "abort"}
READING_VERBS = {"describe", "list", "get", "api", "wait", "find", "close"}
CLIENTS_THAT_WRITE = {"KafkaConsumer", "KafkaProducer"}  # a consumer commits and joins groups


def mutating_admin_methods() -> set[str]:
    methods = {m for m in dir(KafkaAdminClient) if not m.startswith("_") and not m.isupper()}
    unsorted = {m for m in methods if m.split("_")[0] not in MUTATING_VERBS | READING_VERBS}
    assert not unsorted, f"KafkaAdminClient methods neither reading nor mutating: {sorted(unsorted)}"
    mutating = {m for m in methods if m.split("_")[0] in MUTATING_VERBS}
    assert {"create_topics", "delete_topics", "alter_configs", "reset_group_offsets"} <= mutating
    return mutating


def read_only_violations(name: str, code: str, builds_requests: bool) -> list[str]:
    """What in `code` (one module, parsed) could change the cluster, one line each.

    Names, not text: a docstring or comment may mention what we never do, and an unrelated
    `socket.create_connection` is no `create_topics`. Flagged: a mutating KafkaAdminClient method
    named anywhere (attribute, bare name or getattr string); KafkaConsumer/KafkaProducer; a
    `...Request` class whose api key is not read-only, or that cannot be resolved to one; any
    request class outside the module that `builds_requests`; allow_auto_topic_creation other than
    False, or a MetadataRequest built without saying False."""
    mutating = mutating_admin_methods()
    tree = ast.parse(code, name)
    found: list[str] = []
    imported_requests: dict[str, int | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if alias.name.endswith("Request"):
                    cls = getattr(importlib.import_module(node.module), alias.name, None)
                    key = imported_requests[alias.asname or alias.name] = getattr(cls, "API_KEY", None)
                    if key not in READ_ONLY_API_KEYS:
                        found.append(f"{name}:{node.lineno}: imports {alias.name}, not a read-only API (api key {key})")
                if alias.name in CLIENTS_THAT_WRITE:
                    found.append(f"{name}:{node.lineno}: imports {alias.name}")
    for node in ast.walk(tree):
        ident = (node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name)
                 else node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None)
        line = getattr(node, "lineno", 0)
        if ident in mutating:
            found.append(f"{name}:{line}: names the mutating admin method {ident}")
        if isinstance(node, ast.Constant):
            continue
        if ident in CLIENTS_THAT_WRITE:
            found.append(f"{name}:{line}: uses {ident}")
        if ident is not None and ident.endswith("Request"):
            if not builds_requests:
                found.append(f"{name}:{line}: {ident}: requests are built in wire.py only")
            elif imported_requests.get(ident) not in READ_ONLY_API_KEYS:
                found.append(f"{name}:{line}: {ident} is not a read-only API "
                             f"(api key {imported_requests.get(ident, 'unknown: not imported by name')})")
        if (isinstance(node, ast.keyword) and node.arg == "allow_auto_topic_creation"
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)):
            found.append(f"{name}:{node.value.lineno}: allow_auto_topic_creation is not False")
        if isinstance(node, ast.Call):
            callee = node.func.value if isinstance(node.func, ast.Subscript) else node.func
            callee_name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
            keywords = {k.arg for k in node.keywords}
            if callee_name == "MetadataRequest" and "allow_auto_topic_creation" not in keywords:
                found.append(f"{name}:{line}: a MetadataRequest that does not forbid auto-creation")
    return sorted(set(found), key=lambda v: (int(v.split(":")[1]), v))


def test_source_sends_only_read_requests() -> None:
    """Static check over every module of the Kafka source (the kafkatui/kafka/ package)."""
    paths = {p.name: p for p in sorted(Path(kafka_source.__file__).parent.glob("*.py"))}
    # the glob must find the split modules, or this test would pass vacuously
    split = {"source.py", "wire.py", "fetch.py", "convert.py", "convert_groups.py"}
    assert split <= set(paths)
    found = [v for name, path in paths.items()
             for v in read_only_violations(name, path.read_text(), builds_requests=name == "wire.py")]
    assert found == []
    wire = ast.parse(paths["wire.py"].read_text())
    metadata_calls = [n for n in ast.walk(wire) if isinstance(n, ast.Call)
                      and getattr(n.func, "id", getattr(n.func, "attr", None)) == "MetadataRequest"]
    assert metadata_calls, "no Metadata request found in wire.py: the check would be vacuous"


def test_the_read_only_check_catches_writes_and_not_sockets() -> None:
    """The positive control of the check above: what it must flag, and what it must let be."""
    harmless = '''
import socket
from kafka.protocol.metadata import MetadataRequest
def probe(admin):
    """Never calls admin.create_topics(...) or builds a ProduceRequest."""
    socket.create_connection(("127.0.0.1", 1), timeout=1)  # create_topics( in a comment
    return admin.describe_topics(), MetadataRequest(topics=None, allow_auto_topic_creation=False)
'''
    assert read_only_violations("harmless.py", harmless, builds_requests=True) == []
    writes = '''
from kafka import KafkaProducer
from kafka.protocol.admin import CreateTopicsRequest
from kafka.protocol.metadata import MetadataRequest
def write(admin, flag):
    admin.create_topics([])
    getattr(admin, "delete_topics")([])
    MetadataRequest(topics=None)
    MetadataRequest(topics=None, allow_auto_topic_creation=flag)
    return CreateTopicsRequest, KafkaProducer
'''
    assert read_only_violations("writes.py", writes, builds_requests=True) == [
        "writes.py:2: imports KafkaProducer",
        "writes.py:3: imports CreateTopicsRequest, not a read-only API (api key 19)",
        "writes.py:6: names the mutating admin method create_topics",
        "writes.py:7: names the mutating admin method delete_topics",
        "writes.py:8: a MetadataRequest that does not forbid auto-creation",
        "writes.py:9: allow_auto_topic_creation is not False",
        "writes.py:10: CreateTopicsRequest is not a read-only API (api key 19)",
        "writes.py:10: uses KafkaProducer",
    ]
    assert read_only_violations("elsewhere.py", "from kafka.protocol.metadata import MetadataRequest\n",
                                builds_requests=False) == []  # an import alone is resolved, not flagged here


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
