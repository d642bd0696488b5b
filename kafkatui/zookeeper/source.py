"""ZooKeeper source: session state, server stats and a lazily browsed znode tree, read-only.

This module owns the one long-lived kazoo client, its session state and the snapshots handed to
the UI. Beside it: zookeeper_readonly (the read-only facade, the only view of ZooKeeper the
rest of kafkatui gets), zookeeper_stats (`srvr`/`mntr` four-letter words and their parsing) and
zookeeper_nodes (znode paths, stats and meaning, no I/O).

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
import threading
import time
from collections.abc import Iterable

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.protocol.states import KazooState
from kazoo.retry import KazooRetry

from kafkatui.config import ZkSecurity
from kafkatui.model import (
    NotFoundError,
    SourceError,
    UnreachableError,
    ZkServerStats,
    ZkSnapshot,
    ZkState,
    ZNode,
    ZStat,
)
from kafkatui.zookeeper.nodes import controller_id, describe, to_zstat
from kafkatui.zookeeper.readonly import SOURCE, ReadOnlyZk
from kafkatui.zookeeper.stats import four_letter_word, server_stats, split_hosts

# kazoo logs every dropped connection; with no handler configured Python's last-resort handler
# would print that to stderr, which is where Textual draws. Records still reach any handler the
# app installs on the root logger.
logging.getLogger("kazoo").addHandler(logging.NullHandler())
DATA_CAP_BYTES = 256 * 1024  # what node() keeps of a znode's data; ZooKeeper allows ~1 MB
CONTROLLER_PATH = "/controller"  # {"version":..,"brokerid":N,"timestamp":".."} while a broker is controller
RETRY_MAX_DELAY_S = 5.0  # slowest reconnect attempt interval once ZooKeeper has gone away


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

    def __init__(self, hosts: str, timeout_s: float = 4.0, security: ZkSecurity | None = None) -> None:
        self.hosts = hosts
        self.timeout_s = timeout_s
        self._security = security or ZkSecurity()
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
            raise UnreachableError(SOURCE, f"cannot reach {self.hosts} within {self.timeout_s:g} s")

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
        client = KazooClient(hosts=self.hosts, timeout=self.timeout_s, connection_retry=retry,
                             **self._security.kazoo_kwargs())
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
            raise UnreachableError(SOURCE, f"not connected to {self.hosts} (session {self._state.value})")
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
        controller, read = self._controller()
        return ZkSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - began,
            state=self._state,
            hosts=self.hosts,
            server=stats,
            controller_id=controller,
            controller_read=read,
        )

    def _controller(self) -> tuple[int | None, bool]:
        """(broker id in /controller, whether it was read): one small read per refresh, for the
        controller checks of kafkatui.health.controller. Absent: (None, True), no controller now.
        Not connected, or not a Kafka ZooKeeper: (None, False), nothing is claimed."""
        try:
            data, _stat = self._reader().get(CONTROLLER_PATH)
        except NotFoundError:
            return None, True
        except SourceError:
            return None, False
        return controller_id(data), True

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
                srvr = four_letter_word(host, port, "srvr", budget, self._security)
            except OSError as exc:
                errors.append(f"{where} {exc.strerror or exc}")
                continue
            try:
                mntr: str | None = four_letter_word(host, port, "mntr", budget, self._security)
            except OSError:
                mntr = None  # srvr answered; show what it gave rather than nothing
            self._first = index
            return server_stats(srvr, mntr, host=where)
        raise UnreachableError(SOURCE, f"cannot reach {self.hosts}: {'; '.join(errors) or 'no hosts'}")

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
