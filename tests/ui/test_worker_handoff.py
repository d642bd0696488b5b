"""A thread worker must not keep what it read or returned once its result is shown.

A finished Textual Worker stays in a reference cycle until CPython's cyclic collector runs, and
with the heap frozen after each poll (tail/gcfreeze.py) that is minutes away: a worker that held a
10,000-topic snapshot (through the closure making the rows, or in its result) kept one per poll,
and a headless app grew from 106 to 343 MB in 4 minutes. These tests turn the collector off and
check that the data is freed by reference counting alone once the rows are on screen."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.worker import Worker, WorkerState

from kafkatui.tablemodel import Col
from kafkatui.ui.handoff import Handoff, Handoffs
from kafkatui.ui.widgets.table import INLINE_LIMIT, FilterTable
from tests.ui.fixtures import wait_for


class Snapshot:
    """Stands for a poll's snapshot: weak-referenceable, so the test sees when it is freed."""

    def __init__(self, n: int) -> None:
        self.names = [f"topic-{i:05d}" for i in range(n)]


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield FilterTable([Col("name", "Name", min_width=12)], id="t")


@pytest.fixture
def no_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def test_rows_made_in_a_worker_do_not_keep_the_snapshot(no_collector: None) -> None:
    app = OneTable()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(FilterTable)
        n = INLINE_LIMIT + 100  # off the UI thread
        shown: list[Any] = []

        def show(snapshot: Snapshot) -> weakref.ref[Snapshot]:
            def make() -> tuple[list[tuple[str, tuple[Any, ...]]], int]:
                return [(name, (name,)) for name in snapshot.names], len(snapshot.names)

            table.set_rows_from(make, size=n, then=shown.append)
            return weakref.ref(snapshot)

        first = show(Snapshot(n))
        await wait_for(pilot, lambda: shown and not table.preparing, 20, "the first rows on screen")
        second = show(Snapshot(n))
        await wait_for(pilot, lambda: len(shown) == 2 and not table.preparing, 20, "the second rows on screen")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count == n
        assert first() is None and second() is None, "a finished worker still holds a snapshot"


def test_a_handoff_gives_each_thing_once() -> None:
    handoff: Handoff[tuple[int, int], str] = Handoff((1, 2))
    assert handoff.take_inputs() == (1, 2)
    with pytest.raises(RuntimeError):
        handoff.take_inputs()
    handoff.put("rows")
    assert handoff.take() == "rows"
    assert handoff.take() is None


async def test_handoffs_give_the_result_once_and_forget_the_worker(no_collector: None) -> None:
    """The registry the table and the attention panel share: the handler's take is the only
    holder of the result, and the finished worker is no longer kept (nor, through it, the inputs).
    A RUNNING message handled after the thread ended (Textual queues them) takes nothing: the
    result is for the SUCCESS message behind it."""
    app = OneTable()
    async with app.run_test(size=(60, 20)):
        handoffs = Handoffs()
        snapshot = Snapshot(1000)
        held = weakref.ref(snapshot)
        worker = handoffs.run(app.query_one(FilterTable), lambda s: len(s.names), snapshot, name="count")
        del snapshot
        await app.workers.wait_for_complete()
        assert worker.is_finished
        assert handoffs.take(Worker.StateChanged(worker, WorkerState.RUNNING)) is None
        assert handoffs.take(Worker.StateChanged(worker, WorkerState.SUCCESS)) == 1000
        assert handoffs.take(Worker.StateChanged(worker, WorkerState.SUCCESS)) is None, "a result is taken once"
        assert not handoffs._by_worker, "the finished worker is still held"
        assert held() is None, "the inputs outlived the worker"


def test_a_result_put_after_the_handler_took_is_dropped() -> None:
    """A cancelled worker's thread runs on and puts its result after the CANCELLED handler took
    the (empty) handoff: the result must not stay in the worker's reference cycle."""
    handoff: Handoff[int, Snapshot] = Handoff(1)
    handoff.take_inputs()
    assert handoff.take() is None  # the CANCELLED handler
    late = Snapshot(10)
    held = weakref.ref(late)
    handoff.put(late)
    del late
    assert held() is None, "the late result is kept by the handoff"


async def test_a_theme_switch_while_rows_are_prepared_shows_the_new_colours() -> None:
    """Rows prepared in a worker under the old theme land after a switch, while the new theme's
    rows wait: the old rows must not end the repaint the switch asked for. Before the fix they
    were adopted with it, and the new rows (equal as text, Text equality ignores style) then
    counted as unchanged, so the table kept the old colours (seen as the 16-colour test's
    overview keeping the dark theme's)."""
    app = OneTable()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(FilterTable)
        n = INLINE_LIMIT + 100  # off the UI thread
        gate = threading.Event()

        def rows(colour: str, wait: bool = False) -> Any:
            def make() -> tuple[list[tuple[str, tuple[Any, ...]]], None]:
                if wait:
                    gate.wait(20)
                return [(f"t{i:04d}", (Text(f"t{i:04d}", style=colour),)) for i in range(n)], None
            return make

        table.set_rows_from(rows("red"), size=n)
        await wait_for(pilot, lambda: table.row_count == n and not table.preparing, 20, "the first rows")
        table.set_rows_from(rows("red", wait=True), size=n)  # in a worker, made for the old theme
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        table.set_rows_from(rows("blue"), size=n)  # the view redrawn for the new theme: waits
        gate.set()
        await wait_for(pilot, lambda: not table.preparing, 20, "the rows after the switch")
        await pilot.pause()
        colours = {seg.style.color.name for seg in table.render_line(2) if seg.text.strip() and seg.style
                   and seg.style.color}
        assert colours == {"blue"}, f"the second row (not under the cursor) is drawn in {colours}"
