"""ProcessSource against the real local cluster's JVMs (no mocks).

Other clusters may run on the same host (the KRaft variant, a developer's own), so every
assertion looks only at processes whose config lives in this cluster's state dir.
"""

from __future__ import annotations

import json
import os
import pwd
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kafkatui.model import Broker, JvmProcess, ProcessesSnapshot
from kafkatui.processes.source import ProcessSource
from kafkatui.zookeeper.source import ZooKeeperSource
from kafkatui.zookeeper.stats import split_hosts
from tests.conftest import wait_for


@pytest.fixture(scope="module")
def brokers(cluster) -> tuple[Broker, ...]:
    """Broker metadata as Kafka registered it in ZooKeeper (id, host, port)."""
    if not cluster.zookeeper:
        pytest.skip("cluster runs without ZooKeeper")
    with ZooKeeperSource(cluster.zookeeper) as zk:
        found = []
        for name in zk.children("/brokers/ids"):
            reg = json.loads(zk.node(f"/brokers/ids/{name}").data)
            found.append(Broker(int(name), reg["host"], reg["port"]))
    return tuple(found)


@pytest.fixture
def source() -> Iterator[ProcessSource]:
    src = ProcessSource()
    yield src
    src.close()


def ours(snapshot: ProcessesSnapshot, cluster) -> list[JvmProcess]:
    state = Path(cluster.state_dir).resolve()
    return [p for p in snapshot.processes if p.config_path and state in Path(p.config_path).resolve().parents]



def proc_cmdline(pid: int) -> list[str]:
    """Ground truth straight from /proc, independent of psutil."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def flag(cmdline: list[str], prefix: str) -> str | None:
    values = [a[len(prefix) :] for a in cmdline if a.startswith(prefix)]
    return values[-1] if values else None


def test_finds_three_brokers_and_zookeeper(source: ProcessSource, brokers: tuple[Broker, ...], cluster) -> None:
    snap = source.refresh(brokers)
    mine = ours(snap, cluster)
    kafka = sorted((p for p in mine if p.role == "broker"), key=lambda p: p.broker_id or 0)
    zk = [p for p in mine if p.role == "zookeeper"]
    assert [p.broker_id for p in kafka] == [1, 2, 3]
    assert len(zk) == 1
    for proc in kafka:
        broker = next(b for b in brokers if b.id == proc.broker_id)
        assert broker.port in proc.ports
        assert f":{broker.port}" in (proc.listeners or "")
        assert proc.zookeeper_connect == cluster.zookeeper
        assert proc.process_roles is None  # ZooKeeper mode has no process.roles
    zk_port = split_hosts(cluster.zookeeper)[0][1]
    assert zk_port in zk[0].ports
    assert zk[0].broker_id is None and zk[0].listeners is None


def test_process_facts_match_the_os(source: ProcessSource, brokers: tuple[Broker, ...], cluster) -> None:
    for proc in ours(source.refresh(brokers), cluster):
        cmdline = proc_cmdline(proc.pid)
        assert proc.xmx == flag(cmdline, "-Xmx") and proc.xmx  # e.g. '384m' as localcluster set it
        assert proc.xms == flag(cmdline, "-Xms")
        assert proc.config_path == next(a for a in reversed(cmdline) if a.endswith((".properties", ".cfg")))
        assert proc.user == pwd.getpwuid(os.stat(f"/proc/{proc.pid}").st_uid).pw_name
        assert proc.rss_bytes and proc.rss_bytes > 10 * 1024 * 1024
        assert proc.threads and proc.threads > 5
        assert proc.open_fds and proc.open_fds > 10
        assert proc.create_time and proc.create_time <= time.time()


def test_log_dirs_have_usage(source: ProcessSource, brokers: tuple[Broker, ...], cluster) -> None:
    mine = ours(source.refresh(brokers), cluster)
    assert mine
    for proc in mine:
        assert proc.log_dirs, proc
        usage = proc.log_dirs[0]
        assert Path(usage.path).is_dir()
        assert usage.used_bytes and usage.used_bytes > 0
        assert usage.total_bytes and usage.free_bytes is not None and usage.free_bytes <= usage.total_bytes
        assert usage.partial is False


def test_cpu_is_unknown_first_then_measured(source: ProcessSource, brokers: tuple[Broker, ...], cluster) -> None:
    first = ours(source.refresh(brokers), cluster)
    assert first and all(p.cpu_percent is None for p in first)
    second = ours(source.refresh(brokers), cluster)
    known = {p.pid for p in first}
    again = [p for p in second if p.pid in known]
    assert again and all(isinstance(p.cpu_percent, float) and p.cpu_percent >= 0 for p in again)


def test_refresh_is_cheap(source: ProcessSource, brokers: tuple[Broker, ...]) -> None:
    source.refresh(brokers)
    snap = source.refresh(brokers)
    assert snap.duration_s < 0.5, f"a warm refresh took {snap.duration_s:.3f}s"


def test_without_metadata_ids_come_from_config(source: ProcessSource, cluster) -> None:
    kafka = [p for p in ours(source.refresh(), cluster) if p.role == "broker"]
    assert sorted(p.broker_id for p in kafka) == [1, 2, 3]


@pytest.mark.faults
def test_killed_broker_disappears(source: ProcessSource, brokers: tuple[Broker, ...], cluster) -> None:
    before = {p.broker_id: p.pid for p in ours(source.refresh(brokers), cluster) if p.role == "broker"}
    assert set(before) == {1, 2, 3}
    try:
        cluster.kill("broker-3")
        after: list[JvmProcess] = []

        def gone() -> bool:  # SIGKILL is asynchronous: a JVM takes a moment to exit
            after[:] = ours(source.refresh(brokers), cluster)
            return before[3] not in {p.pid for p in after}

        wait_for("the process to be gone", gone, timeout=10)
        assert 3 not in {p.broker_id for p in after if p.role == "broker"}
        assert {1, 2} <= {p.broker_id for p in after if p.role == "broker"}
    finally:
        cluster.restart("broker-3")
    back: dict[int | None, int] = {}

    def returned() -> bool:
        back.update({p.broker_id: p.pid for p in ours(source.refresh(brokers), cluster) if p.role == "broker"})
        return back.get(3) not in (None, before[3])

    wait_for(f"the process to return ({back})", returned, timeout=30)
