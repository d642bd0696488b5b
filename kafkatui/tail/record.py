"""One Kafka record made safe to show: `TailRecord`, and `make_record` that builds it.

Why a module of its own: the reader thread converts every record it fetches (up to tens of
thousands a second) and the UI only ever renders the result, so this is the one place where
raw bytes become terminal-safe text. It imports neither Textual nor kafka-python.

* `make_record` caps the bytes it keeps (KEY_CAP, VALUE_CAP; the original sizes are kept)
  and precomputes one-line summaries with `decode.summarize`, so the UI thread never decodes
  while a flood is going by. Keys, values and header values all go through it: one rule
  (`decode.classify`) decides whether bytes show as text, JSON or hex, here and in the
  record detail.
* Header names are text in Kafka, but a producer can still write bytes that are not UTF-8.
  The reader hands those over decoded with `surrogateescape` (see
  `kafkatui.tail.lenient`), so nothing is lost: `header_name_text` shows such bytes
  as `\\xNN`, `header_name_bytes` gives the original bytes back (for the JSONL export).
  An empty name (legal in Kafka) shows as EMPTY_NAME, so it cannot pass for a blank.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from kafkatui.decode import Kind, escape_text, summarize, summary_text
from kafkatui.schemas.result import SchemaValue

KEY_CAP = 64 * 1024
"""Bytes of a key (and of each header value) kept per record; keys are small in practice."""

VALUE_CAP = 1024 * 1024
"""Bytes of a value kept per record; the record's original size is kept too."""


_RECORD_OVERHEAD = 200  # rough bytes per record object besides its payload, for the byte budget

TIMESTAMP_TYPES = {0: "CreateTime", 1: "LogAppendTime"}
EMPTY_NAME = "(empty)"
"""How a header name of zero bytes is shown (the detail view dims it)."""
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]+")  # bytes that were not UTF-8, after surrogateescape


def header_name_bytes(name: str) -> bytes:
    """The header name as the producer wrote it (surrogate-escaped bytes restored)."""
    return name.encode("utf-8", "surrogateescape")


def header_name_text(name: str) -> str:
    """A header name, terminal-safe; bytes that were not UTF-8 show as `\\xNN`, and an empty
    name as EMPTY_NAME."""
    if not name:
        return EMPTY_NAME
    if not _ESCAPED_BYTE.search(name):
        return escape_text(name)
    out, pos = [], 0
    for match in _ESCAPED_BYTE.finditer(name):
        out.append(escape_text(name[pos:match.start()]))
        out.append("".join(f"\\x{ord(ch) - 0xDC00:02x}" for ch in match.group()))
        pos = match.end()
    out.append(escape_text(name[pos:]))
    return "".join(out)


def header_text(name: str, value: bytes | None) -> str:
    """One header as `name=value`, both escaped (binary header values as hex)."""
    return f"{header_name_text(name)}={summarize(value)[1]}"



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
    key_schema: SchemaValue | None = None  # a framed key: decoded through the registry, or why not
    value_schema: SchemaValue | None = None

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
    key_schema: SchemaValue | None = None,
    value_schema: SchemaValue | None = None,
) -> TailRecord:
    """Build a TailRecord from raw record fields: cap the bytes, precompute the summaries.

    A key or value decoded through the schema registry (`*_schema`) shows as its compact JSON;
    one that could not be decoded shows by the ordinary rules, after the reason in words."""
    hdrs = tuple((str(k), None if v is None else bytes(v[:KEY_CAP])) for k, v in headers or ())
    key_kind, key_text = _summary(key, key_schema)
    value_kind, value_text = _summary(value, value_schema)
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
        key_schema=key_schema,
        value_schema=value_schema,
    )


def _summary(data: bytes | None, schema: SchemaValue | None) -> tuple[Kind, str]:
    """(kind, list text): the decoded JSON of a framed value, else `decode.summarize`'s, after
    the reason when decoding failed."""
    if schema is not None and schema.json is not None:
        return "json", summary_text(schema.json)
    kind, text = summarize(data)
    if schema is None:
        return kind, text
    return kind, summary_text(f"⚠ {schema.error} · ") + text
