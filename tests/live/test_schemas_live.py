"""Schema-registry decoding on the real registry (Apicurio, started by localcluster) and the real cluster.

The seeded topics (localcluster/seed_schemas.py) give Avro keys and values with a named reference,
Protobuf with two message types and an imported .proto, JSON Schema and an unknown schema id. Tests
that need other records (a corrupt payload behind a valid header, a record with no header) write
their own topic; the test that stops a registry while the tail reads starts its own registry
process and never touches the cluster's.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections.abc import Iterator
from functools import partial

import psutil
import pytest
from kafka import KafkaAdminClient, KafkaProducer

from kafkatui.config import SchemaRegistry, Settings, parse_bootstrap
from kafkatui.decode import summarize
from kafkatui.schemas.registry import client_for
from kafkatui.tail.buffer import matching, record_to_dict
from kafkatui.tail.reader import TailReader
from kafkatui.tail.record import TailRecord
from kafkatui.tail.start import parse_start
from kafkatui.textfilter import compile_filter
from localcluster import registry as lc_registry
from localcluster import seed_schemas
from localcluster.cluster import JVM_COMMON, _require, require_java
from tests.conftest import no_autocreate, read_env
from tests.conftest import wait_for as wait_for_shared

wait_for = partial(wait_for_shared, interval=0.05)
CLIENT_LIMITS = {"request_timeout_ms": 15000, "bootstrap_timeout_ms": 15000}


@pytest.fixture(scope="module")
def registry_url(cluster) -> str:
    url = read_env(cluster.state_dir / "env").get("KAFKATUI_SCHEMA_REGISTRY")
    assert url, "the local cluster's env file names no KAFKATUI_SCHEMA_REGISTRY"
    return url


def settings_for(cluster, url: str) -> Settings:
    return Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=4.0,
                    schema_registry=SchemaRegistry(url=url))


def tail(settings: Settings, topic: str, count: int) -> list[TailRecord]:
    """Every record of `topic` from the start (at least `count`), read by a real TailReader."""
    reader = TailReader(settings, topic, start=parse_start("earliest"))
    reader.start()
    got: list[TailRecord] = []

    def enough() -> bool:
        for batch in reader.drain():
            got.extend(batch.records)
        return len(got) >= count

    try:
        wait_for(f"{count} records of {topic}", enough, 60)
    finally:
        assert reader.close(timeout=10)
    return sorted(got, key=lambda r: (r.partition, r.offset))


@pytest.fixture(scope="module")
def admin(cluster) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-schema-test", **CLIENT_LIMITS)
    yield client
    client.close()


@pytest.fixture(scope="module")
def producer(cluster) -> Iterator[KafkaProducer]:
    prod = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-schema-test",
                                       acks="all", allow_auto_create_topics=False, **CLIENT_LIMITS))
    yield prod
    prod.close(timeout=5)


@pytest.fixture
def own_topic(admin: KafkaAdminClient, unique_name: str) -> Iterator[str]:
    admin.create_topics({unique_name: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True)
    yield unique_name
    try:
        admin.delete_topics([unique_name])
    except Exception as exc:  # cleanup must not hide the test's own failure
        print(f"could not delete {unique_name}: {exc}")


# --------------------------------------------------------------------------- the local cluster's registry


def test_local_cluster_registry_listens_on_loopback_only(cluster, registry_url) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/apis/ccompat/v7", registry_url), registry_url
    status = {p["name"]: p for p in json.loads(cluster.tool("status", "--json").stdout)}
    assert status[lc_registry.NAME]["state"] == "alive"
    pid = status[lc_registry.NAME]["pid"]
    listening = [c.laddr for c in psutil.Process(pid).net_connections(kind="inet") if c.status == "LISTEN"]
    port = int(registry_url.split(":")[2].split("/")[0])
    assert port in {addr.port for addr in listening}
    assert {addr.ip for addr in listening} <= {"127.0.0.1", "::ffff:127.0.0.1"}, listening


# --------------------------------------------------------------------------- the seeded formats


def test_avro_keys_and_values_with_a_named_reference(cluster, registry_url) -> None:
    records = tail(settings_for(cluster, registry_url), seed_schemas.AVRO_TOPIC,
                      seed_schemas.COUNTS[seed_schemas.AVRO_TOPIC])
    for r in records:
        assert r.key_schema is not None and r.key_schema.ok, r.key_schema
        assert r.value_schema is not None and r.value_schema.ok, r.value_schema
        assert r.key_schema.format == r.value_schema.format == "AVRO"
        assert "shop-avro-key v1" in r.key_schema.subjects
        assert "shop-avro-value v1" in r.value_schema.subjects
        value = json.loads(r.value_schema.json)
        assert value["ship_to"]["city"] == "Lisbon"  # demo.Address comes from the reference
        assert json.loads(r.key_schema.json)["customer"] == value["customer"]
        assert r.value_text.startswith('{"id":') and r.key_text.startswith('{"customer":')
    assert {json.loads(r.value_schema.json)["id"] for r in records} >= set(range(40))

    # `/` works on the decoded text; the JSONL line keeps the decoded value and the raw bytes
    assert len(matching(compile_filter("Harbour Lane"), records)) == len(records)
    line = json.loads(json.dumps(record_to_dict(records[0], seed_schemas.AVRO_TOPIC)))
    assert line["value_encoding"] == "base64"
    assert base64.b64decode(line["value"]) == records[0].value
    assert line["value_schema"]["decoded"] == json.loads(records[0].value_schema.json)
    assert line["key_schema"]["subjects"] == ["shop-avro-key v1"]


def test_protobuf_two_message_types_and_an_imported_proto(cluster, registry_url) -> None:
    records = tail(settings_for(cluster, registry_url), seed_schemas.PROTO_TOPIC,
                      seed_schemas.COUNTS[seed_schemas.PROTO_TOPIC])
    assert all(r.value_schema is not None and r.value_schema.ok for r in records), [
        r.value_schema for r in records if not (r.value_schema and r.value_schema.ok)]
    by_type: dict[str, list[dict]] = {}
    for r in records:
        assert r.key_schema is None  # plain-text keys: no header, shown as today
        assert r.key_text.startswith("o-")
        by_type.setdefault(r.value_schema.message, []).append(json.loads(r.value_schema.json))
    assert set(by_type) == {"demo.shop.Order", "demo.shop.Refund"}
    order = by_type["demo.shop.Order"][0]
    assert order["total"]["currency"] == "EUR"  # demo.common.Money, from the imported file
    assert order["placed"].startswith("2026-01-01T")  # google.protobuf.Timestamp as RFC 3339
    assert order["labels"] == {"channel": "web"}
    assert all("reason" in r or "code" in r for r in by_type["demo.shop.Refund"])  # the oneof


def test_json_schema_and_an_unknown_schema_id_fall_back_alone(cluster, registry_url) -> None:
    total = seed_schemas.COUNTS[seed_schemas.JSON_TOPIC] + 1
    records = tail(settings_for(cluster, registry_url), seed_schemas.JSON_TOPIC, total)
    unknown = [r for r in records if r.key == seed_schemas.UNKNOWN_KEY]
    known = [r for r in records if r.key != seed_schemas.UNKNOWN_KEY]
    assert len(unknown) == 1 and len(known) == total - 1
    assert all(r.value_schema.ok and r.value_schema.format == "JSON" for r in known)
    assert json.loads(known[0].value_schema.json)["carrier"] == "DHL"
    bad = unknown[0]
    assert bad.value_schema.error == f"schema {seed_schemas.UNKNOWN_ID} not found"
    assert not bad.value_schema.unavailable
    assert bad.value_text.startswith(f"⚠ schema {seed_schemas.UNKNOWN_ID} not found · 00 00 0f 12 06")


# --------------------------------------------------------------------------- records that do not decode


def test_corrupt_payload_and_record_without_header(cluster, registry_url, producer, own_topic) -> None:
    named: dict = {}
    import fastavro

    fastavro.parse_schema(seed_schemas.AVRO_ADDRESS, named_schemas=named)
    ids = seed_schemas.register_all(registry_url)  # idempotent: the seeded ids
    good = seed_schemas.frame(ids["avro_key"], seed_schemas.avro_bytes(
        seed_schemas.AVRO_KEY, named, {"customer": "ok", "region": 1}))
    cut = good[:-1]  # the int field is missing its byte: decoding runs off the end
    extra = good + b"\x02\x04"  # two bytes the schema has no room for
    proto_bad_index = seed_schemas.frame(ids["proto"], b"\x00", seed_schemas.message_indexes([9]))
    sent = [good, cut, b"plain text, no header", extra, b"\x00\x00", proto_bad_index, good]
    for value in sent:
        producer.send(own_topic, value=value)
    producer.flush(timeout=15)
    records = tail(settings_for(cluster, registry_url), own_topic, len(sent))
    assert [r.value for r in records] == sent
    first, corrupt, plain, trailing, short, bad_index, last = records
    assert first.value_schema.ok and last.value_schema.ok  # the neighbours are unaffected
    assert corrupt.value_schema.error == f"Avro decode failed at byte {len(cut)}: EOFError"
    assert corrupt.value_text.startswith(f"⚠ Avro decode failed at byte {len(cut)}")
    assert trailing.value_schema.error == f"Avro decode failed at byte {len(good)}: 2 bytes left over"
    assert plain.value_schema is None and plain.value_text == "plain text, no header"
    assert short.value_schema is None  # under 5 bytes: not framed
    assert bad_index.value_schema.error == "Protobuf message index [9] names no message type"


# --------------------------------------------------------------------------- a registry that goes away


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_registry_stopped_while_tailing(cluster, producer, own_topic, tmp_path) -> None:
    own = lc_registry.RegistryProcess(_free_port(), tmp_path / "registry")
    own.start([require_java(), *JVM_COMMON], _require("mvn", "install Maven"))
    try:
        first = seed_schemas.register(own.url, "first-value", json.dumps(seed_schemas.AVRO_KEY), "AVRO")
        second = seed_schemas.register(own.url, "second-value", json.dumps(seed_schemas.AVRO_ADDRESS), "AVRO")
        settings = settings_for(cluster, own.url)
        reader = TailReader(settings, own_topic, start=parse_start("earliest"))
        reader.start()
        got: list[TailRecord] = []

        def drained(count: int) -> bool:
            for batch in reader.drain():
                got.extend(batch.records)
            return len(got) >= count

        named: dict = {}
        key_bytes = seed_schemas.avro_bytes(seed_schemas.AVRO_KEY, named, {"customer": "c", "region": 2})
        addr_bytes = seed_schemas.avro_bytes(seed_schemas.AVRO_ADDRESS, named, {"street": "s", "city": "x"})
        try:
            producer.send(own_topic, value=seed_schemas.frame(first, key_bytes))
            producer.flush(timeout=15)
            wait_for("the first record", lambda: drained(1), 60)
            assert got[0].value_schema.ok
            own.stop()
            client = client_for(settings.schema_registry)
            asked = client.requests
            later = [seed_schemas.frame(second, addr_bytes)] * 30 + [seed_schemas.frame(first, key_bytes)]
            for value in later:
                producer.send(own_topic, value=value)
            producer.flush(timeout=15)
            wait_for("the records sent after the stop", lambda: drained(1 + len(later)), 60)
            notes = [text for _, text in reader.status().notes]
        finally:
            assert reader.close(timeout=10)
    finally:
        own.stop()
    undecoded, still = got[1:-1], got[-1]
    assert still.value_schema.ok  # a schema already known decodes on (ids never change)
    for r in undecoded:
        assert r.value_schema.unavailable and r.value_schema.error.startswith("schema registry unreachable")
        assert r.value_text.endswith(" · " + summarize(r.value)[1])  # shown by today's rules, after the reason
    assert any("schema registry unreachable" in note for note in notes), notes
    # a registry that is down is not asked once per record
    assert client.requests - asked < len(undecoded), (client.requests, asked)
