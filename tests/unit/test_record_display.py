"""How the tail shows a record's bytes (issue 12, item 9): one rule for keys, values and header
values, in the list and in the record detail; an empty header name that cannot pass for a blank."""

from __future__ import annotations

import pytest
from textual.app import App

from kafkatui.decode import decode_bytes
from kafkatui.tail.record import make_record, summarize
from kafkatui.ui.tail.record_detail import detail_text

ANSI_RED = b"\x1b[31mred\x1b[0m"  # a coloured word, as log lines carry them
OSC52 = b"\x1b]52;c;aGVsbG8=\x07"  # a hostile clipboard write


def record(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes | None]]):
    return make_record(1, 0, 7, 1_717_000_000_000, 0, key, value, headers)


def detail(rec) -> tuple[str, list]:
    text = detail_text(App(), rec, "orders")
    return text.plain, text.spans


# --------------------------------------------------------------------------- one rule


@pytest.mark.parametrize("data", [ANSI_RED, OSC52, b"log line " + ANSI_RED + b" disk full"],
                         ids=["ansi-colour", "osc52", "log-line"])
def test_the_same_bytes_show_the_same_as_value_key_and_header_value(data: bytes) -> None:
    """A header value with terminal escapes was a hex preview while a value with the same
    escapes was escaped text; now each shows escaped text, in the list and in the detail."""
    rec = record(data, data, [("h", data)])
    shown = summarize(data)[1]
    assert "\\x1b" in shown and " 1b " not in f" {shown} ", shown  # escaped, not hex
    assert rec.key_text == rec.value_text == shown
    assert rec.header_texts == (f"h={shown}",)
    plain, _ = detail(rec)
    assert f"h = {shown}" in plain
    assert plain.count(shown) == 3  # key, header value and value
    assert "\x1b" not in plain and "\x07" not in plain


@pytest.mark.parametrize(
    "data",
    [
        b"a" * 5000 + b"\x01" * 1000,  # text at the start, controls further on
        b"a" * 4100 + b"\xff",  # UTF-8 at the start, a byte that is not further on
        b"\x00\x01\x02\x03ab",  # mostly controls: binary for everyone
    ],
    ids=["controls-past-4k", "bad-utf8-past-4k", "mostly-controls"],
)
def test_list_and_detail_decide_alike(data: bytes) -> None:
    """The list's summaries (`summarize`) and the detail (`decode_bytes`) each had a rule of
    their own, and disagreed on payloads longer than the 4 KiB the list looks at."""
    decoded = decode_bytes(data)
    assert summarize(data) == (decoded.kind, decoded.summary)
    rec = record(data, data, [("h", data)])
    assert rec.header_texts == (f"h={decoded.summary}",)
    if decoded.kind == "text":
        assert decoded.detail.startswith("a" * 100)


def test_text_with_a_bad_byte_past_the_head_shows_the_byte_escaped() -> None:
    decoded = decode_bytes(b"a" * 4100 + b"\xff\x1b")
    assert decoded.kind == "text" and decoded.detail.endswith("a\\xff\\x1b")


# --------------------------------------------------------------------------- empty header name


def test_empty_header_name_is_marked_not_blank() -> None:
    rec = record(b"k", b"v", [("", b"x"), ("h", b"y")])
    assert rec.header_texts == ("(empty)=x", "h=y")
    plain, spans = detail(rec)
    assert "  (empty) = x\n" in plain and "  h = y\n" in plain
    start = plain.index("(empty)")
    styles = [str(span.style) for span in spans if span.start == start and span.end == start + len("(empty)")]
    assert styles and all("dim" in style for style in styles), styles  # a marker, not a name
