"""Kafka requests sent as pre-encoded bytes, and lean decoders for the two answers whose size
grows with partitions: Metadata and ListOffsets.

Why (issue 14): at 50,000 partitions kafkatui's own CPU is most of a refresh, and about half of
it was kafka-python building and encoding the same ListOffsets requests at every refresh and
decoding every field of the Metadata answer into one object per broker, topic and partition.
Here:

* `Prepared` (made by kafka_wire, where every request is built) holds one request's body,
  encoded once per protocol version by kafka-python's own encoder, so the bytes are
  kafka-python's, and kept for as long as the caller keeps the `Prepared`.
  `Prepared.request()` makes the light object a connection sends, which adds the request
  header (correlation id) at each send. It goes through the same connection, futures and
  timeouts as any kafka-python request, on kafka-python's IO thread: the version is still
  negotiated per connection and a lost connection still fails the future.
* `decode_metadata` and `decode_list_offsets` read an answer straight off the frame with
  `struct`, keep only the fields kafkatui reads (see the `Lean*` tuples) and skip the rest,
  tagged fields included. Their tuples carry the attribute names of kafka-python's response
  objects, so the conversion code reads either.

Versions: decoders cover Metadata v0-13 and ListOffsets v1-11 (the versions kafka-python 3.0
can ask for); `Prepared` never lets a connection pick a version its decoder does not know.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, NamedTuple

from kafka.protocol.api_header import RequestHeader

METADATA_VERSIONS = (0, 13)
LIST_OFFSETS_VERSIONS = (1, 11)

_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_PARTITION = struct.Struct(">hii")  # error code, partition index, leader id
_PARTITION_EPOCH = struct.Struct(">hiii")  # ... and the leader epoch (v7+)
_INT32_ARRAYS: dict[int, struct.Struct] = {}
_new = tuple.__new__


# --------------------------------------------------------------------------- what is kept


class LeanBroker(NamedTuple):
    node_id: int
    host: str
    port: int
    rack: str | None


class LeanPartition(NamedTuple):
    error_code: int
    partition_index: int
    leader_id: int
    leader_epoch: int
    replica_nodes: tuple[int, ...]
    isr_nodes: tuple[int, ...]
    offline_replicas: tuple[int, ...]


class LeanTopic(NamedTuple):
    error_code: int
    name: str | None
    is_internal: bool
    partitions: list[LeanPartition]


class LeanMetadata(NamedTuple):
    """A Metadata answer without topic ids, authorized operations and tagged fields."""

    API_VERSION: int
    throttle_time_ms: int
    brokers: list[LeanBroker]
    cluster_id: str | None
    controller_id: int
    topics: list[LeanTopic]


class LeanOffset(NamedTuple):
    partition_index: int
    error_code: int
    offset: int


class LeanOffsetsTopic(NamedTuple):
    """One topic's answer as columns, one entry per partition: no object per partition (the
    conversion reads the columns; `partitions` makes kafka-python-like rows for anyone else)."""

    name: str
    indexes: tuple[int, ...]
    errors: tuple[int, ...]
    offsets: tuple[int, ...]

    @property
    def partitions(self) -> list[LeanOffset]:
        return [LeanOffset(*row) for row in zip(self.indexes, self.errors, self.offsets, strict=True)]


class LeanOffsets(NamedTuple):
    """A ListOffsets answer without timestamps, leader epochs and tagged fields."""

    API_VERSION: int
    throttle_time_ms: int
    topics: list[LeanOffsetsTopic]


# --------------------------------------------------------------------------- primitives


def _int32s(count: int) -> struct.Struct:
    s = _INT32_ARRAYS.get(count)
    if s is None:
        s = _INT32_ARRAYS[count] = struct.Struct(f">{count}i")
    return s


def _uvarint(data: Any, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _length(data: Any, pos: int, compact: bool) -> tuple[int, int]:
    """An array's or string's length; -1 for null (compact: unsigned varint N+1; else int32/int16)."""
    if compact:
        n = data[pos]
        if n < 0x80:
            return n - 1, pos + 1
        n, pos = _uvarint(data, pos)
        return n - 1, pos
    return _INT32.unpack_from(data, pos)[0], pos + 4


def _string(data: Any, pos: int, compact: bool) -> tuple[str | None, int]:
    if compact:
        n, pos = _length(data, pos, True)
    else:
        n = _INT16.unpack_from(data, pos)[0]
        pos += 2
    if n < 0:
        return None, pos
    return str(data[pos:pos + n], "utf-8"), pos + n


def _int32_array(data: Any, pos: int, compact: bool) -> tuple[tuple[int, ...], int]:
    n, pos = _length(data, pos, compact)
    if n <= 0:
        return (), pos
    return _int32s(n).unpack_from(data, pos), pos + 4 * n


def _skip_tags(data: Any, pos: int) -> int:
    """Skip a tagged-fields section: count, then (tag, size, bytes) each."""
    count = data[pos]
    if count == 0:
        return pos + 1
    count, pos = _uvarint(data, pos)
    for _ in range(count):
        _tag, pos = _uvarint(data, pos)
        size, pos = _uvarint(data, pos)
        pos += size
    return pos


# --------------------------------------------------------------------------- Metadata


def decode_metadata(data: Any, pos: int, version: int, kept: Kept | None = None) -> LeanMetadata:
    """The body of a Metadata response of `version` from `pos` (after the response header).
    `kept`: as in `decode_list_offsets`, a topic whose bytes are the last answer's is its object."""
    flexible = version >= 9
    throttle = 0
    if version >= 3:
        throttle = _INT32.unpack_from(data, pos)[0]
        pos += 4
    n, pos = _length(data, pos, flexible)
    brokers: list[LeanBroker] = []
    for _ in range(max(0, n)):
        node_id = _INT32.unpack_from(data, pos)[0]
        host, pos = _string(data, pos + 4, flexible)
        port = _INT32.unpack_from(data, pos)[0]
        pos += 4
        rack = None
        if version >= 1:
            rack, pos = _string(data, pos, flexible)
        if flexible:
            pos = _skip_tags(data, pos)
        brokers.append(_new(LeanBroker, (node_id, host, port, rack)))
    cluster_id = None
    if version >= 2:
        cluster_id, pos = _string(data, pos, flexible)
    controller_id = -1
    if version >= 1:
        controller_id = _INT32.unpack_from(data, pos)[0]
        pos += 4
    n, pos = _length(data, pos, flexible)
    def read_topic(data: Any, pos: int) -> tuple[LeanTopic, int]:
        topic_error = _INT16.unpack_from(data, pos)[0]
        name, pos = _string(data, pos + 2, flexible)
        if version >= 10:
            pos += 16  # topic id
        internal = False
        if version >= 1:
            internal = data[pos] != 0
            pos += 1
        partitions, pos = _metadata_partitions(data, pos, version, flexible)
        if version >= 8:
            pos += 4  # topic authorized operations
        if flexible:
            pos = _skip_tags(data, pos)
        return _new(LeanTopic, (topic_error, name, internal, partitions)), pos

    topics, pos = _read_topics(data, pos, n, version, kept, read_topic)
    # after the topics: cluster authorized operations (v8-10), error code (v13+), tags: unused
    return _new(LeanMetadata, (version, throttle, brokers, cluster_id, controller_id, topics))


def _metadata_partitions(data: Any, pos: int, version: int, flexible: bool) -> tuple[list[LeanPartition], int]:
    """One topic's partitions: all at once when they share one layout (_uniform_partitions),
    else row by row: one `struct` call for the fixed fields and one per replica list, the
    lengths read inline (a compact length under 127 is one byte)."""
    n, pos = _length(data, pos, flexible)
    if n > 0:
        uniform = _uniform_partitions(data, pos, n, version, flexible)
        if uniform is not None:
            return uniform
    head = _PARTITION_EPOCH if version >= 7 else _PARTITION
    head_size = head.size
    with_epoch = version >= 7
    offline_too = version >= 5
    partitions: list[LeanPartition] = []
    append = partitions.append
    arrays = _INT32_ARRAYS
    empty: tuple[int, ...] = ()
    for _ in range(max(0, n)):
        fixed = head.unpack_from(data, pos)
        pos += head_size
        lists = []
        for _list in range(3 if offline_too else 2):
            if flexible:
                count = data[pos] - 1
                if count < 0x7F:
                    pos += 1
                else:
                    count, pos = _length(data, pos, True)
            else:
                count = _INT32.unpack_from(data, pos)[0]
                pos += 4
            if count > 0:
                unpack = arrays.get(count) or _int32s(count)
                lists.append(unpack.unpack_from(data, pos))
                pos += 4 * count
            else:
                lists.append(empty)
        if flexible:
            if data[pos] == 0:
                pos += 1
            else:
                pos = _skip_tags(data, pos)
        append(_new(LeanPartition, (fixed[0], fixed[1], fixed[2], fixed[3] if with_epoch else -1, lists[0],
                                    lists[1], lists[2] if offline_too else empty)))
    return partitions, pos


_ROWS: dict[tuple[str, int], struct.Struct] = {}
_ROWS_KEPT = 1024  # formats kept (one per row layout and row count); a cluster has few of either


def _rows(row: str, count: int) -> struct.Struct:
    """`count` rows of `row` (struct codes) as one compiled format, kept for the next refresh."""
    rows = _ROWS.get((row, count))
    if rows is None:
        if len(_ROWS) >= _ROWS_KEPT:
            _ROWS.clear()
        rows = _ROWS[(row, count)] = struct.Struct(">" + row * count)
    return rows


def _uniform_partitions(data: Any, pos: int, n: int, version: int,
                        flexible: bool) -> tuple[list[LeanPartition], int] | None:
    """A topic's `n` partitions read with one `struct` call, if they share the first one's
    layout (as many replicas, in-sync and offline replicas, no tagged fields), which a healthy
    topic's do; None if they do not (checked on every row), and the caller reads row by row."""
    with_epoch, offline_too = version >= 7, version >= 5
    p = pos + (14 if with_epoch else 10)
    counts = []
    for _list in range(3 if offline_too else 2):
        if p >= len(data):
            return None
        count = (data[p] - 1) if flexible else _INT32.unpack_from(data, p)[0]
        if not 0 <= count < 0x7E:
            return None
        counts.append(count)
        p += (1 if flexible else 4) + 4 * count
    if flexible and (p >= len(data) or data[p] != 0):
        return None
    code = "B" if flexible else "i"
    row = ("hiii" if with_epoch else "hii") + "".join(code + "i" * c for c in counts) + ("B" if flexible else "")
    rows = _rows(row, n)
    if pos + rows.size > len(data):
        return None
    flat = rows.unpack_from(data, pos)
    width = len(row)
    starts = []  # where each list's count sits in a row
    at = 4 if with_epoch else 3
    for count in counts:
        starts.append(at)
        expected = count + 1 if flexible else count
        if flat[at::width].count(expected) != n:
            return None
        at += 1 + count
    if flexible and flat[width - 1::width].count(0) != n:
        return None
    replicas, isr = starts[0] + 1, starts[1] + 1
    replicas_end, isr_end = replicas + counts[0], isr + counts[1]
    offline = starts[2] + 1 if offline_too else 0
    offline_end = offline + counts[2] if offline_too else 0
    empty: tuple[int, ...] = ()
    partitions = [
        _new(LeanPartition, (flat[b], flat[b + 1], flat[b + 2], flat[b + 3] if with_epoch else -1,
                             flat[b + replicas:b + replicas_end], flat[b + isr:b + isr_end],
                             flat[b + offline:b + offline_end] if offline_end > offline else empty))
        for b in range(0, n * width, width)
    ]
    return partitions, pos + rows.size


# --------------------------------------------------------------------------- ListOffsets


Kept = dict[int, list[tuple[bytes, Any]]]  # by version: the last answer's topics, each with its bytes


def _read_topics(data: Any, pos: int, n: int, version: int, kept: Kept | None,
                 read: Callable[[Any, int], tuple[Any, int]]) -> tuple[list[Any], int]:
    """`n` topics from `pos`, each read by `read(data, pos) -> (topic, pos after it)`, unless its
    bytes are those of the topic at the same place in `kept`'s last answer of this version: then
    it is that object (`decode_list_offsets` says why). Refills `kept` with this answer's."""
    last = kept.get(version, []) if kept is not None else []
    now: list[tuple[bytes, Any]] = []
    topics: list[Any] = []
    for i in range(max(0, n)):
        if i < len(last):
            raw, topic = last[i]
            end = pos + len(raw)
            if bytes(data[pos:end]) == raw:
                topics.append(topic)
                now.append(last[i])
                pos = end
                continue
        start = pos
        topic, pos = read(data, pos)
        topics.append(topic)
        if kept is not None:
            now.append((bytes(data[start:pos]), topic))
    if kept is not None:
        kept.clear()
        kept[version] = now
    return topics, pos



def decode_list_offsets(data: Any, pos: int, version: int, kept: Kept | None = None) -> LeanOffsets:
    """The body of a ListOffsets response of `version` (1-11) from `pos`.

    `kept` (one per request, kept by its `Prepared`; refilled here): the last answer's topics,
    each with the bytes it was read from. A topic whose bytes are those of the topic at the same
    place in the last answer of the same version is that topic's object, not read again: its
    encoding delimits itself, so the same bytes read the same. Why (issue 14): the same requests are sent at every
    refresh, and at 30,000 partitions nearly every topic's offsets are as they were; reading
    60,000 topic entries per refresh was most of the IO thread's CPU. The same objects also let
    the conversion skip them (`kafka.convert.offsets_from_response`)."""
    if version < 1:
        raise ValueError("ListOffsets v0 is never asked for")
    flexible = version >= 6
    throttle = 0
    if version >= 2:
        throttle = _INT32.unpack_from(data, pos)[0]
        pos += 4
    row = "ihqqi" if version >= 4 else "ihqq"  # index, error, timestamp, offset[, leader epoch]
    n, pos = _length(data, pos, flexible)

    def read_topic(data: Any, pos: int) -> tuple[LeanOffsetsTopic, int]:
        name, pos = _string(data, pos, flexible)
        count, pos = _length(data, pos, flexible)
        columns, pos = _offset_rows(data, pos, max(0, count), row, flexible)
        if flexible:
            pos = _skip_tags(data, pos)
        return _new(LeanOffsetsTopic, (name or "", *columns)), pos

    topics, pos = _read_topics(data, pos, n, version, kept, read_topic)
    return _new(LeanOffsets, (version, throttle, topics))


def _offset_rows(data: Any, pos: int, count: int, row: str, flexible: bool) -> tuple[tuple[tuple[int, ...], ...], int]:
    """One topic's partitions as (indexes, errors, offsets). The rows have a fixed size unless
    one carries tagged fields, so all of them are read with one `struct` call and checked
    (every tag count 0); a topic where that does not hold is read row by row."""
    if flexible:
        row += "B"  # an empty tagged-fields section is one zero byte
    width = len(row)
    rows = _rows(row, count)
    if pos + rows.size <= len(data):
        flat = rows.unpack_from(data, pos)
        if not flexible or not any(flat[width - 1::width]):
            return (flat[0::width], flat[1::width], flat[3::width]), pos + rows.size
    one = struct.Struct(">" + (row[:-1] if flexible else row))
    fixed_rows = []
    for _ in range(count):
        fixed_rows.append(one.unpack_from(data, pos))
        pos += one.size
        if flexible:
            pos = _skip_tags(data, pos)
    return (tuple(r[0] for r in fixed_rows), tuple(r[1] for r in fixed_rows), tuple(r[3] for r in fixed_rows)), pos


# --------------------------------------------------------------------------- sending bytes


class Decoder:
    """What kafka-python's protocol parser asks of a response class: the response header,
    then the body. The parser hands a KafkaBytes buffer (a bytearray with a read position)."""

    def __init__(self, response_cls: Any, version: int, decode: Callable[[Any, int, int], Any]) -> None:
        self.response_cls = response_cls
        self.version = version
        self._decode = decode
        self.__name__ = f"Lean{response_cls.__name__}_v{version}"

    def parse_header(self, buffer: Any) -> Any:
        return self.response_cls.parse_header(buffer, version=self.version)

    def decode(self, buffer: Any) -> Any:
        """The parser turns ValueError and struct.error into KafkaProtocolError (the connection
        closes, the future fails); a truncated answer must raise one of them, not IndexError."""
        try:
            return self._decode(memoryview(buffer), buffer.tell(), self.version)
        except IndexError as exc:
            raise ValueError(f"{self.__name__}: answer ends early") from exc

    def __repr__(self) -> str:
        return self.__name__


class _Header:
    """The request header as kafka-python's parser keeps it for the response: its correlation
    id, and the class (here a `Decoder`) that decodes the answer."""

    __slots__ = ("api_key", "api_version", "correlation_id", "decoder")

    def __init__(self, api_key: int, api_version: int, correlation_id: int, decoder: Decoder) -> None:
        self.api_key = api_key
        self.api_version = api_version
        self.correlation_id = correlation_id
        self.decoder = decoder

    def get_response_class(self) -> Decoder:
        return self.decoder


class Prepared:
    """One request whose body is encoded once per version and then reused.

    `encode_body(version)` returns the body's bytes (no header, no frame); `decode(data, pos,
    version)` reads the answer. `request_cls` is the kafka-python request class the bytes
    follow: its API key, name, the versions it can encode and whether a version is flexible.
    """

    def __init__(
        self,
        request_cls: Any,
        response_cls: Any,
        encode_body: Callable[[int], bytes],
        decode: Callable[[Any, int, int], Any],
        versions: tuple[int, int],
    ) -> None:
        self.request_cls = request_cls
        self.response_cls = response_cls
        self.encode_body = encode_body
        self.decode = decode
        self.min_version = versions[0]
        self.max_version = min(versions[1], request_cls.max_version)
        self.bodies: dict[int, bytes] = {}
        self.encodes = 0  # bodies encoded: once per version the connections picked

    def body(self, version: int) -> bytes:
        data = self.bodies.get(version)
        if data is None:
            data = self.bodies[version] = self.encode_body(version)
            self.encodes += 1
        return data

    def request(self) -> Outgoing:
        """A new request to send once; every one of them shares the encoded bodies."""
        return Outgoing(self)


class Outgoing:
    """What a kafka-python 3 connection asks of a request (`KafkaConnection._send_request` and
    `KafkaProtocol.send_request`): API_KEY and the version bounds to negotiate API_VERSION,
    `with_header`, `encode(framed=True, header=True)`, `expect_response`, and `header`, whose
    `get_response_class()` decodes the answer."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.API_KEY = prepared.request_cls.API_KEY
        self.name = prepared.request_cls.name
        self.min_version = 0
        self.max_version = prepared.max_version
        self._min_version = prepared.min_version
        self._max_version = prepared.max_version
        self.API_VERSION: int | None = None
        self._header: _Header | None = None
        self._client_id = ""

    @property
    def header(self) -> _Header | None:
        return self._header

    def expect_response(self) -> bool:
        return True

    def with_header(self, correlation_id: int = 0, client_id: str = "kafka-python") -> None:
        if self.API_VERSION is None:
            raise ValueError("no version negotiated")
        prepared = self.prepared
        decoder = Decoder(prepared.response_cls, self.API_VERSION, prepared.decode)
        self._header = _Header(self.API_KEY, self.API_VERSION, correlation_id, decoder)
        self._client_id = client_id

    def encode(self, version: int | None = None, header: bool = False, framed: bool = False) -> bytes:
        if version is not None:
            self.API_VERSION = version
        if self.API_VERSION is None:
            raise ValueError("Version required to encode data")
        body = self.prepared.body(self.API_VERSION)
        parts = [body]
        if header:
            if self._header is None:
                raise ValueError("No header found")
            flexible = self.prepared.request_cls.flexible_version_q(self.API_VERSION)
            head = RequestHeader(
                request_api_key=self.API_KEY,
                request_api_version=self.API_VERSION,
                correlation_id=self._header.correlation_id,
                client_id=self._client_id,
            ).encode(flexible=flexible)
            parts.insert(0, head)
        if framed:
            parts.insert(0, _INT32.pack(sum(len(p) for p in parts)))
        return b"".join(parts)

    def __repr__(self) -> str:
        return f"Prepared{self.name}(version={self.API_VERSION}, {len(self.prepared.bodies)} encoded)"
