"""Read past records that kafka-python cannot parse, instead of retrying them forever.

The problem: kafka-python 3.0.12 decodes every header name strictly as UTF-8
(`DefaultRecordBatch._read_msg`). Kafka itself does not check that (the Java client decodes
leniently), so any producer can write a name that is not UTF-8, and then the fetcher raises
`CorruptRecordError` from every `poll()` without moving the position: one such record stops a
tail for good. The same happens for a batch that fails its CRC check or whose codec is missing.

The hook: the fetcher builds each partition's parsed data with `self.PartitionRecords(...)`.
`install(consumer)` sets that attribute on *this consumer's* fetcher (an instance attribute,
so no global state changes and other clients are untouched) to `LenientPartitionRecords`:

1. Version-2 batches are read by `LenientRecordBatch`. When a record fails to parse *only*
   because a header name is not UTF-8 (`UnicodeDecodeError`, the one decode in kafka-python's
   record parser), that record is parsed again by `_read_lenient`, a reading of the v2 record
   layout that decodes the name with `surrogateescape`. The name is a `HeaderName`, a str that
   encodes back to the exact bytes, so the record is shown and nothing is lost
   (`kafkatui.tail.record.header_name_text` shows such bytes as `\\xNN`).
2. Any other error while unpacking a partition's records (CRC mismatch, corrupt structure, a
   codec that is not installed) becomes `UndecodableRecords(tp, first, end, reason)`: the
   reader notes it, counts the offsets as skipped and seeks to `end` (the rest of the batch).

It relies on kafka-python internals (`_fetcher`, `Fetcher.PartitionRecords`, the slots of
`DefaultRecordBatch`), hence the `kafka-python>=3.0.12,<4` pin and the tests in
tests/unit/test_tail_lenient.py, which parse real batches built by kafka-python. If the
internals move, `install` returns False and the tail runs as before (with the old problem).
"""

from __future__ import annotations

import logging
from typing import Any

import kafka.errors as Errors
from kafka.consumer.fetcher import Fetcher
from kafka.record.default_records import ControlRecord, DefaultRecord, DefaultRecordBatch
from kafka.record.util import decode_varint

from kafkatui.kafka.convert import describe_error

log = logging.getLogger(__name__)


class HeaderName(str):
    """A header name that was not valid UTF-8, decoded with `surrogateescape`.

    kafka-python measures header sizes with `name.encode("utf-8")`; for this str that gives
    the original bytes back instead of raising on the escaped ones.
    """

    __slots__ = ()

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8") and errors == "strict":
            errors = "surrogateescape"
        return str.encode(self, encoding, errors)


class UndecodableRecords(Errors.CorruptRecordError):
    """Offsets [first, end) of one partition could not be read; the reader skips them."""

    def __init__(self, tp: Any, first: int, end: int, reason: str) -> None:
        super().__init__(f"offsets {first}..{end - 1} of {tp.topic}[{tp.partition}]: {reason}")
        self.tp, self.first, self.end, self.reason = tp, first, end, reason

    @property
    def count(self) -> int:
        return self.end - self.first


class LenientRecordBatch(DefaultRecordBatch):
    """A v2 batch whose records may have header names that are not UTF-8."""

    __slots__ = ()

    @classmethod
    def adopt(cls, batch: DefaultRecordBatch) -> LenientRecordBatch:
        """The same batch as this class, without copying its buffer."""
        new = cls.__new__(cls)
        for name in DefaultRecordBatch.__slots__:
            setattr(new, name, getattr(batch, name))
        return new

    def _read_msg(self, decode_varint: Any = decode_varint) -> DefaultRecord:
        pos = self._pos
        try:
            return super()._read_msg(decode_varint)
        except UnicodeDecodeError:
            self._pos = pos
            return self._read_lenient()

    def _read_lenient(self) -> DefaultRecord:
        """One record of the v2 layout, header names decoded with surrogateescape:
        Length, Attributes, TimestampDelta, OffsetDelta, Key, Value, [HeaderKey HeaderValue]."""
        buffer, pos = self._buffer, self._pos
        length, pos = decode_varint(buffer, pos)
        start = pos
        _, pos = decode_varint(buffer, pos)  # attributes: unused
        ts_delta, pos = decode_varint(buffer, pos)
        offset_delta, pos = decode_varint(buffer, pos)

        def nullable_bytes() -> bytes | None:
            nonlocal pos
            size, pos = decode_varint(buffer, pos)
            if size < 0:
                return None
            data = bytes(buffer[pos:pos + size])
            pos += size
            return data

        key, value = nullable_bytes(), nullable_bytes()
        count, pos = decode_varint(buffer, pos)
        if count < 0:
            raise Errors.CorruptRecordError(f"Found invalid number of record headers {count}")
        headers = []
        for _ in range(count):
            raw = nullable_bytes()
            if raw is None:
                raise Errors.CorruptRecordError("Invalid negative header key size")
            headers.append((HeaderName(raw.decode("utf-8", "surrogateescape")), nullable_bytes()))
        if pos - start != length:
            raise Errors.CorruptRecordError(f"Invalid record size: expected {length} bytes, read {pos - start}")
        self._pos = pos
        log_append = self.timestamp_type == self.LOG_APPEND_TIME
        timestamp = self.max_timestamp if log_append else self.first_timestamp + ts_delta
        kind = ControlRecord if self.is_control_batch else DefaultRecord
        return kind(length, self.base_offset + offset_delta, timestamp, self.timestamp_type, key, value, headers)


class _Batches:
    """What PartitionRecords reads batches from: v2 batches become lenient, and the current
    one is remembered so an error can say which offsets it cost."""

    __slots__ = ("current", "records")

    def __init__(self, records: Any) -> None:
        self.records, self.current = records, None

    def next_batch(self) -> Any:
        batch = self.records.next_batch()
        if type(batch) is DefaultRecordBatch:
            batch = LenientRecordBatch.adopt(batch)
        self.current = batch
        return batch


class LenientPartitionRecords(Fetcher.PartitionRecords):
    """Fetcher.PartitionRecords that reads lenient batches and names what it cannot read."""

    def __init__(self, fetch_offset: int, tp: Any, records: Any, *args: Any, **kwargs: Any) -> None:
        self._batches = _Batches(records)
        super().__init__(fetch_offset, tp, self._batches, *args, **kwargs)

    def take(self, n: int | None = None) -> list:
        try:
            return super().take(n)
        except UndecodableRecords:
            raise
        except Exception as exc:  # whatever stops this partition's records: say where, then skip
            first = self.next_fetch_offset
            batch = self._batches.current
            end = batch.next_offset if batch is not None else first + 1
            log.info("undecodable records in %s from offset %s: %s", self.topic_partition, first, exc)
            raise UndecodableRecords(self.topic_partition, first, max(end, first + 1), describe_error(exc)) from exc


def install(consumer: Any) -> bool:
    """Make this consumer parse leniently (see the module doc); False if it cannot."""
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is None or getattr(type(fetcher), "PartitionRecords", None) is not Fetcher.PartitionRecords:
        log.warning("kafka-python internals changed: records it cannot parse will stop the tail")
        return False
    fetcher.PartitionRecords = LenientPartitionRecords
    return True
