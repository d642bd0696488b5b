"""TailReader: follow one topic's partitions on a daemon thread, hand records over in batches.

Why this shape (toolong's watcher thread + bounded queue): a live topic can deliver tens of
thousands of records a second, far more than a terminal can show. One thread owns one
KafkaConsumer, converts each record into a terminal-safe `TailRecord` (decoding happens
here, off the UI thread) and puts batches into a bounded queue. The UI drains the queue
without blocking at most ~20 times a second.

The pieces around it, each in its own module:
- `tail_channel`: what the UI and the reader thread share (commands, the bounded queue, the
  honest counters: when the UI falls behind, the oldest batch is dropped and counted as
  skipped, never silently).
- `tail_consumer`: the consumer, read-only by construction (`group_id=None`, auto-commit off,
  `assign()` + `seek()`, never `subscribe()`; no topic auto-creation), and its codecs.
- `tail_positions`: a StartSpec resolved to one offset per partition.
- `tail_pacing`: retry backoff, the CPU cap that keeps the UI responsive, and skipping ahead
  of a flood (counted as skipped).
- `tail_leaders`: notes when a partition's leader changes and where the tail continues.
- `tail_lenient`: records kafka-python cannot parse (a header name that is not UTF-8 is shown
  anyway; a bad CRC or a missing codec is skipped with a note and counted, never retried
  forever).
- `tail_status`: the batches and the status snapshot handed to the UI.

Faults: every error becomes a line in `status().error` (never an exception on the thread).
The consumer is rebuilt with backoff when the cluster cannot be reached.

A topic deleted while it is tailed: when the consumer's metadata loses the topic, the reader
stops following it (`tail_consumer.unassign`: kafka-python alone would ask about it every
100 ms forever) and asks once whether it exists. If not, the status is "gone" (the UI says
so) and the reader asks again once per refresh interval (`settings.refresh_s`), no more;
when the topic is created again it follows the new topic from its first record by itself.

No Textual import: `on_batch` is a plain callback (run on the reader thread) that the screen
uses to post a coalescing message.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import kafka.errors as Errors
from kafka import KafkaConsumer, TopicPartition

from kafkatui.config import Settings
from kafkatui.kafka.convert import describe_error
from kafkatui.tail.channel import MAX_QUEUE_BATCHES, TailChannel
from kafkatui.tail.consumer import connect, partitions_for_topic, topic_exists, unassign
from kafkatui.tail.leaders import LeaderWatch
from kafkatui.tail.lenient import UndecodableRecords
from kafkatui.tail.pacing import Backoff, BusyLimiter, skip_ahead_targets
from kafkatui.tail.positions import start_positions
from kafkatui.tail.record import TailRecord, make_record
from kafkatui.tail.start import END, StartSpec, parse_start
from kafkatui.tail.status import TailBatch, TailStatus

if TYPE_CHECKING:
    from kafkatui.schemas.decoder import SchemaDecoder

__all__ = ["TailBatch", "TailReader", "TailStatus"]

log = logging.getLogger(__name__)
logging.getLogger("kafka").addHandler(logging.NullHandler())

POLL_TIMEOUT_MS = 500  # how long one poll blocks: bounds how fast commands and close() apply. Each
# poll wakes kafka-python's IO thread; at 100 ms an idle tail spent ~1 % of a core on that alone
LEADER_CHECK_S = 0.25  # leader changes, high watermarks, skipping ahead (local metadata: cheap; a flood needs it often)
SKIP_NOTE_EVERY_S = 10.0
EARLIEST = parse_start("earliest")


class TailReader(TailChannel):
    """One topic, one consumer, one daemon thread. Construct, `start()`, `drain()`, `close()`.

    Only `close(timeout>0)` may block; every other method returns at once, so the UI thread
    may call them. `set_partitions` and `seek` (from TailChannel) are applied by the thread
    between polls.
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
        super().__init__(topic, partitions=partitions, start=start, max_queue_batches=max_queue_batches,
                         on_batch=on_batch)
        self.settings = settings
        self.skip_behind = skip_behind
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kafkatui-tail-{topic}", daemon=True)
        self._consumer: KafkaConsumer | None = None
        # reader-thread state
        self._seq = 0
        self._next_offset: dict[int, int] = {}
        self._leaders = LeaderWatch()
        self._last_leader_check = 0.0
        self._caught_up: set[int] = set()  # partitions that reached their high watermark once
        self._last_skip_note = 0.0
        self._busy = BusyLimiter()
        self._followed = False  # the topic was assigned once: missing now means deleted
        self._gone = False  # the topic was deleted: wait for it, asking once per refresh interval
        self._recreated = False  # it is back: its partitions start at their first record
        self._next_topic_check = 0.0  # monotonic time before which the cluster is not asked again
        # framed (Avro, Protobuf, JSON Schema) keys and values, decoded here when a registry is set
        self._schemas: SchemaDecoder | None = None
        if settings.schema_registry.url:
            from kafkatui.schemas.decoder import SchemaDecoder  # its HTTP client only when it is used

            self._schemas = SchemaDecoder.for_config(settings.schema_registry)

    # ------------------------------------------------------------------ lifecycle, any thread

    def start(self) -> None:
        self._thread.start()

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
        backoff = Backoff()
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
        consumer = connect(self.settings)
        with self._lock:
            self._pending_assign = True
        return consumer

    def _step(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        with self._lock:
            reassign, reseek = self._pending_assign, self._pending_seek
        if self._gone:
            self._wait_for_topic(consumer)
            return
        if reassign or reseek:
            self._assign(consumer, reseek)
            if self._gone:
                return
        try:
            records = consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
        except UndecodableRecords as bad:
            self._skip_undecodable(consumer, bad)
            records = {}
        batch = self._convert(records)
        if batch:
            self._deliver(batch)
        now = time.monotonic()
        if now - self._last_leader_check >= LEADER_CHECK_S:
            self._last_leader_check = now
            self._check(consumer)
        with self._lock:
            if self._state != "running" and not self._pending_assign and not self._gone:
                self._state, self._error = "running", None
            self._rates.sample(now, self._received)
        self._busy.throttle(self._stop.wait)

    def _assign(self, consumer: KafkaConsumer, reseek: bool) -> None:
        """(Re)assign the wanted partitions and seek each one.

        Partitions with a known next offset continue there (a new partition set, or a new
        consumer after an error); the rest, and all of them after `seek()`, start at the
        start position.
        """
        timeout_ms = int(self.settings.connect_timeout_s * 1000)
        all_parts = partitions_for_topic(consumer, self.topic, timeout_ms)
        if not all_parts and self._followed and not topic_exists(consumer, self.topic, self.settings.connect_timeout_s):
            self._topic_gone(consumer)
            return
        if not all_parts:
            raise Errors.UnknownTopicOrPartitionError(f"topic {self.topic!r} does not exist")
        available = tuple(sorted(all_parts))
        with self._lock:
            wanted, start, generation = self._wanted, self._start, self._generation
        chosen = tuple(p for p in (wanted if wanted is not None else available) if p in all_parts)
        if reseek:
            self._next_offset.clear()
            self._caught_up.clear()
        elif self._recreated:  # a new topic of the same name: all of it is new to the operator
            start = EARLIEST
        tps = [TopicPartition(self.topic, p) for p in chosen]
        consumer.assign(tps)
        self._followed, self._recreated = True, False
        fresh = [tp for tp in tps if tp.partition not in self._next_offset]
        positions = start_positions(consumer, fresh, start, timeout_ms) if fresh else {}
        positions.update({tp: self._next_offset[tp.partition] for tp in tps if tp.partition in self._next_offset})
        for tp, offset in positions.items():
            consumer.seek(tp, offset)
            self._next_offset[tp.partition] = offset
        for p in list(self._next_offset):
            if p not in chosen:
                del self._next_offset[p]
        cluster = consumer._cluster
        self._leaders.reset({p: cluster.leader_for_partition(TopicPartition(self.topic, p)) for p in chosen})
        with self._lock:
            self._available, self._assigned = available, chosen
            self._pending_assign = False
            if reseek:
                self._applied_generation = generation
                if self._generation == generation:  # no newer seek arrived meanwhile
                    self._pending_seek = False
            if not chosen:
                self._state, self._error = "error", "none of the chosen partitions exist"

    def _convert(self, records: dict) -> list[TailRecord]:
        out: list[TailRecord] = []
        now = time.time()
        schemas = self._schemas
        key_schema = value_schema = None
        for tp, items in records.items():
            for r in items:
                self._seq += 1
                size = max(0, r.serialized_key_size) + max(0, r.serialized_value_size)
                size += max(0, r.serialized_header_size)
                if schemas is not None:  # registry lookups happen here, on this thread, with timeouts
                    key_schema, value_schema = schemas.decode(r.key), schemas.decode(r.value)
                out.append(make_record(self._seq, tp.partition, r.offset, r.timestamp, r.timestamp_type,
                                       r.key, r.value, r.headers, size, now, key_schema, value_schema))
            if items:
                self._next_offset[tp.partition] = items[-1].offset + 1
        note = schemas.take_note() if schemas is not None else None
        if note:
            self._note(note)
        return out

    def _check(self, consumer: KafkaConsumer) -> None:
        """Every LEADER_CHECK_S: the topic still exists, leader changes, how far behind we are,
        skipping ahead."""
        cluster = consumer._cluster
        if self._assigned and cluster.partitions_for_topic(self.topic) is None:
            self._check_topic(consumer)
            return
        highwater: dict[int, int] = {}
        for p in self._assigned:
            tp = TopicPartition(self.topic, p)
            note = self._leaders.seen(p, cluster.leader_for_partition(tp), self._next_offset.get(p))
            if note:
                self._note(note)
            with contextlib.suppress(Errors.KafkaError, KeyError):
                high = consumer.highwater(tp)
                if high is not None:
                    highwater[p] = high
        behind = [max(0, high - self._next_offset[p]) for p, high in highwater.items() if p in self._next_offset]
        with self._lock:
            self._behind = sum(behind) if behind else None
        if self.skip_behind:
            self._skip_ahead(consumer, highwater)

    def _skip_ahead(self, consumer: KafkaConsumer, highwater: dict[int, int]) -> None:
        """Jump live partitions that fell too far behind a flood (see `tail_pacing`)."""
        targets = skip_ahead_targets(self._assigned, highwater, self._next_offset, self._caught_up,
                                     self.skip_behind or 0)
        jumped = 0
        for p, offset in targets.items():
            consumer.seek(TopicPartition(self.topic, p), offset)
            jumped += offset - self._next_offset[p]
            self._next_offset[p] = offset
        if jumped:
            with self._lock:
                self._jumped += jumped
            now = time.monotonic()
            if now - self._last_skip_note >= SKIP_NOTE_EVERY_S:
                self._last_skip_note = now
                self._note(f"falling behind the topic: skipped {jumped:,} records to stay current")

    def _skip_undecodable(self, consumer: KafkaConsumer, bad: UndecodableRecords) -> None:
        """Go past records the client cannot decode: note where and why, count them skipped."""
        p = bad.tp.partition
        if bad.tp.topic != self.topic or p not in self._assigned:
            return
        consumer.seek(bad.tp, bad.end)
        self._next_offset[p] = bad.end
        with self._lock:
            if self._applied_generation == self._generation:
                self._undecodable += bad.count
        where = f"p{p}@{bad.first}" + (f"-{bad.end - 1}" if bad.count > 1 else "")
        plural = "record" if bad.count == 1 else "records"
        self._note(f"skipped {bad.count:,} undecodable {plural} at {where} ({bad.reason})")

    # ------------------------------------------------------------------ a deleted topic

    def _check_topic(self, consumer: KafkaConsumer) -> None:
        """The consumer's metadata lost the topic: deleted, or an error of the moment.

        At most once per refresh interval: stop following it first (else kafka-python asks
        about it every 100 ms), then ask once whether it exists. A moment's error: follow it
        again where the reader was."""
        now = time.monotonic()
        if now < self._next_topic_check:
            return
        self._next_topic_check = now + self.settings.refresh_s
        unassign(consumer)
        with self._lock:
            self._assigned = ()
        if topic_exists(consumer, self.topic, self.settings.connect_timeout_s):
            with self._lock:
                self._pending_assign = True
            return
        self._topic_gone(consumer)

    def _topic_gone(self, consumer: KafkaConsumer) -> None:
        unassign(consumer)
        self._gone = True
        self._next_topic_check = time.monotonic() + self.settings.refresh_s
        with self._lock:
            self._assigned, self._behind = (), None
            self._state, self._error = "gone", self._gone_text()
        self._note("the topic was deleted; the tail follows it again if it is created again")

    def _gone_text(self) -> str:
        return f"topic {self.topic!r} was deleted · checking every {self.settings.refresh_s:g}s"

    def _wait_for_topic(self, consumer: KafkaConsumer) -> None:
        """The topic is gone: ask once per refresh interval whether it is back; when it is,
        follow the new topic from its first record."""
        now = time.monotonic()
        if now < self._next_topic_check:
            self._sleep(self._next_topic_check - now)  # a command or close() wakes it early
            return
        self._next_topic_check = now + self.settings.refresh_s
        if not topic_exists(consumer, self.topic, self.settings.connect_timeout_s):
            with self._lock:  # an error in between may have replaced the message
                self._state, self._error = "gone", self._gone_text()
            return
        self._gone, self._recreated = False, True
        self._next_offset.clear()
        self._caught_up.clear()
        with self._lock:
            self._pending_assign = True
        self._note("the topic was created again; following it from its first record")

    # ------------------------------------------------------------------ helpers

    def _fail(self, exc: BaseException, *, drop: bool) -> None:
        message = describe_error(exc)
        log.info("tail %s failed: %s", self.topic, message)
        self._set_error(message)
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
