"""ZooKeeper source: session state, server stats and a lazily browsed znode tree, read-only.

Why it looks like this:

- kazoo's `read_only=True` only means "may talk to a read-only server"; it blocks no writes.
  So the rest of kafkatui never sees a KazooClient: it sees `ReadOnlyZk`, a facade with the
  four read calls and nothing else, and `ZooKeeperSource`, which hands out frozen snapshots.
- One long-lived client per source. kazoo reconnects by itself under a `KazooRetry` connection
  policy with a bounded `max_delay`, so a restarted ZooKeeper is picked up without a new source;
  a state listener mirrors the session state into `ZooKeeperSource.state` for the header.
- Server stats come from the `srvr` and `mntr` four-letter words over a raw socket with a
  timeout, not `KazooClient.command`, because a raw socket still answers while the session is
  suspended and never queues behind the session's requests.
- Every call is bounded: kazoo's async API plus `.get(timeout=...)`; every failure becomes one
  `SourceError("zookeeper", ...)` the UI can show next to stale data.

`refresh()` raises SourceError when no ZooKeeper server answers `srvr` (the UI keeps the last
snapshot, marked stale, and can still read `state` without I/O). When a server answers but the
session is not (yet) connected, the snapshot carries that state together with fresh stats.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, NoNodeError
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import KazooState, ZnodeStat
from kazoo.retry import KazooRetry

from kafkatui.model import SourceError, ZkServerStats, ZkSnapshot, ZkState, ZNode, ZStat

try:  # written by another module owner; the source must work before (or without) it
    from kafkatui.znodes import describe_znode as _describe_znode
except ImportError:  # pragma: no cover - only while kafkatui.znodes does not exist yet
    _describe_znode = None

SOURCE = "zookeeper"

# kazoo logs every dropped connection; with no handler configured Python's last-resort handler
# would print that to stderr, which is where Textual draws. Records still reach any handler the
# app installs on the root logger.
logging.getLogger("kazoo").addHandler(logging.NullHandler())
DATA_CAP_BYTES = 256 * 1024  # what node() keeps of a znode's data; ZooKeeper allows ~1 MB
FOUR_LETTER_REPLY_CAP = 256 * 1024  # a `mntr` reply is ~2 KB; never read unbounded
STATS_BATCH = 50  # exists_async requests in flight at once in stats()
RETRY_MAX_DELAY_S = 5.0  # slowest reconnect attempt interval once ZooKeeper has gone away
DEFAULT_PORT = 2181


# --------------------------------------------------------------------------- pure helpers


def split_hosts(hosts: str) -> list[tuple[str, int]]:
    """`host:port[,host:port...][/chroot]` -> [(host, port)], the way kazoo reads it.

    IPv6 literals come bracketed (`[::1]:2181`); a missing port means 2181.
    """
    servers: list[tuple[str, int]] = []
    for part in hosts.split("/", 1)[0].split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("["):
            host, _, rest = part[1:].partition("]")
            port = rest.lstrip(":")
        else:
            host, _, port = part.rpartition(":") if ":" in part else (part, "", "")
        servers.append((host, int(port) if port.isdigit() else DEFAULT_PORT))
    return servers


def child_path(parent: str, name: str) -> str:
    """Join a znode path and a child name without doubling the root slash."""
    return f"{parent.rstrip('/')}/{name}"


def not_whitelisted(reply: str, command: str) -> bool:
    """True for ZooKeeper's refusal text, e.g. 'mntr is not executed because it is not in the whitelist.'

    The refusal arrives as an ordinary reply, so without this check it would be parsed as data.
    """
    return reply.strip().startswith(f"{command} is not executed because it is not in the whitelist")


def parse_srvr(reply: str) -> dict[str, str]:
    """`srvr` reply -> {label: value}, e.g. {'Mode': 'standalone', 'Node count': '5'}."""
    fields: dict[str, str] = {}
    for line in reply.splitlines():
        label, sep, value = line.partition(":")
        if sep:
            fields[label.strip()] = value.strip()
    return fields


def parse_mntr(reply: str) -> dict[str, str]:
    """`mntr` reply (tab-separated `zk_key value` lines) -> {key: value}."""
    fields: dict[str, str] = {}
    for line in reply.splitlines():
        key, sep, value = line.partition("\t")
        if sep and key.startswith("zk_"):
            fields[key.strip()] = value.strip()
    return fields


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        try:
            return int(float(value))  # some versions print counters as "12.0"
        except (TypeError, ValueError):
            return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _short_version(value: str | None) -> str | None:
    """'3.8.4-9316c2a..., built on 2024-02-12 22:16 UTC' -> '3.8.4-9316c2a...'."""
    return value.split(",", 1)[0].strip() if value else None


def _srvr_latency(srvr: dict[str, str]) -> tuple[float | None, float | None, float | None]:
    parts = srvr.get("Latency min/avg/max", "").split("/")
    if len(parts) != 3:
        return None, None, None
    low, avg, high = (_float(p) for p in parts)
    return low, avg, high


NOT_SERVING = "This ZooKeeper instance is not currently serving requests"


def server_stats(srvr_reply: str | None, mntr_reply: str | None, host: str | None = None) -> ZkServerStats:
    """Combine the two replies into ZkServerStats; `mntr` wins where both know a value.

    A reply of None means the command was not asked or got no answer. A whitelist refusal is
    recorded in `missing_whitelist` and contributes no data.
    """
    missing: list[str] = []
    srvr: dict[str, str] = {}
    mntr: dict[str, str] = {}
    not_serving = False
    for command, reply in (("srvr", srvr_reply), ("mntr", mntr_reply)):
        if reply is None:
            continue
        if not_whitelisted(reply, command):
            missing.append(command)
        elif reply.strip().startswith(NOT_SERVING):
            not_serving = True
        elif command == "srvr":
            srvr = parse_srvr(reply)
        else:
            mntr = parse_mntr(reply)
    low, avg, high = _srvr_latency(srvr)
    mode = mntr.get("zk_server_state") or srvr.get("Mode") or ("not serving requests" if not_serving else None)
    return ZkServerStats(
        version=_short_version(mntr.get("zk_version") or srvr.get("Zookeeper version")),
        mode=mode,
        latency_min_ms=_float(mntr.get("zk_min_latency")) if "zk_min_latency" in mntr else low,
        latency_avg_ms=_float(mntr.get("zk_avg_latency")) if "zk_avg_latency" in mntr else avg,
        latency_max_ms=_float(mntr.get("zk_max_latency")) if "zk_max_latency" in mntr else high,
        znode_count=_int(mntr.get("zk_znode_count") or srvr.get("Node count")),
        connections=_int(mntr.get("zk_num_alive_connections") or srvr.get("Connections")),
        outstanding_requests=_int(mntr.get("zk_outstanding_requests") or srvr.get("Outstanding")),
        watch_count=_int(mntr.get("zk_watch_count")),
        ephemerals_count=_int(mntr.get("zk_ephemerals_count")),
        approximate_data_size=_int(mntr.get("zk_approximate_data_size")),
        zxid=srvr.get("Zxid"),
        missing_whitelist=tuple(missing),
        host=host,
    )


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
    """What Kafka uses this znode for, via kafkatui.znodes; '' if unknown or that module fails.

    The description is decoration: a bug in it must not cost the operator the node's data.
    """
    if _describe_znode is None:
        return ""
    try:
        return _describe_znode(path, data)
    except Exception:
        return ""


# --------------------------------------------------------------------------- four-letter words


def four_letter_word(host: str, port: int, command: str, timeout_s: float) -> str:
    """Send one four-letter word on a fresh socket and read the reply to EOF, bounded in time and size."""
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    received = 0
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.sendall(command.encode("ascii"))
        while received < FOUR_LETTER_REPLY_CAP:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{command} reply took longer than {timeout_s:g} s")
            sock.settimeout(remaining)
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


# --------------------------------------------------------------------------- read-only facade


class ReadOnlyZk:
    """The only view of ZooKeeper the rest of kafkatui gets: reads, each with a timeout.

    It holds the KazooClient privately and has no method that writes, so read-only is a property
    of the type rather than a promise of its callers. Every kazoo failure becomes SourceError.
    """

    __slots__ = ("_client", "_timeout_s")

    def __init__(self, client: KazooClient, timeout_s: float) -> None:
        self._client = client
        self._timeout_s = timeout_s

    def get(self, path: str) -> tuple[bytes, ZnodeStat]:
        """Data and Stat of `path`; SourceError if it does not exist."""
        data, stat = self._wait(lambda: self._client.get_async(path), path, "reading")
        return (data or b""), stat

    def get_children(self, path: str) -> list[str]:
        """Child names of `path` (no data, no stats)."""
        return self._wait(lambda: self._client.get_children_async(path), path, "listing")

    def exists(self, path: str) -> ZnodeStat | None:
        """Stat of `path`, or None when it does not exist."""
        return self._wait(lambda: self._client.exists_async(path), path, "checking")

    def get_acls(self, path: str) -> tuple[list[Any], ZnodeStat]:
        """ACL list and Stat of `path`."""
        return self._wait(lambda: self._client.get_acls_async(path), path, "reading ACLs of")

    def exists_many(self, paths: Sequence[str], batch: int = STATS_BATCH) -> dict[str, ZnodeStat | None]:
        """Stat (or None) of each path, `batch` requests in flight at a time, one overall deadline."""
        deadline = time.monotonic() + self._timeout_s
        found: dict[str, ZnodeStat | None] = {}
        for start in range(0, len(paths), batch):
            chunk = paths[start : start + batch]
            pending = [(p, self._call(lambda p=p: self._client.exists_async(p), p, "checking")) for p in chunk]
            for path, result in pending:
                remaining = max(0.001, deadline - time.monotonic())
                found[path] = self._result(result, path, "checking", remaining)
        return found

    # -- internals

    def _wait(self, start: Callable[[], Any], path: str, what: str) -> Any:
        return self._result(self._call(start, path, what), path, what, self._timeout_s)

    @staticmethod
    def _call(start: Callable[[], Any], path: str, what: str) -> Any:
        try:
            return start()
        except (KazooException, ValueError, TypeError) as exc:  # bad path, closed client
            raise SourceError(SOURCE, f"{what} {path} failed: {exc or type(exc).__name__}") from None

    @staticmethod
    def _result(result: Any, path: str, what: str, timeout_s: float) -> Any:
        try:
            return result.get(timeout=timeout_s)
        except NoNodeError:
            raise SourceError(SOURCE, f"node {path} no longer exists") from None
        except KazooTimeoutError:
            raise SourceError(SOURCE, f"{what} {path} timed out after {timeout_s:.3g} s") from None
        except (KazooException, ValueError, TypeError) as exc:
            raise SourceError(SOURCE, f"{what} {path} failed: {type(exc).__name__} {exc}".rstrip()) from None


# --------------------------------------------------------------------------- the source

_STATE_MAP = {
    KazooState.CONNECTED: ZkState.CONNECTED,
    KazooState.SUSPENDED: ZkState.SUSPENDED,
    KazooState.LOST: ZkState.LOST,
}


class ZooKeeperSource:
    """One ZooKeeper connection for the whole app, created lazily in the first worker that needs it.

    `state` is always cheap (no I/O) so the header can show it even while a refresh fails.
    Not connected -> node()/children()/stats() fail fast with SourceError instead of queueing
    behind a dead session; kazoo keeps reconnecting in the background.
    """

    def __init__(self, hosts: str, timeout_s: float = 4.0) -> None:
        self.hosts = hosts
        self.timeout_s = timeout_s
        self._servers = split_hosts(hosts)
        self._first = 0  # index of the server asked first for stats: the last one that answered
        self._lock = threading.Lock()
        self._client: KazooClient | None = None
        self._zk: ReadOnlyZk | None = None
        self._live: threading.Event | None = None
        self._state = ZkState.CONNECTING
        self._closed = False

    # -- lifecycle

    @property
    def state(self) -> ZkState:
        """The session state as kazoo last reported it (CONNECTING until the first connect)."""
        return self._state

    @property
    def session_id(self) -> int | None:
        """The ZooKeeper session id while connected (shown as 0x... by ZooKeeper tools), else None."""
        client = self._client
        if client is None or self._state is not ZkState.CONNECTED:
            return None
        try:
            return client.client_id[0] if client.client_id else None
        except (AttributeError, TypeError):
            return None

    def start(self) -> None:
        """Connect, waiting at most `timeout_s`; kazoo keeps retrying in the background on failure."""
        live = self._ensure_client()
        if not live.wait(self.timeout_s):
            raise SourceError(SOURCE, f"cannot reach {self.hosts} within {self.timeout_s:g} s")

    def close(self) -> None:
        """Stop reconnecting and close the socket; the source is unusable afterwards."""
        with self._lock:
            self._closed = True
            client, self._client, self._zk = self._client, None, None
        if client is not None:
            client.remove_listener(self._on_state)
            try:
                client.stop()
                client.close()
            except KazooException:
                pass  # closing a half-dead client: nothing left to report
        self._state = ZkState.CLOSED

    def _ensure_client(self) -> threading.Event:
        with self._lock:
            if self._closed:
                raise SourceError(SOURCE, "source is closed")
            if self._client is None or self._live is None:
                self._client = self._new_client()
                self._zk = ReadOnlyZk(self._client, self.timeout_s)
                self._live = self._client.start_async()
            return self._live

    def _new_client(self) -> KazooClient:
        retry = KazooRetry(max_tries=-1, delay=0.2, backoff=2, max_delay=RETRY_MAX_DELAY_S)
        client = KazooClient(hosts=self.hosts, timeout=self.timeout_s, connection_retry=retry)
        client.add_listener(self._on_state)
        return client

    def _on_state(self, state: str) -> None:
        """kazoo's listener, on its connection thread: record only, never block."""
        if not self._closed:
            self._state = _STATE_MAP.get(state, self._state)

    def _reader(self) -> ReadOnlyZk:
        """The facade, after a first connect attempt; fails fast while the session is down."""
        if self._client is None:
            self.start()
        zk = self._zk
        if zk is None:
            raise SourceError(SOURCE, "source is closed")
        if self._state is not ZkState.CONNECTED:
            raise SourceError(SOURCE, f"not connected to {self.hosts} (session {self._state.value})")
        return zk

    # -- reads

    def refresh(self) -> ZkSnapshot:
        """Session state plus `srvr`/`mntr` stats of the first server that answers."""
        fetched_at, began = time.time(), time.monotonic()
        if self._client is None:
            self.start()
        try:
            stats = self.server_stats()
        except SourceError as exc:
            # kazoo's view of the session (SUSPENDED while the server is away, LOST once it expired)
            # costs no I/O; the UI shows it next to the last, now stale, stats.
            exc.session_state = self._state  # type: ignore[attr-defined]
            raise
        return ZkSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - began,
            state=self._state,
            hosts=self.hosts,
            server=stats,
        )

    def server_stats(self) -> ZkServerStats:
        """Ask each server in turn for `srvr` then `mntr`; SourceError when none answers.

        The server that answered last is asked first next time, so a dead or hung one costs
        its share of the timeout once, not on every refresh."""
        errors: list[str] = []
        budget = max(1.0, self.timeout_s / max(1, len(self._servers)))
        count = len(self._servers)
        for index in [(self._first + i) % count for i in range(count)]:
            host, port = self._servers[index]
            where = f"{host}:{port}"
            try:
                srvr = four_letter_word(host, port, "srvr", budget)
            except OSError as exc:
                errors.append(f"{where} {exc.strerror or exc}")
                continue
            try:
                mntr: str | None = four_letter_word(host, port, "mntr", budget)
            except OSError:
                mntr = None  # srvr answered; show what it gave rather than nothing
            self._first = index
            return server_stats(srvr, mntr, host=where)
        raise SourceError(SOURCE, f"cannot reach {self.hosts}: {'; '.join(errors) or 'no hosts'}")

    def children(self, path: str) -> tuple[str, ...]:
        """Sorted child names of `path`; no per-child data, so 10,000 children stay cheap."""
        return tuple(sorted(self._reader().get_children(path)))

    def node(self, path: str) -> ZNode:
        """Data (first DATA_CAP_BYTES), full Stat and Kafka meaning of `path`."""
        data, stat = self._reader().get(path)
        kept = data[:DATA_CAP_BYTES]
        return ZNode(
            path=path, data=kept, truncated=len(data) > len(kept), stat=to_zstat(stat), meaning=describe(path, kept)
        )

    def stats(self, paths: Iterable[str], limit: int = 200) -> dict[str, ZStat]:
        """Stat of up to `limit` paths (e.g. the visible children, for counts in a tree).

        Paths that vanished in the meantime are left out rather than failing the batch.
        """
        wanted = list(dict.fromkeys(paths))[: max(0, limit)]
        if not wanted:
            return {}
        found = self._reader().exists_many(wanted)
        return {path: to_zstat(stat) for path, stat in found.items() if stat is not None}

    def __enter__(self) -> ZooKeeperSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
