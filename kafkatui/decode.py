"""Make every displayed byte terminal-safe, and decode record values for display.

Why this module exists: record keys, values, headers and znode data are written by
whoever can reach the cluster. Printed raw, a value such as ``ESC ] 52 ; c ; ... BEL``
can rewrite the operator's clipboard, ``ESC [ 2 J`` can clear the screen, and a
U+202E RIGHT-TO-LEFT OVERRIDE can make ``txt.exe`` read as ``exe.txt``. So nothing from
the cluster reaches the terminal without passing through `escape_text` (one-line
cells) or `escape_multiline` (detail panes), and `decode_bytes` does both for you.

What is escaped, and how it looks:

* C0 controls: ``\\n`` ``\\t`` ``\\r`` by name, every other one (ESC, BEL, NUL ...) as
  ``\\xNN``; DEL as ``\\x7f``.
* C1 controls (U+0080-U+009F), which some terminals treat as 8-bit CSI/OSC, as ``\\u009b``.
* Unicode format characters that can spoof what is shown (bidi embeddings, overrides and
  isolates, zero-width characters, line/paragraph separators, the BOM, tag characters,
  lone surrogates from ``surrogateescape``) as ``\\u202e`` / ``\\U000e0041``.

A literal backslash stays a single backslash. That keeps ordinary text and JSON readable
(``C:\\tmp`` is not turned into ``C:\\\\tmp``) at the price of ambiguity: the text
``\\x1b`` and a real ESC look the same once escaped. Safety is what matters here; the
hex dump in the detail pane is there when the exact bytes matter.

Callers must hand the results to Textual as ``rich.text.Text`` objects, never as markup
strings: this module does not escape ``[``, so ``[bold]`` in a record stays literal only
when it is not parsed as markup.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, NamedTuple

DEFAULT_LIMIT = 64 * 1024
"""Bytes of a value we decode; enough for any sane record, cheap even for 1 MB values."""

SUMMARY_MAX = 1024
"""Characters kept in a one-line summary; list cells are far narrower than this."""

CLASSIFY_BYTES = 4 * SUMMARY_MAX
"""Bytes that decide how a payload is shown (`classify`): at least SUMMARY_MAX characters."""

_HEX_PREVIEW_BYTES = 32

# Code points escaped by escape_text. A superset of Unicode 15.1 categories Cc, Cf, Cs, Zl
# and Zp; tests/unit/test_decode.py checks it against the running Python's unicodedata.
_C0_EXCEPT_NEWLINE = "\x00-\x09\x0b-\x1f"
_UNSAFE_ABOVE_C0 = (
    "\x7f-\x9f\xad"
    "\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[\n{_C0_EXCEPT_NEWLINE}{_UNSAFE_ABOVE_C0}]")
_UNSAFE_KEEP_NEWLINE = re.compile(f"[{_C0_EXCEPT_NEWLINE}{_UNSAFE_ABOVE_C0}]")
_CONTROL_NOT_WHITESPACE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
# A terminal escape sequence: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \) or a
# two-character ESC sequence. Text meant for a terminal, not a sign of binary data.
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")

Kind = Literal["null", "empty", "json", "text", "binary"]


def _escape_char(match: re.Match[str]) -> str:
    """Spell one unsafe character as a visible escape sequence."""
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code <= 0x7F:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_text(s: str) -> str:
    """Return `s` on one line with every control or spoofing character made visible."""
    return _UNSAFE.sub(_escape_char, s)


def escape_multiline(s: str) -> str:
    """Like `escape_text`, but real ``\\n`` line breaks survive (for detail panes)."""
    return _UNSAFE_KEEP_NEWLINE.sub(_escape_char, s)


def _char_cells(ch: str) -> int:
    """Terminal cells one character takes: 0 for combining marks, 2 for wide East Asian."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cell_width(s: str) -> int:
    """Terminal cells `s` takes once escaped; an approximation good enough for truncation."""
    if s.isascii():
        return len(s)
    return sum(_char_cells(ch) for ch in s)


def truncate(s: str, width: int) -> str:
    """Cut `s` to at most `width` terminal cells, ending in an ellipsis when it was cut."""
    if width <= 0:
        return ""
    if cell_width(s) <= width:
        return s
    out: list[str] = []
    used = 0
    for ch in s:
        cells = _char_cells(ch)
        if used + cells > width - 1:
            break
        out.append(ch)
        used += cells
    return "".join(out) + "…"


@dataclass(frozen=True)
class Decoded:
    """A value made ready for display; every string in it is already terminal-safe.

    `summary` is one line for a list cell, `detail` is multi-line for a detail pane,
    `size` is the original length in bytes and `truncated` says only the first `limit`
    bytes were looked at (the detail then ends with a line saying so).
    """

    kind: Kind
    summary: str
    detail: str
    size: int
    truncated: bool = False


def truncation_note(total: int, shown: int) -> str:
    """The line that tells the operator a value was cut, so a cut never looks like the end."""
    return f"… {total:,} bytes total, first {shown:,} shown"


def _ascii_column(chunk: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)


def _hex_line(offset: int, chunk: bytes) -> str:
    left = " ".join(f"{b:02x}" for b in chunk[:8])
    right = " ".join(f"{b:02x}" for b in chunk[8:16])
    return f"{offset:08x}  {left:<23}  {right:<23}  |{_ascii_column(chunk)}|"


def hexdump(data: bytes, *, limit: int = DEFAULT_LIMIT) -> str:
    """Classic offset / hex / ASCII dump of the first `limit` bytes, non-printables as '.'."""
    shown = data[:limit]
    lines = [_hex_line(off, shown[off : off + 16]) for off in range(0, len(shown), 16)]
    if len(data) > limit:
        lines.append(truncation_note(len(data), limit))
    return "\n".join(lines)


def hex_preview(data: bytes, count: int = _HEX_PREVIEW_BYTES) -> str:
    """Space-separated hex of the first `count` bytes, with '…' when there is more."""
    head = " ".join(f"{b:02x}" for b in data[:count])
    return head + (" …" if len(data) > count else "")


def _cap_summary(s: str) -> str:
    return s if len(s) <= SUMMARY_MAX else s[: SUMMARY_MAX - 1] + "…"


def summary_text(s: str) -> str:
    """A one-line, terminal-safe, capped summary of text (the list's rule for any decoded value)."""
    return _cap_summary(escape_text(s))


def _with_note(body: str, total: int, shown: int, truncated: bool) -> str:
    return f"{body}\n{truncation_note(total, shown)}" if truncated else body


def _utf8_prefix(head: bytes, truncated: bool) -> str | None:
    """Decode `head` as UTF-8, tolerating a character split by the cut; None if not UTF-8."""
    try:
        return head.decode("utf-8")  # the common case, at C speed
    except UnicodeDecodeError:
        if not truncated:
            return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(head, final=not truncated)
    except UnicodeDecodeError:
        return None


def _utf8_lenient(data: bytes, truncated: bool) -> str:
    """Decode text whose head was judged UTF-8: a byte further on that is not shows as ``\\xNN``
    (as in a header name), and a character split by the cut is left out."""
    return codecs.getincrementaldecoder("utf-8")(errors="backslashreplace").decode(data, final=not truncated)


def _looks_like_text(text: str) -> bool:
    """Mostly printable: fewer than 10% control characters other than newline, CR and tab,
    not counting those of terminal escape sequences (`_TERMINAL_ESCAPE`)."""
    if not text:
        return True
    outside_escapes = _TERMINAL_ESCAPE.sub("", text) if "\x1b" in text else text
    controls = len(_CONTROL_NOT_WHITESPACE.findall(outside_escapes))
    return controls * 10 < len(text)


class _Judged(NamedTuple):
    """What `classify` decided, with what it decoded on the way (so nothing is decoded twice).
    A NamedTuple: built for every record on the tail's reader thread, where it is cheaper."""

    kind: Kind
    head: str = ""  # the decoded first CLASSIFY_BYTES (text and json)
    compact: str = ""  # json: one line
    pretty: str = ""  # json: indented (only when asked for)


def _judge(data: bytes | None, limit: int = DEFAULT_LIMIT, *, pretty: bool = False) -> _Judged:
    """The one rule (see `classify`), applied."""
    if data is None:
        return _Judged("null")
    if not data:
        return _Judged("empty")
    head = data[: min(CLASSIFY_BYTES, limit)]
    text = _utf8_prefix(head, len(data) > len(head))
    if text is None or not _looks_like_text(text):
        return _Judged("binary")
    if text.lstrip()[:1] in ("{", "[") and len(data) <= limit:  # objects and arrays; a bare 123 stays text
        try:
            value = json.loads(data.decode("utf-8") if len(data) > len(head) else text)
            return _Judged("json", text, json.dumps(value, ensure_ascii=False, separators=(",", ":")),
                           json.dumps(value, ensure_ascii=False, indent=2) if pretty else "")
        except (ValueError, RecursionError):
            pass
    return _Judged("text", text)


def classify(data: bytes | None, *, limit: int = DEFAULT_LIMIT) -> Kind:
    """How bytes are shown: the one rule for record keys, values, header values and znode data,
    in the tail's list (`summarize`) and in every detail pane (`decode_bytes`) alike.

    - None is "null", no bytes "empty".
    - "binary" (a hex preview or dump) when the first CLASSIFY_BYTES are not UTF-8, or 10% or
      more of their characters are control characters. Controls inside terminal escape
      sequences do not count: a coloured log line or a hostile OSC 52 is text meant for a
      terminal and reads best escaped (``\\x1b[31m``), whether it is a value or a header value.
    - "json" for an object or array of at most `limit` bytes that parses; else "text".
    Only the head decides, so the reader thread can afford it for every record it gets.
    """
    return _judge(data, limit).kind


def summarize(data: bytes | None) -> tuple[Kind, str]:
    """(kind, one-line terminal-safe summary) of a key, value or header value, cheaply: the
    same as `decode_bytes(data)`'s kind and summary, without building its detail (the tail's
    reader runs this for every record)."""
    judged = _judge(data)
    if judged.kind == "null":
        return "null", "(null)"
    if judged.kind == "empty":
        return "empty", "(empty)"
    if judged.kind == "binary":
        return "binary", hex_preview(data or b"")
    if judged.kind == "json":
        return "json", _cap_summary(escape_text(judged.compact))
    return "text", _cap_summary(escape_text(judged.head))


def decode_bytes(data: bytes | None, *, limit: int = DEFAULT_LIMIT) -> Decoded:
    """Classify (`classify`) and render a record value, key, header or znode payload for display."""
    judged = _judge(data, limit, pretty=True)
    if data is None:
        return Decoded("null", "(null)", "(null: no value; a tombstone on a compacted topic)", 0)
    size = len(data)
    if size == 0:
        return Decoded("empty", "(empty)", "(empty: 0 bytes)", 0)
    truncated = size > limit
    if judged.kind == "json":
        # json.dumps escapes C0 controls inside strings, but not DEL, C1 or bidi characters.
        return Decoded("json", _cap_summary(escape_text(judged.compact)), escape_multiline(judged.pretty), size)
    if judged.kind == "text":
        shown = data[:limit]
        detail = _with_note(escape_multiline(_utf8_lenient(shown, truncated)), size, len(shown), truncated)
        return Decoded("text", _cap_summary(escape_text(judged.head)), detail, size, truncated)
    return Decoded("binary", hex_preview(data), hexdump(data, limit=limit), size, truncated)
