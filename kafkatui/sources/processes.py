"""Host-process source: the Kafka and ZooKeeper JVMs running on this machine, via psutil.

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
- Log-dir usage walks the directory like `du`, but bounded in entries and cached for a while,
  because a refresh runs every few seconds and must stay cheap.
- Which metadata broker a JVM is: the broker whose advertised port it listens on, falling back
  to broker.id/node.id from its config (see `match_broker_ids`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import psutil

from kafkatui.model import Broker, DiskUsage, JvmProcess, ProcessesSnapshot, SourceError

SOURCE = "processes"
KAFKA_MAIN = "kafka.Kafka"
ZOOKEEPER_MAINS = (
    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
    "org.apache.zookeeper.server.ZooKeeperServerMain",
)
CONFIG_SUFFIXES = (".properties", ".cfg")
DEFAULT_KAFKA_LOG_DIR = "/tmp/kafka-logs"  # Kafka's default when neither log.dirs nor log.dir is set
MAX_SCAN_ENTRIES = 20_000  # per log dir and walk; beyond this usage is reported as a lower bound
USAGE_TTL_S = 30.0  # how long a log dir's walked size is reused before walking again
PORTS_TTL_S = 60.0  # how long a process's listening ports are reused before asking again
ROLE_ORDER = {"broker": 0, "broker+controller": 0, "controller": 1, "zookeeper": 2}

T = TypeVar("T")


# --------------------------------------------------------------------------- server.properties


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _logical_lines(text: str) -> Iterable[str]:
    """Join Java-properties continuation lines (an odd number of trailing backslashes).

    Leading whitespace of a continued line is dropped, as java.util.Properties does.
    """
    pending: str | None = None
    for raw in text.splitlines():
        line = raw.lstrip() if pending is not None else raw
        if pending is None and line.lstrip()[:1] in ("#", "!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            pending = (pending or "") + line[:-1]
            continue
        yield (pending or "") + line
        pending = None
    if pending is not None:
        yield pending


def _unescape(value: str) -> str:
    r"""Resolve `\uXXXX`, `\t`-style escapes and `\<char>` -> char."""
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch != "\\" or i + 1 >= len(value):
            out.append(ch)
            i += 1
            continue
        nxt = value[i + 1]
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", value[i + 2 : i + 6]):
            out.append(chr(int(value[i + 2 : i + 6], 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _split_key(line: str) -> tuple[str, str]:
    """Split at the first unescaped '=', ':' or whitespace, the way java.util.Properties does.

    Whitespace around the separator is skipped, so `key = value`, `key: value`, `key=value`
    and `key value` all give ('key', 'value').
    """
    i, n = 0, len(line)
    while i < n and not (line[i] in "=:" or line[i].isspace()):
        i += 2 if line[i] == "\\" else 1
    key, j = line[:i], i
    while j < n and line[j].isspace():
        j += 1
    if j < n and line[j] in "=:":
        j += 1
    while j < n and line[j].isspace():
        j += 1
    return key, line[j:]


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java .properties text (server.properties, zoo.cfg); later keys win, like Java."""
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        key, value = _split_key(line.lstrip())
        props[_unescape(key)] = _unescape(value).strip()
    return props


def read_properties(path: Path) -> dict[str, str]:
    """parse_properties of a file; {} when it cannot be read (unknown, not an error)."""
    try:
        return parse_properties(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return {}


# --------------------------------------------------------------------------- cmdline facts


def jvm_kind(cmdline: Sequence[str]) -> str | None:
    """'kafka' or 'zookeeper' when the cmdline runs one of their main classes, else None."""
    if KAFKA_MAIN in cmdline:
        return "kafka"
    if any(main in cmdline for main in ZOOKEEPER_MAINS):
        return "zookeeper"
    return None


def _main_index(cmdline: Sequence[str]) -> int:
    for i, arg in enumerate(cmdline):
        if arg == KAFKA_MAIN or arg in ZOOKEEPER_MAINS:
            return i
    return -1


def config_arg(cmdline: Sequence[str]) -> str | None:
    """The last argument after the main class ending in .properties or .cfg (the server config)."""
    args = cmdline[_main_index(cmdline) + 1 :]
    return next((a for a in reversed(args) if a.endswith(CONFIG_SUFFIXES)), None)


def overrides(cmdline: Sequence[str]) -> dict[str, str]:
    """`kafka.Kafka server.properties --override key=value ...` pairs, which beat the file."""
    args = list(cmdline[_main_index(cmdline) + 1 :])
    found: dict[str, str] = {}
    for flag, value in zip(args, [*args[1:], ""], strict=True):
        if flag == "--override" and "=" in value:
            key, _, val = value.partition("=")
            found[key.strip()] = val.strip()
    return found


def heap_flags(cmdline: Sequence[str]) -> tuple[str | None, str | None]:
    """(-Xmx, -Xms) values as written, e.g. ('384m', '128m'); the JVM honours the last of each."""
    xmx = xms = None
    for arg in cmdline:
        if arg.startswith("-Xmx"):
            xmx = arg[4:] or None
        elif arg.startswith("-Xms"):
            xms = arg[4:] or None
    return xmx, xms


def kafka_role(props: dict[str, str]) -> str:
    """'broker', 'controller' or 'broker+controller' from process.roles; ZooKeeper mode is 'broker'."""
    roles = {r.strip() for r in props.get("process.roles", "").split(",") if r.strip()}
    if roles >= {"broker", "controller"}:
        return "broker+controller"
    if roles == {"controller"}:
        return "controller"
    return "broker"


def config_broker_id(props: dict[str, str]) -> int | None:
    """broker.id (ZooKeeper mode) or node.id (KRaft); None when absent or auto-generated (-1)."""
    for key in ("broker.id", "node.id"):
        value = props.get(key, "").strip()
        if value.lstrip("-").isdigit() and int(value) >= 0:
            return int(value)
    return None


def log_dir_paths(kind: str, props: dict[str, str]) -> tuple[str, ...]:
    """Where the process keeps its data: Kafka log.dirs/log.dir, ZooKeeper dataDir/dataLogDir."""
    if kind == "zookeeper":
        dirs = [props.get("dataDir", ""), props.get("dataLogDir", "")]
    else:
        dirs = (props.get("log.dirs") or props.get("log.dir") or DEFAULT_KAFKA_LOG_DIR).split(",")
    return tuple(dict.fromkeys(d.strip() for d in dirs if d.strip()))


# --------------------------------------------------------------------------- broker matching


def match_broker_ids(
    processes: Sequence[JvmProcess],
    brokers: Sequence[Broker],
    local_hosts: Iterable[str] = (),
) -> tuple[JvmProcess, ...]:
    """Set each Kafka process's broker_id to the metadata broker whose port it listens on.

    Several brokers on one port (one per host, as in a real cluster) are narrowed to those whose
    host is in `local_hosts`, then to the config's id. A process matching no broker keeps the id
    from its own config, unless a port match already claimed that id (e.g. a second local
    cluster reusing ids 1-3), in which case it gets None rather than a wrong id.
    """
    local = set(local_hosts)
    assigned: dict[int, int] = {}
    for index, proc in enumerate(processes):
        if proc.role == "zookeeper":
            continue
        candidates = [b for b in brokers if b.port in proc.ports]
        if len(candidates) > 1:
            candidates = [b for b in candidates if b.host in local] or candidates
        if len(candidates) > 1:
            candidates = [b for b in candidates if b.id == proc.broker_id] or candidates
        if len(candidates) == 1:
            assigned[index] = candidates[0].id
    claimed = set(assigned.values())
    matched: list[JvmProcess] = []
    for index, proc in enumerate(processes):
        if index in assigned:
            proc = replace(proc, broker_id=assigned[index])
        elif proc.role != "zookeeper" and proc.broker_id in claimed:
            proc = replace(proc, broker_id=None)
        matched.append(proc)
    return tuple(matched)


def local_host_names() -> frozenset[str]:
    """Names and addresses that mean "this machine" in broker metadata (no DNS lookups)."""
    names = {"localhost", "127.0.0.1", "::1", socket.gethostname()}
    try:
        for addrs in psutil.net_if_addrs().values():
            names.update(a.address.split("%", 1)[0] for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6))
    except (OSError, psutil.Error):
        pass
    return frozenset(names)


# --------------------------------------------------------------------------- disk usage


def walk_usage(path: str, max_entries: int = MAX_SCAN_ENTRIES) -> tuple[int | None, bool]:
    """(bytes on disk under `path`, partial?) like `du`, visiting at most `max_entries` entries.

    Uses allocated blocks, not st_size, because Kafka preallocates sparse index files. Entries
    that vanish mid-walk (segments being deleted) are skipped. None if `path` cannot be read.
    """
    total, seen, stack = 0, 0, [path]
    try:
        os.stat(path)
    except OSError:
        return None, False
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                seen += 1
                if seen > max_entries:
                    return total, True
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                blocks = getattr(st, "st_blocks", None)
                total += blocks * 512 if blocks is not None else st.st_size
    return total, False


def disk_usage(path: str, max_entries: int = MAX_SCAN_ENTRIES) -> DiskUsage:
    """Walked size of `path` plus free/total space of its filesystem; unknowns are None."""
    used, partial = walk_usage(path, max_entries)
    try:
        fs = shutil.disk_usage(path)
        free, total = fs.free, fs.total
    except OSError:
        free = total = None
    return DiskUsage(path=path, used_bytes=used, free_bytes=free, total_bytes=total, partial=partial)


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
        self._usage: dict[str, tuple[float, DiskUsage]] = {}
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

    def _usage_of(self, path: str) -> DiskUsage:
        """Cached bounded walk, so a refresh every few seconds does not re-walk every time."""
        now = time.monotonic()
        cached = self._usage.get(path)
        if cached and now - cached[0] < self.usage_ttl_s:
            return cached[1]
        usage = disk_usage(path, self.max_scan_entries)
        self._usage[path] = (now, usage)
        return usage
