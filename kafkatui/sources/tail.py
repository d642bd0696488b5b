"""TailReader: follow one topic's partitions on a daemon thread, hand records over in batches.

Why this shape (toolong's watcher thread + bounded queue): a live topic can deliver tens of
thousands of records a second, far more than a terminal can show. One thread owns one
KafkaConsumer, converts each record into a terminal-safe `TailRecord` (decoding happens
here, off the UI thread) and puts batches into a bounded queue. The UI drains the queue
without blocking at most ~20 times a second. When the UI falls behind and the queue is full,
the *oldest* queued batch is dropped and counted as `skipped`, so the view stays current and
the status line can say exactly how much it did not show: nothing is dropped silently.

Sharing one GIL with the UI: the thread spends at most MAX_BUSY of its wall time on the CPU,
so a flood cannot starve key handling. When that makes it fall more than `skip_behind`
records behind a partition it had caught up with, it jumps ahead to stay current and counts
what it jumped over as skipped (a ring buffer of that size could not have kept it anyway).

Read-only by construction: `group_id=None`, auto-commit off, `assign()` + `seek()` (never
`subscribe()`), so the consumer never joins a group and never commits an offset. Topic
metadata requests set `allow_auto_create_topics=False`, so tailing a missing topic cannot
create it.

Faults: every error becomes a line in `status().error` (never an exception on the thread).
The consumer is rebuilt with backoff when the cluster cannot be reached. When a partition's
leader changes, kafka-python refreshes metadata and keeps fetching from its position; the
reader notices the new leader and adds a note saying where it continues.

No Textual import: `on_batch` is a plain callback (run on the reader thread) that the screen
uses to post a coalescing message.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import kafka.errors as Errors
from kafka import KafkaConsumer, TopicPartition

from kafkatui.config import Settings
from kafkatui.tailbuffer import END, StartSpec, TailRecord, make_record

log = logging.getLogger(__name__)
logging.getLogger("kafka").addHandler(logging.NullHandler())

CLIENT_ID = "kafkatui-tail"
FETCH_MAX_WAIT_MS = 50  # broker answers an idle fetch after this; new data answers at once
POLL_TIMEOUT_MS = 100  # how long one poll blocks: bounds how fast commands and close() apply
POLL_RECORDS = 1000
MAX_QUEUE_BATCHES = 64
LEADER_CHECK_S = 0.25
MAX_BUSY = 0.5  # share of wall time the reader thread may spend on the CPU (and so hold the GIL)
BUSY_WINDOW_S = 0.1
SKIP_NOTE_EVERY_S = 10.0
RATE_WINDOW_S = 5.0
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.5, 15.0
# Without the C crc32c module kafka-python checks CRCs in pure Python, which at 20k msg/s would
# eat the CPU the UI needs. The brokers validated the CRCs on produce; TCP guards the transfer.
CHECK_CRCS = importlib.util.find_spec("crc32c") is not None


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
    records that went by unshown, either dropped because the UI queue was full or jumped
    over when the reader fell more than `skip_behind` records behind a live partition.
    queued: received but not yet drained. behind: records between the reader's position and
    the high watermark.
    """

    state: str  # "connecting" | "running" | "error" | "closed"
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


def describe_error(exc: BaseException) -> str:
    """One line: the message, naming the kafka-python error class when the text does not."""
    name = type(exc).__name__
    text = " ".join(str(exc).split())
    if not text or text == name:
        return name
    return text if name in text else f"{text} ({name})"


class _Backoff:
    def __init__(self) -> None:
        self.delay = BACKOFF_MIN_S

    def next(self) -> float:
        delay, self.delay = self.delay, min(BACKOFF_MAX_S, self.delay * 2)
        return delay

    def reset(self) -> None:
        self.delay = BACKOFF_MIN_S


class TailReader:
    """One topic, one consumer, one daemon thread. Construct, `start()`, `drain()`, `close()`.

    Only `close(timeout>0)` may block; every other method returns at once, so the UI thread
    may call them. `set_partitions` and `seek` are applied by the thread between polls.
    """

    def __init__(
        self,
        settings: Settings,
        topic: str,
        *,
        partitions: Sequence[int] | None = None,
        start: StartSpec = END,
        max_queue_batches: int = MAX_QUEUE_BATCHES,
        on_batch: Callable[[], None] | None = None,
        skip_behind: int | None = None,
    ) -> None:
        self.settings = settings
        self.topic = topic
        self.on_batch = on_batch
        self.skip_behind = skip_behind
        self._queue: queue.Queue[TailBatch] = queue.Queue(maxsize=max(1, max_queue_batches))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kafkatui-tail-{topic}", daemon=True)
        self._consumer: KafkaConsumer | None = None
        # shared state, guarded by _lock
        self._state, self._error = "connecting", None
        self._notes: deque[tuple[float, str]] = deque(maxlen=20)
        self._note_count = 0
        self._received = self._delivered = self._skipped = self._jumped = 0
        self._behind: int | None = None
        self._wanted: tuple[int, ...] | None = tuple(partitions) if partitions is not None else None
        self._start = start
        self._generation = 0
        self._assigned: tuple[int, ...] = ()
        self._available: tuple[int, ...] = ()
        self._rates: deque[tuple[float, int]] = deque()
        self._pending_assign = True
        self._pending_seek = True
        # reader-thread state
        self._seq = 0
        self._next_offset: dict[int, int] = {}
        self._leaders: dict[int, int | None] = {}
        self._last_leader: dict[int, int] = {}  # last leader that was a live broker
        self._applied_generation = 0
        self._last_leader_check = 0.0
        self._caught_up: set[int] = set()  # partitions that reached their high watermark once
        self._last_skip_note = 0.0
        self._window = (time.monotonic(), time.thread_time())

    # ------------------------------------------------------------------ public, any thread

    def start(self) -> None:
        self._thread.start()

    def status(self) -> TailStatus:
        now = time.monotonic()
        with self._lock:
            return TailStatus(
                state=self._state,
                error=self._error,
                notes=tuple(self._notes),
                note_count=self._note_count,
                received=self._received,
                delivered=self._delivered,
                skipped=self._skipped + self._jumped,
                queued=self._received - self._delivered - self._skipped,
                rate=self._rate(now),
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
            self._received = self._delivered = self._skipped = self._jumped = 0
            self._rates.clear()
            while True:  # what is queued was fetched before the seek
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            generation = self._generation
        self._wake.set()
        return generation

    def close(self, timeout: float | None = 5.0) -> bool:
        """Stop the thread (it closes its consumer); wait up to `timeout` s. True if it ended.

        `close(timeout=0)` only signals, for callers that must not block (the UI thread)."""
        self._stop.set()
        self._wake.set()
        if timeout == 0 or not self._thread.is_alive():
            return not self._thread.is_alive()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ------------------------------------------------------------------ thread

    def _run(self) -> None:
        backoff = _Backoff()
        try:
            while not self._stop.is_set():
                try:
                    if self._consumer is None:
                        self._consumer = self._connect()
                    self._step()
                    backoff.reset()
                except Exception as exc:  # the thread must never die with an exception
                    # An unexpected error may leave the client in a bad state: rebuild it
                    # (positions survive in _next_offset). Kafka errors are retried as is.
                    drop = isinstance(exc, Errors.IllegalStateError) or not isinstance(exc, Errors.KafkaError)
                    self._fail(exc, drop=drop)
                    self._sleep(backoff.next())
        finally:
            self._close_consumer()
            with self._lock:
                self._state = "closed"

    def _connect(self) -> KafkaConsumer:
        """A new consumer; bootstrapping blocks up to connect_timeout_s (on this thread)."""
        timeout_ms = int(self.settings.connect_timeout_s * 1000)
        # kafka-python 3.0.12 starts its IO thread before it bootstraps and does not stop it
        # when bootstrapping fails: keep a handle on the half-built object to close it.
        consumer = KafkaConsumer.__new__(KafkaConsumer)
        try:
            self._init_consumer(consumer, timeout_ms)
        except Exception:
            client = getattr(consumer, "_client", None)
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
            raise
        with self._lock:
            self._pending_assign = True
        return consumer

    def _init_consumer(self, consumer: KafkaConsumer, timeout_ms: int) -> None:
        consumer.__init__(  # type: ignore[misc]
            bootstrap_servers=list(self.settings.bootstrap),
            client_id=CLIENT_ID,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            allow_auto_create_topics=False,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            fetch_max_bytes=8 * 1024 * 1024,
            max_partition_fetch_bytes=1024 * 1024,
            max_poll_records=POLL_RECORDS,
            request_timeout_ms=max(2000, timeout_ms + FETCH_MAX_WAIT_MS),
            bootstrap_timeout_ms=timeout_ms,
            reconnect_backoff_max_ms=5000,
            metadata_max_age_ms=30_000,
            check_crcs=CHECK_CRCS,
            metrics_enabled=False,
            **self.settings.security.client_kwargs(),
        )

    def _step(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        with self._lock:
            reassign, reseek = self._pending_assign, self._pending_seek
        if reassign or reseek:
            self._assign(consumer, reseek)
        records = consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
        batch = self._convert(records)
        if batch:
            self._deliver(batch)
        now = time.monotonic()
        if now - self._last_leader_check >= LEADER_CHECK_S:
            self._last_leader_check = now
            self._check_leaders(consumer)
            self._skip_ahead(consumer)
        with self._lock:
            if self._state != "running" and not self._pending_assign:
                self._state, self._error = "running", None
            self._sample_rate(now)
        self._limit_busy()

    def _limit_busy(self) -> None:
        """Sleep when this thread used more than MAX_BUSY of the last window's wall time.

        Python threads share one GIL: a reader decoding a flood flat out would leave the UI
        thread waiting for it, and key presses would lag. Capped, the reader falls behind
        instead, which `skip_behind` turns into an honest "skipped" count.
        """
        started, cpu_started = self._window
        wall, cpu = time.monotonic() - started, time.thread_time() - cpu_started
        if wall < BUSY_WINDOW_S:
            return
        rest = cpu / MAX_BUSY - wall
        if rest > 0:
            self._stop.wait(min(rest, BUSY_WINDOW_S))
        self._window = (time.monotonic(), time.thread_time())

    def _assign(self, consumer: KafkaConsumer, reseek: bool) -> None:
        """(Re)assign the wanted partitions and seek each one.

        Partitions with a known next offset continue there (a new partition set, or a new
        consumer after an error); the rest, and all of them after `seek()`, start at the
        start position.
        """
        all_parts = consumer.partitions_for_topic(self.topic)
        if not all_parts:
            raise Errors.UnknownTopicOrPartitionError(f"topic {self.topic!r} does not exist")
        available = tuple(sorted(all_parts))
        with self._lock:
            wanted, start, generation = self._wanted, self._start, self._generation
        chosen = tuple(p for p in (wanted if wanted is not None else available) if p in all_parts)
        if reseek:
            self._next_offset.clear()
            self._caught_up.clear()
        tps = [TopicPartition(self.topic, p) for p in chosen]
        consumer.assign(tps)
        fresh = [tp for tp in tps if tp.partition not in self._next_offset]
        positions = self._positions(consumer, fresh, start) if fresh else {}
        positions.update({tp: self._next_offset[tp.partition] for tp in tps if tp.partition in self._next_offset})
        for tp, offset in positions.items():
            consumer.seek(tp, offset)
            self._next_offset[tp.partition] = offset
        for p in list(self._next_offset):
            if p not in chosen:
                del self._next_offset[p]
        cluster = consumer._cluster
        self._leaders = {p: cluster.leader_for_partition(TopicPartition(self.topic, p)) for p in chosen}
        self._last_leader = {p: leader for p, leader in self._leaders.items() if leader is not None and leader >= 0}
        with self._lock:
            self._available, self._assigned = available, chosen
            self._pending_assign = False
            if reseek:
                self._applied_generation = generation
                if self._generation == generation:  # no newer seek arrived meanwhile
                    self._pending_seek = False
            if not chosen:
                self._state, self._error = "error", "none of the chosen partitions exist"

    def _positions(self, consumer: KafkaConsumer, tps: list[TopicPartition], start: StartSpec) -> dict:
        timeout_ms = int(self.settings.connect_timeout_s * 1000)
        end = consumer.end_offsets(tps, timeout_ms=timeout_ms)
        if start.kind == "end":
            return dict(end)
        begin = consumer.beginning_offsets(tps, timeout_ms=timeout_ms)
        if start.kind == "earliest":
            return dict(begin)
        if start.kind == "last":
            return {tp: max(begin[tp], end[tp] - (start.n or 0)) for tp in tps}
        if start.kind == "offset":
            return {tp: min(max(start.n or 0, begin[tp]), end[tp]) for tp in tps}
        found = consumer.offsets_for_times({tp: start.time_ms() for tp in tps}, timeout_ms=timeout_ms)
        return {tp: found[tp].offset if found.get(tp) is not None else end[tp] for tp in tps}

    def _convert(self, records: dict) -> list[TailRecord]:
        out: list[TailRecord] = []
        now = time.time()
        for tp, items in records.items():
            for r in items:
                self._seq += 1
                size = max(0, r.serialized_key_size) + max(0, r.serialized_value_size)
                size += max(0, r.serialized_header_size)
                out.append(make_record(self._seq, tp.partition, r.offset, r.timestamp, r.timestamp_type,
                                       r.key, r.value, r.headers, size, now))
            if items:
                self._next_offset[tp.partition] = items[-1].offset + 1
        return out

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

    def _check_leaders(self, consumer: KafkaConsumer) -> None:
        """Note leader changes seen in the client's metadata, and how far behind we are."""
        cluster = consumer._cluster
        behind, known = 0, False
        for p in self._assigned:
            tp = TopicPartition(self.topic, p)
            leader = cluster.leader_for_partition(tp)
            if leader is not None and leader != self._leaders.get(p):
                self._leader_changed(p, self._leaders.get(p), leader)
                self._leaders[p] = leader
            with contextlib.suppress(Errors.KafkaError, KeyError):
                high = consumer.highwater(tp)
                if high is not None and p in self._next_offset:
                    behind += max(0, high - self._next_offset[p])
                    known = True
        with self._lock:
            self._behind = behind if known else None

    def _leader_changed(self, p: int, old: int | None, leader: int) -> None:
        at = self._next_offset.get(p)
        where = f"continuing at offset {at}" if at is not None else "continuing"
        last = self._last_leader.get(p)
        if leader < 0:
            self._note(f"partition {p}: no leader (was broker {last if last is not None else old}), waiting")
            return
        if last is not None and last != leader:
            self._note(f"partition {p}: leader {last} → {leader}, {where}")
        elif old is not None and old < 0:
            self._note(f"partition {p}: leader {leader} is back, {where}")
        self._last_leader[p] = leader

    def _skip_ahead(self, consumer: KafkaConsumer) -> None:
        """Live-tail partitions more than `skip_behind` records behind jump to near the end.

        Only partitions that reached their high watermark once since the last seek: reading
        `earliest` on a big topic is what the operator asked for, falling behind a flood is
        not. What is jumped over is counted as skipped (the buffer could not have kept it).
        """
        if not self.skip_behind or not self._assigned:
            return
        keep = max(1, self.skip_behind // len(self._assigned))
        jumped = 0
        for p in self._assigned:
            tp = TopicPartition(self.topic, p)
            try:
                high = consumer.highwater(tp)
            except (Errors.KafkaError, KeyError):
                continue
            at = self._next_offset.get(p)
            if high is None or at is None:
                continue
            if at >= high:
                self._caught_up.add(p)
            elif p in self._caught_up and high - at > self.skip_behind:
                consumer.seek(tp, high - keep)
                self._next_offset[p] = high - keep
                jumped += high - keep - at
        if jumped:
            with self._lock:
                self._jumped += jumped
            now = time.monotonic()
            if now - self._last_skip_note >= SKIP_NOTE_EVERY_S:
                self._last_skip_note = now
                self._note(f"falling behind the topic: skipped {jumped:,} records to stay current")

    # ------------------------------------------------------------------ helpers

    def _note(self, text: str) -> None:
        log.info("tail %s: %s", self.topic, text)
        with self._lock:
            self._notes.append((time.time(), text))
            self._note_count += 1

    def _fail(self, exc: BaseException, *, drop: bool) -> None:
        message = describe_error(exc)
        log.info("tail %s failed: %s", self.topic, message)
        with self._lock:
            self._state, self._error = "error", message
            self._pending_assign = True
        if drop:
            self._close_consumer()

    def _close_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False, timeout_ms=1000)
            except Exception:
                log.debug("closing the tail consumer failed", exc_info=True)

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _sample_rate(self, now: float) -> None:
        """Keep (time, received) samples over the rate window; caller holds the lock."""
        if not self._rates or now - self._rates[-1][0] >= 0.25:
            self._rates.append((now, self._received))
        while len(self._rates) > 2 and now - self._rates[0][0] > RATE_WINDOW_S:
            self._rates.popleft()

    def _rate(self, now: float) -> float:
        if len(self._rates) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._rates[0], self._rates[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
