"""The health rules: pure functions from snapshots to findings, each with its reason in words.

Why one module of plain functions: the overview's "Needs attention" panel
(kafkatui.health.attention) and `kafkatui snapshot --json` (its `attention` list) must say the
same thing, and every rule must be unit-testable with hand-made model values. A finding's
`kind` is one of KINDS (the JSON contract, documented in the README); `severity` is
"critical" (something is failing or data was lost now) or "warning" (one more failure away,
or work an operator should know about).

The rules, and why each is as strict as it is:

* A partition is reported once, under its worst availability condition: offline_partition
  (no live leader: nobody can read or write), under_min_isr (ISR < the effective
  min.insync.replicas: acks=all producers fail now), at_min_isr (ISR = min ISR with more
  replicas assigned: one more loss and acks=all writes stop), under_replicated. Listing all
  four for one partition would drown the list when a broker dies.
* rf_below_min_isr is per topic (a configuration mistake, not an outage): a replication factor
  below min.insync.replicas means acks=all writes can never succeed, although no partition is
  ever "under-replicated".
* offline_log_dir: the broker reports an error for the dir; its replicas are offline.
* disk_full_soon: the usable bytes shrink (fill rate from successive samples, kafkatui.kafka.disks)
  fast enough to reach zero within a day; critical within an hour.
* reassignment_in_progress: one finding per moving partition, with its adding and removing
  replicas and how far the slowest new replica has copied.
* leader_imbalance: per broker, the partitions it is the preferred leader of (first replica),
  is in the ISR of, yet does not lead — Kafka's own imbalance count. Any such miss is listed:
  Kafka's controller moves leaders back only when a broker's share of misses is above
  `leader.imbalance.per.broker.percentage` (10 % by default), so misses below it stay forever,
  and with auto.leader.rebalance.enable=false all of them do. A partition whose preferred
  replica is out of the ISR is an outage (listed above), not an imbalance.
* config_drift: a broker config key whose value differs between brokers, leaving out the keys
  that are meant to differ (PER_NODE_KEYS and prefixes).
* committed_below_log_start (critical): a group's committed offset is below the partition's log
  start offset, so the records in between were deleted unread and its lag is not real.
* group_lag: the lag verdict of kafkatui.kafka.lag (ERR, STOP, STALL critical; WARN, REWIND warning),
  with how far behind in time (kafkatui.kafka.lag_time) and the catch-up ETA when known.
* committed_for_missing_partition (warning): a group has committed offsets for a topic that was
  deleted or a partition the topic does not have (the metadata says so, kafkatui.kafka.lag_time).
  Kafka drops a deleted topic's offsets when the coordinator sees the deletion, so this is what
  a coordinator that missed it (down at the time) or an older broker leaves behind; the offsets
  stay until offsets.retention.minutes, and they have no lag to judge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kafkatui.fmt import human_bytes, human_duration
from kafkatui.kafka.catch_up import eta_text
from kafkatui.kafka.lag import severity as lag_severity
from kafkatui.model import (
    ClusterSnapshot,
    Group,
    GroupsSnapshot,
    LagStatus,
    LogDir,
    Partition,
    Reassignment,
)

CRITICAL = "critical"
WARNING = "warning"

KINDS = (
    "under_replicated",
    "offline_partition",
    "under_min_isr",
    "at_min_isr",
    "rf_below_min_isr",
    "offline_log_dir",
    "disk_full_soon",
    "reassignment_in_progress",
    "leader_imbalance",
    "config_drift",
    "committed_below_log_start",
    "group_lag",
    "committed_for_missing_partition",
)
"""Every kind a finding can have (the JSON contract's list)."""
ORDER = (
    "offline_partition", "under_min_isr", "rf_below_min_isr", "offline_log_dir", "disk_full_soon",
    "committed_below_log_start", "at_min_isr", "under_replicated", "group_lag", "reassignment_in_progress",
    "leader_imbalance", "committed_for_missing_partition", "config_drift",
)
"""Within a severity, kinds in this order: writes failing before data at risk before balance."""

DAY_S = 86_400.0
HOUR_S = 3_600.0
IMBALANCE_RATIO = 0.10  # Kafka's leader.imbalance.per.broker.percentage default: above it, the controller acts
BELOW_START_SHOWN = 3  # partitions named in a committed_below_log_start detail

PER_NODE_KEYS = frozenset({
    "broker.id", "node.id", "listeners", "advertised.listeners", "log.dirs", "log.dir",
    "metadata.log.dir", "broker.rack", "host.name", "advertised.host.name", "port", "advertised.port",
    "controller.listener.names", "early.start.listeners", "inter.broker.listener.name",
    "listener.security.protocol.map",
})
"""Broker configs that are meant to differ between brokers: never drift."""
PER_NODE_PREFIXES = ("listener.name.", "ssl.keystore.", "ssl.key.", "ssl.truststore.")


@dataclass(frozen=True)
class Finding:
    """One problem. `subject` names what it is about ("orders 3", "broker 2", "group billing");
    `detail` says what is wrong and why it matters. Raw text: escape before showing it.
    The optional fields say where Enter goes (topic, group) and carry numbers for the panel."""

    kind: str
    severity: str  # CRITICAL | WARNING
    subject: str
    detail: str
    topic: str | None = None
    partition: int | None = None
    broker: int | None = None
    group: str | None = None

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "severity": self.severity, "subject": self.subject, "detail": self.detail}


def _ids(ids: Iterable[int]) -> str:
    listed = [str(i) for i in ids]
    return ",".join(listed) if listed else "none"


# --------------------------------------------------------------------------- partitions


def partition_finding(p: Partition, min_isr: int | None) -> Finding | None:
    """The worst availability condition of one partition, or None when it is healthy.
    `min_isr` is the topic's effective min.insync.replicas, None when not known yet."""
    subject = f"{p.topic} {p.partition}"
    where = {"topic": p.topic, "partition": p.partition}
    rf, isr = len(p.replicas), len(p.isr)
    if p.offline:
        why = "no leader" if p.leaderless else f"leader {p.leader} is offline"
        return Finding("offline_partition", CRITICAL, subject, f"{why}, nobody can read or write it", **where)
    if min_isr is not None and rf >= min_isr:  # rf < min_isr is the topic's rf_below_min_isr
        if isr < min_isr:
            detail = f"ISR {isr} < min.insync.replicas {min_isr}, producers with acks=all fail"
            return Finding("under_min_isr", CRITICAL, subject, f"{detail} (missing {_ids(p.out_of_sync)})", **where)
        if isr == min_isr and rf > min_isr:
            detail = f"ISR {isr} = min.insync.replicas {min_isr}, one more replica lost and acks=all writes stop"
            return Finding("at_min_isr", WARNING, subject, f"{detail} (missing {_ids(p.out_of_sync)})", **where)
    if p.under_replicated:
        detail = f"ISR {isr} of {rf} replicas (missing {_ids(p.out_of_sync)})"
        return Finding("under_replicated", WARNING, subject, detail, **where)
    return None


def rf_findings(cluster: ClusterSnapshot) -> list[Finding]:
    """Topics whose replication factor is below their effective min.insync.replicas."""
    out = []
    for t in cluster.topics:
        min_isr = cluster.min_isr(t.name)
        rf = t.replication_factor
        if min_isr is not None and t.partitions and rf < min_isr:
            detail = f"replication factor {rf} < min.insync.replicas {min_isr}, producers with acks=all can never write"
            out.append(Finding("rf_below_min_isr", CRITICAL, t.name, detail, topic=t.name))
    return out


# --------------------------------------------------------------------------- disks


def log_dir_findings(dirs: Iterable[LogDir]) -> list[Finding]:
    """Offline log dirs, and dirs that fill up within a day at the current rate."""
    out = []
    for d in dirs:
        subject = f"broker {d.broker_id} {d.path}"
        if d.offline:
            detail = f"log dir failed ({d.error}), the replicas in it are offline"
            out.append(Finding("offline_log_dir", CRITICAL, subject, detail, broker=d.broker_id))
            continue
        eta = time_to_full(d)
        if eta is not None and eta < DAY_S:
            level = CRITICAL if eta < HOUR_S else WARNING
            detail = (f"{human_bytes(d.usable_bytes)} usable, filling at {human_bytes(d.fill_bytes_per_s)}/s, "
                      f"full in about {human_duration(eta)}")
            out.append(Finding("disk_full_soon", level, subject, detail, broker=d.broker_id))
    return out


def time_to_full(d: LogDir) -> float | None:
    """Seconds until the dir's usable space is gone at its fill rate; None if it is not filling."""
    if d.usable_bytes is None or d.fill_bytes_per_s is None or d.fill_bytes_per_s <= 0:
        return None
    return d.usable_bytes / d.fill_bytes_per_s


# --------------------------------------------------------------------------- reassignments and balance


def reassignment_finding(r: Reassignment) -> Finding:
    parts = [f"replicas {_ids(r.replicas)}", f"adding {_ids(r.adding)}", f"removing {_ids(r.removing)}"]
    progress = r.progress
    if progress is not None and r.leader_bytes is not None:
        copied = min(s for _b, s in r.copied_bytes if s is not None)
        parts.append(f"copied {progress:.0%} ({human_bytes(copied)} of {human_bytes(r.leader_bytes)})")
    elif r.adding:
        parts.append("copy progress unknown")
    return Finding("reassignment_in_progress", WARNING, f"{r.topic} {r.partition}",
                   "being reassigned: " + ", ".join(parts), topic=r.topic, partition=r.partition)


@dataclass(frozen=True)
class BrokerBalance:
    """A broker's share of the work: partitions it leads, replicas it holds, and the partitions it
    is the preferred leader of (in the ISR) but does not lead."""

    broker: int
    leaders: int
    replicas: int
    preferred: int
    misses: int


def balance(cluster: ClusterSnapshot) -> dict[int, BrokerBalance]:
    """Leader, replica and preferred-leader counts per live broker."""
    leaders: dict[int, int] = defaultdict(int)
    replicas: dict[int, int] = defaultdict(int)
    preferred: dict[int, int] = defaultdict(int)
    misses: dict[int, int] = defaultdict(int)
    for t in cluster.topics:
        for p in t.partitions:
            if p.leader >= 0:
                leaders[p.leader] += 1
            for r in p.replicas:
                replicas[r] += 1
            if p.replicas and p.replicas[0] in p.isr:
                first = p.replicas[0]
                preferred[first] += 1
                if p.leader != first:
                    misses[first] += 1
    return {
        b.id: BrokerBalance(b.id, leaders[b.id], replicas[b.id], preferred[b.id], misses[b.id])
        for b in cluster.brokers
    }


def imbalance_findings(cluster: ClusterSnapshot) -> list[Finding]:
    counts = balance(cluster)
    if not counts:
        return []
    spread = " ".join(f"{b}:{c.leaders}" for b, c in sorted(counts.items()))
    lead = [c.leaders for c in counts.values()]
    out = []
    for b, c in sorted(counts.items()):
        if c.misses:
            auto = ("above" if c.misses > IMBALANCE_RATIO * c.preferred else "below")
            detail = (f"not the leader of {c.misses} of the {c.preferred} partitions it is preferred for "
                      f"({auto} the {IMBALANCE_RATIO:.0%} at which Kafka's auto rebalance acts, if enabled); "
                      f"leaders per broker {spread} (skew {max(lead) - min(lead)})")
            out.append(Finding("leader_imbalance", WARNING, f"broker {b}", detail, broker=b))
    return out


# --------------------------------------------------------------------------- config drift


def per_node(key: str) -> bool:
    return key in PER_NODE_KEYS or key.startswith(PER_NODE_PREFIXES)


def drift_findings(broker_configs: Mapping[int, Mapping[str, str | None]]) -> list[Finding]:
    """Keys whose value differs between brokers, each with who has which value."""
    if len(broker_configs) < 2:
        return []
    keys = set().union(*(set(c) for c in broker_configs.values()))
    out = []
    for key in sorted(k for k in keys if not per_node(k)):
        by_value: dict[str | None, list[int]] = defaultdict(list)
        for broker, configs in sorted(broker_configs.items()):
            by_value[configs.get(key)].append(broker)
        if len(by_value) < 2:
            continue
        ordered = sorted(by_value.items(), key=lambda kv: (-len(kv[1]), kv[1]))
        detail = " · ".join(f"broker{'s' if len(b) > 1 else ''} {_ids(b)}: {v if v is not None else '(unset)'}"
                            for v, b in ordered)
        out.append(Finding("config_drift", WARNING, key, f"differs between brokers: {detail}"))
    return out


# --------------------------------------------------------------------------- groups


def group_severity(status: LagStatus) -> str | None:
    """The severity of a lag verdict; None for OK, PENDING (not judged yet) and UNKNOWN (not listed)."""
    if status in (LagStatus.OK, LagStatus.PENDING, LagStatus.UNKNOWN):
        return None
    return CRITICAL if lag_severity(status) >= lag_severity(LagStatus.STALL) else WARNING


def lag_time_text(g: Group) -> str:
    """ " (3h 26m behind, falling behind)": the lag in time and the catch-up state, when known."""
    parts = []
    if g.lag_seconds is not None and g.total_lag:
        estimate = "~" if g.lag_time_note else ""
        parts.append(f"{estimate}{human_duration(g.lag_seconds)} behind")
    if g.catch_up is not None and g.catch_up.state in ("catching_up", "falling_behind"):
        parts.append(eta_text(g.catch_up) if g.catch_up.state == "falling_behind"
                     else f"catches up in {eta_text(g.catch_up)}")
    return f" ({', '.join(parts)})" if parts else ""


def group_lag_finding(g: Group) -> Finding | None:
    level = group_severity(g.status)
    if level is None:
        return None
    lag = f"lag {g.total_lag:,}" if g.total_lag is not None else "lag unknown"
    reason = f": {g.status_reason}" if g.status_reason else ""
    detail = f"{g.status.value}, {lag}{lag_time_text(g)}{reason}"
    return Finding("group_lag", level, f"group {g.id}", detail, group=g.id)


def _first(names: list[str], shown: int = BELOW_START_SHOWN) -> str:
    """ "a, b, c and 2 more" """
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def missing_partition_finding(g: Group) -> Finding | None:
    """A group with committed offsets for topics or partitions that no longer exist."""
    gone = sorted((p for p in g.partitions if p.exists is False), key=lambda p: (p.topic, p.partition))
    if not gone:
        return None
    by_reason: dict[str, list[str]] = defaultdict(list)
    for p in gone:
        by_reason[p.lag_time_note or "it no longer exists"].append(f"{p.topic} {p.partition}")
    named = "; ".join(f"{_first(ps)} ({why})" for why, ps in sorted(by_reason.items()))
    detail = (f"committed offsets for partitions that no longer exist: {named}; they stay until "
              "offsets.retention.minutes expires them, and have no lag")
    return Finding("committed_for_missing_partition", WARNING, f"group {g.id}", detail, group=g.id)


def log_starts(cluster: ClusterSnapshot) -> dict[tuple[str, int], int | None]:
    """Each partition's log start offset (the earliest offset the cluster refresh fetched)."""
    return {(t.name, p.partition): p.earliest for t in cluster.topics for p in t.partitions}


def committed_below_start(earliest: Mapping[tuple[str, int], int | None], g: Group) -> Finding | None:
    """A group whose committed offsets are below their partitions' log start offsets."""
    below = []
    for gp in sorted(g.partitions, key=lambda p: (p.topic, p.partition)):
        start = earliest.get((gp.topic, gp.partition))
        if gp.committed is not None and gp.committed >= 0 and start is not None and gp.committed < start:
            below.append((gp, start))
    if not below:
        return None
    lost = sum(start - gp.committed for gp, start in below if gp.committed is not None)
    named = ", ".join(f"{gp.topic} {gp.partition}: committed {gp.committed:,} < log start {start:,}"
                      for gp, start in below[:BELOW_START_SHOWN])
    more = f" and {len(below) - BELOW_START_SHOWN} more" if len(below) > BELOW_START_SHOWN else ""
    detail = (f"{named}{more}; {lost:,} records were deleted before the group read them, its lag is not real")
    return Finding("committed_below_log_start", CRITICAL, f"group {g.id}", detail, group=g.id)


# --------------------------------------------------------------------------- all of them


def sort_key(f: Finding) -> tuple:
    return (0 if f.severity == CRITICAL else 1, ORDER.index(f.kind), f.subject)


def other_findings(cluster: ClusterSnapshot | None, groups: GroupsSnapshot | None) -> list[Finding]:
    """The findings that are not a partition's availability nor a group's lag status: replication
    factor below min ISR, log dirs, reassignments, leader imbalance, config drift, committed
    offsets below the log start (which needs both snapshots) and for partitions that are gone."""
    out: list[Finding] = []
    if cluster is None:
        return out
    out.extend(rf_findings(cluster))
    out.extend(log_dir_findings(cluster.log_dirs))
    out.extend(reassignment_finding(r) for r in cluster.reassignments)
    out.extend(imbalance_findings(cluster))
    if cluster.configs is not None:
        out.extend(drift_findings(cluster.configs.broker_configs))
    if groups is not None:
        starts = log_starts(cluster)
        out.extend(f for g in groups.groups if (f := committed_below_start(starts, g)) is not None)
    if groups is not None:
        out.extend(f for g in groups.groups if (f := missing_partition_finding(g)) is not None)
    return out


def findings(cluster: ClusterSnapshot | None, groups: GroupsSnapshot | None = None) -> list[Finding]:
    """Every finding of these snapshots, worst first (critical first, then by kind, subject)."""
    out: list[Finding] = []
    if cluster is not None:
        for t in cluster.topics:
            min_isr = cluster.min_isr(t.name)
            out.extend(f for p in t.partitions if (f := partition_finding(p, min_isr)) is not None)
    out.extend(other_findings(cluster, groups))
    if groups is not None:
        out.extend(f for g in groups.groups if (f := group_lag_finding(g)) is not None)
    out.sort(key=sort_key)
    return out
