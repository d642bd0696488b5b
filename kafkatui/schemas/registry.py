"""RegistryClient: read schemas from a Confluent-compatible Schema Registry, with caches.

Read-only: only GETs (`/schemas/ids/{id}`, `/schemas/ids/{id}/versions`,
`/subjects/{subject}/versions/{version}`). Runs on the tail's reader thread, so every call has a
short timeout and the caches keep a flood of records from turning into a flood of requests:

* a schema by id is cached forever (ids never change), as is a referenced subject version;
* an id the registry does not know (404) is remembered for NOT_FOUND_TTL_S, then asked again;
* a registry that cannot be reached is not asked again for DOWN_RETRY_S: until then, lookups of
  uncached ids fail at once with the last reason, so a record waits at most one timeout.

Basic auth and a CA bundle for https come from `config.SchemaRegistry`. Stdlib only (urllib).
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from kafkatui.config import SchemaRegistry

TIMEOUT_S = 3.0
NOT_FOUND_TTL_S = 30.0
DOWN_RETRY_S = 5.0
MAX_SCHEMA_BYTES = 4 * 1024 * 1024
ACCEPT = "application/vnd.schemaregistry.v1+json, application/json"


class SchemaNotFound(Exception):
    """The registry answered: it does not know this schema."""


class RegistryUnavailable(Exception):
    """The registry could not be asked (down, timed out, refused us); `str()` says why."""


@dataclass(frozen=True)
class Reference:
    name: str  # Avro: the referenced type's full name; Protobuf: the import path
    subject: str
    version: int


@dataclass(frozen=True)
class RegisteredSchema:
    schema_id: int | None
    schema_type: str  # AVRO | PROTOBUF | JSON
    text: str
    references: tuple[Reference, ...] = ()
    subjects: tuple[str, ...] = ()  # "subject v1"


class RegistryClient:
    """One registry; thread-safe (each tail reader thread may use it)."""

    def __init__(self, config: SchemaRegistry, timeout: float = TIMEOUT_S) -> None:
        if not config.url:
            raise ValueError("no schema registry URL")
        self.url = config.url.rstrip("/")
        self.timeout = timeout
        self._headers = {"Accept": ACCEPT, "User-Agent": "kafkatui"}
        if config.username is not None:
            token = base64.b64encode(f"{config.username}:{config.password or ''}".encode()).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        self._ssl = ssl.create_default_context(cafile=config.cafile) if config.cafile else None
        self._lock = threading.Lock()
        self._by_id: dict[int, RegisteredSchema] = {}
        self._by_version: dict[tuple[str, int], RegisteredSchema] = {}
        self._missing: dict[int, float] = {}  # id -> monotonic time until which it counts as missing
        self._down_until = 0.0
        self._down_reason = ""
        self.requests = 0  # HTTP requests sent (tests count them)
        # schema id -> what the decoder prepared from it (a parsed Avro schema, compiled Protobuf):
        # kept with the client so a tail opened again does not run protoc again; decoder.py owns it
        self.prepared: dict[int, object] = {}

    # ------------------------------------------------------------------ public

    def schema(self, schema_id: int) -> RegisteredSchema:
        """The schema with this id (and the subjects and versions that use it)."""
        with self._lock:
            cached = self._by_id.get(schema_id)
            if cached is not None:
                return cached
            until = self._missing.get(schema_id)
            if until is not None and time.monotonic() < until:
                raise SchemaNotFound(f"schema {schema_id} not found")
        try:
            data = self._get(f"/schemas/ids/{schema_id}")
        except SchemaNotFound:
            with self._lock:
                self._missing[schema_id] = time.monotonic() + NOT_FOUND_TTL_S
            raise SchemaNotFound(f"schema {schema_id} not found") from None
        try:
            versions = self._get(f"/schemas/ids/{schema_id}/versions")
            subjects = tuple(f"{v['subject']} v{v['version']}" for v in versions if isinstance(v, dict))
        except (SchemaNotFound, RegistryUnavailable, KeyError, TypeError):
            subjects = ()  # older registries lack this; the schema is still usable
        found = _parse(schema_id, data, subjects)
        with self._lock:
            self._by_id[schema_id] = found
            self._missing.pop(schema_id, None)
        return found

    def version(self, reference: Reference) -> RegisteredSchema:
        """A referenced schema: one subject's version (cached forever: versions never change)."""
        key = (reference.subject, reference.version)
        with self._lock:
            cached = self._by_version.get(key)
        if cached is not None:
            return cached
        subject = urllib.parse.quote(reference.subject, safe="")
        try:
            data = self._get(f"/subjects/{subject}/versions/{reference.version}")
        except SchemaNotFound:
            raise SchemaNotFound(f"reference {reference.subject} v{reference.version} not found") from None
        found = _parse(data.get("id") if isinstance(data, dict) else None, data,
                       (f"{reference.subject} v{reference.version}",))
        with self._lock:
            self._by_version[key] = found
        return found

    # ------------------------------------------------------------------ HTTP

    def _get(self, path: str) -> object:
        with self._lock:
            if time.monotonic() < self._down_until:
                raise RegistryUnavailable(self._down_reason)
            self.requests += 1
        request = urllib.request.Request(self.url + path, headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as resp:
                body = resp.read(MAX_SCHEMA_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise SchemaNotFound(path) from None
            raise self._down(f"schema registry answered HTTP {exc.code} {exc.reason}") from None
        except (OSError, ValueError) as exc:  # URLError, timeouts, TLS errors, a bad URL
            reason = getattr(exc, "reason", None) or exc
            raise self._down(f"schema registry unreachable: {reason}") from None
        if len(body) > MAX_SCHEMA_BYTES:
            raise self._down(f"schema registry answered more than {MAX_SCHEMA_BYTES:,} bytes for {path}")
        try:
            return json.loads(body)
        except ValueError:
            raise self._down(f"schema registry answered something that is not JSON for {path}") from None

    def _down(self, reason: str) -> RegistryUnavailable:
        with self._lock:
            self._down_until = time.monotonic() + DOWN_RETRY_S
            self._down_reason = reason
        return RegistryUnavailable(reason)


def _parse(schema_id: int | None, data: object, subjects: tuple[str, ...]) -> RegisteredSchema:
    if not isinstance(data, dict) or not isinstance(data.get("schema"), str):
        raise RegistryUnavailable(f"schema registry answered an unexpected document for schema {schema_id}")
    refs = []
    for ref in data.get("references") or ():
        try:
            refs.append(Reference(str(ref["name"]), str(ref["subject"]), int(ref["version"])))
        except (KeyError, TypeError, ValueError):
            raise RegistryUnavailable(f"schema {schema_id} has a malformed reference") from None
    return RegisteredSchema(schema_id if isinstance(schema_id, int) else None,
                            str(data.get("schemaType") or "AVRO").upper(), data["schema"], tuple(refs), subjects)


_clients: dict[SchemaRegistry, RegistryClient] = {}
_clients_lock = threading.Lock()


def client_for(config: SchemaRegistry) -> RegistryClient:
    """One client (and so one cache) per registry configuration for the whole process: a tail
    opened again on another topic does not ask for the same schemas again."""
    with _clients_lock:
        client = _clients.get(config)
        if client is None:
            client = _clients[config] = RegistryClient(config)
        return client
