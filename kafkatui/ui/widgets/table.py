"""FilterTable: a DataTable that is fed whole row sets but only writes what changed.

Why: over SSH every byte counts, so a refresh with unchanged data must not touch the table,
and the operator's cursor must stay on the same topic/group while rows come and go. The
table therefore keeps the raw values of every row, diffs each `set_rows` against them and
calls `update_cell` / `add_row` / `remove_row` only where needed. Filtering (regex, `!`
inverts) and sorting happen here too, so every view gets the same k9s-style behaviour.

Keys: j/k move, g/G (and home/end) jump to top/bottom, `s` cycles the sort column, `S`
reverses it, `/` opens the screen's FilterInput, Esc clears an active filter (otherwise it
falls through to "back"), Enter posts `FilterTable.RowChosen`.

Cells are raw values; each `Col` renders them (default: numbers with thousands separators,
strings escaped with `decode.escape_text`, `rich.text.Text` as given) and sorts them by raw
value, so "1.2 MB" sorts as bytes, not as text. None renders as "—" and always sorts last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from rich.cells import cell_len
from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey, RowKey

from kafkatui.decode import escape_text
from kafkatui.textfilter import TextFilter, compile_filter
from kafkatui.ui.widgets.filter_input import FilterInput

Justify = Literal["left", "right", "center"]
Row = tuple[str, Sequence[Any]]


def default_render(value: Any) -> Text:
    """Render a raw value as safe, single-line Text (cluster strings are escaped here)."""
    if value is None:
        return Text("—")
    if isinstance(value, Text):
        return value.copy()
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, int):
        return Text(f"{value:,}")
    if isinstance(value, float):
        return Text(f"{value:,.1f}")
    return Text(escape_text(str(value)))


def default_sort_key(value: Any) -> Any:
    """Numbers by value, text case-insensitively; Text by its plain string."""
    if isinstance(value, Text):
        return value.plain.lower()
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, tuple):
        return tuple(default_sort_key(v) for v in value)
    return value


@dataclass(frozen=True)
class Col:
    """One column, declared once per view.

    `width` None makes the column flexible: it takes the width the fixed columns leave
    (at least `min_width`). `hide_below` drops the column when the table is narrower than
    that, so at 80 columns the essential columns stay readable instead of scrolling.
    """

    key: str
    label: str
    width: int | None = None
    justify: Justify = "left"
    render: Callable[[Any], Text] = field(default=default_render)
    sort_key: Callable[[Any], Any] = field(default=default_sort_key)
    sortable: bool = True
    min_width: int = 8
    hide_below: int = 0


class FilterTable(DataTable[Text]):
    """A row-cursor DataTable with in-place diffing, regex filter and column sort."""

    DEFAULT_CSS = """
    FilterTable {
        height: 1fr;
        scrollbar-gutter: stable;
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
    ]

    class RowChosen(Message):
        """Enter (or a click) on a row; `row_key` is the key the view gave the row."""

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
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self.specs: tuple[Col, ...] = tuple(columns)
        self._values: dict[str, tuple[Any, ...]] = {}  # every row, filtered or not
        self._order: list[str] = []  # input order, used when no sort column is set
        self._plain: dict[str, tuple[str, ...]] = {}  # row key -> (whole row, each cell) as text
        self._shown: list[Col] = []  # columns currently built into the DataTable
        self._flex_width = 0
        self._repaint_all = False
        self._pattern = ""
        self._filter: TextFilter = compile_filter("")
        self.filter_error: str | None = None
        self.sort_column: str | None = None
        self.sort_reverse = False

    # ------------------------------------------------------------------ public API

    @property
    def filter_pattern(self) -> str:
        return self._pattern

    @property
    def total_count(self) -> int:
        return len(self._values)

    @property
    def visible_count(self) -> int:
        return self.row_count

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or None when the table is empty."""
        if self.row_count == 0 or not self.columns:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return row_key.value

    def visible_keys(self) -> list[str]:
        """Row keys in display order (after filter and sort)."""
        return [str(row.key.value) for row in self.ordered_rows]

    def plain_row(self, key: str) -> str:
        """The searchable plain text of one row (all columns, rendered)."""
        return self._plain.get(key, ("",))[0]

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the row set; only changed cells, new rows and vanished rows are touched."""
        values: dict[str, tuple[Any, ...]] = {}
        for key, cells in rows:
            values[key] = tuple(cells)
        changed = {k for k, v in values.items() if self._repaint_all or self._values.get(k) != v}
        self._repaint_all = False
        self._values = values
        self._order = list(values)
        for key in changed:
            self._plain[key] = self._search_text(values[key])
        for key in list(self._plain):
            if key not in values:
                del self._plain[key]
        self._sync(changed)

    def set_filter(self, pattern: str) -> str | None:
        """Filter rows by case-insensitive regex (a leading `!` inverts it).

        An invalid regex falls back to a plain substring match; the returned (and
        `filter_error`) message says so. Returns None when the regex is valid.
        """
        pattern = pattern.strip()
        if pattern == self._pattern:
            return self.filter_error
        self._pattern = pattern
        self._filter = compile_filter(pattern)
        self.filter_error = self._filter.error
        self._sync(set())
        self.post_message(self.FilterChanged(self))
        return self.filter_error

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        """Sort by a column's raw values (None = the order the view supplied)."""
        self.sort_column = column_key
        self.sort_reverse = reverse
        self._set_labels()
        self._sync(set())

    # ------------------------------------------------------------------ actions

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in self._shown if c.sortable]
        if not keys:
            return
        nxt = keys[(keys.index(self.sort_column) + 1) % len(keys)] if self.sort_column in keys else keys[0]
        self.sort_by(nxt, False)

    def action_reverse_sort(self) -> None:
        if self.sort_column is None:
            self.sort_by(self._shown[0].key if self._shown else None, True)
        else:
            self.sort_by(self.sort_column, not self.sort_reverse)

    def action_open_filter(self) -> None:
        for box in self.screen.query(FilterInput):
            if box.table_id in (None, self.id):
                box.open(self)
                return

    def action_clear_filter(self) -> None:
        """Esc clears an active filter first (k9s), else lets the screen's Esc (back) run."""
        if not self._pattern:
            raise SkipAction()
        self.set_filter("")
        for box in self.screen.query(FilterInput):
            box.value = ""

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: Text, *, update_width: bool = False
    ) -> None:
        """DataTable.update_cell repaints the whole table; repaint only the changed cell.

        Why: a whole-table repaint rewrites every line of the table region, blank ones included
        (about 9 KB at 160x48) for one changed number. Pinned to Textual 8's DataTable internals.
        """
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if update_width or row not in self._row_locations or column not in self._column_locations:
            super().update_cell(row_key, column_key, value, update_width=update_width)
            return
        self._data[row][column] = value
        self._update_count += 1  # part of the line cache key: the row re-renders
        self.refresh_coordinate(Coordinate(self._row_locations.get(row), self._column_locations.get(column)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.RowChosen(self, str(event.row_key.value)))

    def on_resize(self, event: Resize) -> None:
        self._layout_columns()

    def on_mount(self) -> None:
        self._layout_columns()
        self.app.theme_changed_signal.subscribe(self, self._forget_rendering)

    def on_unmount(self) -> None:
        # Textual prunes a signal's subscribers only when it publishes (a theme switch): without
        # this, every table of every closed drill-in stayed alive with its rows (~1.5 MB/min leak
        # in the soak, switching views and drilling in every few seconds).
        self.app.theme_changed_signal.unsubscribe(self)

    def _forget_rendering(self, _theme: object) -> None:
        """Cells carry palette colours; after a theme switch the next `set_rows` repaints all."""
        self._repaint_all = True

    # ------------------------------------------------------------------ internals

    def _search_text(self, cells: tuple[Any, ...]) -> tuple[str, ...]:
        """The row as one line plus each cell alone, so `^orders$` can match the name cell."""
        texts = tuple(spec.render(v).plain for spec, v in zip(self.specs, cells, strict=False))
        return (" ".join(texts), *texts)

    def _visible(self) -> list[str]:
        flt = self._filter
        keys = self._order if not flt.active else [k for k in self._order if flt.matches_any(self._plain.get(k, ("",)))]
        if self.sort_column is None:
            return keys
        idx = next((i for i, c in enumerate(self.specs) if c.key == self.sort_column), None)
        if idx is None:
            return keys
        spec = self.specs[idx]
        known = [k for k in keys if self._values[k][idx] is not None]
        unknown = [k for k in keys if self._values[k][idx] is None]
        known.sort(key=lambda k: spec.sort_key(self._values[k][idx]), reverse=self.sort_reverse)
        return known + unknown

    def _cell(self, key: str, spec: Col) -> Text:
        index = self.specs.index(spec)
        values = self._values[key]
        text = spec.render(values[index] if index < len(values) else None)
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.justify = spec.justify
        text.end = ""
        return text

    def _sync(self, changed: set[str]) -> None:
        """Bring the DataTable in line with values/filter/sort, touching only differences."""
        if not self._shown:
            self.post_message(self.FilterChanged(self))
            return
        keep_key = self.cursor_key
        keep_index = self.cursor_row
        wanted = self._visible()
        wanted_set = set(wanted)
        present = set(self.visible_keys())
        for key in present - wanted_set:
            self.remove_row(key)
        for key in wanted:
            if key not in present:
                self.add_row(*(self._cell(key, spec) for spec in self._shown), key=key)
            elif key in changed:
                for spec in self._shown:
                    cell = self._cell(key, spec)
                    if not _same(self.get_cell(key, spec.key), cell):
                        self.update_cell(key, spec.key, cell)
        if self.visible_keys() != wanted:
            self._apply_order(wanted)
        self._restore_cursor(keep_key, keep_index)
        if changed or present != wanted_set:
            self.post_message(self.FilterChanged(self))

    def _apply_order(self, wanted: list[str]) -> None:
        """Reorder rows through DataTable.sort, ranking each row by its first cell object."""
        first = self._shown[0].key
        rank = {id(self.get_cell(key, first)): i for i, key in enumerate(wanted)}
        self.sort(first, key=lambda cell: rank.get(id(cell), len(rank)))

    def _restore_cursor(self, key: str | None, index: int) -> None:
        if key is not None and key in self._values and key in set(self.visible_keys()):
            target = self.get_row_index(key)
        else:
            target = min(index, max(0, self.row_count - 1))
        if target != self.cursor_row:
            self.move_cursor(row=target, animate=False)

    def _layout_columns(self) -> None:
        """Pick the columns that fit and size the flexible one; rebuild only if that changed."""
        width = self.scrollable_content_region.width or self.size.width
        if width <= 0:
            return
        shown = [c for c in self.specs if width >= c.hide_below]
        pad = 2 * self.cell_padding
        fixed = sum(_fixed_width(c) + pad for c in shown if c.width is not None)
        flex = [c for c in shown if c.width is None]
        flex_width = max(min((c.min_width for c in flex), default=0), (width - fixed) // max(1, len(flex)) - pad)
        if shown == self._shown and flex_width == self._flex_width:
            return
        keep_key = self.cursor_key
        self._shown, self._flex_width = shown, flex_width
        self.clear(columns=True)
        for spec in shown:
            self.add_column(
                Text(spec.label, justify=spec.justify),
                key=spec.key,
                width=_fixed_width(spec) if spec.width else flex_width,
            )
        self._set_labels()
        for key in self._visible():
            self.add_row(*(self._cell(key, spec) for spec in shown), key=key)
        self._restore_cursor(keep_key, 0)
        self.post_message(self.FilterChanged(self))
        # The scrollbars were decided for the old, wider columns; decide again once the new
        # dimensions land, else a stale horizontal scrollbar eats a row (Textual 8 internals).
        self.call_after_refresh(self._recheck_scrollbars)

    def _recheck_scrollbars(self) -> None:
        if self.show_horizontal_scrollbar and self.virtual_size.width <= self.scrollable_content_region.width:
            self._refresh_scrollbars()
            self.refresh(layout=True)

    def _set_labels(self) -> None:
        for spec in self._shown:
            label = spec.label
            if spec.key == self.sort_column:
                label += "▼" if self.sort_reverse else "▲"
            column = self.columns.get(spec.key)  # type: ignore[call-overload]
            if column is not None:
                column.label = Text(label, justify=spec.justify)
        self.refresh()


def _fixed_width(spec: Col) -> int:
    """A fixed column is at least as wide as its label plus the sort arrow."""
    return max(spec.width or 0, cell_len(spec.label) + (1 if spec.sortable else 0))


def update_static(widget: Static, content: Text | str) -> bool:
    """`widget.update(content)` only when it differs, so an idle refresh writes no bytes."""
    old = widget.content
    if isinstance(old, Text) and isinstance(content, Text):
        if _same(old, content):
            return False
    elif isinstance(old, str) and isinstance(content, str) and old == content:
        return False
    widget.update(content)
    return True


def _same(a: Text, b: Text) -> bool:
    """Text.__eq__ ignores the base style, so a colour-only change would be missed."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans
