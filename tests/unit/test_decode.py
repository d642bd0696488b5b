"""decode: nothing from the cluster may reach the terminal raw, and values decode sensibly."""

from __future__ import annotations

import json
import sys
import tracemalloc
import unicodedata
from typing import Any

import pytest

from kafkatui.decode import (
    Decoded,
    cell_width,
    decode_bytes,
    escape_multiline,
    escape_text,
    hex_preview,
    hexdump,
    truncate,
    truncation_note,
)

HOSTILE_BYTES = [
    b"\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    b"\x1b[2J\x1b[H",  # clear screen, cursor home
    b"\x07",  # BEL
    b"\x9b31m",  # 8-bit C1 CSI, as latin-1
    "safe\u202eexe.txt".encode(),  # right-to-left override
    b"a\x00b",  # NUL
    "\u009b31m".encode(),  # C1 CSI, properly UTF-8 encoded
    b"\x1bP+q\x1b\\",  # DCS request
]


def assert_terminal_safe(s: str, *, newlines: bool = False) -> None:
    for ch in s:
        code = ord(ch)
        if newlines and ch == "\n":
            continue
        assert code >= 0x20, f"raw C0 control {code:#x} in {s!r}"
        assert not 0x7F <= code <= 0x9F, f"raw DEL/C1 {code:#x} in {s!r}"
        assert unicodedata.category(ch) not in ("Cf", "Cs", "Zl", "Zp"), f"raw {code:#x} in {s!r}"


def assert_decoded_safe(d: Decoded) -> None:
    assert_terminal_safe(d.summary)
    assert_terminal_safe(d.detail, newlines=True)


@pytest.mark.parametrize("data", HOSTILE_BYTES)
def test_hostile_bytes_never_survive_decoding(data: bytes) -> None:
    assert_decoded_safe(decode_bytes(data))


@pytest.mark.parametrize("data", HOSTILE_BYTES)
def test_hostile_text_never_survives_escaping(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")
    assert_terminal_safe(escape_text(text))
    assert_terminal_safe(escape_multiline(text), newlines=True)


def test_escape_text_spells_controls_visibly() -> None:
    assert escape_text("\x1b]52;c;aGVsbG8=\x07") == "\\x1b]52;c;aGVsbG8=\\x07"
    assert escape_text("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert escape_text("\x00\x7f") == "\\x00\\x7f"
    assert escape_text("\u009b31m") == "\\u009b31m"
    assert escape_text("abc\u202etxt.exe") == "abc\\u202etxt.exe"
    assert escape_text("\u2066x\u2069\u200b\u2028\u2029\ufeff") == "\\u2066x\\u2069\\u200b\\u2028\\u2029\\ufeff"
    assert escape_text("tag\U000e0041") == "tag\\U000e0041"
    assert escape_text("\udc9b") == "\\udc9b"  # lone surrogate from surrogateescape


def test_escape_text_leaves_ordinary_text_alone() -> None:
    s = "orders [bold]é 日本 😀 C:\\tmp"
    assert escape_text(s) == s


def test_backslash_stays_single() -> None:
    assert escape_text("a\\b") == "a\\b"


def test_escape_multiline_keeps_only_newlines() -> None:
    out = escape_multiline("line1\nline2\x1b[2J\tend\r\n")
    assert out == "line1\nline2\\x1b[2J\\tend\\r\n"
    assert out.count("\n") == 2


def test_every_unsafe_category_is_escaped() -> None:
    """Cross-check the static ranges against this Python's Unicode database."""
    bad = [
        hex(c)
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and escape_text(chr(c)) == chr(c)
    ]
    assert bad == []


def test_none_and_empty() -> None:
    null = decode_bytes(None)
    assert (null.kind, null.summary, null.size, null.truncated) == ("null", "(null)", 0, False)
    empty = decode_bytes(b"")
    assert (empty.kind, empty.summary, empty.size) == ("empty", "(empty)", 0)


def test_json_object_is_compact_in_summary_and_pretty_in_detail() -> None:
    raw = b' {"id": 7, "tags": ["a", "b"], "name": "caf\xc3\xa9"}'
    d = decode_bytes(raw)
    assert d.kind == "json"
    assert d.summary == '{"id":7,"tags":["a","b"],"name":"café"}'
    assert d.detail == json.dumps({"id": 7, "tags": ["a", "b"], "name": "café"}, indent=2, ensure_ascii=False)
    assert d.size == len(raw) == 47


def test_json_array_is_json_but_scalars_are_text() -> None:
    assert decode_bytes(b"[1,2,3]").kind == "json"
    assert decode_bytes(b"123").kind == "text"
    assert decode_bytes(b'"quoted"').kind == "text"


def test_json_with_escapes_inside_strings_stays_escaped() -> None:
    raw = b'{"evil":"\\u001b[2J\\u001b]52;c;aGk=\\u0007","bidi":"\\u202e","c1":"\\u009b"}'
    d = decode_bytes(raw)
    assert d.kind == "json"
    assert_decoded_safe(d)
    assert "\x1b" not in d.summary + d.detail
    assert "\\u001b[2J" in d.summary
    assert "\\u202e" in d.detail and "\\u009b" in d.detail


def test_broken_json_falls_back_to_text() -> None:
    d = decode_bytes(b'{"a": 1')
    assert (d.kind, d.summary) == ("text", '{"a": 1')


def test_deeply_nested_json_does_not_raise() -> None:
    d = decode_bytes(b"[" * 50_000 + b"]" * 50_000)
    assert d.kind == "text"


def test_plain_text_keeps_lines_in_detail_only() -> None:
    d = decode_bytes(b"hello\nworld\x1b[31m")
    assert d.kind == "text"
    assert d.summary == "hello\\nworld\\x1b[31m"
    assert d.detail == "hello\nworld\\x1b[31m"


def test_non_utf8_is_binary_with_hex() -> None:
    d = decode_bytes(b"\xff\xfe\x00\x1bA")
    assert d.kind == "binary"
    assert d.summary == "ff fe 00 1b 41"
    # offset, two 8-byte hex groups each padded to 23 columns, then the ASCII column
    assert d.detail == "00000000  " + "ff fe 00 1b 41".ljust(23) + "  " + " " * 23 + "  |....A|"
    assert d.size == 5


def test_mostly_control_utf8_is_binary() -> None:
    d = decode_bytes(b"\x00\x01\x02\x03ab")
    assert d.kind == "binary"


def test_hexdump_layout() -> None:
    dump = hexdump(bytes(range(0x41, 0x41 + 20)))
    lines = dump.split("\n")
    assert lines[0] == "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|"
    assert lines[1].startswith("00000010  51 52 53 54")
    assert lines[1].endswith("|QRST|")


def test_hexdump_limit_adds_note() -> None:
    dump = hexdump(b"\x00" * 100, limit=32)
    assert dump.split("\n")[-1] == "… 100 bytes total, first 32 shown"
    assert len(dump.split("\n")) == 3


def test_hex_preview_marks_more() -> None:
    assert hex_preview(b"\x00\xff\x1b", 2) == "00 ff …"


def decode_cost(data: bytes) -> tuple[int, int]:
    """(Python and C calls, peak bytes allocated) of one decode_bytes(data): the work, counted
    instead of timed. The calls catch a loop over the whole input; the allocation catches one C
    call (a whole-buffer decode or regex) that the call count cannot see."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    tracemalloc.start()
    sys.setprofile(profile)
    try:
        decode_bytes(data)
    finally:
        sys.setprofile(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return count, peak


def assert_bounded(data: bytes) -> None:
    """8 times the input costs the calls and about the memory that 1 time costs."""
    big = data * 8
    (small_calls, small_peak), (big_calls, big_peak) = decode_cost(data), decode_cost(big)
    assert big_calls == small_calls
    assert big_peak < 2 * small_peak, f"{len(big):,} bytes allocated {big_peak:,}, {len(data):,} {small_peak:,}"


def test_one_megabyte_text_is_bounded_and_truncated() -> None:
    data = ("é" * (512 * 1024)).encode()  # 1 MiB of two-byte characters
    assert_bounded(data)  # the work is bounded by the display limit, not by the record
    d = decode_bytes(data)
    assert (d.kind, d.size, d.truncated) == ("text", 1_048_576, True)
    assert d.detail.endswith("\n" + truncation_note(1_048_576, 65_536))
    assert d.detail.endswith("… 1,048,576 bytes total, first 65,536 shown")
    assert len(d.summary) <= 1024


def test_one_megabyte_binary_is_bounded_and_truncated() -> None:
    data = bytes(range(256)) * 4096
    assert_bounded(data)
    d = decode_bytes(data)
    assert (d.kind, d.truncated) == ("binary", True)
    assert d.detail.endswith("… 1,048,576 bytes total, first 65,536 shown")
    assert_decoded_safe(d)


def test_truncated_json_is_not_claimed_as_json() -> None:
    data = b'{"k":"' + b"x" * 100 + b'"}'
    d = decode_bytes(data, limit=50)
    assert (d.kind, d.truncated) == ("text", True)


def test_truncate_for_cells() -> None:
    assert truncate("hello world", 5) == "hell…"
    assert truncate("hello", 5) == "hello"
    assert truncate("hello", 0) == ""
    assert truncate("日本語テキスト", 5) == "日本…"
    assert cell_width(truncate("日本語テキスト", 5)) <= 5
    assert cell_width("日本") == 4
