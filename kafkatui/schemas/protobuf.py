"""Protobuf: compile the registry's .proto text (and its references) at run time, decode payloads.

Why compile: the registry hands out .proto source, not descriptors (`?format=serialized` returns
corrupted descriptors from Apicurio), so the bundled protoc of grpcio-tools turns the source and its
imports into a FileDescriptorSet. It runs in a child process (`python -m grpc_tools.protoc`): protoc
prints its errors on file descriptor 2, where Textual draws the screen, and a child's output can be
captured. It happens once per schema id (the decoder caches the result) and takes a fraction of a
second. Well-known imports (`google/protobuf/*.proto`) come from grpcio-tools' include dir.

Each schema id gets its own DescriptorPool, so two schemas that define the same names never clash.
protobuf and grpcio-tools are optional dependencies (the `schemas` extra).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from kafkatui.schemas.registry import RegisteredSchema, RegistryClient
from kafkatui.schemas.result import DecodeFailed, MissingDependency
from kafkatui.schemas.wire import message_indexes

PROTOC_TIMEOUT_S = 30.0
MAIN_NAME = "kafkatui_schema_{id}.proto"


def _modules() -> tuple[Any, Any, Any, Any]:
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
    except ImportError:
        raise MissingDependency("Protobuf needs protobuf: pip install 'kafkatui[schemas]'") from None
    return descriptor_pb2, descriptor_pool, json_format, message_factory


def _include_dir() -> Path:
    try:
        import grpc_tools
    except ImportError:
        raise MissingDependency("Protobuf needs grpcio-tools (its protoc): pip install 'kafkatui[schemas]'") from None
    return Path(grpc_tools.__file__).parent / "_proto"


def _safe_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not name.endswith(".proto"):
        raise DecodeFailed(f"Protobuf reference {name!r} is not a relative .proto path")
    return path


class Compiled:
    """One schema id compiled: its pool and the main file's descriptor proto (for index paths)."""

    def __init__(self, pool: Any, main: Any, factory: Any, json_format: Any) -> None:
        self.pool, self.main = pool, main
        self._factory, self._json_format = factory, json_format
        self._classes: dict[tuple[int, ...], tuple[str, Any]] = {}

    def message_class(self, indexes: list[int]) -> tuple[str, Any]:
        """(full name, class) of the message type at this index path; DecodeFailed if none."""
        key = tuple(indexes)
        found = self._classes.get(key)
        if found is not None:
            return found
        types, names = self.main.message_type, [self.main.package] if self.main.package else []
        for depth, index in enumerate(indexes):
            if index >= len(types):
                raise DecodeFailed(f"Protobuf message index {indexes} names no message type")
            names.append(types[index].name)
            if depth < len(indexes) - 1:
                types = types[index].nested_type
        full = ".".join(names)
        cls = self._factory.GetMessageClass(self.pool.FindMessageTypeByName(full))
        self._classes[key] = (full, cls)
        return full, cls

    def decode(self, data: bytes, pos: int) -> tuple[str, str]:
        """(message type, compact JSON) of the payload that starts at `pos` (message indexes first)."""
        try:
            indexes, start = message_indexes(data, pos)
        except ValueError as exc:
            raise DecodeFailed(f"Protobuf decode failed at byte {pos}: {exc}") from None
        full, cls = self.message_class(indexes)
        message = cls()
        try:
            message.ParseFromString(data[start:])
        except Exception as exc:  # DecodeError, and RuntimeError from upb on some corruptions
            raise DecodeFailed(f"Protobuf decode failed at byte {start} ({full}): {exc}") from None
        value = self._json_format.MessageToDict(message, preserving_proto_field_name=True)
        return full, json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def compile_schema(client: RegistryClient, schema: RegisteredSchema) -> Compiled:
    """Write the .proto and its references into a temp dir, run protoc, load the descriptors."""
    descriptor_pb2, descriptor_pool, json_format, message_factory = _modules()
    include = _include_dir()
    main_name = MAIN_NAME.format(id=schema.schema_id)
    with tempfile.TemporaryDirectory(prefix="kafkatui-proto-") as tmp:
        root = Path(tmp)
        (root / main_name).write_text(schema.text)
        seen: set[str] = set()

        def write_references(refs) -> None:
            for ref in refs:
                if ref.name in seen:
                    continue
                seen.add(ref.name)
                referenced = client.version(ref)
                target = root / _safe_path(ref.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(referenced.text)
                write_references(referenced.references)

        write_references(schema.references)
        out = root / "set.pb"
        cmd = [sys.executable, "-m", "grpc_tools.protoc", f"-I{root}", f"-I{include}", "--include_imports",
               f"--descriptor_set_out={out}", main_name]
        try:
            proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=PROTOC_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DecodeFailed(f"protoc did not run for schema {schema.schema_id}: {exc}") from None
        if proc.returncode != 0 or not out.is_file():
            first = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[0]
            raise DecodeFailed(f"Protobuf schema {schema.schema_id} does not compile: {first[:200]}")
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    main = None
    for file_proto in files.file:  # dependencies first (protoc orders them so)
        pool.Add(file_proto)
        if file_proto.name == main_name:
            main = file_proto
    if main is None:
        raise DecodeFailed(f"Protobuf schema {schema.schema_id}: protoc returned no descriptor for it")
    return Compiled(pool, main, message_factory, json_format)


def decoder(compiled: Compiled) -> Callable[[bytes, int], tuple[str, str]]:
    return compiled.decode
