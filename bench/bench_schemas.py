"""Schema decoding on the tail's reader thread: Avro and Protobuf records through a 20,000 msg/s flood.

The tail flood benchmark (bench_tail.py) feeds JSON text; this one feeds records in the Confluent
wire format, registered in the local cluster's Schema Registry (localcluster/seed_schemas.py: the
Avro `demo.Order` with its `demo.Address` reference, the Protobuf `demo.shop.Order` with its
imported `demo/common.proto`), and runs a real `TailReader` (the one the tail screen runs, with the
screen's `skip_behind`) from this process, draining it every 50 ms as the screen does. Writes
bench/out/schemas.json and prints a table.

Three runs on fresh topics (6 partitions, RF 1), each: a warm-up of 20 records (the first lookup and,
for Protobuf, the protoc compile happen here; their time is reported), then the flood from one
`nice`d kcat process (records split on DELIM, which no payload contains):

* baseline: Avro records with no registry configured (shown as hex, as before this feature);
* avro, protobuf: the same flood, decoded.

What is measured, per run: records produced and the rate reached; records received by the reader,
decoded, not decoded, and skipped (dropped or jumped over behind the flood: counted, never hidden);
decoded records per second over the flood and 3 s after it (the window); the records still
unread when the window closed (in the topic, minus received, skipped and queued); the reader thread's
CPU seconds (from /proc, by thread id) and decoded records per CPU second. Then, apart from
Kafka: the CPU cost of one record's `make_record` with and without the decoding, per format.

    python bench/bench_schemas.py [--bootstrap HOST:PORT,...] [--registry URL] [--flood-s 20] [--rate 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "schemas.json"
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

import psutil  # noqa: E402
from kafka import KafkaAdminClient, KafkaProducer  # noqa: E402

from kafkatui.config import DEFAULT_TAIL_BUFFER, SchemaRegistry, Settings, parse_bootstrap  # noqa: E402
from kafkatui.kafka.clients import no_auto_create  # noqa: E402
from kafkatui.tail.reader import TailReader  # noqa: E402
from kafkatui.tail.start import parse_start  # noqa: E402
from localcluster import seed_schemas  # noqa: E402

PARTITIONS = 6
WARMUP = 20
POOL = 512
DELIM = b"\xff\xfe\xfd"  # kcat's record delimiter: binary payloads contain newlines (a Protobuf tag 0x0a)


def cluster_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("KAFKATUI_BOOTSTRAP", "KAFKATUI_SCHEMA_REGISTRY")}
    path = REPO / ".localcluster" / "env"
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                env.setdefault(key.strip(), value.strip().strip("'\""))
    return env


def payloads(fmt: str, ids: dict[str, int]) -> list[bytes]:
    """POOL framed values of `fmt` that do not contain DELIM."""
    import fastavro

    named: dict = {}
    fastavro.parse_schema(seed_schemas.AVRO_ADDRESS, named_schemas=named)
    out: list[bytes] = []
    i = 0
    while len(out) < POOL:
        if fmt == "protobuf":
            value = seed_schemas.frame(ids["proto"], seed_schemas.proto_order(i), seed_schemas.message_indexes([0]))
        else:
            value = seed_schemas.frame(ids["avro_value"], seed_schemas.avro_bytes(seed_schemas.AVRO_ORDER, named, {
                "id": i, "customer": f"cust-{i % 37:03d}", "amount": 12.5 + i, "status": "PAID",
                "ship_to": {"street": f"{i} Harbour Lane", "city": "Lisbon"}, "note": None if i % 2 else "gift"}))
        if DELIM not in value:
            out.append(value)
        i += 1
    return out


def produce_kcat(bootstrap: str, topic: str, pool: list[bytes], rate: float, seconds: float) -> dict[str, float]:
    """Pace `rate` records/s (every 5 ms) into `kcat -P` (records split on DELIM); returns what it did."""
    kcat = subprocess.Popen(["nice", "-n", "10", "kcat", "-P", "-b", bootstrap, "-t", topic, "-D", r"\xff\xfe\xfd",
                             "-X", "linger.ms=5", "-X", "batch.num.messages=10000", "-X", "acks=1",
                             "-X", "client.id=kafkatui-bench-schemas"], stdin=subprocess.PIPE, bufsize=1 << 20)
    assert kcat.stdin is not None
    sent, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed)
        if due > sent:
            kcat.stdin.write(b"".join(pool[n % len(pool)] + DELIM for n in range(sent, due)))
            sent = due
        time.sleep(0.005)
    kcat.stdin.close()
    if kcat.wait(timeout=120) != 0:
        sys.exit("bench_schemas: kcat failed")
    elapsed = time.monotonic() - started
    return {"sent": sent, "seconds": round(elapsed, 2), "rate": round(sent / elapsed, 1)}


def thread_cpu_s(native_id: int | None) -> float:
    for t in psutil.Process().threads():
        if t.id == native_id:
            return t.user_time + t.system_time
    return 0.0


def end_offsets(bootstrap: str, topic: str) -> dict:
    """The topic's end offsets, from a harness consumer (no group, nothing committed)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        return consumer.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS)])
    finally:
        consumer.close()


def one_run(name: str, fmt: str, bootstrap: str, registry: str | None, ids: dict[str, int],
            admin: KafkaAdminClient, args: argparse.Namespace) -> dict[str, Any]:
    topic = f"bench-schemas-{name}-{uuid.uuid4().hex[:6]}"
    admin.create_topics({topic: {"num_partitions": PARTITIONS, "replication_factor": 1}}, wait_for_metadata=True)
    pool = payloads(fmt, ids)
    settings = Settings(bootstrap=parse_bootstrap(bootstrap), connect_timeout_s=5.0,
                        schema_registry=SchemaRegistry(url=registry))
    reader = TailReader(settings, topic, start=parse_start("end"), skip_behind=DEFAULT_TAIL_BUFFER)
    counts = {"received": 0, "decoded": 0, "not_decoded": 0}

    def drain() -> None:
        for batch in reader.drain():
            for r in batch.records:
                counts["received"] += 1
                ok = r.value_schema is not None and r.value_schema.ok
                counts["decoded" if ok else "not_decoded"] += 1

    try:
        reader.start()
        while reader.status().state != "running" or not reader.status().partitions:
            time.sleep(0.05)
        producer = no_auto_create(KafkaProducer(bootstrap_servers=bootstrap, allow_auto_create_topics=False))
        t0 = time.monotonic()
        for value in pool[:WARMUP]:
            producer.send(topic, value=value)
        producer.flush(timeout=30)
        producer.close(timeout=10)
        while counts["received"] < WARMUP:
            drain()
            time.sleep(0.05)
        warmup_s = time.monotonic() - t0
        counts.update(dict.fromkeys(counts, 0))
        before = reader.status()
        cpu0 = thread_cpu_s(reader._thread.native_id)  # the reader thread's id, for its CPU time
        print(f"{name}: warm-up {warmup_s:.1f}s; flood {args.rate:g} msg/s for {args.flood_s:g}s ...", flush=True)
        flood_start = time.monotonic()
        produced = produce_kcat(bootstrap, topic, pool, args.rate, args.flood_s)
        settle = time.monotonic() + 3.0  # let the reader catch up what it can
        while time.monotonic() < settle:
            drain()
            time.sleep(0.05)
        window = time.monotonic() - flood_start
        status = reader.status()
        cpu = thread_cpu_s(reader._thread.native_id) - cpu0
        in_topic = sum(end_offsets(bootstrap, topic).values())
    finally:
        reader.close(timeout=10)
        try:
            admin.delete_topics([topic], timeout_ms=60000)
        except Exception as exc:
            print(f"bench_schemas: could not delete {topic}: {exc}", file=sys.stderr)
    return {
        "format": fmt, "registry": bool(registry), "warmup_s": round(warmup_s, 2), "produced": produced,
        **counts, "skipped": status.skipped - before.skipped, "behind_at_end": status.behind,
        "in_topic": in_topic,
        # not received, not skipped: still unread when the window closed (the reader's own "behind"
        # comes from the last fetch's high watermark, which lags when the reader is starved)
        "unread_at_end": in_topic - WARMUP - counts["received"] - (status.skipped - before.skipped)
        - (status.queued or 0),
        "window_s": round(window, 2), "decoded_per_s": round(counts["decoded"] / window, 1),
        "received_per_s": round(counts["received"] / window, 1),
        "reader_cpu_s": round(cpu, 2),
        "decoded_per_cpu_s": round(counts["decoded"] / cpu, 1) if cpu else None,
    }


def decode_only(fmt: str, registry: str, ids: dict[str, int], count: int = 20000) -> dict[str, Any]:
    """The decode step alone, no Kafka: `make_record` with the decoder, as the reader runs it per
    record, timed in CPU seconds of this thread (so a loaded machine does not count against it)."""
    from kafkatui.schemas.decoder import SchemaDecoder
    from kafkatui.tail.record import make_record

    pool = payloads(fmt, ids)
    decoder = SchemaDecoder.for_config(SchemaRegistry(url=registry))
    assert decoder is not None and decoder.decode(pool[0]).ok  # fetch and compile outside the timing
    t0 = time.thread_time()
    for n in range(count):
        value = pool[n % len(pool)]
        make_record(n, 0, n, 0, 0, None, value, (), value_schema=decoder.decode(value))
    with_decode = time.thread_time() - t0
    t0 = time.thread_time()
    for n in range(count):
        make_record(n, 0, n, 0, 0, None, pool[n % len(pool)], ())
    plain = time.thread_time() - t0
    return {"records": count, "per_cpu_s": round(count / with_decode),
            "without_decoding_per_cpu_s": round(count / plain),
            "us_per_record": round(with_decode / count * 1e6, 1), "us_without": round(plain / count * 1e6, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--registry", default=None)
    parser.add_argument("--flood-s", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=20000.0)
    args = parser.parse_args()
    env = cluster_env()
    bootstrap = args.bootstrap or env.get("KAFKATUI_BOOTSTRAP")
    registry = args.registry or env.get("KAFKATUI_SCHEMA_REGISTRY")
    if not bootstrap or not registry:
        sys.exit("bench_schemas: no cluster or no registry; run `make cluster` (or set KAFKATUI_BOOTSTRAP and "
                 "KAFKATUI_SCHEMA_REGISTRY)")
    if not shutil.which("kcat"):
        sys.exit("bench_schemas: kcat not found (make bench-tools); kafka-python cannot produce 20,000 msg/s here")
    ids = seed_schemas.register_all(registry)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafkatui-bench", request_timeout_ms=60000)
    try:
        runs = {name: one_run(name, fmt, bootstrap, reg, ids, admin, args)
                for name, fmt, reg in (("baseline", "avro", None), ("avro", "avro", registry),
                                       ("protobuf", "protobuf", registry))}
    finally:
        admin.close()
    alone = {fmt: decode_only(fmt, registry, ids) for fmt in ("avro", "protobuf")}
    result = {"runs": runs, "decode_only": alone, "rate": args.rate, "flood_s": args.flood_s,
              "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
              "measured": __doc__.split("What is measured, per run:")[1].split("    python bench")[0].strip()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    cols = ("produced/s", "received", "decoded", "not decoded", "skipped", "unread", "decoded/s", "reader CPU s",
            "decoded/CPU s", "warm-up s")
    print(f"  {'run':<9}" + "".join(f"{c:>14}" for c in cols))
    for name, r in runs.items():
        vals = (f"{r['produced']['rate']:,.0f}", f"{r['received']:,}", f"{r['decoded']:,}", f"{r['not_decoded']:,}",
                f"{r['skipped']:,}", f"{r['unread_at_end']:,}", f"{r['decoded_per_s']:,.0f}",
                f"{r['reader_cpu_s']}",                f"{r['decoded_per_cpu_s'] or 0:,.0f}", f"{r['warmup_s']}")
        print(f"  {name:<9}" + "".join(f"{v:>14}" for v in vals))
    for fmt, d in alone.items():
        print(f"  {fmt} decode alone: {d['us_per_record']} us a record ({d['per_cpu_s']:,}/CPU s; "
              f"{d['us_without']} us without decoding)")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
