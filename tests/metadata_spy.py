"""Count the Metadata requests one kafka-python client sends, at the wire.

Why at the wire: the tail's consumer sends Metadata from several places (its refresh loop,
`partitions_for_topic`, the tail's own existence check), so counting calls of any one of
them would miss the others. Every request of every connection passes through
`KafkaConnection._send_request`; the spy wraps it (the request still goes out unchanged) and
keeps each Metadata request whose connection belongs to `client_id`. It counts; it never
times anything and never answers in Kafka's place.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kafka.net.connection import KafkaConnection


@dataclass(frozen=True)
class SentMetadata:
    """One Metadata request as it went out."""

    topics: tuple[str, ...] | None  # None: all topics
    allow_auto_topic_creation: bool


class MetadataSpy:
    """The Metadata requests sent so far; `count` and `since(n)` are safe on any thread."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self._lock = threading.Lock()
        self._sent: list[SentMetadata] = []

    def record(self, request: Any) -> None:
        topics = request.topics
        names = None if topics is None else tuple(t.name for t in topics)
        with self._lock:
            self._sent.append(SentMetadata(names, bool(request.allow_auto_topic_creation)))

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._sent)

    def since(self, start: int) -> list[SentMetadata]:
        with self._lock:
            return list(self._sent[start:])


@contextmanager
def spy_on_metadata(client_id: str) -> Iterator[MetadataSpy]:
    """Record every Metadata request of connections whose client id is `client_id`."""
    spy = MetadataSpy(client_id)
    original = KafkaConnection._send_request

    def send(self: KafkaConnection, request: Any, *args: Any, **kwargs: Any) -> Any:
        if type(request).__name__.startswith("MetadataRequest") and self.config.get("client_id") == client_id:
            spy.record(request)
        return original(self, request, *args, **kwargs)

    KafkaConnection._send_request = send  # type: ignore[method-assign]
    try:
        yield spy
    finally:
        KafkaConnection._send_request = original  # type: ignore[method-assign]
