"""What the ZooKeeper source knows about znodes without any I/O: paths, stats, meaning.

Why it is its own module: these are pure, so they are tested (and used by the bench) without a
server, and nothing here imports a client, so it is trivially read-only. The Kafka meaning of a
znode comes from kafkatui.zookeeper.znodes and is decoration: `describe` keeps a bug (or absence) there
from costing the operator the node's data.
"""

from __future__ import annotations

import json

from kazoo.protocol.states import ZnodeStat

from kafkatui.model import ZStat

try:  # written by another module owner; the source must work before (or without) it
    from kafkatui.zookeeper.znodes import describe_znode as _describe_znode
except ImportError:  # pragma: no cover - only while kafkatui.zookeeper.znodes does not exist yet
    _describe_znode = None


def to_zstat(stat: ZnodeStat) -> ZStat:
    """kazoo's ZnodeStat -> the model's ZStat (times stay in epoch milliseconds)."""
    return ZStat(
        czxid=stat.czxid,
        mzxid=stat.mzxid,
        pzxid=stat.pzxid,
        ctime_ms=stat.ctime,
        mtime_ms=stat.mtime,
        version=stat.version,
        cversion=stat.cversion,
        aversion=stat.aversion,
        ephemeral_owner=stat.ephemeralOwner,
        data_length=stat.dataLength,
        num_children=stat.numChildren,
    )


def describe(path: str, data: bytes | None) -> str:
    """What Kafka uses this znode for, via kafkatui.zookeeper.znodes; '' if unknown or that module fails.

    The description is decoration: a bug in it must not cost the operator the node's data.
    """
    if _describe_znode is None:
        return ""
    try:
        return _describe_znode(path, data)
    except Exception:
        return ""


def controller_id(data: bytes | None) -> int | None:
    """The broker id in /controller's JSON ({"version":2,"brokerid":1,"timestamp":"…"}); None if
    it is not that shape (a KRaft migration's controller writes the same key)."""
    try:
        value = json.loads((data or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    broker = value.get("brokerid") if isinstance(value, dict) else None
    return broker if isinstance(broker, int) and not isinstance(broker, bool) else None
