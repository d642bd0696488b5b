"""Pure logic of the live tail: records, the ring buffer, filtering, JSONL export, start positions.

Why a module of its own: everything here is plain Python that the reader thread and the UI
share, and that unit tests cover without a cluster or a terminal. It imports neither Textual
nor kafka-python.

* `TailRecord` is one Kafka record made safe to show: the raw bytes (capped, with the
  original sizes) plus one-line summaries that the reader thread computes with
  `summarize`, so the UI thread never decodes while a flood is going by.
* `RingBuffer` keeps the newest records, bounded by count *and* bytes, and counts what it
  evicted so the screen can say so.
* `RecordFilter` is the `/` filter: a case-insensitive regex (an invalid one falls back to a
  substring, `!` inverts) over the escaped key, value and header text.
* `to_jsonl` writes records one JSON object a line (text when UTF-8, else base64), ASCII-only
  so the file itself is terminal-safe.
* `parse_start` / `parse_partitions` turn what the operator types into a `StartSpec` or a
  partition list, with a one-line ValueError for anything else.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from kafkatui.decode import SUMMARY_MAX, escape_text, hex_preview

KEY_CAP = 64 * 1024
"""Bytes of a key (and of each header value) kept per record; keys are small in practice."""

VALUE_CAP = 1024 * 1024
"""Bytes of a value kept per record; the record's original size is kept too."""

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
"""Byte budget of a RingBuffer: 5,000 records of 1 MiB each must not mean 5 GB of RAM."""

_SUMMARY_HEAD = 4 * SUMMARY_MAX  # bytes decoded for a summary: always >= SUMMARY_MAX characters
_JSON_PARSE_LIMIT = 64 * 1024  # larger values are summarised as text (the detail pane has the rest)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_RECORD_OVERHEAD = 200  # rough bytes per record object besides its payload, for the byte budget

Kind = Literal["null", "empty", "json", "text", "binary"]
TIMESTAMP_TYPES = {0: "CreateTime", 1: "LogAppendTime"}


# --------------------------------------------------------------------------- records


def _cap_summary(s: str) -> str:
    return s if len(s) <= SUMMARY_MAX else s[: SUMMARY_MAX - 1] + "…"


def summarize(data: bytes | None) -> tuple[Kind, str]:
    """(kind, one-line terminal-safe summary) of a key/value, cheaply.

    The same classification and summary as `decode.decode_bytes`, without building the
    pretty JSON, full-text or hexdump detail, which only the detail pane needs. Runs on the
    reader thread for every record, so it looks at no more than a few KiB of text.
    """
    if data is None:
        return "null", "(null)"
    if not data:
        return "empty", "(empty)"
    head = data[:_SUMMARY_HEAD]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(data) <= _SUMMARY_HEAD or exc.start < len(head) - 3:
            return "binary", hex_preview(data)
        text = head[: exc.start].decode("utf-8")  # a character cut by the head, not bad UTF-8
    if len(_CONTROL.findall(text)) * 10 >= len(text):
        return "binary", hex_preview(data)
    if text.lstrip()[:1] in ("{", "[") and len(data) <= _JSON_PARSE_LIMIT:
        try:
            parsed = json.loads(data.decode("utf-8") if len(data) > len(head) else text)
            compact = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
            return "json", _cap_summary(escape_text(compact))
        except (ValueError, RecursionError):
            pass
    return "text", _cap_summary(escape_text(text))


def header_text(name: str, value: bytes | None) -> str:
    """One header as `name=value`, both escaped (binary header values as hex)."""
    return f"{escape_text(name)}={summarize(value)[1]}"


@dataclass(frozen=True, slots=True)
class TailRecord:
    """One record as the tail shows it; every `*_text` field is already terminal-safe.

    `value` holds at most VALUE_CAP bytes (`value_size` is the original length, -1 for a
    null value); `key` likewise with KEY_CAP. `size` is the serialized size of key, value
    and headers as the broker sent them. `seq` numbers records in the order the reader got
    them, so views can tell which ones a ring buffer already evicted.
    """

    seq: int
    partition: int
    offset: int
    timestamp: int  # epoch ms, -1 when unknown
    timestamp_type: int  # 0 CreateTime, 1 LogAppendTime, -1 unknown
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]
    size: int
    key_size: int
    value_size: int
    key_kind: Kind
    key_text: str
    value_kind: Kind
    value_text: str
    header_texts: tuple[str, ...]
    received_at: float  # wall clock when the reader converted it
    weight: int = 0  # approximate bytes held, for the ring buffer's byte budget (see make_record)

    @property
    def value_truncated(self) -> bool:
        return self.value is not None and self.value_size > len(self.value)

    @property
    def key_truncated(self) -> bool:
        return self.key is not None and self.key_size > len(self.key)

    @property
    def timestamp_type_name(self) -> str:
        return TIMESTAMP_TYPES.get(self.timestamp_type, "NoTimestamp")

    @property
    def timestamp_marker(self) -> str:
        """C(reateTime) or L(ogAppendTime), the one-letter column marker."""
        return {0: "C", 1: "L"}.get(self.timestamp_type, "?")

    @property
    def search_text(self) -> str:
        return "\n".join((self.key_text, self.value_text, *self.header_texts))


def make_record(
    seq: int,
    partition: int,
    offset: int,
    timestamp: int,
    timestamp_type: int,
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes | None]] | None,
    size: int | None = None,
    received_at: float | None = None,
) -> TailRecord:
    """Build a TailRecord from raw record fields: cap the bytes, precompute the summaries."""
    hdrs = tuple((str(k), None if v is None else bytes(v[:KEY_CAP])) for k, v in headers or ())
    key_kind, key_text = summarize(key)
    value_kind, value_text = summarize(value)
    header_bytes = sum(len(k) + len(v or b"") for k, v in hdrs)
    if size is None:
        size = len(key or b"") + len(value or b"") + header_bytes
    kept_key, kept_value = None if key is None else bytes(key[:KEY_CAP]), None if value is None else bytes(
        value[:VALUE_CAP])
    return TailRecord(
        seq=seq,
        partition=partition,
        offset=offset,
        timestamp=timestamp if timestamp is not None else -1,
        timestamp_type=timestamp_type if timestamp_type is not None else -1,
        key=kept_key,
        value=kept_value,
        headers=hdrs,
        size=size,
        key_size=-1 if key is None else len(key),
        value_size=-1 if value is None else len(value),
        key_kind=key_kind,
        key_text=key_text,
        value_kind=value_kind,
        value_text=value_text,
        header_texts=tuple(header_text(k, v) for k, v in hdrs),
        received_at=time.time() if received_at is None else received_at,
        weight=len(kept_key or b"") + len(kept_value or b"") + header_bytes + len(key_text) + len(value_text)
        + _RECORD_OVERHEAD,
    )


# --------------------------------------------------------------------------- ring buffer


class RingBuffer:
    """The newest records, at most `capacity` of them and about `max_bytes` of payload.

    `evicted` counts every record pushed out, so the screen can say how many it no longer has.
    """

    def __init__(self, capacity: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if capacity < 1:
            raise ValueError("ring buffer capacity must be at least 1")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.evicted = 0
        self.bytes = 0
        self._items: deque[TailRecord] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[TailRecord]:
        return iter(self._items)

    def __getitem__(self, index: int) -> TailRecord:
        return self._items[index]

    @property
    def oldest_seq(self) -> int | None:
        return self._items[0].seq if self._items else None

    def extend(self, records: Iterable[TailRecord]) -> int:
        """Append records (oldest first); returns how many were evicted by this call."""
        before = self.evicted
        items = self._items
        for record in records:
            items.append(record)
            self.bytes += record.weight
            while len(items) > self.capacity or (self.bytes > self.max_bytes and len(items) > 1):
                self.bytes -= items.popleft().weight
                self.evicted += 1
        return self.evicted - before

    def append(self, record: TailRecord) -> int:
        return self.extend((record,))

    def clear(self) -> None:
        """Drop everything (a new start position); not counted as evictions."""
        self._items.clear()
        self.bytes = 0

    def snapshot(self) -> list[TailRecord]:
        return list(self._items)


# --------------------------------------------------------------------------- filter


@dataclass(frozen=True)
class RecordFilter:
    """The `/` filter: regex (invalid -> substring), case-insensitive, `!` inverts; `^`/`$`
    anchor at each field (key, value, every header are lines of the searched text).

    Matches the escaped key, value summary (its first SUMMARY_MAX characters) and every
    header's `name=value` text, i.e. what the operator can see. A record also matches when it
    contains the pattern literally: the text is escaped, so typing `\\x1b]52` must find the
    escaped ESC even though, as a regex, `\\x1b` means a raw ESC that never appears.
    """

    pattern: str
    error: str | None = None
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _needle: str = field(default="", repr=False, compare=False)
    _invert: bool = field(default=False, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return bool(self._needle)

    def matches(self, record: TailRecord) -> bool:
        if not self.active:
            return True
        text = record.search_text
        hit = self._needle in text.lower() or (self._regex is not None and self._regex.search(text) is not None)
        return hit != self._invert

    def apply(self, records: Iterable[TailRecord]) -> list[TailRecord]:
        if not self.active:
            return list(records)
        return [r for r in records if self.matches(r)]


def compile_filter(pattern: str) -> RecordFilter:
    """Build a RecordFilter; an empty pattern (or a bare `!`) matches everything."""
    pattern = pattern.strip()
    invert = pattern.startswith("!")
    body = pattern[1:] if invert else pattern
    if not body:
        return RecordFilter(pattern)
    try:
        return RecordFilter(pattern, None, re.compile(body, re.IGNORECASE | re.MULTILINE), body.lower(), invert)
    except re.error as exc:
        error = f"invalid regex ({exc}); matching as plain text"
        return RecordFilter(pattern, error, None, body.lower(), invert)


# --------------------------------------------------------------------------- export


def _field(data: bytes | None) -> tuple[str | None, str | None]:
    """(text, encoding): UTF-8 text as is, anything else base64; None stays None."""
    if data is None:
        return None, None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def decode_field(text: str | None, encoding: str | None) -> bytes | None:
    """Inverse of the export encoding: the original bytes of a key, value or header."""
    if text is None:
        return None
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")


def record_to_dict(record: TailRecord, topic: str) -> dict[str, Any]:
    """One record as a JSON-ready dict (the JSONL line and the `y` copy format)."""
    key, key_enc = _field(record.key)
    value, value_enc = _field(record.value)
    headers = []
    for name, raw in record.headers:
        text, enc = _field(raw)
        headers.append({"key": name, "value": text, "encoding": enc})
    return {
        "topic": topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "timestamp_type": record.timestamp_type_name,
        "key": key,
        "key_encoding": key_enc,
        "value": value,
        "value_encoding": value_enc,
        "value_size": record.value_size,
        "value_truncated": record.value_truncated,
        "headers": headers,
        "size": record.size,
    }


def record_json(record: TailRecord, topic: str) -> str:
    """One record as ASCII-only JSON: control and bidi characters are \\u-escaped."""
    return json.dumps(record_to_dict(record, topic), ensure_ascii=True)


def to_jsonl(records: Iterable[TailRecord], path: Path, topic: str) -> Path:
    """Write one JSON object per record to `path` (parents created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="ascii") as fh:
        for record in records:
            fh.write(record_json(record, topic))
            fh.write("\n")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- start positions

StartKind = Literal["end", "earliest", "last", "offset", "time"]
START_HELP = "end, earliest, last:N, offset:N, time:<ISO-8601 | epoch-ms | -5m>"
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_MIN_EPOCH_MS = 10**11  # 1973 in ms; a smaller number is almost certainly epoch *seconds*


@dataclass(frozen=True)
class StartSpec:
    """Where a tail starts on every chosen partition.

    `n` is N for last:N / offset:N. For time, `at_ms` is an absolute epoch-ms instant, or
    `ago_ms` a span before the moment the tail seeks (so `time:-5m` stays "5 minutes ago"
    when re-applied later). `text` is what the operator typed, for display.
    """

    kind: StartKind = "end"
    n: int | None = None
    at_ms: int | None = None
    ago_ms: int | None = None
    text: str = "end"

    def time_ms(self, now_ms: int | None = None) -> int:
        """The instant a time spec means, as epoch ms (relative ones count back from now)."""
        if self.at_ms is not None:
            return self.at_ms
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return max(0, now - (self.ago_ms or 0))

    def __str__(self) -> str:
        return self.text


END = StartSpec()


def _parse_relative(body: str) -> int | None:
    spec = body[1:].replace(" ", "")
    if not spec:
        return None
    pos, total = 0, 0.0
    for match in _RELATIVE.finditer(spec):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_MS[match.group(2)]
        pos = match.end()
    return int(total) if pos == len(spec) else None


def _parse_time(body: str) -> StartSpec:
    text = f"time:{body}"
    if body.startswith("-"):
        ago = _parse_relative(body)
        if ago is None:
            raise ValueError(f"bad relative time {body!r}: use e.g. -30s, -5m, -1h, -2d or -1h30m")
        return StartSpec("time", ago_ms=ago, text=text)
    if body.isdigit():
        ms = int(body)
        if ms < _MIN_EPOCH_MS:
            raise ValueError(f"time {body} looks like epoch seconds; give epoch milliseconds ({body}000)")
        return StartSpec("time", at_ms=ms, text=text)
    try:
        moment = datetime.fromisoformat(body)
    except ValueError:
        raise ValueError(
            f"bad time {body!r}: use ISO-8601 (2024-05-29T16:26:40Z), epoch milliseconds or -5m"
        ) from None
    return StartSpec("time", at_ms=int(moment.timestamp() * 1000), text=text)  # naive = local time


def _count(kind: str, raw: str) -> int:
    raw = raw.strip().replace("_", "").replace(",", "")
    if not raw.isdigit():
        raise ValueError(f"{kind}:N needs a whole number >= 0, got {raw!r}")
    return int(raw)


def parse_start(text: str) -> StartSpec:
    """Parse a start position; raises ValueError with one line naming the accepted forms."""
    raw = (text or "").strip()
    word = raw.lower()
    if word in ("", "end", "latest", "now"):
        return END
    if word in ("earliest", "beginning", "start", "begin"):
        return StartSpec("earliest", text="earliest")
    kind, sep, body = raw.partition(":")
    kind = kind.strip().lower()
    if sep and kind == "last":
        n = _count("last", body)
        return StartSpec("last", n=n, text=f"last:{n}")
    if sep and kind == "offset":
        n = _count("offset", body)
        return StartSpec("offset", n=n, text=f"offset:{n}")
    if sep and kind == "time":
        if not body.strip():
            raise ValueError("time: needs a value, e.g. time:-5m or time:2024-05-29T16:26:40Z")
        return _parse_time(body.strip())
    raise ValueError(f"unknown start position {raw!r}: use {START_HELP}")


def parse_partitions(text: str, available: Sequence[int] | None = None) -> tuple[int, ...] | None:
    """"0,2,5", "0-3" or "all" -> sorted partition ids, or None meaning every partition."""
    raw = (text or "").strip().lower()
    if raw in ("", "all", "*"):
        return None
    chosen: set[int] = set()
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"bad partition {part!r}: give numbers like 0,2,5 or a range 0-3, or all")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ValueError(f"bad partition range {part!r}: {first} > {last}")
        chosen.update(range(first, last + 1))
    if not chosen:
        raise ValueError("no partition given: give numbers like 0,2,5 or a range 0-3, or all")
    if available is not None:
        missing = sorted(chosen - set(available))
        if missing:
            have = f"0-{max(available)}" if available else "none"
            raise ValueError(f"partition {missing[0]} does not exist (the topic has {have})")
    return tuple(sorted(chosen))
