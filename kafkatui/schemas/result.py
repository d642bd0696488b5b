"""SchemaValue: what decoding one framed key or value gave, as the tail keeps it.

Kept apart from `decoder` so `tail/record.py` can hold one without importing the decoders (or their
optional dependencies)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class MissingDependency(Exception):
    """A format's library is not installed; `str()` says which and how to get it."""


class DecodeFailed(Exception):
    """The schema or the payload cannot be used; `str()` says why (and where, for a payload)."""


FORMAT_NAMES = {"AVRO": "Avro", "PROTOBUF": "Protobuf", "JSON": "JSON Schema"}


@dataclass(frozen=True, slots=True)
class SchemaValue:
    """One framed key or value: decoded (`json` set) or not (`error` says why, in words).

    `json` is compact JSON text, not yet terminal-safe (callers escape it). `subjects` are
    "subject v3" strings for the schema id; `message` is the Protobuf message type.
    `unavailable` marks a registry that could not be asked (the record is shown by the
    ordinary rules, and the tail says why)."""

    schema_id: int
    format: str | None = None  # AVRO | PROTOBUF | JSON; None when the schema is unknown
    json: str | None = None
    error: str | None = None
    subjects: tuple[str, ...] = ()
    message: str | None = None
    unavailable: bool = False

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES.get(self.format or "", "unknown format")

    @property
    def ok(self) -> bool:
        return self.json is not None

    @property
    def caption(self) -> str:
        """'Avro · schema 5 · orders-value v1' (not yet terminal-safe: subjects come from the registry)."""
        parts = [self.format_name, f"schema {self.schema_id}", *self.subjects]
        if self.message:
            parts.append(self.message)
        return " · ".join(parts)

    def pretty(self) -> str:
        """The decoded value as indented JSON (not yet terminal-safe); '' when not decoded."""
        return json.dumps(json.loads(self.json), ensure_ascii=False, indent=2) if self.json is not None else ""

    def export(self) -> dict[str, Any]:
        """For the JSONL save and the `y` copy: the schema, and the decoded value or the reason."""
        out: dict[str, Any] = {"format": self.format, "schema_id": self.schema_id, "subjects": list(self.subjects)}
        if self.message:
            out["message"] = self.message
        if self.json is not None:
            out["decoded"] = json.loads(self.json)
        else:
            out["error"] = self.error
        return out
