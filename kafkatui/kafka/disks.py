"""How fast each log dir fills, from the usable bytes of successive DescribeLogDirs answers.

Kafka reports a log dir's total and usable bytes (DescribeLogDirs v4, KIP-827) but no rate,
so the rate is the drop in usable bytes between the oldest kept sample and the newest,
divided by the time between them. A window (not just the last two samples) keeps one
segment roll or deletion from turning into a wild rate; samples older than `WINDOW_S` and
dirs not seen in an update are dropped, so memory follows the cluster. Fewer than two
samples, or an unknown usable size, give None: no rate is better than a wrong one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

WINDOW_S = 600.0
"""Seconds of samples a rate is computed over (10 minutes): long enough to smooth segment
rolls and retention deletes, short enough to see a sudden flood."""
MAX_SAMPLES = 120
"""Samples kept per dir at most, whatever the refresh interval (bounded memory)."""

DirKey = tuple[int, str]  # (broker id, path)


class DiskFillTracker:
    """Usable-bytes samples per (broker, log dir), and the fill rate they give."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._samples: dict[DirKey, deque[tuple[float, int]]] = {}

    def update(self, now: float, usable: Iterable[tuple[DirKey, int | None]]) -> dict[DirKey, float | None]:
        """Record this refresh's usable bytes per dir; returns each dir's fill rate in bytes/s
        (positive: space is being used up; negative: freed)."""
        rates: dict[DirKey, float | None] = {}
        seen: set[DirKey] = set()
        for key, value in usable:
            seen.add(key)
            samples = self._samples.setdefault(key, deque(maxlen=MAX_SAMPLES))
            if value is None:
                rates[key] = None
                continue
            samples.append((now, value))
            while samples and now - samples[0][0] > self.window_s:
                samples.popleft()
            rates[key] = fill_rate(samples[0], samples[-1]) if len(samples) >= 2 else None
        for gone in set(self._samples) - seen:
            del self._samples[gone]
        return rates


def fill_rate(first: tuple[float, int], last: tuple[float, int]) -> float | None:
    """Bytes per second the usable space shrank from `first` to `last` (time, usable bytes)."""
    (t0, u0), (t1, u1) = first, last
    if t1 <= t0:
        return None
    return (u0 - u1) / (t1 - t0)
