"""Lag in time: how old the record at a group's committed offset is, fetched without joining.

Why: a lag of 10,000 records is nothing on a topic that takes 10,000 a second and a day on one
that takes ten a day. The honest answer is the timestamp of the next record the group has not
read (the record at its committed offset): now minus that timestamp is how far behind it is.

How, read-only and bounded:

* A plain Fetch request (the tail's consumer does the same through kafka-python: no group id,
  `assign()`), sent on the admin client's connections. Fetch has no group field: nothing is
  joined and nothing is committed; `replica_id` is -1 (a consumer), no fetch session, and
  `max_wait_ms` 0 so the leader answers at once.
* Only lagging partitions (committed < log end), one Fetch per leader covering all of them,
  at most `PARTITION_MAX_BYTES` per partition (the first batch at the offset is what matters;
  a bigger batch comes back cut and its header is read instead, see below).
* At most `MAX_PARTITIONS` partitions per round, the ones with no timestamp yet first; the
  group says how many lagging partitions still have none. Rounds run at most every
  `ROUND_INTERVAL_S` seconds (plus the first refresh), each with the call's deadline, in the
  groups worker thread. Between rounds a timestamp is reused: the record at an offset never
  changes, and when the group committed further since, the timestamp at its older offset is
  used, which over-states the lag by at most what it consumed since the last round.
* The metadata request that finds the leaders also says which committed topics or partitions
  no longer exist (`missing`): those are reported, not fetched.

When the record at the committed offset is not there, the timestamp of the next one is taken
and the partition's note says why it is an estimate: the offset is below the log start
(deleted by retention: the lag in time is then at least this, the `committed_below_log_start`
condition), a transaction marker or a record removed by compaction (the next record), or a
batch bigger than the fetch size (the batch's first timestamp, a slight over-estimate).
Timestamps are the producers' CreateTime (or LogAppendTime when the topic says so); a
producer with a skewed clock skews the answer, and a record from the future counts as 0 s.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import kafka.errors as Errors
from kafka.protocol.consumer import OffsetSpec
from kafka.record import MemoryRecords
from kafka.record.default_records import DefaultRecordBatch

from kafkatui.kafka.convert import leaders_from_metadata, offsets_from_response
from kafkatui.kafka.wire import Call, Phase, fetch_request, gather, metadata, offsets_request
from kafkatui.model import GroupPartition

MAX_PARTITIONS = 200
"""Partitions fetched per round at most: a round costs one Fetch per leader, and the answers
at most 200 x PARTITION_MAX_BYTES (6 MB) of records to look at."""
ROUND_INTERVAL_S = 10.0
"""Seconds between rounds. Each round fetches only partitions whose committed offset has no
timestamp yet, so for groups that do not move a round costs nothing."""
PARTITION_MAX_BYTES = 32 * 1024  # producers batch 16 KiB by default: the first batch mostly fits
REQUEST_MAX_BYTES = 8 * 1024 * 1024
KEPT_PER_PARTITION = 4  # timestamps kept per partition (several groups, or older offsets)
HEADER = DefaultRecordBatch.HEADER_STRUCT  # v2 batch header: offset, length, ..., timestamps
LOG_APPEND_TIME = 0x08  # batch attribute bits
CONTROL_BATCH = 0x20  # a transaction marker

Key = tuple[str, int]


@dataclass(frozen=True)
class RecordTime:
    """The timestamp of the record at (or, estimated, after) a committed offset."""

    offset: int  # the offset asked about (a committed offset)
    found: int  # the offset of the record whose timestamp this is
    timestamp_ms: int
    note: str = ""  # why this is an estimate; "" when it is the record at `offset`


# --------------------------------------------------------------------------- decoding (pure)


def _partial_header(data: bytes, pos: int) -> tuple[int, int, int, int] | None:
    """(base offset, last offset, timestamp, attributes) of a v2 batch cut by the size limit."""
    if len(data) - pos < HEADER.size:
        return None
    header = HEADER.unpack_from(data, pos)
    if header[3] != 2:  # magic
        return None
    attributes = header[5]
    stamp = header[8] if attributes & LOG_APPEND_TIME else header[7]
    return header[0], header[0] + header[6], stamp, attributes


def record_time(data: bytes | None, offset: int, why: str = "") -> RecordTime | None:
    """The timestamp of the first record at or after `offset` in a Fetch answer's records;
    None when there is none. `why` is the note to give when the record found is not at
    `offset` (otherwise the note says the offset held no record)."""
    if not data:
        return None
    records = MemoryRecords(bytes(data))
    while records.has_next():
        batch = records.next_batch()
        if batch is None:
            break
        if getattr(batch, "is_control_batch", False):  # a transaction marker: no data record
            continue
        for record in batch:
            if record.offset < offset or record.timestamp is None or record.timestamp < 0:
                continue
            if record.offset == offset and not why:
                return RecordTime(offset, offset, record.timestamp)
            note = why or (f"offset {offset:,} holds no record (a transaction marker, or compacted away);"
                           f" from the next record, offset {record.offset:,}")
            return RecordTime(offset, record.offset, record.timestamp, note)
    cut = _partial_header(bytes(data), records.valid_bytes())
    if cut is None:
        return None
    base, last, stamp, attributes = cut
    if last < offset or attributes & CONTROL_BATCH or stamp < 0:  # before the offset, or a marker
        return None
    note = why or f"from the first timestamp of a batch larger than {PARTITION_MAX_BYTES // 1024} KiB"
    return RecordTime(offset, max(base, offset), stamp, note)


def missing_partitions(md: Any, wanted: Iterable[Key]) -> dict[Key, str]:
    """The wanted partitions the metadata says do not exist, each with the reason in words.
    A topic error other than UNKNOWN_TOPIC_OR_PARTITION (not authorized, no leader) is not
    "missing": it says nothing about existence."""
    topics = {t.name: t for t in md.topics}
    out: dict[Key, str] = {}
    for topic, partition in wanted:
        t = topics.get(topic)
        if t is None:
            continue
        if Errors.for_code(t.error_code) is Errors.UnknownTopicOrPartitionError:
            out[(topic, partition)] = "the topic no longer exists"
        elif not t.error_code and partition not in {p.partition_index for p in t.partitions}:
            out[(topic, partition)] = f"the topic has {len(t.partitions)} partitions, not partition {partition}"
    return out


# --------------------------------------------------------------------------- one round (on the IO thread)


@dataclass
class RoundResult:
    """What one round found: timestamps by (topic, partition, committed offset), partitions that
    do not exist, and error lines."""

    times: dict[tuple[str, int, int], RecordTime] = field(default_factory=dict)
    missing: dict[Key, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _answers(results: list) -> Iterable[tuple[Key, int, Any]]:
    """(partition, the offset asked, its answer) of every partition of a round's answers."""
    for _kind, _node, response, asked in results:
        for topic in response.responses:
            for p in topic.partitions:
                key = (topic.topic, p.partition_index)
                if key in asked:
                    yield key, asked[key], p


def layers(offsets: Iterable[tuple[Key, int]]) -> list[dict[Key, int]]:
    """Offsets split so that no partition is asked twice in one request: the first layer has
    every partition's smallest offset, the next the second smallest (a partition read by two
    groups at two offsets), and so on. One request per leader per layer."""
    by_key: dict[Key, list[int]] = defaultdict(list)
    for key, offset in offsets:
        by_key[key].append(offset)
    out: list[dict[Key, int]] = []
    for key, found in by_key.items():
        for i, offset in enumerate(sorted(set(found))):
            if i == len(out):
                out.append({})
            out[i][key] = offset
    return out


async def _fetch_round(call: Call, leader_of: Mapping[Key, int], offsets: Iterable[tuple[Key, int]]) -> tuple[
        list, list[str]]:
    phase = Phase(time.monotonic())
    for layer in layers(offsets):
        per_leader: dict[int, dict[Key, int]] = defaultdict(dict)
        for key, offset in layer.items():
            if key in leader_of:
                per_leader[leader_of[key]][key] = offset
        for leader, asked in sorted(per_leader.items()):
            phase.add("lag_time_fetch", leader,
                      call.send(fetch_request(asked, PARTITION_MAX_BYTES, REQUEST_MAX_BYTES), leader), asked)
    return await gather(call, phase)


async def _below_log_start(call: Call, leader_of: Mapping[Key, int], out_of_range: Mapping[Key, list[int]],
                           errors: list[str]) -> dict[tuple[Key, int], list[int]]:
    """(partition, log start) -> the committed offsets below it, for the offsets a Fetch called out
    of range. A Fetch error carries no log start offset (the broker sends -1), so one ListOffsets
    (EARLIEST) per leader asks for it. An offset above the log end is not "below" and is left out."""
    per_leader: dict[int, list[Key]] = defaultdict(list)
    for key in out_of_range:
        if key in leader_of:
            per_leader[leader_of[key]].append(key)
    if not per_leader:
        return {}
    phase = Phase(time.monotonic())
    for leader, keys in sorted(per_leader.items()):
        phase.add("lag_time_log_start", leader, call.send(offsets_request(keys, OffsetSpec.EARLIEST), leader))
    results, failed = await gather(call, phase)
    errors.extend(f"lag in time: {e}" for e in failed)
    starts: dict[Key, int] = {}
    for _kind, _node, response, _tag in results:
        starts.update(offsets_from_response(response)[0])
    below: dict[tuple[Key, int], list[int]] = {}
    for key, offsets in out_of_range.items():
        if key in starts and any(o < starts[key] for o in offsets):
            below[(key, starts[key])] = [o for o in offsets if o < starts[key]]
    return below


async def fetch_round(call: Call, fetch: Iterable[tuple[Key, int]], check: Iterable[Key]) -> RoundResult:
    """Metadata for the topics of `fetch` and `check` (never creating one), then one Fetch per
    leader (and per layer, see `layers`) for the (partition, committed offset) pairs of `fetch`,
    then, for offsets out of range, one ListOffsets per leader for the log start and one more
    Fetch per leader at it. Never raises for a failed part: it becomes an error line and those
    offsets stay without a timestamp."""
    out = RoundResult()
    fetch = list(fetch)
    wanted = {key for key, _o in fetch} | set(check)
    if not wanted:
        return out
    try:
        md = await metadata(call, sorted({t for t, _p in wanted}))
    except Exception as exc:  # no broker answered: nothing learnt this round
        out.errors.append(f"lag in time: metadata: {exc}")
        return out
    out.missing = missing_partitions(md, wanted)
    leader_of = {key: leader for leader, keys in leaders_from_metadata(md, [b.node_id for b in md.brokers]).items()
                 for key in keys}
    results, errors = await _fetch_round(call, leader_of, fetch)
    out.errors.extend(f"lag in time: {e}" for e in errors)
    out_of_range: dict[Key, list[int]] = defaultdict(list)
    for key, offset, p in _answers(results):
        error = Errors.for_code(p.error_code)
        if error is Errors.OffsetOutOfRangeError:
            out_of_range[key].append(offset)
        elif error is Errors.NoError:
            found = record_time(p.records, offset)
            if found is not None:
                out.times[(*key, offset)] = found
    below = await _below_log_start(call, leader_of, out_of_range, out.errors)
    if below:
        results, errors = await _fetch_round(call, leader_of, list(below))
        out.errors.extend(f"lag in time: {e}" for e in errors)
        for key, start, p in _answers(results):
            if p.error_code:
                continue
            for committed in below.get((key, start), []):
                why = (f"offset {committed:,} is below the log start {start:,} (deleted unread);"
                       " from the oldest record kept, so the lag is at least this")
                found = record_time(p.records, start, why)
                if found is not None:
                    out.times[(*key, committed)] = replace(found, offset=committed)
    return out


# --------------------------------------------------------------------------- the tracker (groups worker)


def lagging(p: GroupPartition) -> bool:
    return p.committed is not None and p.committed >= 0 and p.latest is not None and p.committed < p.latest


@dataclass(frozen=True)
class Plan:
    """What the next round asks: the (partition, committed offset) pairs to fetch, partitions
    whose existence to check, and how many lagging offsets were left for a later round (the cap)."""

    fetch: list[tuple[Key, int]]
    check: frozenset[Key]
    left: int


class LagTimeTracker:
    """Timestamps of committed offsets, kept between rounds, and the decision when to fetch.

    Not thread-safe: keep it with the one worker that polls groups (like `LagTracker`)."""

    def __init__(self, max_partitions: int = MAX_PARTITIONS, interval_s: float = ROUND_INTERVAL_S) -> None:
        self.max_partitions = max_partitions
        self.interval_s = interval_s
        self._times: dict[Key, dict[int, RecordTime]] = {}
        self._missing: dict[Key, str] = {}
        self._last: dict[tuple[str, Key], RecordTime] = {}  # (group, partition) -> the last one it used
        self.left = 0  # lagging offsets the last round left for later (the cap)
        self._last_round: float | None = None

    def plan(self, partitions: Iterable[GroupPartition], now: float) -> Plan | None:
        """The next round, or None when none is due (interval) or there is nothing to ask."""
        if self._last_round is not None and now - self._last_round < self.interval_s:
            return None
        wanted: dict[Key, set[int]] = defaultdict(set)
        check: set[Key] = set()
        for p in partitions:
            key = (p.topic, p.partition)
            if lagging(p) and p.committed is not None:
                wanted[key].add(p.committed)
            elif p.latest is None and p.committed is not None and p.committed >= 0:
                check.add(key)  # no log end offset: deleted, or only leaderless?
        todo = [(key, o) for key, offsets in wanted.items() for o in offsets if o not in self._times.get(key, {})]
        if not todo and not check:
            return None
        todo.sort(key=lambda ko: (ko[0] in self._times, ko))  # never-timed partitions first
        return Plan(todo[:self.max_partitions], frozenset(check), len(todo[self.max_partitions:]))

    def update(self, result: RoundResult, now: float, keep: Iterable[Key], left: int = 0) -> None:
        """Fold a round in; forget partitions not in `keep` (no group commits them any more).
        `left`: the lagging offsets the round's plan left for later (the cap), for the notes."""
        self._last_round = now
        self.left = left
        for (topic, partition, offset), found in result.times.items():
            kept = self._times.setdefault((topic, partition), {})
            kept[offset] = found
            for old in sorted(kept)[:-KEPT_PER_PARTITION]:
                del kept[old]
        self._missing = dict(result.missing)
        alive = set(keep)
        self._times = {k: v for k, v in self._times.items() if k in alive}
        self._last = {k: v for k, v in self._last.items() if k[1] in alive}

    def lookup(self, group_id: str, key: Key, committed: int) -> RecordTime | None:
        """The timestamp for this committed offset; between rounds, when the group has committed
        further, the one this group had last (never another group's: it may be far older)."""
        found = self._times.get(key, {}).get(committed)
        if found is not None:
            self._last[(group_id, key)] = found
            return found
        last = self._last.get((group_id, key))
        return last if last is not None and last.offset <= committed else None

    def failed(self, now: float) -> None:
        """A round that failed (no broker answered in time) still waits the interval before the
        next: a failing cluster must not cost every groups poll a second timeout."""
        self._last_round = now

    def missing(self, key: Key) -> str | None:
        return self._missing.get(key)


def with_lag_time(
    tracker: LagTimeTracker, group_id: str, partitions: tuple[GroupPartition, ...], now_ms: int,
) -> tuple[tuple[GroupPartition, ...], float | None, str]:
    """A group's partitions with their lag in time, the group's (the largest), and its note (which
    names the cap when the last round could not fetch every lagging offset)."""
    out: list[GroupPartition] = []
    worst: tuple[float, str] | None = None
    unknown = 0
    for p in partitions:
        key = (p.topic, p.partition)
        gone = tracker.missing(key)
        if gone is not None:
            out.append(replace(p, exists=False, lag_time_note=gone))
            continue
        if p.lag == 0:
            out.append(replace(p, lag_seconds=0.0))
            continue
        found = tracker.lookup(group_id, key, p.committed) if lagging(p) and p.committed is not None else None
        if found is None:
            unknown += lagging(p)
            note = "no timestamp yet" if lagging(p) else ""
            out.append(replace(p, lag_time_note=note))
            continue
        seconds = max(0.0, (now_ms - found.timestamp_ms) / 1000)
        out.append(replace(p, lag_seconds=seconds, lag_time_note=found.note))
        if worst is None or seconds > worst[0]:
            worst = (seconds, f"{p.topic} {p.partition}: {found.note}" if found.note else "")
    known = [p.lag_seconds for p in out if p.lag_seconds is not None]
    group_s = max(known) if known else None
    notes = [worst[1]] if worst is not None and worst[1] else []
    if unknown:
        capped = f" (at most {tracker.max_partitions} fetched every {tracker.interval_s:g} s)" if tracker.left else ""
        notes.append(f"{unknown} lagging partition{'s' if unknown != 1 else ''} without a timestamp yet{capped}:"
                      " the lag in time may be more")
    return tuple(out), group_s, "; ".join(notes)
