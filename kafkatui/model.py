"""Frozen snapshots that sources hand to the UI and to `kafkatui snapshot --json`.

Every snapshot is immutable so a worker thread can build it and the UI thread can read it
without locks. Top-level snapshots carry `fetched_at` (epoch seconds) and `duration_s` so the
header can say how old and how expensive the last refresh was. Nothing here imports Textual
or a client library: this module is the contract between the two halves of the program.

Derived values that walk every partition (a topic's totals, the cluster's counts, a group's total
lag, the lookups by name) are `cached_property`s: computed once per object, which the Kafka
source hands on unchanged while its data is, and computed by `warm` in the poll's worker thread,
so the UI thread only reads them (issue 14). The dataclasses' equality still compares fields only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property


class SourceError(Exception):
    """The one error type a source raises; the UI shows `str(err)` next to stale data.

    `source` names who failed ("kafka", "zookeeper", "processes", "tail") so the header can
    mark the right connection state.
    """

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class NotFoundError(SourceError):
    """The server answered: what was asked for does not exist (a znode deleted under the cursor)."""


class NotAuthorizedError(SourceError):
    """The server answered: this principal may not read it (a znode's ACL, a denied Kafka
    request). A fact about the credentials, shown as "no permission", not as a failure."""


class UnreachableError(SourceError):
    """No server answered (down, frozen, session lost): nothing is known about what was asked.

    Why a type of its own: "node / no longer exists" for a ZooKeeper that is merely down sent
    operators looking for a deleted znode; a view must say which of the two it is.
    """


# --------------------------------------------------------------------------- Kafka


@dataclass(frozen=True)
class Broker:
    id: int
    host: str
    port: int
    rack: str | None = None


@dataclass(frozen=True)
class Partition:
    """One partition as metadata and offsets describe it.

    `earliest`/`latest` are None when the leader could not be asked (no leader, or the
    offsets request failed for it); counts then show as unknown rather than zero.
    """

    topic: str
    partition: int
    leader: int  # -1 when there is no leader
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    offline_replicas: tuple[int, ...] = ()
    earliest: int | None = None
    latest: int | None = None
    size_bytes: int | None = None  # sum over replicas' log dirs on the leader, from describe_log_dirs
    msgs_per_s: float | None = None

    @property
    def messages(self) -> int | None:
        if self.earliest is None or self.latest is None:
            return None
        return max(0, self.latest - self.earliest)

    @property
    def under_replicated(self) -> bool:
        return len(self.isr) < len(self.replicas)

    @property
    def leaderless(self) -> bool:
        return self.leader < 0

    @property
    def offline(self) -> bool:
        """Kafka's OfflinePartitionsCount sense: no live leader, so nobody can read or write it."""
        return self.leader < 0 or self.leader in self.offline_replicas

    @property
    def out_of_sync(self) -> tuple[int, ...]:
        return tuple(r for r in self.replicas if r not in self.isr)


@dataclass(frozen=True)
class Topic:
    name: str
    internal: bool
    partitions: tuple[Partition, ...]
    msgs_per_s: float | None = None

    @cached_property
    def replication_factor(self) -> int:
        return max((len(p.replicas) for p in self.partitions), default=0)

    @cached_property
    def messages(self) -> int | None:
        counts = [p.messages for p in self.partitions]
        if any(c is None for c in counts):
            return None
        return sum(c for c in counts if c is not None)

    @cached_property
    def size_bytes(self) -> int | None:
        sizes = [p.size_bytes for p in self.partitions if p.size_bytes is not None]
        return sum(sizes) if sizes else None

    @cached_property
    def under_replicated(self) -> int:
        return sum(1 for p in self.partitions if p.under_replicated)

    @cached_property
    def offline(self) -> int:
        return sum(1 for p in self.partitions if p.offline)

    @cached_property
    def leaderless(self) -> int:
        return sum(1 for p in self.partitions if p.leaderless)


@dataclass(frozen=True)
class LogDir:
    """One log directory of one broker, as describe_log_dirs reports it."""

    broker_id: int
    path: str
    error: str | None
    total_bytes: int | None  # None before Kafka 3.3 (DescribeLogDirs v4)
    usable_bytes: int | None
    partition_bytes: int  # sum of the partition sizes in this dir
    # bytes/s the usable space shrinks, from successive samples (kafkatui.kafka.disks); None with
    # fewer than two samples or an unknown usable size; negative when space is being freed
    fill_bytes_per_s: float | None = None

    @property
    def offline(self) -> bool:
        """The broker reports the dir failed (KafkaStorageException): its replicas are offline."""
        return self.error is not None


@dataclass(frozen=True)
class Reassignment:
    """One partition being moved (ListPartitionReassignments), with how far the new replicas
    have copied: each adding replica's size on its broker against the leader's."""

    topic: str
    partition: int
    replicas: tuple[int, ...]  # the full set while moving (old and new)
    adding: tuple[int, ...]
    removing: tuple[int, ...]
    leader_bytes: int | None = None  # the leader replica's size, from DescribeLogDirs
    copied_bytes: tuple[tuple[int, int | None], ...] = ()  # (adding broker, its replica's size so far)

    @property
    def progress(self) -> float | None:
        """The slowest new replica's share of the leader's size (0..1); None when unknown."""
        if self.leader_bytes is None or not self.copied_bytes:
            return None
        sizes = [size for _broker, size in self.copied_bytes]
        if any(size is None for size in sizes):
            return None
        if self.leader_bytes <= 0:
            return 1.0
        return min(1.0, min(s for s in sizes if s is not None) / self.leader_bytes)


MIN_ISR_KEY = "min.insync.replicas"


@dataclass(frozen=True)
class ClusterConfigs:
    """The slowly changing configs the health rules need, fetched less often than offsets
    (see kafkatui.kafka.source.CONFIG_REFRESH_S).

    `min_isr` is each topic's effective min.insync.replicas (its override, else the broker's);
    `broker_configs` every broker's non-sensitive configs (for drift); `fetched_at` epoch s."""

    fetched_at: float
    min_isr: dict[str, int] = field(default_factory=dict)
    broker_min_isr: int | None = None  # the broker-level setting (the default of every topic)
    broker_configs: dict[int, dict[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class QuorumVoter:
    replica_id: int
    log_end_offset: int
    lag: int | None  # leader's log end offset minus this voter's
    last_fetch_ms_ago: int | None
    last_caught_up_ms_ago: int | None
    is_leader: bool = False
    is_observer: bool = False


@dataclass(frozen=True)
class Quorum:
    """The KRaft metadata quorum; present only on a cluster without ZooKeeper."""

    leader_id: int
    leader_epoch: int
    high_watermark: int
    voters: tuple[QuorumVoter, ...]
    observers: tuple[QuorumVoter, ...]


@dataclass(frozen=True)
class ClusterSnapshot:
    fetched_at: float
    duration_s: float
    cluster_id: str | None
    # ZooKeeper mode: the controller broker. KRaft: the active controller, i.e. the metadata
    # quorum's leader (often a dedicated controller, not one of `brokers`). None: unknown.
    controller_id: int | None
    brokers: tuple[Broker, ...]
    topics: tuple[Topic, ...]
    log_dirs: tuple[LogDir, ...] = ()
    quorum: Quorum | None = None
    kraft: bool = False
    requests: int = 0  # Kafka requests this refresh sent, for the benchmark
    timing: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    errors: tuple[str, ...] = ()  # parts of the refresh that failed (data kept for the rest)
    denied: tuple[str, ...] = ()  # parts this principal may not read (*_AUTHORIZATION_FAILED): not errors
    reassignments: tuple[Reassignment, ...] = ()
    configs: ClusterConfigs | None = None  # None until the first config round answered

    def min_isr(self, topic: str) -> int | None:
        """The topic's effective min.insync.replicas, None when not known (yet)."""
        if self.configs is None:
            return None
        value = self.configs.min_isr.get(topic)
        return value if value is not None else self.configs.broker_min_isr

    @cached_property
    def partitions(self) -> int:
        return sum(len(t.partitions) for t in self.topics)

    @cached_property
    def under_replicated(self) -> int:
        return sum(t.under_replicated for t in self.topics)

    @cached_property
    def offline(self) -> int:
        return sum(t.offline for t in self.topics)

    @cached_property
    def leaderless(self) -> int:
        return sum(t.leaderless for t in self.topics)

    @cached_property
    def _by_name(self) -> dict[str, Topic]:
        return {t.name: t for t in self.topics}

    @cached_property
    def _led(self) -> dict[int, int]:
        led: dict[int, int] = {}
        for t in self.topics:
            for p in t.partitions:
                led[p.leader] = led.get(p.leader, 0) + 1
        return led

    def topic(self, name: str) -> Topic | None:
        return self._by_name.get(name)

    def led_by(self, broker_id: int) -> int:
        return self._led.get(broker_id, 0)


@dataclass(frozen=True)
class QuorumSnapshot:
    """The quorum view's own poll: whether the cluster is KRaft and, if so, its metadata quorum.

    Why (issue 14): the view shows only this, so it needs one DescribeQuorum (none on a ZooKeeper
    cluster), not the full refresh with every partition's offsets. `errors`: what was lost.
    """

    fetched_at: float
    duration_s: float
    kraft: bool
    quorum: Quorum | None
    requests: int = 0
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClusterHealth:
    """A light cluster poll: one Metadata request for no topics, so the brokers and nothing else.

    Why (issue 14): the header needs to know that the cluster answers, not every partition's
    offsets. While the visible view shows no cluster data (the tail), this is polled instead of
    a ClusterSnapshot; the last snapshot is kept as it was.
    """

    fetched_at: float
    duration_s: float
    cluster_id: str | None
    brokers: tuple[Broker, ...]
    requests: int = 0


@dataclass(frozen=True)
class ConfigEntry:
    name: str
    value: str | None
    source: str  # e.g. DEFAULT_CONFIG, DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG
    is_default: bool
    read_only: bool
    sensitive: bool


@dataclass(frozen=True)
class ConfigSnapshot:
    """Configs of one topic or broker, fetched on demand (not on every refresh)."""

    fetched_at: float
    duration_s: float
    resource_type: str  # "topic" | "broker"
    resource_name: str
    entries: tuple[ConfigEntry, ...]

    @property
    def overrides(self) -> tuple[ConfigEntry, ...]:
        return tuple(e for e in self.entries if not e.is_default)


# --------------------------------------------------------------------------- Consumer groups


class LagStatus(enum.Enum):
    """Burrow-style evaluation of a group's recent lag samples; see kafkatui.kafka.lag for the rules."""

    OK = "OK"
    WARN = "WARN"
    STALL = "STALL"
    STOP = "STOP"
    REWIND = "REWIND"
    ERR = "ERR"
    PENDING = "PENDING"  # lagging, but the window cannot judge it yet: shown as "not judged yet", never OK
    UNKNOWN = "UNKNOWN"  # no lag to judge: nothing committed


@dataclass(frozen=True)
class GroupMember:
    member_id: str
    client_id: str
    host: str
    assignments: tuple[tuple[str, int], ...]  # (topic, partition)


@dataclass(frozen=True)
class GroupPartition:
    topic: str
    partition: int
    committed: int | None
    latest: int | None
    member: str | None = None  # client id of the member that owns it, if any
    lag_seconds: float | None = None  # now - timestamp of the record at the committed offset (kafka.lag_time)
    lag_time_note: str = ""  # why lag_seconds is an estimate, or why it is not known; "" when exact
    exists: bool | None = None  # False: the metadata says this topic or partition no longer exists

    @property
    def lag(self) -> int | None:
        if self.committed is None or self.latest is None or self.committed < 0:
            return None
        return max(0, self.latest - self.committed)


@dataclass(frozen=True)
class CatchUp:
    """When a lagging group catches up, from its consume rate (committed offsets per second) and
    the produce rate of its partitions (log end offsets per second) over the lag window.

    `state`: "caught_up" (lag 0), "keeping_up" (a small lag in a consuming group), "catching_up"
    (`eta_s` seconds at the current rates),
    "falling_behind" (producers outpace it and its lag grew), or "unknown" (`reason` says why)."""

    state: str
    eta_s: float | None = None
    consume_per_s: float | None = None
    produce_per_s: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Group:
    """One consumer group as the last poll saw it: facts of that poll only, no history.

    Why no lag trend here (issue 14): the Kafka source hands an unchanged group on as the same
    object as the last poll's (`kafka.convert.keep_unchanged_groups`), so the views tell it by
    identity; a history that shifts at every poll would make every group new at every poll.
    The lag trend the views draw is the app's (`AppState.lag_trends`, folded by
    `refresh.policy.lag_trends`); this one was only read as a fallback nobody needed."""

    id: str
    state: str
    protocol_type: str
    protocol: str
    members: tuple[GroupMember, ...]
    partitions: tuple[GroupPartition, ...]
    status: LagStatus = LagStatus.UNKNOWN
    status_reason: str = ""
    coordinator: int | None = None
    lag_seconds: float | None = None  # the largest partition lag_seconds (kafka.lag_time); None: unknown
    lag_time_note: str = ""  # what lag_seconds is estimated from, or what it is missing; "" when exact
    catch_up: CatchUp | None = None  # catch-up ETA or "falling behind" (kafka.catch_up)

    @cached_property
    def total_lag(self) -> int | None:
        """Sum of the known partition lags; None when no partition's lag is known (no
        committed offsets, or no log end offsets): "unknown", not a reassuring 0."""
        lags = [p.lag for p in self.partitions if p.lag is not None]
        return sum(lags) if lags else None


@dataclass(frozen=True)
class GroupsSnapshot:
    fetched_at: float
    duration_s: float
    groups: tuple[Group, ...]
    requests: int = 0
    errors: tuple[str, ...] = ()  # groups or brokers that could not be described (the rest is kept)
    denied: tuple[str, ...] = ()  # groups this principal may not describe (GROUP_AUTHORIZATION_FAILED)
    timing: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    lag_time_requests: int = 0  # of `requests`, those of the lag-in-time round (kafka.lag_time), if one ran

    @cached_property
    def _by_id(self) -> dict[str, Group]:
        return {g.id: g for g in self.groups}

    def group(self, group_id: str) -> Group | None:
        return self._by_id.get(group_id)


# --------------------------------------------------------------------------- ZooKeeper


class ZkState(enum.Enum):
    CONNECTED = "CONNECTED"
    SUSPENDED = "SUSPENDED"
    LOST = "LOST"
    CONNECTING = "CONNECTING"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class ZStat:
    czxid: int
    mzxid: int
    pzxid: int
    ctime_ms: int
    mtime_ms: int
    version: int
    cversion: int
    aversion: int
    ephemeral_owner: int
    data_length: int
    num_children: int


@dataclass(frozen=True)
class ZNode:
    """One node with its data, cut at a size cap so a 1 MB node cannot stall anything."""

    path: str
    data: bytes
    truncated: bool
    stat: ZStat
    meaning: str = ""  # what Kafka uses this znode for, if known


@dataclass(frozen=True)
class ZkServerStats:
    """From the `srvr` and `mntr` four-letter words.

    `missing_whitelist` lists the commands the server refused, so the UI can say which
    `4lw.commands.whitelist` entry to add instead of showing the refusal as data.
    """

    version: str | None = None
    mode: str | None = None
    latency_min_ms: float | None = None
    latency_avg_ms: float | None = None
    latency_max_ms: float | None = None
    znode_count: int | None = None
    connections: int | None = None
    outstanding_requests: int | None = None
    watch_count: int | None = None
    ephemerals_count: int | None = None
    approximate_data_size: int | None = None
    zxid: str | None = None
    missing_whitelist: tuple[str, ...] = ()
    host: str | None = None  # the `host:port` that answered (the first reachable one of an ensemble)


@dataclass(frozen=True)
class ZkSnapshot:
    fetched_at: float
    duration_s: float
    state: ZkState
    hosts: str
    server: ZkServerStats | None
    # the broker id in /controller (Kafka's ZooKeeper mode); None: no controller, or not read
    controller_id: int | None = None
    controller_read: bool = False  # /controller was read (or found absent) at this refresh


# --------------------------------------------------------------------------- Host processes


@dataclass(frozen=True)
class DiskUsage:
    path: str
    used_bytes: int | None  # bytes used by this log dir's contents
    free_bytes: int | None  # free space on its filesystem
    total_bytes: int | None
    partial: bool = False  # the bounded walk stopped early, so used_bytes is a lower bound


@dataclass(frozen=True)
class JvmProcess:
    """A Kafka or ZooKeeper JVM on this host. None means unknown (often AccessDenied)."""

    pid: int
    role: str  # "broker", "controller", "broker+controller", "zookeeper"
    user: str | None
    cpu_percent: float | None
    rss_bytes: int | None
    threads: int | None
    create_time: float | None
    ports: tuple[int, ...]
    open_fds: int | None
    xmx: str | None
    xms: str | None
    config_path: str | None
    broker_id: int | None
    listeners: str | None = None
    log_dirs: tuple[DiskUsage, ...] = ()
    zookeeper_connect: str | None = None
    process_roles: str | None = None
    heap_used_bytes: int | None = None

    @property
    def log_dirs_used_free(self) -> tuple[int | None, int | None]:
        """(bytes used by all log dirs, free bytes on the fullest of their disks): the disk that
        fills first is the one that stops the broker, so free space is the minimum, not a sum."""
        used = [d.used_bytes for d in self.log_dirs if d.used_bytes is not None]
        free = [d.free_bytes for d in self.log_dirs if d.free_bytes is not None]
        return (sum(used) if used else None), (min(free) if free else None)


@dataclass(frozen=True)
class ProcessesSnapshot:
    fetched_at: float
    duration_s: float
    processes: tuple[JvmProcess, ...]


def warm(snapshot: object) -> object:
    """Compute a snapshot's derived values now, in the calling thread; returns the snapshot.

    Why: the poll's worker thread calls it, so the UI thread that shows the snapshot never walks
    30,000 partitions to total them (issue 14). Unchanged topics were warmed when they were new.
    """
    if isinstance(snapshot, ClusterSnapshot):
        for t in snapshot.topics:
            (t.replication_factor, t.messages, t.size_bytes, t.under_replicated, t.offline, t.leaderless)  # noqa: B018
        (snapshot.partitions, snapshot.under_replicated, snapshot.offline,  # noqa: B018
         snapshot.leaderless, snapshot._by_name, snapshot._led)
    elif isinstance(snapshot, GroupsSnapshot):
        for g in snapshot.groups:
            g.total_lag  # noqa: B018
        snapshot._by_id  # noqa: B018
    return snapshot


# --------------------------------------------------------------------------- Security (read-only views of it)


@dataclass(frozen=True)
class AclBinding:
    """One ACL (DescribeAcls): who may or may not do what on which resource."""

    principal: str
    host: str
    operation: str  # READ, DESCRIBE, ALL, ...
    permission: str  # ALLOW | DENY
    resource_type: str  # TOPIC, GROUP, CLUSTER, ...
    resource_name: str
    pattern_type: str  # LITERAL | PREFIXED


@dataclass(frozen=True)
class ClientQuota:
    """One quota entity (DescribeClientQuotas): e.g. (("user", "alice"),) with its rates."""

    entity: tuple[tuple[str, str | None], ...]  # (type, name); name None = the default entity
    values: tuple[tuple[str, float], ...]  # producer_byte_rate, consumer_byte_rate, request_percentage


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM user: its mechanisms and iteration counts, never anything secret."""

    name: str
    mechanisms: tuple[tuple[str, int], ...]  # (SCRAM-SHA-512, 4096)


@dataclass(frozen=True)
class SecuritySnapshot:
    """ACLs, quotas and SCRAM users; a part that could not be read is None, with the reason in
    `unavailable` ("no authorizer configured" is a fact about the cluster, not an error)."""

    fetched_at: float
    acls: tuple[AclBinding, ...] | None
    quotas: tuple[ClientQuota, ...] | None
    scram_users: tuple[ScramUser, ...] | None
    unavailable: dict[str, str] = field(default_factory=dict)
