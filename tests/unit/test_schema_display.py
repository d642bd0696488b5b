"""How a schema-decoded record shows (kafkatui/schemas/result.py, tail/record.py, ui/tail/record_detail.py):
compact JSON in the list, format, schema id, subjects and pretty JSON in the detail, raw bytes on
request, a failure's reason before today's text; terminal-safe whatever the registry says."""

from __future__ import annotations

import json

from textual.app import App

from kafkatui.decode import summarize
from kafkatui.schemas.result import SchemaValue
from kafkatui.tail.buffer import record_to_dict
from kafkatui.tail.record import make_record
from kafkatui.ui.tail.record_detail import detail_text

RAW = b"\x00\x00\x00\x00\x07\x00\x0a\x03o-1"
DECODED = SchemaValue(7, "PROTOBUF", json='{"id":"o-1","note":"\\u001b]52;c;x\\u0007"}',
                      subjects=("shop-value v2\x1b[2J",), message="demo.shop.Order")
FAILED = SchemaValue(17, error="schema 17 not found")


def rec(schema: SchemaValue):
    return make_record(1, 0, 7, 1_717_000_000_000, 0, None, RAW, [], value_schema=schema)


def test_the_list_shows_decoded_json_escaped() -> None:
    r = rec(DECODED)
    assert r.value_kind == "json"
    assert r.value_text == DECODED.json  # JSON escapes the control characters itself
    assert "\x1b" not in r.search_text and "o-1" in r.search_text
    bidi = rec(SchemaValue(7, "AVRO", json='{"name":"txt\u202eexe"}'))  # JSON leaves bidi characters as they are
    assert bidi.value_text == '{"name":"txt\\u202eexe"}'
    assert "\u202e" not in detail_text(App(), bidi, "shop").plain


def test_a_failure_shows_its_reason_then_todays_text() -> None:
    r = rec(FAILED)
    assert r.value_text == "⚠ schema 17 not found · " + summarize(RAW)[1]


def test_the_detail_names_format_id_subjects_and_pretty_prints() -> None:
    plain = detail_text(App(), rec(DECODED), "shop").plain
    assert "Protobuf · schema 7 · shop-value v2\\x1b[2J · demo.shop.Order" in plain
    assert '  "id": "o-1",\n' in plain
    assert "\x1b" not in plain
    assert "raw bytes" not in plain
    raw = detail_text(App(), rec(DECODED), "shop", raw=True).plain
    assert "raw bytes (11)" in raw and "00 00 00 00 07 00 0a 03" in raw


def test_the_detail_of_a_failure_says_why() -> None:
    plain = detail_text(App(), rec(FAILED), "shop").plain
    assert "unknown format · schema 17" in plain and "not decoded: schema 17 not found" in plain


def test_the_export_keeps_decoded_value_and_raw_bytes() -> None:
    line = json.loads(json.dumps(record_to_dict(rec(DECODED), "shop")))
    assert line["value_encoding"] == "base64"
    assert line["value_schema"] == {"format": "PROTOBUF", "schema_id": 7, "subjects": ["shop-value v2\x1b[2J"],
                                    "message": "demo.shop.Order", "decoded": {"id": "o-1", "note": "\x1b]52;c;x\x07"}}
    assert record_to_dict(rec(FAILED), "shop")["value_schema"]["error"] == "schema 17 not found"
