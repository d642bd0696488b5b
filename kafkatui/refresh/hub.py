"""Source ownership: who builds each long-lived source client, when, and who closes it.

Why apart from the app: "build once, off the UI thread, even if two workers race" and "every
failure comes out as SourceError" are plain logic the app, `snapshot --json` and the tests
share. The refresh decisions (when to poll, how a result is folded in) are in `policy.py`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kafkatui.model import SourceError, warm
from kafkatui.refresh.state import Source

if TYPE_CHECKING:
    from kafkatui.config import Settings
    from kafkatui.model import Broker

log = logging.getLogger(__name__)

T = TypeVar("T")


# --------------------------------------------------------------------------- source ownership


class SourceHub:
    """Owns the long-lived source objects: built lazily in a worker thread, closed once.

    Why: kafka-python connects inside `__init__` (blocking up to its bootstrap timeout), so a
    source must be built off the UI thread, and only once even if two workers race for it.
    Thread safety of the calls themselves is each source's business (KafkaSource serialises
    its own client; kazoo is thread-safe). Every failure comes out as SourceError, so a bug in
    a source cannot kill the poll loop.
    """

    def __init__(self, factories: Mapping[str, Callable[[], Any]], built: Mapping[str, Any] | None = None) -> None:
        """`built`: sources that already exist (the Kafka source the command line connected)."""
        self._factories = dict(factories)
        self._objects: dict[str, Any] = dict(built or {})
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

    def io_cpu_s(self) -> float:
        """The CPU seconds the built sources' own IO threads have used so far (the Kafka client's:
        `KafkaSource.io_cpu_s`), for what a poll costs; a poll's worker thread counts its own."""
        return self._cpu_counted("io_cpu_s")

    def walk_cpu_s(self) -> float:
        """The CPU seconds the processes source's log-dir walks have used so far: they pace
        themselves (processes/source.py), so a poll's cost leaves them out."""
        return self._cpu_counted("walk_cpu_s")

    def _cpu_counted(self, counter: str) -> float:
        """The sum of one CPU counter over the built sources that keep it."""
        return sum(getattr(obj, counter)() for obj in list(self._objects.values()) if hasattr(obj, counter))

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


def source_hub(settings: Settings, kafka: Any = None) -> SourceHub:
    """The sources of one cluster, as the monitor and `snapshot --json` both use them. `kafka`: a
    KafkaSource the command line has already connected (its start-up check)."""

    def new_kafka() -> Any:
        from kafkatui.kafka.source import KafkaSource

        return KafkaSource(settings)

    def zookeeper() -> Any:
        from kafkatui.zookeeper.source import ZooKeeperSource

        if not settings.zookeeper:
            raise SourceError("zookeeper", "not configured")
        return ZooKeeperSource(settings.zookeeper, settings.connect_timeout_s, settings.zk_security)

    def processes() -> Any:
        from kafkatui.processes.source import ProcessSource

        return ProcessSource()

    return SourceHub({"kafka": new_kafka, "zookeeper": zookeeper, "processes": processes},
                     built={"kafka": kafka} if kafka is not None else None)


def poll_source(hub: SourceHub, source: Source, brokers: tuple[Broker, ...] = (), light: bool = False,
                timeout_s: float | None = None) -> object:
    """One refresh of one polled source (blocking: call it from a worker thread). The processes
    are matched to `brokers`, the cluster's last known brokers, by listening port. `light`: the
    cluster's health only (the brokers, one Metadata request), for a view that shows no cluster
    data (the tail) while the header still needs to know the cluster is up. `timeout_s`: the
    deadline of every Kafka request of this poll (refresh/deadline.py; None: the set timeout)."""
    if source is Source.CLUSTER and light:
        return hub.call("kafka", lambda s: s.health(timeout_s))
    if source is Source.CLUSTER:
        return warm(hub.call("kafka", lambda s: s.refresh(timeout_s)))
    if source is Source.GROUPS:
        return warm(hub.call("kafka", lambda s: s.groups(timeout_s)))
    if source is Source.SECURITY:
        return hub.call("kafka", lambda s: s.security(timeout_s))
    if source is Source.QUORUM:
        return hub.call("kafka", lambda s: s.quorum(timeout_s))
    if source is Source.ZOOKEEPER:
        return hub.call("zookeeper", lambda s: s.refresh())
    return hub.call("processes", lambda s: s.refresh(brokers))
