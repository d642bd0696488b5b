"""The tail's lenient record parsing, on real record batches built by kafka-python's own builder.

No cluster and no mocks of Kafka: the bytes are what a producer sends and a broker stores
(the live tests in tests/live/test_tail_source.py prove the same end to end). The header
name that is not UTF-8 is written with a str whose `encode` gives raw bytes, which is the only
way kafka-python's producer path can be made to write one.
"""

from __future__ import annotations

import importlib.util

import pytest
from kafka import TopicPartition
from kafka.consumer.fetcher import Fetcher
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

from kafkatui.tail import consumer as tail_consumer
from kafkatui.tail import lenient as tail_lenient
from kafkatui.tail.buffer import decode_field, record_to_dict
from kafkatui.tail.lenient import HeaderName, LenientPartitionRecords, UndecodableRecords, install
from kafkatui.tail.record import header_name_bytes, header_name_text, make_record
from tests.records import RawName

TP = TopicPartition("t", 3)
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
PAD = b" padding that compresses well" * 20  # kafka-python sends a batch uncompressed if that is smaller


def batch_bytes(records: list[tuple[bytes | None, bytes | None, list]], base_offset: int = 0,
                codec: str = "none") -> bytes:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=CODECS[codec], is_transactional=False,
                                        producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
    for i, (key, value, headers) in enumerate(records):
        builder.append(i, timestamp=1_717_000_000_000 + i, key=key, value=value, headers=headers)
    data = bytearray(builder.build())
    data[0:8] = base_offset.to_bytes(8, "big")  # the broker assigns the base offset
    assert DefaultRecordBatch(bytes(data)).compression_type == CODECS[codec], "the batch was not compressed"
    return bytes(data)


def take(data: bytes, fetch_offset: int = 0, check_crcs: bool = True) -> list:
    return LenientPartitionRecords(fetch_offset, TP, MemoryRecords(data), check_crcs=check_crcs).take()


@pytest.mark.parametrize("codec", list(CODECS))
def test_a_header_name_that_is_not_utf8_is_read_not_fatal(codec: str) -> None:
    bad = b"k\xff\xfe\x1b[2J"
    data = batch_bytes([(b"a", b"before" + PAD, []), (b"b", b"poison", [(RawName(bad), b"v"), ("ok", None)]),
                        (b"c", b"after", [("trace", b"1")])], base_offset=40, codec=codec)
    records = take(data, fetch_offset=40)
    assert [(r.offset, r.value) for r in records] == [(40, b"before" + PAD), (41, b"poison"), (42, b"after")]
    (name, value), ok = records[1].headers
    assert isinstance(name, HeaderName) and name.encode("utf-8") == bad and value == b"v"
    assert ok == ("ok", None) and records[2].headers == [("trace", b"1")]
    assert records[1].serialized_header_size == len(bad) + 1 + len(b"ok")  # kafka-python's own measure

    shown = make_record(1, TP.partition, 41, 0, 0, b"b", b"poison", records[1].headers)
    assert shown.header_texts[0] == "k\\xff\\xfe\\x1b[2J=v"  # bytes as \xNN, ESC escaped
    assert header_name_bytes(shown.headers[0][0]) == bad
    exported = record_to_dict(shown, "t")["headers"]
    assert exported[0]["key_encoding"] == "base64" and decode_field(exported[0]["key"], "base64") == bad
    assert "key_encoding" not in exported[1]  # a UTF-8 name is exported as before


def test_the_stock_parser_fails_on_the_same_bytes() -> None:
    """Guard against a vacuous pass: without the hook, kafka-python cannot read this record."""
    data = batch_bytes([(b"b", b"poison", [(RawName(b"\xff"), b"v")])])
    with pytest.raises(Exception, match=r"UnicodeDecodeError|invalid start byte"):
        Fetcher.PartitionRecords(0, TP, MemoryRecords(data), check_crcs=True).take()


def test_a_batch_that_fails_its_crc_names_the_offsets_to_skip() -> None:
    good = batch_bytes([(None, b"ok 0", []), (None, b"ok 1", [])], base_offset=10)
    bad = bytearray(batch_bytes([(None, b"x", []), (None, b"y", []), (None, b"z", [])], base_offset=12))
    bad[-1] ^= 0xFF  # a flipped bit in the last record
    parsed = LenientPartitionRecords(10, TP, MemoryRecords(good + bytes(bad)), check_crcs=True)
    assert [r.value for r in parsed.take()] == [b"ok 0", b"ok 1"]  # what came before is delivered
    with pytest.raises(UndecodableRecords) as caught:
        parsed.take()
    err = caught.value
    assert (err.tp, err.first, err.end, err.count) == (TP, 12, 15, 3)
    assert "crc" in err.reason.lower()


def test_a_missing_codec_names_the_whole_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    data = batch_bytes([(None, PAD, []), (None, PAD, [])], base_offset=5, codec="zstd")
    monkeypatch.setattr("kafka.codec.has_zstd", lambda: False)  # as on a machine without zstandard
    with pytest.raises(UndecodableRecords) as caught:
        take(data, fetch_offset=5)
    assert (caught.value.first, caught.value.end) == (5, 7) and "zstd" in caught.value.reason


def test_header_name_text_escapes_every_unsafe_character() -> None:
    assert header_name_text("plain") == "plain"
    assert header_name_text("a\x1b]52;\x07" + b"\xc3\x28".decode("utf-8", "surrogateescape")) == (
        "a\\x1b]52;\\x07\\xc3(")


def test_install_replaces_only_this_fetchers_record_parser() -> None:
    class Consumer:
        def __init__(self) -> None:
            self._fetcher = Fetcher.__new__(Fetcher)

    one, other = Consumer(), Consumer()
    assert install(one)
    assert one._fetcher.PartitionRecords is LenientPartitionRecords
    assert other._fetcher.PartitionRecords is Fetcher.PartitionRecords  # no global change
    assert Fetcher.PartitionRecords is not LenientPartitionRecords
    assert not install(object()), "an unknown client layout is refused, not patched blindly"


def test_codecs_and_c_crc32c_are_installed() -> None:
    """The dependencies that let the tail read lz4/snappy/zstd topics and check CRCs cheaply."""
    assert tail_consumer.missing_codecs() == []
    assert importlib.util.find_spec("crc32c") is not None and tail_consumer.CHECK_CRCS
    import crc32c
    from kafka.record import util

    assert util._crc32c is crc32c.crc32c, "kafka-python must use the C CRC-32C, not its Python fallback"
    assert tail_lenient.LenientRecordBatch.__slots__ == ()
