"""Quitting, going back or switching views while a screen is being pushed (issue 12, defect 2).

A screen is pushed, then mounted, then framed by the app (header and footer mounted into it)
over several turns of the event loop. The keys of an operator who is faster than that (`:orders`
Enter then ctrl+c within ~100 ms) land in between: ctrl+c used to end in a MountError traceback
and exit code 1, because the app went on mounting into a screen of an app that was exiting; and
a screen dropped before it mounted still got Mount, whose handler then found none of its widgets
(NoMatches) and killed the app the same way after Esc. Each test opens something, lets the loop
turn a few times or waits until the header is being mounted into the new screen, then quits
(ctrl+c as the terminal delivers it: a Key event to the app), goes back or switches views (the
actions those keys run, called at once: a key takes several turns to arrive), and requires no
exception and exit code 0.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from textual import events

from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.widgets.footer import AppFooter
from kafkatui.ui.widgets.header import AppHeader

pytestmark = pytest.mark.live

# When the key comes: after this many event-loop turns since the push, or "framing": while the
# app is mounting the header into the new screen (the window the MountError came from).
MOMENTS: tuple[int | str, ...] = (0, 1, 3, 13, "framing")
KEYS = {"ctrl+c": "\x03", "escape": "\x1b", "3": "3", "4": "4"}

OPENERS: dict[str, Callable[[KafkaTuiApp], None]] = {
    "topic": lambda app: app.open_topic("orders"),  # what `:orders` Enter runs
    "tail": lambda app: app.open_tail("orders"),
    "group": lambda app: app.open_group("billing"),
    "znode": lambda app: app.open_znode("/brokers/ids"),
    "view": lambda app: app.switch_view("groups"),
}

DRILL_INS = {"topic": "TopicDetailScreen", "tail": "TailScreen", "group": "GroupDetailScreen"}


def press(app: KafkaTuiApp, key: str) -> None:
    """A key as the terminal driver delivers it: posted to the app, no waiting for idle."""
    app.post_message(events.Key(key, KEYS[key]))


async def reach(app: KafkaTuiApp, moment: int | str) -> None:
    """Let the event loop run up to `moment` (see MOMENTS)."""
    if isinstance(moment, int):
        for _ in range(moment):
            await asyncio.sleep(0)
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        headers = app.screen.query(AppHeader)
        if headers and not headers.first().is_mounted:
            return
        await asyncio.sleep(0)
    pytest.fail(f"never saw the header being mounted into {app.screen!r}")


async def until_exited(app: KafkaTuiApp, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while app.is_running and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not app.is_running, "the app did not exit after ctrl+c"


def framed(app: KafkaTuiApp) -> bool:
    """The current screen has its header and footer."""
    screen = app.screen
    return bool(screen.query(AppHeader)) and bool(screen.query(AppFooter))


@pytest.mark.parametrize("opener", ["topic", "tail", "znode", "view"])
async def test_ctrl_c_while_a_screen_is_being_pushed_exits_0(make_app: Any, wait_until: Any, opener: str) -> None:
    for moment in MOMENTS:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(pilot, lambda a=app: a.state.cluster is not None, timeout=60, what="first refresh")
            OPENERS[opener](app)
            await reach(app, moment)
            press(app, "ctrl+c")
            await until_exited(app)
        # leaving run_test re-raises what the app died of (MountError, NoMatches) before this line
        assert app.return_code == 0, f"{opener}, ctrl+c at {moment!r}: exit {app.return_code}"


INTERRUPTS: dict[str, Callable[[KafkaTuiApp], None]] = {
    "back": lambda app: app.action_back(),  # what Esc runs
    "switch": lambda app: app.switch_view("overview"),  # what `1` runs
}


@pytest.mark.parametrize("interrupt", ["back", "switch"])
async def test_back_or_switch_while_a_screen_is_being_pushed(make_app: Any, wait_until: Any, interrupt: str) -> None:
    """Back or another view right after a jump: no exception, the app keeps working, and a screen
    whose framing was cut short gets its header and footer when it is shown again."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, timeout=60, what="first refresh")
        for opener in ("topic", "tail", "group"):  # each pushes a new screen, which gets framed
            for moment in MOMENTS:
                OPENERS[opener](app)
                opened = app.screen
                await reach(app, moment)
                INTERRUPTS[interrupt](app)
                what = f"{opener}, {interrupt} at {moment!r}"
                await wait_until(pilot, lambda: len(app.screen_stack) == 1 and framed(app), timeout=20,
                                 what=f"a framed view root ({what})")
                if interrupt == "switch":  # back to the drill-in that was left: framed by now; then close it
                    # once what was being mounted into it has landed and its activation has ended
                    await wait_until(pilot, lambda s=opened: all(w.is_mounted for w in s.query(AppHeader)),
                                     timeout=20, what=f"the header of the drill-in left behind ({what})")
                    await pilot.pause()
                    press(app, "4" if opener == "group" else "3")
                    await wait_until(pilot, lambda o=opener: type(app.screen).__name__ == DRILL_INS[o] and framed(app),
                                     timeout=20, what=f"the drill-in left behind, framed ({what})")
                    press(app, "escape")
                    await wait_until(pilot, lambda: len(app.screen_stack) == 1, timeout=20, what=f"closed ({what})")
        assert app.view_errors == []
        press(app, "ctrl+c")
        await until_exited(app)
    assert app.return_code == 0
