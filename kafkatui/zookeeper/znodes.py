"""What Kafka's well-known znodes mean, in one human line each.

An operator browsing ZooKeeper sees paths like ``/brokers/topics/orders/partitions/3/state``
and a blob of JSON; this module says what that node is for and pulls out the fields that
matter ("leader 1, ISR [1,2,3]"). It works under a chroot (``/kafka/brokers/ids/1``) by
matching from the first path segment where a known Kafka layout starts.

The data comes from the cluster, so nothing here trusts it: a payload that is not the
JSON Kafka writes gives the generic meaning of the path, never an exception, and every
line passes through `decode.escape_text` before it is returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from kafkatui.decode import escape_text

_SHOWN_ITEMS = 3
"""List items spelled out in a line before the rest is summarised as '…'."""

Json = dict[str, Any]
Describer = Callable[[Sequence[str], Json | None, bytes | None], str]


def _parse_json(data: bytes | None) -> Json | None:
    """The payload as a JSON object, or None for anything else (binary, arrays, junk)."""
    if not data:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _text(data: bytes | None) -> str | None:
    if not data:
        return None
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None


def _ms_time(value: Any) -> str | None:
    """Kafka's millisecond timestamps (often a JSON string) as UTC; None if not one."""
    try:
        ms = int(value)
        return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _ids(value: Any) -> str:
    """A replica list as Kafka's tools print it: [1,2,3]."""
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return str(value)


def _some(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN_ITEMS])
    return shown + (", …" if len(items) > _SHOWN_ITEMS else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- /brokers


def _broker(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    head = f"Broker {seg[2]} registration (ephemeral; gone means the broker is down)"
    if obj is None:
        return head
    parts = [f"host {obj['host']}, port {obj.get('port')}"] if obj.get("host") else []
    endpoints = obj.get("endpoints")
    if isinstance(endpoints, list) and endpoints:
        parts.append("endpoints " + " ".join(str(e) for e in endpoints))
    if obj.get("rack"):
        parts.append(f"rack {obj['rack']}")
    since = _ms_time(obj.get("timestamp"))
    if since:
        parts.append(f"registered {since}")
    return f"Broker {seg[2]} registration: " + ", ".join(parts)


def _topic_assignment(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    head = f"Partition assignment of topic {seg[2]}"
    partitions = obj.get("partitions") if obj else None
    if not isinstance(partitions, dict):
        return head
    ordered = sorted(partitions.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else -1)
    replicas = [f"p{p}={_ids(r)}" for p, r in ordered]
    line = f"{head}: {_plural(len(partitions), 'partition')}, replicas {_some(replicas)}"
    if obj and (obj.get("adding_replicas") or obj.get("removing_replicas")):
        line += "; reassignment in progress"
    return line


def _partition_state(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    head = f"Partition {seg[2]}-{seg[4]} state"
    if obj is None:
        return f"{head} (leader, ISR and epochs)"
    leader = obj.get("leader")
    leader_text = "none (offline)" if leader == -1 else str(leader)
    return (
        f"{head}: leader {leader_text}, ISR {_ids(obj.get('isr'))}, "
        f"leader epoch {obj.get('leader_epoch')}, controller epoch {obj.get('controller_epoch')}"
    )


def _brokers(seg: Sequence[str], _obj: Json | None, _data: bytes | None) -> str:
    n = len(seg)
    if n == 1:
        return "Broker registry: live brokers, topic assignments and the broker id sequence"
    if seg[1] == "ids":
        return "Live brokers: one ephemeral child per registered broker id" if n == 2 else ""
    if seg[1] == "seqid":
        return "Sequence node used to generate broker ids (broker.id.generation.enable)"
    if seg[1] == "topics" and n == 2:
        return "Topics: one child per topic with its partition assignment"
    if seg[1] == "topics" and n == 4 and seg[3] == "partitions":
        return f"Partitions of topic {seg[2]}"
    if seg[1] == "topics" and n == 5 and seg[3] == "partitions":
        return f"Partition {seg[2]}-{seg[4]}"
    return ""


# --------------------------------------------------------------------------- controller


def _controller(_seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    if obj is None or "brokerid" not in obj:
        return "Active controller (ephemeral; the broker that holds it runs the cluster)"
    since = _ms_time(obj.get("timestamp"))
    line = f"Active controller: broker {obj['brokerid']}" + (f" (since {since})" if since else "")
    kraft_epoch = obj.get("kraftControllerEpoch")
    if isinstance(kraft_epoch, int) and kraft_epoch >= 0:
        line += f"; a KRaft controller during ZooKeeper migration, epoch {kraft_epoch}"
    return line


def _controller_epoch(_seg: Sequence[str], _obj: Json | None, data: bytes | None) -> str:
    epoch = _text(data)
    head = "Controller epoch: bumped on every controller election"
    return f"{head}; now {epoch}" if epoch and epoch.isdigit() else head


# --------------------------------------------------------------------------- /config


def _config_overrides(obj: Json | None) -> str:
    config = obj.get("config") if obj else None
    if not isinstance(config, dict):
        return ""
    if not config:
        return ": none"
    pairs = [f"{k}={v}" for k, v in sorted(config.items())]
    return ": " + _some(pairs)


_CONFIG_ENTITIES = {
    "topics": "topic",
    "brokers": "broker",
    "clients": "client id",
    "users": "user",
    "ips": "IP",
}


def _config_entity(kind: str, name: str) -> str:
    if kind == "brokers" and name == "<default>":
        return "Cluster-wide default broker config overrides"
    if kind in ("clients", "users") and name == "<default>":
        return f"Default {_CONFIG_ENTITIES[kind]} quota overrides"
    label = "Config overrides" if kind in ("topics", "brokers") else "Quota overrides"
    return f"{label} for {_CONFIG_ENTITIES[kind]} {name}"


def _config(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    n = len(seg)
    if n == 1:
        return "Dynamic config overrides (topics, brokers, clients, users, IPs)"
    kind = seg[1]
    if kind == "changes":
        if n == 2:
            return "Config change notifications: brokers watch this to apply dynamic config"
        entity = obj.get("entity_path") if obj else None
        return f"Config change notification for {entity}" if entity else "Config change notification"
    if kind not in _CONFIG_ENTITIES:
        return ""
    if n == 2:
        return f"Dynamic config overrides per {_CONFIG_ENTITIES[kind]}"
    return _config_entity(kind, "/".join(seg[2:])) + _config_overrides(obj)


# --------------------------------------------------------------------------- /admin


def _partition_list(obj: Json | None) -> list[str]:
    partitions = obj.get("partitions") if obj else None
    if not isinstance(partitions, list):
        return []
    out = []
    for p in partitions:
        if isinstance(p, dict):
            replicas = f"→{_ids(p['replicas'])}" if "replicas" in p else ""
            out.append(f"{p.get('topic')}-{p.get('partition')}{replicas}")
    return out


def _admin(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    n = len(seg)
    if n == 1:
        return "Admin requests: topic deletion, reassignment, preferred leader election"
    kind = seg[1]
    if kind == "delete_topics":
        return "Topics queued for deletion" if n == 2 else f"Topic {seg[2]} is queued for deletion"
    listed = _partition_list(obj)
    suffix = f": {_plural(len(listed), 'partition')}, {_some(listed)}" if listed else ""
    if kind == "reassign_partitions":
        return "Partition reassignment in progress" + suffix
    if kind == "preferred_replica_election":
        return "Preferred leader election in progress" + suffix
    return ""


# --------------------------------------------------------------------------- notifications, ids


def _isr_change(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    if len(seg) == 1:
        return "ISR change notifications: brokers tell the controller an ISR changed"
    listed = _partition_list(obj)
    return "ISR change notification" + (f" for {_some(listed)}" if listed else "")


def _log_dir_event(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    if len(seg) == 1:
        return "Log dir event notifications: brokers report failed log directories"
    broker = obj.get("broker") if obj else None
    return "Log dir failure notification" + (f" from broker {broker}" if broker is not None else "")


def _cluster(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    if len(seg) == 1:
        return "Cluster metadata"
    if seg[1] != "id":
        return ""
    cluster_id = obj.get("id") if obj else None
    return f"Cluster id: {cluster_id}" if cluster_id else "Cluster id"


def _consumers(seg: Sequence[str], _obj: Json | None, data: bytes | None) -> str:
    if len(seg) == 1:
        return "Old ZooKeeper-based consumer groups (Kafka < 0.9; groups now live in __consumer_offsets)"
    head = f"Old ZooKeeper-based consumer group {seg[1]}"
    if len(seg) == 5 and seg[2] == "offsets":
        offset = _text(data)
        shown = f" at {offset}" if offset and offset.isdigit() else ""
        return f"{head}: committed offset of {seg[3]}-{seg[4]}{shown}"
    return head


def _producer_ids(_seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    head = "Latest producer id block handed to a broker"
    if obj is None or "block_start" not in obj:
        return head
    return f"{head}: {obj.get('block_start')}-{obj.get('block_end')} to broker {obj.get('broker')}"


def _feature(_seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    head = "Cluster feature flags (finalized features)"
    if obj is None:
        return head
    status = {0: "disabled", 1: "enabled"}.get(obj.get("status"), "status unknown")
    features = obj.get("features")
    names = sorted(features) if isinstance(features, dict) else []
    return f"{head}: {status}" + (f", {_some(names)}" if names else ", none finalized")


def _zookeeper(_seg: Sequence[str], _obj: Json | None, _data: bytes | None) -> str:
    return "ZooKeeper's own node (quotas, config), not Kafka's"


def _acl(seg: Sequence[str], obj: Json | None, _data: bytes | None) -> str:
    if seg[0].endswith("-changes"):
        return "ACL change notifications: brokers reload ACLs from here"
    extended = seg[0] == "kafka-acl-extended"
    pattern = f"{seg[1].capitalize()} " if extended and len(seg) > 1 else ""
    rest = seg[2:] if extended else seg[1:]
    if len(rest) < 2:
        kind = f" on {rest[0]} resources" if rest else ""
        return f"{pattern or 'Literal '}ACLs{kind} (kafka.security.authorizer.AclAuthorizer)"
    acls = obj.get("acls") if obj else None
    count = f": {_plural(len(acls), 'ACL')}" if isinstance(acls, list) else ""
    return f"{pattern}ACLs for {rest[0]} {'/'.join(rest[1:])}{count}"


def _migration(_seg: Sequence[str], _obj: Json | None, _data: bytes | None) -> str:
    return "ZooKeeper to KRaft migration state"


def _delegation_token(_seg: Sequence[str], _obj: Json | None, _data: bytes | None) -> str:
    return "Delegation tokens"


# --------------------------------------------------------------------------- dispatch


def _brokers_dispatch(seg: Sequence[str], obj: Json | None, data: bytes | None) -> str:
    if len(seg) == 3 and seg[1] == "ids":
        return _broker(seg, obj, data)
    if len(seg) == 3 and seg[1] == "topics":
        return _topic_assignment(seg, obj, data)
    if len(seg) == 6 and seg[1] == "topics" and seg[3] == "partitions" and seg[5] == "state":
        return _partition_state(seg, obj, data)
    return _brokers(seg, obj, data)


_ANCHORS: dict[str, Describer] = {
    "brokers": _brokers_dispatch,
    "controller": _controller,
    "controller_epoch": _controller_epoch,
    "config": _config,
    "admin": _admin,
    "isr_change_notification": _isr_change,
    "log_dir_event_notification": _log_dir_event,
    "cluster": _cluster,
    "consumers": _consumers,
    "latest_producer_id_block": _producer_ids,
    "feature": _feature,
    "zookeeper": _zookeeper,
    "kafka-acl": _acl,
    "kafka-acl-changes": _acl,
    "kafka-acl-extended": _acl,
    "kafka-acl-extended-changes": _acl,
    "migration": _migration,
    "delegation_token": _delegation_token,
}

_LEAF_ANCHORS = {"controller", "controller_epoch", "latest_producer_id_block", "feature", "migration"}
"""Anchors that are single nodes: they only match as the last segment of a path."""


def _match(seg: Sequence[str], data: bytes | None) -> str:
    describe = _ANCHORS[seg[0]]
    try:
        return describe(seg, _parse_json(data), data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return describe(seg, None, None)


def describe_znode(path: str, data: bytes | None = None) -> str:
    """One terminal-safe line saying what Kafka keeps at `path`; "" for unknown nodes."""
    segments = [s for s in path.split("/") if s]
    for i, name in enumerate(segments):
        if name not in _ANCHORS:
            continue
        rest = segments[i:]
        if name in _LEAF_ANCHORS and len(rest) > 1:
            continue
        line = _match(rest, data)
        if line:
            return escape_text(line)
    return ""
