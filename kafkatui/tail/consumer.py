"""The tail's KafkaConsumer: read-only by construction, tuned for following a topic live.

`group_id=None` and auto-commit off (the reader uses `assign()` + `seek()`, never
`subscribe()`), so it never joins a group and never commits an offset. Its metadata requests
never auto-create a topic (`allow_auto_create_topics=False`, which kafka-python 3.0.12 ignores
on its own: `kafka_clients.client_factory` makes it hold), so tailing a missing topic cannot
create it, and a topic deleted while it is tailed stays deleted. The bootstrap servers are
probed first, so one hung broker cannot eat the connect budget (see `kafka_clients`).
`fetch_min_bytes` is 1, so a new record shows at once; `fetch_max_wait_ms` (1 s) is only how long
a broker holds a fetch that has nothing to return, so a longer one costs an idle tail less
(measured at ~2 records/s on the demo's `payments`: 500 ms -> 1 s, with the reader's longer
poll, took the tail from 4.2 % to 2.4 % of a core; see reader.POLL_TIMEOUT_MS).

CRCs: kafka-python checks each batch's CRC-32C when `check_crcs` is on. With the C `crc32c`
module (a dependency) that costs ~0.04 µs per KiB, 0.03% of the reader's work per batch
(measured: a 230 KiB batch of 1,000 records takes 9 µs to check, 28 ms to parse and convert);
the 20k msg/s benchmark shows no difference with it on or off. kafka-python's pure-Python
fallback costs ~135 µs per KiB, more than all the other work together: in the benchmark the
key press maximum went from 128 to 210 ms. So the check is on exactly when the C module is
installed. A batch that fails it is skipped with a note (see `tail_lenient`), not retried.

Compressed topics need the codec libraries kafka-python imports in `kafka.codec`: `lz4`,
`python-snappy` (on top of `cramjam`) and `zstandard`; gzip is in the standard library.
`missing_codecs()` names any that are not installed.

A topic deleted while it is tailed: `unassign()` stops the consumer from asking about it, and
`topic_exists()` asks the tail's own single-topic question, once per refresh interval, until
it is back (see `TailReader`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import time
from typing import Any

import kafka.errors as Errors
from kafka import KafkaConsumer, codec

from kafkatui.config import Settings
from kafkatui.kafka.clients import bootstrap_kwargs, client_factory
from kafkatui.kafka.wire import Call, Fatal, metadata
from kafkatui.tail import lenient as tail_lenient

CLIENT_ID = "kafkatui-tail"
FETCH_MAX_WAIT_MS = 1000  # broker answers an idle fetch after this; new data answers at once (fetch_min_bytes 1)
POLL_RECORDS = 1000
CHECK_CRCS = importlib.util.find_spec("crc32c") is not None


def missing_codecs() -> list[str]:
    """Compression codecs this kafka-python cannot decode (their libraries are missing)."""
    checks = {"snappy": codec.has_snappy, "lz4": codec.has_lz4, "zstd": codec.has_zstd}
    return [name for name, available in checks.items() if not available()]


def connect(settings: Settings) -> KafkaConsumer:
    """A new consumer; bootstrapping blocks up to connect_timeout_s (call it off the UI thread)."""
    timeout_ms = int(settings.connect_timeout_s * 1000)
    # kafka-python 3.0.12 starts its IO thread before it bootstraps and does not stop it
    # when bootstrapping fails: keep a handle on the half-built object to close it.
    consumer = KafkaConsumer.__new__(KafkaConsumer)
    try:
        consumer.__init__(  # type: ignore[misc]
            **bootstrap_kwargs(settings.bootstrap, settings.connect_timeout_s, settings.security),
            client_id=CLIENT_ID,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            allow_auto_create_topics=False,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            fetch_max_bytes=8 * 1024 * 1024,
            max_partition_fetch_bytes=1024 * 1024,
            max_poll_records=POLL_RECORDS,
            request_timeout_ms=max(2000, timeout_ms + FETCH_MAX_WAIT_MS),
            reconnect_backoff_max_ms=5000,
            metadata_max_age_ms=30_000,
            check_crcs=CHECK_CRCS,
            metrics_enabled=False,
            kafka_client=client_factory(settings.connect_timeout_s),
            **settings.security.client_kwargs(),
        )
    except Exception:
        client = getattr(consumer, "_client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        raise
    tail_lenient.install(consumer)
    return consumer


def partitions_for_topic(consumer: KafkaConsumer, topic: str, timeout_ms: int) -> set[int]:
    """The topic's partition ids ({} when it does not exist), waiting at most `timeout_ms`.

    `KafkaConsumer.partitions_for_topic` asks for all topics' metadata when the topic is not
    cached and waits for the answer with no timeout (a refresh that finds no usable broker
    never answers). This does the same, bounded: KafkaTimeoutError once `timeout_ms` passes."""
    cluster = consumer._cluster
    partitions = cluster.partitions_for_topic(topic)
    if partitions is not None:
        return partitions
    deadline = time.monotonic() + timeout_ms / 1000

    def wait(future: Any) -> None:
        left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        consumer._net.run(consumer._manager.wait_for, future, left_ms)

    if cluster.metadata_refresh_in_progress:  # let it finish: it may not ask for every topic
        wait(cluster.request_update())
    stash = cluster.need_all_topic_metadata
    cluster.need_all_topic_metadata = True  # ALL_TOPICS: a request that can never create one
    try:
        wait(cluster.request_update())
    finally:
        cluster.need_all_topic_metadata = stash
    return cluster.partitions_for_topic(topic) or set()


def unassign(consumer: KafkaConsumer) -> None:
    """Follow nothing: no fetches, and no metadata request names the old topic any more.

    Why more than `assign([])`: kafka-python 3.0.12's `unsubscribe()` calls
    `ClusterMetadata.set_topics([])`, which returns early when the new set adds no topic, so
    the old topic stays tracked. A tracked topic that the brokers call unknown is a retriable
    metadata error, so the client's refresh loop asks again every `retry_backoff_ms` (100 ms)
    for as long as the consumer lives: the ~10 metadata requests a second of a tail whose
    topic was deleted (issue 12). Clearing the tracked set ends that loop at its root."""
    consumer.assign([])
    cluster = consumer._cluster
    with cluster._lock:
        cluster._topics = set()


def topic_exists(consumer: KafkaConsumer, topic: str, timeout_s: float) -> bool:
    """Whether `topic` exists: one Metadata request that names only it and can never create it.

    Sent with the consumer's own client (`kafka_wire.metadata`: allow_auto_topic_creation=False,
    another broker asked only when one fails). The answer becomes the consumer's metadata, as
    its own refresh would: its periodic refresh is not due again for `metadata_max_age_ms`, and
    a topic that is back has its partitions cached for the next `assign()`.
    Raises a KafkaError when no broker answers or the answer is another error (not authorized)."""
    manager = consumer._manager

    async def ask() -> Any:
        response = await metadata(Call(manager, timeout_s), [topic])
        manager.cluster.update_metadata(response)
        return response

    try:
        response = consumer._net.run(ask)
    except Fatal as exc:
        raise Errors.KafkaTimeoutError(str(exc)) from None
    for found in response.topics:
        if found.name != topic:
            continue
        error = Errors.for_code(found.error_code)
        if error is Errors.NoError:
            return True
        if error is Errors.UnknownTopicOrPartitionError:
            return False
        raise error(f"topic {topic!r}")
    return False
