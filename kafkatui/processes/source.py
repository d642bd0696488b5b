"""Host-process source: the Kafka and ZooKeeper JVMs running on this machine, via psutil.

This module owns discovery and the per-refresh reading of each JVM. The pure parts live beside
it: processes_jvm (what a JVM is, from its cmdline and config), processes_properties (Java
.properties parsing), processes_disk (the bounded log-dir walk) and processes_match (which
metadata broker a JVM is).

Why it looks like this:

- psutil's `cpu_percent(None)` measures since the previous call on the *same* Process object,
  so the source keeps one `psutil.Process` per (pid, create_time) across refreshes. The first
  sighting only primes the counter and reports None ("not measured yet"), never a fake 0.0.
- What cannot change while a JVM lives (cmdline, its server.properties, heap flags) is read once
  per process; what can (CPU, RSS, threads, fds) is read every refresh. Listening ports are read
  at most every PORTS_TTL_S per process (until the first are seen): `net_connections()` walks
  every fd and socket of a JVM with thousands of them, and a broker's listeners do not move.
- A JVM of another user raises AccessDenied field by field; such a field becomes None (unknown)
  and the rest of the row still shows. A process that exits mid-refresh is simply dropped.
- Log-dir usage walks the directory like `du`, but bounded in entries and cached for a while
  (USAGE_TTL_S), because a refresh runs every few seconds and must stay cheap. A walk that costs
  more is reused for longer, so the walks keep to WALK_SHARE of a core on their own; their CPU
  (`walk_cpu_s`) is therefore left out of what paces the poll (refresh/pace.py). Why: at 30,000
  partitions one walk used 0.7 s of CPU against 40 ms for the rest of the poll, and each poll that
  walked stretched the processes' interval to a minute, making every JVM cell a minute old.
- Which metadata broker a JVM is: the broker whose advertised port it listens on, falling back
  to broker.id/node.id from its config (see `processes_match.match_broker_ids`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil

from kafkatui.model import Broker, DiskUsage, JvmProcess, ProcessesSnapshot, SourceError
from kafkatui.processes.disk import MAX_SCAN_ENTRIES, disk_usage
from kafkatui.processes.jvm import (
    config_arg,
    config_broker_id,
    heap_flags,
    jvm_kind,
    kafka_role,
    log_dir_paths,
    overrides,
)
from kafkatui.processes.match import local_host_names, match_broker_ids
from kafkatui.processes.properties import read_properties

SOURCE = "processes"
USAGE_TTL_S = 30.0  # how long a log dir's walked size is reused before walking again, at least
WALK_SHARE = 0.005  # ... and for as long as keeps the walks at this share of a core (0.7 s: 140 s)
PORTS_TTL_S = 60.0  # how long a process's listening ports are reused before asking again
ROLE_ORDER = {"broker": 0, "broker+controller": 0, "controller": 1, "zookeeper": 2}

T = TypeVar("T")


# --------------------------------------------------------------------------- the source


def _field(read: Callable[[], T]) -> T | None:
    """One psutil read; AccessDenied or a zombie means unknown (None), not an error.

    NoSuchProcess propagates: the caller drops a process that is gone.
    """
    try:
        return read()
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return None


def listening_ports(proc: psutil.Process) -> tuple[int, ...]:
    conns = _field(lambda: proc.net_connections(kind="inet")) or []
    return tuple(sorted({c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN and c.laddr}))


@dataclass
class _Tracked:
    """A JVM we keep between refreshes: its psutil handle and the facts fixed at its start."""

    proc: psutil.Process
    kind: str
    cmdline: tuple[str, ...]
    config_path: str | None
    props: dict[str, str] = field(default_factory=dict)
    primed: bool = False
    ports: tuple[int, ...] = ()
    ports_at: float | None = None  # monotonic time `ports` was read


class ProcessSource:
    """Finds Kafka and ZooKeeper JVMs on this host and reports how heavy each one is."""

    def __init__(
        self, max_scan_entries: int = MAX_SCAN_ENTRIES, usage_ttl_s: float = USAGE_TTL_S,
        ports_ttl_s: float = PORTS_TTL_S,
    ) -> None:
        self.max_scan_entries = max_scan_entries
        self.usage_ttl_s = usage_ttl_s
        self.ports_ttl_s = ports_ttl_s
        self._tracked: dict[tuple[int, float], _Tracked] = {}
        self._ignored: set[tuple[int, float]] = set()
        self._usage: dict[str, tuple[float, DiskUsage, float]] = {}  # path -> (walked at, usage, CPU s)
        self._walk_cpu_s = 0.0
        self._local_hosts: frozenset[str] | None = None

    def refresh(self, brokers: Sequence[Broker] = ()) -> ProcessesSnapshot:
        """One pass over the process table; `brokers` (from metadata) names each broker JVM."""
        fetched_at, began = time.time(), time.monotonic()
        try:
            self._discover()
        except (OSError, psutil.Error) as exc:
            raise SourceError(SOURCE, f"cannot list processes: {exc}") from None
        rows = [row for row in (self._row(key, t) for key, t in list(self._tracked.items())) if row]
        if self._local_hosts is None:
            self._local_hosts = local_host_names()
        rows = list(match_broker_ids(rows, brokers, self._local_hosts))
        rows.sort(key=lambda p: (ROLE_ORDER.get(p.role, 9), p.broker_id is None, p.broker_id or 0, p.pid))
        return ProcessesSnapshot(fetched_at=fetched_at, duration_s=time.monotonic() - began, processes=tuple(rows))

    def close(self) -> None:
        """Nothing to release; present so every source has the same lifecycle."""
        self._tracked.clear()

    # -- discovery

    def _discover(self) -> None:
        """Track new Kafka/ZooKeeper JVMs, forget exited ones; cmdline is read once per process."""
        alive: set[tuple[int, float]] = set()
        for proc in psutil.process_iter(["create_time"]):
            ctime = proc.info.get("create_time")
            if ctime is None:
                continue
            key = (proc.pid, ctime)
            alive.add(key)
            if key in self._tracked or key in self._ignored:
                continue
            tracked = self._inspect(proc)
            if tracked is None:
                self._ignored.add(key)
            else:
                self._tracked[key] = tracked
        for key in set(self._tracked) - alive:
            del self._tracked[key]
        self._ignored &= alive

    def _inspect(self, proc: psutil.Process) -> _Tracked | None:
        try:
            cmdline = tuple(_field(proc.cmdline) or ())
            kind = jvm_kind(cmdline)
            if kind is None:
                return None
            config = config_arg(cmdline)
            if config and not os.path.isabs(config):  # relative to where the JVM was started
                cwd = _field(proc.cwd)
                config = os.path.join(cwd, config) if cwd else config
        except psutil.NoSuchProcess:
            return None
        props = read_properties(Path(config)) if config else {}
        props.update(overrides(cmdline))
        return _Tracked(proc=proc, kind=kind, cmdline=cmdline, config_path=config, props=props)

    # -- one row

    def _row(self, key: tuple[int, float], t: _Tracked) -> JvmProcess | None:
        try:
            return self._read(t)
        except psutil.NoSuchProcess:
            self._tracked.pop(key, None)
            return None

    def _read(self, t: _Tracked) -> JvmProcess:
        proc = t.proc
        with proc.oneshot():
            if _field(proc.status) == psutil.STATUS_ZOMBIE:  # dead, only waiting to be reaped
                raise psutil.NoSuchProcess(proc.pid)
            cpu = _field(lambda: proc.cpu_percent(None))
            if not t.primed:  # the first reading covers no interval; it only primes the counter
                cpu, t.primed = None, True
            memory = _field(proc.memory_info)
            xmx, xms = heap_flags(t.cmdline)
            return JvmProcess(
                pid=proc.pid,
                role="zookeeper" if t.kind == "zookeeper" else kafka_role(t.props),
                user=_field(proc.username),
                cpu_percent=cpu,
                rss_bytes=memory.rss if memory else None,
                threads=_field(proc.num_threads),
                create_time=_field(proc.create_time),
                ports=self._ports_of(t),
                open_fds=_field(proc.num_fds),
                xmx=xmx,
                xms=xms,
                config_path=t.config_path,
                broker_id=self._config_id(t),
                listeners=t.props.get("listeners") if t.kind == "kafka" else None,
                log_dirs=tuple(self._usage_of(d) for d in log_dir_paths(t.kind, t.props)),
                zookeeper_connect=t.props.get("zookeeper.connect") if t.kind == "kafka" else None,
                process_roles=t.props.get("process.roles") if t.kind == "kafka" else None,
            )

    @staticmethod
    def _config_id(t: _Tracked) -> int | None:
        """broker.id/node.id from the config, else from meta.properties in the first log dir."""
        if t.kind != "kafka":
            return None
        found = config_broker_id(t.props)
        if found is None:
            dirs = log_dir_paths(t.kind, t.props)
            meta = read_properties(Path(dirs[0]) / "meta.properties") if dirs else {}
            found = config_broker_id(meta)
            if found is not None:
                t.props.setdefault("broker.id", str(found))
        return found

    def _ports_of(self, t: _Tracked) -> tuple[int, ...]:
        """Listening ports, cached per process for ports_ttl_s; none seen yet (a JVM still
        starting, or AccessDenied) is asked again on the next refresh."""
        now = time.monotonic()
        if not t.ports or t.ports_at is None or now - t.ports_at >= self.ports_ttl_s:
            t.ports, t.ports_at = listening_ports(t.proc), now
        return t.ports

    def walk_cpu_s(self) -> float:
        """The CPU seconds this source's log-dir walks have used so far (they pace themselves:
        a poll's cost for pacing leaves them out)."""
        return self._walk_cpu_s

    def _usage_of(self, path: str) -> DiskUsage:
        """Cached bounded walk, so a refresh every few seconds does not re-walk every time; a
        costly walk is reused for longer (WALK_SHARE)."""
        now = time.monotonic()
        cached = self._usage.get(path)
        if cached and now - cached[0] < max(self.usage_ttl_s, cached[2] / WALK_SHARE):
            return cached[1]
        began = time.thread_time()
        usage = disk_usage(path, self.max_scan_entries)
        cost = time.thread_time() - began
        self._walk_cpu_s += cost
        self._usage[path] = (now, usage, cost)
        return usage
