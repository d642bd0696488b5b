"""SchemaDecoder: framed bytes -> SchemaValue, one record at a time, on the tail's reader thread.

A record that fails falls back alone: every failure becomes that record's `SchemaValue.error`
("schema 17 not found", "Avro decode failed at byte 12: EOFError") and the rest of the batch is
decoded as usual. A registry that cannot be asked gives `unavailable=True` values (the record is
shown by the ordinary rules) and one note for the tail's status line (`take_note`), at most
every NOTE_EVERY_S.

Compiled schemas are cached by id with the registry client, for the life of the process (ids never
change), so a tail opened again does not compile again; a schema that does not compile is
remembered as such too. Both keys and values go through `decode`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kafkatui.config import SchemaRegistry
from kafkatui.schemas.registry import RegistryClient, RegistryUnavailable, SchemaNotFound, client_for
from kafkatui.schemas.result import DecodeFailed, MissingDependency, SchemaValue
from kafkatui.schemas.wire import HEADER_SIZE, schema_id

NOTE_EVERY_S = 10.0


class _Compiled:
    """One schema id, ready: how to decode its payloads, or why it cannot be."""

    __slots__ = ("decode", "error", "format", "subjects")

    def __init__(self, fmt: str, subjects: tuple[str, ...], decode: Callable[[bytes], tuple[str | None, str]] | None,
                 error: str | None = None) -> None:
        self.format, self.subjects, self.decode, self.error = fmt, subjects, decode, error


def _json_decode(data: bytes) -> tuple[str | None, str]:
    try:
        value = json.loads(data[HEADER_SIZE:])
    except ValueError as exc:
        pos = getattr(exc, "pos", 0) or 0
        raise DecodeFailed(f"JSON decode failed at byte {HEADER_SIZE + pos}") from None
    except RecursionError:
        raise DecodeFailed("JSON decode failed: nested too deeply") from None
    return None, json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SchemaDecoder:
    """Decodes framed keys and values through one registry client (shared caches)."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self._compiled: dict[int, _Compiled] = client.prepared  # type: ignore[assignment]
        self._note: str | None = None
        self._last_note = 0.0

    @classmethod
    def for_config(cls, config: SchemaRegistry) -> SchemaDecoder | None:
        """A decoder when a registry is configured, else None (framed bytes show as today)."""
        return cls(client_for(config)) if config.url else None

    def decode(self, data: bytes | None) -> SchemaValue | None:
        """None when `data` is not framed; else the decoded value or the reason it is not."""
        sid = schema_id(data)
        if sid is None:
            return None
        assert data is not None
        compiled = self._compiled.get(sid)
        if compiled is None:
            try:
                compiled = self._compile(sid)
            except SchemaNotFound as exc:
                return SchemaValue(sid, error=str(exc))
            except RegistryUnavailable as exc:
                self._unavailable(str(exc))
                return SchemaValue(sid, error=str(exc), unavailable=True)
            self._compiled[sid] = compiled
        if compiled.decode is None:
            return SchemaValue(sid, compiled.format, error=compiled.error, subjects=compiled.subjects)
        try:
            message, text = compiled.decode(data)
        except DecodeFailed as exc:
            return SchemaValue(sid, compiled.format, error=str(exc), subjects=compiled.subjects)
        return SchemaValue(sid, compiled.format, json=text, subjects=compiled.subjects, message=message)

    def take_note(self) -> str | None:
        """A line for the tail's status (the registry is unreachable), at most every NOTE_EVERY_S."""
        note, self._note = self._note, None
        return note

    def _unavailable(self, reason: str) -> None:
        now = time.monotonic()
        if now - self._last_note >= NOTE_EVERY_S:
            self._last_note = now
            self._note = f"{reason}; records with schemas not yet known are shown undecoded"

    def _compile(self, sid: int) -> _Compiled:
        """Fetch and prepare schema `sid`. Registry errors propagate (not cached: they may pass)."""
        schema = self.client.schema(sid)
        fmt, subjects = schema.schema_type, schema.subjects
        try:
            if fmt == "AVRO":
                from kafkatui.schemas import avro

                decode_avro = avro.decoder(avro.compile_schema(self.client, schema))

                def decode(data: bytes) -> tuple[str | None, str]:
                    return None, decode_avro(data[HEADER_SIZE:], HEADER_SIZE)

                return _Compiled(fmt, subjects, decode)
            if fmt == "PROTOBUF":
                from kafkatui.schemas import protobuf

                compiled: Any = protobuf.compile_schema(self.client, schema)
                return _Compiled(fmt, subjects, lambda data: compiled.decode(data, HEADER_SIZE))
            if fmt == "JSON":
                return _Compiled(fmt, subjects, _json_decode)
            return _Compiled(fmt, subjects, None, f"schema {sid} has type {fmt}, which kafkatui cannot decode")
        except SchemaNotFound as exc:  # a reference is missing: the schema can never compile
            return _Compiled(fmt, subjects, None, f"schema {sid}: {exc}")
        except (DecodeFailed, MissingDependency) as exc:
            return _Compiled(fmt, subjects, None, str(exc))
