"""Pure helpers of the Kafka source (kafka_convert, kafka_wire's request builders) and `snapshot --json`.

The inputs are kafka-python's own response classes, built by hand in the shape the broker
returns (no cluster, no mock client): the helpers read attributes off exactly these objects.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import kafka.errors as Errors
import pytest
from kafka.protocol.admin import DescribeConfigsResponse, DescribeGroupsResponse, DescribeLogDirsResponse
from kafka.protocol.admin import DescribeQuorumResponse as QR
from kafka.protocol.consumer import ListOffsetsResponse, OffsetFetchResponse, OffsetSpec
from kafka.protocol.consumer.metadata import ConsumerProtocolAssignment
from kafka.protocol.metadata import MetadataResponse

from kafkatui.kafka.convert import (
    brokers_from_metadata,
    config_entries,
    controller_of,
    describe_error,
    keep_unchanged,
    keep_unchanged_groups,
    leaders_from_metadata,
    log_dirs_from_response,
    offsets_from_response,
    quorum_from_response,
    summarize,
    topics_from_metadata,
)
from kafkatui.kafka.convert_groups import (
    committed_from_offset_fetch,
    consuming,
    decode_assignment,
    group_partitions,
    members_from_description,
)
from kafkatui.kafka.wire import offset_fetch_requests, offsets_request
from kafkatui.model import (
    ClusterSnapshot,
    DiskUsage,
    Group,
    GroupMember,
    GroupPartition,
    GroupsSnapshot,
    JvmProcess,
    LagStatus,
    ProcessesSnapshot,
    Quorum,
    ZkServerStats,
    ZkSnapshot,
    ZkState,
)
from kafkatui.snapshot.document import build_document

# --------------------------------------------------------------------------- builders

MT = MetadataResponse.MetadataResponseTopic
MP = MT.MetadataResponsePartition


def metadata(topics: list[MT]) -> MetadataResponse:
    brokers = [
        MetadataResponse.MetadataResponseBroker(node_id=i, host="127.0.0.1", port=19091 + i, rack=None)
        for i in (3, 1, 2)
    ]
    return MetadataResponse(
        version=12, throttle_time_ms=0, brokers=brokers, cluster_id="abc", controller_id=1, topics=topics
    )


def mtopic(name: str, parts: list[tuple[int, int, list[int], list[int]]], internal: bool = False, error: int = 0) -> MT:
    return MT(
        error_code=error,
        name=name,
        topic_id=uuid.uuid4(),
        is_internal=internal,
        authorized_operations=set(),
        partitions=[
            MP(
                error_code=0,
                partition_index=i,
                leader_id=leader,
                leader_epoch=0,
                replica_nodes=reps,
                isr_nodes=isr,
                offline_replicas=[],
            )
            for i, leader, reps, isr in parts
        ],
    )


def sample_metadata() -> MetadataResponse:
    return metadata(
        [
            mtopic("orders", [(1, 2, [2, 1], [2, 1]), (0, 1, [1, 2], [1])]),
            mtopic("__consumer_offsets", [(0, 3, [3], [3])], internal=True),
            mtopic("gone", [], error=Errors.UnknownTopicOrPartitionError.errno),
            mtopic("orphan", [(0, -1, [4], [])]),
        ]
    )


LT = ListOffsetsResponse.ListOffsetsTopicResponse
LP = LT.ListOffsetsPartitionResponse


def list_offsets(rows: list[tuple[str, int, int, int]]) -> ListOffsetsResponse:
    by_topic: dict[str, list[LP]] = {}
    for topic, partition, offset, error in rows:
        by_topic.setdefault(topic, []).append(
            LP(partition_index=partition, error_code=error, timestamp=-1, offset=offset, leader_epoch=0)
        )
    return ListOffsetsResponse(
        version=7, throttle_time_ms=0, topics=[LT(name=t, partitions=ps) for t, ps in by_topic.items()]
    )


# --------------------------------------------------------------------------- cluster helpers


def test_describe_error_is_one_line_with_the_class() -> None:
    # kafka-python's errors already start with their class name
    assert describe_error(Errors.KafkaTimeoutError("Timed out\n after 4000 ms")) == (
        "KafkaTimeoutError: Timed out after 4000 ms"
    )
    assert describe_error(Errors.NodeNotReadyError()) == "NodeNotReadyError"
    assert describe_error(ValueError("")) == "ValueError"
    assert describe_error(OSError("connection refused")) == "connection refused (OSError)"


def test_brokers_sorted_by_id() -> None:
    brokers = brokers_from_metadata(sample_metadata())
    assert [(b.id, b.port) for b in brokers] == [(1, 19092), (2, 19093), (3, 19094)]


def test_leaders_skip_leaderless_dead_and_failed_topics() -> None:
    leaders = leaders_from_metadata(sample_metadata(), live=[1, 2])
    assert leaders == {2: [("orders", 1)], 1: [("orders", 0)]}  # broker 3 not live, orphan has no leader


def test_offsets_request_batches_partitions_per_topic() -> None:
    request = offsets_request([("a", 0), ("b", 1), ("a", 2)], OffsetSpec.LATEST)
    assert request.replica_id == -1  # a consumer, not a follower
    assert [(t.name, [p.partition_index for p in t.partitions]) for t in request.topics] == [("a", [0, 2]), ("b", [1])]
    assert {p.timestamp for t in request.topics for p in t.partitions} == {-1}
    earliest = offsets_request([("a", 0)], OffsetSpec.EARLIEST)
    assert earliest.topics[0].partitions[0].timestamp == -2


def test_offset_fetch_is_one_request_per_coordinator_or_one_per_group_before_v8() -> None:
    [(batched, tag)] = offset_fetch_requests(["a", "b"], batched=True)
    assert tag is None and [g.group_id for g in batched.groups] == ["a", "b"]
    assert all(g.topics is None for g in batched.groups)  # all partitions the group committed
    single = offset_fetch_requests(["a", "b"], batched=False)
    assert [(r.group_id, r.topics, tag) for r, tag in single] == [("a", None, "a"), ("b", None, "b")]


def test_offsets_keep_good_partitions_and_count_errors() -> None:
    not_leader = Errors.NotLeaderForPartitionError.errno
    offsets, errors = offsets_from_response(list_offsets([("a", 0, 10, 0), ("a", 1, -1, not_leader), ("b", 0, 0, 0)]))
    assert offsets == {("a", 0): 10, ("b", 0): 0}
    assert errors == {"NotLeaderForPartitionError": 1}
    assert summarize(errors, "latest offsets") == ["latest offsets: 1 partition NotLeaderForPartitionError"]


def test_log_dirs_sizes_skip_future_replicas_and_unknown_totals() -> None:
    R = DescribeLogDirsResponse.DescribeLogDirsResult
    T = R.DescribeLogDirsTopic
    P = T.DescribeLogDirsPartition
    response = DescribeLogDirsResponse(
        version=4,
        throttle_time_ms=0,
        error_code=0,
        results=[
            R(
                error_code=0,
                log_dir="/data/a",
                total_bytes=1000,
                usable_bytes=400,
                topics=[
                    T(
                        name="orders",
                        partitions=[
                            P(partition_index=0, partition_size=100, offset_lag=0, is_future_key=False),
                            P(partition_index=1, partition_size=50, offset_lag=0, is_future_key=True),
                        ],
                    )
                ],
            ),
            R(error_code=Errors.KafkaStorageError.errno, log_dir="/data/b", total_bytes=-1, usable_bytes=-1, topics=[]),
        ],
    )
    dirs, sizes = log_dirs_from_response(2, response)
    assert sizes == {("orders", 0): 100}
    assert [(d.broker_id, d.path, d.total_bytes, d.usable_bytes, d.partition_bytes, d.error) for d in dirs] == [
        (2, "/data/a", 1000, 400, 100, None),
        (2, "/data/b", None, None, 0, "KafkaStorageError"),
    ]


def test_topics_take_offsets_rates_and_the_leaders_size() -> None:
    md = sample_metadata()
    earliest = {("orders", 0): 5, ("orders", 1): 0}
    latest = {("orders", 0): 15, ("orders", 1): 7, ("__consumer_offsets", 0): 3}
    sizes = {1: {("orders", 0): 111, ("orders", 1): 999}, 2: {("orders", 1): 222, ("orders", 0): 888}}
    rates = {("orders", 0): 1.5, ("orders", 1): None}
    topics = topics_from_metadata(md, earliest, latest, sizes, rates, {"orders": 1.5})
    assert [t.name for t in topics] == ["__consumer_offsets", "orders", "orphan"]  # sorted; failed topic left out
    internal, orders, orphan = topics
    assert internal.internal and internal.partitions[0].earliest is None and internal.messages is None
    assert [p.partition for p in orders.partitions] == [0, 1]
    p0, p1 = orders.partitions
    assert (p0.leader, p0.earliest, p0.latest, p0.messages, p0.size_bytes) == (1, 5, 15, 10, 111)
    assert (p1.leader, p1.messages, p1.size_bytes, p1.msgs_per_s) == (2, 7, 222, None)
    assert p0.under_replicated and not p1.under_replicated
    assert orders.messages == 17 and orders.msgs_per_s == 1.5
    assert orphan.partitions[0].leaderless and orphan.partitions[0].size_bytes is None


def test_an_unchanged_topic_is_handed_on_as_the_same_object() -> None:
    """The UI tells unchanged topics by identity (issue 14), so the source keeps the old objects."""
    md = sample_metadata()
    latest = {("orders", 0): 15, ("orders", 1): 7}
    first = topics_from_metadata(md, {}, latest, {}, {}, {})
    again = keep_unchanged({t.name: t for t in first}, topics_from_metadata(md, {}, latest, {}, {}, {}))
    assert all(a is b for a, b in zip(first, again, strict=True))
    moved = keep_unchanged({t.name: t for t in first},
                           topics_from_metadata(md, {}, {**latest, ("orders", 1): 8}, {}, {}, {}))
    assert [a is b for a, b in zip(first, moved, strict=True)] == [True, False, True]
    assert moved[1].partitions[1].latest == 8


def test_an_unchanged_group_and_unchanged_partitions_are_handed_on_as_the_same_objects() -> None:
    """As topics (issue 14): the groups views tell an unchanged group, and a group's detail an
    unchanged partition, by identity; groups are rebuilt as new equal objects at every poll."""

    def poll(committed_p1: int, lag_seconds: float | None = 0.0) -> tuple[Group, ...]:
        parts = (GroupPartition("orders", 0, 5, 5, "c1", lag_seconds=0.0),
                 GroupPartition("orders", 1, committed_p1, 9, "c1", lag_seconds=lag_seconds))
        return (Group("billing", "Stable", "consumer", "range", (), parts),
                Group("idle", "Empty", "consumer", "", (), (GroupPartition("logs", 0, 3, 3, lag_seconds=0.0),)))

    first = keep_unchanged_groups({}, poll(9))
    last = {g.id: g for g in first}
    again = keep_unchanged_groups(last, poll(9))
    assert all(a is b for a, b in zip(first, again, strict=True))
    moved = keep_unchanged_groups(last, poll(7, 12.5))
    assert moved[1] is first[1] and moved[0] is not first[0]
    assert moved[0].partitions[0] is first[0].partitions[0]  # the partition that did not move
    assert moved[0].partitions[1].committed == 7 and moved[0].total_lag == 2
    status_only = keep_unchanged_groups(last, (replace(poll(9)[0], status=LagStatus.WARN),))
    assert status_only[0].status is LagStatus.WARN and status_only[0].partitions is first[0].partitions


def test_quorum_lag_and_ages() -> None:
    P = QR.TopicData.PartitionData
    S = P.ReplicaState
    response = QR(
        version=1,
        error_code=0,
        error_message=None,
        nodes=[],
        topics=[
            QR.TopicData(
                topic_name="__cluster_metadata",
                partitions=[
                    P(
                        partition_index=0,
                        error_code=0,
                        error_message=None,
                        leader_id=1,
                        leader_epoch=7,
                        high_watermark=500,
                        current_voters=[
                            S(
                                replica_id=2,
                                log_end_offset=480,
                                last_fetch_timestamp=9_000,
                                last_caught_up_timestamp=-1,
                            ),
                            S(replica_id=1, log_end_offset=500, last_fetch_timestamp=-1, last_caught_up_timestamp=-1),
                        ],
                        observers=[
                            S(
                                replica_id=4,
                                log_end_offset=450,
                                last_fetch_timestamp=9_500,
                                last_caught_up_timestamp=9_400,
                            )
                        ],
                    )
                ],
            )
        ],
    )
    quorum = quorum_from_response(response, now_ms=10_000)
    assert quorum is not None
    assert (quorum.leader_id, quorum.leader_epoch, quorum.high_watermark) == (1, 7, 500)
    leader, follower = quorum.voters
    assert leader.replica_id == 1 and leader.is_leader and leader.lag == 0 and leader.last_fetch_ms_ago is None
    assert follower.lag == 20 and follower.last_fetch_ms_ago == 1000 and not follower.is_leader
    (observer,) = quorum.observers
    assert observer.is_observer and observer.lag == 50 and observer.last_caught_up_ms_ago == 600
    assert quorum_from_response(QR(version=1, error_code=0, error_message=None, topics=[], nodes=[]), 0) is None


# --------------------------------------------------------------------------- group helpers


def assignment_bytes(pairs: dict[str, list[int]]) -> bytes:
    A = ConsumerProtocolAssignment
    return A(
        version=0,
        user_data=None,
        assigned_partitions=[A.TopicPartition(topic=t, partitions=ps) for t, ps in pairs.items()],
    ).encode()


def test_decode_assignment() -> None:
    assert decode_assignment(assignment_bytes({"orders": [2, 0], "payments": [1]})) == (
        ("orders", 0),
        ("orders", 2),
        ("payments", 1),
    )
    assert decode_assignment(b"") == ()
    assert decode_assignment(b"\x00\x01garbage") == ()


def test_members_from_description() -> None:
    G = DescribeGroupsResponse.DescribedGroup
    M = G.DescribedGroupMember
    group = G(
        error_code=0,
        error_message=None,
        group_id="billing",
        group_state="Stable",
        protocol_type="consumer",
        protocol_data="range",
        authorized_operations=set(),
        members=[
            M(
                member_id="m-2",
                group_instance_id=None,
                client_id="zeta",
                client_host="/10.0.0.2",
                member_metadata=b"",
                member_assignment=assignment_bytes({"orders": [1]}),
            ),
            M(
                member_id="m-1",
                group_instance_id=None,
                client_id="alpha",
                client_host="/10.0.0.1",
                member_metadata=b"",
                member_assignment=assignment_bytes({"orders": [0]}),
            ),
        ],
    )
    members = members_from_description(group)
    assert [(m.client_id, m.host, m.assignments) for m in members] == [
        ("alpha", "10.0.0.1", (("orders", 0),)),
        ("zeta", "10.0.0.2", (("orders", 1),)),
    ]
    connect = G(
        error_code=0,
        error_message=None,
        group_id="c",
        group_state="Stable",
        protocol_type="connect",
        protocol_data="sessioned",
        authorized_operations=set(),
        members=[
            M(
                member_id="w",
                group_instance_id=None,
                client_id="worker",
                client_host="/h",
                member_metadata=b"",
                member_assignment=b"\x00\x01opaque",
            )
        ],
    )
    assert members_from_description(connect)[0].assignments == ()


def test_committed_offsets_v8_many_groups() -> None:
    R = OffsetFetchResponse
    G = R.OffsetFetchResponseGroup
    T = G.OffsetFetchResponseTopics
    P = T.OffsetFetchResponsePartitions
    response = R(
        version=8,
        throttle_time_ms=0,
        groups=[
            G(
                group_id="a",
                error_code=0,
                topics=[
                    T(
                        name="orders",
                        partitions=[
                            P(
                                partition_index=0,
                                committed_offset=42,
                                committed_leader_epoch=-1,
                                metadata="",
                                error_code=0,
                            ),
                            P(
                                partition_index=1,
                                committed_offset=-1,
                                committed_leader_epoch=-1,
                                metadata="",
                                error_code=0,
                            ),
                        ],
                    )
                ],
            ),
            G(group_id="b", error_code=Errors.GroupAuthorizationFailedError.errno, topics=[]),
        ],
    )
    committed, errors = committed_from_offset_fetch(response)
    assert committed == {"a": {("orders", 0): 42, ("orders", 1): None}}
    assert errors == ["offsets of group b: GroupAuthorizationFailedError"]


def test_committed_offsets_single_group_response() -> None:
    R = OffsetFetchResponse
    T = R.OffsetFetchResponseTopic
    P = T.OffsetFetchResponsePartition
    response = R(
        version=7,
        throttle_time_ms=0,
        error_code=0,
        topics=[
            T(
                name="logs",
                partitions=[
                    P(partition_index=3, committed_offset=9, committed_leader_epoch=-1, metadata="", error_code=0)
                ],
            )
        ],
    )
    assert committed_from_offset_fetch(response) == ({"": {("logs", 3): 9}}, [])


def test_group_partitions_union_of_committed_and_assigned() -> None:
    members = [GroupMember("m1", "c1", "h", (("orders", 0), ("orders", 1)))]
    committed = {("orders", 0): 10, ("logs", 2): 5}
    latest = {("orders", 0): 15, ("orders", 1): 3, ("logs", 2): 5}
    parts = group_partitions(members, committed, latest)
    assert [(p.topic, p.partition, p.committed, p.latest, p.lag, p.member) for p in parts] == [
        ("logs", 2, 5, 5, 0, None),
        ("orders", 0, 10, 15, 5, "c1"),
        ("orders", 1, None, 3, None, "c1"),
    ]


# --------------------------------------------------------------------------- configs


def describe_configs_result(rows: list[tuple[str, str | None, int, bool, bool]]) -> object:
    R = DescribeConfigsResponse.DescribeConfigsResult
    C = R.DescribeConfigsResourceResult
    return R(
        error_code=0,
        error_message=None,
        resource_type=2,
        resource_name="x",
        configs=[
            C(
                name=n,
                value=v,
                read_only=ro,
                config_source=src,
                is_sensitive=sens,
                synonyms=[],
                config_type=0,
                documentation=None,
            )
            for n, v, src, ro, sens in rows
        ],
    )


def test_topic_config_defaults_and_overrides() -> None:
    result = describe_configs_result(
        [
            ("retention.ms", "604800000", 5, False, False),
            ("cleanup.policy", "compact", 1, False, False),
            ("min.insync.replicas", "2", 4, False, False),  # from server.properties: a default for the topic
        ]
    )
    entries = {e.name: e for e in config_entries(result, "topic")}
    assert list(entries) == ["cleanup.policy", "min.insync.replicas", "retention.ms"]
    assert not entries["cleanup.policy"].is_default and entries["cleanup.policy"].source == "DYNAMIC_TOPIC_CONFIG"
    assert entries["retention.ms"].is_default and entries["retention.ms"].source == "DEFAULT_CONFIG"
    assert entries["min.insync.replicas"].is_default and entries["min.insync.replicas"].source == "STATIC_BROKER_CONFIG"


def test_broker_config_overrides_and_sensitive_values_masked() -> None:
    result = describe_configs_result(
        [
            ("broker.id", "1", 4, True, False),
            ("num.io.threads", "8", 5, False, False),
            ("ssl.keystore.password", "hunter2", 2, False, True),
        ]
    )
    entries = {e.name: e for e in config_entries(result, "broker")}
    assert not entries["broker.id"].is_default and entries["broker.id"].read_only
    assert entries["num.io.threads"].is_default
    secret = entries["ssl.keystore.password"]
    assert secret.sensitive and secret.value is None and not secret.is_default


# --------------------------------------------------------------------------- snapshot --json


def cluster_snapshot() -> ClusterSnapshot:
    md = sample_metadata()
    topics = topics_from_metadata(md, {("orders", 0): 0, ("orders", 1): 0}, {("orders", 0): 4, ("orders", 1): 6}, {})
    return ClusterSnapshot(
        fetched_at=1.0,
        duration_s=0.25,
        cluster_id="abc",
        controller_id=1,
        brokers=brokers_from_metadata(md),
        topics=tuple(reversed(topics)),
        errors=("log dirs from broker 3: KafkaConnectionError",),
    )


def groups_snapshot() -> GroupsSnapshot:
    from kafkatui.model import Group, GroupPartition

    billing = Group(
        id="billing",
        state="Stable",
        protocol_type="consumer",
        protocol="range",
        members=(GroupMember("m1", "c1", "10.0.0.1", (("orders", 1), ("orders", 0))),),
        partitions=(GroupPartition("orders", 1, 5, 6, "c1"), GroupPartition("orders", 0, 4, 4, "c1")),
        status=LagStatus.OK,
        status_reason="2 partitions OK, total lag 1",
        coordinator=2,
    )
    empty = Group(
        id="analytics",
        state="Empty",
        protocol_type="consumer",
        protocol="",
        members=(),
        partitions=(GroupPartition("orders", 0, None, 4),),
    )
    return GroupsSnapshot(fetched_at=1.0, duration_s=0.1, groups=(billing, empty))


def test_document_shape_and_order() -> None:
    doc = build_document(cluster_snapshot(), groups_snapshot(), None, None, {"kafka": 0.3})
    assert list(doc) == ["cluster", "brokers", "topics", "groups", "zookeeper", "processes", "timing", "attention",
                         "security"]
    assert doc["security"] is None  # not asked
    assert doc["cluster"] == {
        "id": "abc",
        "controller": 1,
        "mode": "zookeeper",
        "quorum": None,
        "errors": ["log dirs from broker 3: KafkaConnectionError"],
        "denied": [],
    }
    assert [b["id"] for b in doc["brokers"]] == [1, 2, 3]
    assert set(doc["brokers"][0]) == {"id", "host", "port", "rack", "log_dirs"}
    assert doc["brokers"][0]["log_dirs"] == []  # this snapshot has no log dirs answered
    assert doc["attention"] == [  # worst first
        {"kind": "offline_partition", "severity": "critical", "subject": "orphan 0",
         "detail": "no leader, nobody can read or write it"},
        {"kind": "under_replicated", "severity": "warning", "subject": "orders 0",
         "detail": "ISR 1 of 2 replicas (missing 2)"}
    ]
    assert [t["name"] for t in doc["topics"]] == ["__consumer_offsets", "orders", "orphan"]
    orders = doc["topics"][1]
    assert orders["messages"] == 10 and orders["under_replicated"] == 1 and orders["internal"] is False
    assert orders["partitions"][0] == {
        "partition": 0,
        "leader": 1,
        "replicas": [1, 2],
        "isr": [1],
        "offline_replicas": [],
        "earliest": 0,
        "latest": 4,
        "messages": 4,
        "size_bytes": None,
    }
    assert [g["id"] for g in doc["groups"]] == ["analytics", "billing"]
    billing = doc["groups"][1]
    assert billing["members"] == [
        {
            "client_id": "c1",
            "host": "10.0.0.1",
            "assignments": [{"topic": "orders", "partition": 0}, {"topic": "orders", "partition": 1}],
        }
    ]
    assert billing["partitions"][0] == {"topic": "orders", "partition": 0, "committed": 4, "latest": 4, "lag": 0,
                                        "lag_seconds": None, "lag_seconds_note": ""}
    assert billing["lag_seconds"] is None and billing["catch_up"]["state"] == "unknown"
    assert billing["total_lag"] == 1 and billing["status"] == "OK" and billing["protocol_type"] == "consumer"
    assert doc["groups"][0]["partitions"][0]["lag"] is None and doc["groups"][0]["status"] == "UNKNOWN"
    assert doc["zookeeper"] is None and doc["processes"] is None
    assert doc["timing"] == {"kafka": 0.3, "groups": 0.1, "zookeeper": None, "processes": None}


def test_document_is_json_and_deterministic() -> None:
    zk = ZkSnapshot(
        fetched_at=1.0,
        duration_s=0.02,
        state=ZkState.CONNECTED,
        hosts="127.0.0.1:2181",
        server=ZkServerStats(version="3.8.4", mode="standalone", znode_count=42, missing_whitelist=("mntr",)),
    )
    proc = JvmProcess(
        pid=10,
        role="broker",
        user="kafka",
        cpu_percent=3.5,
        rss_bytes=100,
        threads=50,
        create_time=0.0,
        ports=(19093, 19092),
        open_fds=None,
        xmx="384m",
        xms=None,
        config_path=None,
        broker_id=1,
        log_dirs=(DiskUsage("/d", 1, 2, 3),),
    )
    procs = ProcessesSnapshot(fetched_at=1.0, duration_s=0.05, processes=(proc,))
    one = build_document(cluster_snapshot(), None, zk, procs, {"zookeeper": 0.021})
    two = build_document(cluster_snapshot(), None, zk, procs, {"zookeeper": 0.021})
    assert json.dumps(one, sort_keys=False) == json.dumps(two, sort_keys=False)
    assert one["groups"] is None
    assert one["zookeeper"]["connected"] is True and one["zookeeper"]["state"] == "CONNECTED"
    assert one["zookeeper"]["server"]["znode_count"] == 42
    assert one["zookeeper"]["server"]["missing_whitelist"] == ["mntr"]
    assert one["processes"] == [
        {
            "pid": 10,
            "role": "broker",
            "broker_id": 1,
            "cpu": 3.5,
            "rss": 100,
            "threads": 50,
            "ports": [19092, 19093],
            "user": "kafka",
            "xmx": "384m",
            "log_dirs": [{"path": "/d", "used_bytes": 1, "free_bytes": 2, "total_bytes": 3}],
        }
    ]
    assert one["timing"]["zookeeper"] == 0.021 and one["timing"]["processes"] == 0.05


def test_document_kraft_mode_with_quorum() -> None:
    from kafkatui.model import Quorum, QuorumVoter

    quorum = Quorum(
        leader_id=1,
        leader_epoch=3,
        high_watermark=10,
        voters=(QuorumVoter(1, 10, 0, 0, 0, is_leader=True),),
        observers=(),
    )
    snap = ClusterSnapshot(
        fetched_at=0, duration_s=0, cluster_id="k", controller_id=2, brokers=(), topics=(), quorum=quorum, kraft=True
    )
    doc = build_document(snap, None, None, None, {})
    assert doc["cluster"]["mode"] == "kraft"
    assert doc["cluster"]["quorum"] == {
        "leader_id": 1,
        "leader_epoch": 3,
        "high_watermark": 10,
        "observers": [],
        "voters": [
            {
                "replica_id": 1,
                "log_end_offset": 10,
                "lag": 0,
                "last_fetch_ms_ago": 0,
                "last_caught_up_ms_ago": 0,
                "leader": True,
            }
        ],
    }


def test_consuming_is_the_assigned_partitions_or_whether_there_are_members() -> None:
    a = GroupMember("m-1", "c-1", "h", (("orders", 0), ("orders", 1)))
    b = GroupMember("m-2", "c-2", "h", (("payments", 0),))
    assert consuming((a, b)) == {("orders", 0), ("orders", 1), ("payments", 0)}
    rebalancing = GroupMember("m-3", "c-3", "h", ())
    assert consuming((rebalancing,)) is True  # members, but no readable assignment
    assert consuming(()) is False


def test_controller_is_the_quorum_leader_on_kraft() -> None:
    """On KRaft, Metadata's controller id is a random live broker; the active controller is the
    quorum leader (here a dedicated controller, 101, that is not a broker)."""
    quorum = Quorum(leader_id=101, leader_epoch=3, high_watermark=10, voters=(), observers=())
    assert controller_of(2, True, quorum) == 101
    assert controller_of(2, True, None) is None  # DescribeQuorum failed: unknown, not broker 2
    assert controller_of(2, True, Quorum(-1, 3, 10, (), ())) is None  # an election in progress
    assert controller_of(2, False, None) == 2
    assert controller_of(-1, False, None) is None


def test_a_topic_whose_inputs_did_not_change_is_not_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: with the source's memo, a topic whose metadata, offsets, sizes and rates equal
    the last refresh's is that refresh's object; only the changed topics' partitions are made
    (counted, never timed), at 200 and at 2,000 topics, and the result equals a build afresh."""
    from kafkatui.kafka import convert
    from kafkatui.kafka.codec import LeanBroker, LeanMetadata, LeanPartition, LeanTopic

    made = [0]
    real = convert.Partition

    def counting(*args: Any, **kwargs: Any) -> Any:
        made[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(convert, "Partition", counting)

    def lean(n: int, isr_of_t3: tuple[int, ...] = (1, 2)) -> LeanMetadata:
        topics = [LeanTopic(0, f"t{i:05d}", False, [LeanPartition(0, p, 1 + p % 2, 0, (1, 2),
                                                                 isr_of_t3 if i == 3 else (1, 2), ())
                                                   for p in range(2)]) for i in range(n)]
        return LeanMetadata(12, 0, [LeanBroker(1, "h", 1, None), LeanBroker(2, "h", 2, None)], "c", 1, topics)

    def run(n: int) -> int:
        latest = {(f"t{i:05d}", p): 10 for i in range(n) for p in range(2)}
        sizes = {1: {k: 5 for k in latest}, 2: {k: 5 for k in latest}}
        rates = dict.fromkeys(latest, 0.0)
        memo: dict[str, Any] = {}
        first = topics_from_metadata(lean(n), {}, latest, sizes, rates, {}, memo)
        made[0] = 0
        latest[("t00001", 0)] = 11  # t00001: an offset; t00003: the ISR; t00005: a size; t00007: a rate
        sizes[2][("t00005", 1)] = 6
        rates[("t00007", 1)] = 0.5
        second = topics_from_metadata(lean(n, isr_of_t3=(1,)), {}, latest, sizes, rates, {}, memo)
        count = made[0]
        changed = [t.name for a, t in zip(first, second, strict=True) if a is not t]
        assert changed == ["t00001", "t00003", "t00005", "t00007"]
        assert second == topics_from_metadata(lean(n, isr_of_t3=(1,)), {}, latest, sizes, rates, {})
        assert second[5].partitions[1].size_bytes == 6 and second[3].partitions[0].isr == (1,)
        return count

    assert run(200) == run(2_000) == 8  # the 4 changed topics' 2 partitions each
