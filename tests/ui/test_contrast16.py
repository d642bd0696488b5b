"""Contrast on 16-colour terminals (TERM=xterm, TERM=screen) and in the ANSI theme.

Why measured from what is written: on a 16-colour terminal Rich maps every truecolor the theme
uses to the nearest of 16 colours, and the terminal then paints those 16 with its own palette.
A theme that looks fine in truecolor can collapse there (amber keys on a dark panel became bright
red on grey: a contrast ratio of 1.0). So the app runs headless with the colour system that
TERM=xterm gives, each visible cell is turned into the exact SGR codes Rich writes for that
colour system, the codes are mapped to the standard xterm palette, and the WCAG 2 contrast ratio
of every foreground/background pair that carries visible text must reach 4.5 (AA); lines drawn
with box-drawing or block characters (dividers, tree guides, borders) must reach WCAG's 3 for
non-text. Faint (SGR 2) text fails outright: its colour is the terminal's guess.

The terminal's own default colours (SGR 39/49) are unknown to the app: see `terminal_defaults`.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import Static

from kafkatui.model import Partition, Topic
from kafkatui.refresh.state import Source
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.screens.help import HelpScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.processes import ProcessesScreen
from kafkatui.ui.screens.too_small import TooSmallScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.zookeeper.quorum import QuorumScreen
from kafkatui.ui.zookeeper.screen import ZooKeeperScreen
from kafkatui.ui.zookeeper.tree import ZnodeTree
from tests.ui.fixtures import BROKERS, cluster_snapshot, frozen_app, frozen_state, kraft_state, screen_text, stale
from tests.ui.fixtures import wait_for as wait

SHIPPED = ("kafkatui-dark", "kafkatui-light", "kafkatui-high-contrast", "kafkatui-ansi")
AA = 4.5  # WCAG 2 AA, normal text
NON_TEXT = 3.0  # WCAG 2.1 1.4.11: lines and shapes the operator reads (dividers, guides, sparklines)

# xterm's default 16 colours (XTerm-col.ad / 256colres.h): what "standard" SGR codes look like.
XTERM_16: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
    (255, 255, 255),
)
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_ratio_is_wcag_2s() -> None:
    """Anchors for the arithmetic: black/white is 21, a colour on itself 1, xterm red on grey ~1.0."""
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert contrast(XTERM_16[3], XTERM_16[3]) == 1.0
    assert contrast(XTERM_16[9], XTERM_16[8]) < 1.01  # the "bright red on grey"
    assert round(contrast(XTERM_16[7], XTERM_16[0]), 1) == 16.7


def sgr_pair(codes: str, default_fg: int, default_bg: int) -> tuple[int, int, bool]:
    """(fg, bg, dim) palette indexes from one SGR parameter string, as a terminal applies it."""
    fg, bg, reverse, dim = default_fg, default_bg, False, False
    for part in filter(None, codes.split(";")):
        n = int(part)
        if n == 0:
            fg, bg, reverse, dim = default_fg, default_bg, False, False
        elif n == 2:
            dim = True
        elif n == 7:
            reverse = True
        elif 30 <= n <= 37:
            fg = n - 30
        elif 90 <= n <= 97:
            fg = n - 90 + 8
        elif n == 39:
            fg = default_fg
        elif 40 <= n <= 47:
            bg = n - 40
        elif 100 <= n <= 107:
            bg = n - 100 + 8
        elif n == 49:
            bg = default_bg
        elif n in (38, 48):
            raise AssertionError(f"an extended colour reached a 16-colour terminal: {codes!r}")
    return (bg, fg, dim) if reverse else (fg, bg, dim)


def written_cells(app: Any) -> Iterator[tuple[str, str]]:
    """(SGR parameters, text) of each run of the current screen, exactly as Rich writes it to the
    terminal with the app console's colour system (one `style.render` per segment)."""
    system = app.console.color_system
    assert system in ("standard", "windows"), f"expected a 16-colour console, got {system}"
    colour_system = ColorSystem.STANDARD if system == "standard" else ColorSystem.WINDOWS
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                      color_system=system, legacy_windows=False, safe_box=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    for segment in console.render(update):
        text, style, control = segment
        if control or style is None or not text.strip():
            continue
        # A fresh Style: Rich caches a style's codes for the first colour system it was rendered in.
        fresh = Style(color=style.color, bgcolor=style.bgcolor, bold=style.bold, dim=style.dim,
                      reverse=style.reverse)
        written = fresh.render("x", color_system=colour_system)
        codes = SGR.findall(written)
        yield (codes[0] if codes and written.startswith("\x1b[") else ""), text


def terminal_defaults(app: Any) -> tuple[tuple[int, int], ...]:
    """The (fg, bg) the terminal may use for SGR 39/49, which the app cannot know.

    A theme that uses the terminal's own background (kafkatui-ansi) is judged on the kind of
    terminal it declares: xterm colour 7 on 0 when dark, 0 on 15 when light. A theme that paints
    its own background must be readable on both kinds (xterm itself starts black on white).
    """
    dark, light = (7, 0), (0, 15)
    if (app.current_theme.background or "ansi_default") == "ansi_default":
        return (dark,) if app.current_theme.dark else (light,)
    return dark, light


def is_line_art(text: str) -> bool:
    """Box drawing and block elements only: borders, dividers, tree guides, scrollbars, sparklines."""
    return all(ch.isspace() or "\u2500" <= ch <= "\u259f" for ch in text)


def low_contrast(app: Any, where: str, found: dict[tuple[int, int, bool], str] | None = None) -> list[str]:
    """One line per foreground/background pair under its minimum in the current screen (each pair once):
    AA's 4.5 for text, WCAG's 3 for non-text (line art)."""
    found = {} if found is None else found
    for codes, text in written_cells(app):
        minimum = NON_TEXT if is_line_art(text) else AA
        for default_fg, default_bg in terminal_defaults(app):
            fg, bg, dim = sgr_pair(codes, default_fg, default_bg)
            ratio = contrast(XTERM_16[fg], XTERM_16[bg])
            if dim or ratio < minimum:
                found.setdefault((fg, bg, dim), f"{where}: colour {fg} on {bg}{' dim' if dim else ''} "
                                                f"= {ratio:.2f} in {text.strip()[:24]!r} (SGR {codes or 'none'})")
    return list(found.values())


Step = tuple[str, Callable[[Any], Awaitable[None]]]


def press(*keys: str, until: Callable[[Any], object], what: str) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        await pilot.press(*keys)
        await wait(pilot, lambda: until(pilot.app), what=what)
        await pilot.pause()

    return run


def on(screen_type: type, text: str = "") -> Callable[[Any], object]:
    return lambda app: isinstance(app.screen, screen_type) and text in screen_text(app)


async def _gone_broker(pilot: Any) -> None:
    app = pilot.app
    app.set_state(replace(app.state, cluster=replace(app.state.cluster, brokers=BROKERS[:2])))
    await wait(pilot, lambda: "GONE" in screen_text(app), what="broker 3 GONE")


async def _znode(pilot: Any) -> None:
    tree = pilot.app.screen.query_one(ZnodeTree)
    await wait(pilot, lambda: len(tree.root.children) > 3, what="ZooKeeper root")
    pilot.app.screen.select_path("/brokers/ids/1")
    await wait(pilot, lambda: "Broker 1 registration" in screen_text(pilot.app), what="znode")


async def _toasts(pilot: Any) -> None:
    """The app's warnings and errors are Textual toasts (theme files, failed jumps, saves)."""
    pilot.app.notify("a warning toast", title="ZooKeeper jump", severity="warning")
    pilot.app.notify("an error toast", title="save", severity="error")
    await wait(pilot, lambda: "an error toast" in screen_text(pilot.app), what="toasts")


async def _too_small(pilot: Any) -> None:
    await pilot.resize_terminal(40, 12)
    await wait(pilot, lambda: isinstance(pilot.app.screen, TooSmallScreen), what="too-small screen")
    await pilot.pause()


ZK_STEPS: list[Step] = [
    ("overview", press("1", until=on(OverviewScreen, "Brokers"), what="overview")),
    ("overview, a broker gone", _gone_broker),
    ("paused", press("p", until=lambda app: "PAUSED" in screen_text(app), what="PAUSED")),
    ("processes", press("2", until=on(ProcessesScreen, "broker"), what="processes")),
    ("topics", press("3", until=on(TopicsScreen, "orders"), what="topics")),
    ("topics, filter typed", press("slash", "o", until=on(TopicsScreen, "/o"), what="filter")),
    ("topic detail", press("enter", "enter", until=on(TopicDetailScreen, "overrides"), what="topic detail")),
    ("groups", press("4", until=on(GroupsScreen, "analytics"), what="groups")),
    ("group detail", press("j", "enter", until=on(GroupDetailScreen), what="group detail")),
    ("zookeeper", press("5", until=on(ZooKeeperScreen), what="zookeeper")),
    ("zookeeper node", _znode),
    ("zookeeper, data focused", press("tab", until=on(ZooKeeperScreen), what="tab")),
    ("toasts", _toasts),
    ("help", press("question_mark", until=on(HelpScreen), what="help")),
    ("jump palette", press("escape", "colon", *"topic o", until=lambda app: "topic orders" in screen_text(app),
                           what="palette hits")),
    ("too small", _too_small),
]
KRAFT_STEPS: list[Step] = [
    ("kraft overview", press("1", until=on(OverviewScreen, "Brokers"), what="overview")),
    ("quorum", press("5", until=on(QuorumScreen), what="quorum")),
]


def _problem_state() -> Any:
    """Every kind of news: stale groups (a banner), an offline topic, URP, STOP/WARN lag."""
    dead = Topic("dead", False, (Partition("dead", 0, -1, (3,), (), earliest=None, latest=None),))
    return stale(frozen_state(cluster=cluster_snapshot(extra_topics=(dead,))), Source.GROUPS,
                 error="groups: timed out after 4.0s")


@pytest.fixture
def xterm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment of a 16-colour xterm: Textual's console then detects the standard colour system."""
    for name in ("COLORTERM", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", "auto")
    monkeypatch.setenv("TERM", "xterm")


async def _walk(app: Any, theme: str, steps: list[Step], found: dict[tuple[int, int, bool], str]) -> None:
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        app.theme = theme
        await pilot.pause()
        # The views re-render on the theme's signal, and a big table or the attention panel makes
        # its rows in a thread worker: wait for those before the first check. (Once, in a full run,
        # the overview's rows kept the previous theme's colours for good: rows prepared under the
        # old theme ended the repaint. Fixed in FilterTable; test_worker_handoff.py's theme test.)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.console.color_system == "standard"  # what TERM=xterm means to Rich and Textual
        for where, step in steps:
            await step(pilot)
            low_contrast(app, where, found)


@pytest.mark.parametrize("theme", SHIPPED)
async def test_every_view_is_readable_on_a_16_colour_xterm(xterm: None, theme: str) -> None:
    found: dict[tuple[int, int, bool], str] = {}
    await _walk(frozen_app(_problem_state()), theme, ZK_STEPS, found)
    await _walk(frozen_app(kraft_state(), zookeeper=False), theme, KRAFT_STEPS, found)
    problems = list(found.values())
    assert not problems, f"{theme}: {len(problems)} pairs under {AA}:1\n" + "\n".join(problems)


def test_screen_means_16_colours_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """TERM=screen (tmux, GNU screen) is the same 16-colour case the test above measures."""
    for name in ("COLORTERM", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", "auto")
    monkeypatch.setenv("TERM", "screen")
    assert frozen_app().console.color_system == "standard"


def test_sgr_codes_are_read_as_a_terminal_applies_them() -> None:
    assert sgr_pair("91;100", 7, 0) == (9, 8, False)
    assert sgr_pair("1;33", 7, 0) == (3, 0, False)
    assert sgr_pair("7;32;40", 7, 0) == (0, 2, False)  # reverse swaps what the terminal paints
    assert sgr_pair("39;49", 0, 15) == (0, 15, False)


class Swatch(App[None]):
    """Amber on a dark slate, the footer keys of the dark theme before 16-colour themes existed."""

    CSS = "Static { color: #e0a040; background: #242b35; } #fine { color: #d8dee9; background: #000000; }"

    def compose(self) -> ComposeResult:
        yield Static("keys", id="bad")
        yield Static("text", id="fine")


async def test_the_measure_flags_a_pair_that_collapses_in_16_colours(xterm: None) -> None:
    """Positive control: through the same pipeline, a pair that is fine in truecolor but becomes
    bright red on grey in 16 colours is reported, and a good pair is not."""
    app = Swatch()
    async with app.run_test(size=(20, 2)) as pilot:
        await pilot.pause()
        problems = low_contrast(app, "swatch")
    assert os.environ["TERM"] == "xterm"
    assert len(problems) == 1 and "colour 9 on 8" in problems[0] and "keys" in problems[0], problems


@pytest.mark.live
async def test_the_tail_and_a_record_are_readable_on_a_16_colour_xterm(xterm: None, make_app: Any,
                                                                        wait_until: Any) -> None:
    """The live views on the real cluster: the tail of a seeded topic and one record's detail,
    in every shipped theme (switched at run time, as `:theme` does)."""
    from kafkatui.tail.start import parse_start
    from kafkatui.ui.tail.prompt import TailPrompt
    from kafkatui.ui.tail.record_detail import RecordDetailScreen
    from kafkatui.ui.tail.screen import TailScreen
    from kafkatui.ui.tail.table import TailTable

    app = make_app()
    found: dict[tuple[int, int, bool], str] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.console.color_system == "standard"
        await wait_until(pilot, lambda: app.state.cluster is not None, what="the first refresh")
        app.open_tail("orders", start=parse_start("earliest"))
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen)
                         and app.screen.query_one(TailTable).row_count > 5, what="records in the tail")
        for theme in SHIPPED:
            app.theme = theme
            await pilot.pause()
            low_contrast(app, f"{theme} tail", found)
            await pilot.press("f", "enter")  # pause, then the record under the cursor
            await wait_until(pilot, lambda: isinstance(app.screen, RecordDetailScreen), what="record detail")
            low_contrast(app, f"{theme} record", found)
            await pilot.press("escape", "F")  # the start-position prompt over the tail
            await wait_until(pilot, lambda: isinstance(app.screen, TailPrompt), what="the prompt")
            low_contrast(app, f"{theme} prompt", found)
            await pilot.press("escape", "f")
            await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), what="back to the tail")
    problems = list(found.values())
    assert not problems, f"{len(problems)} pairs under their minimum\n" + "\n".join(problems)
