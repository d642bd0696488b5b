"""The lean decoders and the kept ListOffsets requests against the real cluster.

Every Metadata and ListOffsets version the brokers speak is asked for through a client's own
connection; the answer's bytes are decoded by kafka-python and by kafkatui/kafka/codec.py and
compared field by field. A long-lived KafkaSource re-encodes no ListOffsets request while the
partitions and leaders stay the same, and does once a topic is added (counted at kafka-python's
encoder, which every ListOffsets request goes through).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.protocol.consumer import ListOffsetsRequest, ListOffsetsResponse, OffsetSpec
from kafka.protocol.metadata import MetadataRequest, MetadataResponse

from kafkatui.config import Settings, parse_bootstrap
from kafkatui.kafka.clients import client_factory
from kafkatui.kafka.codec import LIST_OFFSETS_VERSIONS, METADATA_VERSIONS, decode_list_offsets, decode_metadata
from kafkatui.kafka.convert import leaders_from_metadata
from kafkatui.kafka.source import KafkaSource
from kafkatui.kafka.wire import offsets_request
from tests.codec_compare import (
    assert_metadata_equal,
    assert_offsets_equal,
    capture,
    reference_metadata,
    reference_offsets,
)
from tests.conftest import wait_for


@pytest.fixture(scope="module")
def admin(cluster) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-codec-test",
                              request_timeout_ms=15000, bootstrap_timeout_ms=15000, kafka_client=client_factory(10))
    yield client
    client.close()


def versions(admin: KafkaAdminClient, api_key: int, ours: tuple[int, int]) -> list[int]:
    """The versions both the brokers and kafkatui's decoder speak."""
    low, high = admin._manager.broker_version_data.api_versions[api_key]
    found = list(range(max(low, ours[0]), min(high, ours[1]) + 1))
    assert found, f"no common version for api {api_key}: broker {low}-{high}, kafkatui {ours}"
    return found


def all_topics(admin: KafkaAdminClient, version: int) -> Any:
    """kafka-python's decoding of a Metadata answer for every topic, and its bytes."""
    names: list[str] | None = None
    if version == 0:  # v0 has no "all topics" null: name them
        names = [t.name for t in reference_metadata(capture(
            admin._manager, lambda: MetadataRequest(topics=None, allow_auto_topic_creation=False),
            MetadataRequest, MetadataResponse, 1), 1).topics]
    topic_cls = MetadataRequest.MetadataRequestTopic

    def build() -> MetadataRequest:
        return MetadataRequest(topics=None if names is None else [topic_cls(name=n) for n in names],
                               allow_auto_topic_creation=False)

    return capture(admin._manager, build, MetadataRequest, MetadataResponse, version)


def test_lean_metadata_equals_kafka_python_at_every_version(admin: KafkaAdminClient) -> None:
    compared = {}
    for version in versions(admin, 3, METADATA_VERSIONS):
        body = all_topics(admin, version)
        compared[version] = assert_metadata_equal(reference_metadata(body, version),
                                                  decode_metadata(memoryview(body), 0, version))
    assert all(n >= 30 for n in compared.values()), compared  # the demo topics and __consumer_offsets


def test_lean_list_offsets_equal_kafka_python_at_every_version(admin: KafkaAdminClient) -> None:
    md = reference_metadata(all_topics(admin, 12), 12)
    leaders = leaders_from_metadata(md, [b.node_id for b in md.brokers])
    compared = 0
    for version in versions(admin, 2, LIST_OFFSETS_VERSIONS):
        for leader, keys in sorted(leaders.items()):
            for spec in (OffsetSpec.EARLIEST, OffsetSpec.LATEST):
                body = capture(admin._manager, lambda k=keys, s=spec: offsets_request(k, s), ListOffsetsRequest,
                               ListOffsetsResponse, version, node=leader)
                compared += assert_offsets_equal(reference_offsets(body, version),
                                                 decode_list_offsets(memoryview(body), 0, version))
    assert compared >= 30


@pytest.fixture
def encodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ListOffsets request kafka-python encodes, by version (the wire cannot be skipped)."""
    seen: list[int] = []
    original = ListOffsetsRequest.encode

    def encode(self: ListOffsetsRequest, *args: Any, **kwargs: Any) -> bytes:
        seen.append(kwargs.get("version") or self.API_VERSION)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ListOffsetsRequest, "encode", encode)
    return seen


def layout(snapshot: Any) -> tuple:
    """What the ListOffsets requests depend on: each partition and its leader."""
    return tuple((p.topic, p.partition, p.leader) for t in snapshot.topics for p in t.partitions)


def test_a_long_lived_source_encodes_offsets_requests_again_only_when_partitions_change(
        cluster, admin: KafkaAdminClient, encodes: list[int], unique_name: str) -> None:
    source = KafkaSource(Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=4.0))
    try:
        first = source.refresh()
        leaders = {p.leader for t in first.topics for p in t.partitions if p.leader >= 0}
        assert len(encodes) == 2 * len(leaders)  # earliest and latest, per leader

        def steady() -> bool | None:
            """Two refreshes in a row with the same partitions and leaders (other tests create
            topics on this cluster) encode nothing the second time."""
            before, mark = source.refresh(), len(encodes)
            after = source.refresh()
            return (len(encodes) == mark) if layout(before) == layout(after) else None

        assert wait_for("two refreshes over unchanged partitions", steady, timeout=60, interval=0.1)

        admin.create_topics({unique_name: {"num_partitions": 3, "replication_factor": 1}}, wait_for_metadata=True)
        try:
            def with_topic() -> Any:
                mark = len(encodes)
                snap = source.refresh()
                return (snap, len(encodes) - mark) if snap.topic(unique_name) is not None else None

            snap, encoded = wait_for("the new topic in a refresh", with_topic, timeout=60)
            new_leaders = {p.leader for p in snap.topic(unique_name).partitions}
            assert encoded >= 2 * len(new_leaders)  # the leaders of the new partitions, at least
            assert all(p.latest is not None for p in snap.topic(unique_name).partitions)
        finally:
            admin.delete_topics([unique_name])
    finally:
        source.close()
