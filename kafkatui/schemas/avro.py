"""Avro: parse a registry schema (with its named references) and decode one payload with fastavro.

fastavro is an optional dependency (the `schemas` extra); without it `compile_schema` raises
MissingDependency, which the decoder turns into the record's reason.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

from kafkatui.schemas.registry import RegisteredSchema, RegistryClient
from kafkatui.schemas.result import DecodeFailed, MissingDependency


def _fastavro() -> Any:
    try:
        import fastavro
    except ImportError:
        raise MissingDependency("Avro needs fastavro: pip install 'kafkatui[schemas]'") from None
    return fastavro


def compile_schema(client: RegistryClient, schema: RegisteredSchema) -> Any:
    """The parsed schema, its named references (and theirs) parsed first so their names resolve."""
    fastavro = _fastavro()
    named: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()

    def add_references(refs) -> None:
        for ref in refs:
            if (ref.subject, ref.version) in seen:
                continue
            seen.add((ref.subject, ref.version))
            referenced = client.version(ref)
            add_references(referenced.references)
            fastavro.parse_schema(json.loads(referenced.text), named_schemas=named)

    add_references(schema.references)
    try:
        return fastavro.parse_schema(json.loads(schema.text), named_schemas=named)
    except Exception as exc:  # fastavro raises several types for a schema it cannot use
        raise DecodeFailed(f"Avro schema {schema.schema_id} does not parse: {exc}") from None


def decoder(parsed: Any) -> Callable[[bytes, int], str]:
    """A function (payload, offset of the payload in the record) -> compact JSON text."""
    reader = _fastavro().schemaless_reader

    def decode(payload: bytes, offset: int) -> str:
        buf = io.BytesIO(payload)
        try:
            value = reader(buf, parsed)
        except Exception as exc:  # EOFError, ValueError, IndexError, UnicodeDecodeError ...
            raise DecodeFailed(f"Avro decode failed at byte {offset + buf.tell()}: {type(exc).__name__}") from None
        if buf.tell() != len(payload):
            left = len(payload) - buf.tell()
            raise DecodeFailed(f"Avro decode failed at byte {offset + buf.tell()}: {left} bytes left over")
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)

    return decode


def _json_default(value: Any) -> Any:
    """Avro values JSON has no type for (bytes, logical types)."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return repr(value)
