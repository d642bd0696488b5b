"""Pure tail logic: records, ring buffer, filter, JSONL export, start positions, partitions."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from kafkatui.decode import decode_bytes
from kafkatui.tail.buffer import (
    RingBuffer,
    decode_field,
    matching,
    record_json,
    to_jsonl,
)
from kafkatui.tail.record import KEY_CAP, VALUE_CAP, make_record, summarize
from kafkatui.tail.start import END, StartSpec, parse_partitions, parse_start
from kafkatui.textfilter import compile_filter

# Mostly text (under 10% controls), so it is shown escaped rather than as a hex dump.
HOSTILE = b"clipboard \x1b]52;c;aGVsbG8=\x07 clear \x1b[2J bell \x07 c1 \xc2\x9b and plenty of ordinary text"


def rec(seq: int, value: bytes | None = b"v", key: bytes | None = b"k", headers=(), partition: int = 0):
    return make_record(seq, partition, seq, 1_717_000_000_000 + seq, 0, key, value, headers)


# --------------------------------------------------------------------------- records / summaries


@pytest.mark.parametrize(
    "data",
    [
        None,
        b"",
        b'{"a": 1,\n "b": [1, 2]}',
        b"[1,2,3]",
        b"plain text",
        "ünïcødé ✓".encode(),
        b"\x00\x01\x02\x03binary\xff\xfe",
        HOSTILE,
        b"x" * 10_000,
        b'{"broken": ',
        b"line1\nline2\ttab",
        "\u202eevil".encode(),
    ],
)
def test_summarize_agrees_with_decode_bytes(data: bytes | None) -> None:
    kind, summary = summarize(data)
    decoded = decode_bytes(data)
    assert (kind, summary) == (decoded.kind, decoded.summary)


def test_summary_is_terminal_safe() -> None:
    kind, summary = summarize(HOSTILE)
    assert kind == "text"
    assert "\x1b" not in summary and "\x07" not in summary and "\x9b" not in summary
    assert "\\x1b]52;" in summary and "\\x1b[2J" in summary and "\\x07" in summary and "\\u009b" in summary


def test_make_record_caps_bytes_and_keeps_sizes() -> None:
    big = b"v" * (VALUE_CAP + 10)
    key = b"k" * (KEY_CAP + 1)
    r = make_record(1, 3, 42, 5, 1, key, big, [("h", b"x" * (KEY_CAP + 5)), ("n", None)], size=999)
    assert len(r.value or b"") == VALUE_CAP and r.value_size == VALUE_CAP + 10 and r.value_truncated
    assert len(r.key or b"") == KEY_CAP and r.key_truncated
    assert len(r.headers[0][1] or b"") == KEY_CAP and r.headers[1] == ("n", None)
    assert r.size == 999 and r.timestamp_marker == "L" and r.timestamp_type_name == "LogAppendTime"
    assert r.header_texts == (f"h={'x' * 1023}…", "n=(null)")


def test_null_key_and_value() -> None:
    r = make_record(1, 0, 0, -1, -1, None, None, None)
    assert (r.key_text, r.value_text, r.key_size, r.value_size) == ("(null)", "(null)", -1, -1)
    assert r.timestamp_marker == "?" and not r.value_truncated


# --------------------------------------------------------------------------- ring buffer


def test_ring_buffer_bound_and_evicted_count() -> None:
    ring = RingBuffer(3)
    assert ring.extend(rec(i) for i in range(1, 6)) == 2
    assert [r.seq for r in ring] == [3, 4, 5]
    assert ring.evicted == 2 and len(ring) == 3 and ring.oldest_seq == 3
    assert ring.append(rec(6)) == 1 and ring.evicted == 3
    ring.clear()
    assert len(ring) == 0 and ring.evicted == 3 and ring.bytes == 0


def test_ring_buffer_byte_budget() -> None:
    ring = RingBuffer(1000, max_bytes=50_000)
    ring.extend(rec(i, value=b"x" * 10_000) for i in range(20))
    assert len(ring) <= 5 and ring.bytes <= 50_000 and ring.evicted == 20 - len(ring)
    ring.append(rec(99, value=b"y" * 100_000))  # one record over the budget is still kept
    assert len(ring) == 1 and ring[0].seq == 99


def test_ring_buffer_rejects_zero_capacity() -> None:
    with pytest.raises(ValueError):
        RingBuffer(0)


# --------------------------------------------------------------------------- filter


def test_filter_substring_regex_and_invert() -> None:
    a = rec(1, key=b"order-1", value=b'{"customer":"cust-007"}')
    b = rec(2, key=b"order-2", value=b"payment failed")
    assert matching(compile_filter("cust-007"), [a, b]) == [a]
    assert matching(compile_filter("ORDER-\\d"), [a, b]) == [a, b]  # case-insensitive regex
    assert matching(compile_filter("fail(ed)?$"), [a, b]) == [b]
    assert matching(compile_filter("!cust"), [a, b]) == [b]
    assert matching(compile_filter(""), [a, b]) == [a, b] and not compile_filter("!").active


def test_filter_invalid_regex_falls_back_to_substring() -> None:
    a = rec(1, value=b"price [eur"), rec(2, value=b"price usd")
    f = compile_filter("[eur")
    assert f.error and "plain text" in f.error
    assert matching(f, a) == [a[0]]
    assert matching(compile_filter("![eur"), a) == [a[1]]


def test_filter_matches_headers_and_escaped_text() -> None:
    a = rec(1, headers=[("trace-id", b"abc123"), ("source", b"demo")])
    b = rec(2, value=HOSTILE)
    assert matching(compile_filter("source=demo"), [a, b]) == [a]
    assert matching(compile_filter("abc123"), [a, b]) == [a]
    assert matching(compile_filter(r"\\x1b\]52"), [a, b]) == [b]  # the escaped form is what is searched
    assert matching(compile_filter("\\x1b]52"), [a, b]) == [b]  # invalid regex -> substring of escaped text


# --------------------------------------------------------------------------- JSONL


def test_jsonl_round_trip_text_binary_and_hostile(tmp_path) -> None:
    records = [
        rec(1, key=b"k1", value=b'{"a":1}', headers=[("h", b"v")]),
        rec(2, key=b"\xff\xfe\x00bin", value=b"\x00\x01\x02\xff", headers=[("bin", b"\x80\x81"), ("nul", None)]),
        rec(3, key=None, value=None),
        rec(4, key=HOSTILE, value=HOSTILE + "\u202e".encode(), headers=[("evil\x1b[2J", HOSTILE)]),
    ]
    path = to_jsonl(records, tmp_path / "sub" / "out.jsonl", "orders")
    assert path == tmp_path / "sub" / "out.jsonl"
    raw = path.read_bytes()
    assert raw.isascii(), "the file must be safe to cat: no raw control, C1 or bidi characters"
    assert b"\x1b" not in raw and b"\x07" not in raw
    lines = [json.loads(line) for line in raw.decode().splitlines()]
    assert len(lines) == 4
    for original, line in zip(records, lines, strict=True):
        assert line["topic"] == "orders"
        assert (line["partition"], line["offset"], line["timestamp"]) == (0, original.offset, original.timestamp)
        assert line["timestamp_type"] == "CreateTime"
        assert decode_field(line["key"], line["key_encoding"]) == original.key
        assert decode_field(line["value"], line["value_encoding"]) == original.value
        assert [(h["key"], decode_field(h["value"], h["encoding"])) for h in line["headers"]] == list(
            original.headers
        )
    assert lines[1]["key_encoding"] == "base64" and lines[1]["value_encoding"] == "base64"
    assert lines[0]["value_encoding"] == "utf-8" and lines[2]["value"] is None
    assert lines[3]["value_encoding"] == "utf-8"  # hostile but valid UTF-8 stays text (JSON-escaped)


def test_record_json_marks_truncation() -> None:
    r = make_record(1, 0, 0, 0, 0, None, b"x" * (VALUE_CAP + 1), None)
    data = json.loads(record_json(r, "t"))
    assert data["value_truncated"] is True and data["value_size"] == VALUE_CAP + 1


# --------------------------------------------------------------------------- start positions


@pytest.mark.parametrize(
    ("text", "kind", "n"),
    [
        ("", "end", None),
        ("end", "end", None),
        ("LATEST", "end", None),
        ("earliest", "earliest", None),
        ("beginning", "earliest", None),
        ("last:10", "last", 10),
        ("last: 1_000", "last", 1000),
        ("offset:0", "offset", 0),
        ("Offset:12345", "offset", 12345),
    ],
)
def test_parse_start_simple_forms(text: str, kind: str, n: int | None) -> None:
    spec = parse_start(text)
    assert (spec.kind, spec.n) == (kind, n)


def test_parse_start_default_is_end() -> None:
    assert parse_start("end") == END == StartSpec()
    assert str(parse_start("last:5")) == "last:5"


def test_parse_start_times() -> None:
    iso = parse_start("time:2024-05-29T16:26:40Z")
    assert iso.kind == "time" and iso.at_ms == 1_717_000_000_000
    ms = parse_start("time:1717000000123")
    assert ms.at_ms == 1_717_000_000_123 and ms.time_ms() == 1_717_000_000_123
    offset = parse_start("time:2024-05-29T18:26:40+02:00")
    assert offset.at_ms == 1_717_000_000_000
    naive = parse_start("time:2024-05-29 16:26")
    assert naive.at_ms == int(datetime(2024, 5, 29, 16, 26).timestamp() * 1000)  # local time
    assert datetime.fromtimestamp(iso.at_ms / 1000, UTC).year == 2024


@pytest.mark.parametrize(("text", "ago"), [("-5m", 300_000), ("-1h", 3_600_000), ("-30s", 30_000),
                                           ("-2d", 172_800_000), ("-1h30m", 5_400_000), ("-1.5h", 5_400_000)])
def test_parse_start_relative(text: str, ago: int) -> None:
    spec = parse_start(f"time:{text}")
    assert spec.ago_ms == ago and spec.at_ms is None
    assert spec.time_ms(now_ms=10_000_000_000) == 10_000_000_000 - ago
    now = int(time.time() * 1000)
    assert abs(spec.time_ms() - (now - ago)) < 5_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", "unknown start position"),
        ("last:", "last:N needs a whole number"),
        ("last:-3", "last:N needs a whole number"),
        ("offset:abc", "offset:N needs a whole number"),
        ("time:", "time: needs a value"),
        ("time:-5x", "bad relative time"),
        ("time:yesterday", "bad time"),
        ("time:1717000000", "looks like epoch seconds"),
        ("first:3", "unknown start position"),
    ],
)
def test_parse_start_bad_input(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_start(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- partitions


def test_parse_partitions() -> None:
    assert parse_partitions("all") is None and parse_partitions("") is None and parse_partitions("*") is None
    assert parse_partitions("5,0,2") == (0, 2, 5)
    assert parse_partitions("0-3, 5") == (0, 1, 2, 3, 5)
    assert parse_partitions("1 2", available=range(6)) == (1, 2)


@pytest.mark.parametrize(("text", "message"), [("a", "bad partition"), ("3-1", "bad partition range"),
                                               (",", "no partition given"), ("9", "does not exist")])
def test_parse_partitions_bad(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_partitions(text, available=range(6))
