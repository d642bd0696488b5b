"""kafkatui localcluster: a real Schema Registry (Apicurio Registry 3.0.9) next to the cluster.

Stdlib only, like cluster.py. Why Apicurio: it is the only Schema Registry server these machines can
get (Confluent's is not on Maven Central, Karapace is not on PyPI), and its Confluent-compatible API
(`/apis/ccompat/v7`) is what kafkatui talks to, the same kind of URL a user gives for Confluent's.

* `fetch_registry()` downloads `io.apicurio:apicurio-registry-app:3.0.9:tar.gz:all` with Maven
  (`dependency:get`: its parent POM is not on Central, so it cannot be a dependency of our POMs) and
  unpacks it once into `$XDG_CACHE_HOME/kafkatui/apicurio-registry-3.0.9/`, as the Kafka jars are cached.
* `ensure_registry(cluster)` starts it (in-memory storage, -Xmx192m, HTTP on 127.0.0.1 only, no
  management interface) as process `schema-registry` of the cluster's state dir: its pid file sits
  with the cluster's, so `cluster.py down` stops it and `status` lists it.
* `registry_url(cluster)` is what `<state>/env` says in KAFKATUI_SCHEMA_REGISTRY.
* `RegistryProcess` starts one more registry on a port of the caller's choosing (tests that stop a
  registry while the tail reads use their own, never the shared one).

Only the ZooKeeper-mode cluster (the demo and test cluster) gets a registry; KRaft mode does not
(a registry costs ~220 MB of RSS). Set KAFKATUI_NO_SCHEMA_REGISTRY=1 to skip it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cluster.py imports this module (also when run as a script): no import back at run time
    from localcluster.cluster import Cluster

REGISTRY_VERSION = "3.0.9"
ARTIFACT = f"io.apicurio:apicurio-registry-app:{REGISTRY_VERSION}:tar.gz:all"
NAME = "schema-registry"
REGISTRY_OFFSET = 2981  # port = port base + this: 21981 for the default base 19000
CCOMPAT_PATH = "/apis/ccompat/v7"
HEAP = ["-Xmx192m", "-Xms64m", "-XX:TieredStopAtLevel=1"]  # C1 only: a faster start-up
START_TIMEOUT = 240.0  # a loaded 2-core machine took 75 s
SKIP_ENV = "KAFKATUI_NO_SCHEMA_REGISTRY"
MARKER = ".kafkatui-complete"
HOST = "127.0.0.1"


class RegistryError(Exception):
    """One clear line; cluster.py turns it into its ClusterError."""


def _log(msg: str) -> None:
    print(f"localcluster: {msg}", flush=True)


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kafkatui"


def registry_dir() -> Path:
    return _cache_root() / f"apicurio-registry-{REGISTRY_VERSION}"


def _runner(directory: Path) -> Path | None:
    return next(iter(directory.glob("*-runner.jar")), None)


def _maven_repo() -> Path:
    return Path(os.environ.get("KAFKATUI_MAVEN_REPO") or Path.home() / ".m2" / "repository")


def fetch_registry(mvn: str, quiet: bool = False) -> Path:
    """Make sure the registry is unpacked in the cache; return its runner jar. Offline when cached.

    `mvn` is the Maven command (cluster.py finds it, with its one-line hint when it is missing)."""
    target = registry_dir()
    marker = target / MARKER
    runner = _runner(target)
    if marker.is_file() and marker.read_text().strip() == ARTIFACT and runner is not None:
        if not quiet:
            _log(f"Apicurio Registry {REGISTRY_VERSION} already cached in {target}")
        return runner
    repo = _maven_repo()
    group, artifact, version, ext, classifier = ARTIFACT.split(":")
    archive = repo / Path(*group.split(".")) / artifact / version / f"{artifact}-{version}-{classifier}.{ext}"
    if not archive.is_file():
        _log(f"fetching Apicurio Registry {REGISTRY_VERSION} with Maven (about 110 MB) ...")
        # The default dependency plugin: 3.8.1 refuses this artifact (its parent POM is not on Central).
        proc = subprocess.run(
            [mvn, "-q", "-B", f"-Dmaven.repo.local={repo}", "dependency:get", f"-Dartifact={ARTIFACT}",
             "-Dtransitive=false"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
        )
        if proc.returncode != 0 or not archive.is_file():
            lines = [ln.strip() for ln in proc.stdout.splitlines() if "ERROR" in ln] or proc.stdout.splitlines()
            last = lines[0] if lines else f"exit code {proc.returncode}"
            raise RegistryError(f"kafkatui localcluster: mvn could not fetch {ARTIFACT}: {last[:300]}")
    tmp = target.parent / f"{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    if _runner(tmp) is None:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RegistryError(f"kafkatui localcluster: {archive} holds no *-runner.jar")
    (tmp / MARKER).write_text(ARTIFACT + "\n")
    old = target.parent / f"{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    _log(f"unpacked Apicurio Registry {REGISTRY_VERSION} into {target}")
    runner = _runner(target)
    assert runner is not None
    return runner


def registry_port(cluster: Cluster) -> int:
    return cluster.port_base + REGISTRY_OFFSET


def base_url(port: int) -> str:
    """The Confluent-compatible base URL (what a user gives kafkatui for Confluent's registry)."""
    return f"http://{HOST}:{port}{CCOMPAT_PATH}"


def registry_url(cluster: Cluster) -> str | None:
    """KAFKATUI_SCHEMA_REGISTRY for the env file, or None when this cluster has no registry."""
    if not wanted(cluster):
        return None
    return base_url(registry_port(cluster))


def wanted(cluster: Cluster) -> bool:
    return not cluster.kraft and os.environ.get(SKIP_ENV, "").strip() in ("", "0")


def command(java: Sequence[str], runner: Path, port: int, work: Path, tag: str) -> list[str]:
    """The JVM command line: HTTP on 127.0.0.1:port only, in-memory storage, no management port.

    `java` is the java command with cluster.py's common JVM flags."""
    return [
        *java, *HEAP, tag,
        f"-Djava.io.tmpdir={work / 'tmp'}",
        f"-Dquarkus.http.host={HOST}",
        f"-Dquarkus.http.port={port}",
        "-Dquarkus.http.ssl-port=0",
        "-Dquarkus.management.enabled=false",
        f"-Dquarkus.management.host={HOST}",
        "-Dapicurio.storage.kind=sql",
        "-Dapicurio.storage.sql.kind=h2",
        "-Dapicurio.datasource.url=jdbc:h2:mem:registry_db",
        "-Dquarkus.log.level=WARN",
        "-Dquarkus.http.access-log.enabled=false",
        "-Dquarkus.log.category.\"io.apicurio\".level=WARN",
        "-Dquarkus.banner.enabled=false",
        "-jar", str(runner),
    ]


def ready(port: int, timeout: float = 2.0) -> bool:
    """The ccompat API answers (GET /subjects)."""
    try:
        with urllib.request.urlopen(f"{base_url(port)}/subjects", timeout=timeout) as resp:
            json.loads(resp.read())
            return resp.status == 200
    except (OSError, ValueError):
        return False


def _spawn(cmd: list[str], work: Path, log_file: Path) -> subprocess.Popen:
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = open(log_file, "ab")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=str(work), start_new_session=True, close_fds=True)
    finally:
        out.close()
    return proc


def _wait_ready(proc: subprocess.Popen, port: int, deadline: float, log_file: Path) -> None:
    while not ready(port):
        if proc.poll() is not None:
            tail = (log_file.read_text(errors="replace").strip().splitlines() or ["?"])[-1][:300]
            raise RegistryError(f"kafkatui localcluster: the schema registry exited during start-up: {tail}")
        if time.monotonic() > deadline:
            raise RegistryError(f"kafkatui localcluster: timed out waiting for the schema registry; see {log_file}")
        time.sleep(0.25)


def ensure_registry(cluster: Cluster, java: Sequence[str], mvn: str) -> None:
    """Start the cluster's registry unless it runs (idempotent); called by `Cluster.up`, which checks
    the port first."""
    if not wanted(cluster) or cluster.live_pid(NAME) is not None:
        return
    port = registry_port(cluster)
    runner = fetch_registry(mvn, quiet=True)
    work = cluster.state / NAME
    t0 = time.monotonic()
    _log(f"starting {NAME} (Apicurio Registry {REGISTRY_VERSION}) on {HOST}:{port}")
    log_file = cluster.logs_dir / f"{NAME}.out"
    proc = _spawn(command(java, runner, port, work, f"-Dkafkatui.localcluster={NAME}"), work, log_file)
    cluster.pids_dir.mkdir(parents=True, exist_ok=True)
    cluster.pid_file(NAME).write_text(f"{proc.pid}\n")
    _wait_ready(proc, port, time.monotonic() + START_TIMEOUT, log_file)
    proc.returncode = 0  # it runs on after us; silence Popen.__del__
    _log(f"{NAME} ready after {time.monotonic() - t0:.1f}s: {base_url(port)}")


class RegistryProcess:
    """One registry of its own, a child of this process (tests that stop a registry while the tail
    reads use this, never the cluster's)."""

    def __init__(self, port: int, work: Path) -> None:
        self.port, self.work = port, work
        self.url = base_url(port)
        self._proc: subprocess.Popen | None = None

    def start(self, java: Sequence[str], mvn: str) -> None:
        runner = fetch_registry(mvn, quiet=True)
        log_file = self.work / "registry.out"
        self._proc = _spawn(command(java, runner, self.port, self.work, "-Dkafkatui.registry=test"), self.work,
                            log_file)
        try:
            _wait_ready(self._proc, self.port, time.monotonic() + START_TIMEOUT, log_file)
        except BaseException:  # never leave a registry running that nobody will stop
            self.stop()
            raise

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
