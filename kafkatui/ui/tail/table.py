"""TailTable: a Line-API list of tail records that costs the same at 10 or 20,000 msg/s.

Why not DataTable: a DataTable builds and measures a row object per record, so appending
thousands of rows a second and evicting them again would keep the UI thread busy. This
widget only keeps references to `TailRecord`s (bounded by the caller) and renders the
lines that are on screen, each from the summaries the reader thread already made safe.
Line 0 is a sticky column header.

Following: the cursor stays on the newest row and the list scrolls with it. Moving the
cursor up (k, ↑, PgUp, g, Home) stops following and posts `FollowChanged(False)`; the
screen then freezes the list. The screen resumes with `f`/space.

Jump scroll (issue 14): a terminal has no cheap "scroll one line" here, since Textual redraws
every line of a scrolled widget. So while following, a few new records land on the blank lines
below the newest row, and only those lines (and the line the cursor left) are drawn. When the
newest row would fall off the bottom, the list jumps: the newest row moves to the middle and
the lower half is blank again. The operator sees the list fill down to the bottom, then jump
up by half a page; the newest record is always on screen with the cursor on it. A batch bigger
than the blank half (a flood) scrolls to the end as before, with the newest row at the bottom.
Rows the buffer evicts from the top shift the scroll position with them, without a redraw.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kafkatui.decode import cell_width, truncate
from kafkatui.fmt import BYTES_WIDTH, human_bytes
from kafkatui.tail.record import TailRecord
from kafkatui.ui.palette import semantic

TIME_WIDTH = 14  # "HH:MM:SS.mmm C"


@dataclass(frozen=True)
class Columns:
    """Cell widths for one table width; 0 hides a column (narrow terminals keep the essentials)."""

    partition: int
    offset: int
    time: int
    key: int
    value: int
    headers: int
    size: int

    def cells(self) -> tuple[int, ...]:
        return (self.partition, self.offset, self.time, self.key, self.value, self.headers, self.size)


def layout(width: int, partition_digits: int = 1, offset_digits: int = 6) -> Columns:
    """Fixed columns first, the value takes the rest; headers and size appear when wide."""
    part = max(2, partition_digits)
    offset = max(6, offset_digits)
    key = 16 if width >= 100 else 12
    headers = 18 if width >= 110 else 0
    size = BYTES_WIDTH if width >= 95 else 0
    fixed = [part, offset, TIME_WIDTH, key, headers, size]
    used = sum(fixed) + sum(1 for w in fixed if w)  # one space after each shown column
    return Columns(part, offset, TIME_WIDTH, key, max(8, width - used), headers, size)


def clock_ms(ts: int) -> str:
    if ts < 0:
        return "—"
    return time.strftime("%H:%M:%S", time.localtime(ts / 1000)) + f".{ts % 1000:03d}"


def _fit(text: str, width: int, right: bool = False) -> str:
    """`text` cut (with …) or padded to exactly `width` cells."""
    if text.isascii():  # the common case, without a per-character width lookup
        if len(text) > width:
            return text[: width - 1] + "…" if width > 0 else ""
        return text.rjust(width) if right else text.ljust(width)
    head = text[: 2 * width + 2]  # a cell is at most one character wide here: no need to measure more
    cut = truncate(head, width)
    if len(text) > len(head) and cut == head:
        cut = truncate(head, width - 1) + "…"
    pad = " " * max(0, width - cell_width(cut))
    return pad + cut if right else cut + pad


def headers_cell(record: TailRecord) -> str:
    if not record.headers:
        return "—"
    return f"{len(record.headers)} {record.header_texts[0]}"


class TailTable(ScrollView, can_focus=True):
    """The record list. Feed it with `append` (following) or `set_records` (filter, resume)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"tail-table--header", "tail-table--cursor"}
    DEFAULT_CSS = """
    TailTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-gutter: stable;
    }
    TailTable > .tail-table--header {
        text-style: bold;
        background: $panel;
    }
    TailTable > .tail-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    TailTable:focus > .tail-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("home,g", "first", "Oldest", show=False),
        Binding("end,G", "last", "Newest", show=False),
        Binding("enter", "choose", "Details"),
    ]

    class Chosen(Message):
        """Enter on a record."""

        def __init__(self, record: TailRecord) -> None:
            super().__init__()
            self.record = record

    class FollowChanged(Message):
        """The operator moved off the newest row (following=False)."""

        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: deque[TailRecord] = deque()
        self.cursor = -1  # index into _rows, -1 when empty
        self.following = True
        self._partition_digits = 1
        self._offset_digits = 6
        self._columns: Columns | None = None
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)
        self._styles: dict[tuple[str, bool], Style] = {}

    # ------------------------------------------------------------------ feeding

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def records(self) -> Sequence[TailRecord]:
        return self._rows

    @property
    def cursor_record(self) -> TailRecord | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def append(self, records: Sequence[TailRecord], *, oldest_seq: int | None = None, limit: int = 0) -> None:
        """Add newest records; drop rows older than `oldest_seq` (evicted from the buffer)
        and beyond `limit` rows. Only used while following."""
        rows = self._rows
        rows.extend(records)
        dropped = 0
        if oldest_seq is not None:
            while rows and rows[0].seq < oldest_seq:
                rows.popleft()
                dropped += 1
        while limit and len(rows) > limit:
            rows.popleft()
            dropped += 1
        self._note_widths(records)
        if not self.following:
            self.cursor = max(-1, self.cursor - dropped)
            self._changed()
            return
        old_cursor, self.cursor = self.cursor - dropped, len(rows) - 1
        self._follow_appended(len(records), dropped, old_cursor)

    def _follow_appended(self, added: int, dropped: int, old_cursor: int) -> None:
        """Jump scroll (see the module docstring): redraw only the lines that changed."""
        height = self.scrollable_content_region.height or self.size.height
        page = height - 1  # rows on screen below the sticky header
        rows = len(self._rows)
        top = max(0, int(self.scroll_offset.y) - dropped)  # the same records stay on the same lines
        if page < 2 or added > page // 2 or (dropped and top == 0):
            self._changed()  # a flood, a tiny window, or the top rows left the screen: draw it all
            return
        if rows - 1 >= top + page:  # the newest row would fall off the bottom: jump by half a page
            self._jump_to(max(0, rows - 1 - (page - 1) // 2), height)
            return
        self._set_top_quietly(top, height)
        first = rows - added if old_cursor < 0 else min(old_cursor, rows - added)
        first = max(first, top)  # from the line the cursor left down to the newest row
        if first < rows:
            self.refresh(Region(0, first - top + 1, self.size.width, rows - first))
        self._refresh_columns_if_widened()

    def _jump_to(self, top: int, height: int) -> None:
        self.virtual_size = Size(self.size.width, max(len(self._rows) + 1, top + height))
        # force: the scrollbar that allows scrolling appears only at the next layout
        self.scroll_to(y=top, animate=False, immediate=True, force=True)
        self.refresh()

    def _set_top_quietly(self, top: int, height: int) -> None:
        """Keep the screen's content where it is without a full redraw: the virtual height keeps
        the blank lines below the newest row, and an eviction moves the scroll position by as
        many rows as it took off the top (no watcher: the lines on screen did not change). The
        virtual height only grows here (a change is a layout pass that redraws every line); it
        is at most the rows evicted since the last jump too high, and the next jump sets it."""
        needed = max(len(self._rows) + 1, top + height)
        if needed > self.virtual_size.height or self.virtual_size.width != self.size.width:
            self.virtual_size = Size(self.size.width, needed)
        if int(self.scroll_offset.y) != top:
            self.set_reactive(ScrollView.scroll_y, float(top))
            self.set_reactive(ScrollView.scroll_target_y, float(top))

    def _refresh_columns_if_widened(self) -> None:
        """A wider offset or partition changes every line's layout: draw them all."""
        cols = self._columns
        if cols is not None and (cols.partition, cols.offset) != (max(2, self._partition_digits),
                                                                   max(6, self._offset_digits)):
            self.refresh()

    def set_records(self, records: Iterable[TailRecord]) -> None:
        """Replace every row (filter change, resume, new start position)."""
        keep = self.cursor_record
        self._rows = deque(records)
        self._note_widths(self._rows)
        if self.following or keep is None:
            self.cursor = len(self._rows) - 1
        else:
            self.cursor = next((i for i, r in enumerate(self._rows) if r.seq >= keep.seq), len(self._rows) - 1)
        self._changed()

    def _note_widths(self, records: Iterable[TailRecord]) -> None:
        for r in records:
            if r.offset >= 10 ** self._offset_digits:
                self._offset_digits = len(str(r.offset))
            if r.partition >= 10 ** self._partition_digits:
                self._partition_digits = len(str(r.partition))

    def _changed(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)
        if self.following:
            self._scroll_to_end()
        else:
            self._keep_cursor_visible()
        self.refresh()

    def _scroll_to_end(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        self.scroll_to(y=max(0, len(self._rows) + 1 - height), animate=False, immediate=True, force=True)

    # ------------------------------------------------------------------ rendering

    def on_resize(self) -> None:
        self._cache.clear()
        self._columns = None
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)
        if self.following:
            self._scroll_to_end()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles.clear()

    def columns(self) -> Columns:
        width = self.scrollable_content_region.width or self.size.width
        cols = self._columns
        if cols is None or (cols.partition, cols.offset) != (max(2, self._partition_digits),
                                                               max(6, self._offset_digits)):
            cols = self._columns = layout(width, self._partition_digits, self._offset_digits)
            self._cache.clear()
        return cols

    def header_text(self) -> Text:
        cols = self.columns()
        labels = ("P", "Offset", "Time", "Key", "Value", "Headers", "Size")
        right = {0, 1, 6}
        text = Text(no_wrap=True, end="")
        for i, (label, width) in enumerate(zip(labels, cols.cells(), strict=True)):
            if width:
                text.append(_fit(label, width, i in right) + " ")
        return text

    def row_cells(self, record: TailRecord) -> list[tuple[str, str]]:
        """One record as (cell text, semantic colour) pieces, each padded to its column and
        followed by a space. Every piece is already escaped (the reader made the summaries)."""
        cols = self.columns()
        cells = [
            (_fit(str(record.partition), cols.partition, True), "muted"),
            (_fit(str(record.offset), cols.offset, True), "text"),
            (_fit(f"{clock_ms(record.timestamp)} {record.timestamp_marker}", cols.time), "muted"),
            (_fit(record.key_text, cols.key), "muted" if record.key is None else "accent"),
            (_fit(record.value_text, cols.value),
             "muted" if record.value_kind in ("null", "empty", "binary") else "text"),
        ]
        if cols.headers:
            cells.append((_fit(headers_cell(record), cols.headers), "muted"))
        if cols.size:
            cells.append((_fit(human_bytes(record.size), cols.size, True), "muted"))
        return [(cell + " ", colour) for cell, colour in cells]

    def row_text(self, record: TailRecord) -> Text:
        """The row as Text (tests, copy): no markup parsing, so nothing in a record is markup."""
        text = Text(no_wrap=True, end="")
        for cell, colour in self.row_cells(record):
            text.append(cell, style=semantic(self.app, colour))
        return text

    def _style(self, colour: str, cursor: bool) -> Style:
        """Base + semantic colour (+ cursor) as one Rich Style, cached until the theme changes."""
        key = (colour, cursor)
        style = self._styles.get(key)
        if style is None:
            style = self.rich_style + Style.parse(semantic(self.app, colour))
            if cursor:
                style += self.get_component_rich_style("tail-table--cursor")
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("tail-table--header")
            return Strip([Segment(self.header_text().plain, style)]).crop_extend(0, width, style)
        index = self.scroll_offset.y + y - 1
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, base)
        record = self._rows[index]
        is_cursor = index == self.cursor
        key = (record.seq, width, is_cursor)
        strip = self._cache.get(key)
        if strip is None:
            # Segments straight from the cells: no Rich Text layout pass per line.
            cells = self.row_cells(record)
            segments = [Segment(cell, self._style(colour, is_cursor)) for cell, colour in cells]
            length = sum(w + 1 for w in self.columns().cells() if w)  # cells are padded to their columns
            strip = Strip(segments, length)
            if length != width:
                strip = strip.crop_extend(0, width, self._style("text", is_cursor))
            self._cache[key] = strip
        return strip

    # ------------------------------------------------------------------ plain text (tests, copy)

    def row_plain(self, index: int) -> str:
        return self.row_text(self._rows[index]).plain.rstrip()

    def visible_plain(self) -> list[str]:
        """What is on screen right now, as plain lines (header first)."""
        height = self.scrollable_content_region.height or self.size.height
        return ["".join(seg.text for seg in self.render_line(y)).rstrip() for y in range(height)]

    # ------------------------------------------------------------------ cursor

    @property
    def _page(self) -> int:
        return max(1, (self.scrollable_content_region.height or self.size.height) - 2)

    def _move(self, target: int) -> None:
        if not self._rows:
            return
        target = max(0, min(len(self._rows) - 1, target))
        if target < len(self._rows) - 1 and self.following:
            self.following = False
            self.post_message(self.FollowChanged(False))
        old, self.cursor = self.cursor, target
        if old != target:
            self._keep_cursor_visible()
            self.refresh()

    def _keep_cursor_visible(self) -> None:
        height = max(1, (self.scrollable_content_region.height or self.size.height) - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + self._page)

    def action_page_up(self) -> None:
        self._move(self.cursor - self._page)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._rows) - 1)

    def action_choose(self) -> None:
        record = self.cursor_record
        if record is not None:
            self.post_message(self.Chosen(record))
