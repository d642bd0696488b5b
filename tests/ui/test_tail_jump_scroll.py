"""The tail at a slow rate draws the lines a new record changed, not the whole table (issue 14).

Headless, no cluster: a TailTable in a bare App fed `TailRecord`s one at a time, as the tail
screen feeds it while following. Counted, not timed: how many record lines Textual asks the
table to draw per new record. Before jump scroll every record scrolled the list by one line and
all ~20 visible lines were drawn again (~24 KB to a 160x48 terminal per record).
"""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.strip import Strip

from kafkatui.tail.record import make_record
from kafkatui.ui.tail.table import TailTable

SIZE = (100, 22)  # the table gets all 22 lines: a header and 21 record lines
RECORDS = 120  # several screens: the list fills, then jumps by half a page over and over


class CountingTable(TailTable):
    """Counts the record lines drawn (line 0 is the sticky column header)."""

    drawn = 0

    def render_line(self, y: int) -> Strip:
        if y > 0:
            self.drawn += 1
        return super().render_line(y)


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingTable(id="tail-table")


def record(seq: int) -> Any:
    return make_record(seq, seq % 3, 1000 + seq, 1_717_000_000_000 + seq, 0, f"k{seq}".encode(),
                       f"value {seq}".encode(), None)


async def test_a_slow_tail_draws_only_the_lines_a_record_changed() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(CountingTable)
        await pilot.pause()
        page = SIZE[1] - 1
        per_record: list[int] = []
        for seq in range(1, RECORDS + 1):
            before = table.drawn
            table.append([record(seq)], limit=50)  # the limit makes the list evict from the top too
            await pilot.pause()
            per_record.append(table.drawn - before)
            # the newest record is on screen, with the cursor on it
            assert table.cursor_record is not None and table.cursor_record.seq == seq
            shown = table.visible_plain()
            assert any(f"value {seq}" in line for line in shown), (seq, shown)
            assert not any(f"value {seq + 1}" in line for line in shown)
        steady = per_record[page:]  # once the screen is full
        full = [n for n in steady if n > 2]
        # a new record draws its line and the line the cursor left; a jump (half a page of
        # records apart) draws the screen once
        assert len(full) <= len(steady) // (page // 2 - 1) + 1, per_record
        assert sum(steady) <= 2 * len(steady) + len(full) * page, per_record
        assert table.row_count == 50


async def test_a_batch_bigger_than_half_a_page_still_ends_on_the_bottom_line() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(CountingTable)
        await pilot.pause()
        table.append([record(seq) for seq in range(1, 101)])
        await pilot.pause()
        shown = table.visible_plain()
        assert "value 100" in shown[-1] and "value 80" in shown[1], shown
