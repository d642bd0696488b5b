#!/usr/bin/env python3
"""kafkatui localcluster: a real Apache Kafka cluster on 127.0.0.1 for tests and the demo.

Stdlib only. Run as ``python3 localcluster/cluster.py [--kraft] [--state-dir DIR] COMMAND``
(see ``--help`` and localcluster/README.md), or import it::

    from localcluster.cluster import Cluster, fetch_metadata
    c = Cluster(kraft=False)
    c.up()
    c.kill("broker-2")

ZooKeeper mode: Kafka 3.9.1, ZooKeeper + 3 brokers.  KRaft mode (``--kraft``): Kafka 4.1.1, one
dedicated controller + 3 brokers.  Jars come from Maven Central (``mvn dependency:copy-dependencies``)
and are cached under ``$XDG_CACHE_HOME/kafkatui/kafka-<version>/libs`` (default ``~/.cache``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

if __package__:
    from localcluster import registry
else:  # run as a script: localcluster/ is sys.path[0]
    import registry  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HOST = "127.0.0.1"

ZK_KAFKA_VERSION = "3.9.1"
KRAFT_KAFKA_VERSION = "4.1.1"

# Ports are PORT_BASE + offset.  The default base 19000 gives the documented ports:
#   ZooKeeper mode: ZooKeeper 21810, brokers 19092-19094
#   KRaft mode:     brokers 29092-29094, controller 29190
PORT_BASE_ENV = "KAFKATUI_CLUSTER_PORT_BASE"
DEFAULT_PORT_BASE = 19000
ZK_OFFSET = 2810
BROKER_OFFSET = 92
KRAFT_OFFSET = 10000
CONTROLLER_OFFSET = 190

BROKER_COUNT = 3
CONTROLLER_COUNT = 1  # KRaft: dedicated controllers (node ids 101, 102, ...)
CONTROLLER_NODE_BASE = 100

START_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0

# KAFKATUI_BROKER_HEAP / KAFKATUI_ZK_HEAP (e.g. "1g") raise -Xmx for a private cluster that must hold
# thousands of partitions (bench/bench_scale_ui.py); unset, the small defaults keep the shared cluster lean.
BROKER_HEAP = [f"-Xmx{os.environ.get('KAFKATUI_BROKER_HEAP') or '384m'}", "-Xms128m"]
ZK_HEAP = [f"-Xmx{os.environ.get('KAFKATUI_ZK_HEAP') or '128m'}", "-Xms32m"]
CONTROLLER_HEAP = ["-Xmx256m", "-Xms64m"]
JVM_COMMON = ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true", "-XX:+ExitOnOutOfMemoryError"]

MARKER = ".kafkatui-complete"


class ClusterError(Exception):
    """One clear line for the user; the CLI prints it and exits 2."""


LOCK_TIMEOUT = 300.0


def locked(method):
    """Serialise state-changing commands across processes (flock on <state>/.lock); re-entrant."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self._lock_depth:
            self._lock_depth += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                self._lock_depth -= 1
        self.state.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ClusterError(
                            f"kafkatui localcluster: another cluster.py holds {self.state / '.lock'}"
                        ) from None
                    if not told:
                        log("waiting for another cluster.py command on this state dir ...")
                        told = True
                    time.sleep(0.2)
            self._lock_depth = 1
            try:
                return method(self, *args, **kwargs)
            finally:
                self._lock_depth = 0
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return wrapper


def log(msg: str) -> None:
    print(f"localcluster: {msg}", flush=True)


# --------------------------------------------------------------------------------------------------
# Jars


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kafkatui"


def libs_dir(version: str) -> Path:
    return cache_root() / f"kafka-{version}" / "libs"


def _require(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise ClusterError(f"kafkatui localcluster: {tool} not found; {hint}")
    return path


def require_java() -> str:
    return _require("java", "install a JDK 17 (apt-get install openjdk-17-jdk-headless)")


def fetch(kraft: bool, quiet: bool = False) -> Path:
    """Make sure the Kafka jars are in the cache; return the libs dir.  Offline when cached."""
    version = KRAFT_KAFKA_VERSION if kraft else ZK_KAFKA_VERSION
    pom = HERE / ("pom-kraft.xml" if kraft else "pom-zk.xml")
    libs = libs_dir(version)
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = libs / MARKER
    if marker.is_file() and marker.read_text().strip() == digest and any(libs.glob("kafka_2.13-*.jar")):
        if not quiet:
            log(f"jars for Kafka {version} already cached in {libs}")
        return libs
    require_java()
    mvn = _require("mvn", "install Maven (apt-get install maven)")
    tmp = libs.parent / f"libs.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log(f"fetching Kafka {version} jars with Maven into {libs} ...")
    t0 = time.monotonic()
    proc = subprocess.run(
        [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={tmp}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not any(tmp.glob("kafka_2.13-*.jar")):
        shutil.rmtree(tmp, ignore_errors=True)
        lines = [ln.strip() for ln in proc.stdout.splitlines() if "ERROR" in ln] or proc.stdout.splitlines()
        last = lines[0] if lines else f"exit code {proc.returncode}"
        raise ClusterError(f"kafkatui localcluster: mvn could not fetch Kafka {version}: {last[:300]}")
    (tmp / MARKER).write_text(digest + "\n")
    old = libs.parent / f"libs.old-{os.getpid()}"
    if libs.exists():
        libs.rename(old)
    tmp.rename(libs)
    shutil.rmtree(old, ignore_errors=True)
    log(f"fetched {sum(1 for _ in libs.glob('*.jar'))} jars in {time.monotonic() - t0:.1f}s")
    return libs


# --------------------------------------------------------------------------------------------------
# Minimal Kafka protocol (MetadataRequest v4) and ZooKeeper four-letter words


def _kstr(s: str | None) -> bytes:
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class _Reader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return vals[0] if len(vals) == 1 else vals

    def string(self) -> str | None:
        n = self.take(">h")
        if n < 0:
            return None
        s = self.buf[self.pos : self.pos + n].decode()
        self.pos += n
        return s


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(n - got)
        if not chunk:
            raise ConnectionError("connection closed by peer")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class Metadata:
    brokers: dict[int, tuple[str, int]]  # node id -> (host, port)
    cluster_id: str | None
    controller_id: int


def fetch_metadata(host: str, port: int, timeout: float = 3.0, wrap=None) -> Metadata:
    """Ask one broker for cluster metadata (no topics).  Raises OSError/ValueError on failure.
    `wrap(sock)` returns the socket to talk over (a TLS listener: secure.py)."""
    corr = 7
    body = struct.pack(">i", 0) + struct.pack(">?", False)  # topics: empty array; no auto-create
    header = struct.pack(">hhi", 3, 4, corr) + _kstr("kafkatui-localcluster")
    req = header + body
    with socket.create_connection((host, port), timeout=timeout) as raw, (wrap or (lambda s: s))(raw) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(req)) + req)
        size = struct.unpack(">i", _recv_exact(sock, 4))[0]
        r = _Reader(_recv_exact(sock, size))
    if r.take(">i") != corr:
        raise ValueError("bad correlation id")
    r.take(">i")  # throttle_time_ms
    brokers = {}
    for _ in range(r.take(">i")):
        node_id = r.take(">i")
        bhost = r.string() or ""
        bport = r.take(">i")
        r.string()  # rack
        brokers[node_id] = (bhost, bport)
    cluster_id = r.string()
    controller_id = r.take(">i")
    return Metadata(brokers, cluster_id, controller_id)


def zk_command(host: str, port: int, cmd: bytes = b"ruok", timeout: float = 2.0) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(cmd)
        out = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            out.append(chunk)
    return b"".join(out)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_owner(port: int) -> int | None:
    """PID listening on 127.0.0.1/0.0.0.0:port (Linux /proc scan; None if unknown)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            next(fh, None)
            for line in fh:
                parts = line.split()
                if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    if not inodes:
        return None
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (pid_dir / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in inodes:
                        return int(pid_dir.name)
    return None


def port_bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


# --------------------------------------------------------------------------------------------------
# Processes


def read_cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def proc_state(pid: int) -> str | None:
    """Kernel state letter (R, S, D, T, t, Z, ...) or None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


@dataclass
class Node:
    name: str  # zookeeper | controller-N | broker-N
    role: str  # zookeeper | controller | broker
    port: int
    node_id: int | None = None
    config: Path | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class ProcStatus:
    name: str
    role: str
    pid: int | None
    state: str  # alive | dead | paused | not-started
    port: int | None

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "pid": self.pid, "state": self.state, "port": self.port}


SECOND_LOG_DIR = "data2"  # see Cluster._log_dirs


class Cluster:
    """One local cluster, identified by its state dir."""

    port_base_env = PORT_BASE_ENV  # a variant (secure.py) has its own, so it never shares ports
    default_port_base = DEFAULT_PORT_BASE

    def __init__(self, kraft: bool = False, state_dir: str | os.PathLike | None = None, port_base: int | None = None):
        self.kraft = kraft
        default = REPO / (".localcluster-kraft" if kraft else ".localcluster")
        self.state = Path(state_dir or default).expanduser().resolve()
        if port_base is None:
            raw = os.environ.get(self.port_base_env, "").strip()
            try:
                port_base = int(raw) if raw else self.default_port_base
            except ValueError:
                raise ClusterError(f"kafkatui localcluster: {self.port_base_env}={raw!r} is not a number") from None
        if not 1024 <= port_base <= 55000:
            raise ClusterError(f"kafkatui localcluster: {self.port_base_env} must be in 1024..55000")
        self.port_base = port_base
        self.version = KRAFT_KAFKA_VERSION if kraft else ZK_KAFKA_VERSION
        self.pids_dir = self.state / "pids"
        self.logs_dir = self.state / "logs"
        self.env_file = self.state / "env"
        self.nodes = self._layout()
        self._lock_depth = 0
        # the state dir as a whole path component: .localcluster must not match .localcluster-kraft
        self._state_re = re.compile(re.escape(str(self.state)) + r"(?=$|[/:])")

    # ---- layout -------------------------------------------------------------------------------
    def _layout(self) -> list[Node]:
        nodes: list[Node] = []
        if self.kraft:
            base = self.port_base + KRAFT_OFFSET
            for i in range(1, CONTROLLER_COUNT + 1):
                nodes.append(
                    Node(f"controller-{i}", "controller", base + CONTROLLER_OFFSET + i - 1, CONTROLLER_NODE_BASE + i)
                )
        else:
            base = self.port_base
            nodes.append(Node("zookeeper", "zookeeper", base + ZK_OFFSET))
        for i in range(1, BROKER_COUNT + 1):
            nodes.append(Node(f"broker-{i}", "broker", base + BROKER_OFFSET + i - 1, i))
        for n in nodes:
            n.config = self.state / n.name / ("zoo.cfg" if n.role == "zookeeper" else "server.properties")
        return nodes

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        names = ", ".join(n.name for n in self.nodes)
        raise ClusterError(f"kafkatui localcluster: unknown process {name!r} (one of: {names})")

    @property
    def brokers(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "broker"]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{HOST}:{n.port}" for n in self.brokers)

    @property
    def zookeeper_connect(self) -> str:
        return "" if self.kraft else f"{HOST}:{self.node('zookeeper').port}"

    def env_text(self) -> str:
        mode = "kraft" if self.kraft else "zookeeper"
        lines = [
            f"# written by localcluster/cluster.py ({mode} mode, Kafka {self.version}); shell syntax",
            f"KAFKATUI_CLUSTER_MODE={mode}",
            f"KAFKATUI_BOOTSTRAP={self.bootstrap}",
            f"KAFKATUI_ZOOKEEPER={self.zookeeper_connect}",
        ]
        if registry.registry_url(self):
            lines.append(f"KAFKATUI_SCHEMA_REGISTRY={registry.registry_url(self)}")
        return "\n".join(lines) + "\n"

    # ---- pid files ----------------------------------------------------------------------------
    def pid_file(self, name: str) -> Path:
        return self.pids_dir / f"{name}.pid"

    def recorded_pid(self, name: str) -> int | None:
        try:
            return int(self.pid_file(name).read_text().strip())
        except (OSError, ValueError):
            return None

    def is_ours(self, pid: int, *, mid_exec_wait: float = 2.0) -> bool:
        """True when pid is alive (not a zombie) and its command line names our state dir.

        A process in the middle of execve() shows an empty command line: the kernel installs the
        new address space, closes the close-on-exec fds (which is when Popen returns) and only then
        fills in the argument pages.  A JVM we had just spawned was therefore judged "exited during
        start-up" (CI, stop 10), so an empty command line of a live process is read again for up
        to `mid_exec_wait` seconds.  A scan of every pid passes 0: kernel threads always show an
        empty command line, and waiting on each made `down` take two minutes."""
        deadline = time.monotonic() + mid_exec_wait
        while True:
            if proc_state(pid) in (None, "Z", "X"):
                return False
            cmd = read_cmdline(pid)
            if cmd or time.monotonic() > deadline:
                return bool(cmd) and any(self._state_re.search(arg) for arg in cmd)
            time.sleep(0.01)

    def live_pid(self, name: str) -> int | None:
        pid = self.recorded_pid(name)
        return pid if pid and self.is_ours(pid) else None

    def recorded_names(self) -> list[str]:
        """Cluster nodes first (in start order), then helper processes (demo daemons) by name."""
        names = [n.name for n in self.nodes]
        if self.pids_dir.is_dir():
            names += sorted(p.stem for p in self.pids_dir.glob("*.pid") if p.stem not in names)
        return names

    # ---- config -------------------------------------------------------------------------------
    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.read_text() == text:
            return
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)

    def write_configs(self) -> None:
        for d in (self.state, self.pids_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)
        if self.kraft:
            self._write(self.state / "log4j2.properties", LOG4J2_PROPERTIES)
        else:
            self._write(self.state / "log4j.properties", LOG4J_PROPERTIES)
        for n in self.nodes:
            assert n.config is not None
            if n.role == "zookeeper":
                text = self._zoo_cfg(n)
            elif self.kraft:
                text = self._kraft_properties(n)
            else:
                text = self._zk_broker_properties(n)
            self._write(n.config, text)

    def _zoo_cfg(self, n: Node) -> str:
        return "\n".join(
            [
                "# kafkatui localcluster ZooKeeper (standalone)",
                f"dataDir={self.state / n.name / 'data'}",
                f"clientPort={n.port}",
                f"clientPortAddress={HOST}",
                "tickTime=2000",
                "initLimit=10",
                "syncLimit=5",
                "maxClientCnxns=0",
                "4lw.commands.whitelist=srvr,mntr,ruok,conf,stat,envi,cons,wchs",
                "admin.enableServer=false",
                "autopurge.snapRetainCount=3",
                "autopurge.purgeInterval=1",
                "",
            ]
        )

    def _log_dirs(self, n: Node) -> str:
        """`data`, plus `data2` when that directory exists when the broker starts: a second log dir
        that a test creates (and later makes fail) to prove offline-log-dir detection. Nothing
        creates it by default, so every other use of the cluster keeps one log dir per broker."""
        dirs = [self.state / n.name / "data"]
        if (self.state / n.name / SECOND_LOG_DIR).is_dir():
            dirs.append(self.state / n.name / SECOND_LOG_DIR)
        return ",".join(str(d) for d in dirs)

    def _common_broker_lines(self, n: Node) -> list[str]:
        return [
            f"log.dirs={self._log_dirs(n)}",
            "num.network.threads=2",
            "num.io.threads=4",
            "background.threads=4",
            "num.recovery.threads.per.data.dir=1",
            "num.replica.fetchers=1",
            "# auto.create.topics.enable stays at Kafka's default (true) on purpose: the kafkatui tests",
            "# prove that the app itself never creates a topic.",
            "auto.create.topics.enable=true",
            "num.partitions=1",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=3",
            "offsets.topic.num.partitions=12",
            "transaction.state.log.replication.factor=3",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "# leader.imbalance.check.interval.seconds stays at Kafka's default (300 s), as on a real",
            "# cluster, so a leader imbalance after a restart lasts long enough to be seen (kafkatui's",
            "# leader_imbalance finding). The test harness does not wait for it: after a fault test it",
            "# elects the preferred leaders itself (localcluster/leaders.py, tests/conftest.py",
            "# wait_settled), and seed.py does after `up`.",
            "log.segment.bytes=1048576",
            "log.retention.hours=168",
            "log.retention.check.interval.ms=60000",
            "log.cleaner.dedupe.buffer.size=8388608",
            "log.cleaner.threads=1",
            "",
        ]

    def _zk_broker_properties(self, n: Node) -> str:
        return "\n".join(
            [
                f"# kafkatui localcluster {n.name} (Kafka {self.version}, ZooKeeper mode)",
                f"broker.id={n.node_id}",
                f"listeners=PLAINTEXT://{HOST}:{n.port}",
                f"advertised.listeners=PLAINTEXT://{HOST}:{n.port}",
                f"zookeeper.connect={self.zookeeper_connect}",
                "zookeeper.connection.timeout.ms=18000",
                "zookeeper.session.timeout.ms=10000",
                "controlled.shutdown.max.retries=1",
                "controlled.shutdown.retry.backoff.ms=1000",
                *self._common_broker_lines(n),
            ]
        )

    def _voters(self) -> str:
        return ",".join(f"{c.node_id}@{HOST}:{c.port}" for c in self.nodes if c.role == "controller")

    def _kraft_properties(self, n: Node) -> str:
        head = [
            f"# kafkatui localcluster {n.name} (Kafka {self.version}, KRaft mode)",
            f"process.roles={n.role}",
            f"node.id={n.node_id}",
            f"controller.quorum.voters={self._voters()}",
            "controller.listener.names=CONTROLLER",
        ]
        if n.role == "controller":
            return "\n".join(
                [
                    *head,
                    f"listeners=CONTROLLER://{HOST}:{n.port}",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT",
                    f"log.dirs={self.state / n.name / 'data'}",
                    "num.io.threads=2",
                    "num.network.threads=1",
                    "metadata.log.segment.bytes=8388608",
                    "",
                ]
            )
        return "\n".join(
            [
                *head,
                f"listeners=PLAINTEXT://{HOST}:{n.port}",
                f"advertised.listeners=PLAINTEXT://{HOST}:{n.port}",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                *self._common_broker_lines(n),
            ]
        )

    def cluster_id(self) -> str:
        path = self.state / "cluster-id"
        if path.is_file():
            return path.read_text().strip()
        # As Kafka's own Uuid.randomUuid(): never one that starts with "-", which kafka-storage's
        # argument parser takes for an option ("argument --cluster-id/-t: expected one argument").
        cid = "-"
        while cid.startswith("-"):
            cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        path.write_text(cid + "\n")
        return cid

    def format_args(self, n: Node) -> list[str]:
        """More `kafka-storage format` arguments for node `n` (a variant's SCRAM users); none here."""
        return []

    def format_storage(self, libs: Path) -> None:
        """KRaft: format each node's log dir once (kafka.tools.StorageTool, as kafka-storage.sh does)."""
        todo = [n for n in self.nodes if not (self.state / n.name / "data" / "meta.properties").is_file()]
        if not todo:
            return
        cid = self.cluster_id()
        java = require_java()

        def one(n: Node) -> subprocess.CompletedProcess:
            cmd = [
                java,
                "-Xmx128m",
                "-cp",
                f"{libs}/*",
                f"-Dlog4j2.configurationFile={self.state / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={self.logs_dir / 'storage-tool'}",
                "kafka.tools.StorageTool",
                "format",
                "--ignore-formatted",
                "-t",
                cid,
                "-c",
                str(n.config),
                *self.format_args(n),
            ]
            return subprocess.run(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, timeout=120
            )

        results: dict[str, subprocess.CompletedProcess] = {}
        threads = [threading.Thread(target=lambda n=n: results.__setitem__(n.name, one(n))) for n in todo]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, res in results.items():
            if res.returncode != 0:
                last = (res.stdout.strip().splitlines() or ["?"])[-1]
                raise ClusterError(f"kafkatui localcluster: formatting storage for {name} failed: {last}")
        log(f"formatted KRaft storage (cluster id {cid}) for {', '.join(n.name for n in todo)}")

    # ---- start / stop -------------------------------------------------------------------------
    def command(self, n: Node, libs: Path) -> list[str]:
        java = require_java()
        node_logs = self.logs_dir / n.name
        tag = f"-Dkafkatui.localcluster={n.name}"
        if n.role == "zookeeper":
            return [
                java,
                *ZK_HEAP,
                *JVM_COMMON,
                tag,
                "-cp",
                f"{libs}/*",
                f"-Dlog4j.configuration=file:{self.state / 'log4j.properties'}",
                f"-Dkafka.logs.dir={node_logs}",
                "-Dzookeeper.admin.enableServer=false",
                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                str(n.config),
            ]
        heap = CONTROLLER_HEAP if n.role == "controller" else BROKER_HEAP
        if self.kraft:
            logcfg = f"-Dlog4j2.configurationFile={self.state / 'log4j2.properties'}"
        else:
            logcfg = f"-Dlog4j.configuration=file:{self.state / 'log4j.properties'}"
        return [
            java,
            *heap,
            *JVM_COMMON,
            tag,
            "-cp",
            f"{libs}/*",
            logcfg,
            f"-Dkafka.logs.dir={node_logs}",
            "kafka.Kafka",
            str(n.config),
        ]

    def _check_port(self, n: Node) -> None:
        if port_bindable(n.port) and not port_open(HOST, n.port):
            return
        owner = port_owner(n.port)
        cmd = " ".join(" ".join((read_cmdline(owner) or ["?"]) if owner else []).split())
        who = f"pid {owner} ({cmd[:80]})" if owner else "another process"
        raise ClusterError(
            f"kafkatui localcluster: port {HOST}:{n.port} for {n.name} is taken by {who}, which is not part "
            f"of this cluster ({self.state}); stop it or set {PORT_BASE_ENV}"
        )

    def spawn(self, n: Node, libs: Path) -> int:
        self._check_port(n)
        (self.state / n.name / "data").mkdir(parents=True, exist_ok=True)
        (self.logs_dir / n.name).mkdir(parents=True, exist_ok=True)
        out = open(self.logs_dir / f"{n.name}.out", "ab")  # noqa: SIM115 - handed to the child
        try:
            proc = subprocess.Popen(
                self.command(n, libs),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=str(self.state),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            out.close()
        self.pids_dir.mkdir(parents=True, exist_ok=True)
        self.pid_file(n.name).write_text(f"{proc.pid}\n")
        proc.returncode = 0  # we never wait for it; silence Popen.__del__'s ResourceWarning
        return proc.pid

    def signal(self, name: str, sig: int) -> int:
        if name not in self.recorded_names():
            self.node(name)  # raises with the list of valid names
        pid = self.live_pid(name)
        if pid is None:
            raise ClusterError(f"kafkatui localcluster: {name} is not running")
        os.kill(pid, sig)
        return pid

    def _terminate(self, names: list[str], timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM every verified pid (SIGCONT first if paused), wait, then SIGKILL the rest."""
        pids = {}
        for name in names:
            pid = self.live_pid(name)
            if pid is None:
                continue
            pids[name] = pid
            with contextlib.suppress(ProcessLookupError):
                if proc_state(pid) in ("T", "t"):
                    os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pids and time.monotonic() < deadline:
            pids = {k: p for k, p in pids.items() if self.is_ours(p)}
            if pids:
                time.sleep(0.2)
        for name, pid in pids.items():
            log(f"{name} (pid {pid}) did not stop in {timeout:.0f}s; sending SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while pids and time.monotonic() < deadline:
            pids = {k: p for k, p in pids.items() if self.is_ours(p)}
            time.sleep(0.1)

    # ---- readiness ----------------------------------------------------------------------------
    def zk_ok(self) -> bool:
        try:
            return zk_command(HOST, self.node("zookeeper").port, b"ruok") == b"imok"
        except OSError:
            return False

    def metadata(self, n: Node, timeout: float = 3.0) -> Metadata | None:
        try:
            return fetch_metadata(HOST, n.port, timeout)
        except (OSError, ValueError, struct.error):
            return None

    def broker_ids_seen(self) -> dict[str, set[int]]:
        """For each broker that answers: the set of broker ids in its metadata."""
        out = {}
        for b in self.brokers:
            md = self.metadata(b, 2.0)
            if md is not None:
                out[b.name] = set(md.brokers)
        return out

    def _wait(self, what: str, cond, deadline: float) -> None:
        while True:
            if cond():
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"kafkatui localcluster: timed out waiting for {what}; see {self.logs_dir}")
            time.sleep(0.25)

    def has_ended(self, name: str) -> bool:
        """The process we spawned is gone or a zombie.  For a pid we have just started this is the
        right test: a pid cannot be reused while we wait on it, so its command line need not match."""
        pid = self.recorded_pid(name)
        return pid is None or proc_state(pid) in (None, "Z", "X")

    def _dead_started(self, names: list[str]) -> None:
        for name in names:
            if self.has_ended(name):
                tail = self.log_tail(name)
                raise ClusterError(f"kafkatui localcluster: {name} exited during start-up: {tail}")

    def log_tail(self, name: str) -> str:
        for path in (self.logs_dir / name / "server.log", self.logs_dir / f"{name}.out"):
            with contextlib.suppress(OSError):
                lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
                errs = [ln for ln in lines if "ERROR" in ln or "Exception" in ln]
                if errs or lines:
                    return (errs or lines)[-1][:300]
        return f"see {self.logs_dir}"

    def wait_ready(self, started: list[str], deadline: float) -> None:
        """Wait until every non-paused broker answers metadata listing every non-paused broker."""
        if not self.kraft and "zookeeper" in started:
            self._wait("ZooKeeper to answer ruok", lambda: self._dead_started(["zookeeper"]) or self.zk_ok(), deadline)
        for c in (n for n in self.nodes if n.role == "controller" and n.name in started):
            self._wait(
                f"{c.name} to listen on {c.port}",
                lambda c=c: self._dead_started([c.name]) or port_open(HOST, c.port),
                deadline,
            )
        self.wait_brokers(started, deadline)

    def wait_gone(self, names: list[str], deadline: float) -> None:
        """ZooKeeper mode: after a SIGKILL the broker's ephemeral /brokers/ids/N znode lives until its
        session expires, and a new broker with that id would die at start-up.  Wait until no other
        live broker lists the id any more."""
        if self.kraft:
            return
        ids = {self.node(n).node_id for n in names}
        others = [b for b in self.brokers if b.name not in names and self.state_of(b.name) == "alive"]

        def gone() -> bool:
            for b in others:
                md = self.metadata(b, 2.0)
                if md is not None and ids & set(md.brokers):
                    return False
            return True

        if not gone():
            log(f"waiting for the old session of {', '.join(names)} to expire in ZooKeeper ...")
            self._wait("the killed broker's ZooKeeper session to expire", gone, deadline)

    def wait_brokers(self, started: list[str], deadline: float, libs: Path | None = None) -> None:
        attempts = dict.fromkeys(started, 1)

        def respawn_dead() -> None:
            for name in [s for s in started if s.startswith("broker-")]:
                if not self.has_ended(name):
                    continue
                if libs is None or attempts[name] >= 3:
                    self._dead_started([name])
                attempts[name] += 1
                log(f"{name} exited during start-up ({self.log_tail(name)[:120]}); retrying")
                time.sleep(2)
                if self.has_ended(name):
                    self.spawn(self.node(name), libs)

        def ready() -> bool:
            respawn_dead()
            want = {
                b.node_id
                for b in self.brokers
                if self.state_of(b.name) == "alive" or (b.name in started and not self.has_ended(b.name))
            }
            seen = self.broker_ids_seen()
            live = [b.name for b in self.brokers if b.node_id in want]
            return all(name in seen and want <= seen[name] for name in live)

        self._wait("brokers to appear in the cluster metadata", ready, deadline)

    # ---- public commands ----------------------------------------------------------------------
    def state_of(self, name: str) -> str:
        pid = self.recorded_pid(name)
        if pid is None:
            return "not-started"
        if not self.is_ours(pid):
            return "dead"
        return "paused" if proc_state(pid) in ("T", "t") else "alive"

    def status(self) -> list[ProcStatus]:
        ports = {n.name: n.port for n in self.nodes}
        if registry.wanted(self):
            ports[registry.NAME] = registry.registry_port(self)
        roles = {n.name: n.role for n in self.nodes}
        return [
            ProcStatus(name, roles.get(name, "helper"), self.recorded_pid(name), self.state_of(name), ports.get(name))
            for name in self.recorded_names()
        ]

    def adopt(self) -> list[str]:
        """Re-record cluster JVMs that run from this state dir but lost their pid file (for example a
        `start` that raced with `down`).  They carry -Dkafkatui.localcluster=<name>."""
        adopted = []
        missing = {n.name for n in self.nodes if self.live_pid(n.name) is None}
        if not missing:
            return adopted
        for pid in self.strays():
            cmd = read_cmdline(pid) or []
            for arg in cmd:
                name = arg.partition("-Dkafkatui.localcluster=")[2]
                if name in missing:
                    self.pids_dir.mkdir(parents=True, exist_ok=True)
                    self.pid_file(name).write_text(f"{pid}\n")
                    missing.discard(name)
                    adopted.append(name)
                    log(f"adopted running {name} (pid {pid}) that had no pid file")
        return adopted

    @locked
    def up(self) -> float:
        t0 = time.monotonic()
        self.adopt()
        states = {n.name: self.state_of(n.name) for n in self.nodes}
        missing = [name for name, st in states.items() if st not in ("alive", "paused")]
        paused = [name for name, st in states.items() if st == "paused"]
        if not missing:
            self.registry_up()
            self.write_env()  # again: a cluster started before the registry existed lacks its line
            log(f"already running ({len(self.nodes)} processes, state dir {self.state}); nothing changed")
            if paused:
                log(f"note: paused: {', '.join(paused)} (use `resume NAME`)")
            return 0.0
        libs = fetch(self.kraft, quiet=True)
        require_java()
        for n in self.nodes:  # fail fast, before starting anything, when a port is not ours
            if n.name in missing:
                self._check_port(n)
        self.write_configs()
        if self.kraft:
            self.format_storage(libs)
        deadline = time.monotonic() + START_TIMEOUT
        first = [n for n in self.nodes if n.role != "broker" and n.name in missing]
        for n in first:
            log(f"starting {n.name} on {HOST}:{n.port}")
            self.spawn(n, libs)
        if first:
            self.wait_ready([n.name for n in first], deadline)
            log(f"{', '.join(n.name for n in first)} ready after {time.monotonic() - t0:.1f}s")
        brokers = [n for n in self.brokers if n.name in missing]
        self.wait_gone([n.name for n in brokers], deadline)
        for n in brokers:
            log(f"starting {n.name} (id {n.node_id}) on {HOST}:{n.port}")
            self.spawn(n, libs)
        self.wait_brokers([n.name for n in brokers], deadline, libs)
        self.registry_up()
        self.write_env()
        took = time.monotonic() - t0
        log(
            f"cluster up in {took:.1f}s (started {len(missing)} of {len(self.nodes)} processes); "
            f"bootstrap {self.bootstrap}; env file {self.env_file}"
        )
        if paused:
            log(f"note: paused: {', '.join(paused)} (use `resume NAME`)")
        return took

    def write_env(self) -> None:
        self._write(self.env_file, self.env_text())

    def registry_up(self) -> None:
        """The schema registry next to the cluster (localcluster/registry.py; `down` stops it with
        the other recorded helper processes)."""
        if not registry.wanted(self) or self.live_pid(registry.NAME) is not None:
            return
        self._check_port(Node(registry.NAME, "helper", registry.registry_port(self)))
        try:
            registry.ensure_registry(self, [require_java(), *JVM_COMMON], _require("mvn", "install Maven"))
        except registry.RegistryError as exc:
            raise ClusterError(str(exc)) from None

    @locked
    def down(self) -> None:
        names = self.recorded_names()
        helpers = [n for n in names if n not in {x.name for x in self.nodes}]
        brokers = [b.name for b in self.brokers]
        rest = [n.name for n in self.nodes if n.role != "broker"]
        with contextlib.suppress(FileNotFoundError):
            self.env_file.unlink()
        t0 = time.monotonic()
        for group in (helpers, brokers, rest):
            self._terminate(group, timeout=STOP_TIMEOUT)
        for name in names:
            # a concurrent `start` may have recorded a new pid meanwhile: only drop files naming a dead pid
            if self.live_pid(name) is None:
                with contextlib.suppress(FileNotFoundError):
                    self.pid_file(name).unlink()
            else:
                log(f"warning: {name} was (re)started while stopping; left running (pid {self.live_pid(name)})")
        strays = self.strays()
        if strays:
            log(
                f"warning: processes naming {self.state} still run but were not recorded: "
                f"{', '.join(map(str, strays))} (not touched)"
            )
        log(f"down in {time.monotonic() - t0:.1f}s ({self.state})")

    def strays(self) -> list[int]:
        """Live processes whose command line names this state dir but that no pid file records
        (cluster.py/seed.py one-shot commands excluded)."""
        recorded = {self.recorded_pid(name) for name in self.recorded_names()}
        out = []
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            pid = int(pid_dir.name)
            if pid == os.getpid() or pid in recorded or not self.is_ours(pid, mid_exec_wait=0):
                continue
            cmd = read_cmdline(pid) or []
            script = any(a.endswith(("cluster.py", "seed.py")) for a in cmd)
            if script and not any(a in ("produce", "consume-billing") for a in cmd):
                continue  # a one-shot command (like this one), not a daemon
            out.append(pid)
        return out

    @locked
    def wipe(self) -> None:
        self.down()
        shutil.rmtree(self.state, ignore_errors=True)
        log(f"removed {self.state}")

    def kill(self, name: str) -> int:
        return self.signal(name, signal.SIGKILL)

    def pause(self, name: str) -> int:
        return self.signal(name, signal.SIGSTOP)

    def resume(self, name: str) -> int:
        return self.signal(name, signal.SIGCONT)

    @locked
    def stop(self, name: str) -> None:
        if name not in self.recorded_names():
            self.node(name)
        if self.live_pid(name) is None:
            raise ClusterError(f"kafkatui localcluster: {name} is not running")
        self._terminate([name], timeout=STOP_TIMEOUT)

    @locked
    def start(self, name: str) -> float:
        n = self.node(name)
        if self.live_pid(name) is not None:
            log(f"{name} is already running (pid {self.live_pid(name)})")
            return 0.0
        if not self.kraft and n.role == "broker" and not self.zk_ok():
            raise ClusterError("kafkatui localcluster: ZooKeeper is not running; start it first")
        t0 = time.monotonic()
        libs = fetch(self.kraft, quiet=True)
        self.write_configs()
        if self.kraft:
            self.format_storage(libs)
        deadline = time.monotonic() + START_TIMEOUT
        if n.role == "broker":
            self.wait_gone([name], deadline)
        pid = self.spawn(n, libs)
        if n.role == "broker":
            self.wait_brokers([name], deadline, libs)
            pid = self.live_pid(name) or pid
        else:
            self.wait_ready([name], deadline)
        took = time.monotonic() - t0
        log(f"{name} started (pid {pid}) and ready in {took:.1f}s")
        return took

    @locked
    def restart(self, name: str) -> float:
        self.node(name)
        if self.live_pid(name) is not None:
            self.stop(name)
        return self.start(name)


# --------------------------------------------------------------------------------------------------
# Logging configs (written into the state dir; ${kafka.logs.dir} is set per process)

LOG4J_PROPERTIES = """\
# kafkatui localcluster: log4j 1.x (reload4j) config for Kafka 3.9 and ZooKeeper
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.kafka.log.LogCleaner=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.zookeeper=INFO
"""

LOG4J2_PROPERTIES = """\
# kafkatui localcluster: log4j2 config for Kafka 4.x
status = warn
name = kafkatui-localcluster
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
"""


# --------------------------------------------------------------------------------------------------
# CLI


def _print_status(rows: list[ProcStatus], as_json: bool) -> None:
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    for r in rows:
        port = f"{HOST}:{r.port}" if r.port else "-"
        print(f"{r.name:<24} pid {r.pid if r.pid else '-':<8} {r.state:<11} {port}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cluster.py",
        description="Local Apache Kafka cluster for kafkatui tests and the demo (127.0.0.1 only).",
        epilog=f"Ports = ${PORT_BASE_ENV} (default {DEFAULT_PORT_BASE}) + offsets; see localcluster/README.md.",
    )
    p.add_argument(
        "--kraft",
        action="store_true",
        help=f"KRaft cluster (Kafka {KRAFT_KAFKA_VERSION}) instead of ZooKeeper mode (Kafka {ZK_KAFKA_VERSION})",
    )
    p.add_argument("--state-dir", help="state dir (default: <repo>/.localcluster or .localcluster-kraft)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("fetch", help="download the Kafka jars (and the schema registry) into the cache")
    sub.add_parser("up", help="start the cluster (idempotent) and write <state>/env")
    sub.add_parser("down", help="stop every recorded process (cluster and demo daemons)")
    st = sub.add_parser("status", help="one line per recorded process")
    st.add_argument("--json", action="store_true", help="print JSON")
    sub.add_parser("wipe", help="down, then delete the state dir")
    sub.add_parser("env", help="print the env file contents for this cluster")
    for name, text in (
        ("kill", "SIGKILL"),
        ("pause", "SIGSTOP"),
        ("resume", "SIGCONT"),
        ("stop", "SIGTERM and wait"),
        ("start", "start one process and wait until ready"),
        ("restart", "stop then start one process"),
    ):
        sp = sub.add_parser(name, help=f"{text} (NAME: zookeeper, controller-N, broker-N)")
        sp.add_argument("name", metavar="NAME")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "fetch":
            fetch(args.kraft)
            if not args.kraft:
                registry.fetch_registry(_require("mvn", "install Maven (apt-get install maven)"))
            return 0
        cluster = Cluster(kraft=args.kraft, state_dir=args.state_dir)
        cmd = args.command
        if cmd == "up":
            cluster.up()
        elif cmd == "down":
            cluster.down()
        elif cmd == "wipe":
            cluster.wipe()
        elif cmd == "status":
            _print_status(cluster.status(), args.json)
        elif cmd == "env":
            print(cluster.env_text(), end="")
        elif cmd in ("kill", "pause", "resume"):
            pid = getattr(cluster, cmd)(args.name)
            log(f"{cmd} {args.name} (pid {pid})")
        elif cmd == "stop":
            cluster.stop(args.name)
            log(f"stopped {args.name}")
        elif cmd in ("start", "restart"):
            getattr(cluster, cmd)(args.name)
        return 0
    except (ClusterError, registry.RegistryError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `status | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("kafkatui localcluster: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
