"""The JSON document of `kafkatui snapshot --json`, built from snapshots by pure functions.

The shape is a contract (documented in the README); keep it stable. Ordering is
deterministic: brokers by id, topics by name, partitions by id, groups by id, members by
client id, processes by pid. Unknown values are `null`, never guessed.

    {
      "cluster":    {"id", "controller", "mode": "zookeeper"|"kraft", "quorum": {...}|null, "errors": [str]},
      "brokers":    [{"id", "host", "port", "rack",
                      "log_dirs": [{"path", "total_bytes", "usable_bytes", "error"}]}],
      "topics":     [{"name", "internal", "partitions": [{"partition", "leader", "replicas", "isr",
                      "offline_replicas", "earliest", "latest", "messages", "size_bytes"}],
                      "messages", "under_replicated"}],
      "groups":     [{"id", "state", "protocol_type", "members": [{"client_id", "host", "assignments"}],
                      "partitions": [{"topic", "partition", "committed", "latest", "lag", "lag_seconds",
                                      "lag_seconds_note"}],
                      "total_lag", "lag_seconds", "lag_seconds_note",
                      "catch_up": {"state", "eta_seconds", "consume_per_s", "produce_per_s", "reason"},
                      "status", "status_reason"}] | null,
      "zookeeper":  {"connected", "state", "hosts", "server": {...}|null} | null,
      "processes":  [{"pid", "role", "broker_id", "cpu", "rss", "threads", "ports", "user", "xmx",
                      "log_dirs"}] | null,
      "timing":     {"kafka", "groups", "zookeeper", "processes"},  # seconds, null if not run
      "attention":  [{"kind", "severity": "critical"|"warning", "subject", "detail"}]  # worst first
    }
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from kafkatui.health.rules import findings
from kafkatui.model import (
    CatchUp,
    ClusterSnapshot,
    Group,
    GroupsSnapshot,
    JvmProcess,
    LogDir,
    Partition,
    ProcessesSnapshot,
    Quorum,
    QuorumVoter,
    SecuritySnapshot,
    Topic,
    ZkSnapshot,
    ZkState,
)

TIMING_KEYS = ("kafka", "groups", "zookeeper", "processes")


def _voter(v: QuorumVoter) -> dict[str, Any]:
    return {
        "replica_id": v.replica_id,
        "log_end_offset": v.log_end_offset,
        "lag": v.lag,
        "last_fetch_ms_ago": v.last_fetch_ms_ago,
        "last_caught_up_ms_ago": v.last_caught_up_ms_ago,
        "leader": v.is_leader,
    }


def quorum_json(quorum: Quorum | None) -> dict[str, Any] | None:
    if quorum is None:
        return None
    return {
        "leader_id": quorum.leader_id,
        "leader_epoch": quorum.leader_epoch,
        "high_watermark": quorum.high_watermark,
        "voters": [_voter(v) for v in sorted(quorum.voters, key=lambda v: v.replica_id)],
        "observers": [_voter(v) for v in sorted(quorum.observers, key=lambda v: v.replica_id)],
    }


def partition_json(p: Partition) -> dict[str, Any]:
    return {
        "partition": p.partition,
        "leader": p.leader,
        "replicas": list(p.replicas),
        "isr": list(p.isr),
        "offline_replicas": list(p.offline_replicas),
        "earliest": p.earliest,
        "latest": p.latest,
        "messages": p.messages,
        "size_bytes": p.size_bytes,
    }


def topic_json(t: Topic) -> dict[str, Any]:
    return {
        "name": t.name,
        "internal": t.internal,
        "partitions": [partition_json(p) for p in sorted(t.partitions, key=lambda p: p.partition)],
        "messages": t.messages,
        "under_replicated": t.under_replicated,
    }


def group_json(g: Group) -> dict[str, Any]:
    members = sorted(g.members, key=lambda m: (m.client_id, m.member_id))
    return {
        "id": g.id,
        "state": g.state,
        "protocol_type": g.protocol_type,
        "members": [
            {
                "client_id": m.client_id,
                "host": m.host,
                "assignments": [{"topic": t, "partition": p} for t, p in sorted(m.assignments)],
            }
            for m in members
        ],
        "partitions": [
            {"topic": p.topic, "partition": p.partition, "committed": p.committed, "latest": p.latest, "lag": p.lag,
             "lag_seconds": _rounded(p.lag_seconds), "lag_seconds_note": p.lag_time_note}
            for p in sorted(g.partitions, key=lambda p: (p.topic, p.partition))
        ],
        "total_lag": g.total_lag,  # null when no partition's lag is known
        "lag_seconds": _rounded(g.lag_seconds),  # null when no lagging partition's timestamp is known
        "lag_seconds_note": g.lag_time_note,
        "catch_up": catch_up_json(g.catch_up),
        "status": g.status.value,
        "status_reason": g.status_reason,
    }


def _rounded(value: float | None) -> float | None:
    """Seconds or rates to the millisecond: more digits only look precise."""
    return round(value, 3) if value is not None else None


def catch_up_json(c: CatchUp | None) -> dict[str, Any]:
    if c is None:
        return {"state": "unknown", "eta_seconds": None, "consume_per_s": None, "produce_per_s": None,
                "reason": "not computed"}
    return {"state": c.state, "eta_seconds": _rounded(c.eta_s), "consume_per_s": _rounded(c.consume_per_s),
            "produce_per_s": _rounded(c.produce_per_s), "reason": c.reason}


def zookeeper_json(zk: ZkSnapshot | None) -> dict[str, Any] | None:
    if zk is None:
        return None
    server = None
    if zk.server is not None:
        server = asdict(zk.server)
        server["missing_whitelist"] = list(zk.server.missing_whitelist)
    return {
        "connected": zk.state is ZkState.CONNECTED,
        "state": zk.state.value,
        "hosts": zk.hosts,
        "server": server,
        "controller": zk.controller_id,
    }


def process_json(p: JvmProcess) -> dict[str, Any]:
    return {
        "pid": p.pid,
        "role": p.role,
        "broker_id": p.broker_id,
        "cpu": p.cpu_percent,
        "rss": p.rss_bytes,
        "threads": p.threads,
        "ports": sorted(p.ports),
        "user": p.user,
        "xmx": p.xmx,
        "log_dirs": [
            {"path": d.path, "used_bytes": d.used_bytes, "free_bytes": d.free_bytes, "total_bytes": d.total_bytes}
            for d in sorted(p.log_dirs, key=lambda d: d.path)
        ],
    }


def log_dir_json(d: LogDir) -> dict[str, Any]:
    """One log dir as its broker reports it (DescribeLogDirs); sizes null before Kafka 3.3."""
    return {"path": d.path, "total_bytes": d.total_bytes, "usable_bytes": d.usable_bytes, "error": d.error}


def broker_json(cluster: ClusterSnapshot, broker_id: int, host: str, port: int, rack: str | None) -> dict[str, Any]:
    dirs = sorted((d for d in cluster.log_dirs if d.broker_id == broker_id), key=lambda d: d.path)
    return {"id": broker_id, "host": host, "port": port, "rack": rack, "log_dirs": [log_dir_json(d) for d in dirs]}


def timing_json(
    cluster: ClusterSnapshot,
    groups: GroupsSnapshot | None,
    zookeeper: ZkSnapshot | None,
    processes: ProcessesSnapshot | None,
    timing: Mapping[str, float],
) -> dict[str, float | None]:
    """Seconds per source: what the caller measured, else the snapshot's own duration."""
    derived: dict[str, float | None] = {
        "kafka": cluster.duration_s,
        "groups": groups.duration_s if groups is not None else None,
        "zookeeper": zookeeper.duration_s if zookeeper is not None else None,
        "processes": processes.duration_s if processes is not None else None,
    }
    derived.update({k: v for k, v in timing.items() if k in TIMING_KEYS})
    return {k: (round(float(v), 4) if v is not None else None) for k in TIMING_KEYS for v in [derived.get(k)]}


def build_document(
    cluster: ClusterSnapshot,
    groups: GroupsSnapshot | None,
    zookeeper: ZkSnapshot | None,
    processes: ProcessesSnapshot | None,
    timing: Mapping[str, float],
    security: SecuritySnapshot | str | None = None,
) -> dict[str, Any]:
    """The whole `snapshot --json` document; `json.dumps` of it is stable for equal input."""
    errors = list(cluster.errors)
    denied = list(cluster.denied)
    if groups is not None:
        errors.extend(f"groups: {e}" for e in groups.errors)
        denied.extend(f"groups: {e}" for e in groups.denied)
    return {
        "cluster": {
            "id": cluster.cluster_id,
            "controller": cluster.controller_id,
            "mode": "kraft" if cluster.kraft else "zookeeper",
            "quorum": quorum_json(cluster.quorum),
            "errors": errors,
            "denied": denied,  # what this principal may not read (not authorized): not errors
        },
        "brokers": [
            broker_json(cluster, b.id, b.host, b.port, b.rack) for b in sorted(cluster.brokers, key=lambda b: b.id)
        ],
        "topics": [topic_json(t) for t in sorted(cluster.topics, key=lambda t: t.name)],
        "groups": [group_json(g) for g in sorted(groups.groups, key=lambda g: g.id)] if groups is not None else None,
        "zookeeper": zookeeper_json(zookeeper),
        "processes": [process_json(p) for p in sorted(processes.processes, key=lambda p: p.pid)]
        if processes is not None
        else None,
        "timing": timing_json(cluster, groups, zookeeper, processes, timing),
        "attention": [f.as_json() for f in findings(cluster, groups)],
        "security": security_json(security),
    }


def security_json(security: SecuritySnapshot | str | None) -> dict[str, Any] | None:
    """ACLs, quotas and SCRAM users, each a list; `unavailable` names why a part is missing
    (None: not asked; a str: why the whole round failed)."""
    if security is None:
        return None
    if isinstance(security, str):
        return {"acls": [], "quotas": [], "scram_users": [], "unavailable": dict.fromkeys(
            ("acls", "quotas", "scram_users"), security)}
    return {
        "acls": [
            {"principal": a.principal, "host": a.host, "operation": a.operation, "permission": a.permission,
             "resource_type": a.resource_type, "resource_name": a.resource_name, "pattern_type": a.pattern_type}
            for a in security.acls or ()
        ],
        "quotas": [
            {"entity": [{"type": t, "name": n} for t, n in q.entity], "values": dict(q.values)}
            for q in security.quotas or ()
        ],
        "scram_users": [
            {"name": u.name, "mechanisms": [{"mechanism": m, "iterations": i} for m, i in u.mechanisms]}
            for u in security.scram_users or ()
        ],
        "unavailable": dict(security.unavailable),
    }
