"""FilterTable: a Line-API table that renders only the rows on screen, over a sorted, filtered model.

Why not DataTable (issue 14): a DataTable builds a row object per row, and its `update_cell`
looks the cell's region up by walking all rows, so a refresh of a 3,050-topic view cost
O(rows x changed cells) on the UI thread (0.75 s). Here every row lives in a plain-Python
`TableModel` (kafkatui.tablemodel) that filters and sorts; this widget draws the header and the
visible window of the model's view, one cached line per row, like the tail's TailTable. A
refresh re-renders only visible rows whose cells changed (or that moved into view), and an
unchanged refresh touches no line, so it writes no bytes to the terminal; over SSH every byte
counts.

The operator's cursor stays on the same row key while rows come, go and re-sort. Filtering
(regex, `!` inverts) and sorting happen in the model, so every view gets the same k9s-style
behaviour.

Keys: j/k and the arrows move, g/G (and home/end) jump to top/bottom, ctrl+f/ctrl+b and the
page keys page, `s` cycles the sort column, `S` reverses it, `/` opens the screen's FilterInput,
Esc clears an active filter (otherwise it falls through to "back"), Enter (or a click on the
cursor row) posts `FilterTable.RowChosen`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.css.scalar import Unit
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from kafkatui.tablemodel import Col, Prepared, Row, TableModel
from kafkatui.ui.handoff import Handoffs, ended
from kafkatui.ui.widgets.filter_input import FilterInput

CELL_PADDING = 1  # spaces on each side of a cell, as DataTable draws them
INLINE_LIMIT = 500
"""Rows (or partitions plus groups) a view prepares on the UI thread; above, in a thread worker.
Measured (bench_views_ui): making and diffing ~1,000 rows costs the UI thread ~10 ms of its 20 ms
budget per refresh, committing them from a worker ~1 ms; 500 rows stay well inside it."""

RowsMaker = Callable[[], tuple[Sequence[Row], Any]]
"""Makes a view's rows and a result of its own (e.g. counts for its title), in a thread when big:
it must not touch widgets or the app (resolve styles from the theme beforehand)."""


def off_thread(size: int) -> bool:
    """Is work over `size` rows (partitions, groups) done in a thread worker? One rule for every
    view and panel (issue 14): the UI thread's share of a refresh must not grow with all rows, and
    a small table stays synchronous, so its first frame is already the final one."""
    return size > INLINE_LIMIT


class _Job(NamedTuple):
    """One `FilterTable.set_rows_from`: how to make the rows, and what to do once they are shown."""

    make: RowsMaker
    then: Callable[[Any], None] | None


class Window(NamedTuple):
    """The rows on screen: the first one's index, their keys, and where the cursor was."""

    top: int
    keys: tuple[str, ...]
    cursor: int
    cursor_key: str | None


class FilterTable(ScrollView, can_focus=True):
    """A row-cursor table over a TableModel: filter, column sort, only visible rows rendered."""

    ALLOW_SELECT = False  # as DataTable: a drag moves nothing and selects no text
    COMPONENT_CLASSES: ClassVar[set[str]] = {"filter-table--header", "filter-table--cursor"}
    # The look of Textual's DataTable with a row cursor (which this widget replaced).
    DEFAULT_CSS = """
    FilterTable {
        height: 1fr;
        max-height: 100%;
        scrollbar-gutter: stable;
        background: $surface;
        color: $foreground;
        &:focus, &.-filtering {
            background-tint: $foreground 5%;
            & > .filter-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .filter-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .filter-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .filter-table--header {  /* not Textual's bright blue: default text on it fails 4.5:1 */
            background: $panel;
            color: $foreground;
        }
        & > .filter-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_top", "Top", show=False),
        Binding("G,end", "scroll_bottom", "Bottom", show=False),
        Binding("ctrl+f", "page_down", "Page down", show=False),
        Binding("ctrl+b", "page_up", "Page up", show=False),
        Binding("s", "cycle_sort", "Sort column"),
        Binding("S", "reverse_sort", "Reverse sort"),
        Binding("slash", "open_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        # The keys every Textual table has; system: the help lists them once, as the app's keys.
        Binding("enter", "select_cursor", "Select", show=False, system=True),
        Binding("down", "cursor_down", "Down", show=False, system=True),
        Binding("up", "cursor_up", "Up", show=False, system=True),
        Binding("pagedown", "page_down", "Page down", show=False, system=True),
        Binding("pageup", "page_up", "Page up", show=False, system=True),
        Binding("ctrl+home", "scroll_top", "Top", show=False, system=True),
        Binding("ctrl+end", "scroll_bottom", "Bottom", show=False, system=True),
        Binding("left", "scroll_left", "Scroll left", show=False, system=True),
        Binding("right", "scroll_right", "Scroll right", show=False, system=True),
    ]

    class RowChosen(Message):
        """Enter (or a click on the cursor row); `row_key` is the key the view gave the row."""

        def __init__(self, table: FilterTable, row_key: str) -> None:
            super().__init__()
            self.table = table
            self.row_key = row_key

        @property
        def control(self) -> FilterTable:
            return self.table

    class FilterChanged(Message):
        """The filter or the row set changed; views update their count/title line."""

        def __init__(self, table: FilterTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> FilterTable:
            return self.table

    def __init__(self, columns: Sequence[Col], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.specs: tuple[Col, ...] = tuple(columns)
        self._model = TableModel(self.specs)
        self._cursor = 0  # index into the model's view
        self._shown: list[tuple[int, Col, int]] = []  # (index in specs, column, content width) on screen
        self._table_width = 0
        self._repaint_all = False
        self._lines: LRUCache[tuple[str, int, bool], Strip] = LRUCache(512)
        self._cells: LRUCache[tuple[Any, ...], list[Segment]] = LRUCache(2048)  # see _render_row
        self._header: Strip | None = None
        self._styles: tuple[Style, ...] = ()  # the styles the cached lines were drawn in
        self._preparing = False  # a thread worker is preparing rows (at most one per table)
        self._warming = False  # a thread worker is making the filter's texts (`warming`)
        self._next_job: _Job | None = None  # the newest rows asked for meanwhile (supersedes older)
        self._handoffs = Handoffs()  # each thread worker's inputs and result (ui/handoff.py)
        self._ticket = 0  # bumped by a synchronous set_rows: a preparation still running is void

    # ------------------------------------------------------------------ public API

    @property
    def filter_pattern(self) -> str:
        return self._model.filter_pattern

    @property
    def filter_error(self) -> str | None:
        return self._model.filter_error

    @property
    def sort_column(self) -> str | None:
        return self._model.sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._model.sort_reverse

    @property
    def warming(self) -> bool:
        """Are the texts the `/` filter searches being made in a thread (a big table, `/` just opened)?"""
        return self._warming

    @property
    def big(self) -> bool:
        """Does work over all its rows leave the UI thread (`off_thread`)?"""
        return off_thread(self._model.total)

    @property
    def total_count(self) -> int:
        return self._model.total

    @property
    def visible_count(self) -> int:
        """Rows that pass the filter (on screen or scrolled away)."""
        return len(self._model)

    @property
    def row_count(self) -> int:
        return len(self._model)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or None when the table is empty."""
        keys = self._model.keys
        return keys[self._cursor] if 0 <= self._cursor < len(keys) else None

    def visible_keys(self) -> list[str]:
        """Row keys in display order (after filter and sort)."""
        return list(self._model.keys)

    def plain_row(self, key: str) -> str:
        """The searchable plain text of one row (all columns, rendered)."""
        return self._model.plain(key)

    def get_cell(self, key: str, column_key: str) -> Text:
        """One cell as it is drawn (its column's render of the current value)."""
        return self._model.render(key, column_key)

    def get_row_index(self, key: str) -> int:
        """The row's position in the view; KeyError when it is filtered out or absent."""
        index = self._model.index_of(key)
        if index is None:
            raise KeyError(key)
        return index

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on the row at `row` (clamped) and scroll it into view."""
        self._move(row)

    @property
    def preparing(self) -> bool:
        """Rows asked for with `set_rows_from` are still being prepared (not yet on screen)."""
        return self._preparing or self._next_job is not None

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the row set now; only visible lines whose row changed or moved are repainted.
        Rows still being prepared from an earlier `set_rows_from` are dropped (these are newer)."""
        self._ticket += 1
        self._next_job = None
        self._adopt(self._model.prepare(rows, force=self._repaint_all))

    def set_rows_from(self, make: RowsMaker, *, size: int, then: Callable[[Any], None] | None = None) -> None:
        """Show the rows `make()` returns, then call `then` with its second value, on the UI thread.

        Why (issue 14): making 10,000 rows and diffing them against the model is O(rows); above
        `INLINE_LIMIT` (`size`: the rows or the data they are made from) `make` and the model's
        `prepare` run in a thread worker and the UI thread only commits the result (O(changed
        keys) plus the visible lines that changed). At most one preparation runs per table; rows
        asked for meanwhile wait, and newer ones replace them (work never stacks). A result
        prepared for an older filter, sort or row set is prepared again from the same rows.
        Below the limit, or while a worker runs, the order of calls is kept as well."""
        job = _Job(make, then)
        if self._preparing:
            self._next_job = job
        elif off_thread(size):
            self._prepare_in_thread(job, None)
        else:
            rows, result = make()
            self.set_rows(rows)
            if then is not None:
                then(result)

    def _prepare_in_thread(self, job: _Job, made: tuple[Sequence[Row], Any] | None) -> None:
        self._preparing = True
        model, force, ticket = self._model, self._repaint_all, self._ticket

        def build(inputs: tuple[_Job, tuple[Sequence[Row], Any] | None]) -> tuple[Any, ...]:
            job_, made_ = inputs
            rows = made_ if made_ is not None else job_.make()
            return ticket, job_, rows, model.prepare(rows[0], force=force)

        # a description, else Textual describes the worker by repr(work)
        self._handoffs.run(self, build, (job, made), name="rows", group="filter-table-rows",
                           description="table rows", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.node is not self:
            return
        if event.worker.group == "filter-table-texts":
            event.stop()
            texts = self._handoffs.take(event)
            if event.state is WorkerState.SUCCESS and texts is not None:
                self._model.add_texts(texts)
            if ended(event):
                self._warming = False
            return
        if event.worker.group != "filter-table-rows":
            return
        event.stop()
        if not ended(event):
            return
        result = self._handoffs.take(event)
        if event.state is WorkerState.SUCCESS and result is not None:
            ticket, job, made, prepared = result
            if ticket == self._ticket and self.is_attached:  # ready: shown even if newer rows wait
                if prepared.force != self._repaint_all:
                    # a theme switch since: these rows carry the old colours, and adopting them
                    # with a repaint would end the repaint the new colours need. Rows made again
                    # (the newest asked for, if any) carry the new ones.
                    job, self._next_job = self._next_job or job, None
                    self._prepare_in_thread(job, None)
                    return
                if not self._adopt(prepared):
                    self._prepare_in_thread(job, made)  # the model moved on (sort, filter): again
                    return
                if job.then is not None:
                    job.then(made[1])
        elif event.state is WorkerState.ERROR:
            self.log.error(f"preparing the rows of {self.id}: {event.worker.error!r}")
        self._preparing = False
        nxt, self._next_job = self._next_job, None
        if nxt is not None and self.is_attached:
            self._prepare_in_thread(nxt, None)

    def _adopt(self, prepared: Prepared) -> bool:
        """Apply prepared rows and repaint what changed on screen; False if they are out of date."""
        before = self._window()
        update = self._model.adopt(prepared)
        if update is None:
            return False
        if prepared.force:
            self._repaint_all = False
            self._lines.clear()
        self._settle(before, update.changed, update.reordered)
        if update.changed or update.reordered:
            self.post_message(self.FilterChanged(self))
        return True

    def set_filter(self, pattern: str) -> str | None:
        """Filter rows by case-insensitive regex (a leading `!` inverts it).

        An invalid regex falls back to a plain substring match; the returned (and
        `filter_error`) message says so. Returns None when the regex is valid.
        """
        pattern = pattern.strip()
        if pattern == self._model.filter_pattern:
            return self.filter_error
        before = self._window()
        reordered = self._model.set_filter(pattern)
        self._settle(before, frozenset(), reordered)
        self.post_message(self.FilterChanged(self))
        return self.filter_error

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        """Sort by a column's raw values (None = the order the view supplied)."""
        before = self._window()
        reordered = self._model.sort_by(column_key, reverse)
        self._header = None
        self._refresh_lines(0, 1)  # the arrow moved
        self._settle(before, frozenset(), reordered)

    # ------------------------------------------------------------------ actions

    def action_cycle_sort(self) -> None:
        keys = [c.key for _, c, _ in self._shown if c.sortable] or [c.key for c in self.specs if c.sortable]
        if not keys:
            return
        column = self.sort_column
        nxt = keys[(keys.index(column) + 1) % len(keys)] if column in keys else keys[0]
        self.sort_by(nxt, False)

    def action_reverse_sort(self) -> None:
        if self.sort_column is None:
            first = self._shown[0][1] if self._shown else (self.specs[0] if self.specs else None)
            self.sort_by(first.key if first else None, True)
        else:
            self.sort_by(self.sort_column, not self.sort_reverse)

    def action_open_filter(self) -> None:
        for box in self.screen.query(FilterInput):
            if box.table_id in (None, self.id):
                box.open(self)
                if self.big:
                    self._warming = True
                    self.call_after_refresh(self._warm_filter_texts)  # the prompt first: the thread holds the GIL
                return

    def _warm_filter_texts(self) -> None:
        """A big table makes the texts the filter searches in a thread while the operator types
        (the first keystroke would otherwise render every cell of every row on the UI thread)."""
        self._handoffs.run(self, TableModel.texts_missing, self._model, name="filter-texts",
                           group="filter-table-texts", description="filter texts", exclusive=True,
                           exit_on_error=False)

    def action_clear_filter(self) -> None:
        """Esc clears an active filter first (k9s), else lets the screen's Esc (back) run."""
        if not self.filter_pattern:
            raise SkipAction()
        self.set_filter("")
        for box in self.screen.query(FilterInput):
            box.value = ""

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowChosen(self, key))

    def action_cursor_down(self) -> None:
        self._move(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self._cursor - 1)

    def action_scroll_top(self) -> None:
        self._move(0)

    def action_scroll_bottom(self) -> None:
        self._move(len(self._model) - 1)

    def action_page_down(self) -> None:
        page = self._page_rows()
        self.scroll_to(y=self.scroll_offset.y + page, animate=False, immediate=True)
        self._move(self._cursor + page)

    def action_page_up(self) -> None:
        page = self._page_rows()
        self.scroll_to(y=max(0, self.scroll_offset.y - page), animate=False, immediate=True)
        self._move(self._cursor - page)

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor to the row; a click on the cursor row chooses it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = self.scroll_offset.y + offset.y - 1
        if not 0 <= index < len(self._model):
            return
        event.stop()
        if index == self._cursor:
            self.action_select_cursor()
        else:
            self._move(index)

    # ------------------------------------------------------------------ life cycle

    def on_mount(self) -> None:
        self._layout_columns()
        self.app.theme_changed_signal.subscribe(self, self._forget_rendering)

    def on_unmount(self) -> None:
        # Textual prunes a signal's subscribers only when it publishes (a theme switch): without
        # this, every table of every closed drill-in stayed alive with its rows (~1.5 MB/min leak
        # in the soak, switching views and drilling in every few seconds).
        self.app.theme_changed_signal.unsubscribe(self)

    def on_resize(self, event: events.Resize) -> None:
        self._layout_columns()
        self._lines.clear()
        self._header = None
        self._keep_cursor_visible()
        self.refresh()

    def _forget_rendering(self, _theme: object) -> None:
        """Cells carry palette colours; after a theme switch the next `set_rows` counts every row as changed
        (Text equality ignores a Text's own style, so the new colours alone would not show as a change)."""
        self._repaint_all = True
        self._lines.clear()
        self._header = None

    # ------------------------------------------------------------------ the window and repaints

    def _data_height(self) -> int:
        """Rows that fit under the header."""
        return max(0, (self.scrollable_content_region.height or self.size.height) - 1)

    def _page_rows(self) -> int:
        return max(1, self._data_height())

    def _window(self) -> Window:
        """What is on screen, to compare with after a change."""
        top = int(self.scroll_offset.y)
        return Window(top, tuple(self._model.keys[top : top + self._data_height()]), self._cursor, self.cursor_key)

    def _settle(self, before: Window, changed: frozenset[str], reordered: bool) -> None:
        """After the model changed: keep the cursor on its row, scroll it into view, repaint only
        the lines on screen that now show another row or a changed row, or where the cursor moved."""
        count = len(self._model)
        if reordered:
            index = self._model.index_of(before.cursor_key) if before.cursor_key is not None else None
            self._cursor = index if index is not None else before.cursor  # gone: the same place
        self._cursor = max(0, min(self._cursor, count - 1))
        self._set_virtual_size()
        height = self._data_height()
        top = int(self.scroll_offset.y)
        if self._cursor != before.cursor:  # its row moved: follow it (as a cursor key would)
            top = self._clamped_top(top, count, height)
        else:  # a wheel may have scrolled the cursor away: a refresh does not scroll back
            top = max(0, min(top, count - height))
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False, immediate=True)  # a scroll repaints everything
            return
        if top != before.top:
            self.refresh()
            return
        keys = self._model.keys[top : top + height]
        for y in range(max(len(keys), len(before.keys))):
            key = keys[y] if y < len(keys) else None
            old = before.keys[y] if y < len(before.keys) else None
            cursor_moved = (top + y == self._cursor) != (top + y == before.cursor)
            if key != old or cursor_moved or (key is not None and key in changed):
                self._refresh_lines(y + 1, 1)

    def _clamped_top(self, top: int, count: int, height: int) -> int:
        """The first row to show: within the rows, and such that the cursor is on screen."""
        top = max(0, min(top, count - height))
        if self._cursor < top:
            top = self._cursor
        elif height and self._cursor >= top + height:
            top = self._cursor - height + 1
        return max(0, top)

    def _keep_cursor_visible(self) -> None:
        top = int(self.scroll_offset.y)
        new = self._clamped_top(top, len(self._model), self._data_height())
        if new != top:
            self.scroll_to(y=new, animate=False, immediate=True)

    def _move(self, target: int) -> None:
        count = len(self._model)
        if not count:
            return
        target = max(0, min(count - 1, target))
        old, self._cursor = self._cursor, target
        if old == target:
            return
        top = int(self.scroll_offset.y)
        self._keep_cursor_visible()
        if int(self.scroll_offset.y) == top:  # no scroll: only the two cursor lines change
            for index in (old, target):
                if top <= index < top + self._data_height():
                    self._refresh_lines(index - top + 1, 1)

    def _refresh_lines(self, y: int, count: int) -> None:
        """Repaint `count` lines from line `y` of the widget (0 is the header)."""
        if self.is_mounted:
            self.refresh(Region(0, y, max(self.size.width, self._table_width), count))

    def _set_virtual_size(self) -> None:
        self.virtual_size = Size(self._table_width, len(self._model) + 1)

    # ------------------------------------------------------------------ layout

    def _layout_columns(self) -> None:
        """Pick the columns that fit and size the flexible one."""
        width = self.scrollable_content_region.width or self.size.width
        if width <= 0:
            return
        shown = [(i, c) for i, c in enumerate(self.specs) if width >= c.hide_below]
        pad = 2 * CELL_PADDING
        fixed = sum(_fixed_width(c) + pad for _, c in shown if c.width is not None)
        flex = [c for _, c in shown if c.width is None]
        flex_width = max(min((c.min_width for c in flex), default=0), (width - fixed) // max(1, len(flex)) - pad)
        layout = [(i, c, _fixed_width(c) if c.width else flex_width) for i, c in shown]
        if layout != self._shown:
            self._shown = layout
            self._table_width = sum(w + pad for _, _, w in layout)
            self._lines.clear()
            self._header = None
            # The scrollbars were decided for the old, wider columns; decide again once the new
            # dimensions land, else a stale horizontal scrollbar eats a row (Textual 8 internals).
            self.call_after_refresh(self._recheck_scrollbars)
        self._set_virtual_size()

    def _recheck_scrollbars(self) -> None:
        if self.show_horizontal_scrollbar and self.virtual_size.width <= self.scrollable_content_region.width:
            self._refresh_scrollbars()
            self.refresh(layout=True)

    # ------------------------------------------------------------------ rendering

    def _current_styles(self) -> tuple[Style, ...]:
        """Base, header and cursor styles; when any changes (focus, theme) every cached line is stale."""
        styles = (
            self.rich_style,
            self.get_component_rich_style("filter-table--header"),
            self.get_component_rich_style("filter-table--cursor"),
        )
        if styles != self._styles:
            self._styles = styles
            self._lines.clear()
            self._header = None
        return styles

    def render_line(self, y: int) -> Strip:
        base, header, cursor = self._current_styles()
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            if self._header is None:
                self._header = self._render_header(header, width)
            strip = self._header
        else:
            index = scroll_y + y - 1
            keys = self._model.keys
            if not 0 <= index < len(keys) or not self._shown:
                return Strip.blank(width, base)
            key = keys[index]
            is_cursor = index == self._cursor
            cache_key = (key, self._model.version(key), is_cursor)
            strip = self._lines.get(cache_key)
            if strip is None:
                strip = self._render_row(key, base + cursor if is_cursor else base, cursor if is_cursor else None,
                                         width)
                self._lines[cache_key] = strip
        if scroll_x or strip.cell_length != width:
            strip = strip.crop_extend(scroll_x, scroll_x + width, base)
        return strip

    def _render_header(self, style: Style, width: int) -> Strip:
        segments: list[Segment] = []
        for _, spec, cell_width in self._shown:
            label = spec.label
            if spec.key == self.sort_column:
                label += "▼" if self.sort_reverse else "▲"
            segments += self._cell_segments(Text(label, justify=spec.justify), cell_width, spec.justify, style, None)
        return self._finish(segments, style, width)

    def _render_row(self, key: str, style: Style, cursor: Style | None, width: int) -> Strip:
        # On the cursor row the cursor's foreground wins over the cells' colours (DataTable's "css"
        # foreground priority); the cells' own backgrounds still show.
        # A refresh that moves one number of a row draws the whole line again; its other cells
        # are taken from a cache keyed on their plain value (issue 14: at a busy refresh every
        # visible row changed, and laying out each cell was most of the UI thread's work).
        post = Style.from_color(color=cursor.color) if cursor is not None else None
        values = self._model.values(key)
        segments: list[Segment] = []
        for index, spec, cell_width in self._shown:
            value = values[index] if index < len(values) else None
            plain = _plain_key(value)
            if plain is None:
                segments += self._cell_segments(spec.render(value), cell_width, spec.justify, style, post)
                continue
            cache_key = (index, cell_width, style, post, plain)
            cached = self._cells.get(cache_key)
            if cached is None:
                cached = self._cells[cache_key] = self._cell_segments(spec.render(value), cell_width, spec.justify,
                                                                      style, post)
            segments += cached
        return self._finish(segments, style, width)

    def _cell_segments(self, text: Text, width: int, justify: str, style: Style, post: Style | None) -> list[Segment]:
        """One cell cut or padded to `width`, with a space each side, as Rich lays out a no-wrap Text."""
        text.end = ""
        if "\n" in text.plain:
            text = text.split("\n")[0]
        if text.style:  # Text.render draws a Text's own style only through its spans (Rich's join does this)
            text.stylize_before(text.style)
        if justify == "left":
            text.truncate(width, overflow="ellipsis", pad=True)
        else:
            text.rstrip()
            text.truncate(width, overflow="ellipsis")
            if justify == "right":
                text.pad_left(width - text.cell_len)
            else:
                text.pad_left((width - text.cell_len) // 2)
                text.pad_right(width - text.cell_len)
        pad = Segment(" " * CELL_PADDING)
        segments = [pad, *text.render(self.app.console), pad]
        return list(Segment.apply_style(segments, style, post))

    def _finish(self, segments: list[Segment], style: Style, width: int) -> Strip:
        """The row plus its style to the widget's right edge (DataTable extends the cursor bar)."""
        rest = width - self._table_width
        if rest > 0:
            segments.append(Segment(" " * rest, style))
        return Strip(segments).simplify()


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _plain_key(value: Any) -> tuple[Any, ...] | None:
    """A cache key for a cell value made of plain immutable values and tuples of them (typed: 1, 1.0
    and True are equal but render differently), or None (a Text, for one, is mutable and unhashable)."""
    kind = type(value)
    if kind in _PLAIN:
        return kind, value
    if kind is tuple:
        keys = tuple(_plain_key(v) for v in value)
        return None if None in keys else (kind, keys)
    return None


def _fixed_width(spec: Col) -> int:
    """A fixed column is at least as wide as its label plus the sort arrow."""
    return max(spec.width or 0, cell_len(spec.label) + (1 if spec.sortable else 0))


def update_static(widget: Static, content: Text | str, *, layout: bool = True) -> bool:
    """`widget.update(content)` only when it differs, so an idle refresh writes no bytes.
    No layout pass for a widget whose size the content cannot change (`layout=False`, or a
    fixed height and a width that is not `auto`, as `.view-title` lines): a layout pass
    re-measures the whole screen and redraws every widget and scrollbar on it (issue 14: the
    topics title's filter count, at each key typed into `/`, redrew the whole screen)."""
    old = widget.content
    if isinstance(old, Text) and isinstance(content, Text):
        if _same(old, content):
            return False
    elif isinstance(old, str) and isinstance(content, str) and old == content:
        return False
    widget.update(content, layout=layout and not _fixed_size(widget))
    return True


def _fixed_size(widget: Static) -> bool:
    """Is the widget's size set by its styles alone: a height in cells, a width not `auto`?"""
    height, width = widget.styles.height, widget.styles.width
    return (height is not None and height.unit is Unit.CELLS
            and (width is None or not width.is_auto) and widget.styles.max_height is None)


def _same(a: Text, b: Text) -> bool:
    """Text.__eq__ ignores the base style, so a colour-only change would be missed."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans
