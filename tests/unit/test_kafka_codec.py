"""kafkatui/kafka/codec.py: pre-encoded requests and the lean Metadata/ListOffsets decoders.

Pure: the answers here are bytes captured from the local cluster (tests/unit/data, by
tests/codec_compare.capture) or built by hand where a broker would not send them (unknown
tagged fields, multi-byte varints, Metadata v13). kafka-python's own decoder is the reference
every field is compared with. The live test (tests/live/test_kafka_codec_live.py) does the same
on fresh answers at every version the broker speaks.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from kafka.protocol.consumer import ListOffsetsRequest, OffsetSpec
from kafka.protocol.metadata import MetadataRequest

from kafkatui.kafka.codec import decode_list_offsets, decode_metadata
from kafkatui.kafka.convert import (
    brokers_from_metadata,
    leaders_from_metadata,
    offsets_from_response,
    topics_from_metadata,
)
from kafkatui.kafka.wire import OffsetRequests, offsets_request, prepared_list_offsets, prepared_metadata
from tests.codec_compare import assert_metadata_equal, assert_offsets_equal, reference_metadata, reference_offsets

CAPTURED = json.loads((Path(__file__).parent / "data" / "kafka_codec_captured.json").read_text())


# --------------------------------------------------------------------------- decoding captured answers


@pytest.mark.parametrize("version", sorted(CAPTURED["metadata"], key=int))
def test_lean_metadata_equals_kafka_python_on_a_captured_answer(version: str) -> None:
    body, v = bytes.fromhex(CAPTURED["metadata"][version]), int(version)
    assert assert_metadata_equal(reference_metadata(body, v), decode_metadata(memoryview(body), 0, v)) > 30


@pytest.mark.parametrize("version", sorted(CAPTURED["list_offsets"], key=int))
def test_lean_list_offsets_equal_kafka_python_on_a_captured_answer(version: str) -> None:
    body, v = bytes.fromhex(CAPTURED["list_offsets"][version]), int(version)
    assert assert_offsets_equal(reference_offsets(body, v), decode_list_offsets(memoryview(body), 0, v)) > 5


def test_the_snapshot_is_the_same_from_either_decoder() -> None:
    """What the refresh builds from the answers (brokers, leaders, topics with offsets) is equal
    whichever decoder read them."""
    md_body, offsets_body = bytes.fromhex(CAPTURED["metadata"]["12"]), bytes.fromhex(CAPTURED["list_offsets"]["9"])
    built = []
    for md, offsets in ((reference_metadata(md_body, 12), reference_offsets(offsets_body, 9)),
                        (decode_metadata(md_body, 0, 12), decode_list_offsets(offsets_body, 0, 9))):
        latest, errors = offsets_from_response(offsets)
        live = [b.node_id for b in md.brokers]
        built.append((brokers_from_metadata(md), leaders_from_metadata(md, live), latest, errors,
                      topics_from_metadata(md, {}, latest, {})))
    assert built[0] == built[1]
    assert built[1][2], "no offsets compared"


# --------------------------------------------------------------------------- hand-built flexible answers


def uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def cstring(s: str | None) -> bytes:
    return b"\x00" if s is None else uvarint(len(s.encode()) + 1) + s.encode()


def cint32s(values: list[int]) -> bytes:
    return uvarint(len(values) + 1) + struct.pack(f">{len(values)}i", *values)


def tags(*fields: tuple[int, bytes]) -> bytes:
    """A tagged-fields section with fields kafkatui does not know (nor does kafka-python)."""
    return uvarint(len(fields)) + b"".join(uvarint(tag) + uvarint(len(data)) + data for tag, data in fields)


UNKNOWN = ((7, b"x" * 300), (1000, b"\x01"))  # a 300-byte payload: its size is a 2-byte varint


def flexible_metadata(version: int) -> bytes:
    partitions = [
        struct.pack(">hiii", 0 if i % 7 else 9, i, i % 3, 5 + i)
        + cint32s([i % 3, (i + 1) % 3, 200 + i]) + cint32s([i % 3]) + cint32s([200 + i] if i % 2 else [])
        + (tags(*UNKNOWN) if i % 5 == 0 else tags())
        for i in range(130)  # 131 as a compact length: a 2-byte varint
    ]
    topic_id = bytes(range(16)) if version >= 10 else b""
    topic = (struct.pack(">h", 0) + cstring("zählung-ü") + topic_id + b"\x01"
             + uvarint(len(partitions) + 1) + b"".join(partitions) + struct.pack(">i", -2147483648) + tags(*UNKNOWN))
    errored = (struct.pack(">h", 3) + cstring("gone") + bytes(len(topic_id)) + b"\x00" + uvarint(1)
               + struct.pack(">i", 0) + tags())
    brokers = [struct.pack(">i", 1) + cstring("broker-1") + struct.pack(">i", 9092) + cstring("rack-a")
               + tags(*UNKNOWN),
               struct.pack(">i", 2) + cstring("broker-2") + struct.pack(">i", 9093) + cstring(None) + tags()]
    body = (struct.pack(">i", 17) + uvarint(len(brokers) + 1) + b"".join(brokers) + cstring("cluster-x")
            + struct.pack(">i", 2) + uvarint(3) + topic + errored)
    if 8 <= version <= 10:
        body += struct.pack(">i", -2147483648)  # cluster authorized operations (v8-10)
    if version >= 13:
        body += struct.pack(">h", 0)  # top-level error code
    return body + tags(*UNKNOWN)


def flexible_list_offsets() -> bytes:
    parts = [struct.pack(">ihqqi", i, 0 if i % 4 else 6, -1, 1000 * i, 3) + (tags(*UNKNOWN) if i % 3 == 0 else tags())
             for i in range(140)]
    topic = cstring("zählung") + uvarint(len(parts) + 1) + b"".join(parts) + tags(*UNKNOWN)
    return struct.pack(">i", 0) + uvarint(2) + topic + tags(*UNKNOWN)


@pytest.mark.parametrize("version", [9, 10, 12, 13])
def test_lean_metadata_skips_unknown_tagged_fields_and_reads_long_varints(version: int) -> None:
    body = flexible_metadata(version)
    assert assert_metadata_equal(reference_metadata(body, version), decode_metadata(body, 0, version)) == 130


@pytest.mark.parametrize("version", [6, 9, 11])
def test_lean_list_offsets_skip_unknown_tagged_fields(version: int) -> None:
    body = flexible_list_offsets()
    reference, lean = reference_offsets(body, version), decode_list_offsets(body, 0, version)
    assert assert_offsets_equal(reference, lean) == 140
    assert offsets_from_response(lean) == offsets_from_response(reference)  # errors: counted, row by row
    assert offsets_from_response(lean)[1] == {"NotLeaderForPartitionError": 35}


def offsets_answer(offsets: dict[str, list[int]], tagged: frozenset[str] = frozenset()) -> bytes:
    """A ListOffsets v9 body: each topic's partitions 0..n-1 at these offsets (a topic in
    `tagged` carries an unknown tagged field on its first partition)."""
    topics = b""
    for name, values in offsets.items():
        parts = [struct.pack(">ihqqi", i, 0, -1, v, 3) + (tags(*UNKNOWN) if i == 0 and name in tagged else tags())
                 for i, v in enumerate(values)]
        topics += cstring(name) + uvarint(len(parts) + 1) + b"".join(parts) + tags()
    return struct.pack(">i", 0) + uvarint(len(offsets) + 1) + topics + tags()


def test_a_topic_whose_bytes_are_the_last_answers_is_not_read_again() -> None:
    """Issue 14: with a request's kept topics, a topic whose bytes equal the last answer's topic at
    the same place is that object; a changed one is read again; all of it reads what a fresh
    decode reads, also when a changed topic's length moves every topic after it, and never
    across versions."""
    kept: dict = {}
    offsets = {f"t{i}": [10 * i, 10 * i + 1] for i in range(6)}
    first = decode_list_offsets(memoryview(offsets_answer(offsets, frozenset({"t4"}))), 0, 9, kept)
    offsets["t2"] = [20, 99]
    body = offsets_answer({**offsets, "t3": [30, 31, 32]}, frozenset({"t4"}))  # t3 gains a partition
    second = decode_list_offsets(memoryview(body), 0, 9, kept)
    assert second == decode_list_offsets(body, 0, 9)  # what reading it all says
    same = [a is b for a, b in zip(first.topics, second.topics, strict=True)]
    assert same == [True, True, False, False, True, True]  # t4, t5 found at their shifted places
    assert second.topics[2].offsets == (20, 99) and second.topics[3].indexes == (0, 1, 2)
    third = decode_list_offsets(memoryview(body), 0, 9, kept)
    assert all(a is b for a, b in zip(second.topics, third.topics, strict=True))
    other = decode_list_offsets(memoryview(body), 0, 8, kept)  # another version: read afresh
    assert not any(a is b for a, b in zip(third.topics, other.topics, strict=True))


def test_a_metadata_topic_whose_bytes_are_the_last_answers_is_not_read_again() -> None:
    """As ListOffsets: a captured Metadata answer read twice with a kept memo gives the same topic
    objects; with one partition's leader changed in the bytes, only that topic is read again."""
    body = bytes.fromhex(CAPTURED["metadata"]["12"])
    kept: dict = {}
    first = decode_metadata(memoryview(body), 0, 12, kept)
    again = decode_metadata(memoryview(body), 0, 12, kept)
    assert len(first.topics) > 3 and all(a is b for a, b in zip(first.topics, again.topics, strict=True))
    p0 = next(p for t in first.topics for p in t.partitions if p.leader_id >= 0 and p.leader_epoch >= 0)
    row = struct.pack(">hiii", p0.error_code, p0.partition_index, p0.leader_id, p0.leader_epoch)
    at = body.index(row)
    moved = body[:at + 6] + struct.pack(">i", p0.leader_id % 3 + 1) + body[at + 10:]
    third = decode_metadata(memoryview(moved), 0, 12, kept)
    assert third == decode_metadata(moved, 0, 12)
    new = [b.name for a, b in zip(again.topics, third.topics, strict=True) if a is not b]
    assert len(new) == 1 and third.topics != again.topics


# --------------------------------------------------------------------------- encoding


def kafka_python_bytes(request: object, version: int) -> bytes:
    request.API_VERSION = version  # type: ignore[attr-defined]
    request.with_header(correlation_id=4242, client_id="kafkatui")  # type: ignore[attr-defined]
    return request.encode(framed=True, header=True)  # type: ignore[attr-defined]


def prepared_bytes(prepared: object, version: int) -> bytes:
    request = prepared.request()  # type: ignore[attr-defined]
    request.API_VERSION = version
    request.with_header(correlation_id=4242, client_id="kafkatui")
    return request.encode(framed=True, header=True)


@pytest.mark.parametrize("version", range(1, ListOffsetsRequest.max_version + 1))
def test_prepared_list_offsets_bytes_are_kafka_pythons(version: int) -> None:
    keys = [("a", 0), ("b", 3), ("a", 2), ("zählung", 1)]
    build = lambda: offsets_request(keys, OffsetSpec.EARLIEST)  # noqa: E731
    assert prepared_bytes(prepared_list_offsets(build), version) == kafka_python_bytes(build(), version)


@pytest.mark.parametrize(("version", "topics"), [
    (v, topics) for v in range(MetadataRequest.max_version + 1) for topics in (None, [], ["orders", "zählung"])
    if v > 0 or topics is not None  # v0 has no null for "all topics"
])
def test_prepared_metadata_bytes_are_kafka_pythons(version: int, topics: list[str] | None) -> None:
    topic_cls = MetadataRequest.MetadataRequestTopic
    build = lambda: MetadataRequest(  # noqa: E731
        topics=None if topics is None else [topic_cls(name=t) for t in topics], allow_auto_topic_creation=False)
    assert prepared_bytes(prepared_metadata(build), version) == kafka_python_bytes(build(), version)


def test_a_prepared_request_is_encoded_once_per_version() -> None:
    prepared = prepared_list_offsets(lambda: offsets_request([("a", 0)], OffsetSpec.LATEST))
    for correlation_id in range(3):
        request = prepared.request()
        request.API_VERSION = 9
        request.with_header(correlation_id=correlation_id, client_id="kafkatui")
        framed = request.encode(framed=True, header=True)
        assert struct.unpack_from(">i", framed, 8)[0] == correlation_id  # each send has its own header
    assert prepared.encodes == 1
    prepared_bytes(prepared, 5)
    assert prepared.encodes == 2


def test_offset_requests_are_encoded_again_only_when_a_leaders_partitions_change() -> None:
    kept = OffsetRequests()
    leaders = {1: [("a", 0), ("b", 1)], 2: [("a", 1)]}
    first = kept.for_leaders(leaders, OffsetSpec.EARLIEST)
    kept.for_leaders(leaders, OffsetSpec.LATEST)
    assert set(first) == {1, 2} and kept.prepared == 4
    for _ in range(3):  # unchanged: nothing encoded again
        kept.for_leaders({1: [("a", 0), ("b", 1)], 2: [("a", 1)]}, OffsetSpec.EARLIEST)
        kept.for_leaders(leaders, OffsetSpec.LATEST)
    assert kept.prepared == 4
    moved = {1: [("a", 0), ("b", 1), ("a", 1)]}  # leader 2 gone, its partition moved to 1
    assert set(kept.for_leaders(moved, OffsetSpec.EARLIEST)) == {1}
    assert kept.prepared == 5
    assert set(kept.for_leaders({**moved, 2: [("a", 1)]}, OffsetSpec.EARLIEST)) == {1, 2}
    assert kept.prepared == 6  # leader 2's request was dropped while it led nothing: encoded anew


def metadata_with_rows(version: int, isr_of: dict[int, list[int]]) -> bytes:
    """A Metadata body (v8 classic or v12 flexible) of one 100-partition topic whose partitions
    share one layout, except those in `isr_of`, which have another in-sync list."""
    flexible = version >= 9

    def string(s: str) -> bytes:
        return cstring(s) if flexible else struct.pack(">h", len(s)) + s.encode()

    def int32s(values: list[int]) -> bytes:
        return cint32s(values) if flexible else struct.pack(f">i{len(values)}i", len(values), *values)

    def length(n: int) -> bytes:
        return uvarint(n + 1) if flexible else struct.pack(">i", n)

    end = tags() if flexible else b""
    rows = [struct.pack(">hiii", 0, i, 1 + i % 3, 4) + int32s([1, 2, 3]) + int32s(isr_of.get(i, [3, 1, 2]))
            + int32s([]) + end for i in range(100)]
    topic = (struct.pack(">h", 0) + string("uniform") + (bytes(16) if version >= 10 else b"") + b"\x00"
             + length(100) + b"".join(rows) + struct.pack(">i", 0) + end)
    broker = struct.pack(">i", 1) + string("b1") + struct.pack(">i", 9092) + string("r") + end
    body = struct.pack(">i", 0) + length(1) + broker + string("c") + struct.pack(">i", 1) + length(1) + topic
    return body + (struct.pack(">i", 0) if 8 <= version <= 10 else b"") + end


@pytest.mark.parametrize("version", [8, 12])
@pytest.mark.parametrize("isr_of", [{}, {70: [3]}, {0: [3, 1]}, {99: []}], ids=["same", "70", "first", "last"])
def test_lean_metadata_reads_a_topic_whose_rows_differ_anywhere(version: int, isr_of: dict[int, list[int]]) -> None:
    """All rows in one go when they share a layout; a row that differs, wherever it is, sends
    the topic down the row-by-row path, with the same result."""
    body = metadata_with_rows(version, isr_of)
    lean = decode_metadata(body, 0, version)
    assert assert_metadata_equal(reference_metadata(body, version), lean) == 100
    assert [len(p.isr_nodes) for p in lean.topics[0].partitions].count(3) == 100 - len(isr_of)


def test_a_truncated_answer_fails_as_kafka_pythons_parser_expects() -> None:
    """kafka-python's parser turns ValueError/struct.error into KafkaProtocolError (the request
    fails, the connection closes); nothing else may escape a decoder."""
    from kafka.protocol.frame import KafkaBytes
    from kafka.protocol.metadata import MetadataResponse

    from kafkatui.kafka.codec import Decoder

    body = bytes.fromhex(CAPTURED["metadata"]["12"])
    for cut in (3, len(body) // 3, len(body) // 2):  # (the last bytes, top-level tags, are not read)
        buffer = KafkaBytes(cut)
        buffer.write(body[:cut])
        buffer.seek(0)
        with pytest.raises((ValueError, struct.error)):
            Decoder(MetadataResponse, 12, decode_metadata).decode(buffer)
