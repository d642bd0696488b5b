"""Terminals: colour systems and NO_COLOR, the too-small screen, resizes (also during a refresh), themes.

Why these together: they are what differs between the operator's terminals (16 colours to
truecolor, tmux over SSH, a pane split to 40x12) and must never change what the app can tell them.
Frozen data where the layout is the point; the live app where a real refresh must be in flight.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.command import CommandPalette
from textual.worker import WorkerState

from kafkatui.cli import apply_color_choice, build_parser
from kafkatui.config import load_settings
from kafkatui.model import Partition, Topic
from kafkatui.refresh.state import Source
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.too_small import MIN_COLS, MIN_ROWS, TooSmallScreen, is_too_small, too_small_message
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.themes import load_themes
from kafkatui.ui.widgets.header import AppHeader, age_note, took_note
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import BROKERS, NOW, cluster_snapshot, frozen_app, frozen_state, screen_text, stale, wait_for

SHIPPED = ("kafkatui-dark", "kafkatui-light", "kafkatui-high-contrast", "kafkatui-ansi")


# --------------------------------------------------------------------------- colour systems


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private copy of os.environ, so setting the colour variables cannot leak into other tests."""
    copy = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL_COLOR_SYSTEM")}
    monkeypatch.setattr(os, "environ", copy)
    return copy


@pytest.mark.parametrize(
    ("flag", "variable", "value"),
    [
        ("none", "NO_COLOR", "1"),
        ("16", "TEXTUAL_COLOR_SYSTEM", "standard"),
        ("256", "TEXTUAL_COLOR_SYSTEM", "256"),
        ("truecolor", "TEXTUAL_COLOR_SYSTEM", "truecolor"),
        ("auto", "TEXTUAL_COLOR_SYSTEM", "auto"),
    ],
)
def test_color_flag_sets_the_textual_environment(
    environ: dict[str, str], tmp_path: Path, flag: str, variable: str, value: str
) -> None:
    args = build_parser().parse_args(["--bootstrap", "127.0.0.1:1", "--color", flag])
    settings = load_settings(vars(args), env={}, path=tmp_path / "none.toml")
    assert settings.color == flag
    apply_color_choice(settings.color)
    assert environ[variable] == value
    if flag != "none":
        assert "NO_COLOR" not in environ


def test_no_color_environment_means_color_none(tmp_path: Path) -> None:
    settings = load_settings({"bootstrap": "127.0.0.1:1"}, env={"NO_COLOR": "1"}, path=tmp_path / "none.toml")
    assert settings.color == "none"
    explicit = load_settings({"bootstrap": "127.0.0.1:1", "color": "256"}, env={"NO_COLOR": "1"},
                             path=tmp_path / "none.toml")
    assert explicit.color == "256"  # a flag beats the environment


@pytest.mark.parametrize(("flag", "expected"), [("16", "standard color_system=standard no_color=False"),
                                                 ("none", "auto color_system=auto no_color=True")])
def test_color_choice_reaches_textual_when_set_before_import(flag: str, expected: str) -> None:
    """Textual reads its colour system at import: the CLI must set the variables first (new process)."""
    code = (
        "from kafkatui.cli import apply_color_choice\n"
        f"apply_color_choice({flag!r})\n"
        "from textual import constants\n"
        "from textual.app import App\n"
        "app = App()\n"
        "print(constants.COLOR_SYSTEM, f'color_system={constants.COLOR_SYSTEM}', f'no_color={app.no_color}')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL_COLOR_SYSTEM")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == expected


def _svg_colours(svg: str) -> set[str]:
    """Text colours (CSS classes) and cell backgrounds (rects); not the window's traffic-light circles."""
    return {m.lower() for m in re.findall(r'(?:fill:\s*|<rect fill=")(#[0-9a-fA-F]{6})', svg)}


def _chroma(hex_colour: str) -> int:
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return max(rgb) - min(rgb)


def _problem_state() -> Any:
    """Frozen state with every kind of bad news: stale groups, an offline topic, URP, STOP/WARN lag."""
    dead = Topic("dead", False, (Partition("dead", 0, -1, (3,), (), earliest=None, latest=None),))
    return stale(frozen_state(cluster=cluster_snapshot(extra_topics=(dead,))), Source.GROUPS,
                 error="groups: timed out after 4.0s")


async def test_no_color_state_is_readable_from_text_and_symbols(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR: Textual's monochrome filter removes every hue, and each state still has a word or symbol."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = frozen_app(_problem_state())
    assert app.no_color
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen) and "Brokers" in screen_text(app))
        state = app.state
        gone = replace(state, cluster=replace(state.cluster, brokers=BROKERS[:2]))
        app.set_state(gone)
        await wait_for(pilot, lambda: "GONE" in screen_text(app), what="broker 3 marked GONE")
        overview = screen_text(app)
        assert "Kafka connected" in overview and "ZK CONNECTED" in overview and "READ-ONLY" in overview
        assert "Under-replicated 2" in overview and "Offline 1" in overview and "Leaderless 1" in overview
        assert "groups: timed out" in overview  # a failing source is named in words
        svgs = [app.export_screenshot()]

        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen) and "dead" in screen_text(app))
        topics = screen_text(app)
        assert "✗ OFFLINE 1" in topics and "⚠ URP 1" in topics and "✓ ok" in topics
        svgs.append(app.export_screenshot())

        await pilot.press("4")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and "analytics" in screen_text(app))
        groups = screen_text(app)
        assert "STALE since" in groups  # the groups source is failing: its banner says so in words
        assert "OK" in groups and "STOP" in groups and "WARN" in groups
        svgs.append(app.export_screenshot())

    for svg in svgs:
        hues = {c for c in _svg_colours(svg) if _chroma(c) > 8}  # Rich's export default #c5c8c6 is 3
        assert not hues, f"colours left under NO_COLOR: {sorted(hues)[:5]}"


async def test_without_no_color_the_same_states_are_coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: the monochrome result is NO_COLOR's doing, not the theme's."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = frozen_app(_problem_state())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: "OFFLINE" in screen_text(app))
        critical = Color.parse(semantic(app, "critical")).hex.lower()
        assert critical in _svg_colours(app.export_screenshot())


# --------------------------------------------------------------------------- header: idle writes nothing


def test_header_age_is_coarse_and_only_shown_when_old() -> None:
    from kafkatui.refresh.state import SourceHealth

    fresh = SourceHealth(last_ok_at=NOW, last_duration_s=0.08)
    assert age_note(fresh, 5.0, NOW + 4.9) == ""
    assert age_note(fresh, 5.0, NOW + 10.0) == ""  # within two refreshes: silence means fresh
    assert age_note(fresh, 5.0, NOW + 12.0) == "updated 10s ago"
    assert age_note(fresh, 5.0, NOW + 14.9) == "updated 10s ago"  # 5 s steps: rewritten at most every 5 s
    assert took_note(fresh) == ""
    assert took_note(SourceHealth(last_ok_at=NOW, last_duration_s=1.4)) == "took 1s"
    assert took_note(SourceHealth(last_ok_at=NOW, last_duration_s=2.6)) == "took 3s"


async def test_idle_header_does_not_repaint() -> None:
    """Ticks and identical refreshes leave the header's widgets alone (no bytes to the terminal);
    the positive control (pausing shows PAUSED) proves the counting sees an update."""
    app = frozen_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "READ-ONLY" in screen_text(app))
        header = app.screen.query_one(AppHeader)
        assert "Kafka connected · ZK CONNECTED · every 5s" in header.status_text
        statics = list(header.query("Static"))
        updates = {id(s): 0 for s in statics}

        def counting(static: Any, original: Any) -> Any:
            def update(*args: Any, **kwargs: Any) -> None:
                updates[id(static)] += 1
                original(*args, **kwargs)

            return update

        for static in statics:
            static.update = counting(static, static.update)  # type: ignore[method-assign]
        for _ in range(5):
            app.set_state(replace(app.state))  # a refresh that brought identical data
            app._tick()
            await pilot.pause()
        assert sum(updates.values()) == 0

        app.set_state(replace(app.state, paused=True))  # something the header shows changed
        app._tick()
        await wait_for(pilot, lambda: "PAUSED" in screen_text(app), what="the PAUSED badge")
        assert sum(updates.values()) > 0, "PAUSED is shown but no header Static counted an update"


# --------------------------------------------------------------------------- too small, resizes


def test_too_small_rule() -> None:
    assert is_too_small((40, 12)) and is_too_small((MIN_COLS - 1, 40)) and is_too_small((200, MIN_ROWS - 1))
    assert not is_too_small((MIN_COLS, MIN_ROWS)) and not is_too_small((80, 24))
    assert too_small_message((40, 12)) == f"window too small: 40x12, need at least {MIN_COLS}x{MIN_ROWS}"


async def test_starting_too_small_says_so_and_growing_restores_the_view() -> None:
    app = frozen_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: "window too small: 40x12," in screen_text(app), what="too-small screen")
        assert isinstance(app.screen, TooSmallScreen) and "need at least 60x16" in screen_text(app)
        await pilot.press("3", "escape", "colon")  # navigation is off while the view is hidden
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen) and app.current_mode == "overview"
        await pilot.resize_terminal(50, 14)
        await wait_for(pilot, lambda: "window too small: 50x14, need at least 60x16" in screen_text(app),
                       what="updated size, on one line now")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen) and "Brokers" in screen_text(app),
                       what="the overview back")
        assert "READ-ONLY" in screen_text(app)


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5"])
async def test_every_view_survives_shrinking_and_growing_back(key: str) -> None:
    app = frozen_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        view = type(app.screen)
        before = screen_text(app)
        for size in ((40, 12), (59, 30), (120, 15), (61, 17), (30, 8), (200, 60), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            if is_too_small(size):
                await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen), what=f"too small at {size}")
                await wait_for(pilot, lambda s=size: f"too small: {s[0]}x{s[1]}," in screen_text(app),
                               what=f"{size} message")
            else:
                await wait_for(pilot, lambda: type(app.screen) is view, what=f"{view.__name__} at {size}")
        assert app.view_errors == []
        await wait_for(pilot, lambda: screen_text(app) == before, what="the same picture as before")


async def test_resize_storm_during_state_updates_never_crashes() -> None:
    """Frozen data: new states land between resizes, including while the window is too small."""
    app = frozen_app()
    sizes = [(80, 24), (40, 12), (160, 48), (59, 15), (100, 30), (60, 16), (20, 5), (80, 24)]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        for i in range(3):
            for size in sizes:
                app.set_state(replace(app.state, cluster=replace(app.state.cluster, fetched_at=NOW + i)))
                await pilot.resize_terminal(*size)
                app.set_state(replace(app.state, paused=not app.state.paused))
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen) and "orders" in screen_text(app))
        assert app.view_errors == []


def _polling(app: Any) -> bool:
    return any(w.name.startswith("poll-") and w.state is WorkerState.RUNNING for w in app.workers)


async def test_resize_while_a_refresh_is_in_flight(make_app: Any, wait_until: Any) -> None:
    """Live: shrink below the minimum while a real poll runs, let it land, grow back; data and keys work."""
    app = make_app(refresh=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, timeout=60, what="first refresh")
        await pilot.press("3")
        await wait_until(pilot, lambda: isinstance(app.screen, TopicsScreen), what="topics view")
        landed = 0
        for size in ((40, 12), (120, 36), (59, 16), (80, 24), (30, 10), (160, 48)):
            await wait_until(pilot, lambda: _polling(app), timeout=20, interval=0.01, what="a poll in flight")
            before = app.state.health[Source.CLUSTER].last_ok_at
            await pilot.resize_terminal(*size)
            await wait_until(pilot, lambda b=before: app.state.health[Source.CLUSTER].last_ok_at != b,
                             timeout=30, what="the in-flight poll to land")
            landed += 1
            want = TooSmallScreen if is_too_small(size) else TopicsScreen
            await wait_until(pilot, lambda w=want: isinstance(app.screen, w), what=f"{want.__name__} at {size}")
        assert landed == 6
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: isinstance(app.screen, TopicsScreen))
        table = app.screen.query_one(FilterTable)
        await wait_until(pilot, lambda: table.total_count > 0, what="topic rows after the storm")
        await pilot.press("4")  # keys work again
        await wait_until(pilot, lambda: isinstance(app.screen, GroupsScreen), what="groups view")
        assert app.view_errors == []


# --------------------------------------------------------------------------- themes at run time


def _rich(colour: str) -> str:
    parsed = Color.parse(colour)
    return parsed.rich_color.name if parsed.ansi is not None else parsed.hex[:7].lower()


def _styles(text: Any) -> str:
    return " ".join([str(text.style), *(str(span.style) for span in text.spans)])


async def test_every_shipped_theme_loads_into_the_app_and_switching_recolours() -> None:
    """Switching theme repaints the semantic colours at once, without waiting for new data."""
    app = frozen_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen) and "orders" in screen_text(app))
        assert set(SHIPPED) <= set(app.available_themes) and set(SHIPPED) <= set(app.theme_names)
        assert app.theme == "kafkatui-dark"
        table = app.screen.query_one(FilterTable)
        warnings = {}
        themes = load_themes()
        for name in (*SHIPPED, "kafkatui-dark"):
            app.theme = name
            warning = _rich(themes.themes[name].variables["kt-warning"])
            await wait_for(pilot, lambda w=warning: semantic(app, "warning") == w, what=f"{name}'s colours")
            ok = semantic(app, "ok")
            await wait_for(pilot, lambda w=warning: w in _styles(table.get_cell("orders", "flags")),
                           what=f"orders' URP cell in {name}'s warning colour {warning}")
            assert ok in _styles(table.get_cell("customers", "flags"))
            await wait_for(pilot, lambda o=ok: o in app.screen.query_one(AppHeader).status_markup,
                           what=f"header in {name}")
            warnings[name] = warning
        assert len(set(warnings.values())) == len(SHIPPED)


async def test_themes_are_offered_in_the_jump_palette() -> None:
    app = frozen_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("colon")
        await wait_for(pilot, lambda: CommandPalette.is_open(app), what="palette")
        await pilot.press(*"theme light")
        await wait_for(pilot, lambda: "theme kafkatui-light" in screen_text(app), what="theme hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "kafkatui-light", what="light theme applied")


def _xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    themes = tmp_path / "kafkatui" / "themes"
    themes.mkdir(parents=True)
    return themes


async def _notices(settings_theme: str) -> tuple[str, list[str]]:
    """Start the app with `--theme settings_theme`; return the theme in use and every notification."""
    import kafkatui.ui.app as app_module
    from kafkatui.config import Settings

    messages: list[str] = []

    class Recording(app_module.KafkaTuiApp):
        def notify(self, message: str, **kwargs: Any) -> None:
            messages.append(str(message))
            super().notify(message, **kwargs)

    app = Recording(
        Settings(bootstrap=("127.0.0.1:19092",), cluster_name="t", theme=settings_theme),
        initial_state=frozen_state(), live=False,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        theme = app.theme
    return theme, messages


async def test_broken_user_theme_named_by_theme_flag_is_reported_and_default_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    themes = _xdg(monkeypatch, tmp_path)
    bad = themes / "mine.toml"
    bad.write_text('name = "mine"\n[colors]\nprimary = "#123456"\nsecondary = 7\n')
    theme, messages = await _notices("mine")
    assert theme == "kafkatui-dark"
    assert any(str(bad) in m and "colors.secondary" in m for m in messages), messages
    assert any("'mine' is broken" in m and "kafkatui-dark" in m for m in messages), messages


async def test_broken_theme_file_path_names_the_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _xdg(monkeypatch, tmp_path)
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "broken"\n[colors]\nprimary = \n')
    theme, messages = await _notices(str(bad))
    assert theme == "kafkatui-dark"
    assert any(str(bad) in m and "line 3" in m for m in messages), messages


async def test_theme_file_path_is_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _xdg(monkeypatch, tmp_path)
    good = tmp_path / "good.toml"
    good.write_text('name = "my-good"\n[colors]\nprimary = "#123456"\n[semantic]\ncritical = "#ff00ff"\n')
    theme, messages = await _notices(str(good))
    assert theme == "my-good" and messages == []


async def test_unknown_theme_lists_the_available_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _xdg(monkeypatch, tmp_path)
    theme, messages = await _notices("solarised")
    assert theme == "kafkatui-dark"
    assert any("unknown theme 'solarised'" in m and all(n in m for n in SHIPPED) for m in messages), messages


def test_shipped_themes_load_without_errors(tmp_path: Path) -> None:
    themes = load_themes(user_dir=tmp_path)
    assert themes.errors == () and set(SHIPPED) <= set(themes.themes)
