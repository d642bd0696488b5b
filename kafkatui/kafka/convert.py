"""Pure conversion of kafka-python responses into kafkatui.model objects and error lines.

This module owns the cluster side: brokers, leaders, offsets, log dirs, the KRaft quorum,
topics, the controller and configs, plus the error lines every conversion shares. Consumer
groups, with their two protocols, are converted in kafka_convert_groups.

They read response objects as decoded off the wire (attribute access only), send nothing
and keep no state, so unit tests feed them hand-built responses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from itertools import repeat
from typing import Any

import kafka.errors as Errors

from kafkatui.kafka.codec import LeanOffsetsTopic
from kafkatui.model import (
    Broker,
    ConfigEntry,
    Group,
    LogDir,
    Partition,
    Quorum,
    QuorumVoter,
    Topic,
)

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


NOT_AUTHORIZED = "not authorized"  # how a part this principal may not read is shown
DENIED_MARK = "AuthorizationFailed"  # Topic/Group/Cluster/TransactionalId AuthorizationFailedError


def split_denied(lines: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(errors, denied): a request the principal may not make (TOPIC_, GROUP_ or
    CLUSTER_AUTHORIZATION_FAILED) is a fact about its rights, kept apart from failures so a
    least-privilege user gets what it may see, the rest marked "not authorized", and no error
    that never clears."""
    errors, denied = [], []
    for line in lines:
        (denied if DENIED_MARK in line else errors).append(line)
    return tuple(errors), tuple(denied)


# The ACL a broker checks for each broker-scoped part of the refresh (AclAuthorizer and
# StandardAuthorizer alike): DescribeLogDirs needs DESCRIBE on the cluster, a broker's
# DescribeConfigs needs DESCRIBE_CONFIGS on the cluster. Named where the part is shown denied.
BROKER_PART_ACL = {"log dirs": "Describe on CLUSTER", "configs": "DescribeConfigs on CLUSTER"}


def broker_part_line(part: str, node: int, what: str) -> str:
    """The error or denied line of a broker-scoped part (a `BROKER_PART_ACL` key), as
    `cluster.errors` / `cluster.denied` and `snapshot --json` list it."""
    return f"{part} of broker {node}: {what}"


def broker_part_denied(denied: Iterable[str], part: str, node: int) -> str | None:
    """"not authorized: needs <ACL> (<error>)" when the broker denied this principal that part,
    read from the same `denied` lines `snapshot --json` reports (so the screen and the document
    cannot disagree); None when it was not denied."""
    prefix = broker_part_line(part, node, "")
    for line in denied:
        if line.startswith(prefix):
            return f"{NOT_AUTHORIZED}: needs {BROKER_PART_ACL[part]} ({line[len(prefix):]})"
    return None


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
    """Offsets per partition, and a count of partitions per error name (those stay unknown).

    A lean answer (kafka_codec) comes as columns: a topic without errors or unknown offsets
    goes into the dict in one step, with no Python loop per partition."""
    offsets: dict[TopicPartitionKey, int] = {}
    errors: dict[str, int] = {}
    for topic in response.topics:
        name = topic.name
        if isinstance(topic, LeanOffsetsTopic) and topic.offsets and not any(topic.errors) \
                and min(topic.offsets) >= 0:
            offsets.update(zip(zip(repeat(name), topic.indexes, strict=False), topic.offsets, strict=True))
            continue
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


def keep_unchanged(previous: Mapping[str, Topic], topics: Iterable[Topic]) -> tuple[Topic, ...]:
    """The topics, each one equal to its version of the last refresh replaced by that older object.

    Why (issue 14): the UI then tells an unchanged topic by identity, one pointer comparison,
    instead of comparing every partition of 10,000 topics on its own thread; the comparison is
    made here, in the poll's worker thread.
    """
    return tuple(old if (old := previous.get(t.name)) is not None and (old is t or old == t) else t for t in topics)


def keep_unchanged_groups(previous: Mapping[str, Group], groups: Iterable[Group]) -> tuple[Group, ...]:
    """The groups, each one equal to its version of the last refresh replaced by that older
    object; a changed group keeps its unchanged partitions (the tuple, else each one) as the
    older objects too.

    Why (issue 14): as `keep_unchanged` for topics. Groups are rebuilt at every poll, so at 5,000
    groups the groups view compared every group field by field on the UI thread (76 ms at an
    idle refresh); the comparison is made here, in the poll's worker thread, and the views (and
    a group's detail, row by partition) tell an unchanged one by identity.
    """
    out: list[Group] = []
    for g in groups:
        old = previous.get(g.id)
        if old is None:
            out.append(g)
        elif old == g:
            out.append(old)
        elif old.partitions == g.partitions:
            out.append(replace(g, partitions=old.partitions))
        else:
            olds = {(p.topic, p.partition): p for p in old.partitions}
            out.append(replace(g, partitions=tuple(
                o if (o := olds.get((p.topic, p.partition))) is not None and o == p else p for p in g.partitions)))
    return tuple(out)


def topics_from_metadata(
    metadata: Any,
    earliest: Mapping[TopicPartitionKey, int],
    latest: Mapping[TopicPartitionKey, int],
    sizes: Mapping[int, Mapping[TopicPartitionKey, int]],
    rates: Mapping[TopicPartitionKey, float | None] | None = None,
    topic_rates: Mapping[str, float | None] | None = None,
    memo: dict[str, tuple[Any, Topic]] | None = None,
) -> tuple[Topic, ...]:
    """Topics sorted by name, partitions by id. `sizes` is per broker, so each partition takes
    the size of its leader's replica (replicas hold the same data, give or take a segment).

    `memo` (kept by the caller, refilled here): each topic's inputs and the Topic made from
    them. A topic whose inputs (its metadata, and each partition's offsets, size and rate) equal
    the last call's is that call's Topic object, not made again. Why (issue 14): at 30,000
    partitions, making and comparing every Partition was a third of a refresh's CPU, for
    topics that had not changed; the inputs are compared as plain tuples instead, and the same
    object is what the views and the health rules tell an unchanged topic by."""
    rates = rates or {}
    topic_rates = topic_rates or {}
    last = dict(memo) if memo is not None else {}
    if memo is not None:
        memo.clear()
    topics: list[Topic] = []
    for t in metadata.topics:
        if t.error_code or t.name is None:
            continue
        name = t.name
        keys = [(name, p.partition_index) for p in t.partitions]
        inputs = (t.is_internal, t.partitions, topic_rates.get(name), [earliest.get(k) for k in keys],
                  [latest.get(k) for k in keys], [rates.get(k) for k in keys],
                  [sizes.get(p.leader_id, {}).get(k) if p.leader_id >= 0 else None
                   for p, k in zip(t.partitions, keys, strict=True)])
        kept = last.get(name)
        if kept is not None and kept[0] == inputs:
            topics.append(kept[1])
            if memo is not None:
                memo[name] = kept
            continue
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
        topic = Topic(name=name, internal=bool(t.is_internal), partitions=tuple(parts),
                      msgs_per_s=topic_rates.get(name))
        topics.append(topic)
        if memo is not None:
            memo[name] = (inputs, topic)
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
