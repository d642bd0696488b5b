"""What the UI knows at one instant: the last good snapshot of each source plus its health.

The app replaces `AppState` wholesale whenever a worker reports, then hands it to the visible
view. Views are render-only: they read `AppState` and never call a source. Keeping this as an
immutable value (not a bag of widget attributes) is what lets views be tested with frozen data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import ClassVar, Protocol, runtime_checkable

from kafkatui.health.controller import ControllerWatch
from kafkatui.model import (
    Broker,
    ClusterSnapshot,
    GroupsSnapshot,
    ProcessesSnapshot,
    QuorumSnapshot,
    SecuritySnapshot,
    ZkSnapshot,
)
from kafkatui.refresh.deadline import SET, Deadline
from kafkatui.refresh.pace import NORMAL, Pace, Spent


class Source(enum.Enum):
    """The polled sources; a view names the ones it needs so only those are refreshed."""

    CLUSTER = "kafka"
    GROUPS = "groups"
    ZOOKEEPER = "zookeeper"
    PROCESSES = "processes"
    SECURITY = "security"  # ACLs, quotas, SCRAM users: polled slowly, only while the security view shows
    QUORUM = "quorum"  # the KRaft metadata quorum alone, for the quorum view (not the full cluster poll)


KAFKA_SOURCES = frozenset({Source.CLUSTER, Source.GROUPS, Source.SECURITY, Source.QUORUM})
"""The sources whose polls are Kafka requests: each has its own adaptive request deadline
(refresh/deadline.py); ZooKeeper and the processes keep their own fixed timeouts."""

SLOW_INTERVAL_S: dict[Source, float] = {Source.SECURITY: 30.0}
"""Sources that change rarely (ACLs are set by hand) are polled at this interval or the refresh
interval, whichever is longer (`AppState.interval`)."""


@dataclass(frozen=True)
class SourceHealth:
    """Health of one source. `stale_since` is set at the first failure after good data."""

    last_ok_at: float | None = None  # epoch seconds of the last good snapshot
    last_duration_s: float | None = None
    error: str | None = None  # the last error, cleared on success
    stale_since: float | None = None
    failures: int = 0  # consecutive failures, drives the backoff
    next_attempt_at: float | None = None

    @property
    def stale(self) -> bool:
        return self.error is not None

    def succeeded(self, at: float, duration_s: float) -> SourceHealth:
        return SourceHealth(last_ok_at=at, last_duration_s=duration_s)

    def failed(self, at: float, error: str, next_attempt_at: float | None) -> SourceHealth:
        return replace(
            self,
            error=error,
            stale_since=self.stale_since or at,
            failures=self.failures + 1,
            next_attempt_at=next_attempt_at,
        )


@dataclass(frozen=True)
class AppState:
    cluster: ClusterSnapshot | None = None
    groups: GroupsSnapshot | None = None
    zookeeper: ZkSnapshot | None = None
    processes: ProcessesSnapshot | None = None
    security: SecuritySnapshot | None = None
    quorum: QuorumSnapshot | None = None  # the quorum view's own poll (the full one also carries a quorum)
    health: dict[Source, SourceHealth] = field(default_factory=lambda: {s: SourceHealth() for s in Source})
    paused: bool = False
    refresh_s: float = 5.0
    cluster_name: str = ""
    zookeeper_configured: bool = True
    lag_trends: dict[str, tuple[int, ...]] = field(default_factory=dict)  # group id -> total lag per refresh
    topic_rate_history: dict[str, tuple[float, ...]] = field(default_factory=dict)  # topic -> msgs/s samples
    controller: ControllerWatch = field(default_factory=ControllerWatch)  # controller changes, /controller agreement
    # The brokers of the last cluster answer, the full poll's or the header's light one: what the
    # processes are matched to, so the processes view needs no full cluster poll (issue 14).
    brokers: tuple[Broker, ...] = ()
    # How each source is paced: a source whose polls cost too much of its interval is polled less
    # often (refresh/pace.py, the app protects the host); a source not in it, at its set interval.
    pace: dict[Source, Pace] = field(default_factory=dict)
    # What each source's polls use now, so that all of them share one budget (refresh/pace.py).
    spent: dict[Source, Spent] = field(default_factory=dict)
    timeout_s: float = 4.0  # the set request timeout (Settings.connect_timeout_s; the app sets it)
    # Each Kafka source's request deadline, grown after a poll ran into it (refresh/deadline.py);
    # a source not in it gets the set timeout.
    deadlines: dict[Source, Deadline] = field(default_factory=dict)

    def interval(self, source: Source) -> float:
        """The set interval of one source: the refresh interval, or longer for a slow source."""
        return max(self.refresh_s, SLOW_INTERVAL_S.get(source, 0.0))

    def poll_interval(self, source: Source) -> float:
        """The interval a source is polled at now: its set one, or longer while stretched."""
        return self.pace.get(source, NORMAL).interval(self.interval(source))

    def request_timeout(self, source: Source) -> float:
        """The deadline the next poll of a source gives its Kafka requests."""
        return self.deadlines.get(source, SET).timeout(self.timeout_s)

    def with_health(self, source: Source, health: SourceHealth) -> AppState:
        return replace(self, health={**self.health, source: health})


@runtime_checkable
class DataView(Protocol):
    """A screen that renders AppState. `SOURCES` tells the app which sources to poll while it shows."""

    SOURCES: ClassVar[frozenset[Source]]

    def show_state(self, state: AppState) -> None: ...
