"""Pure tail logic split out of the screen and the reader: TailView, skipping ahead, leader notes."""

from __future__ import annotations

import subprocess
import sys

from kafkatui.tail.leaders import LeaderWatch
from kafkatui.tail.pacing import Backoff, skip_ahead_targets
from kafkatui.tail.record import make_record
from kafkatui.tail.status import RateMeter
from kafkatui.tail.view import TailView


def recs(first: int, count: int, partition: int = 0) -> list:
    return [make_record(seq, partition, seq, 0, 0, b"k", f"v{seq}".encode(), ()) for seq in range(first, first + count)]


# --------------------------------------------------------------------------- TailView


def test_following_shows_new_records_and_counts_them() -> None:
    view = TailView(capacity=5)
    assert [r.seq for r in view.add(recs(1, 3))] == [1, 2, 3]
    assert [r.seq for r in view.add(recs(4, 7))] == [6, 7, 8, 9, 10]  # no more than the buffer holds
    assert view.shown == 10 and len(view.ring) == 5 and view.ring.evicted == 5


def test_pause_freezes_the_list_and_resume_says_what_was_lost() -> None:
    view = TailView(capacity=4)
    view.add(recs(1, 2))
    view.pause()
    assert view.add(recs(3, 5)) == [] and view.new_while_paused == 5
    assert [r.seq for r in view.visible()] == [1, 2], "paused: the frozen copy"
    assert view.resume() == 1  # 5 arrived, the 4-record buffer kept the newest 4 of them
    assert [r.seq for r in view.visible()] == [4, 5, 6, 7] and view.shown == 2 + 4
    assert view.following and view.new_while_paused == 0


def test_filter_applies_to_what_the_list_shows() -> None:
    view = TailView(capacity=10)
    view.add(recs(1, 3))
    assert view.set_filter("v2") and [r.seq for r in view.visible()] == [2]
    assert not view.set_filter("v2"), "the same filter again is no change"
    view.pause()
    view.add(recs(4, 1))
    assert view.set_filter("!v2") and [r.seq for r in view.visible()] == [1, 3]


def test_keep_partitions_and_restart() -> None:
    view = TailView(capacity=10)
    view.add(recs(1, 2, partition=0) + recs(3, 2, partition=1))
    view.pause()
    view.keep_partitions([1])
    assert {r.partition for r in view.ring} == {1} and {r.partition for r in view.visible()} == {1}
    view.keep_partitions(None)
    assert len(view.ring) == 2
    view.restart()
    assert len(view.ring) == 0 and view.shown == 0 and view.following and view.ring.capacity == 10


# --------------------------------------------------------------------------- reader helpers


def test_skip_ahead_only_for_partitions_that_were_caught_up() -> None:
    caught_up: set[int] = set()
    highwater, at = {0: 100, 1: 5000, 2: 50}, {0: 100, 1: 10, 2: 50}
    assert skip_ahead_targets([0, 1, 2], highwater, at, caught_up, skip_behind=300) == {}
    assert caught_up == {0, 2}, "partition 1 is reading history the operator asked for"
    highwater = {0: 1000, 1: 6000, 2: 200}
    assert skip_ahead_targets([0, 1, 2], highwater, at, caught_up, skip_behind=300) == {0: 1000 - 100}
    assert skip_ahead_targets([], highwater, at, caught_up, skip_behind=300) == {}
    assert skip_ahead_targets([0], highwater, at, caught_up, skip_behind=0) == {}


def test_leader_watch_notes_changes_and_where_it_continues() -> None:
    watch = LeaderWatch()
    watch.reset({0: 1, 1: 2})
    assert watch.seen(0, 1, 10) is None
    assert watch.seen(0, -1, 10) == "partition 0: no leader (was broker 1), waiting"
    assert watch.seen(0, 3, 12) == "partition 0: leader 1 → 3, continuing at offset 12"
    assert watch.seen(1, -1, None) is not None and watch.seen(1, 2, None) == "partition 1: leader 2 is back, continuing"
    assert watch.seen(1, None, 5) is None


def test_rate_meter_and_backoff() -> None:
    meter = RateMeter()
    assert meter.rate() == 0.0
    meter.sample(0.0, 0)
    meter.sample(1.0, 500)
    meter.sample(1.1, 600)  # within the sampling interval: not kept
    assert meter.rate() == 500.0
    meter.clear()
    assert meter.rate() == 0.0
    backoff = Backoff()
    assert [backoff.next() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    backoff.reset()
    assert backoff.next() == 0.5


def test_the_pure_tail_modules_do_not_import_textual() -> None:
    """Checked in a fresh interpreter (this one may have Textual loaded already)."""
    modules = ["kafkatui.tail.view", "kafkatui.tail.buffer", "kafkatui.tail.record", "kafkatui.tail.start",
               "kafkatui.tail.gcfreeze", "kafkatui.tail.reader", "kafkatui.tail.lenient"]
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
