"""Kafka requests per refresh, by request type, as partitions and topics grow (issue 15's cost check).

Why a bench of its own: bench_scale.py measures time and checks the request total against a
formula; this one shows *which* requests one refresh sends, with the health work included (the
config round of DescribeConfigs for every topic's min.insync.replicas and every broker's configs,
ListPartitionReassignments, DescribeLogDirs v4), at a cold refresh (configs due, as at start and
then once a minute) and a steady warm one (configs not due; the refresh just after the cold one
may add one batched DescribeConfigs for topics the cold round could not answer yet, a topic
created a moment before), plus the groups poll. Every count must stay
the same as partitions and topics grow: they depend on brokers, leaders (at most the brokers) and
group coordinators (at most the brokers).

It counts by wrapping `kafkatui.kafka.wire.Call.send` in this process (the one place requests are
sent), so the product code is unchanged. It creates `bench-scale-*` topics (RF 1) and deletes them
at the end: run it on a private cluster.

    KAFKATUI_CLUSTER_PORT_BASE=43000 python bench/bench_requests.py \\
        --state-dir .lc-private --steps 0,1000,5000 [--per-topic 10] [--out bench/out/requests.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from bench.bench_scale import PREFIX, Topics  # noqa: E402
from kafkatui.config import Settings, parse_bootstrap  # noqa: E402
from kafkatui.kafka import wire  # noqa: E402
from kafkatui.kafka.source import CONFIG_REFRESH_S, KafkaSource  # noqa: E402

OUT = HERE / "out" / "requests.json"
_lock = threading.Lock()
_counts: Counter[str] = Counter()


@contextlib.contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count the requests sent (by request class, e.g. ListOffsetsRequest) while inside."""
    original = wire.Call.send

    def send(self: Any, request: Any, node_id: int | None = None) -> Any:
        with _lock:
            _counts[type(request).__name__.removesuffix("Request")] += 1
        return original(self, request, node_id)

    _counts.clear()
    wire.Call.send = send  # type: ignore[method-assign]
    try:
        yield _counts
    finally:
        wire.Call.send = original  # type: ignore[method-assign]


def counted(fn: Any) -> tuple[Any, dict[str, int]]:
    with counting() as counts:
        value = fn()
        return value, dict(sorted(counts.items()))


def read_env(state_dir: Path) -> dict[str, str]:
    out = {}
    for line in (state_dir / "env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def measure(settings: Any) -> dict[str, Any]:
    source = KafkaSource(settings)
    try:
        cold, cold_counts = counted(source.refresh)  # configs due: the first refresh
        first, first_counts = counted(source.refresh)  # may re-ask topics the cold round could not answer
        warm, warm_counts = counted(source.refresh)  # steady: configs not due for CONFIG_REFRESH_S
        groups, group_counts = counted(source.groups)
    finally:
        source.close()
    return {
        "partitions": cold.partitions,
        "topics": len(cold.topics),
        "brokers": len(cold.brokers),
        "groups": len(groups.groups),
        "coordinators": len({g.coordinator for g in groups.groups}),
        "cold_refresh": {"total": sum(cold_counts.values()), "by_type": cold_counts, "reported": cold.requests},
        "first_warm_refresh": {"total": sum(first_counts.values()), "by_type": first_counts,
                               "reported": first.requests},
        "warm_refresh": {"total": sum(warm_counts.values()), "by_type": warm_counts, "reported": warm.requests},
        "groups_poll": {"total": sum(group_counts.values()), "by_type": group_counts, "reported": groups.requests},
        "errors": list(cold.errors) + list(first.errors) + list(warm.errors) + list(groups.errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", default=str(REPO / ".localcluster"))
    parser.add_argument("--steps", default="0,1000,5000", help="bench partitions to add, cumulative targets")
    parser.add_argument("--per-topic", type=int, default=10, help="partitions per bench topic")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    env = read_env(Path(args.state_dir))
    settings = Settings(bootstrap=parse_bootstrap(env["KAFKATUI_BOOTSTRAP"]), connect_timeout_s=20.0)
    topics = Topics(env["KAFKATUI_BOOTSTRAP"], env.get("KAFKATUI_ZOOKEEPER") or None)
    rows: list[dict[str, Any]] = []
    made = 0
    try:
        for target in (int(s) for s in args.steps.split(",")):
            count = (target - made) // args.per_topic
            if count > 0:
                names = [f"{PREFIX}req-{i:05d}" for i in range(made // args.per_topic, made // args.per_topic + count)]
                started = time.monotonic()
                topics.create(names, args.per_topic, per_request=50)
                topics.wait_ready(names, 600)
                made += count * args.per_topic
                print(f"created {len(names)} topics ({made} bench partitions) in {time.monotonic() - started:.0f}s",
                      file=sys.stderr)
            row = measure(settings)
            row["bench_partitions"] = made
            rows.append(row)
            print(f"{row['partitions']:>6} partitions {row['topics']:>4} topics: cold refresh "
                  f"{row['cold_refresh']['total']} {row['cold_refresh']['by_type']} · warm "
                  f"{row['warm_refresh']['total']} · groups {row['groups_poll']['total']} "
                  f"{row['groups_poll']['by_type']}", file=sys.stderr)
    finally:
        cleanup = topics.delete_all()
        topics.close()
    same = all(r[k]["by_type"] == rows[0][k]["by_type"] for r in rows for k in ("cold_refresh", "warm_refresh"))
    doc = {
        "config_refresh_s": CONFIG_REFRESH_S,
        "rows": rows,
        "refresh_counts_independent_of_partitions_and_topics": same,
        "cleanup": cleanup,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps({"same_counts_at_every_size": same, "out": args.out}))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
