"""End to end: `kafkatui --tail orders` in an 80x24 tmux pane sees a freshly produced marker.

Why tmux: it shows what really reaches an operator's terminal over SSH. The test produces a
unique marker to `orders` (the demo producer keeps writing there too), waits for it on the
captured pane, checks no raw escape sequence from a hostile record leaked, then quits.
Skips cleanly when the console script, tmux, or the CLI's `--tail` flag is missing.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from bench.tmux_server import Pane, TmuxServer
from tests.conftest import close_producer, installed_command_for_tmux

pytestmark = pytest.mark.e2e


def supports_tail(command: str) -> bool:
    result = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=30, check=False)
    return "--tail" in result.stdout


@pytest.fixture
def tail_pane(cluster, tmp_path: Path, tmux_server: TmuxServer) -> Iterator[Pane]:
    command = installed_command_for_tmux()
    if not supports_tail(command):
        pytest.fail("this kafkatui has no --tail flag")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "TERM": "xterm-256color"}
    pane = tmux_server.launch([command, "--bootstrap", cluster.bootstrap, "--tail", "orders"], env, (80, 24),
                              exit_file=tmp_path / "exit", name="kafkatui-tail")
    try:
        yield pane
    finally:
        pane.close()


def test_tail_orders_shows_a_produced_marker(tail_pane: Pane, cluster) -> None:
    tail_pane.wait_for(lambda s: "Tail orders" in s and "following" in s, 60, "the tail of orders")
    marker = f"m-{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-e2e-tail", acks="all",
                             allow_auto_create_topics=False)
    try:
        producer.send("orders", key=marker.encode(), value=f"{marker} \x1b[2J\x1b]52;c;aGk=\x07 e2e".encode())
        producer.flush(timeout=15)
    finally:
        close_producer(producer)
    screen = tail_pane.wait_for(lambda s: marker in s, 30, f"the marker {marker}")
    line = next(row for row in screen.splitlines() if marker in row)
    assert "\\x1b[2J" in line, line  # the hostile part of the value is shown escaped
    raw = tail_pane.raw()  # with the SGR colour sequences tmux keeps; a record's own would show here
    assert "\x1b]52;" not in raw and "\x1b[2J" not in raw and "\x07" not in raw
    tail_pane.keys("Q")
    assert tail_pane.exit_code(timeout=20) == 0
