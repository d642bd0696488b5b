"""What the AppState views share: the first render on mount, the stale banner, the table keys.

Why base classes and not helpers: the shared parts are Textual handlers and actions
(`on_mount`, `on_filter_table_*`, `action_*`), which Textual finds on the class, so they live
once here. Textual calls a handler of every class in the MRO, so a subclass must use the
hooks (`_prepare`, `_show`, `_title`, `_open`) instead of defining those handlers again.

Why BINDINGS stay on each screen: Textual merges a base class's BINDINGS ahead of the
subclass's, which would move `/ s S` to the front of the footer; each screen lists
`TABLE_BINDINGS` last itself.

Every kafkatui screen (views, drill-ins, the tail, modals, the palette) also takes
`GuardedScreen`: two guards against Textual 8 lifecycle races found in issue 12.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.screen import Screen

from kafkatui.refresh.state import AppState
from kafkatui.ui.palette import semantic
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import FilterTable

TABLE_BINDINGS: tuple[BindingType, ...] = (
    Binding("slash", "filter", "Filter (regex, !inverts)"),
    Binding("s", "sort", "Sort column"),
    Binding("S", "reverse", "Reverse sort"),
)


class GuardedScreen:
    """Mixin for every kafkatui screen: settle after any resizes, and know when it was dropped.

    Stale resizes. Textual 8 gives a screen Resize events from three places: the app's
    (debounced) resize, the screen handling a Resize passing its size on to the screens visible
    below the top (`Screen._on_resize`, whichever screen handles it, even one just popped), and
    the screen's own layout pass, which posts the screen a new Resize whenever its size changed.
    Nothing orders these. Side by side in a queue a later Resize replaces an earlier one, but
    during a batch update (the footer recomposing after a screen change) each layout pass also
    queues a repaint callback behind its Resize, which keeps them apart. In a resize storm, with
    the too-small screen pushed and popped at each crossing of 60x16, the topics view under the
    tail ended up with a stale 40x12 and a current 200x50 queued that way. Handling either one
    changes the screen's size, which queues a new Resize of that size (and a callback) behind
    the other: the two sizes took turns for ever, and as a message loop whose queue is never
    empty never yields to asyncio, nothing else ran again (100 % CPU, keys ignored, the batch
    update never ended, the screen stuck on "window too small"). A Resize whose size is no
    longer the terminal's has nothing left to do, so it is dropped before Textual's handler
    runs. A screen's size can then only move to the terminal's current size, so every sequence
    of resizes settles; the current size always arrives too (the app's resize for the visible
    screens, ScreenResume for the others).

    Dropped screens. A quit, a back or a second jump can come between pushing a screen and its
    Mount. Textual then skips mounting the widgets the screen composed (it is already closing)
    but still sends it Mount, so an `on_mount` that queried them raised NoMatches and the app
    exited 1. Hooks that query their widgets return early when `is_dropped`.
    """

    app: Any

    async def _on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:
            event.prevent_default()  # Textual's own Screen._on_resize must not run for it
            event.stop()

    @property
    def is_dropped(self) -> bool:
        """Has the app let this screen go: is it quitting, or is the screen on no screen stack
        (popped or replaced)? Switching views keeps a view's stack, so it drops nothing."""
        screen: Any = self
        if not screen.is_attached:  # App.exit detaches every screen at once
            return True
        app = self.app
        stacks = app.screen_stacks() if hasattr(app, "screen_stacks") else [app.screen_stack]
        return not any(self in stack for stack in stacks)


class ViewScreen(GuardedScreen, Screen):
    """A view fed by `show_state`; it renders app.state itself once mounted.

    Why the `_ready` guard: the app may call `show_state` before the screen has composed (a
    screen is pushed, then activated), when its widgets cannot be queried yet.
    """

    DEFAULT_CSS = """
    .view-title { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ready = False

    def on_mount(self) -> None:
        if self.is_dropped:  # closed before its widgets were mounted: there is nothing to prepare
            return
        self._ready = True
        self._prepare()
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show_state(state)

    def show_state(self, state: AppState) -> None:
        if not self._ready:  # not composed yet; on_mount renders app.state
            return
        self.query_one(StaleBanner).show(state)
        self._show(state)

    def _prepare(self) -> None:
        """Before the first render: focus and sort, so the first frame is already the final one."""

    def _show(self, state: AppState) -> None:
        """Called only once composed, so it may query freely; the stale banner already shows `state`."""
        raise NotImplementedError

    def _c(self, name: str) -> str:
        return semantic(self.app, name)


class TableScreen(ViewScreen):
    """A view whose `/ s S` keys act on a FilterTable: the focused one, else the main one.

    Why the fallback: with focus elsewhere (a hidden table, the filter box) the keys must still
    reach a table; the main one is composed first, so `query_one` finds it.
    """

    def _focused_table(self) -> FilterTable:
        focused = self.focused
        return focused if isinstance(focused, FilterTable) else self.query_one(FilterTable)

    def action_filter(self) -> None:
        self._focused_table().action_open_filter()

    def action_sort(self) -> None:
        self._focused_table().action_cycle_sort()

    def action_reverse(self) -> None:
        self._focused_table().action_reverse_sort()


class DrillListScreen(TableScreen):
    """A view's root list of one table: Enter drills into the row, the title counts matches."""

    def on_filter_table_filter_changed(self, event: FilterTable.FilterChanged) -> None:
        self._title()

    def on_filter_table_row_chosen(self, event: FilterTable.RowChosen) -> None:
        event.stop()
        self._open(event.row_key)

    def action_open(self) -> None:
        key = self.query_one(FilterTable).cursor_key
        if key is not None:
            self._open(key)

    def _title(self) -> None:
        """Rewrite the title line; called again whenever the filter's matches change."""
        raise NotImplementedError

    def _open(self, key: str) -> None:
        """Push the drill-in screen of the row `key`."""
        raise NotImplementedError

    def _filter_note(self, text: Text, table: FilterTable) -> None:
        """Append "/pattern: N match" and a bad pattern's error, so a filtered list never looks short."""
        if table.filter_pattern:
            text.append(f"  /{table.filter_pattern}: {table.visible_count} match", style=self._c("muted"))
        if table.filter_error:
            text.append(f"  {table.filter_error}", style=self._c("warning"))
