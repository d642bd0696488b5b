"""A topic deleted while it is tailed (issue 12), with TailReader on the real local cluster.

The defect: the tail kept saying "running" ("following" on screen) while its consumer asked
the cluster about the deleted topic about 10 times a second, forever. kafka-python's
`unsubscribe()` never stops tracking a topic, and a tracked unknown topic is retried every
100 ms. Now the status says the topic is gone, the reader asks at most once per refresh
interval while it is gone, and follows the topic again by itself once it is re-created.

Metadata requests are counted at the wire (`tests.metadata_spy`), not timed; every one must
also forbid auto-creation, or the brokers (auto.create.topics.enable=true) would re-create it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from kafkatui.config import Settings, parse_bootstrap
from kafkatui.tail.consumer import CLIENT_ID
from kafkatui.tail.reader import TailReader
from kafkatui.tail.record import TailRecord
from kafkatui.tail.start import parse_start
from tests.conftest import no_autocreate
from tests.conftest import wait_for as wait_for_shared
from tests.metadata_spy import MetadataSpy, spy_on_metadata

pytestmark = pytest.mark.live

CLIENT_LIMITS = {"request_timeout_ms": 15000, "bootstrap_timeout_ms": 15000}
REFRESH_S = 1.0  # the smallest refresh interval kafkatui accepts: the most requests it may send
GONE_WINDOW_S = 6.0  # how long the test watches the tail while the topic is gone
ALLOWED_EXTRA = 2  # a check that was due as the window opened, and one more at its end
PARTITIONS = 2

wait_for = partial(wait_for_shared, interval=0.05)


@pytest.fixture(scope="module")
def admin(cluster) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-gone-test",
                              **CLIENT_LIMITS)
    yield client
    client.close()


@pytest.fixture
def producer(cluster) -> Iterator[KafkaProducer]:
    prod = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-gone-test",
                                       acks="all", linger_ms=0, allow_auto_create_topics=False, **CLIENT_LIMITS))
    yield prod
    prod.close(timeout=5)


@pytest.fixture
def spy() -> Iterator[MetadataSpy]:
    with spy_on_metadata(CLIENT_ID) as seen:
        yield seen


def create(admin: KafkaAdminClient, topic: str) -> None:
    admin.create_topics({topic: {"num_partitions": PARTITIONS, "replication_factor": 1}}, wait_for_metadata=True)


def exists(admin: KafkaAdminClient, topic: str) -> bool:
    return topic in set(admin.list_topics())


def produce(producer: KafkaProducer, topic: str, prefix: str, count: int) -> None:
    for i in range(count):
        producer.send(topic, key=f"{prefix}-{i}".encode(), value=f"{prefix} {i}".encode(), partition=i % PARTITIONS)
    producer.flush(timeout=15)


class Collector:
    def __init__(self, reader: TailReader) -> None:
        self.reader = reader
        self.records: list[TailRecord] = []

    def poll(self) -> list[TailRecord]:
        for batch in self.reader.drain():
            self.records.extend(batch.records)
        return self.records


def test_deleted_topic_is_reported_asked_once_per_refresh_and_followed_again(
        cluster, admin, producer, spy, unique_name) -> None:
    settings = Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=4.0, refresh_s=REFRESH_S)
    topic = unique_name
    create(admin, topic)
    reader = TailReader(settings, topic, start=parse_start("earliest"))
    try:
        produce(producer, topic, "before", 4)
        reader.start()
        got = Collector(reader)
        wait_for("the records written before the deletion", lambda: len(got.poll()) >= 4, 30)
        assert spy.count > 0, "the spy saw none of the tail's Metadata requests: it would count nothing"

        admin.delete_topics([topic])
        wait_for("the deletion", lambda: not exists(admin, topic), 30, interval=0.2)
        status = wait_for("the tail to say the topic is gone",
                          lambda: reader.status() if reader.status().state == "gone" else None, 15)
        assert "deleted" in (status.error or "") and topic in (status.error or "")
        assert any("deleted" in note for _, note in status.notes)

        # While it is gone: count what the tail asks the cluster, over a window the test measures.
        start, opened = spy.count, time.monotonic()
        deadline = opened + GONE_WINDOW_S
        while time.monotonic() < deadline:
            assert reader.status().state == "gone", reader.status()
            assert not exists(admin, topic), "the tail re-created the topic it was following"
            time.sleep(0.25)
        sent = spy.since(start)
        window = time.monotonic() - opened
        allowed = int(window / REFRESH_S) + ALLOWED_EXTRA
        assert 1 <= len(sent) <= allowed, f"{len(sent)} Metadata requests in {window:.1f} s (at most {allowed})"
        assert all(r.topics is not None for r in sent), sent  # never all topics of a big cluster

        # Created again: the tail follows the new topic by itself, from its first record.
        create(admin, topic)
        produce(producer, topic, "after", 4)
        wait_for("the records written after the topic was re-created",
                 lambda: sum(r.key.startswith(b"after-") for r in got.poll() if r.key) >= 4, 30)
        assert reader.status().state == "running"
        assert sorted(r.key for r in got.records if r.key and r.key.startswith(b"after-")) == [
            f"after-{i}".encode() for i in range(4)]
        assert any("created again" in note for _, note in reader.status().notes)
        assert not [r for r in spy.since(0) if r.allow_auto_topic_creation], "a Metadata request allowed auto-creation"
    finally:
        assert reader.close(timeout=10), "the reader thread did not stop"
        if exists(admin, topic):
            admin.delete_topics([topic])
