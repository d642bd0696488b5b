"""Source ownership: who builds each long-lived source client, when, and who closes it.

Why apart from the app: "build once, off the UI thread, even if two workers race" and "every
failure comes out as SourceError" are plain logic the app, `snapshot --json` and the tests
share. The refresh decisions (when to poll, how a result is folded in) are in `policy.py`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kafkatui.model import SourceError

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BACKOFF_S = 30.0
HISTORY_POINTS = 30


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
