"""Building and sending Kafka requests: the one module that constructs a request.

Read-only by construction: the builders below are every request `KafkaSource` sends —
Metadata, ListOffsets, DescribeLogDirs, DescribeQuorum, ListGroups, DescribeGroups,
ConsumerGroupDescribe, OffsetFetch, DescribeConfigs, ListPartitionReassignments, DescribeAcls,
DescribeClientQuotas and DescribeUserScramCredentials, and Fetch (as a plain consumer, for
kafka_lag_time) — so that list is checkable here, in
one place. The only Metadata request is built by `metadata()`, with
`allow_auto_topic_creation=False`, so asking about a topic that does not exist can never
create it, even with `auto.create.topics.enable=true` on the brokers. ConsumerGroupDescribe
(KIP-848 groups, which DescribeGroups cannot describe) is a class of kafkatui.kafka.messages,
as kafka-python 3.0 has none; like the others it only reads.

Requests go through the admin client's connection manager, not its high-level methods, so a
phase's requests (ListOffsets to every leader, DescribeLogDirs to every broker) are all in
flight at once. Metadata and ListOffsets, the requests whose size grows with partitions, go
as pre-encoded bytes with lean decoders (kafka_codec), and `OffsetRequests` keeps the encoded
ListOffsets requests while each leader's partitions stay the same. `Call` counts what one call
sent and bounds every wait by the call's deadline; `Phase` collects one round of requests and
`gather` awaits it, turning the failure of one part into an error line instead of failing the
whole call.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import kafka.errors as Errors
from kafka.protocol.admin import (
    DescribeAclsRequest,
    DescribeClientQuotasRequest,
    DescribeConfigsRequest,
    DescribeGroupsRequest,
    DescribeLogDirsRequest,
    DescribeQuorumRequest,
    DescribeUserScramCredentialsRequest,
    ListGroupsRequest,
    ListPartitionReassignmentsRequest,
)
from kafka.protocol.consumer import (
    FetchRequest,
    ListOffsetsRequest,
    ListOffsetsResponse,
    OffsetFetchRequest,
    OffsetSpec,
)
from kafka.protocol.metadata import MetadataRequest, MetadataResponse

from kafkatui.kafka.codec import (
    LIST_OFFSETS_VERSIONS,
    METADATA_VERSIONS,
    Kept,
    LeanMetadata,
    Outgoing,
    Prepared,
    decode_list_offsets,
    decode_metadata,
)
from kafkatui.kafka.convert import METADATA_TOPIC, TopicPartitionKey, describe_error
from kafkatui.kafka.messages import ConsumerGroupDescribeRequest

API_DESCRIBE_QUORUM = 55  # advertised by KRaft brokers only, never by ZooKeeper-mode brokers
API_CONSUMER_GROUP_DESCRIBE = 69  # KIP-848 groups (GA in Kafka 4.0); only sent to brokers advertising it
API_OFFSET_FETCH = 9
API_LIST_PARTITION_REASSIGNMENTS = 46  # Kafka 2.4+ (KIP-455)
RESOURCE_TYPES = {"topic": 2, "broker": 4}


class Fatal(Exception):
    """The call cannot produce a snapshot; the client is dropped and reconnected next time."""


class NotFound(Exception):
    """The thing asked about does not exist; the client is fine."""


# --------------------------------------------------------------------------- sending


@dataclass
class Phase:
    """Futures of one round of requests, all in flight together.

    Each entry is (kind, node, future, tag); `tag` carries whatever the caller needs to
    interpret the answer (for example which group a one-group OffsetFetch was about).
    """

    started: float
    pending: list[tuple[str, int | None, Any, Any]] = field(default_factory=list)
    done_at: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, node: int | None, future: Any, tag: Any = None) -> None:
        def mark(_: Any, kind: str = kind) -> None:
            self.done_at[kind] = max(self.done_at.get(kind, 0.0), time.monotonic())

        future.add_both(mark)
        self.pending.append((kind, node, future, tag))

    def timing(self) -> dict[str, float]:
        return {kind: max(0.0, at - self.started) for kind, at in self.done_at.items()}


class Call:
    """One call's view of the client, used on its IO thread: the deadline every wait obeys,
    and a count of the requests this call sent (exact even if two calls overlap)."""

    def __init__(self, manager: Any, timeout_s: float) -> None:
        self.manager = manager
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.sent = 0

    def send(self, request: Any, node_id: int | None = None) -> Any:
        """Send with the call's timeout as the request's own: else kafka-python times it out at
        the client's `request_timeout_ms` (the set timeout) and closes the connection, whatever
        longer deadline this call was given (refresh/deadline.py). The whole timeout from the
        send, not what is left of the call's: the call's own wait ends first, at its deadline,
        with KafkaTimeoutError (what the stale banner names), and the request is dropped just
        after, as with the set timeout."""
        self.sent += 1
        return self.manager.send(request, node_id=node_id, request_timeout_ms=int(self.timeout_s * 1000))

    @property
    def cluster(self) -> Any:
        return self.manager.cluster

    @property
    def api_versions(self) -> dict[int, tuple[int, int]]:
        data = self.manager.broker_version_data
        return dict(data.api_versions) if data is not None else {}

    async def wait(self, future: Any, deadline: float | None = None) -> Any:
        """The future's value, or KafkaTimeoutError once `deadline` (default: the call's) passes."""
        remaining_ms = ((deadline or self.deadline) - time.monotonic()) * 1000
        if remaining_ms <= 0 and not future.is_done:
            raise Errors.KafkaTimeoutError("deadline passed")
        return await self.manager.wait_for(future, max(1.0, remaining_ms))

    def sleep(self, seconds: float) -> Any:
        return self.manager._net.sleep(seconds)


async def gather(call: Call, phase: Phase) -> tuple[list, list[str]]:
    """Await a phase's futures; failures become error lines instead of exceptions."""
    results: list[tuple[str, int | None, Any, Any]] = []
    errors: list[str] = []
    for kind, node, future, tag in phase.pending:
        try:
            results.append((kind, node, await call.wait(future), tag))
        except Exception as exc:
            where = f" from broker {node}" if node is not None else ""
            errors.append(f"{kind.replace('_', ' ')}{where}: {describe_error(exc)}")
    return results, errors


async def metadata(call: Call, topics: list[str] | None, lean: bool = False, kept: Kept | None = None) -> Any:
    """Metadata (all topics if `topics` is None) that can never auto-create a topic; tries
    other brokers if one fails.

    `lean`: the answer is a kafka_codec.LeanMetadata, decoded by hand with only the fields
    kafkatui's snapshots read (the refresh's way: at 50,000 partitions kafka-python's full
    decoding was the largest single cost). Without it, kafka-python's MetadataResponse, which
    its ClusterMetadata can take (the tail's consumer does). `kept` (lean only): the caller's
    memo of the last answer's topics (codec.decode_metadata)."""
    topic_cls = MetadataRequest.MetadataRequestTopic
    request_topics = None if topics is None else [topic_cls(name=t) for t in topics]

    def build() -> MetadataRequest:
        return MetadataRequest(topics=request_topics, allow_auto_topic_creation=False)

    prepared = prepared_metadata(build, kept) if lean else None
    last: Exception | None = None
    for _attempt in range(max(3, len(call.cluster.brokers()))):
        # half of what is left per attempt, so a hung broker leaves time to ask another
        now = time.monotonic()
        if now >= call.deadline:
            break
        attempt_deadline = min(call.deadline, now + max(0.5, (call.deadline - now) / 2))
        try:
            request = prepared.request() if prepared is not None else build()
            response = await call.wait(call.send(request), attempt_deadline)
        except Exception as exc:  # that node is down or hung: it is backed off, so ask another
            last = exc
            await call.sleep(0.05)
            continue
        sync_brokers(call.cluster, response)
        return response
    raise Fatal(f"no metadata within {call.timeout_s:g} s ({describe_error(last) if last else 'no broker'})")


@dataclass(frozen=True)
class _BrokersOnly:
    """The part of a Metadata answer kafka-python's ClusterMetadata.update_metadata needs to
    learn brokers (it unpacks each broker as a tuple); no topics, like a health poll's answer."""

    API_VERSION: int
    brokers: list[tuple[Any, ...]]
    cluster_id: str | None
    controller_id: int
    topics: tuple[()] = ()


def sync_brokers(cluster: Any, metadata: Any) -> None:
    """Teach the client about brokers it has not seen, so it can connect to them."""
    known = {b.node_id for b in cluster.brokers()}
    if not ({b.node_id for b in metadata.brokers} - known and metadata.brokers):
        return
    if not isinstance(metadata, LeanMetadata):
        cluster.update_metadata(metadata)
    else:
        v0 = metadata.API_VERSION == 0
        brokers = [tuple(b)[:3] if v0 else tuple(b) for b in metadata.brokers]
        cluster.update_metadata(_BrokersOnly(metadata.API_VERSION, brokers, metadata.cluster_id,
                                             metadata.controller_id))


def prepared_metadata(build: Callable[[], MetadataRequest], kept: Kept | None = None) -> Prepared:
    """`build()`'s request, encoded once per version, its answer decoded as LeanMetadata (with
    `kept`, the last answer's unchanged topics are its objects: codec.decode_metadata)."""
    decode = decode_metadata if kept is None else partial(decode_metadata, kept=kept)
    return Prepared(MetadataRequest, MetadataResponse, lambda v: build().encode(version=v), decode,
                    METADATA_VERSIONS)


def prepared_list_offsets(build: Callable[[], ListOffsetsRequest]) -> Prepared:
    """`build()`'s request, encoded once per version, its answer decoded as LeanOffsets; the
    topics of its last answer are kept with their bytes (codec.decode_list_offsets says why)."""
    kept: Kept = {}
    return Prepared(ListOffsetsRequest, ListOffsetsResponse, lambda v: build().encode(version=v),
                    partial(decode_list_offsets, kept=kept), LIST_OFFSETS_VERSIONS)


class OffsetRequests:
    """The ListOffsets requests of the last round, encoded, per leader and spec (earliest or
    latest): a leader's request is encoded again only when its partitions changed.

    Why (issue 14): the requests name every partition, and they are the same from one refresh to
    the next; building and encoding them was a fifth of a large refresh's CPU. Used on the
    client's IO thread only (the fetch coroutines), one instance per kind of round."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, int], tuple[tuple[TopicPartitionKey, ...], Prepared]] = {}
        self.prepared = 0  # requests prepared (re-encoded) so far: what the tests count

    def for_leaders(self, leaders: dict[int, list[TopicPartitionKey]], spec: OffsetSpec) -> dict[int, Outgoing]:
        """One request per leader for `spec`; the kept ones of leaders no longer leading are dropped."""
        out: dict[int, Outgoing] = {}
        for leader, partitions in leaders.items():
            key = (leader, int(spec))
            wanted = tuple(partitions)
            kept = self._kept.get(key)
            if kept is None or kept[0] != wanted:
                kept = self._kept[key] = (wanted, prepared_list_offsets(lambda w=wanted: offsets_request(w, spec)))
                self.prepared += 1
            out[leader] = kept[1].request()
        for key in [k for k in self._kept if k[1] == int(spec) and k[0] not in leaders]:
            del self._kept[key]
        return out


# --------------------------------------------------------------------------- requests
# Metadata is built by `metadata()` above; these are all the others.


def offsets_request(partitions: Iterable[TopicPartitionKey], spec: OffsetSpec) -> ListOffsetsRequest:
    """One ListOffsets for many partitions of one leader (isolation READ_UNCOMMITTED, as the log end)."""
    by_topic: dict[str, list[int]] = defaultdict(list)
    for topic, partition in partitions:
        by_topic[topic].append(partition)
    topic_cls = ListOffsetsRequest.ListOffsetsTopic
    part_cls = topic_cls.ListOffsetsPartition
    return ListOffsetsRequest(
        isolation_level=0,
        topics=[
            topic_cls(name=name, partitions=[part_cls(partition_index=p, timestamp=int(spec)) for p in parts])
            for name, parts in by_topic.items()
        ],
        min_version=1,
    )


def log_dirs_request() -> DescribeLogDirsRequest:
    """Every log dir of the receiving broker, with the size of every replica in it."""
    return DescribeLogDirsRequest(topics=None)


def quorum_request() -> DescribeQuorumRequest:
    """The KRaft quorum of the `__cluster_metadata` partition (only KRaft brokers answer it)."""
    topic_cls = DescribeQuorumRequest.TopicData
    return DescribeQuorumRequest(
        topics=[topic_cls(topic_name=METADATA_TOPIC, partitions=[topic_cls.PartitionData(partition_index=0)])]
    )


def list_groups_request() -> ListGroupsRequest:
    """The groups the receiving broker coordinates."""
    return ListGroupsRequest()


def describe_groups_request(group_ids: list[str]) -> DescribeGroupsRequest:
    """Members and assignments of groups, all coordinated by the receiving broker."""
    return DescribeGroupsRequest(groups=group_ids)


def consumer_group_describe_request(group_ids: list[str]) -> ConsumerGroupDescribeRequest:
    """Members and assignments of KIP-848 groups, all coordinated by the receiving broker:
    DescribeGroups answers "not a classic group" for them."""
    return ConsumerGroupDescribeRequest(group_ids=group_ids, include_authorized_operations=False)


def offset_fetch_requests(group_ids: list[str], batched: bool) -> list[tuple[OffsetFetchRequest, str | None]]:
    """Committed offsets of groups coordinated by one broker, as (request, group id it is
    about): one request for all of them (v8+, `batched`), or one per group before 3.0."""
    if batched:
        group_cls = OffsetFetchRequest.OffsetFetchRequestGroup
        groups = [group_cls(group_id=g, topics=None) for g in group_ids]
        return [(OffsetFetchRequest(groups=groups, min_version=8), None)]
    return [(OffsetFetchRequest(group_id=g, topics=None, min_version=2, max_version=7), g) for g in group_ids]


def describe_configs_request(resource_type: str, name: str) -> DescribeConfigsRequest:
    """All configs of one topic or broker (`resource_type` a key of RESOURCE_TYPES)."""
    resource_cls = DescribeConfigsRequest.DescribeConfigsResource
    return DescribeConfigsRequest(
        resources=[
            resource_cls(resource_type=RESOURCE_TYPES[resource_type], resource_name=str(name), configuration_keys=None)
        ],
        include_synonyms=False,
    )


def topic_configs_request(topics: list[str], keys: list[str]) -> DescribeConfigsRequest:
    """Only `keys` of many topics in one request (any broker answers for topics), so the config
    round costs one request whatever the topic count."""
    resource_cls = DescribeConfigsRequest.DescribeConfigsResource
    return DescribeConfigsRequest(
        resources=[
            resource_cls(resource_type=RESOURCE_TYPES["topic"], resource_name=t, configuration_keys=list(keys))
            for t in topics
        ],
        include_synonyms=False,
    )


def reassignments_request() -> ListPartitionReassignmentsRequest:
    """Every partition reassignment in progress (answered by the controller)."""
    return ListPartitionReassignmentsRequest(timeout_ms=5000, topics=None)


FETCH_MAX_VERSION = 12  # Fetch v13+ names topics by id, not by name


def fetch_request(offsets: dict[TopicPartitionKey, int], partition_max_bytes: int, max_bytes: int) -> FetchRequest:
    """One Fetch for many partitions of one leader, as a plain consumer (replica_id -1): a Fetch
    has no group field, so nothing is joined or committed; no fetch session (epoch -1), and
    `max_wait_ms` 0 so the leader answers at once (kafka_lag_time reads the records' timestamps)."""
    by_topic: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (topic, partition), offset in sorted(offsets.items()):
        by_topic[topic].append((partition, offset))
    topic_cls = FetchRequest.FetchTopic
    part_cls = topic_cls.FetchPartition
    return FetchRequest(
        replica_id=-1,
        max_wait_ms=0,
        min_bytes=0,
        max_bytes=max_bytes,
        isolation_level=0,
        session_id=0,
        session_epoch=-1,
        topics=[
            topic_cls(topic=name, partitions=[
                part_cls(partition=p, fetch_offset=o, partition_max_bytes=partition_max_bytes) for p, o in parts])
            for name, parts in by_topic.items()
        ],
        forgotten_topics_data=[],
        min_version=4,
        max_version=FETCH_MAX_VERSION,
    )


ANY = 1  # AclResourceType/PatternType/AclOperation/AclPermissionType "ANY": a filter matching all


def describe_acls_request() -> DescribeAclsRequest:
    """Every ACL binding (a filter of ANY everywhere). SECURITY_DISABLED: no authorizer."""
    return DescribeAclsRequest(resource_type_filter=ANY, resource_name_filter=None, pattern_type_filter=ANY,
                               principal_filter=None, host_filter=None, operation=ANY, permission_type=ANY)


def describe_client_quotas_request() -> DescribeClientQuotasRequest:
    """Every client quota (no component filter, not strict)."""
    return DescribeClientQuotasRequest(components=[], strict=False)


def describe_scram_users_request() -> DescribeUserScramCredentialsRequest:
    """Every SCRAM user's mechanisms and iterations; the broker never sends a salt or a key.
    `users=[]` (also "all"), not None: Kafka 3.9 answers a denied null list with a
    NullPointerException and closes the connection, failing every request in flight on it."""
    return DescribeUserScramCredentialsRequest(users=[])
