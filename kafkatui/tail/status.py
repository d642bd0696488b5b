"""What the tail reader reports: batches of records for the UI, and its status snapshot.

Both are frozen dataclasses, safe to hand from the reader thread to the UI thread.
`RateMeter` turns the received count into msgs/s over the last few seconds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kafkatui.tail.record import TailRecord
from kafkatui.tail.start import StartSpec

RATE_WINDOW_S = 5.0
RATE_SAMPLE_S = 0.25


@dataclass(frozen=True)
class TailBatch:
    """Records from one poll. `generation` changes on every seek, so the UI can ignore
    batches fetched before the operator picked a new start position."""

    generation: int
    records: tuple[TailRecord, ...]


@dataclass(frozen=True)
class TailStatus:
    """What the status line shows; a snapshot, safe to read on any thread.

    received: records the consumer returned; delivered: records the UI drained; skipped:
    records that went by unshown: dropped because the UI queue was full, jumped over when
    the reader fell more than `skip_behind` records behind a live partition, or offsets that
    could not be decoded (each such skip also makes a note).
    queued: received but not yet drained. behind: records between the reader's position and
    the high watermark.
    """

    state: str  # "connecting" | "running" | "error" | "gone" (the topic was deleted) | "closed"
    error: str | None
    notes: tuple[tuple[float, str], ...]  # (time, text), newest last; leader changes etc.
    note_count: int  # total notes ever made, to spot new ones
    received: int
    delivered: int
    skipped: int
    queued: int
    rate: float  # msgs/s received over the last few seconds
    behind: int | None
    partitions: tuple[int, ...]  # assigned
    available: tuple[int, ...]  # all partitions of the topic
    start: StartSpec
    generation: int


class RateMeter:
    """msgs/s from (time, running count) samples over the last RATE_WINDOW_S. Not locked:
    the reader calls it under its own lock."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()

    def sample(self, now: float, count: int) -> None:
        if not self._samples or now - self._samples[-1][0] >= RATE_SAMPLE_S:
            self._samples.append((now, count))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.popleft()

    def rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def clear(self) -> None:
        self._samples.clear()
