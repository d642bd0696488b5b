"""The refresh loop of KafkaTuiApp: one thread worker per source, re-armed with set_timer.

Why a mixin of its own: this is the part of the app that must never go wrong under a failing
cluster, so it is kept apart from screens and keys and reads top to bottom as one state machine:
`_arm` -> timer -> `_poll` -> worker thread (`_poll_worker`) -> `SourcePolled` ->
`on_source_polled` (fold into AppState, render, `_arm` again with the backoff delay). A source
is only armed while the visible view needs it, never while paused, and never while in flight.
The cluster is always polled, for the header; while the visible view shows no cluster data (the
tail), that poll is the light one (`KafkaSource.health`: the brokers, one request) instead of
every partition's offsets, and the view that needs the data again gets a full poll at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from kafkatui.model import ClusterHealth, ClusterSnapshot, GroupsSnapshot, SourceError
from kafkatui.refresh.hub import (
    MAX_BACKOFF_S,
    SourceHub,
    delay_on_activate,
    lag_trends,
    next_delay,
    protective_interval,
    slow_after,
    topic_rate_history,
)
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.messages import RequestDone, SourcePolled

if TYPE_CHECKING:
    from kafkatui.config import Settings

log = logging.getLogger(__name__)

REQUESTS: dict[str, tuple[str, str]] = {  # request kind -> (hub source name, source method)
    "configs": ("kafka", "configs"),
    "zk_children": ("zookeeper", "children"),
    "zk_node": ("zookeeper", "node"),
}

# A failed ZooKeeper poll costs one refused TCP connect, and kazoo itself retries at most every
# 5 s (sources/zookeeper.py RETRY_MAX_DELAY_S): back off no further, so a restarted ZooKeeper
# shows as connected within seconds instead of after the general 30 s cap.
ZOOKEEPER_BACKOFF_CAP_S = 5.0
PARTIAL_ERRORS_SHOWN = 3


def partial_error(errors: tuple[str, ...]) -> str:
    """One line for a refresh that kept some data but lost parts of it (snapshot.errors)."""
    more = len(errors) - PARTIAL_ERRORS_SHOWN
    return "partial refresh: " + "; ".join(errors[:PARTIAL_ERRORS_SHOWN]) + (f" (+{more} more)" if more > 0 else "")


class PollingMixin:
    """Needs from the app: settings, live, _state, _hub, _set_state, _render_view, run_worker, set_timer."""

    settings: Settings
    live: bool
    _state: AppState
    _hub: SourceHub
    _view_sources: frozenset[Source]
    _poll_timers: dict[Source, Timer]
    _in_flight: dict[Source, float]
    _slow_marked: set[Source]
    _cluster_behind: bool  # a light cluster poll landed after the last full one

    if TYPE_CHECKING:
        def _set_state(self, state: AppState) -> None: ...
        def _render_view(self) -> None: ...
        def _render_header(self) -> None: ...
        def run_worker(self, *args: Any, **kwargs: Any) -> Any: ...
        def set_timer(self, *args: Any, **kwargs: Any) -> Timer: ...
        def post_message(self, message: Any) -> bool: ...
        def call_later(self, callback: Any, *args: Any) -> bool: ...

    def request(self, kind: str, *args: object, on_done: Callable[[object], None]) -> None:
        """Run an on-demand source call off the UI thread; `on_done(value or SourceError)` runs on it."""
        if not self.live:  # answered later, like a real request, so views never see re-entrancy
            self.call_later(on_done, SourceError("app", "no live connection (snapshot mode)"))
            return
        self.run_worker(partial(self._request_worker, kind, args, on_done), name=f"request-{kind}",
                        group=f"request-{kind}", thread=True, exclusive=True, exit_on_error=False)

    def _wanted(self) -> frozenset[Source]:
        wanted = set(self._view_sources) | {Source.CLUSTER}
        cluster = self._state.cluster
        if cluster is None:
            # Groups share the Kafka client, and its lock, with the cluster poll. Until the cluster
            # has answered once, a groups poll only waits out the same connect timeout first and
            # delays the first "Kafka DOWN" and its reason by a whole timeout (measured: 8 s, not 4).
            # The groups views show the cluster's state meanwhile (their banners include it).
            wanted.discard(Source.GROUPS)
        if not self.settings.zookeeper or (cluster is not None and cluster.kraft):
            wanted.discard(Source.ZOOKEEPER)
        return frozenset(wanted)

    def _shows_cluster_data(self) -> bool:
        """Whether the visible view needs the full cluster poll; else only the header's light one runs."""
        return Source.CLUSTER in self._view_sources

    def _rearm_all(self, activate: bool = False) -> None:
        if not self.live:
            return
        wanted = self._wanted()
        for source in list(self._poll_timers):
            if source not in wanted:
                self._poll_timers.pop(source).stop()
        if self._state.paused:
            return
        now = time.time()
        for source in wanted:
            if source in self._in_flight or (not activate and source in self._poll_timers):
                continue
            if source is Source.CLUSTER and self._cluster_behind and self._shows_cluster_data():
                self._arm(source, 0.0)  # only light polls since the data was fetched: it is old
                continue
            self._arm(source, delay_on_activate(self._state.health[source], self._state.refresh_s, now))

    def _arm(self, source: Source, delay: float) -> None:
        old = self._poll_timers.pop(source, None)
        if old is not None:
            old.stop()
        if self.live and not self._state.paused and source in self._wanted() and source not in self._in_flight:
            self._poll_timers[source] = self.set_timer(max(delay, 0.05), partial(self._poll, source),
                                                       name=f"poll-{source.value}")

    def _poll(self, source: Source, force: bool = False) -> None:
        self._poll_timers.pop(source, None)
        if source in self._in_flight or not self.live:
            return
        if not force and (self._state.paused or source not in self._wanted()):
            return
        self._in_flight[source] = time.time()
        brokers = self._state.cluster.brokers if self._state.cluster else ()
        light = source is Source.CLUSTER and not self._shows_cluster_data()
        self.run_worker(partial(self._poll_worker, source, brokers, light), name=f"poll-{source.value}",
                        group=f"poll-{source.value}", thread=True, exclusive=True, exit_on_error=False)

    def _poll_worker(self, source: Source, brokers: tuple, light: bool = False) -> None:
        """Thread: one source call, one message. Never touches widgets or AppState."""
        started = time.time()
        snapshot, error = None, None
        try:
            if source is Source.CLUSTER and light:
                snapshot = self._hub.call("kafka", lambda s: s.health())
            elif source is Source.CLUSTER:
                snapshot = self._hub.call("kafka", lambda s: s.refresh())
            elif source is Source.GROUPS:
                snapshot = self._hub.call("kafka", lambda s: s.groups())
            elif source is Source.ZOOKEEPER:
                snapshot = self._hub.call("zookeeper", lambda s: s.refresh())
            else:
                snapshot = self._hub.call("processes", lambda s: s.refresh(brokers))
        except SourceError as exc:
            error = exc
        self.post_message(SourcePolled(source, snapshot, error, started, time.time()))

    def on_source_polled(self, message: SourcePolled) -> None:
        began = time.perf_counter()
        source = message.source
        self._in_flight.pop(source, None)
        self._slow_marked.discard(source)
        state, health = self._state, self._state.health[source]
        first_answer = source is Source.CLUSTER and state.cluster is None
        if message.error is None and message.snapshot is not None:
            state = self._fold(state, source, message.snapshot)
            duration = getattr(message.snapshot, "duration_s", message.finished_at - message.started_at)
            previous = health
            health = health.succeeded(message.finished_at, duration, previous.stretched_s)
            partial = tuple(getattr(message.snapshot, "errors", ()) or ())
            if partial:  # e.g. a SIGSTOP'd broker timed out: its part is missing, so say so (not "ok")
                health = replace(health, error=partial_error(partial),
                                 stale_since=previous.stale_since or message.finished_at)
            delay = health.stretched_s or state.refresh_s
            if source is Source.CLUSTER:
                self._cluster_behind = isinstance(message.snapshot, ClusterHealth)
                if self._cluster_behind and self._shows_cluster_data():
                    delay = 0.0  # the view changed while a light poll ran: fetch its data now
        else:
            error = message.error or SourceError(source.value, "no data")
            cap = ZOOKEEPER_BACKOFF_CAP_S if source is Source.ZOOKEEPER else MAX_BACKOFF_S
            delay = next_delay(state.refresh_s, health.failures + 1, cap=cap, jitter=0.1)
            health = health.failed(message.finished_at, str(error), time.time() + delay)
            session = getattr(error, "session_state", None)
            if source is Source.ZOOKEEPER and session is not None and state.zookeeper is not None:
                state = replace(state, zookeeper=replace(state.zookeeper, state=session))  # last stats, live state
            log.info("poll %s failed (%d in a row): %s", source.value, health.failures, error)
        self._set_state(state.with_health(source, health))
        if message.error is None and message.snapshot is not None:
            stretched = self._protect_host(source, message, time.perf_counter() - began)
            if stretched is not None and delay > 0:
                delay = stretched
        self._arm(source, delay)
        if first_answer and self._state.cluster is not None:
            self._rearm_all()  # the first answer makes GROUPS wanted (see _wanted)

    def _protect_host(self, source: Source, message: SourcePolled, ui_s: float) -> float | None:
        """Stretch the source's interval when this refresh (the poll's wall time plus the UI thread's
        work on it) cost more than its share of the set interval; the header says so. Returns the
        delay until the next poll when it changed."""
        health = self._state.health[source]
        cost = (message.finished_at - message.started_at) + ui_s
        stretched = protective_interval(self._state.refresh_s, cost)
        if stretched == health.stretched_s:
            return None
        if stretched is not None:
            log.warning("%s refresh cost %.2fs: polling it every %gs instead of %gs", source.value, cost,
                        stretched, self._state.refresh_s)
        self._state = self._state.with_health(source, replace(health, stretched_s=stretched))
        self._render_header()
        return stretched or self._state.refresh_s

    @staticmethod
    def _fold(state: AppState, source: Source, snapshot: object) -> AppState:
        """AppState with one new snapshot, plus the bounded histories derived from it."""
        if source is Source.CLUSTER and isinstance(snapshot, ClusterSnapshot):
            return replace(state, cluster=snapshot,
                           topic_rate_history=topic_rate_history(state.topic_rate_history, snapshot))
        if source is Source.CLUSTER:  # ClusterHealth: only the source's health changes (the caller's part)
            return state
        if source is Source.GROUPS and isinstance(snapshot, GroupsSnapshot):
            return replace(state, groups=snapshot, lag_trends=lag_trends(state.lag_trends, snapshot))
        if source is Source.ZOOKEEPER:
            return replace(state, zookeeper=snapshot)  # type: ignore[arg-type]
        return replace(state, processes=snapshot)  # type: ignore[arg-type]

    def _request_worker(self, kind: str, args: tuple, on_done: Callable[[object], None]) -> None:
        result: object
        try:
            if kind not in REQUESTS:
                raise SourceError("app", f"unknown request {kind!r}")
            name, method = REQUESTS[kind]
            result = self._hub.call(name, lambda s: getattr(s, method)(*args))
        except SourceError as exc:
            result = exc
        if not get_current_worker().is_cancelled:  # a newer request of this kind superseded it
            self.post_message(RequestDone(kind, result, on_done))

    def on_request_done(self, message: RequestDone) -> None:
        try:
            message.on_done(message.result)
        except Exception:
            log.exception("on_done callback for %s failed", message.kind)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Central place for worker failures: log them, unblock the source, never crash."""
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        log.error("worker %s failed: %r", worker.name, worker.error, exc_info=worker.error)
        for source in Source:
            if worker.group == f"poll-{source.value}":
                self._in_flight.pop(source, None)
                self.post_message(SourcePolled(source, None, SourceError(source.value, repr(worker.error)),
                                               time.time(), time.time()))

    def action_toggle_pause(self) -> None:
        paused = not self._state.paused
        self._set_state(replace(self._state, paused=paused))
        if paused:
            for timer in self._poll_timers.values():
                timer.stop()
            self._poll_timers.clear()
        else:
            self._rearm_all(activate=True)

    def action_refresh_now(self) -> None:
        """Poll every source of the current view now (also while paused: one shot, not re-armed)."""
        for source in self._wanted():
            old = self._poll_timers.pop(source, None)
            if old is not None:
                old.stop()
            self._poll(source, force=True)

    def _watch_slow_polls(self, now: float) -> None:
        """Mark a source stale while its poll hangs (a SIGSTOP'd broker): the header must not say "ok"."""
        for source, started in list(self._in_flight.items()):
            waited = now - started
            if waited > slow_after(self._state.refresh_s) and source not in self._slow_marked:
                self._slow_marked.add(source)
                health = self._state.health[source].failed(now, f"no answer for {waited:.0f}s", None)
                self._state = self._state.with_health(source, health)
                self._render_view()
