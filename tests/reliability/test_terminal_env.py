"""Terminals: 40x12 and repeated resizes with live data, and TERM=dumb / TERM=screen for real.

Frozen-data resize storms, the too-small screen's own rules and themes are tested in
tests/ui/test_terminal.py; a resize while a real poll is in flight there too. Here: the live app
started at 40x12 and driven through every view, a drill-in and a tail while tiny; resizes while
the tail receives the demo producer's records; and the installed command under TERM=dumb and
TERM=screen in tmux (it starts, shows its header, quits with Q, exit code 0).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.tmux_server import TmuxServer
from kafkatui.refresh.state import Source
from kafkatui.tail.start import parse_start
from kafkatui.ui.screens.too_small import TooSmallScreen, is_too_small
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.tail.table import TailTable
from kafkatui.ui.widgets.table import FilterTable
from tests.conftest import installed_command_for_tmux
from tests.reliability.helpers import KeyProbe, text, wait_until

SIZES = [(40, 12), (80, 24), (59, 15), (160, 48), (61, 17), (120, 30), (30, 8), (100, 40), (200, 60), (60, 16)]


async def test_live_app_started_at_40x12_then_grown(app_factory, probe: KeyProbe) -> None:
    app = app_factory(refresh=1.0)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 40, "first data while tiny")
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmallScreen) and "too small" in text(app), 10,
                         "the too-small notice")
        for key in "23451":  # keys still work underneath: views switch, nothing crashes
            await pilot.press(key)
            await pilot.pause(0.2)
        app.open_topic("orders")
        app.open_tail("orders")
        await pilot.pause(1.0)
        assert app.is_running and app.view_errors == []
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), 10, "the tail once the terminal grew")
        await wait_until(pilot, lambda: app.screen.query_one(TailTable).row_count > 0, 20,
                         "live records in the tail at 80x24")
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TopicDetailScreen", 10, "back to the detail")
        await wait_until(pilot, lambda: app.screen.query_one("#topic-partitions", FilterTable).visible_count == 6, 10,
                         "orders' 6 partitions")
        assert "READ-ONLY" in text(app) and app.view_errors == []


async def test_resize_storm_with_a_live_tail_and_views(app_factory, probe: KeyProbe) -> None:
    app = app_factory(refresh=1.0)
    rng = random.Random(7)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 40, "first data")
        await probe.warm(pilot)
        app.open_tail("orders", start=parse_start("last:100"))
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen)
                         and app.screen.query_one(TailTable).row_count > 0, 20, "records in the tail")
        tail = app.screen
        for i in range(30):  # records keep arriving from the demo producer while the size changes
            size = rng.choice(SIZES)
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05 if i % 3 else 0.3)
        await pilot.resize_terminal(120, 36)
        await wait_until(pilot, lambda: app.screen is tail and not is_too_small(app.size), 10, "the tail back")
        received = tail.status.received
        await wait_until(pilot, lambda: tail.status.received > received, 20, "the tail still receiving")
        await pilot.press("escape")
        for i in range(20):  # and the same while switching views on live data
            await pilot.resize_terminal(*rng.choice(SIZES))
            await pilot.press(str(i % 5 + 1))
        await pilot.resize_terminal(120, 36)
        await probe.switch(pilot, "3", "topics")
        await wait_until(pilot, lambda: "orders" in app.screen.query_one(FilterTable).visible_keys()
                         and not app.state.health[Source.CLUSTER].stale, 20, "the topics view with data")
        assert app.is_running and app.view_errors == []
    probe.check()


@pytest.mark.e2e
@pytest.mark.parametrize("term", ["dumb", "screen"])
def test_installed_command_under_term(cluster, tmp_path: Path, term: str, tmux_server: TmuxServer) -> None:
    command = installed_command_for_tmux()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": term}
    args = [command, "--bootstrap", cluster.bootstrap, "--zookeeper", cluster.zookeeper or "", "--refresh", "2"]
    run = tmux_server.launch(args, env, (100, 30), exit_file=tmp_path / "exit", name="kafkatui-rel")
    try:
        screen = run.wait_for(lambda s: "READ-ONLY" in s and "overview" in s, 40, f"the header under TERM={term}",
                              joined=True)
        assert "Traceback" not in screen
        run.wait_for(lambda s: "Brokers 3" in " ".join(s.split()), 40, "live data", joined=True)
        run.keys("Q")
        assert run.exit_code() == 0
    finally:
        run.close()
