"""Pure conversion of kafka-python responses into kafkatui.model objects and error lines.

They read response objects as decoded off the wire (attribute access only), send nothing
and keep no state, so unit tests feed them hand-built responses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import kafka.errors as Errors
from kafka.protocol.consumer.metadata import ConsumerProtocolAssignment

from kafkatui.model import (
    Broker,
    ConfigEntry,
    GroupMember,
    GroupPartition,
    LogDir,
    Partition,
    Quorum,
    QuorumVoter,
    Topic,
)
from kafkatui.sources.messages import ConsumerGroupDescribeResponse

METADATA_TOPIC = "__cluster_metadata"  # the KRaft metadata log, the one partition DescribeQuorum asks about

TopicPartitionKey = tuple[str, int]

# DescribeConfigs config_source values (KIP-226); names as Kafka's tools print them.
CONFIG_SOURCES = {
    0: "UNKNOWN",
    1: "DYNAMIC_TOPIC_CONFIG",
    2: "DYNAMIC_BROKER_CONFIG",
    3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
    4: "STATIC_BROKER_CONFIG",
    5: "DEFAULT_CONFIG",
    6: "DYNAMIC_BROKER_LOGGER_CONFIG",
    7: "CLIENT_METRICS_CONFIG",
    8: "GROUP_CONFIG",
}


def describe_error(exc: BaseException) -> str:
    """One line naming what went wrong: the kafka-python error class and its message."""
    name = type(exc).__name__
    text = " ".join(str(exc).split())
    if not text or text == name:
        return name
    if name in text:
        return text
    return f"{text} ({name})"


def brokers_from_metadata(metadata: Any) -> tuple[Broker, ...]:
    """Brokers sorted by id, so the view is stable whichever broker answered."""
    return tuple(sorted((Broker(b.node_id, b.host, b.port, b.rack) for b in metadata.brokers), key=lambda b: b.id))


def leaders_from_metadata(metadata: Any, live: Iterable[int]) -> dict[int, list[TopicPartitionKey]]:
    """Partitions grouped by leader; leaderless partitions, or leaders not among `live`, are left out."""
    alive = set(live)
    leaders: dict[int, list[TopicPartitionKey]] = defaultdict(list)
    for topic in metadata.topics:
        if topic.error_code:
            continue
        for p in topic.partitions:
            if p.leader_id >= 0 and p.leader_id in alive:
                leaders[p.leader_id].append((topic.name, p.partition_index))
    return dict(leaders)


def offsets_from_response(response: Any) -> tuple[dict[TopicPartitionKey, int], dict[str, int]]:
    """Offsets per partition, and a count of partitions per error name (those stay unknown)."""
    offsets: dict[TopicPartitionKey, int] = {}
    errors: dict[str, int] = {}
    for topic in response.topics:
        name = topic.name
        for p in topic.partitions:
            if p.error_code:
                err = Errors.for_code(p.error_code).__name__
                errors[err] = errors.get(err, 0) + 1
            elif p.offset is not None and p.offset >= 0:
                offsets[(name, p.partition_index)] = p.offset
    return offsets, errors


def log_dirs_from_response(broker_id: int, response: Any) -> tuple[list[LogDir], dict[TopicPartitionKey, int]]:
    """This broker's log dirs, and the size of each replica it holds (future replicas skipped)."""
    dirs: list[LogDir] = []
    sizes: dict[TopicPartitionKey, int] = {}
    for result in response.results:
        total = 0
        for topic in result.topics:
            for p in topic.partitions:
                if p.is_future_key:
                    continue
                sizes[(topic.name, p.partition_index)] = p.partition_size
                total += p.partition_size
        total_bytes = getattr(result, "total_bytes", None)
        usable_bytes = getattr(result, "usable_bytes", None)
        dirs.append(
            LogDir(
                broker_id=broker_id,
                path=result.log_dir,
                error=Errors.for_code(result.error_code).__name__ if result.error_code else None,
                total_bytes=total_bytes if total_bytes is not None and total_bytes >= 0 else None,
                usable_bytes=usable_bytes if usable_bytes is not None and usable_bytes >= 0 else None,
                partition_bytes=total,
            )
        )
    return dirs, sizes


def quorum_from_response(response: Any, now_ms: int) -> Quorum | None:
    """The `__cluster_metadata` partition of a DescribeQuorum response, or None if absent/failed."""
    for topic in response.topics:
        if topic.topic_name != METADATA_TOPIC:
            continue
        for p in topic.partitions:
            if p.error_code or p.partition_index != 0:
                continue
            leader_leo = next((v.log_end_offset for v in p.current_voters if v.replica_id == p.leader_id), None)
            voters = [_voter(v, p.leader_id, leader_leo, now_ms, observer=False) for v in p.current_voters]
            observers = [_voter(v, p.leader_id, leader_leo, now_ms, observer=True) for v in p.observers]
            return Quorum(
                leader_id=p.leader_id,
                leader_epoch=p.leader_epoch,
                high_watermark=p.high_watermark,
                voters=tuple(sorted(voters, key=lambda q: q.replica_id)),
                observers=tuple(sorted(observers, key=lambda q: q.replica_id)),
            )
    return None


def _voter(v: Any, leader_id: int, leader_leo: int | None, now_ms: int, *, observer: bool) -> QuorumVoter:
    """A voter or observer with its lag behind the leader and the age of its last fetch."""

    def ago(ts: int | None) -> int | None:
        return max(0, now_ms - ts) if ts is not None and ts >= 0 else None

    known = leader_leo is not None and v.log_end_offset >= 0
    return QuorumVoter(
        replica_id=v.replica_id,
        log_end_offset=v.log_end_offset,
        lag=max(0, leader_leo - v.log_end_offset) if known and leader_leo is not None else None,
        last_fetch_ms_ago=ago(getattr(v, "last_fetch_timestamp", None)),
        last_caught_up_ms_ago=ago(getattr(v, "last_caught_up_timestamp", None)),
        is_leader=v.replica_id == leader_id,
        is_observer=observer,
    )


def topics_from_metadata(
    metadata: Any,
    earliest: Mapping[TopicPartitionKey, int],
    latest: Mapping[TopicPartitionKey, int],
    sizes: Mapping[int, Mapping[TopicPartitionKey, int]],
    rates: Mapping[TopicPartitionKey, float | None] | None = None,
    topic_rates: Mapping[str, float | None] | None = None,
    histories: Mapping[str, Iterable[float]] | None = None,
) -> tuple[Topic, ...]:
    """Topics sorted by name, partitions by id. `sizes` is per broker, so each partition takes
    the size of its leader's replica (replicas hold the same data, give or take a segment)."""
    rates = rates or {}
    topic_rates = topic_rates or {}
    histories = histories or {}
    topics: list[Topic] = []
    for t in metadata.topics:
        if t.error_code or t.name is None:
            continue
        name = t.name
        parts: list[Partition] = []
        for p in t.partitions:
            key = (name, p.partition_index)
            leader = p.leader_id
            parts.append(
                Partition(
                    topic=name,
                    partition=p.partition_index,
                    leader=leader,
                    replicas=tuple(p.replica_nodes),
                    isr=tuple(p.isr_nodes),
                    offline_replicas=tuple(p.offline_replicas or ()),
                    earliest=earliest.get(key),
                    latest=latest.get(key),
                    size_bytes=sizes.get(leader, {}).get(key) if leader >= 0 else None,
                    msgs_per_s=rates.get(key),
                )
            )
        parts.sort(key=lambda p: p.partition)
        topics.append(
            Topic(
                name=name,
                internal=bool(t.is_internal),
                partitions=tuple(parts),
                msgs_per_s=topic_rates.get(name),
                rate_history=tuple(histories.get(name, ())),
            )
        )
    topics.sort(key=lambda t: t.name)
    return tuple(topics)


def controller_of(metadata_controller_id: int | None, kraft: bool, quorum: Quorum | None) -> int | None:
    """The cluster's controller, or None when unknown.

    ZooKeeper mode: Metadata's controller id. KRaft: Metadata names a random live broker there
    (brokers forward controller requests), so the active controller is the metadata quorum's
    leader, which is a dedicated controller (not a broker) unless the cluster runs combined
    broker+controller nodes; unknown when DescribeQuorum failed."""
    if kraft:
        return quorum.leader_id if quorum is not None and quorum.leader_id >= 0 else None
    if metadata_controller_id is None or metadata_controller_id < 0:
        return None
    return metadata_controller_id


def decode_assignment(raw: Any) -> tuple[TopicPartitionKey, ...]:
    """A consumer-protocol member assignment as sorted (topic, partition) pairs; () if undecodable."""
    if not raw:
        return ()
    try:
        assignment = ConsumerProtocolAssignment.decode(bytes(raw)) if isinstance(raw, bytes | bytearray) else raw
        pairs = [(tp.topic, p) for tp in assignment.assigned_partitions or () for p in tp.partitions or ()]
    except Exception:  # a group of another protocol type, or a newer encoding: show no assignment
        return ()
    return tuple(sorted(pairs))


KIP848_GROUP_TYPE = "consumer"  # ListGroups v5+ GroupType of a group on the KIP-848 protocol


def is_kip848_listing(listed: Any) -> bool:
    """Whether ListGroups (v5+) typed the group as a KIP-848 consumer group; older answers have
    no type, so a group they list is described the classic way."""
    return getattr(listed, "group_type", None) == KIP848_GROUP_TYPE


def not_classic(listed: Any, described: Any) -> bool:
    """For a group ListGroups listed without a GroupType (before v5): whether DescribeGroups'
    answer says it is not a classic group, so it may be a KIP-848 one. DescribeGroups v6+
    answers GROUP_ID_NOT_FOUND ("not a classic group"); older versions a Dead group with no
    protocol type, although ListGroups has just seen one. A typed listing is never second-guessed."""
    if getattr(listed, "group_type", None):
        return False
    if described.error_code:
        return Errors.for_code(described.error_code) is Errors.GroupIdNotFoundError
    return described.group_state == "Dead" and not described.protocol_type and bool(listed.protocol_type)


def is_kip848_description(described: Any) -> bool:
    """Whether a description came from ConsumerGroupDescribe rather than DescribeGroups."""
    return isinstance(described, ConsumerGroupDescribeResponse.DescribedGroup)


def state_and_protocol(described: Any) -> tuple[str, str, str]:
    """(state, protocol type, protocol) of a described group. A KIP-848 group has no protocol
    type or data on the wire: it is a "consumer" group and its protocol is the server-side
    assignor (uniform, range)."""
    if is_kip848_description(described):
        return described.group_state or "", KIP848_GROUP_TYPE, described.assignor_name or ""
    return described.group_state or "", described.protocol_type or "", described.protocol_data or ""


def kip848_assignment(assignment: Any) -> tuple[TopicPartitionKey, ...]:
    """A KIP-848 member's current assignment as sorted (topic, partition) pairs. The broker
    names each topic; one it could not name (just deleted) is left out."""
    topics = getattr(assignment, "topic_partitions", None) or ()
    return tuple(sorted((t.topic_name, p) for t in topics if t.topic_name for p in t.partitions or ()))


def members_from_description(described: Any) -> tuple[GroupMember, ...]:
    """Members sorted by client id, from DescribeGroups or (KIP-848) ConsumerGroupDescribe.
    Classic groups: only consumer-protocol assignments are decoded (others use their own
    encoding). KIP-848 groups: the assignment the member has now, not its target."""
    if is_kip848_description(described):
        members = [
            GroupMember(
                member_id=m.member_id,
                client_id=m.client_id,
                host=(m.client_host or "").lstrip("/"),
                assignments=kip848_assignment(m.assignment),
            )
            for m in described.members
        ]
        members.sort(key=lambda m: (m.client_id, m.member_id))
        return tuple(members)
    consumer = described.protocol_type == "consumer"
    members = [
        GroupMember(
            member_id=m.member_id,
            client_id=m.client_id,
            host=(m.client_host or "").lstrip("/"),
            assignments=decode_assignment(m.member_assignment) if consumer else (),
        )
        for m in described.members
    ]
    members.sort(key=lambda m: (m.client_id, m.member_id))
    return tuple(members)


def consuming(members: tuple[GroupMember, ...]) -> bool | frozenset[TopicPartitionKey]:
    """Which partitions a group's members consume, for the lag rules (kafkatui.lag): the
    assigned partitions; or, when no member has a readable assignment (mid-rebalance, another
    protocol type), just whether the group has members at all."""
    assigned = frozenset(key for m in members for key in m.assignments)
    return assigned if assigned else bool(members)


def committed_from_offset_fetch(response: Any) -> tuple[dict[str, dict[TopicPartitionKey, int | None]], list[str]]:
    """Committed offsets per group from an OffsetFetch v8+ response (many groups) or an older
    one-group response (its group id is then unknown here: the key is ""). -1 becomes None."""
    out: dict[str, dict[TopicPartitionKey, int | None]] = {}
    errors: list[str] = []
    groups = getattr(response, "groups", None)
    if response.API_VERSION is not None and response.API_VERSION >= 8 and groups is not None:
        items = [(g.group_id, g.error_code, g.topics) for g in groups]
    else:
        items = [("", response.error_code, response.topics)]
    for group_id, error_code, topics in items:
        if error_code:
            errors.append(f"offsets of group {group_id}: {Errors.for_code(error_code).__name__}")
            continue
        offsets: dict[TopicPartitionKey, int | None] = {}
        for topic in topics or ():
            for p in topic.partitions:
                if p.error_code:
                    continue
                offsets[(topic.name, p.partition_index)] = p.committed_offset if p.committed_offset >= 0 else None
        out[group_id] = offsets
    return out, errors


def group_partitions(
    members: Iterable[GroupMember],
    committed: Mapping[TopicPartitionKey, int | None],
    latest: Mapping[TopicPartitionKey, int],
) -> tuple[GroupPartition, ...]:
    """Every partition the group committed or is assigned, sorted, with its owner's client id."""
    owner: dict[TopicPartitionKey, str] = {}
    for m in members:
        for key in m.assignments:
            owner[key] = m.client_id
    keys = sorted(set(committed) | set(owner))
    return tuple(
        GroupPartition(
            topic=t,
            partition=p,
            committed=committed.get((t, p)),
            latest=latest.get((t, p)),
            member=owner.get((t, p)),
        )
        for t, p in keys
    )


def config_entries(result: Any, resource_type: str) -> tuple[ConfigEntry, ...]:
    """DescribeConfigs entries sorted by name; sensitive values are masked as None.

    `is_default` means "not set on this resource": for a topic, anything but a topic-level
    override (values inherited from the broker count as defaults for the topic); for a
    broker, only Kafka's built-in default.
    """
    entries = []
    for c in result.configs:
        source_code = getattr(c, "config_source", None)
        if source_code is None or source_code < 0:  # DescribeConfigs v0 has only is_default
            source_code = 5 if getattr(c, "is_default", False) else (1 if resource_type == "topic" else 4)
        source = CONFIG_SOURCES.get(source_code, "UNKNOWN")
        topic_default = source != "DYNAMIC_TOPIC_CONFIG"
        is_default = topic_default if resource_type == "topic" else source == "DEFAULT_CONFIG"
        sensitive = bool(c.is_sensitive)
        entries.append(
            ConfigEntry(
                name=c.name,
                value=None if sensitive else c.value,
                source=source,
                is_default=is_default,
                read_only=bool(c.read_only),
                sensitive=sensitive,
            )
        )
    entries.sort(key=lambda e: e.name)
    return tuple(entries)


def summarize(errors: Mapping[str, int], what: str) -> list[str]:
    """One line per error name with a partition count, so 1000 failed partitions are one line."""
    return [f"{what}: {count} partition{'s' if count != 1 else ''} {name}" for name, count in sorted(errors.items())]
