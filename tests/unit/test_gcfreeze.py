"""Polls' data kept out of full garbage collections, and frozen cyclic garbage still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kafkatui.tail import gcfreeze


@dataclass(frozen=True)
class Row:
    name: str
    offsets: tuple[int, ...]


class Node:
    """Weak-referenceable, so a test can see when the collector frees it."""

    def __init__(self) -> None:
        self.me: object = self


def tracked(objects: list[object]) -> int:
    """How many of `objects` a full collection would walk (frozen ones are in no generation)."""
    ids = {id(o) for o in objects}
    return sum(1 for o in gc.get_objects() if id(o) in ids)


@pytest.fixture
def frozen_heap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(gcfreeze, "_swept_at", None)
    gcfreeze.freeze_gc(True)
    try:
        yield
    finally:
        gcfreeze.freeze_gc(False)


def test_data_landed_after_the_first_freeze_is_frozen_too(frozen_heap: None) -> None:
    rows: list[object] = [Row(f"topic-{i}", (i, i + 1)) for i in range(2_000)]
    assert tracked(rows) == 2_000  # new since the first freeze: a full pass would walk them
    assert gcfreeze.keep_frozen(100.0) is False
    assert tracked(rows) == 0
    later: list[object] = [Row(f"topic-{i}", (i,)) for i in range(500)]
    assert tracked(later) == 500, "only what existed at the poll is frozen"


def test_frozen_cyclic_garbage_is_freed_by_the_next_sweep(frozen_heap: None) -> None:
    gcfreeze.keep_frozen(0.0)
    cycle = Node()
    dead = weakref.ref(cycle)
    gcfreeze.keep_frozen(1.0)  # the cycle is frozen while still in use
    del cycle
    gc.collect()
    assert dead() is not None, "frozen: a full collection does not see it"
    assert gcfreeze.keep_frozen(gcfreeze.SWEEP_S - 1) is False
    gc.collect()
    assert dead() is not None
    assert gcfreeze.keep_frozen(gcfreeze.SWEEP_S + 1) is True
    assert dead() is None, "the sweep unfroze and collected it"


def test_nothing_is_frozen_when_nobody_froze_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gcfreeze, "_frozen_by", 0)
    monkeypatch.setattr(gcfreeze, "_swept_at", None)
    before = gc.get_freeze_count()
    rows: list[object] = [Row(f"t{i}", ()) for i in range(100)]
    assert gcfreeze.keep_frozen(5.0) is False
    assert gc.get_freeze_count() == before and tracked(rows) == 100


def test_young_collections_are_rarer_only_while_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gcfreeze, "_frozen_by", 0)
    monkeypatch.setattr(gcfreeze, "_thresholds", None)
    before = gc.get_threshold()
    gcfreeze.freeze_gc(True)
    gcfreeze.freeze_gc(True)  # a tail inside the app
    assert gc.get_threshold() == gcfreeze.THRESHOLDS
    gcfreeze.freeze_gc(False)
    assert gc.get_threshold() == gcfreeze.THRESHOLDS, "still frozen by the other user"
    gcfreeze.freeze_gc(False)
    assert gc.get_threshold() == before


def test_the_sweep_clock_restarts_with_the_next_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """An app that ends and a later one in the same process (the tests, `snapshot` then the app):
    the later one's first data must not be swept at once on the first one's old clock."""
    monkeypatch.setattr(gcfreeze, "_frozen_by", 0)
    monkeypatch.setattr(gcfreeze, "_thresholds", None)
    monkeypatch.setattr(gcfreeze, "_swept_at", None)
    gcfreeze.freeze_gc(True)
    assert gcfreeze.keep_frozen(0.0) is False  # the first user's clock starts
    gcfreeze.freeze_gc(False)
    gcfreeze.freeze_gc(True)
    try:
        assert gcfreeze.keep_frozen(gcfreeze.SWEEP_S + 5) is False, "swept on the previous user's clock"
    finally:
        gcfreeze.freeze_gc(False)
