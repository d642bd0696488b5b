"""How the tail reader paces itself: retry backoff, a CPU cap, and skipping ahead of a flood.

Sharing one GIL with the UI: the reader thread spends at most MAX_BUSY of its wall time on
the CPU (`BusyLimiter`), so a flood cannot starve key handling. When that makes it fall more
than `skip_behind` records behind a partition it had caught up with, it jumps ahead to stay
current (`skip_ahead_targets`) and counts what it jumped over as skipped: a ring buffer of
that size could not have kept it anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

MAX_BUSY = 0.5  # share of wall time the reader thread may spend on the CPU (and so hold the GIL)
BUSY_WINDOW_S = 0.1
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.5, 15.0


class Backoff:
    """Doubling delays between retries, from BACKOFF_MIN_S up to BACKOFF_MAX_S."""

    def __init__(self) -> None:
        self.delay = BACKOFF_MIN_S

    def next(self) -> float:
        delay, self.delay = self.delay, min(BACKOFF_MAX_S, self.delay * 2)
        return delay

    def reset(self) -> None:
        self.delay = BACKOFF_MIN_S


class BusyLimiter:
    """Call `throttle` once per loop on the reader thread: it sleeps (through `wait`) when
    the thread used more than MAX_BUSY of the last window's wall time.

    Python threads share one GIL: a reader decoding a flood flat out would leave the UI
    thread waiting for it, and key presses would lag. Capped, the reader falls behind
    instead, which `skip_behind` turns into an honest "skipped" count.
    """

    def __init__(self) -> None:
        self._window = (time.monotonic(), time.thread_time())

    def throttle(self, wait: Callable[[float], Any]) -> None:
        started, cpu_started = self._window
        wall, cpu = time.monotonic() - started, time.thread_time() - cpu_started
        if wall < BUSY_WINDOW_S:
            return
        rest = cpu / MAX_BUSY - wall
        if rest > 0:
            wait(min(rest, BUSY_WINDOW_S))
        self._window = (time.monotonic(), time.thread_time())


def skip_ahead_targets(partitions: Iterable[int], highwater: dict[int, int], next_offset: dict[int, int],
                       caught_up: set[int], skip_behind: int) -> dict[int, int]:
    """{partition: offset to jump to} for live partitions more than `skip_behind` behind.

    Only partitions that reached their high watermark once since the last seek (`caught_up`,
    updated here): reading `earliest` on a big topic is what the operator asked for, falling
    behind a flood is not. A jump keeps the last `skip_behind / partitions` records.
    """
    chosen = list(partitions)
    if not skip_behind or not chosen:
        return {}
    keep = max(1, skip_behind // len(chosen))
    targets: dict[int, int] = {}
    for p in chosen:
        high, at = highwater.get(p), next_offset.get(p)
        if high is None or at is None:
            continue
        if at >= high:
            caught_up.add(p)
        elif p in caught_up and high - at > skip_behind:
            targets[p] = high - keep
    return targets
