"""End to end: a resize storm with the tail open settles (issue 12, defect 1).

The operator's steps, in a 200x50 tmux window: `kafkatui`, `3`, `:tail orders` Enter, then 20
times 40x12 and back to 200x50, 0.22 s apart; then the same at 0.1 s and 0.05 s. Before the fix
the app often never came back (the issue saw one run in three at 0.22 s): the topics view under
the tail was left with a stale 40x12 Resize queued next to a current 200x50 one, the two took
turns for ever, and the app sat at 100 % CPU on "window too small" ignoring Q and ctrl+c (see
GuardedScreen in kafkatui/ui/screens/base.py). Settled means: after each storm the tail is shown
again at 200x50 with no too-small notice and new records keep arriving in it; at the end `Q`
quits with exit code 0 (Q also works on the too-small screen now, so a Q that lands while the app
still catches up with the last resizes is not lost either).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bench.tmux_server import Pane, TmuxServer
from tests.conftest import installed_command_for_tmux

pytestmark = [pytest.mark.e2e, pytest.mark.live]

CYCLES = 20
# Seconds between resizes (the storms' own rhythm, not waits for anything): the issue's storm,
# then the same faster, as dragging a window edge does. The old code hung at the pace
# when the host was busy, and more often at the faster ones.
PACES_S = (0.22, 0.1, 0.05)
BIG, SMALL = (200, 50), (40, 12)


@pytest.fixture
def storm_pane(cluster, tmp_path: Path, tmux_server: TmuxServer) -> Iterator[Pane]:
    command = installed_command_for_tmux()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "TERM": "xterm-256color"}
    args = [command, "--bootstrap", cluster.bootstrap, *(["--zookeeper", cluster.zookeeper] if cluster.zookeeper
                                                          else [])]
    pane = tmux_server.launch(args, env, BIG, exit_file=tmp_path / "exit", name="kafkatui-storm")
    shell = psutil.Process(pane.pid())
    try:
        yield pane
    finally:
        # A hung app (the defect) ignores the SIGHUP of a closed pane: its event loop never runs
        # a handler again. Kill what this test started, by pid, so it does not spin on.
        for process in shell.children(recursive=True):
            process.kill()
        pane.close()


def resize(pane: Pane, size: tuple[int, int]) -> None:
    pane.tmux.run("resize-window", "-t", pane.session, "-x", str(size[0]), "-y", str(size[1]))


def window_size(pane: Pane) -> tuple[int, int]:
    width, height = pane.tmux.run("display-message", "-p", "-t", pane.session,
                                  "#{window_width} #{window_height}").split()
    return int(width), int(height)


def tail_shown(screen: str) -> bool:
    return "Tail orders" in screen and "following" in screen and "too small" not in screen


def received(screen: str) -> int:
    match = re.search(r"recv ([\d,]+)", screen)
    return int(match.group(1).replace(",", "")) if match else -1


def test_resize_storm_with_the_tail_open_settles(storm_pane: Pane) -> None:
    pane = storm_pane
    pane.wait_for(lambda s: "READ-ONLY" in s and "Brokers 3" in " ".join(s.split()), 60, "the overview with data")
    pane.keys("3")
    pane.wait_for(lambda s: "topics ·" in s and "Topic" in s, 30, "the topics view")
    pane.keys(":")
    pane.wait_for("🔎", 10, "the jump prompt")
    pane.keys("tail orders", literal=True)
    pane.wait_for("follow its messages live", 10, "the `tail orders` hit")
    pane.keys("Enter")
    pane.wait_for(lambda s: "Tail orders" in s and "following" in s, 30, "the tail of orders")

    for pace in PACES_S:
        for _ in range(CYCLES):
            resize(pane, SMALL)
            time.sleep(pace)
            resize(pane, BIG)
            time.sleep(pace)
        assert window_size(pane) == BIG
        screen = pane.wait_for(tail_shown, 30, f"the tail at 200x50 after {CYCLES} resizes {pace} s apart")
        before = received(screen)  # and live: the demo producer's records keep arriving on screen
        pane.wait_for(lambda s, n=before: tail_shown(s) and received(s) > n, 30,
                      f"new records in the tail after the storm at {pace} s (had {before})")
    pane.keys("Q")
    assert pane.exit_code(timeout=20) == 0
