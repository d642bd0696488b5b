"""How the cluster tool decides that a pid it recorded is one of its own processes.

CI once failed because a JVM spawned a moment earlier was judged "exited during start-up": between
execve() closing the close-on-exec fds (when Popen returns) and the kernel filling in the argument
pages, /proc/<pid>/cmdline reads empty.  These tests run real short-lived processes; only the
command-line read is replayed to reproduce that window."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import localcluster.cluster as lc


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A live process whose command line names the state dir, as the cluster's JVMs do."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", str(tmp_path / "state")])
    yield proc
    proc.kill()
    proc.wait()


def test_a_process_naming_the_state_dir_is_ours(tmp_path: Path, sleeper: subprocess.Popen) -> None:
    cluster = lc.Cluster(state_dir=tmp_path / "state")
    assert cluster.is_ours(sleeper.pid)
    assert not lc.Cluster(state_dir=tmp_path / "other").is_ours(sleeper.pid)


def test_an_empty_command_line_mid_exec_is_read_again(
    tmp_path: Path, sleeper: subprocess.Popen, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = lc.read_cmdline
    empty_reads = [[], []]

    def mid_exec_then_real(pid: int) -> list[str] | None:
        return empty_reads.pop() if empty_reads else real(pid)

    monkeypatch.setattr(lc, "read_cmdline", mid_exec_then_real)
    cluster = lc.Cluster(state_dir=tmp_path / "state")
    assert cluster.is_ours(sleeper.pid)


def test_a_process_that_ended_is_not_ours_and_has_ended(tmp_path: Path) -> None:
    cluster = lc.Cluster(state_dir=tmp_path / "state")
    proc = subprocess.Popen([sys.executable, "-c", "pass", str(tmp_path / "state")])
    proc.wait()
    cluster.pids_dir.mkdir(parents=True)
    cluster.pid_file("broker-1").write_text(f"{proc.pid}\n")
    assert not cluster.is_ours(proc.pid)
    assert cluster.has_ended("broker-1")


def test_a_live_spawned_process_has_not_ended_even_before_its_command_line_is_readable(
    tmp_path: Path, sleeper: subprocess.Popen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lc, "read_cmdline", lambda pid: [])
    cluster = lc.Cluster(state_dir=tmp_path / "state")
    cluster.pids_dir.mkdir(parents=True)
    cluster.pid_file("controller-1").write_text(f"{sleeper.pid}\n")
    assert not cluster.has_ended("controller-1")
    cluster._dead_started(["controller-1"])  # must not raise ClusterError


def test_the_scan_for_strays_does_not_wait_on_kernel_threads(
    tmp_path: Path, sleeper: subprocess.Popen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kernel threads always show an empty command line; waiting out each one made `down` take two
    minutes.  The scan reads every pid's command line once and still finds an unrecorded process."""
    real = lc.read_cmdline
    reads: dict[int, int] = {}

    def counted(pid: int) -> list[str] | None:
        reads[pid] = reads.get(pid, 0) + 1
        return real(pid)

    monkeypatch.setattr(lc, "read_cmdline", counted)
    cluster = lc.Cluster(state_dir=tmp_path / "state")
    assert sleeper.pid in cluster.strays()
    kernel_threads = [pid for pid in reads if not real(pid) and lc.proc_state(pid) not in (None, "Z", "X")]
    assert kernel_threads, "no process with an empty command line to check against"
    assert all(reads[pid] == 1 for pid in kernel_threads)
