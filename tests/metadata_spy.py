"""Count the Metadata requests one kafka-python client sends, at the wire (and, with
`count_requests`, every request by API key).

Why at the wire: the tail's consumer sends Metadata from several places (its refresh loop,
`partitions_for_topic`, the tail's own existence check), so counting calls of any one of
them would miss the others. Every request of every connection passes through
`KafkaConnection._send_request`; the spy wraps it (the request still goes out unchanged) and
keeps each Metadata request whose connection belongs to `client_id`. It counts; it never
times anything and never answers in Kafka's place.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
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
def _on_send(client_id: str, record: Callable[[Any, float | None], None]) -> Iterator[None]:
    """Call `record(request, timeout_at)` for every request a connection of `client_id` sends
    (unchanged); `timeout_at`: the time.monotonic() at which kafka-python will time it out, when
    the sender gave one."""
    original = KafkaConnection._send_request

    def send(self: KafkaConnection, request: Any, *args: Any, **kwargs: Any) -> Any:
        if self.config.get("client_id") == client_id:
            record(request, kwargs.get("timeout_at"))
        return original(self, request, *args, **kwargs)

    KafkaConnection._send_request = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        KafkaConnection._send_request = original  # type: ignore[method-assign]


@contextmanager
def spy_on_metadata(client_id: str) -> Iterator[MetadataSpy]:
    """Record every Metadata request of connections whose client id is `client_id`."""
    spy = MetadataSpy(client_id)

    def record(request: Any, _timeout_at: float | None) -> None:
        if type(request).__name__.startswith("MetadataRequest"):
            spy.record(request)

    with _on_send(client_id, record):
        yield spy


class RequestCounter:
    """How many requests of each API key went out so far (kafka-python's own requests and
    kafkatui's pre-encoded ones alike: both carry API_KEY), and the request timeout each went
    out with (seconds from sending to its timeout); safe on any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[int] = Counter()
        self._timeouts: list[tuple[int, float | None]] = []

    def record(self, request: Any, timeout_at: float | None) -> None:
        left = None if timeout_at is None else timeout_at - time.monotonic()
        with self._lock:
            self._counts[int(request.API_KEY)] += 1
            self._timeouts.append((int(request.API_KEY), left))

    def counts(self) -> Counter[int]:
        with self._lock:
            return Counter(self._counts)

    def timeouts(self) -> list[tuple[int, float | None]]:
        """(API key, seconds its timeout was away when it was sent) of each request, in order."""
        with self._lock:
            return list(self._timeouts)


@contextmanager
def count_requests(client_id: str) -> Iterator[RequestCounter]:
    """Count every request, by API key, of connections whose client id is `client_id`."""
    counter = RequestCounter()
    with _on_send(client_id, counter.record):
        yield counter
