"""The refresh loop of KafkaTuiApp: one thread worker per source, re-armed with set_timer.

Why a mixin of its own: this is the part of the app that must never go wrong under a failing
cluster, so it is kept apart from screens and keys and reads top to bottom as one state machine:
`_arm` -> timer -> `_poll` -> worker thread (`_poll_worker`) -> `SourcePolled` ->
`on_source_polled` (fold into AppState, render, `_arm` again with the backoff delay). A source
is only armed while the visible view needs it, never while paused, and never while in flight.
The cluster is always polled, for the header; while the visible view shows no cluster data (the
tail, the groups, a group, the processes: no Source.CLUSTER in its SOURCES), that poll is the
light one (`KafkaSource.health`: the brokers, one request) instead of every partition's offsets,
and the view that needs the data again gets a full poll at once.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from kafkatui.model import ClusterHealth, SourceError
from kafkatui.refresh.deadline import DeadlinePolicy
from kafkatui.refresh.hub import SourceHub, poll_source
from kafkatui.refresh.pace import PacePolicy
from kafkatui.refresh.policy import (
    PollResult,
    apply_poll,
    delay_on_activate,
    fold_ahead,
    mark_slow,
    wanted_sources,
)
from kafkatui.refresh.state import KAFKA_SOURCES, AppState, Source
from kafkatui.tail.gcfreeze import keep_frozen
from kafkatui.ui.messages import RequestDone, SourcePolled

if TYPE_CHECKING:
    from kafkatui.config import Settings

log = logging.getLogger(__name__)
# Off by default. bench/bench_scale_ui.py sets it to a file path: one JSON line per applied poll with
# the UI thread's CPU from handling it until the frame after it was drawn (the benchmark's only hook).
BENCH_TRACE = os.environ.get("KAFKATUI_BENCH_TRACE", "")

REQUESTS: dict[str, tuple[str, str]] = {  # request kind -> (hub source name, source method)
    "configs": ("kafka", "configs"),
    "zk_children": ("zookeeper", "children"),
    "zk_node": ("zookeeper", "node"),
}

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
    pace_policy: PacePolicy  # when a source's polls cost so much that it is polled less often (refresh/pace.py)
    deadline_policy: DeadlinePolicy  # how far a Kafka source's request deadline grows (refresh/deadline.py)

    if TYPE_CHECKING:
        def _set_state(self, state: AppState) -> None: ...
        def _render_view(self) -> None: ...
        def _render_header(self) -> None: ...
        def run_worker(self, *args: Any, **kwargs: Any) -> Any: ...
        def set_timer(self, *args: Any, **kwargs: Any) -> Timer: ...
        def post_message(self, message: Any) -> bool: ...
        def call_later(self, callback: Any, *args: Any) -> bool: ...
        def call_after_refresh(self, callback: Any, *args: Any) -> bool: ...

    def request(self, kind: str, *args: object, on_done: Callable[[object], None]) -> None:
        """Run an on-demand source call off the UI thread; `on_done(value or SourceError)` runs on it."""
        if not self.live:  # answered later, like a real request, so views never see re-entrancy
            self.call_later(on_done, SourceError("app", "no live connection (snapshot mode)"))
            return
        self.run_worker(partial(self._request_worker, kind, args, on_done), name=f"request-{kind}",
                        group=f"request-{kind}", thread=True, exclusive=True, exit_on_error=False)

    def _wanted(self) -> frozenset[Source]:
        return wanted_sources(self._view_sources, self._state, bool(self.settings.zookeeper))

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
            self._arm(source, delay_on_activate(self._state.health[source], self._state.poll_interval(source), now))

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
        brokers = self._state.brokers
        light = source is Source.CLUSTER and not self._shows_cluster_data()
        timeout = self._state.request_timeout(source)  # the deadline in force (refresh/deadline.py)
        self.run_worker(partial(self._poll_worker, source, brokers, light, timeout), name=f"poll-{source.value}",
                        group=f"poll-{source.value}", thread=True, exclusive=True, exit_on_error=False)

    def _poll_worker(self, source: Source, brokers: tuple, light: bool = False, timeout_s: float | None = None) -> None:
        """Thread: one source call, one message. Never touches widgets nor changes AppState; it
        reads the (immutable) state of the moment to fold the snapshot's history ahead, off the
        UI thread (refresh.policy.fold_ahead). `timeout_s`: the deadline of this poll's requests."""
        started, cpu = time.time(), time.thread_time()  # this worker thread's CPU only
        io_cpu = self._hub.io_cpu_s()  # pacing counts both: kafka-python's IO thread does most of the work
        walk_cpu = self._hub.walk_cpu_s()  # not the log-dir walks: they pace themselves
        snapshot, error, ahead = None, None, None
        try:
            snapshot = poll_source(self._hub, source, brokers, light, timeout_s)
            ahead = fold_ahead(self._state, source, snapshot)
        except SourceError as exc:
            error = exc
        finished = time.time()
        # ran into its deadline: the poll failed, or lost parts, after waiting it out
        timed_out = (finished - started >= (timeout_s or self.settings.connect_timeout_s)
                     and (error is not None or bool(getattr(snapshot, "errors", ()))))
        worker_cpu = time.thread_time() - cpu
        poll_cpu = worker_cpu
        if source in KAFKA_SOURCES:  # not ZooKeeper's or the processes' poll: they do not use that thread
            poll_cpu += max(0.0, self._hub.io_cpu_s() - io_cpu)  # a reconnect restarts the IO thread's count
        elif source is Source.PROCESSES:
            poll_cpu = max(0.0, poll_cpu - (self._hub.walk_cpu_s() - walk_cpu))
        self.post_message(SourcePolled(source, snapshot, error, started, finished, worker_cpu, ahead, timed_out,
                                       poll_cpu))

    def on_source_polled(self, message: SourcePolled) -> None:
        began = time.thread_time()
        if BENCH_TRACE:
            self._trace_poll(message, time.time(), began)
        source = message.source
        self._in_flight.pop(source, None)
        self._slow_marked.discard(source)
        # The cluster's first answer, full or the header's light one, makes GROUPS (and the
        # other sources that share its client) wanted (wanted_sources): the same test here.
        first_answer = source is Source.CLUSTER and self._state.health[Source.CLUSTER].last_ok_at is None
        result = PollResult(source, message.snapshot, message.error, message.started_at, message.finished_at,
                            message.ahead, message.timed_out, message.poll_cpu_s)
        before, timeout = self._state.pace.get(source), self._state.request_timeout(source)
        state, delay = apply_poll(self._state, result, time.time(), pace=self.pace_policy,
                                  deadline=self.deadline_policy)
        paced = state.pace.get(source)
        if paced is not None and paced.interval_s != (before.interval_s if before else None):
            log.warning("polling %s every %gs (set: %gs): %s", source.value, state.poll_interval(source),
                        state.interval(source), paced.reason if paced.stretched else "cheap again")
        if state.request_timeout(source) != timeout:
            log.warning("%s requests: timeout %gs (set: %gs)", source.value, state.request_timeout(source),
                        state.timeout_s)
        ok = message.error is None and message.snapshot is not None
        if not ok:
            log.info("poll %s failed (%d in a row): %s", source.value, state.health[source].failures,
                     state.health[source].error)
        elif source is Source.CLUSTER:
            self._cluster_behind = isinstance(message.snapshot, ClusterHealth)
            if self._cluster_behind and self._shows_cluster_data():
                delay = 0.0  # the view changed while a light poll ran: fetch its data now
        self._set_state(state)
        if ok:  # the landed data out of the collector's full passes, once drawn (tail/gcfreeze.py)
            self.call_after_refresh(keep_frozen, time.monotonic())
        self._arm(source, delay)
        if first_answer and self._state.health[Source.CLUSTER].last_ok_at is not None:
            self._rearm_all()  # before, a first light answer (the groups view at start) never started groups

    def _trace_poll(self, message: SourcePolled, wall: float, cpu: float) -> None:
        """KAFKATUI_BENCH_TRACE: after the next frame, append this poll's UI-thread cost to the file."""
        def painted() -> None:
            record = {"source": message.source.value, "ok": message.error is None, "worker_cpu_ms":
                      round(message.cpu_s * 1000, 2), "handled_at": wall, "painted_at": time.time(),
                      "ui_cpu_ms": round((time.thread_time() - cpu) * 1000, 2)}
            with open(BENCH_TRACE, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        self.call_after_refresh(painted)

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
        state, newly = mark_slow(self._state, self._in_flight, self._slow_marked, now)
        if newly:
            self._slow_marked.update(newly)
            self._set_state(state)
