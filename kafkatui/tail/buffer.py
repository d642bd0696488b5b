"""Pure logic of the live tail: the ring buffer, the `/` filter and the JSONL export.

Why a module of its own: everything here is plain Python that the reader thread and the UI
share, and that unit tests cover without a cluster or a terminal. It imports neither Textual
nor kafka-python.

* `RingBuffer` keeps the newest records, bounded by count *and* bytes, and counts what it
  evicted so the screen can say so.
* `matching` applies the `/` filter (`kafkatui.textfilter`) to records.
* `to_jsonl` writes records one JSON object a line (text when UTF-8, else base64), ASCII-only
  so the file itself is terminal-safe.

One record (`TailRecord`, `make_record`, `summarize`) lives in `kafkatui.tail.record`, start
positions and partition lists (`StartSpec`, `parse_start`, `parse_partitions`) in
`kafkatui.tail.start`.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kafkatui.config import state_dir
from kafkatui.tail.record import (
    TailRecord,
    header_name_bytes,
)
from kafkatui.textfilter import TextFilter

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
"""Byte budget of a RingBuffer: 5,000 records of 1 MiB each must not mean 5 GB of RAM."""

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


def matching(flt: TextFilter, records: Iterable[TailRecord]) -> list[TailRecord]:
    """The records the `/` filter lets through. A record is searched as what the operator can
    see: its escaped key, value summary and every header's `name=value`, one line each."""
    if not flt.active:
        return list(records)
    return [r for r in records if flt.matches(r.search_text)]


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


def _raw(data: bytes | None) -> tuple[str | None, str | None]:
    """A framed (schema registry) key or value: its raw bytes always in base64."""
    return (None, None) if data is None else (base64.b64encode(data).decode("ascii"), "base64")


def record_to_dict(record: TailRecord, topic: str) -> dict[str, Any]:
    """One record as a JSON-ready dict (the JSONL line and the `y` copy format).

    A key or value in the schema-registry wire format keeps its raw bytes in base64 and adds
    `key_schema` / `value_schema`: format, schema id, subjects, and the decoded value (or why not)."""
    key, key_enc = (_raw if record.key_schema else _field)(record.key)
    value, value_enc = (_raw if record.value_schema else _field)(record.value)
    headers = []
    for name, raw in record.headers:
        text, enc = _field(raw)
        header: dict[str, Any] = {"key": name, "value": text, "encoding": enc}
        name_text, name_enc = _field(header_name_bytes(name))
        if name_enc != "utf-8":  # a name that was not UTF-8 (rare): its bytes in base64, said so
            header.update(key=name_text, key_encoding=name_enc)
        headers.append(header)
    out = {
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
    if record.key_schema is not None:
        out["key_schema"] = record.key_schema.export()
    if record.value_schema is not None:
        out["value_schema"] = record.value_schema.export()
    return out


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


def save_path(topic: str) -> Path:
    """Where `w` saves a topic's buffer: <state dir>/tail/<topic, file-safe>-<local time>.jsonl."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", topic) or "topic"
    return state_dir() / "tail" / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
