"""KafkaTuiApp: modes per view, the header/footer frame, keys and `:` navigation.

Why this shape (dolphie/harlequin): every source call runs in a thread worker that posts one
message; the handler folds it into an immutable AppState, renders the visible view and re-arms
that source with `set_timer`, so at most one poll per source is ever in flight and a slow or
dead cluster can delay data but never freeze keys. Only the sources the visible view names
(plus the Kafka cluster, which the header always needs) are polled. The loop itself lives in
kafkatui/ui/polling.py; this module wires it to screens.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from kafkatui.config import Settings
from kafkatui.decode import escape_text
from kafkatui.refresh.deadline import DeadlinePolicy
from kafkatui.refresh.hub import source_hub
from kafkatui.refresh.pace import PacePolicy
from kafkatui.refresh.state import AppState, DataView, Source
from kafkatui.tail.gcfreeze import freeze_gc
from kafkatui.ui import commands, palette
from kafkatui.ui.polling import PollingMixin
from kafkatui.ui.screens import view_name, view_screen, zookeeper_view_name
from kafkatui.ui.screens.help import HelpScreen, collect_bindings
from kafkatui.ui.screens.too_small import TooSmallScreen, is_too_small
from kafkatui.ui.widgets.footer import AppFooter
from kafkatui.ui.widgets.header import AppHeader
from kafkatui.ui.widgets.stale import StaleBanner

log = logging.getLogger(__name__)


def freeze_heap() -> None:
    """Once, after start-up (modules, CSS, the first screen and kafka-python are loaded): move every
    object alive now out of the garbage collector's sight. A full collection walks every tracked
    object while the UI thread waits; with ~250,000 of them that took 150-300 ms on a busy 2-core
    host, longer than the 200 ms a key press may take. Frozen, the walk covers only what the
    session allocates later. Counted with the tail's own freeze (kafkatui.tail.gcfreeze), so closing a tail
    does not unfreeze what the app froze."""
    gc.collect()
    freeze_gc(True)


MODE_NAMES = ("overview", "processes", "topics", "groups", "zookeeper", "security")  # security: `:` only
ZOOKEEPER_LABEL, QUORUM_LABEL = "ZooKeeper", "Quorum"  # what `?` calls key 5, by the cluster's kind


class KafkaTuiApp(PollingMixin, App[int]):
    """The monitor. `live=False` starts no source or worker and just shows `initial_state`."""

    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute, so subclasses elsewhere still find it
    TITLE = "kafkatui"
    COMMANDS: ClassVar = {commands.JumpProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_view('overview')", "Overview", show=False),
        Binding("2", "switch_view('processes')", "Processes", show=False),
        Binding("3", "switch_view('topics')", "Topics", show=False),
        Binding("4", "switch_view('groups')", "Groups", show=False),
        Binding("5", "switch_view('zookeeper')", ZOOKEEPER_LABEL, show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("colon", "command_palette", "Jump", key_display=":"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("space,ctrl+r", "refresh_now", "Refresh now", show=False, key_display="space ^r"),
        Binding("escape,q,backspace", "back", "Back (no-op at a view's root)", show=False,
                key_display="esc q ⌫"),
        Binding("Q", "quit", "Quit", key_display="Q"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        initial_state: AppState | None = None,
        live: bool = True,
        tail: tuple[str, tuple[int, ...] | None, object] | None = None,
        kafka: object | None = None,
    ) -> None:
        """`kafka`: a KafkaSource the command line has already connected (its start-up check);
        without one the first poll connects, in a worker."""
        super().__init__()
        self.settings = settings
        self.live = live
        self._startup_tail = tail  # (topic, partitions, StartSpec) from --tail, opened once mounted
        base = initial_state or AppState()
        self._state = replace(base, refresh_s=settings.refresh_s, cluster_name=settings.cluster_name,
                              zookeeper_configured=bool(settings.zookeeper),
                              timeout_s=settings.connect_timeout_s) if initial_state is None else base
        self._view_sources: frozenset[Source] = frozenset()
        self._poll_timers: dict[Source, Timer] = {}
        self._in_flight: dict[Source, float] = {}  # source -> when its poll started
        self._slow_marked: set[Source] = set()
        self._cluster_behind = False  # see PollingMixin._rearm_all
        # when a source is polled less often because its polls cost too much (refresh/pace.py);
        # public so a test can lower the thresholds instead of loading the host
        self.pace_policy = PacePolicy(share=settings.refresh_share)
        self.deadline_policy = DeadlinePolicy()  # how far a request deadline grows (refresh/deadline.py)
        self.view_errors: list[str] = []  # show_state failures, logged and kept for tests
        self._heap_frozen = False
        self._closed_down = False  # set in on_unmount: late worker messages must not draw or freeze
        self.theme_names: list[str] = []  # kafkatui's bundled and user themes, once loaded
        self._hub = source_hub(settings, kafka=kafka)
        for name in MODE_NAMES:
            self.add_mode(name, partial(view_screen, self, name))

    # ------------------------------------------------------------------ public API (views use these)

    @property
    def state(self) -> AppState:
        """The latest AppState; replaced wholesale on every update, never mutated."""
        return self._state

    def set_state(self, state: AppState) -> None:
        """Replace the state wholesale and render it (frozen `live=False` apps and tests)."""
        self._set_state(state)

    def screen_stacks(self) -> list[list[Screen]]:
        """The screen stack of every view entered so far (Textual keeps one per mode); a screen
        on none of them has been popped or replaced (GuardedScreen.is_dropped)."""
        stacks = [self.screen_stack]
        for name in MODE_NAMES:
            if name != self.current_mode:
                with contextlib.suppress(KeyError):  # a view not entered yet has no stack
                    stacks.append(self.get_screen_stack(name))
        return stacks

    def now(self) -> float:
        """Wall-clock time for ages. Frozen (`live=False`) apps use the newest data time, so a
        snapshot test renders "just now" rather than an age that depends on when it ran."""
        if self.live:
            return time.time()
        times = [h.last_ok_at for h in self._state.health.values() if h.last_ok_at is not None]
        times += [s.fetched_at for s in (self._state.cluster, self._state.groups, self._state.zookeeper,
                                         self._state.processes) if s is not None]
        return max(times, default=0.0)

    def get_css_variables(self) -> dict[str, str]:
        variables = super().get_css_variables()
        variables.update(palette.css_variables(variables))
        return variables

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        self._apply_theme()
        # More threads than asyncio's default (cpu+4): a hung call per source must not starve the rest.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(16, thread_name_prefix="kafkatui"))
        self.screen_change_signal.subscribe(self, self._on_screen_change)
        self.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self.switch_mode("overview")
        if self._startup_tail is not None:
            topic, partitions, start = self._startup_tail
            # after the mode switch has settled, or the push lands on the wrong stack
            self.call_after_refresh(self.open_tail, topic, partitions=partitions, start=start)
        self.call_later(self.check_size)
        if self.live:
            self.set_interval(1.0, self._tick, name="header-tick")

    def on_resize(self) -> None:
        self.call_later(self._resized)

    def _resized(self) -> None:
        if self.screen_stack:  # not before the first mode is up, nor while shutting down
            self.check_size()
            self._render_header()  # it drops or adds parts at AppHeader.WIDE columns

    def check_size(self) -> None:
        """Cover the view with TooSmallScreen below MIN_COLS x MIN_ROWS; give it back when larger.

        Called on every resize and every screen change, so no stack keeps a TooSmallScreen it no
        longer needs: one pushed on a view that was left while small (`--tail` switches to the
        topics view at start-up) goes as soon as that view is shown again at a larger size, and
        a view entered while small is covered too."""
        if not self.screen_stack or self._closed_down:
            return
        small, showing = is_too_small(self.size), isinstance(self.screen, TooSmallScreen)
        if small and showing:
            self.screen.show_size(self.size)
        elif small:
            self.push_screen(TooSmallScreen(self.size))
        elif showing:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the window is too small, only quit, pause and refresh work (no hidden navigation)."""
        stack = self.screen_stack
        if stack and isinstance(stack[-1], TooSmallScreen):
            return action in ("quit", "toggle_pause", "refresh_now")
        return True

    def _on_theme_changed(self, _theme: object) -> None:
        """Views and the header carry palette colours in their Text: re-render them in the new theme
        (after the other subscribers, e.g. FilterTable marking its cells for repaint)."""
        self.call_later(self._render_view)
        self.call_later(self._render_header)

    def _apply_theme(self) -> None:
        """Register the bundled and user themes and pick settings.theme; bad files only warn."""
        try:
            from kafkatui.ui.themes import SIXTEEN_COLOUR_SYSTEMS, is_theme_path, load_themes, resolve_theme_name

            requested = self.settings.theme
            themes = load_themes(extra=(Path(requested).expanduser(),) if is_theme_path(requested) else (),
                                 sixteen=self.console.color_system in SIXTEEN_COLOUR_SYSTEMS)
        except Exception:  # themes are cosmetic: never fail start-up over them
            log.exception("loading themes failed; using Textual's default theme")
            return
        for theme in themes.themes.values():
            self.register_theme(theme)
        self.theme_names = themes.names()  # offered as `:theme NAME` in the jump palette
        name, problem = resolve_theme_name(self.settings.theme, themes)
        if name in self.available_themes:
            self.theme = name
        for message in (*themes.errors, *([problem] if problem else [])):
            log.warning("%s", message)
            self.notify(escape_text(message), title="theme", severity="warning", timeout=10, markup=False)

    async def on_unmount(self) -> None:
        self._closed_down = True
        if self._heap_frozen:
            self._heap_frozen = False
            freeze_gc(False)  # let this app's objects be collected (tests run many apps in one process)
        for timer in self._poll_timers.values():
            timer.stop()
        try:
            await asyncio.wait_for(asyncio.to_thread(self._hub.close), timeout=5)
        except Exception:
            log.warning("closing sources did not finish", exc_info=True)

    # ------------------------------------------------------------------ screens

    def _on_screen_change(self, screen: Screen) -> None:
        screen.call_later(self._activate, screen)
        self.call_later(self.check_size)

    def _showing(self, screen: Screen) -> bool:
        """Is `screen` the current screen of an app that is not quitting? Quitting (App.exit),
        going back (a pop) or switching views can happen between any two steps of activating a
        screen, so `_activate` asks again after every await: Textual raises MountError for a
        mount into a screen of an app that is exiting, and a screen that is no longer current
        must not set what is polled. The too-small screen only covers the current view (which
        keeps polling under it), so it is looked through."""
        if self._closed_down or not screen.is_attached:
            return False
        uncovered = [s for s in self.screen_stack if not isinstance(s, TooSmallScreen)]
        return bool(uncovered) and screen is uncovered[-1]

    async def _activate(self, screen: Screen) -> None:
        """A screen became current: frame it, render it, and poll exactly what it needs.

        Each part of the frame is mounted only while the screen is showing and only if missing,
        so an activation cut short (by a switch away) is completed the next time it shows."""
        if isinstance(screen, ModalScreen | CommandPalette) or not self._showing(screen):
            return
        if not screen.query(AppHeader):
            await screen.mount(AppHeader(), before=0)
            if not self._showing(screen):
                return
        if not screen.query(AppFooter):
            await screen.mount(AppFooter(compact=True))
            if not self._showing(screen):
                return
            screen.refresh_bindings()  # a Footer mounted late only fills in on the next bindings signal
        if isinstance(screen, DataView):
            self._view_sources = frozenset(screen.SOURCES)
            self._render_view(screen)
        else:  # the tail reads no AppState: poll only the header's cluster health (issue 14)
            self._view_sources = frozenset()
        self._rearm_all(activate=True)
        self._render_header()

    def _render_view(self, screen: Screen | None = None) -> None:
        screen = screen or self.screen
        if not isinstance(screen, DataView):
            return
        try:
            screen.show_state(self._state)
        except Exception as exc:  # a view bug must not take the monitor down; keep it visible in the log
            log.exception("show_state failed in %s", type(screen).__name__)
            message = f"{type(screen).__name__}: {type(exc).__name__}: {exc}"
            if message not in self.view_errors:
                self.view_errors.append(message)
                self.notify(escape_text(message), title="view error (see log)", severity="error", markup=False)

    def _render_header(self) -> None:
        """The header and the screen's stale banners, from one clock reading: both show the
        sources' retry hint, so they are drawn together, on every state change and every tick."""
        now = self.now()
        banners = list(self.screen.query(StaleBanner))
        for banner in banners:
            banner.show(self._state, now)
        covered = {source for banner in banners for source in banner.sources}
        for header in self.screen.query(AppHeader):
            header.show(self._state, now, view=self.view_name, covered=covered)

    def _set_state(self, state: AppState) -> None:
        self._state = state
        if not self.screen_stack or self._closed_down:  # a poll that lands while quitting: keep, don't draw
            return
        self._render_view()
        self._render_header()
        if not self._heap_frozen and state.cluster is not None and self.live:
            self._heap_frozen = True
            self.call_after_refresh(freeze_heap)

    def _tick(self) -> None:
        """Once a second: the header's age, and stale-marking of polls that hang (SIGSTOP'd broker)."""
        if not self.screen_stack or self._closed_down:
            return
        self._watch_slow_polls(time.time())
        self._render_header()

    # ------------------------------------------------------------------ actions

    def action_switch_view(self, name: str) -> None:
        self.switch_view(name)

    def switch_view(self, name: str) -> None:
        if name == "quorum":  # the name view 5 goes by on KRaft (`:view quorum`)
            name = "zookeeper"
        if name in MODE_NAMES:
            self.switch_mode(name)

    def action_back(self) -> None:
        """Esc/q/Backspace: pop a drill-in; at a view's root do nothing (k9s)."""
        if len(self.screen_stack) > 1:
            self.pop_screen()

    @property
    def view_name(self) -> str:
        """What the header and `?` call the screen on top: its own VIEW_NAME (the tail, the
        record detail), else the name of its view (mode), as for a topic's or group's detail."""
        return getattr(self.screen, "VIEW_NAME", "") or view_name(self)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        app_keys, view_keys = collect_bindings(self, self.screen)
        if zookeeper_view_name(self) == "quorum":  # key 5 shows the metadata quorum here
            app_keys = [(keys, QUORUM_LABEL if label == ZOOKEEPER_LABEL else label) for keys, label in app_keys]
        self.push_screen(HelpScreen(self.view_name, app_keys, view_keys))

    def action_command_palette(self) -> None:
        if not CommandPalette.is_open(self):
            self.push_screen(commands.JumpPalette(id="--command-palette"))

    # ------------------------------------------------------------------ navigation (used by `:` jump)

    def open_topic(self, name: str) -> None:
        from kafkatui.ui.screens.topic_detail import TopicDetailScreen

        self._drill("topics", TopicDetailScreen(name))

    def open_group(self, group_id: str) -> None:
        from kafkatui.ui.screens.group_detail import GroupDetailScreen

        self._drill("groups", GroupDetailScreen(group_id))

    def open_broker(self, broker_id: int) -> None:
        from kafkatui.ui.screens.broker_detail import BrokerDetailScreen

        self._drill("overview", BrokerDetailScreen(broker_id))

    def open_znode(self, path: str) -> None:
        self.switch_mode("zookeeper")
        root = self.screen_stack[0]
        while len(self.screen_stack) > 1:
            self.pop_screen()
        select = getattr(root, "select_path", None)
        if select is not None:
            root.call_later(select, path)
        else:
            self.notify("ZooKeeper is not available for this cluster", severity="warning")

    def open_security(self, part: str = "acls") -> None:
        """The security view with its `part` table ("acls" | "quotas" | "users") focused (`:acls`...)."""
        self.switch_mode("security")
        while len(self.screen_stack) > 1:
            self.pop_screen()
        focus = getattr(self.screen_stack[0], "focus_part", None)
        if focus is not None:
            self.screen_stack[0].call_later(focus, part)

    def open_tail(self, topic: str, *, partitions: tuple[int, ...] | None = None, start: object = None) -> None:
        """Open the live tail of `topic` on top of the topics view."""
        from kafkatui.tail.start import END
        from kafkatui.ui.tail.screen import TailScreen

        self._drill("topics", TailScreen(topic, partitions=partitions, start=start or END))

    def _drill(self, mode: str, screen: Screen) -> None:
        """Switch to `mode` and show `screen` on top of its root (replacing an earlier drill-in)."""
        self.switch_mode(mode)
        if len(self.screen_stack) > 1 and type(self.screen) is type(screen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
