"""TailChannel: what the UI thread and the tail's reader thread share, behind one lock.

The UI side calls `status()`, `drain()`, `set_partitions()` and `seek()`; none of them
blocks. The reader side (`TailReader`, in `kafkatui.tail.reader`) picks up the commands
between polls, hands records over with `_deliver` and makes notes with `_note`.

The hand-over is a bounded queue of batches (toolong's model). When the UI falls behind and
the queue is full, the *oldest* queued batch is dropped and counted as skipped, so the view
stays current and the status line can say exactly how much it did not show. A `seek()` starts
a new generation: what was queued before it is discarded and the counters start from zero.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from kafkatui.tail.record import TailRecord
from kafkatui.tail.start import StartSpec
from kafkatui.tail.status import RateMeter, TailBatch, TailStatus

log = logging.getLogger(__name__)

MAX_QUEUE_BATCHES = 64


class TailChannel:
    """Commands from the UI, records and status from the reader; every field under `_lock`."""

    def __init__(self, topic: str, *, partitions: Sequence[int] | None, start: StartSpec,
                 max_queue_batches: int, on_batch: Callable[[], None] | None) -> None:
        self.topic = topic
        self.on_batch = on_batch
        self._queue: queue.Queue[TailBatch] = queue.Queue(maxsize=max(1, max_queue_batches))
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._state, self._error = "connecting", None
        self._notes: deque[tuple[float, str]] = deque(maxlen=20)
        self._note_count = 0
        self._received = self._delivered = self._skipped = self._jumped = self._undecodable = 0
        self._behind: int | None = None
        self._wanted: tuple[int, ...] | None = tuple(partitions) if partitions is not None else None
        self._start = start
        self._generation = 0
        self._applied_generation = 0  # the generation the reader's positions belong to
        self._assigned: tuple[int, ...] = ()
        self._available: tuple[int, ...] = ()
        self._rates = RateMeter()
        self._pending_assign = True
        self._pending_seek = True

    # ------------------------------------------------------------------ UI side, never blocks

    def status(self) -> TailStatus:
        with self._lock:
            return TailStatus(
                state=self._state,
                error=self._error,
                notes=tuple(self._notes),
                note_count=self._note_count,
                received=self._received,
                delivered=self._delivered,
                skipped=self._skipped + self._jumped + self._undecodable,
                queued=self._received - self._delivered - self._skipped,
                rate=self._rates.rate(),
                behind=self._behind,
                partitions=self._assigned,
                available=self._available,
                start=self._start,
                generation=self._generation,
            )

    def drain(self, max_batches: int | None = None) -> list[TailBatch]:
        """Take what is queued, without blocking; counts it as delivered. Batches fetched
        before the latest `seek()` are left out (and were never counted as received)."""
        batches: list[TailBatch] = []
        while max_batches is None or len(batches) < max_batches:
            try:
                batches.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if batches:
            with self._lock:
                batches = [b for b in batches if b.generation == self._generation]
                self._delivered += sum(len(b.records) for b in batches)
        return batches

    def set_partitions(self, partitions: Sequence[int] | None) -> None:
        """Follow these partitions (None: all). Kept ones keep their place; new ones start
        at the current start position."""
        with self._lock:
            self._wanted = tuple(sorted(set(partitions))) if partitions is not None else None
            self._pending_assign = True
        self._wake.set()

    def seek(self, start: StartSpec) -> int:
        """Restart every partition from `start`. Returns the new generation: batches of older
        generations are discarded, and the counters start again from zero."""
        with self._lock:
            self._start = start
            self._pending_seek = True
            self._generation += 1
            self._received = self._delivered = self._skipped = self._jumped = self._undecodable = 0
            self._rates.clear()
            while True:  # what is queued was fetched before the seek
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            generation = self._generation
        self._wake.set()
        return generation

    # ------------------------------------------------------------------ reader side

    def _deliver(self, records: list[TailRecord]) -> None:
        with self._lock:
            generation = self._applied_generation
            if generation != self._generation:
                return  # fetched before the operator picked a new start position: not wanted
            self._received += len(records)
        batch = TailBatch(generation, tuple(records))
        while True:
            try:
                self._queue.put_nowait(batch)
                break
            except queue.Full:
                try:
                    dropped = self._queue.get_nowait()
                except queue.Empty:
                    continue
                with self._lock:
                    if dropped.generation == self._generation:
                        self._skipped += len(dropped.records)
        callback = self.on_batch
        if callback is not None:
            try:
                callback()
            except Exception:
                log.exception("tail on_batch callback failed")

    def _note(self, text: str) -> None:
        log.info("tail %s: %s", self.topic, text)
        with self._lock:
            self._notes.append((time.time(), text))
            self._note_count += 1

    def _set_error(self, message: str) -> None:
        """The reader failed; it reassigns (and seeks back to its positions) when it recovers."""
        with self._lock:
            self._state, self._error = "error", message
            self._pending_assign = True
