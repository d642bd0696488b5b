"""The Kafka source: one long-lived admin client, read-only requests, frozen snapshots.

`KafkaSource.refresh()` describes the cluster (brokers, topics, partitions, offsets, log dir
sizes, rates, the KRaft quorum), `groups()` describes consumer groups and their lag, and
`configs()` describes one topic or broker on demand. Each call runs from one worker thread,
never from the UI thread, and either returns a snapshot or raises `SourceError`.

How it stays cheap and bounded:

* Requests are built here and sent through the admin client's connection manager, so one
  phase's requests (for example ListOffsets to every leader, DescribeLogDirs to every broker)
  are all in flight at once. A refresh is two round trips after the first connect: Metadata,
  then everything else. The number of requests grows with brokers and group coordinators,
  never with partitions or groups.
* Every wait has a deadline derived from `Settings.connect_timeout_s`; the calling thread
  also waits on the whole coroutine with that deadline, so no kafka-python default (30 s)
  can hold a refresh.
* A failure of the whole call (no metadata, bootstrap failed) raises `SourceError` and
  drops the client, so the next call reconnects. A failure of one part (one broker's log
  dirs, one leader's offsets) keeps the rest and is listed in the snapshot's `errors`.

Read-only by construction: this module sends only Metadata, ListOffsets, DescribeLogDirs,
DescribeQuorum, ListGroups, DescribeGroups, OffsetFetch and DescribeConfigs. Every
Metadata request sets `allow_auto_topic_creation=False`, so asking about a topic that does
not exist can never create it, even with `auto.create.topics.enable=true` on the brokers.
No consumer is created, no group is joined and nothing is committed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import kafka.errors as Errors
from kafka.admin import KafkaAdminClient
from kafka.protocol.admin import (
    DescribeConfigsRequest,
    DescribeGroupsRequest,
    DescribeLogDirsRequest,
    DescribeQuorumRequest,
    ListGroupsRequest,
)
from kafka.protocol.consumer import ListOffsetsRequest, OffsetFetchRequest, OffsetSpec
from kafka.protocol.consumer.metadata import ConsumerProtocolAssignment
from kafka.protocol.metadata import MetadataRequest

from kafkatui.config import Settings
from kafkatui.lag import LagTracker
from kafkatui.model import (
    Broker,
    ClusterSnapshot,
    ConfigEntry,
    ConfigSnapshot,
    Group,
    GroupMember,
    GroupPartition,
    GroupsSnapshot,
    LogDir,
    Partition,
    Quorum,
    QuorumVoter,
    SourceError,
    Topic,
)
from kafkatui.rates import RateTracker

CLIENT_ID = "kafkatui"
SOURCE = "kafka"
API_DESCRIBE_QUORUM = 55  # advertised by KRaft brokers only, never by ZooKeeper-mode brokers
API_OFFSET_FETCH = 9
METADATA_TOPIC = "__cluster_metadata"
RECONNECT_BACKOFF_MAX_MS = 5000  # a restarted broker is used again within seconds, not 30 s

TopicPartitionKey = tuple[str, int]

# kafka-python logs connection failures at WARNING/ERROR. With no handler configured anywhere,
# Python's last-resort handler would print them to stderr, where Textual draws the screen.
# A NullHandler stops that; records still propagate to whatever handlers the app installs.
logging.getLogger("kafka").addHandler(logging.NullHandler())

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
RESOURCE_TYPES = {"topic": 2, "broker": 4}


# --------------------------------------------------------------------------- errors


def describe_error(exc: BaseException) -> str:
    """One line naming what went wrong: the kafka-python error class and its message."""
    name = type(exc).__name__
    text = " ".join(str(exc).split())
    if not text or text == name:
        return name
    if name in text:
        return text
    return f"{text} ({name})"


class _Fatal(Exception):
    """The call cannot produce a snapshot; the client is dropped and reconnected next time."""


class _NotFound(Exception):
    """The thing asked about does not exist; the client is fine."""


# --------------------------------------------------------------------------- pure helpers
# They take kafka-python response objects (attribute access, as decoded off the wire) and
# return model objects or plain dicts, so unit tests can feed them hand-built responses.


def brokers_from_metadata(metadata: Any) -> tuple[Broker, ...]:
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


def members_from_description(described: Any) -> tuple[GroupMember, ...]:
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
    return [f"{what}: {count} partition{'s' if count != 1 else ''} {name}" for name, count in sorted(errors.items())]


# --------------------------------------------------------------------------- the source


class _Admin(KafkaAdminClient):
    """KafkaAdminClient that does not leak its IO thread when bootstrap fails in __init__."""

    def __init__(self, **configs: Any) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            with contextlib.suppress(Exception):
                if getattr(self, "_client", None) is not None:
                    self._client.close()
                if getattr(self, "_net", None) is not None:
                    self._net.stop(timeout_ms=2000)
            raise


@dataclass
class _Phase:
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


class _Call:
    """One call's view of the client, used on its IO thread: the deadline every wait obeys,
    and a count of the requests this call sent (exact even if two calls overlap)."""

    def __init__(self, manager: Any, deadline: float) -> None:
        self.manager = manager
        self.deadline = deadline
        self.sent = 0

    def send(self, request: Any, node_id: int | None = None) -> Any:
        self.sent += 1
        return self.manager.send(request, node_id=node_id)

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


class KafkaSource:
    """Read-only Kafka data for the UI and `kafkatui snapshot`.

    One admin client, created lazily by the first call (in the calling worker thread) and
    shared by all calls. Calls may overlap (say `refresh` and `groups` from two workers):
    each runs as its own coroutine with its own deadline and request count; the rate and
    lag trackers are each touched by one method only.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout_s = float(settings.connect_timeout_s)
        self._lock = threading.Lock()
        self._admin: _Admin | None = None
        self._rates = RateTracker()
        self._lag = LagTracker()

    # ------------------------------------------------------------------ client lifecycle

    def _client_kwargs(self) -> dict[str, Any]:
        timeout_ms = int(self.timeout_s * 1000)
        return {
            "bootstrap_servers": list(self.settings.bootstrap),
            "client_id": CLIENT_ID,
            "request_timeout_ms": timeout_ms,
            "bootstrap_timeout_ms": timeout_ms,
            "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
            **self.settings.security.client_kwargs(),
        }

    def _client(self, timing: dict[str, float]) -> _Admin:
        with self._lock:
            if self._admin is not None:
                return self._admin
            started = time.monotonic()
            try:
                admin = _Admin(**self._client_kwargs())
            except Exception as exc:
                # a timeout's own text only repeats the addresses; other errors (SSL, SASL) say more
                why = type(exc).__name__ if isinstance(exc, Errors.KafkaTimeoutError) else describe_error(exc)
                where = self.settings.bootstrap_str or "(no bootstrap servers)"
                raise SourceError(SOURCE, f"cannot reach {where} within {self.timeout_s:g} s ({why})") from None
            self._admin = admin
            timing["connect"] = time.monotonic() - started
            return admin

    def _drop(self) -> None:
        with self._lock:
            admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()

    def close(self) -> None:
        """Close the client; a later call reconnects."""
        self._drop()

    # ------------------------------------------------------------------ running coroutines

    def _call(self, what: str, coro: Callable[[_Call], Any], timing: dict[str, float]) -> tuple[Any, int]:
        """Run `coro(call)` on the client's IO thread, never longer than the timeout; returns
        its value and the number of requests it sent."""
        admin = self._client(timing)
        try:
            call = _Call(admin._manager, time.monotonic() + self.timeout_s)
            future = admin._manager.call_soon(coro, call)
            done = threading.Event()
            future.add_both(lambda _: done.set())
            if not done.wait(self.timeout_s + 0.5):
                raise _Fatal(f"no answer within {self.timeout_s:g} s")
            if future.exception is not None:
                raise future.exception
            return future.value, call.sent
        except _NotFound as exc:
            raise SourceError(SOURCE, str(exc)) from None
        except _Fatal as exc:
            self._drop()
            raise SourceError(SOURCE, f"{what} failed: {exc}") from None
        except Exception as exc:
            self._drop()
            raise SourceError(SOURCE, f"{what} failed: {describe_error(exc)}") from None

    @staticmethod
    async def _gather(call: _Call, phase: _Phase) -> tuple[list, list[str]]:
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

    async def _metadata(self, call: _Call, topics: list[str] | None) -> Any:
        """Metadata that can never auto-create a topic; tries other brokers if one fails."""
        topic_cls = MetadataRequest.MetadataRequestTopic
        request_topics = None if topics is None else [topic_cls(name=t) for t in topics]
        last: Exception | None = None
        for _attempt in range(max(3, len(call.cluster.brokers()))):
            # half of what is left per attempt, so a hung broker leaves time to ask another
            now = time.monotonic()
            if now >= call.deadline:
                break
            attempt_deadline = min(call.deadline, now + max(0.5, (call.deadline - now) / 2))
            request = MetadataRequest(topics=request_topics, allow_auto_topic_creation=False)
            try:
                response = await call.wait(call.send(request), attempt_deadline)
            except Exception as exc:  # that node is down or hung: it is backed off, so ask another
                last = exc
                await call.sleep(0.05)
                continue
            self._sync_brokers(call.cluster, response)
            return response
        raise _Fatal(f"no metadata within {self.timeout_s:g} s ({describe_error(last) if last else 'no broker'})")

    @staticmethod
    def _sync_brokers(cluster: Any, metadata: Any) -> None:
        """Teach the client about brokers it has not seen, so it can connect to them."""
        known = {b.node_id for b in cluster.brokers()}
        if {b.node_id for b in metadata.brokers} - known and metadata.brokers:
            cluster.update_metadata(metadata)

    # ------------------------------------------------------------------ refresh

    def refresh(self) -> ClusterSnapshot:
        """Brokers, topics, partitions with offsets and sizes, rates and (KRaft) the quorum."""
        fetched_at = time.time()
        started = time.monotonic()
        timing: dict[str, float] = {}
        (md, results, errors, kraft, phase_timing), requests = self._call("refresh", self._refresh_async, timing)
        build_started = time.monotonic()
        timing.update(phase_timing)

        brokers = brokers_from_metadata(md)
        earliest: dict[TopicPartitionKey, int] = {}
        latest: dict[TopicPartitionKey, int] = {}
        sizes: dict[int, dict[TopicPartitionKey, int]] = {}
        log_dirs: list[LogDir] = []
        offset_errors: dict[str, dict[str, int]] = {"earliest offsets": {}, "latest offsets": {}}
        quorum: Quorum | None = None
        now_ms = int(time.time() * 1000)
        for kind, node, response, _tag in results:
            if kind in ("earliest_offsets", "latest_offsets"):
                offsets, errs = offsets_from_response(response)
                (earliest if kind == "earliest_offsets" else latest).update(offsets)
                bucket = offset_errors[kind.replace("_", " ")]
                for name, count in errs.items():
                    bucket[name] = bucket.get(name, 0) + count
            elif kind == "log_dirs" and node is not None:
                dirs, replica_sizes = log_dirs_from_response(node, response)
                log_dirs.extend(dirs)
                sizes[node] = replica_sizes
            elif kind == "quorum":
                error = Errors.for_code(response.error_code)
                if error is not Errors.NoError:
                    errors.append(f"quorum: {error.__name__}")
                quorum = quorum_from_response(response, now_ms)
        for what, errs in offset_errors.items():
            errors.extend(summarize(errs, what))

        all_keys = [(t.name, p.partition_index) for t in md.topics if not t.error_code for p in t.partitions]
        rates = self._rates.update(time.monotonic(), {key: latest.get(key) for key in all_keys})
        topic_rates = self._rates.topic_rates()
        histories = {t.name: self._rates.history(t.name) for t in md.topics if not t.error_code}
        topics = topics_from_metadata(md, earliest, latest, sizes, rates, topic_rates, histories)
        log_dirs.sort(key=lambda d: (d.broker_id, d.path))
        timing["build"] = time.monotonic() - build_started
        return ClusterSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - started,
            cluster_id=md.cluster_id,
            controller_id=md.controller_id if md.controller_id is not None and md.controller_id >= 0 else None,
            brokers=brokers,
            topics=topics,
            log_dirs=tuple(log_dirs),
            quorum=quorum,
            kraft=kraft,
            requests=requests,
            timing=timing,
            errors=tuple(errors),
        )

    async def _refresh_async(self, call: _Call) -> tuple:
        started = time.monotonic()
        md = await self._metadata(call, None)
        timing = {"metadata": time.monotonic() - started}
        live = [b.node_id for b in md.brokers]
        leaders = leaders_from_metadata(md, live)
        kraft = API_DESCRIBE_QUORUM in call.api_versions

        phase = _Phase(time.monotonic())
        for leader, partitions in sorted(leaders.items()):
            phase.add("earliest_offsets", leader, call.send(offsets_request(partitions, OffsetSpec.EARLIEST), leader))
            phase.add("latest_offsets", leader, call.send(offsets_request(partitions, OffsetSpec.LATEST), leader))
        for node in sorted(live):
            phase.add("log_dirs", node, call.send(DescribeLogDirsRequest(topics=None), node))
        if kraft:
            topic_cls = DescribeQuorumRequest.TopicData
            request = DescribeQuorumRequest(
                topics=[topic_cls(topic_name=METADATA_TOPIC, partitions=[topic_cls.PartitionData(partition_index=0)])]
            )
            phase.add("quorum", None, call.send(request))
        results, errors = await self._gather(call, phase)
        phase_timing = phase.timing()
        timing["offsets"] = max(phase_timing.get("earliest_offsets", 0.0), phase_timing.get("latest_offsets", 0.0))
        for kind in ("log_dirs", "quorum"):
            if kind in phase_timing:
                timing[kind] = phase_timing[kind]
        return md, results, errors, kraft, timing

    # ------------------------------------------------------------------ groups

    def groups(self) -> GroupsSnapshot:
        """Consumer groups with members, committed offsets, lag and a Burrow-style status."""
        fetched_at = time.time()
        started = time.monotonic()
        timing: dict[str, float] = {}
        (listed, described, committed, latest, errors, phase_timing), requests = self._call(
            "consumer groups", self._groups_async, timing
        )
        timing.update(phase_timing)
        build_started = time.monotonic()
        now = time.monotonic()
        groups: list[Group] = []
        for group_id, (coordinator, listed_group) in sorted(listed.items()):
            desc = described.get(group_id)
            members = members_from_description(desc) if desc is not None else ()
            partitions = group_partitions(members, committed.get(group_id, {}), latest)
            self._lag.record(group_id, now, ((p.topic, p.partition, p.committed, p.latest) for p in partitions))
            status, reason = self._lag.evaluate(group_id, bool(members), now)
            if desc is not None:
                state, protocol_type, protocol = desc.group_state, desc.protocol_type, desc.protocol_data
            else:  # not described (its coordinator failed): what ListGroups said
                state = getattr(listed_group, "group_state", None) or "Unknown"
                protocol_type, protocol = listed_group.protocol_type, ""
            groups.append(
                Group(
                    id=group_id,
                    state=state or "",
                    protocol_type=protocol_type or "",
                    protocol=protocol or "",
                    members=members,
                    partitions=partitions,
                    status=status,
                    status_reason=reason,
                    coordinator=coordinator,
                    lag_trend=tuple(self._lag.trend(group_id)),
                )
            )
        timing["build"] = time.monotonic() - build_started
        return GroupsSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - started,
            groups=tuple(groups),
            requests=requests,
            errors=tuple(errors),
            timing=timing,
        )

    async def _groups_async(self, call: _Call) -> tuple:
        timing: dict[str, float] = {}
        started = time.monotonic()
        md = await self._metadata(call, [])
        live = sorted(b.node_id for b in md.brokers)

        # 1. ListGroups on every broker: a broker lists the groups it coordinates.
        phase = _Phase(time.monotonic())
        for node in live:
            phase.add("list_groups", node, call.send(ListGroupsRequest(), node))
        results, errors = await self._gather(call, phase)
        listed: dict[str, tuple[int, Any]] = {}
        for _kind, node, response, _tag in results:
            if response.error_code:
                errors.append(f"list groups from broker {node}: {Errors.for_code(response.error_code).__name__}")
            for g in response.groups:
                listed[g.group_id] = (node, g)
        timing["list"] = time.monotonic() - started

        # 2. DescribeGroups and OffsetFetch, one each per coordinator, with all its groups.
        by_coordinator: dict[int, list[str]] = defaultdict(list)
        for group_id, (node, _g) in sorted(listed.items()):
            by_coordinator[node].append(group_id)
        phase = _Phase(time.monotonic())
        batched = call.api_versions.get(API_OFFSET_FETCH, (0, 0))[1] >= 8
        group_cls = OffsetFetchRequest.OffsetFetchRequestGroup
        for node, ids in sorted(by_coordinator.items()):
            phase.add("describe_groups", node, call.send(DescribeGroupsRequest(groups=ids), node))
            if batched:
                request = OffsetFetchRequest(groups=[group_cls(group_id=g, topics=None) for g in ids], min_version=8)
                phase.add("offset_fetch", node, call.send(request, node))
            else:  # brokers before 3.0: one OffsetFetch per group
                for g in ids:
                    request = OffsetFetchRequest(group_id=g, topics=None, min_version=2, max_version=7)
                    phase.add("offset_fetch", node, call.send(request, node), g)
        fetch_results, fetch_errors = await self._gather(call, phase)
        errors.extend(fetch_errors)
        described: dict[str, Any] = {}
        committed: dict[str, dict[TopicPartitionKey, int | None]] = {}
        for kind, _node, response, tag in fetch_results:
            if kind == "describe_groups":
                for g in response.groups:
                    if g.error_code:
                        errors.append(f"describe group {g.group_id}: {Errors.for_code(g.error_code).__name__}")
                        continue
                    described[g.group_id] = g
            else:
                offsets, errs = committed_from_offset_fetch(response)
                errors.extend(e.replace("group :", f"group {tag}:") for e in errs)
                if "" in offsets and tag is not None:  # one-group (pre-v8) answer
                    committed[tag] = offsets.pop("")
                committed.update({g: o for g, o in offsets.items() if g})
        timing["describe"] = time.monotonic() - phase.started

        # 3. Log end offsets of every committed or assigned partition: Metadata for those
        #    topics (no auto-create), then one ListOffsets per leader.
        wanted: set[TopicPartitionKey] = set()
        for offsets in committed.values():
            wanted.update(offsets)
        for desc in described.values():
            for m in members_from_description(desc):
                wanted.update(m.assignments)
        latest: dict[TopicPartitionKey, int] = {}
        if wanted:
            phase_started = time.monotonic()
            topics_md = await self._metadata(call, sorted({t for t, _p in wanted}))
            leaders = leaders_from_metadata(topics_md, [b.node_id for b in topics_md.brokers])
            phase = _Phase(time.monotonic())
            for leader, partitions in sorted(leaders.items()):
                mine = [key for key in partitions if key in wanted]
                if mine:
                    phase.add("latest_offsets", leader, call.send(offsets_request(mine, OffsetSpec.LATEST), leader))
            offset_results, offset_errors = await self._gather(call, phase)
            errors.extend(offset_errors)
            counts: dict[str, int] = {}
            for _kind, _node, response, _tag in offset_results:
                offsets, errs = offsets_from_response(response)
                latest.update(offsets)
                for name, count in errs.items():
                    counts[name] = counts.get(name, 0) + count
            errors.extend(summarize(counts, "latest offsets"))
            timing["offsets"] = time.monotonic() - phase_started
        return listed, described, committed, latest, errors, timing

    # ------------------------------------------------------------------ configs

    def configs(self, resource_type: str, name: str) -> ConfigSnapshot:
        """All configs of one topic or broker ("topic" | "broker"), defaults marked."""
        if resource_type not in RESOURCE_TYPES:
            raise SourceError(SOURCE, f"configs: resource type must be 'topic' or 'broker', not {resource_type!r}")
        if resource_type == "broker" and not str(name).isdigit():
            raise SourceError(SOURCE, f"configs: a broker is named by its id, not {name!r}")
        fetched_at = time.time()
        started = time.monotonic()
        timing: dict[str, float] = {}

        async def describe(call: _Call) -> Any:
            resource_cls = DescribeConfigsRequest.DescribeConfigsResource
            request = DescribeConfigsRequest(
                resources=[
                    resource_cls(
                        resource_type=RESOURCE_TYPES[resource_type], resource_name=str(name), configuration_keys=None
                    )
                ],
                include_synonyms=False,
            )
            node = int(name) if resource_type == "broker" else None
            try:
                response = await call.wait(call.send(request, node))
            except Errors.UnknownBrokerIdError:
                raise _NotFound(f"broker {name} is not in the cluster") from None
            result = next((r for r in response.results if r.resource_name == str(name)), None)
            if result is None:
                raise _Fatal(f"no configs returned for {resource_type} {name}")
            if result.error_code:
                error = Errors.for_code(result.error_code)
                if error is Errors.UnknownTopicOrPartitionError:
                    raise _NotFound(f"topic {name!r} does not exist")
                raise _NotFound(f"configs of {resource_type} {name}: {error.__name__} {result.error_message or ''}")
            return result

        result, _sent = self._call(f"configs of {resource_type} {name}", describe, timing)
        return ConfigSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - started,
            resource_type=resource_type,
            resource_name=str(name),
            entries=config_entries(result, resource_type),
        )
