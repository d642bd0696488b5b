"""UI test helpers: a live app factory against the real cluster, and condition-polling waits.

Why polling waits: refreshes take a variable time on a loaded 2-core box, so tests wait for
the condition they need (with a deadline), never for a fixed number of seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kafkatui.config import load_settings
from kafkatui.ui.app import KafkaTuiApp
from tests.conftest import unpaced
from tests.ui.fixtures import wait_for

KEY_NAMES = {
    " ": "space",
    ":": "colon",
    "?": "question_mark",
    "/": "slash",
    "-": "minus",
    "_": "underscore",
    ".": "full_stop",
}

WaitUntil = Callable[..., Awaitable[None]]


@pytest.fixture(autouse=True)
def truecolor_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin Textual's colour system to truecolor for UI tests.

    The app swaps each theme for its 16-colour form on a 16-colour console, which is what Rich
    detects for TERM=xterm, TERM=screen and also for no TERM at all (a CI job). Without the pin the
    colours under test would depend on the shell that runs pytest. test_contrast16 sets the
    16-colour case up itself.
    """
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", "truecolor")


@pytest.fixture
def wait_until() -> WaitUntil:
    """tests.ui.fixtures.wait_for with the live tests' longer default timeout (a real cluster)."""

    async def wait(pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 20.0,
                   what: str = "condition", interval: float = 0.1) -> None:
        await wait_for(pilot, predicate, timeout, what, interval)

    return wait


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type characters one key at a time (pilot.press wants key names for punctuation)."""
    await pilot.press(*(KEY_NAMES.get(ch, ch) for ch in text))


@pytest.fixture
def typist() -> Callable[[Pilot[Any], str], Awaitable[None]]:
    return type_text


@pytest.fixture
def make_app(cluster: Any, tmp_path: Path) -> Callable[..., KafkaTuiApp]:
    """Build the real app for the local cluster; the user's own config file is never read."""

    def make(refresh: float = 1.0, **args: Any) -> KafkaTuiApp:
        settings = load_settings(
            {"bootstrap": cluster.bootstrap, "zookeeper": cluster.zookeeper, "refresh": refresh, **args},
            env={},
            path=tmp_path / "no-config.toml",
        )
        return unpaced(KafkaTuiApp(settings))

    return make
