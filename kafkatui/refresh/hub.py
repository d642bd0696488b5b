"""Refresh policy and source ownership, kept free of Textual so it can be unit-tested.

Why here and not in the app: the decisions "how long until the next poll", "what goes into
the bounded histories" and "who owns the client and when is it built" are plain logic. The
app only turns them into `set_timer` calls and thread workers.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kafkatui.model import ClusterSnapshot, GroupsSnapshot, SourceError
from kafkatui.refresh.state import SourceHealth

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BACKOFF_S = 30.0
HISTORY_POINTS = 30
HOST_SHARE = 0.2  # one refresh of a source may cost at most this share of its interval


# --------------------------------------------------------------------------- timing policy


def next_delay(
    refresh_s: float,
    failures: int,
    *,
    cap: float = MAX_BACKOFF_S,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next poll after `failures` consecutive failures (0 = last poll was good).

    Doubles from `refresh_s` like kazoo's KazooRetry: refresh, refresh, 2*refresh, 4*refresh ...
    capped at `cap` (but never below `refresh_s`). `jitter` (0..1) spreads retries by ±jitter
    so several sources that failed together don't retry in lock-step.
    """
    if failures <= 0:
        delay = refresh_s
    else:
        exponent = min(failures - 1, 16)  # keeps 2**n small; the cap bites long before
        delay = min(refresh_s * 2**exponent, max(cap, refresh_s))
    if jitter > 0:
        delay *= 1 + jitter * (2 * rand() - 1)
    return max(0.0, delay)


def protective_interval(refresh_s: float, cost_s: float, share: float = HOST_SHARE) -> float | None:
    """The longer interval a source must use when one refresh cost more than `share` of `refresh_s`,
    or None when the set interval is fine.

    Why (issue 14, "the app protects the host"): kafkatui runs on a broker host; a refresh that
    costs a large share of its interval would keep a core busy instead of leaving it to Kafka, and
    polls would queue up. The interval grows so that the cost stays within `share` of it, in whole
    seconds so the header's note does not jitter, and goes back once refreshes are cheap again.
    """
    if refresh_s <= 0 or cost_s <= share * refresh_s:
        return None
    return float(math.ceil(cost_s / share))


def delay_on_activate(health: SourceHealth, refresh_s: float, now: float) -> float:
    """When a view that needs a source appears: poll now if its data is due, else when it is due.

    A failing source keeps its backoff (switching views must not hammer a dead broker), and a
    source whose interval was stretched keeps that interval.
    """
    if health.stale and health.next_attempt_at is not None:
        return max(0.0, health.next_attempt_at - now)
    if health.last_ok_at is None:
        return 0.0
    interval = health.stretched_s or refresh_s
    return max(0.0, health.last_ok_at + (health.last_duration_s or 0.0) + interval - now)


def slow_after(refresh_s: float) -> float:
    """How long a poll may run before the UI marks its source stale while it still waits."""
    return max(10.0, 3 * refresh_s)


# --------------------------------------------------------------------------- bounded histories


def push_history(series: tuple[Any, ...] | None, value: Any, limit: int = HISTORY_POINTS) -> tuple[Any, ...]:
    return ((*(series or ()), value))[-limit:]


def topic_rate_history(
    history: Mapping[str, tuple[float, ...]], snapshot: ClusterSnapshot, limit: int = HISTORY_POINTS
) -> dict[str, tuple[float, ...]]:
    """Append each topic's msgs/s (when the source knew it) and drop topics that are gone."""
    out: dict[str, tuple[float, ...]] = {}
    for topic in snapshot.topics:
        series = history.get(topic.name, ())
        if topic.msgs_per_s is not None:
            series = push_history(series, float(topic.msgs_per_s), limit)
        if series:
            out[topic.name] = series
    return out


def lag_trends(
    history: Mapping[str, tuple[int, ...]], snapshot: GroupsSnapshot, limit: int = HISTORY_POINTS
) -> dict[str, tuple[int, ...]]:
    """Append each group's total lag (when known) and drop groups that are gone."""
    out: dict[str, tuple[int, ...]] = {}
    for g in snapshot.groups:
        series = history.get(g.id, ())
        if g.total_lag is not None:
            series = push_history(series, g.total_lag, limit)
        out[g.id] = series
    return out


# --------------------------------------------------------------------------- source ownership


class SourceHub:
    """Owns the long-lived source objects: built lazily in a worker thread, closed once.

    Why: kafka-python connects inside `__init__` (blocking up to its bootstrap timeout), so a
    source must be built off the UI thread, and only once even if two workers race for it.
    Thread safety of the calls themselves is each source's business (KafkaSource serialises
    its own client; kazoo is thread-safe). Every failure comes out as SourceError, so a bug in
    a source cannot kill the poll loop.
    """

    def __init__(self, factories: Mapping[str, Callable[[], Any]]) -> None:
        self._factories = dict(factories)
        self._objects: dict[str, Any] = {}
        self._build_locks = {name: threading.Lock() for name in self._factories}
        self._closed = False

    def get(self, name: str) -> Any:
        if self._closed:
            raise SourceError(name, "shutting down")
        obj = self._objects.get(name)
        if obj is not None:
            return obj
        with self._build_locks[name]:
            obj = self._objects.get(name)
            if obj is None:
                obj = self._objects[name] = self._factories[name]()
        return obj

    def call(self, name: str, fn: Callable[[Any], T]) -> T:
        """Run `fn(source)`; any exception becomes a SourceError naming the source."""
        try:
            return fn(self.get(name))
        except SourceError:
            raise
        except Exception as exc:  # a source bug must not stop polling; keep the traceback in the log
            log.exception("unexpected error from source %s", name)
            raise SourceError(name, f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Close every built source; errors are logged, never raised (we are exiting)."""
        self._closed = True
        for name, obj in list(self._objects.items()):
            close = getattr(obj, "close", None)
            if close is None:
                continue
            try:
                close()
            except Exception:
                log.warning("closing source %s failed", name, exc_info=True)
        self._objects.clear()
