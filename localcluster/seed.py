#!/usr/bin/env python3
"""kafkatui localcluster demo data: topics, records, a steady producer and two consumer groups.

Needs kafka-python 3.x (run it with the project venv), and a cluster started by cluster.py::

    .venv/bin/python localcluster/seed.py [--state-dir .localcluster]      # seed + start daemons
    .venv/bin/python localcluster/seed.py --state-dir DIR produce          # the producer daemon
    .venv/bin/python localcluster/seed.py --state-dir DIR consume-billing  # the `billing` consumer

Idempotent: topics are created only when missing, initial records are written only into topics that
are still empty, the `analytics` offsets are committed only once, and each daemon is started only when
its pid file does not name a live process.  Daemons run detached (new session), log to
<state>/logs/<name>.log and record their pid in <state>/pids/<name>.pid so `cluster.py down` stops them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

if __package__:
    from localcluster import seed_schemas
    from localcluster.leaders import restore_preferred_leaders
else:  # run as a script: localcluster/ is sys.path[0]
    import seed_schemas  # type: ignore[no-redef]
    from leaders import restore_preferred_leaders  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# name -> (partitions, replication factor, topic configs)
TOPICS: dict[str, tuple[int, int, dict[str, str]]] = {
    "orders": (6, 3, {}),
    "payments": (3, 2, {}),
    "logs": (12, 1, {"retention.ms": "86400000"}),
    "customers": (3, 3, {"cleanup.policy": "compact", "segment.ms": "60000", "min.cleanable.dirty.ratio": "0.1"}),
    "empty": (1, 1, {}),
    "audit": (1, 3, {"retention.ms": "604800000", "max.message.bytes": "524288", "min.insync.replicas": "2"}),
}
SEEDED = ["orders", "payments", "logs", "customers", "audit"]
INITIAL_RECORDS = {"orders": 400, "payments": 250, "logs": 600, "customers": 150, "audit": 60}
# the steady producer: topic weights (messages per second in total ~= RATE)
LIVE_WEIGHTS = {"orders": 4, "payments": 2, "logs": 5, "customers": 1}
RATE = 10.0
BILLING_TOPICS = ["orders", "payments"]
ANALYTICS_TOPICS = ["orders", "logs"]

CLIENT_LIMITS = {"request_timeout_ms": 10000, "bootstrap_timeout_ms": 10000}

CUSTOMERS = [f"cust-{i:03d}" for i in range(40)]
SERVICES = ["checkout", "billing-svc", "inventory", "gateway", "search"]
LEVELS = ["INFO"] * 8 + ["WARN"] * 2 + ["ERROR"]

log = logging.getLogger("kafkatui.seed")


# --------------------------------------------------------------------------------------------------
# helpers


def read_env(state: Path) -> dict[str, str]:
    env_file = state / "env"
    if not env_file.is_file():
        sys.exit(f"kafkatui seed: {env_file} not found; run `python3 localcluster/cluster.py up` first")
    out = {}
    for line in env_file.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip("'\"")
    return out


def bootstrap_of(state: Path) -> list[str]:
    return [s for s in read_env(state).get("KAFKATUI_BOOTSTRAP", "").split(",") if s]


def pid_alive_and_ours(pid_file: Path, state: Path) -> int | None:
    """A process mid-execve() shows an empty command line for a moment; read it again then."""
    try:
        pid = int(pid_file.read_text().strip())
        for _ in range(200):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if cmd:
                break
            time.sleep(0.01)
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    ours = any(a == str(state) or a.startswith(f"{state}/") for a in cmd.split("\0"))
    return pid if ours and stat not in ("Z", "X") else None


def headers(source: str) -> list[tuple[str, bytes]]:
    hs = [("trace-id", uuid.uuid4().hex.encode()), ("source", source.encode())]
    if random.random() < 0.2:
        hs.append(("content-type", b"application/json"))
    return hs


def binary_value() -> bytes:
    # 0xff/0xfe never occur in UTF-8, so this is guaranteed to be non-text
    return b"\xff\xfe" + os.urandom(random.randint(8, 48))


def make_record(topic: str, seq: int, source: str) -> tuple[bytes | None, bytes | None, list]:
    """(key, value, headers) for one record: mostly JSON, some plain text, a few binary."""
    r = random.random()
    now = int(time.time() * 1000)
    hs = headers(source)
    if topic == "orders":
        key = f"order-{seq:06d}".encode()
        if r < 0.03:
            return key, binary_value(), hs
        if r < 0.10:
            return key, f"order {seq} placed by {random.choice(CUSTOMERS)}".encode(), hs
        value = {
            "order_id": seq,
            "customer": random.choice(CUSTOMERS),
            "ts": now,
            "items": [
                {"sku": f"SKU-{random.randint(1, 500):04d}", "qty": random.randint(1, 4)}
                for _ in range(random.randint(1, 3))
            ],
            "amount": round(random.uniform(3, 400), 2),
            "currency": random.choice(["EUR", "USD", "GBP"]),
            "note": random.choice(["", "gift wrap", "express", "caf\u00e9 \u2615", "\u65e5\u672c"]),
        }
        return key, json.dumps(value, ensure_ascii=False).encode(), hs
    if topic == "payments":
        key = f"pay-{seq:06d}".encode()
        if r < 0.04:
            return key, binary_value(), hs
        if r < 0.12:
            return key, f"PAYMENT {seq} OK".encode(), hs
        value = {
            "payment_id": seq,
            "order_id": random.randint(0, seq + 1),
            "ts": now,
            "method": random.choice(["card", "sepa", "paypal"]),
            "status": random.choice(["authorized"] * 5 + ["captured"] * 3 + ["declined"]),
            "amount": round(random.uniform(3, 400), 2),
        }
        return key, json.dumps(value).encode(), hs
    if topic == "logs":
        svc = random.choice(SERVICES)
        key = None if r < 0.5 else svc.encode()
        if r < 0.02:
            return key, binary_value(), hs
        if r < 0.30:
            value = {
                "ts": now,
                "level": random.choice(LEVELS),
                "service": svc,
                "msg": f"handled request {seq}",
                "latency_ms": random.randint(1, 900),
            }
            return key, json.dumps(value).encode(), hs
        line = (
            f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {random.choice(LEVELS):5} [{svc}] "
            f"request {seq} took {random.randint(1, 900)}ms"
        )
        if random.random() < 0.05:
            line += "\n\tat com.example.Handler.run(Handler.java:42)\x1b[31m (escape test)\x1b[0m"
        return key, line.encode(), hs
    if topic == "customers":
        cust = random.choice(CUSTOMERS)
        if r < 0.03:
            return cust.encode(), None, hs  # tombstone
        if r < 0.06:
            return cust.encode(), binary_value(), hs
        value = {
            "id": cust,
            "name": f"Customer {cust[-3:]}",
            "tier": random.choice(["free", "pro", "gold"]),
            "email": f"{cust}@example.com",
            "updated": now,
        }
        return cust.encode(), json.dumps(value).encode(), hs
    # audit
    value = {
        "ts": now,
        "actor": random.choice(["alice", "bob", "ops-bot"]),
        "action": random.choice(["login", "config-change", "export"]),
        "seq": seq,
    }
    return f"audit-{seq}".encode(), json.dumps(value).encode(), hs


# --------------------------------------------------------------------------------------------------
# seed (one-shot)


def ensure_topics(admin: KafkaAdminClient) -> list[str]:
    existing = set(admin.list_topics())
    new = [
        NewTopic(name, parts, rf, topic_configs=dict(cfg))
        for name, (parts, rf, cfg) in TOPICS.items()
        if name not in existing
    ]
    if new:
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(new, timeout_ms=15000)
        log.info("created topics: %s", ", ".join(t.name for t in new))
    else:
        log.info("all topics exist")
    return [t.name for t in new]


def end_offsets(consumer: KafkaConsumer, topic: str) -> dict[TopicPartition, int]:
    deadline = time.monotonic() + 20
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts and len(parts) == {**TOPICS, **seed_schemas.TOPICS}[topic][0]:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"kafkatui seed: topic {topic} has no partition metadata")
        time.sleep(0.3)
    tps = [TopicPartition(topic, p) for p in sorted(parts)]
    return consumer.end_offsets(tps)


def seed_records(state: Path, boot: list[str], consumer: KafkaConsumer) -> None:
    todo = [t for t in SEEDED if sum(end_offsets(consumer, t).values()) == 0]
    if not todo:
        log.info("initial records already present")
        return
    producer = KafkaProducer(
        bootstrap_servers=boot,
        acks="all",
        linger_ms=20,
        max_block_ms=15000,
        delivery_timeout_ms=30000,
        client_id="kafkatui-seed",
        **CLIENT_LIMITS,
    )
    try:
        for topic in todo:
            futures = []
            for seq in range(INITIAL_RECORDS[topic]):
                key, value, hs = make_record(topic, seq, "seed")
                futures.append(producer.send(topic, key=key, value=value, headers=hs))
            producer.flush(timeout=30)
            failed = sum(1 for f in futures if f.failed())
            log.info("wrote %d records to %s%s", len(futures) - failed, topic, f" ({failed} failed)" if failed else "")
    finally:
        producer.close(timeout=10)


def seed_schema_topics(state: Path, boot: list[str], admin: KafkaAdminClient, consumer: KafkaConsumer) -> None:
    """Avro, Protobuf and JSON Schema topics through the cluster's registry (localcluster/seed_schemas.py),
    when `<state>/env` names one. Records are written only into topics that are still empty."""
    url = read_env(state).get("KAFKATUI_SCHEMA_REGISTRY")
    if not url:
        return
    ids = seed_schemas.register_all(url)
    existing = set(admin.list_topics())
    new = [NewTopic(name, parts, rf, topic_configs=dict(cfg))
           for name, (parts, rf, cfg) in seed_schemas.TOPICS.items() if name not in existing]
    if new:
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(new, timeout_ms=15000)
    todo = [t for t in seed_schemas.TOPICS if sum(end_offsets(consumer, t).values()) == 0]
    if not todo:
        log.info("schema topics already seeded (schema ids %s)", ids)
        return
    producer = KafkaProducer(bootstrap_servers=boot, acks="all", max_block_ms=15000, client_id="kafkatui-seed",
                             **CLIENT_LIMITS)
    try:
        framed = seed_schemas.records(ids)
        for topic in todo:
            futures = [producer.send(topic, key=k, value=v) for k, v in framed[topic]]
            producer.flush(timeout=30)
            failed = sum(1 for f in futures if f.failed())
            log.info("wrote %d schema-framed records to %s%s", len(futures) - failed, topic,
                     f" ({failed} failed)" if failed else "")
    finally:
        producer.close(timeout=10)


def seed_analytics(boot: list[str], admin: KafkaAdminClient, consumer: KafkaConsumer) -> None:
    deadline = time.monotonic() + 30
    while True:  # the coordinator is unavailable until __consumer_offsets exists (first run)
        try:
            committed = admin.list_group_offsets({"analytics": None})
            break
        except KafkaError as exc:
            if time.monotonic() > deadline:
                log.warning("could not read analytics offsets (%s); not committing", exc)
                return
            time.sleep(1)
    if committed and _has_offsets(committed):
        log.info("group analytics already has committed offsets")
        return
    offsets = {}
    for topic in ANALYTICS_TOPICS:
        for tp, end in end_offsets(consumer, topic).items():
            offsets[tp] = OffsetAndMetadata(end // 2, "", -1)
    group = KafkaConsumer(
        bootstrap_servers=boot,
        group_id="analytics",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        client_id="kafkatui-seed-analytics",
        **CLIENT_LIMITS,
    )
    try:
        group.assign(list(offsets))
        group.commit(offsets)
    finally:
        group.close(autocommit=False)
    log.info("group analytics: committed %d partitions at half of their end offsets", len(offsets))


def _has_offsets(result) -> bool:
    """list_group_offsets returns {group: {tp: OffsetAndMetadata}} (or a flat {tp: ...})."""
    if isinstance(result, dict):
        vals = list(result.values())
        if vals and isinstance(vals[0], dict):
            return any(v for v in vals)
        return bool(vals)
    return bool(result)


def start_daemon(state: Path, name: str, subcommand: str) -> None:
    pid_file = state / "pids" / f"{name}.pid"
    pid = pid_alive_and_ours(pid_file, state)
    if pid:
        log.info("%s already running (pid %d)", name, pid)
        return
    (state / "logs").mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(state / "logs" / f"{name}.out", "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--state-dir", str(state), subcommand],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            cwd=str(state),
        )
    pid_file.write_text(f"{proc.pid}\n")
    proc.returncode = 0  # detached on purpose; silence Popen.__del__
    log.info("started %s (pid %d)", name, proc.pid)


def seed(state: Path) -> int:
    t0 = time.monotonic()
    boot = bootstrap_of(state)
    # brokers restarted by `up` one after another leave their partitions led by the first one back
    # (for up to Kafka's 300 s imbalance check): give the demo its preferred leaders now
    if not restore_preferred_leaders(boot):
        log.warning("preferred leaders not restored within 60 s (a broker not back?); going on")
    admin = KafkaAdminClient(bootstrap_servers=boot, client_id="kafkatui-seed-admin", **CLIENT_LIMITS)
    consumer = KafkaConsumer(
        bootstrap_servers=boot, fetch_max_wait_ms=100, client_id="kafkatui-seed-probe", **CLIENT_LIMITS
    )
    try:
        ensure_topics(admin)
        seed_records(state, boot, consumer)
        seed_schema_topics(state, boot, admin, consumer)
        seed_analytics(boot, admin, consumer)
    finally:
        consumer.close(autocommit=False)
        admin.close()
    start_daemon(state, "demo-producer", "produce")
    start_daemon(state, "demo-consumer-billing", "consume-billing")
    log.info("seed done in %.1fs", time.monotonic() - t0)
    return 0


# --------------------------------------------------------------------------------------------------
# daemons


class _Stop:
    def __init__(self) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, *_: object) -> None:
        self.stopping = True


def produce(state: Path) -> int:
    stop = _Stop()
    boot = bootstrap_of(state)
    topics = list(LIVE_WEIGHTS)
    weights = [LIVE_WEIGHTS[t] for t in topics]
    errors = {"n": 0}

    def errback(exc: BaseException) -> None:
        errors["n"] += 1

    producer = None
    seq = {t: 100_000 + int(time.time()) % 100_000 * 10 for t in topics}
    sent, last_report = 0, time.monotonic()
    while not stop.stopping:
        try:
            if producer is None:
                producer = KafkaProducer(
                    bootstrap_servers=boot,
                    acks=1,
                    enable_idempotence=False,
                    linger_ms=5,
                    max_block_ms=5000,
                    delivery_timeout_ms=30000,
                    retries=5,
                    client_id="kafkatui-demo-producer",
                    **CLIENT_LIMITS,
                )
                log.info("producer connected to %s", ",".join(boot))
            topic = random.choices(topics, weights)[0]
            seq[topic] += 1
            key, value, hs = make_record(topic, seq[topic], "demo-producer")
            producer.send(topic, key=key, value=value, headers=hs).add_errback(errback)
            sent += 1
        except KafkaError as exc:
            log.warning("produce failed: %s; retrying in 2s", exc)
            time.sleep(2)
            continue
        except Exception as exc:  # keep the demo alive through broker faults
            log.warning("producer error: %r; reconnecting in 3s", exc)
            with contextlib.suppress(Exception):
                if producer is not None:
                    producer.close(timeout=2)
            producer = None
            time.sleep(3)
            continue
        if time.monotonic() - last_report > 60:
            log.info("sent %d records (%d delivery errors so far)", sent, errors["n"])
            last_report = time.monotonic()
        time.sleep(random.expovariate(RATE))
    if producer is not None:
        with contextlib.suppress(Exception):
            producer.flush(timeout=5)
            producer.close(timeout=5)
    log.info("producer stopped after %d records", sent)
    return 0


def consume_billing(state: Path) -> int:
    stop = _Stop()
    boot = bootstrap_of(state)
    consumer = None
    seen = 0
    last_report = time.monotonic()
    while not stop.stopping:
        try:
            if consumer is None:
                consumer = KafkaConsumer(
                    *BILLING_TOPICS,
                    bootstrap_servers=boot,
                    group_id="billing",
                    client_id="kafkatui-demo-billing",
                    enable_auto_commit=True,
                    auto_commit_interval_ms=1000,
                    auto_offset_reset="earliest",
                    fetch_max_wait_ms=100,
                    session_timeout_ms=10000,
                    heartbeat_interval_ms=2000,
                    max_poll_interval_ms=60000,
                    **CLIENT_LIMITS,
                )
                log.info("billing consumer joined with %s", ",".join(boot))
            batch = consumer.poll(timeout_ms=500, max_records=200)
            seen += sum(len(v) for v in batch.values())
        except Exception as exc:  # keep the demo alive through broker faults
            log.warning("consumer error: %r; reconnecting in 3s", exc)
            with contextlib.suppress(Exception):
                if consumer is not None:
                    consumer.close()
            consumer = None
            time.sleep(3)
            continue
        if time.monotonic() - last_report > 60:
            log.info("consumed %d records", seen)
            last_report = time.monotonic()
    if consumer is not None:
        with contextlib.suppress(Exception):
            consumer.close()  # commits and leaves the group
    log.info("billing consumer stopped after %d records", seen)
    return 0


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="seed.py", description="kafkatui demo data for the local cluster")
    p.add_argument(
        "--state-dir",
        default=str(REPO / ".localcluster"),
        help="cluster state dir (default <repo>/.localcluster); reads <state>/env",
    )
    p.add_argument("command", nargs="?", default="seed", choices=["seed", "produce", "consume-billing"])
    args = p.parse_args(argv)
    state = Path(args.state_dir).expanduser().resolve()
    daemon = args.command != "seed"
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s" if daemon else "seed: %(message)s",
        filename=str(state / "logs" / f"demo-{'producer' if args.command == 'produce' else 'consumer-billing'}.log")
        if daemon
        else None,
    )
    for noisy in ("kafka",):
        logging.getLogger(noisy).setLevel(logging.ERROR if not daemon else logging.WARNING)
    try:
        if args.command == "produce":
            return produce(state)
        if args.command == "consume-billing":
            return consume_billing(state)
        return seed(state)
    except KafkaError as exc:
        print(f"kafkatui seed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
