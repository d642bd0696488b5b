"""A bootstrap port that accepts TCP but never answers Kafka (issue 12, defect 3).

The server here is a real loopback socket that accepts every connection and never says a word:
it is the faulty server, not a stand-in for Kafka. The installed `kafkatui` runs under a pty,
as it would in a terminal, so that before the fix the monitor really opened (and kept retrying).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import socket
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.tmux_server import kafkatui_command

EXIT_WITHIN_S = 60  # generous: the connect timeout is 4 s; this only bounds a hang, it times nothing


def installed_kafkatui() -> str:
    """The installed console script; missing it skips on a developer machine and fails under CI."""
    command = kafkatui_command()
    if command is None:
        problem = "the kafkatui console script is not installed (pip install -e . first)"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return command


@pytest.fixture
def silent_server() -> Iterator[str]:
    """HOST:PORT of a listener that accepts every connection and never answers (a wedged broker,
    or a port that is not Kafka)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.1)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, name="silent-server", daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    sock.close()


def terminal() -> tuple[int, int]:
    """A pty of 100x30 (master, slave), as a terminal would give the app."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return master, slave


def environment(tmp_path: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "xterm-256color", "LANG": "C.UTF-8"}


def test_monitor_exits_2_when_the_bootstrap_accepts_tcp_but_never_answers(silent_server: str, tmp_path) -> None:
    """The README: an unreachable cluster is one line on stderr and exit 2 within the connect
    timeout unless --wait is given. A TCP connect is not an answer: the monitor used to open and
    retry forever."""
    master, slave = terminal()
    try:
        result = subprocess.run([installed_kafkatui(), "--bootstrap", silent_server], stdin=slave, stdout=slave,
                                stderr=subprocess.PIPE, text=True, env=environment(tmp_path), timeout=EXIT_WITHIN_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"kafkatui was still running after {EXIT_WITHIN_S} s: it opened and kept retrying")
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    line = lines[0]
    assert line.startswith("kafkatui: ") and silent_server in line, line
    assert "no Kafka answer" in line and "--wait" in line, line


def read_until(master: int, wanted: bytes, timeout: float) -> bytes:
    """What the app wrote to its terminal, read until `wanted` appears (or the time is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while (not wanted or wanted not in seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:  # the app exited and closed its side
                break
    return seen


def test_wait_still_opens_the_monitor_and_keeps_retrying(silent_server: str, tmp_path) -> None:
    """--wait skips the start-up check: the monitor opens on the same silent server, says Kafka
    is down and retrying, and quits on Q."""
    master, slave = terminal()
    proc = subprocess.Popen([installed_kafkatui(), "--wait", "--bootstrap", silent_server], stdin=slave,
                            stdout=slave, stderr=slave, env=environment(tmp_path), start_new_session=True)
    os.close(slave)
    try:
        screen = read_until(master, b"retrying", 30)
        assert b"DOWN" in screen and b"retrying" in screen, screen[-2000:]
        os.write(master, b"Q")
        deadline = time.monotonic() + EXIT_WITHIN_S
        while proc.poll() is None and time.monotonic() < deadline:
            read_until(master, b"", 0.2)  # keep reading, so the app never blocks on a full terminal
        assert proc.poll() == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
