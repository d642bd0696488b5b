"""End to end: `kafkatui --tail orders` in an 80x24 tmux pane sees a freshly produced marker.

Why tmux: it shows what really reaches an operator's terminal over SSH. The test produces a
unique marker to `orders` (the demo producer keeps writing there too), waits for it on the
captured pane, checks no raw escape sequence from a hostile record leaked, then quits.
Skips cleanly when the console script, tmux, or the CLI's `--tail` flag is missing.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from bench.tmux_server import TmuxServer

pytestmark = [pytest.mark.e2e, pytest.mark.live]


def kafkatui_command() -> str | None:
    return shutil.which("kafkatui", path=str(Path(sys.executable).parent)) or shutil.which("kafkatui")


def supports_tail(command: str) -> bool:
    result = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=30, check=False)
    return "--tail" in result.stdout


class Pane:
    def __init__(self, session: str, tmux: TmuxServer) -> None:
        self.session = session
        self.tmux = tmux

    def text(self) -> str:
        return self.tmux.run("capture-pane", "-p", "-t", self.session, check=False)

    def raw(self) -> str:
        """The pane with escape sequences (-e), to prove no record byte arrived unescaped."""
        return self.tmux.run("capture-pane", "-p", "-e", "-t", self.session, check=False)

    def keys(self, *keys: str) -> None:
        self.tmux.run("send-keys", "-t", self.session, *keys)

    def wait_for(self, check: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if check(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; pane shows:\n{text}")
            time.sleep(0.2)


def missing(reason: str) -> None:
    """Skip on a developer machine; under CI (`make test` installs both) a missing tool is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def tail_pane(cluster, tmp_path: Path, tmux_server: TmuxServer) -> Iterator[Pane]:
    command = kafkatui_command()
    if command is None:
        missing("the kafkatui console script is not installed (pip install -e . first)")
    if shutil.which("tmux") is None:
        missing("tmux is not installed")
    if not supports_tail(command):
        pytest.fail("this kafkatui has no --tail flag")
    session = f"kafkatui-tail-{uuid.uuid4().hex[:8]}"
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "TERM": "xterm-256color"}
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    args = [command, "--bootstrap", cluster.bootstrap, "--tail", "orders"]
    exit_file = tmp_path / "exit"
    shell = f"env {prefix} {shlex.join(args)}; echo EXIT=$? > {shlex.quote(str(exit_file))}; sleep 600"
    tmux_server.run("new-session", "-d", "-s", session, "-x", "80", "-y", "24", shell)
    pane = Pane(session, tmux_server)
    pane.exit_file = exit_file  # type: ignore[attr-defined]
    try:
        yield pane
    finally:
        tmux_server.run("kill-session", "-t", session, check=False)


def test_tail_orders_shows_a_produced_marker(tail_pane: Pane, cluster) -> None:
    tail_pane.wait_for(lambda s: "Tail orders" in s and "following" in s, 60, "the tail of orders")
    marker = f"m-{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-e2e-tail", acks="all",
                             allow_auto_create_topics=False)
    try:
        producer.send("orders", key=marker.encode(), value=f"{marker} \x1b[2J\x1b]52;c;aGk=\x07 e2e".encode())
        producer.flush(timeout=15)
    finally:
        producer.close(timeout=5)
    screen = tail_pane.wait_for(lambda s: marker in s, 30, f"the marker {marker}")
    line = next(row for row in screen.splitlines() if marker in row)
    assert "\\x1b[2J" in line, line  # the hostile part of the value is shown escaped
    raw = tail_pane.raw()  # with the SGR colour sequences tmux keeps; a record's own would show here
    assert "\x1b]52;" not in raw and "\x1b[2J" not in raw and "\x07" not in raw
    tail_pane.keys("Q")
    deadline = time.monotonic() + 20
    exit_file: Path = tail_pane.exit_file  # type: ignore[attr-defined]
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert exit_file.exists() and exit_file.read_text().strip() == "EXIT=0"
