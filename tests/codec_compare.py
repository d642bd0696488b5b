"""Compare kafkatui's lean decoders (kafkatui/kafka/codec.py) with kafka-python's, field by field,
and capture real answers' bytes from a broker to compare them on.

Shared by the unit test (bytes captured once, kept in tests/unit/data) and the live test (bytes
captured now, at every version the broker speaks).
"""

from __future__ import annotations

from typing import Any

from kafka.protocol.consumer import ListOffsetsResponse
from kafka.protocol.metadata import MetadataResponse

from kafkatui.kafka.codec import Prepared
from kafkatui.kafka.wire import Call


def reference_metadata(body: bytes, version: int) -> Any:
    """kafka-python's own decoding of a Metadata response body."""
    return MetadataResponse.decode(body, version=version)


def reference_offsets(body: bytes, version: int) -> Any:
    """kafka-python's own decoding of a ListOffsets response body."""
    return ListOffsetsResponse.decode(body, version=version)


def assert_metadata_equal(reference: Any, lean: Any) -> int:
    """Every field the lean answer keeps equals kafka-python's; returns the partitions compared."""
    assert lean.throttle_time_ms == (reference.throttle_time_ms or 0)
    assert lean.cluster_id == reference.cluster_id
    assert lean.controller_id == reference.controller_id
    assert len(lean.brokers) == len(reference.brokers)
    for mine, theirs in zip(lean.brokers, reference.brokers, strict=True):
        assert (mine.node_id, mine.host, mine.port, mine.rack) == (theirs.node_id, theirs.host, theirs.port,
                                                                    theirs.rack)
    compared = 0
    assert len(lean.topics) == len(reference.topics)
    for mine, theirs in zip(lean.topics, reference.topics, strict=True):
        assert (mine.error_code, mine.name, mine.is_internal) == (theirs.error_code, theirs.name,
                                                                  bool(theirs.is_internal))
        assert len(mine.partitions) == len(theirs.partitions)
        for p, q in zip(mine.partitions, theirs.partitions, strict=True):
            assert (p.error_code, p.partition_index, p.leader_id, p.leader_epoch) == (
                q.error_code, q.partition_index, q.leader_id, q.leader_epoch), (mine.name, p, q)
            assert p.replica_nodes == tuple(q.replica_nodes)
            assert p.isr_nodes == tuple(q.isr_nodes)
            assert p.offline_replicas == tuple(q.offline_replicas or ())
            compared += 1
    return compared


def assert_offsets_equal(reference: Any, lean: Any) -> int:
    """Every field the lean ListOffsets answer keeps equals kafka-python's; returns the partitions."""
    assert lean.throttle_time_ms == (reference.throttle_time_ms or 0)
    compared = 0
    assert len(lean.topics) == len(reference.topics)
    for mine, theirs in zip(lean.topics, reference.topics, strict=True):
        assert mine.name == theirs.name
        assert [(p.partition_index, p.error_code, p.offset) for p in mine.partitions] == [
            (q.partition_index, q.error_code, q.offset) for q in theirs.partitions]
        compared += len(mine.partitions)
    return compared


def capture(manager: Any, build: Any, request_cls: Any, response_cls: Any, version: int,
            node: int | None = None, timeout_s: float = 10.0) -> bytes:
    """The body of the real answer to `build()` sent at `version` (as bytes, after the response
    header), through the client's own connection: a `Prepared` whose decoder keeps the bytes."""
    prepared = Prepared(request_cls, response_cls, lambda v: build().encode(version=v),
                        lambda data, pos, _v: bytes(data[pos:]), (0, request_cls.max_version))
    request = prepared.request()
    request.API_VERSION = version  # the connection keeps a version set before sending

    async def ask(call: Call) -> bytes:
        return await call.wait(call.send(request, node))

    return manager.run(ask, Call(manager, timeout_s))
