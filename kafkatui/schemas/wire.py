"""The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the payload.

Protobuf payloads start with message indexes: the path to the message type in the .proto file.
`[0]` (the first top-level message, the common case) is the single byte 0x00; otherwise a
zig-zag varint count followed by that many zig-zag varint indexes.
"""

from __future__ import annotations

HEADER_SIZE = 5


def schema_id(data: bytes | None) -> int | None:
    """The schema id of framed bytes (byte 0 first, at least 5 bytes long), else None."""
    if data is None or len(data) < HEADER_SIZE or data[0] != 0:
        return None
    return int.from_bytes(data[1:HEADER_SIZE], "big")


def _zigzag_varint(data: bytes, pos: int) -> tuple[int, int]:
    """(value, next position) of one zig-zag varint; ValueError when it runs past the end."""
    shift = result = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("message indexes run past the end of the record")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos


MAX_INDEXES = 64  # a nesting deeper than this is a corrupt record, not a schema


def message_indexes(data: bytes, pos: int) -> tuple[list[int], int]:
    """(indexes, payload position) of a Protobuf payload that starts at `pos`; ValueError if bad."""
    count, pos = _zigzag_varint(data, pos)
    if count == 0:
        return [0], pos
    if not 0 < count <= MAX_INDEXES:
        raise ValueError(f"bad message index count {count}")
    indexes = []
    for _ in range(count):
        index, pos = _zigzag_varint(data, pos)
        if index < 0:
            raise ValueError(f"negative message index {index}")
        indexes.append(index)
    return indexes, pos
