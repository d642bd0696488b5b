"""Lag in time (kafkatui.kafka.lag_time): decoding a Fetch answer's records into the timestamp at a
committed offset, which partitions no longer exist, and the round planning (cap, interval, layers).

The record bytes are built with kafka-python's own record builder, the bytes a broker sends."""

from __future__ import annotations

from kafka.protocol.broker_version_data import BrokerVersionData
from kafka.protocol.consumer import FetchRequest
from kafka.record import MemoryRecordsBuilder

from kafkatui.kafka.lag_time import (
    PARTITION_MAX_BYTES,
    REQUEST_MAX_BYTES,
    LagTimeTracker,
    RecordTime,
    RoundResult,
    layers,
    missing_partitions,
    record_time,
    with_lag_time,
)
from kafkatui.kafka.wire import FETCH_MAX_VERSION, fetch_request
from kafkatui.model import GroupPartition
from tests.unit.test_kafka_source_pure import metadata, mtopic

T0 = 1_700_000_000_000  # ms


def batch(offset: int, stamps: list[int], *, compression: int = 0, skip: int = 0, attrs: int = 0) -> bytes:
    """One v2 batch starting at `offset`, one record per timestamp; `skip` leaves a gap (compaction)
    after the first record; `attrs` is OR-ed into the attributes (0x20 control, 0x08 LogAppendTime)."""
    builder = MemoryRecordsBuilder(magic=2, compression_type=compression, batch_size=1 << 20, offset=offset)
    for i, stamp in enumerate(stamps):
        builder.append(timestamp=stamp, key=None, value=b"v" * 50)
        if i == 0 and skip:
            builder.skip(skip)
    builder.close()
    data = bytearray(builder.buffer())
    data[22] |= attrs  # the low byte of the int16 attributes at bytes 21-22
    return bytes(data)


def test_the_record_at_the_committed_offset() -> None:
    data = batch(100, [T0, T0 + 1000, T0 + 2000])
    assert record_time(data, 100) == RecordTime(100, 100, T0)
    assert record_time(data, 102) == RecordTime(102, 102, T0 + 2000)  # inside the batch
    assert record_time(data, 103) is None  # past it: nothing to say
    assert record_time(b"", 5) is None and record_time(None, 5) is None


def test_a_compressed_batch_is_read_too() -> None:
    data = batch(0, [T0, T0 + 5, T0 + 9], compression=1)  # gzip
    assert record_time(data, 1) == RecordTime(1, 1, T0 + 5)


def test_log_append_time_batches_use_the_broker_timestamp() -> None:
    data = batch(0, [T0, T0 + 7000], attrs=0x08)
    assert record_time(data, 0) == RecordTime(0, 0, T0 + 7000)


def test_a_compacted_gap_takes_the_next_record_and_says_so() -> None:
    data = batch(10, [T0, T0 + 3000], skip=4)  # offsets 10 and 15
    found = record_time(data, 12)
    assert found is not None and (found.found, found.timestamp_ms) == (15, T0 + 3000)
    assert found.note == ("offset 12 holds no record (a transaction marker, or compacted away);"
                          " from the next record, offset 15")


def test_a_transaction_marker_is_skipped() -> None:
    marker = batch(20, [T0], attrs=0x20)
    data = marker + batch(21, [T0 + 4000])
    found = record_time(data, 20)
    assert found is not None and (found.found, found.timestamp_ms) == (21, T0 + 4000) and found.note
    assert record_time(marker, 20) is None  # only a marker: no data record to date it


def test_a_batch_cut_by_the_size_limit_is_dated_by_its_header() -> None:
    whole = batch(50, [T0 + 100, T0 + 200, T0 + 300])
    cut = whole[: len(whole) - 20]  # the broker returns at most partition_max_bytes of it
    found = record_time(cut, 51)
    assert found is not None and found.timestamp_ms == T0 + 100 and found.found == 51
    assert found.note == f"from the first timestamp of a batch larger than {PARTITION_MAX_BYTES // 1024} KiB"
    assert record_time(whole[:30], 51) is None  # not even a header


def test_below_log_start_keeps_the_callers_reason() -> None:
    found = record_time(batch(80, [T0]), 80, "offset 3 is below the log start 80")
    assert found == RecordTime(80, 80, T0, "offset 3 is below the log start 80")


def test_missing_topics_and_partitions_in_the_metadata() -> None:
    md = metadata([
        mtopic("orders", [(0, 1, [1], [1]), (1, 2, [2], [2])]),
        mtopic("gone", [], error=3),  # UNKNOWN_TOPIC_OR_PARTITION
        mtopic("secret", [], error=29),  # TOPIC_AUTHORIZATION_FAILED: says nothing about existence
    ])
    wanted = [("orders", 0), ("orders", 5), ("gone", 0), ("secret", 0), ("unasked", 0)]
    assert missing_partitions(md, wanted) == {
        ("orders", 5): "the topic has 2 partitions, not partition 5",
        ("gone", 0): "the topic no longer exists",
    }


def test_the_fetch_request_joins_nothing_and_is_bounded() -> None:
    request = fetch_request({("orders", 1): 7, ("orders", 0): 3, ("logs", 2): 9}, PARTITION_MAX_BYTES,
                            REQUEST_MAX_BYTES)
    kafka_4 = BrokerVersionData(api_versions={FetchRequest.API_KEY: (4, 17)})  # a broker that speaks v17
    assert kafka_4.api_version(request) == FETCH_MAX_VERSION == 12  # v13+ would name topics by id
    assert request.replica_id == -1 and request.max_wait_ms == 0 and request.session_epoch == -1
    assert not hasattr(request, "group_id") and isinstance(request, FetchRequest)
    asked = {(t.topic, p.partition): (p.fetch_offset, p.partition_max_bytes)
             for t in request.topics for p in t.partitions}
    assert asked == {("orders", 0): (3, PARTITION_MAX_BYTES), ("orders", 1): (7, PARTITION_MAX_BYTES),
                     ("logs", 2): (9, PARTITION_MAX_BYTES)}


def test_layers_never_ask_a_partition_twice_in_one_request() -> None:
    found = layers([(("t", 0), 30), (("t", 0), 10), (("t", 1), 5), (("t", 0), 30), (("t", 0), 20)])
    assert found == [{("t", 0): 10, ("t", 1): 5}, {("t", 0): 20}, {("t", 0): 30}]


def gp(topic: str, partition: int, committed: int | None, latest: int | None) -> GroupPartition:
    return GroupPartition(topic, partition, committed, latest)


def test_plan_caps_and_puts_never_timed_partitions_first() -> None:
    tracker = LagTimeTracker(max_partitions=2, interval_s=10)
    parts = [gp("t", 0, 5, 10), gp("t", 1, 5, 10), gp("t", 2, 5, 10), gp("t", 3, 9, 9), gp("gone", 0, 4, None)]
    plan = tracker.plan(parts, now=0)
    assert plan is not None and plan.fetch == [(("t", 0), 5), (("t", 1), 5)] and plan.left == 1
    assert plan.check == {("gone", 0)}  # no log end offset: does it still exist?
    tracker.update(RoundResult(times={("t", 0, 5): RecordTime(5, 5, T0)}), now=0, keep={("t", 0), ("t", 1), ("t", 2)})
    assert tracker.plan(parts, now=9) is None  # not due yet
    later = tracker.plan(parts, now=10)
    assert later is not None and later.fetch == [(("t", 1), 5), (("t", 2), 5)] and later.left == 0
    tracker.update(RoundResult(), now=10, keep=set())
    assert tracker.plan([gp("t", 0, 5, 5)], now=30) is None  # nothing lags: no round at all
    tracker.failed(40)  # a round that failed waits the interval too
    assert tracker.plan(parts, now=45) is None and tracker.plan(parts, now=50) is not None


def test_with_lag_time_per_partition_and_the_group() -> None:
    tracker = LagTimeTracker(max_partitions=1)
    tracker.update(RoundResult(
        times={("t", 0, 5): RecordTime(5, 5, T0), ("t", 1, 7): RecordTime(7, 8, T0 + 60_000, "from the next record")},
        missing={("old", 0): "the topic no longer exists"},
    ), now=0, keep={("t", 0), ("t", 1)}, left=1)
    parts = (gp("t", 0, 5, 9), gp("t", 1, 7, 9), gp("t", 2, 3, 3), gp("t", 3, 1, 4), gp("old", 0, 2, None))
    out, group_s, note = with_lag_time(tracker, "g", parts, now_ms=T0 + 120_000)
    by = {p.partition if p.topic == "t" else -1: p for p in out}
    assert by[0].lag_seconds == 120.0 and by[0].lag_time_note == ""
    assert by[1].lag_seconds == 60.0 and by[1].lag_time_note == "from the next record"
    assert by[2].lag_seconds == 0.0  # caught up
    assert by[3].lag_seconds is None and by[3].lag_time_note == "no timestamp yet"
    assert by[-1].exists is False and by[-1].lag_time_note == "the topic no longer exists"
    assert group_s == 120.0  # the oldest record not read yet
    assert note == ("1 lagging partition without a timestamp yet (at most 1 fetched every 10 s):"
                    " the lag in time may be more")
    # a record from the future (producer clock ahead) counts as 0, not negative
    _out, ahead, _n = with_lag_time(tracker, "g", (gp("t", 0, 5, 9),), now_ms=T0 - 5000)
    assert ahead == 0.0


def test_between_rounds_a_group_keeps_its_own_last_timestamp_never_another_groups() -> None:
    tracker = LagTimeTracker()
    times = {("t", 0, 10): RecordTime(10, 10, T0), ("t", 0, 900): RecordTime(900, 900, T0 + 50_000)}
    tracker.update(RoundResult(times=times), now=0, keep={("t", 0)})
    now = T0 + 100_000
    _o, slow, _n = with_lag_time(tracker, "slow", (gp("t", 0, 10, 1000),), now)
    _o, fast, _n = with_lag_time(tracker, "fast", (gp("t", 0, 900, 1000),), now)
    assert (slow, fast) == (100.0, 50.0)
    # "fast" commits on before the next round: it keeps its own older timestamp (an over-estimate) ...
    _o, fast_moved, _n = with_lag_time(tracker, "fast", (gp("t", 0, 950, 1000),), now)
    assert fast_moved == 50.0
    # ... and a new group at an offset nobody fetched yet does not borrow "slow"'s far older one
    out, new, note = with_lag_time(tracker, "new", (gp("t", 0, 950, 1000),), now)
    assert new is None and out[0].lag_time_note == "no timestamp yet" and "without a timestamp yet" in note
