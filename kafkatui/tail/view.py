"""TailView: what the tail screen shows of the records it received, without any Textual.

The screen owns one TailView and renders it; keeping the state here means the rules for
follow/pause, the filter and the counters are plain Python with unit tests.

* Everything received goes into a `RingBuffer` (bounded by records and bytes).
* Following, new records are shown as they arrive (`shown` counts them). Paused, the list is
  a frozen copy of the buffer; records keep arriving into the buffer and are counted
  (`new_while_paused`). Resuming shows the buffer again and says how many records arrived
  and were evicted before they could be shown.
* The `/` filter applies to whichever of the two the list shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from kafkatui.tail.buffer import DEFAULT_MAX_BYTES, RingBuffer, matching
from kafkatui.tail.record import TailRecord
from kafkatui.textfilter import TextFilter, compile_filter


class TailView:
    def __init__(self, capacity: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.ring = RingBuffer(capacity, max_bytes)
        self.filter: TextFilter = compile_filter("")
        self.following = True
        self.shown = 0
        self.new_while_paused = 0
        self._frozen: list[TailRecord] | None = None
        self._paused_at_seq = 0

    def add(self, records: Sequence[TailRecord]) -> list[TailRecord]:
        """Keep new records; returns those to show now (none while paused), unfiltered."""
        self.ring.extend(records)
        if not self.following:
            self.new_while_paused += len(records)
            return []
        self.shown += len(records)
        return list(records[-self.ring.capacity:])

    def visible(self) -> list[TailRecord]:
        """What the list shows: the buffer (or the frozen copy while paused), filtered."""
        return matching(self.filter, self.ring if self.following else (self._frozen or []))

    def pause(self) -> None:
        self.following = False
        self._frozen = self.ring.snapshot()
        self._paused_at_seq = self._frozen[-1].seq if self._frozen else 0
        self.new_while_paused = 0

    def resume(self) -> int:
        """Follow again; returns how many records arrived and left the buffer while paused."""
        kept = sum(1 for r in self.ring if r.seq > self._paused_at_seq)
        lost = self.new_while_paused - kept
        self.shown += kept
        self.following, self._frozen, self.new_while_paused = True, None, 0
        return max(0, lost)

    def set_filter(self, pattern: str) -> bool:
        """Use a new filter; False when it is the same as the current one."""
        new = compile_filter(pattern)
        if new == self.filter and new.error == self.filter.error:
            return False
        self.filter = new
        return True

    def keep_partitions(self, partitions: Sequence[int] | None) -> None:
        """Drop records of partitions no longer followed (None: all are followed)."""
        if partitions is None:
            return
        wanted = set(partitions)
        kept = [r for r in self.ring if r.partition in wanted]
        self.ring.clear()
        self.ring.extend(kept)
        if self._frozen is not None:
            self._frozen = [r for r in self._frozen if r.partition in wanted]

    def restart(self) -> None:
        """A new start position: empty buffer, counters from zero, following."""
        self.ring = RingBuffer(self.ring.capacity, self.ring.max_bytes)
        self.shown = self.new_while_paused = 0
        self._frozen = None
        self.following = True
