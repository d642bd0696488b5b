"""kafkatui localcluster demo data for the Schema Registry: Avro, Protobuf and JSON Schema topics.

Run by seed.py when `<state>/env` names KAFKATUI_SCHEMA_REGISTRY. Every schema is registered through
the registry's Confluent-compatible API (`POST /subjects/{subject}/versions`, idempotent: the same
schema gets the same id again), and every record is framed here in the Confluent wire format: byte 0,
the 4-byte big-endian schema id, Protobuf's message indexes, then the payload.

* `shop-avro`: Avro keys (`demo.CustomerKey`) and Avro values (`demo.Order`, which uses
  `demo.Address` from its own subject: a named reference).
* `shop-proto`: Protobuf values of two message types (`Order`, index [0], and `Refund`, index [1])
  from one file that imports `demo/common.proto` (a schema reference) and
  `google/protobuf/timestamp.proto`; plain-text keys.
* `shop-json`: JSON Schema values, and as its last record one framed record whose schema id the
  registry does not know (UNKNOWN_ID).

The Protobuf payloads are encoded by hand (`pb_*`, a few lines of the wire format) so that the seed
does not use the decoder it feeds. Needs fastavro (the `schemas` extra) for the Avro payloads.
"""

from __future__ import annotations

import io
import json
import logging
import struct
import urllib.error
import urllib.request

log = logging.getLogger("kafkatui.seed")

AVRO_TOPIC, PROTO_TOPIC, JSON_TOPIC = "shop-avro", "shop-proto", "shop-json"
TOPICS: dict[str, tuple[int, int, dict[str, str]]] = {AVRO_TOPIC: (2, 1, {}), PROTO_TOPIC: (2, 1, {}),
                                                      JSON_TOPIC: (1, 1, {})}
COUNTS = {AVRO_TOPIC: 40, PROTO_TOPIC: 40, JSON_TOPIC: 20}
UNKNOWN_ID = 987654  # no registry in this cluster hands out this id
UNKNOWN_KEY = b"unknown-schema-id"
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"

AVRO_ADDRESS = {"type": "record", "name": "Address", "namespace": "demo",
                "fields": [{"name": "street", "type": "string"}, {"name": "city", "type": "string"}]}
AVRO_KEY = {"type": "record", "name": "CustomerKey", "namespace": "demo",
            "fields": [{"name": "customer", "type": "string"}, {"name": "region", "type": "int"}]}
AVRO_ORDER = {
    "type": "record", "name": "Order", "namespace": "demo",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "customer", "type": "string"},
        {"name": "amount", "type": "double"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]}},
        {"name": "ship_to", "type": "demo.Address"},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}
PROTO_COMMON = """syntax = "proto3";
package demo.common;

message Money {
  string currency = 1;
  int64 units = 2;
  int32 cents = 3;
}
"""
PROTO_SHOP = """syntax = "proto3";
package demo.shop;

import "demo/common.proto";
import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  demo.common.Money total = 2;
  repeated string items = 3;
  Kind kind = 4;
  google.protobuf.Timestamp placed = 5;
  map<string, string> labels = 6;
  enum Kind {
    KIND_UNSPECIFIED = 0;
    ONLINE = 1;
    STORE = 2;
  }
}

message Refund {
  string order_id = 1;
  demo.common.Money amount = 2;
  oneof why {
    string reason = 3;
    int32 code = 4;
  }
}
"""
JSON_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Shipment", "type": "object",
    "properties": {"id": {"type": "integer"}, "carrier": {"type": "string"}, "weight_kg": {"type": "number"}},
    "required": ["id", "carrier"],
}


# --------------------------------------------------------------------------------------------------
# the registry (Confluent-compatible API)


def register(url: str, subject: str, schema: str, schema_type: str, references: list[dict] | None = None) -> int:
    """Register `schema` under `subject` (idempotent) and return its id."""
    body: dict = {"schema": schema, "schemaType": schema_type}
    if references:
        body["references"] = references
    req = urllib.request.Request(f"{url}/subjects/{urllib.request.quote(subject, safe='')}/versions",
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": CONTENT_TYPE})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(json.loads(resp.read())["id"])
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"kafkatui seed: the registry refused {subject}: {exc.read()[:300]!r}") from None


def register_all(url: str) -> dict[str, int]:
    """Every demo schema; returns ids by name (subjects follow the topic-name strategy)."""
    ids = {"address": register(url, "demo.Address", json.dumps(AVRO_ADDRESS), "AVRO")}
    ids["avro_key"] = register(url, f"{AVRO_TOPIC}-key", json.dumps(AVRO_KEY), "AVRO")
    ids["avro_value"] = register(url, f"{AVRO_TOPIC}-value", json.dumps(AVRO_ORDER), "AVRO",
                                 [{"name": "demo.Address", "subject": "demo.Address", "version": 1}])
    ids["common"] = register(url, "demo/common.proto", PROTO_COMMON, "PROTOBUF")
    ids["proto"] = register(url, f"{PROTO_TOPIC}-value", PROTO_SHOP, "PROTOBUF",
                            [{"name": "demo/common.proto", "subject": "demo/common.proto", "version": 1}])
    ids["json"] = register(url, f"{JSON_TOPIC}-value", json.dumps(JSON_SCHEMA), "JSON")
    return ids


# --------------------------------------------------------------------------------------------------
# the wire format


def frame(schema_id: int, payload: bytes, indexes: bytes = b"") -> bytes:
    """Confluent framing: magic 0, big-endian id, Protobuf message indexes (if any), payload."""
    return b"\x00" + struct.pack(">I", schema_id) + indexes + payload


def pb_varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_zigzag(n: int) -> bytes:
    return pb_varint((n << 1) ^ (n >> 63))


def message_indexes(path: list[int]) -> bytes:
    """[0] is the single byte 0x00; otherwise the count and each index, zig-zag varints."""
    if path == [0]:
        return b"\x00"
    return pb_zigzag(len(path)) + b"".join(pb_zigzag(i) for i in path)


def pb_field(number: int, value: int | str | bytes) -> bytes:
    if isinstance(value, int):
        return pb_varint(number << 3) + pb_varint(value)
    data = value.encode() if isinstance(value, str) else value
    return pb_varint(number << 3 | 2) + pb_varint(len(data)) + data


def pb_money(currency: str, units: int, cents: int) -> bytes:
    return pb_field(1, currency) + pb_field(2, units) + pb_field(3, cents)


def proto_order(seq: int) -> bytes:
    out = pb_field(1, f"o-{seq}") + pb_field(2, pb_money("EUR", 10 + seq, seq % 100))
    out += b"".join(pb_field(3, f"SKU-{seq + i:04d}") for i in range(1 + seq % 3))
    out += pb_field(4, 1 + seq % 2) + pb_field(5, pb_field(1, 1_767_225_600 + seq) + pb_field(2, 5000))
    return out + pb_field(6, pb_field(1, "channel") + pb_field(2, "web"))


def proto_refund(seq: int) -> bytes:
    reason = pb_field(3, "damaged") if seq % 4 == 1 else pb_field(4, 7)
    return pb_field(1, f"o-{seq - 1}") + pb_field(2, pb_money("EUR", 3, 50)) + reason


def avro_bytes(schema: dict, named: dict, datum: dict) -> bytes:
    import fastavro  # the `schemas` extra; seed.py only calls this when a registry is configured

    parsed = fastavro.parse_schema(schema, named_schemas=named)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed, datum)
    return buf.getvalue()


def records(ids: dict[str, int]) -> dict[str, list[tuple[bytes | None, bytes]]]:
    """(key, value) per topic, framed; deterministic, so a test can know what it reads."""
    import fastavro

    named: dict = {}
    fastavro.parse_schema(AVRO_ADDRESS, named_schemas=named)
    out: dict[str, list[tuple[bytes | None, bytes]]] = {}
    out[AVRO_TOPIC] = [
        (frame(ids["avro_key"], avro_bytes(AVRO_KEY, named, {"customer": f"cust-{i % 7:03d}", "region": i % 3})),
         frame(ids["avro_value"], avro_bytes(AVRO_ORDER, named, {
             "id": i, "customer": f"cust-{i % 7:03d}", "amount": 12.5 + i,
             "status": ["NEW", "PAID", "SHIPPED"][i % 3],
             "ship_to": {"street": f"{i} Harbour Lane", "city": "Lisbon"},
             "note": None if i % 2 else f"note {i}"})))
        for i in range(COUNTS[AVRO_TOPIC])
    ]
    out[PROTO_TOPIC] = [
        (f"o-{i}".encode(), frame(ids["proto"], proto_refund(i), message_indexes([1])) if i % 2
         else (f"o-{i}".encode(), frame(ids["proto"], proto_order(i), message_indexes([0])))[1])
        for i in range(COUNTS[PROTO_TOPIC])
    ]
    out[JSON_TOPIC] = [
        (f"s-{i}".encode(), frame(ids["json"], json.dumps({"id": i, "carrier": "DHL", "weight_kg": 1.5 + i}).encode()))
        for i in range(COUNTS[JSON_TOPIC])
    ]
    out[JSON_TOPIC].append((UNKNOWN_KEY, frame(UNKNOWN_ID, b'{"id": -1}')))
    return out
