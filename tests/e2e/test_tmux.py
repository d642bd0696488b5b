"""End to end: the installed `kafkatui` command in an 80x24 tmux pane, driven by keys only.

Why tmux: it is how operators run kafkatui (SSH + tmux, small pane, no mouse), and it shows
the real terminal output, escape-delay and all. The pane runs `kafkatui ...; echo $?`
so the test can check the exit code after `Q`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.tmux_server import Pane, TmuxServer
from tests.conftest import installed_command_for_tmux

pytestmark = pytest.mark.e2e


def filter_table(pane: Pane, pattern: str) -> None:
    """`/` regex filter on the current table, kept with Enter."""
    pane.keys("/")
    pane.wait_for("Enter keeps", 10, "the empty filter prompt (its placeholder)")
    pane.keys(pattern, literal=True)
    pane.wait_for(pattern, 10, "the typed filter")
    pane.keys("Enter")
    pane.wait_for(lambda s: all(line.strip() != pattern for line in s.splitlines()[-3:]), 10,
                  "the filter prompt to close")


def jump(pane: Pane, target: str) -> None:
    """`:` jump through the command palette, as an operator would type it."""
    pane.keys(":")
    pane.wait_for("🔎", 10, "the jump prompt")
    pane.keys(target, literal=True)
    time.sleep(0.5)  # the palette searches asynchronously; Enter before that would pick nothing
    pane.keys("Enter")


@pytest.fixture
def pane(cluster, tmp_path: Path, tmux_server: TmuxServer) -> Iterator[Pane]:
    command = installed_command_for_tmux()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "TERM": "xterm-256color"}
    args = [command, "--bootstrap", cluster.bootstrap, "--zookeeper", cluster.zookeeper, "--refresh", "2"]
    p = tmux_server.launch(args, env, (80, 24), exit_file=tmp_path / "exit", name="kafkatui-e2e")
    try:
        yield p
    finally:
        p.close()


def test_every_view_and_drill_in_by_keys_then_quit(pane: Pane) -> None:
    pane.wait_for(lambda s: "overview ·" in s and "Brokers 3" in s, 60, "the overview with 3 brokers")
    screen = pane.wait_for(lambda s: "READ-ONLY" in s and "Q Quit" in s, 10, "badge and footer")
    assert "Under-replicated" in screen

    pane.keys("2")
    pane.wait_for(lambda s: "processes ·" in s and "zookeeper" in s and "broker" in s, 30, "processes view")
    pane.keys("3")
    pane.wait_for(lambda s: "topics ·" in s and "Topic" in s, 30, "topics view")
    filter_table(pane, "^(orders|payments)$")  # other tests' topics may fill the 80x24 screen
    pane.wait_for(lambda s: "orders" in s and "payments" in s, 30, "filtered topics")
    pane.keys("4")
    pane.wait_for(lambda s: "groups ·" in s and "Group" in s, 30, "groups view")
    filter_table(pane, "^(billing|analytics)$")
    pane.wait_for(lambda s: "billing" in s and "analytics" in s, 30, "filtered groups")
    pane.keys("5")
    screen = pane.wait_for(lambda s: "zookeeper ·" in s and ("brokers" in s or "⚠" in s), 30, "zookeeper view")
    if "⚠" in screen:  # a busy ZooKeeper timed the listing out; the view offers r to reload, as would a user
        pane.keys("r")
        pane.wait_for(lambda s: "zookeeper ·" in s and "brokers" in s, 30, "zookeeper tree after reload")
    pane.keys("1")
    pane.wait_for("overview ·", 10, "back to the overview")

    jump(pane, "topic orders")
    pane.wait_for(lambda s: "topics ·" in s and "Topic orders" in s and "Leader" in s, 30, "topic orders detail")
    pane.keys("q")
    pane.wait_for(lambda s: "Topic orders" not in s and "payments" in s, 10, "back to the (still filtered) topic list")

    jump(pane, "group billing")
    pane.wait_for(lambda s: "groups ·" in s and "billing" in s and "orders" in s and "Lag" in s, 30,
                  "group billing detail")
    pane.keys("q")
    pane.wait_for(lambda s: "analytics" in s, 10, "back to the group list")

    jump(pane, "/brokers/ids/1")
    pane.wait_for(lambda s: "zookeeper ·" in s and "Broker 1 registration" in s, 30,
                  "znode /brokers/ids/1 with broker 1's registration")

    pane.keys("Q")
    assert pane.exit_code(timeout=20) == 0
