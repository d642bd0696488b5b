"""A thread worker must not keep what it read or returned once its result is shown.

A finished Textual Worker stays in a reference cycle until CPython's cyclic collector runs, and
with the heap frozen after each poll (tail/gcfreeze.py) that is minutes away: a worker that held a
10,000-topic snapshot (through the closure making the rows, or in its result) kept one per poll,
and a headless app grew from 106 to 343 MB in 4 minutes. These tests turn the collector off and
check that the data is freed by reference counting alone once the rows are on screen."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from textual.app import App, ComposeResult

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
    holder of the result, and the finished worker is no longer kept (nor, through it, the inputs)."""
    app = OneTable()
    async with app.run_test(size=(60, 20)):
        handoffs = Handoffs()
        snapshot = Snapshot(1000)
        held = weakref.ref(snapshot)
        worker = handoffs.run(app.query_one(FilterTable), lambda s: len(s.names), snapshot, name="count")
        del snapshot
        await app.workers.wait_for_complete()
        assert handoffs.take(worker) == 1000
        assert handoffs.take(worker) is None, "a result is taken once"
        assert not handoffs._by_worker, "the finished worker is still held"
        assert held() is None, "the inputs outlived the worker"
