"""FilterTable at 2,000 rows: the work of a refresh grows with the visible rows and the changed cells.

Why these tests (issue 14): the DataTable-based table re-rendered every changed row, re-sorted
every row on every refresh, and its per-cell repaint walked all rows, so a 3,050-topic view
blocked the UI thread for 0.75 s per refresh. Here the same refreshes run at 200 and at 2,000
rows over frozen synthetic data, and the tests count the calls of each column's `render` and
`sort_key`: a refresh may render at most the visible rows (once each), an unchanged refresh
renders and sorts nothing, and the counts at 2,000 rows match those at 200. Counts, not
seconds, so the tests do not depend on the machine's load.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from rich.text import Text
from textual import events
from textual.app import App

import kafkatui.ui.screens.topics as topics_module
from kafkatui.model import Partition, Topic
from kafkatui.tablemodel import Col, default_render, default_sort_key
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import BROKERS, cluster_snapshot, frozen_app, frozen_state, wait_for

SIZE = (100, 30)
SIZES = (200, 2_000)


def counted(columns: tuple[Col, ...] | list[Col], counts: Counter[str], thread: int | None = None) -> tuple[Col, ...]:
    """The same columns, with `render` and `sort_key` counting their calls (with `thread`, only
    the calls on the thread of that `threading.get_ident()`)."""

    def here() -> bool:
        return thread is None or threading.get_ident() == thread

    def wrap(col: Col) -> Col:
        render, sort_key = col.render, col.sort_key

        def counting_render(value: Any) -> Text:
            counts["render"] += here()
            return render(value)

        def counting_sort_key(value: Any) -> Any:
            counts["sort"] += here()
            return sort_key(value)

        return replace(col, render=counting_render, sort_key=counting_sort_key)

    return tuple(wrap(c) for c in columns)


COLUMNS = (
    Col("name", "Name", min_width=12),
    Col("rate", "Msgs/s", width=9, justify="right", render=default_render, sort_key=default_sort_key),
    Col("size", "Size", width=12, justify="right"),
    Col("state", "State", width=8),
)


def synthetic(n: int, tick: int = 0, changed: range | set[int] | None = None,
              rest: int = 0) -> list[tuple[str, tuple[Any, ...]]]:
    """`n` rows keyed t00000...; rows in `changed` (default: all) get `tick` added to their rate, the
    others `rest`."""
    rows = []
    for i in range(n):
        bump = tick if changed is None or i in changed else rest
        rows.append((f"t{i:05d}", (Text(f"topic-{i:05d}"), float(i % 97) + bump, i * 1_000, "ok")))
    return rows


class ScaleApp(App[None]):
    def __init__(self, counts: Counter[str]) -> None:
        super().__init__()
        self.counts = counts

    def compose(self) -> Any:
        yield FilterTable(counted(COLUMNS, self.counts), id="t")


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


async def refresh_cost(pilot: Any, table: FilterTable, counts: Counter[str], rows: list[Any]) -> Counter[str]:
    """The render and sort_key calls one `set_rows` costs, the repaint it causes included."""
    await settle(pilot)
    counts.clear()
    table.set_rows(rows)
    await settle(pilot)
    return Counter(counts)


async def measure(n: int) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    app = ScaleApp(counts)
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FilterTable)
        table.focus()
        table.sort_by("name")
        table.set_rows(synthetic(n))
        await wait_for(pilot, lambda: table.visible_count == n, what=f"{n} rows")
        await pilot.press("j", "j", "j")
        assert table.cursor_key == "t00003"
        visible = table.size.height - 1  # the header takes one line
        out["visible_cells"] = visible * len(COLUMNS)

        out["all_changed"] = await refresh_cost(pilot, table, counts, synthetic(n, tick=1))
        assert table.cursor_key == "t00003"  # kept on the same row
        assert "1.0" in table.plain_row("t00000")  # the new value is there

        out["unchanged"] = await refresh_cost(pilot, table, counts, synthetic(n, tick=1))

        # two visible rows and ten rows far below the screen change
        out["few_changed"] = await refresh_cost(
            pilot, table, counts, synthetic(n, tick=2, changed={1, 2, *range(n - 10, n)}, rest=1))
        assert "3.0" in table.plain_row("t00001")  # 1 + 2

        # sorted by the changing column: every refresh reorders the rows
        table.sort_by("rate", reverse=True)
        await settle(pilot)
        out["resorted"] = await refresh_cost(pilot, table, counts, synthetic(n, tick=3, changed=range(0, n, 2), rest=1))
        assert table.cursor_key == "t00003"
        assert table.visible_keys()[0] == "t00096"  # 96 + 3: the largest rate now

        await settle(pilot)
        counts.clear()
        await pilot.press("G")
        await settle(pilot)
        out["key_G"] = Counter(counts)
        assert table.cursor_key == table.visible_keys()[-1]
    return out


@pytest.fixture(scope="module")
def costs() -> dict[int, dict[str, Any]]:
    import asyncio

    return {n: asyncio.run(measure(n)) for n in SIZES}


def test_a_refresh_that_changes_every_row_renders_only_the_visible_rows(costs: dict[int, dict[str, Any]]) -> None:
    small, big = costs[200]["all_changed"]["render"], costs[2_000]["all_changed"]["render"]
    assert big <= costs[2_000]["visible_cells"], f"{big} cell renders for one refresh of 2,000 rows"
    assert big <= small + len(COLUMNS), f"2,000 rows cost {big} renders, 200 rows {small}"


def test_an_unchanged_refresh_renders_and_sorts_nothing(costs: dict[int, dict[str, Any]]) -> None:
    for n in SIZES:
        assert costs[n]["unchanged"]["render"] == 0, f"{n} rows: unchanged data re-rendered"
        assert costs[n]["unchanged"]["sort"] == 0, f"{n} rows: unchanged data re-sorted"


def test_a_few_changed_rows_render_only_where_they_are_visible(costs: dict[int, dict[str, Any]]) -> None:
    for n in SIZES:
        renders = costs[n]["few_changed"]["render"]
        assert renders <= 2 * len(COLUMNS), f"{n} rows: {renders} renders for 2 visible changed rows"
        assert costs[n]["few_changed"]["sort"] == 0  # sorted by name: the rates do not move a row


def test_a_reordering_refresh_sorts_once_and_renders_the_screen(costs: dict[int, dict[str, Any]]) -> None:
    big = costs[2_000]["resorted"]
    assert big["render"] <= costs[2_000]["visible_cells"]
    assert big["sort"] <= 2_000  # one key per row: a sort, not a sort per row
    assert costs[2_000]["key_G"]["render"] <= costs[2_000]["visible_cells"]


# --------------------------------------------------------------------------- the real topics view


def topics_snapshot(n: int, tick: float) -> Any:
    """`n` one-partition topics whose rates all change with `tick` (a busy cluster)."""
    topics = tuple(
        Topic(f"t{i:05d}", False, (Partition(f"t{i:05d}", 0, 1, (1,), (1,), earliest=0, latest=i, size_bytes=i),),
              msgs_per_s=float(i % 50) + tick)
        for i in range(n)
    )
    return replace(cluster_snapshot(), brokers=BROKERS, topics=topics)


async def topics_refresh_renders(n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    counts: Counter[str] = Counter()
    monkeypatch.setattr(topics_module, "COLUMNS", counted(topics_module.COLUMNS, counts))
    app = frozen_app(frozen_state(cluster=topics_snapshot(n, 0.0), topic_rate_history={}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="topics view")
        table = app.screen.query_one(FilterTable)
        await wait_for(pilot, lambda: table.visible_count == n, what=f"{n} topics")
        await settle(pilot)
        renders = []
        for tick in (1.0, 2.0):
            counts.clear()
            app.set_state(frozen_state(cluster=topics_snapshot(n, tick), topic_rate_history={}))
            await wait_for(pilot, lambda: not table.preparing, what="the rows (prepared in a thread) shown")
            await settle(pilot)
            renders.append(counts["render"])
        return max(renders), (table.size.height - 1) * len(topics_module.COLUMNS)


async def test_topics_view_refresh_cost_does_not_grow_with_the_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    small, _ = await topics_refresh_renders(200, monkeypatch)
    big, visible_cells = await topics_refresh_renders(2_000, monkeypatch)
    assert big <= visible_cells, f"{big} cell renders per refresh of 2,000 topics"
    assert big <= small + len(topics_module.COLUMNS), f"2,000 topics cost {big} renders, 200 topics {small}"


# --------------------------------------------------------------------------- the `/` filter on a big table


class FilterApp(App[None]):
    def __init__(self, counts: Counter[str]) -> None:
        super().__init__()
        self.counts = counts

    def compose(self) -> Any:
        yield FilterTable(counted(COLUMNS, self.counts, thread=threading.get_ident()), id="t")
        yield FilterInput("t")


async def typed_filter_cost(n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """Cell renders on the UI thread for typing a filter after `/`, and the filter passes a burst
    of six keys queued at once costs (a paste, or keys typed ahead of a slow frame)."""
    counts: Counter[str] = Counter()
    passes: list[str] = []
    set_filter = FilterTable.set_filter

    def counting_set_filter(self: FilterTable, pattern: str) -> str | None:
        passes.append(pattern)
        return set_filter(self, pattern)

    monkeypatch.setattr(FilterTable, "set_filter", counting_set_filter)
    app = FilterApp(counts)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FilterTable)
        table.focus()
        table.set_rows(synthetic(n))
        await wait_for(pilot, lambda: table.visible_count == n, what=f"{n} rows")
        await pilot.press("slash")
        await wait_for(pilot, lambda: not table.warming, what="the filter's texts made in a thread")
        await settle(pilot)
        counts.clear()
        await pilot.press(*"-00019")
        await wait_for(pilot, lambda: table.visible_keys() == ["t00019"], what="one row")
        renders = counts["render"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.visible_count == n, what="all rows again")
        await pilot.press("slash")
        passes.clear()
        for key in "-00019":  # queued together, before the app handles any of them
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: table.visible_keys() == ["t00019"], what="one row after the burst")
        return renders, (table.size.height - 1) * len(COLUMNS), len(passes)


async def test_typing_a_filter_renders_only_the_screen_on_the_ui_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The texts the filter searches are made in a thread when `/` opens a big table; a burst of
    keys filters it once. At 200 rows (below the off-thread limit) each key filters at once."""
    _, _, small_passes = await typed_filter_cost(200, monkeypatch)
    big_renders, visible_cells, big_passes = await typed_filter_cost(2_000, monkeypatch)
    assert big_renders <= visible_cells, f"{big_renders} cell renders on the UI thread to filter 2,000 rows"
    assert small_passes == 6, small_passes
    assert big_passes == 1, f"a burst of 6 keys filtered 2,000 rows {big_passes} times"
