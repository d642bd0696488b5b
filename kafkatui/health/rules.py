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
  fast enough to reach zero within a day; critical within an hour. Several brokers on one host
  often share a filesystem (every broker of a one-host cluster does): their dirs are reported as
  one finding naming them all. Kafka does not say which filesystem a dir is on, so dirs are taken
  as one filesystem when their brokers have the same host and the dirs the same total bytes and
  usable bytes within SAME_FS_SLACK (the answers of different brokers are a moment apart).
* reassignment_in_progress: one finding per moving partition, with its adding and removing
  replicas and how far the slowest new replica has copied.
* leader_imbalance: Kafka's own rule. Per broker, the partitions it is the preferred leader of
  (first replica), is in the ISR of, yet does not lead; the controller moves leaders back when
  that share is above `leader.imbalance.per.broker.percentage` (10 % by default), so a broker is
  listed only above the threshold the broker itself is configured with (from the broker configs
  kafkatui already fetches). Misses below it are normal (they stay for ever) and only the broker
  detail shows them. Above it with auto.leader.rebalance.enable=true the controller acts at its
  next check, every leader.imbalance.check.interval.seconds (300 s by default, so a restarted
  broker's leaders stay elsewhere for up to five minutes); listed longer means it cannot (a
  reassignment in progress blocks it in ZooKeeper mode) or it is off. A partition whose preferred replica is out
  of the ISR is an outage (listed above), not an imbalance.
* quorum_follower_lag (KRaft): a follower of the metadata quorum behind the high watermark and
  not caught up for QUORUM_BEHIND_S: a voter (controller) that could not take over as leader,
  or an observer (broker) whose metadata is stale. Controller changes and /controller
  disagreeing (ZooKeeper mode) need history across refreshes: kafkatui.health.controller.
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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

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
    Topic,
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
    "controller_changed",
    "controller_disagrees",
    "quorum_follower_lag",
)
"""Every kind a finding can have (the JSON contract's list)."""
ORDER = (
    "offline_partition", "under_min_isr", "rf_below_min_isr", "offline_log_dir", "disk_full_soon",
    "committed_below_log_start", "at_min_isr", "under_replicated", "group_lag", "reassignment_in_progress",
    "controller_disagrees", "quorum_follower_lag", "controller_changed", "leader_imbalance",
    "committed_for_missing_partition", "config_drift",
)
"""Within a severity, kinds in this order: writes failing before data at risk before balance."""

DAY_S = 86_400.0
HOUR_S = 3_600.0
IMBALANCE_KEY = "leader.imbalance.per.broker.percentage"
IMBALANCE_PERCENT = 10.0  # Kafka's default of IMBALANCE_KEY: above it, the controller acts
AUTO_REBALANCE_KEY = "auto.leader.rebalance.enable"
CHECK_INTERVAL_KEY = "leader.imbalance.check.interval.seconds"
CHECK_INTERVAL_S = 300.0  # Kafka's default of CHECK_INTERVAL_KEY
SAME_FS_SLACK = 0.001  # usable bytes within 0.1 % of the total (at least SAME_FS_MIN_BYTES): one filesystem
SAME_FS_MIN_BYTES = 64 * 1024 * 1024
QUORUM_BEHIND_S = 10.0  # a voter behind the high watermark and not caught up for this long lags
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
    if len(p.isr) >= len(p.replicas) and not p.offline:
        return None  # fully replicated with a live leader (so at least min ISR): healthy, no text built
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


@dataclass(frozen=True)
class MinIsrState:
    """A topic's write availability against its effective min.insync.replicas: how many partitions
    are under it and at it (partition_finding's rule), and whether its RF is below it."""

    min_isr: int | None
    under: int = 0
    at: int = 0
    rf_below: bool = False


def min_isr_state(topic: Topic, min_isr: int | None) -> MinIsrState:
    """The topics list's min-ISR state; cheap for healthy topics (no finding is built for them)."""
    if min_isr is None:
        return MinIsrState(None)
    under = at = 0
    for p in topic.partitions:
        if len(p.isr) <= min_isr and (f := partition_finding(p, min_isr)) is not None:
            under += f.kind == "under_min_isr"
            at += f.kind == "at_min_isr"
    rf_below = bool(topic.partitions) and topic.replication_factor < min_isr
    return MinIsrState(min_isr, under, at, rf_below)


def rf_findings(cluster: ClusterSnapshot) -> list[Finding]:
    """Topics whose replication factor is below their effective min.insync.replicas."""
    return [f for t in cluster.topics if (f := rf_finding(t, cluster.min_isr(t.name))) is not None]


def rf_finding(t: Topic, min_isr: int | None) -> Finding | None:
    rf = t.replication_factor
    if min_isr is None or not t.partitions or rf >= min_isr:
        return None
    detail = f"replication factor {rf} < min.insync.replicas {min_isr}, producers with acks=all can never write"
    return Finding("rf_below_min_isr", CRITICAL, t.name, detail, topic=t.name)


# --------------------------------------------------------------------------- disks


def log_dir_findings(dirs: Iterable[LogDir], hosts: Mapping[int, str] | None = None) -> list[Finding]:
    """Offline log dirs, and dirs that fill up within a day at the current rate; dirs on one
    filesystem (see same_filesystem; `hosts` maps broker id to host) are one finding."""
    out = []
    filling: list[tuple[LogDir, float]] = []
    for d in dirs:
        if d.offline:
            detail = f"log dir failed ({d.error}), the replicas in it are offline"
            out.append(Finding("offline_log_dir", CRITICAL, f"broker {d.broker_id} {d.path}", detail,
                               broker=d.broker_id))
            continue
        eta = time_to_full(d)
        if eta is not None and eta < DAY_S:
            filling.append((d, eta))
    for group in filesystems([d for d, _eta in filling], hosts or {}):
        first = group[0]
        eta = min(e for d, e in filling if d in group)
        level = CRITICAL if eta < HOUR_S else WARNING
        rate = max(d.fill_bytes_per_s or 0.0 for d in group)
        detail = (f"{human_bytes(first.usable_bytes)} usable, filling at {human_bytes(rate)}/s, "
                  f"full in about {human_duration(eta)}")
        if len(group) == 1:
            out.append(Finding("disk_full_soon", level, f"broker {first.broker_id} {first.path}", detail,
                               broker=first.broker_id))
            continue
        ids = _ids(sorted({d.broker_id for d in group}))
        shared = ", ".join(f"broker {d.broker_id} {d.path}" for d in group)
        host = (hosts or {}).get(first.broker_id, "?")
        out.append(Finding("disk_full_soon", level, f"brokers {ids} on {host}",
                           f"{detail}; one filesystem shared by {shared} (same host, same total and usable bytes)",
                           broker=first.broker_id))
    return out


def same_filesystem(a: LogDir, b: LogDir, hosts: Mapping[int, str]) -> bool:
    """Are two log dirs (probably) on one filesystem? Kafka does not say, so: their brokers run on
    the same host, and the dirs report the same total bytes and nearly the same usable bytes."""
    if a.total_bytes is None or a.total_bytes != b.total_bytes or a.usable_bytes is None or b.usable_bytes is None:
        return False
    host_a, host_b = hosts.get(a.broker_id), hosts.get(b.broker_id)
    if host_a is None or host_a != host_b:
        return False
    slack = max(SAME_FS_MIN_BYTES, SAME_FS_SLACK * a.total_bytes)
    return abs(a.usable_bytes - b.usable_bytes) <= slack


def filesystems(dirs: Sequence[LogDir], hosts: Mapping[int, str]) -> list[list[LogDir]]:
    """The dirs grouped by filesystem (same_filesystem with the group's first dir), in input order."""
    groups: list[list[LogDir]] = []
    for d in dirs:
        home = next((g for g in groups if same_filesystem(g[0], d, hosts)), None)
        if home is None:
            groups.append([d])
        else:
            home.append(d)
    return groups


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


Share = dict[int, tuple[int, int, int, int]]  # broker -> (leaders, replicas, preferred, misses)


def topic_share(t: Topic) -> Share:
    """One topic's part of `balance`: per broker, the partitions it leads, the replicas it holds,
    and the partitions it is the preferred leader of (in the ISR), and of those the ones it does
    not lead."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in t.partitions:
        if p.leader >= 0:
            counts[p.leader][0] += 1
        for r in p.replicas:
            counts[r][1] += 1
        if p.replicas and p.replicas[0] in p.isr:
            first = counts[p.replicas[0]]
            first[2] += 1
            first[3] += p.leader != p.replicas[0]
    return {b: (c[0], c[1], c[2], c[3]) for b, c in counts.items()}


def _add(totals: dict[int, tuple[int, int, int, int]], share: Share, sign: int) -> None:
    for b, (leaders, replicas, preferred, misses) in share.items():
        t = totals.get(b, (0, 0, 0, 0))
        totals[b] = (t[0] + sign * leaders, t[1] + sign * replicas, t[2] + sign * preferred, t[3] + sign * misses)


def balance(cluster: ClusterSnapshot, memo: ClusterMemo | None = None) -> dict[int, BrokerBalance]:
    """Leader, replica and preferred-leader counts per live broker (with `memo`: kept between
    calls, only the topics that changed are counted again)."""
    if memo is not None:
        totals = memo.update(cluster).totals
    else:
        totals = {}
        for t in cluster.topics:
            _add(totals, topic_share(t), 1)
    return {b.id: BrokerBalance(b.id, *totals.get(b.id, (0, 0, 0, 0))) for b in cluster.brokers}


def imbalance_threshold(cluster: ClusterSnapshot, broker: int) -> tuple[float, bool | None]:
    """The broker's leader.imbalance.per.broker.percentage (Kafka's default without configs) and
    its auto.leader.rebalance.enable (None when unknown)."""
    configs = cluster.configs.broker_configs.get(broker, {}) if cluster.configs is not None else {}
    try:
        percent = float(configs.get(IMBALANCE_KEY) or IMBALANCE_PERCENT)
    except ValueError:
        percent = IMBALANCE_PERCENT
    auto = configs.get(AUTO_REBALANCE_KEY)
    return percent, (auto.lower() == "true") if auto is not None else None


def check_interval(cluster: ClusterSnapshot, broker: int) -> float:
    """The broker's leader.imbalance.check.interval.seconds (Kafka's default without configs). In
    ZooKeeper mode the controller broker's own value counts, in KRaft the controllers' (not
    readable here): the broker's value is what it would use as controller."""
    configs = cluster.configs.broker_configs.get(broker, {}) if cluster.configs is not None else {}
    try:
        return float(configs.get(CHECK_INTERVAL_KEY) or CHECK_INTERVAL_S)
    except ValueError:
        return CHECK_INTERVAL_S


def imbalance_findings(cluster: ClusterSnapshot, memo: ClusterMemo | None = None) -> list[Finding]:
    """Brokers whose share of preferred-leader misses is above their configured threshold."""
    counts = balance(cluster, memo)
    if not counts:
        return []
    spread = " ".join(f"{b}:{c.leaders}" for b, c in sorted(counts.items()))
    lead = [c.leaders for c in counts.values()]
    out = []
    for b, c in sorted(counts.items()):
        percent, auto = imbalance_threshold(cluster, b)
        if not c.misses or c.misses * 100 <= percent * c.preferred:
            continue
        why = ("auto.leader.rebalance.enable=false, so they stay" if auto is False
               else f"the controller moves them back at its next check (every {check_interval(cluster, b):g} s, "
                    f"{CHECK_INTERVAL_KEY}); listed longer means it cannot (a reassignment in progress "
                    "blocks it in ZooKeeper mode)" if auto else "")
        detail = (f"not the leader of {c.misses} of the {c.preferred} partitions it is preferred for "
                  f"({c.misses / c.preferred:.0%} > {IMBALANCE_KEY} {percent:g}%)"
                  + (f"; {why}" if why else "")
                  + f"; leaders per broker {spread} (skew {max(lead) - min(lead)})")
        out.append(Finding("leader_imbalance", WARNING, f"broker {b}", detail, broker=b))
    return out


# --------------------------------------------------------------------------- KRaft quorum


def quorum_findings(cluster: ClusterSnapshot) -> list[Finding]:
    """Followers of the metadata quorum behind the high watermark and not caught up for a while:
    voters (controllers that may have to take over) and observers (brokers, whose metadata is
    then stale)."""
    q = cluster.quorum
    if q is None:
        return []
    out = []
    for v in (*q.voters, *q.observers):
        if v.is_leader or v.log_end_offset < 0:
            continue
        behind = q.high_watermark - v.log_end_offset
        since = v.last_caught_up_ms_ago
        if behind <= 0 or (since is not None and since < QUORUM_BEHIND_S * 1000):
            continue
        fetch = (f"last fetch {human_duration(v.last_fetch_ms_ago / 1000)} ago"
                 if v.last_fetch_ms_ago is not None else "never fetched")
        caught = f"caught up {human_duration(since / 1000)} ago" if since is not None else "never caught up"
        if v.is_observer:
            subject, why = f"broker {v.replica_id}", "its metadata (topics, leaders, configs) is stale"
        else:
            subject, why = f"controller {v.replica_id}", "it cannot take over as leader until it catches up"
        detail = (f"{behind:,} records behind the high watermark {q.high_watermark:,} of leader {q.leader_id}; "
                  f"{fetch}, {caught}; {why}")
        out.append(Finding("quorum_follower_lag", WARNING, subject, detail, broker=v.replica_id))
    return out


# --------------------------------------------------------------------------- config drift


def per_node(key: str) -> bool:
    return key in PER_NODE_KEYS or key.startswith(PER_NODE_PREFIXES)


def drifted(broker_configs: Mapping[int, Mapping[str, str | None]]) -> dict[str, list[tuple[str | None, list[int]]]]:
    """Each drifted key (differing between brokers, per-node keys left out) with its values and
    the brokers that have each, the most common value first."""
    if len(broker_configs) < 2:
        return {}
    keys = set().union(*(set(c) for c in broker_configs.values()))
    out: dict[str, list[tuple[str | None, list[int]]]] = {}
    for key in sorted(k for k in keys if not per_node(k)):
        by_value: dict[str | None, list[int]] = defaultdict(list)
        for broker, configs in sorted(broker_configs.items()):
            by_value[configs.get(key)].append(broker)
        if len(by_value) >= 2:
            out[key] = sorted(by_value.items(), key=lambda kv: (-len(kv[1]), kv[1]))
    return out


def drift_text(values: Iterable[tuple[str | None, list[int]]]) -> str:
    """ "brokers 1,3: 15000 · broker 2: 15001" """
    return " · ".join(f"broker{'s' if len(b) > 1 else ''} {_ids(b)}: {v if v is not None else '(unset)'}"
                      for v, b in values)


def drift_findings(broker_configs: Mapping[int, Mapping[str, str | None]]) -> list[Finding]:
    """Keys whose value differs between brokers, each with who has which value."""
    return [Finding("config_drift", WARNING, key, f"differs between brokers: {drift_text(values)}")
            for key, values in drifted(broker_configs).items()]


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
    starts: dict[tuple[str, int], int | None] = {}
    for t in cluster.topics:
        starts.update(topic_starts(t))
    return starts


def topic_starts(t: Topic) -> dict[tuple[str, int], int | None]:
    """One topic's part of `log_starts`."""
    return {(t.name, p.partition): p.earliest for p in t.partitions}


def committed_below_start(earliest: Mapping[tuple[str, int], int | None], g: Group) -> Finding | None:
    """A group whose committed offsets are below their partitions' log start offsets."""
    if not any(gp.committed is not None and gp.committed < (earliest.get((gp.topic, gp.partition)) or 0)
               for gp in g.partitions):
        return None  # the common case, without sorting (every group, at every build)
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


def cluster_findings(cluster: ClusterSnapshot, memo: ClusterMemo | None = None) -> list[Finding]:
    """`other_findings`' part that needs only the cluster snapshot."""
    out: list[Finding] = []
    out.extend(memo.update(cluster).rf if memo is not None else rf_findings(cluster))
    out.extend(log_dir_findings(cluster.log_dirs, {b.id: b.host for b in cluster.brokers}))
    out.extend(reassignment_finding(r) for r in cluster.reassignments)
    out.extend(imbalance_findings(cluster, memo))
    out.extend(quorum_findings(cluster))
    if cluster.configs is not None:
        out.extend(drift_findings(cluster.configs.broker_configs))
    return out


def other_findings(cluster: ClusterSnapshot | None, groups: GroupsSnapshot | None,
                   memo: ClusterMemo | None = None) -> list[Finding]:
    """The findings that are not a partition's availability nor a group's lag status: replication
    factor below min ISR, log dirs, reassignments, leader imbalance, quorum lag, config drift,
    committed offsets below the log start (which needs both snapshots) and for partitions that are gone.
    `memo` (kept by the caller between calls) does the cluster's part again only for a new
    cluster snapshot, and then only for the topics that changed."""
    out: list[Finding] = []
    if cluster is None:
        return out
    out.extend(memo.findings(cluster) if memo is not None else cluster_findings(cluster))
    if groups is not None:
        starts = memo.update(cluster).starts if memo is not None else log_starts(cluster)
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


# --------------------------------------------------------------------------- kept between builds


@dataclass(frozen=True)
class ClusterParts:
    """The per-topic parts of the cluster-wide rules for one cluster snapshot, summed."""

    cluster: ClusterSnapshot | None = None
    topics: Mapping[str, tuple[Topic, int | None, Share, Finding | None]] = field(default_factory=dict)
    totals: Mapping[int, tuple[int, int, int, int]] = field(default_factory=dict)  # `balance`'s counts
    starts: Mapping[tuple[str, int], int | None] = field(default_factory=dict)  # `log_starts`
    rf: tuple[Finding, ...] = ()  # `rf_findings`, in topic order
    found: tuple[Finding, ...] | None = None  # `cluster_findings`, once asked for


class ClusterMemo:
    """`other_findings`' cluster part, kept between the overview's builds.

    Why (issue 14): at 30,000 partitions the leader balance, the log starts and the replication
    factors were worked out over every partition at every build of the "Needs attention" panel
    (each cluster and each groups poll): a sixth of the overview's CPU at idle (py-spy). The
    Kafka source hands an unchanged topic on as the same object (`kafka.convert.keep_unchanged`),
    so a topic that is the same object with the same min.insync.replicas as at the last build
    keeps its parts; a changed one's old share is taken out of the totals and its new one put in.
    A new groups snapshot with the same cluster snapshot reuses all of it. Exact: each part reads
    nothing but its topic (and its min ISR). Two builds may overlap (the panel's thread worker is
    not stopped when overtaken): the parts are replaced whole, never changed in place, so the
    worst case is a topic counted again.
    """

    def __init__(self) -> None:
        self._parts = ClusterParts()
        self.updated = 0  # topics counted again by the last new cluster snapshot (for tests)

    def update(self, cluster: ClusterSnapshot) -> ClusterParts:
        last = self._parts
        if cluster is last.cluster:
            return last
        topics: dict[str, tuple[Topic, int | None, Share, Finding | None]] = {}
        totals = dict(last.totals)
        starts = dict(last.starts)
        rf: list[Finding] = []
        updated = 0
        for t in cluster.topics:
            min_isr = cluster.min_isr(t.name)
            entry = last.topics.get(t.name)
            if entry is None or entry[0] is not t:
                if entry is not None:
                    _take_out(entry, totals, starts)
                share = topic_share(t)
                _add(totals, share, 1)
                starts.update(topic_starts(t))
                entry = (t, min_isr, share, rf_finding(t, min_isr))
                updated += 1
            elif entry[1] != min_isr:
                entry = (t, min_isr, entry[2], rf_finding(t, min_isr))
            topics[t.name] = entry
            if entry[3] is not None:
                rf.append(entry[3])
        for name, entry in last.topics.items():
            if name not in topics:  # deleted
                _take_out(entry, totals, starts)
        parts = ClusterParts(cluster, topics, {b: c for b, c in totals.items() if any(c)}, starts, tuple(rf))
        self._parts, self.updated = parts, updated
        return parts

    def findings(self, cluster: ClusterSnapshot) -> list[Finding]:
        """`cluster_findings(cluster)`, worked out once per cluster snapshot."""
        parts = self.update(cluster)
        if parts.found is None:
            found = tuple(cluster_findings(cluster, self))
            if self._parts is parts:
                self._parts = parts = replace(parts, found=found)
            return list(found)
        return list(parts.found)


def _take_out(entry: tuple[Topic, int | None, Share, Finding | None], totals: dict[int, tuple[int, int, int, int]],
              starts: dict[tuple[str, int], int | None]) -> None:
    """Remove a topic's kept share and log starts from the totals (it changed or was deleted)."""
    _add(totals, entry[2], -1)
    for key in topic_starts(entry[0]):
        starts.pop(key, None)
