"""Screens settle after any sequence of resizes, and no stack keeps a too-small screen (issue 12).

The hang: Textual 8 handles a Resize whose size is not the terminal's any more like any other,
and a screen whose size changes posts itself a new Resize, followed (during a batch update) by a
callback to repaint, so the Resize events in its queue no longer sit side by side and stop
replacing each other. A screen holding a stale and a current Resize at once then alternates
between the two sizes for ever, never yielding to the event loop (see GuardedScreen in
kafkatui/ui/screens/base.py). The end-to-end storm that found it is
tests/e2e/test_resize_storm_tmux.py, which hangs the old code in some runs only; here the topics
view under a drill-in gets the queue a profile of the hung process showed, so the old code hangs
on every run. A hung event loop cannot be interrupted from inside the test, so that scenario runs
in a child interpreter.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from textual.screen import Screen

import kafkatui
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.too_small import TooSmallScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from tests.ui.fixtures import frozen_app, screen_text, wait_for

REPO = Path(__file__).resolve().parents[2]

CROSSING_RESIZES = """
import asyncio

from textual.events import Resize

from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import frozen_app, wait_for


async def main() -> None:
    app = frozen_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="the topics view")
        app.open_topic("orders")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen), what="the drill-in")
        below = app.screen_stack[-2]
        # The queue of the topics view in the hung process: a 40x12 from before the window grew
        # back and the current 200x50, each followed by another message, while the app was in a
        # batch update (the footer recomposing after the too-small screen came or went).
        with app.batch_update():
            below.post_message(Resize.from_dimensions((40, 12), None))
            below.call_later(lambda: None)
            below.post_message(Resize.from_dimensions((200, 50), None))
            below.call_later(lambda: None)
            await pilot.pause(0.2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is below, what="back on the topics view")
        width = below.query_one(FilterTable).size.width
        await pilot.press("Q")
    print("settled", width, app.return_code)


asyncio.run(main())
"""


def test_a_view_holding_a_stale_and_a_current_resize_settles() -> None:
    try:
        result = subprocess.run([sys.executable, "-c", CROSSING_RESIZES], cwd=REPO, capture_output=True, text=True,
                                timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the app never settled: the topics view kept re-handling its two queued Resize events")
    assert result.returncode == 0, result.stderr[-3000:]
    word, width, code = result.stdout.split()[-3:]
    assert word == "settled" and int(width) > 150 and code == "0", result.stdout  # laid out at 200 columns


def kafkatui_screen_classes() -> list[type]:
    for module in pkgutil.walk_packages(kafkatui.__path__, "kafkatui."):
        if not module.name.endswith("__main__"):  # that one runs the app
            importlib.import_module(module.name)
    found: list[type] = []
    pending: list[type] = [Screen]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("kafkatui."):
            found.append(cls)
    return found


def test_every_kafkatui_screen_is_guarded() -> None:
    """A screen without the guard can hang the app in a resize storm; so can a future one."""
    from kafkatui.ui.screens.base import GuardedScreen  # here, so the other tests run on code without it

    screens = kafkatui_screen_classes()
    assert {"TopicsScreen", "TailScreen", "TooSmallScreen", "HelpScreen", "JumpPalette"} <= {c.__name__
                                                                                            for c in screens}
    assert [c.__name__ for c in screens if not issubclass(c, GuardedScreen)] == []


async def test_a_view_left_while_too_small_is_covered_and_then_given_back() -> None:
    """`--tail` (or any jump made while small) switches views under the too-small screen: the new
    view is covered too, and the one left behind does not keep its too-small screen once the
    window is large again (it used to, and then only Q worked in that view)."""
    app = frozen_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen), what="the too-small screen")
        app.open_topic("orders")  # as `kafkatui --tail` does at start-up: topics view, a drill-in on top
        await wait_for(pilot, lambda: app.current_mode == "topics" and isinstance(app.screen, TooSmallScreen),
                       what="the topics view covered as well")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen), what="the drill-in at 80x24")
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen) and "Brokers" in screen_text(app),
                       what="the overview, not its old too-small screen")
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen), what="keys work: the topics view")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="back to the topic list")
        assert app.view_errors == []


async def test_q_and_p_work_on_the_too_small_screen() -> None:
    """It says "make it larger, or press Q to quit": Q and p work while it shows (they did not,
    so a Q pressed during a resize storm could be lost), the view keys still do nothing."""
    app = frozen_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen), what="the too-small screen")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.state.paused, what="p to pause")
        await pilot.press("3", "colon", "question_mark")
        assert isinstance(app.screen, TooSmallScreen) and app.current_mode == "overview"
        await pilot.press("Q")
        deadline = asyncio.get_running_loop().time() + 10
        while app.is_running and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        assert not app.is_running, "Q did not quit"
    assert app.return_code == 0
