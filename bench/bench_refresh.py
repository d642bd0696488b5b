"""Full Kafka refresh (KafkaSource.refresh + groups) with ~2,000 partitions on the local cluster.

Creates 20 topics x 100 partitions (RF 1, named bench-<run>-NN, one record per partition),
measures a few refreshes, prints median/min/max wall time and requests per refresh, writes
bench/out/refresh.json and deletes the topics it created, whatever happens.

The request count is measured before the topics exist too, to show that it depends on the
number of brokers and group coordinators, not on the number of partitions.

    python bench/bench_refresh.py [--bootstrap HOST:PORT,...] [--topics 20] [--partitions 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "refresh.json"
TARGET_MS = 300.0
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from kafka import KafkaAdminClient, KafkaProducer  # noqa: E402

from kafkatui.config import Settings, parse_bootstrap  # noqa: E402
from kafkatui.kafka.clients import no_auto_create  # noqa: E402
from kafkatui.kafka.source import KafkaSource  # noqa: E402


def default_bootstrap() -> str:
    if os.environ.get("KAFKATUI_BOOTSTRAP"):
        return os.environ["KAFKATUI_BOOTSTRAP"]
    env = REPO / ".localcluster" / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            if line.startswith("KAFKATUI_BOOTSTRAP="):
                return line.split("=", 1)[1].strip().strip("'\"")
    sys.exit("bench_refresh: no cluster; run `make cluster` or set KAFKATUI_BOOTSTRAP")


def measure(source: KafkaSource, runs: int) -> list[dict[str, float | int]]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        cluster = source.refresh()
        mid = time.perf_counter()
        groups = source.groups()
        done = time.perf_counter()
        samples.append(
            {
                "total_ms": (done - started) * 1000,
                "refresh_ms": (mid - started) * 1000,
                "groups_ms": (done - mid) * 1000,
                "refresh_requests": cluster.requests,
                "groups_requests": groups.requests,
                "requests": cluster.requests + groups.requests,
                "partitions": cluster.partitions,
                "groups": len(groups.groups),
                "errors": len(cluster.errors) + len(groups.errors),
                **{f"phase_{k}_ms": v * 1000 for k, v in cluster.timing.items()},
            }
        )
    return samples


def stats(samples: list[dict[str, float | int]], key: str) -> dict[str, float]:
    values = [float(s[key]) for s in samples]
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def create_topics(admin: KafkaAdminClient, names: list[str], partitions: int, created: list[str]) -> None:
    """One topic per request: a ZooKeeper-mode controller on a small box times out creating
    2,000 partitions in one go. `created` lists what exists so cleanup can delete it."""
    for name in names:
        created.append(name)
        admin.create_topics({name: {"num_partitions": partitions, "replication_factor": 1}}, timeout_ms=60000)
    admin.wait_for_topics(names, timeout_ms=120000)


def write_records(bootstrap: str, names: list[str], partitions: int) -> None:
    producer = no_auto_create(KafkaProducer(  # kafka-python ignores allow_auto_create_topics alone
        bootstrap_servers=bootstrap, client_id="kafkatui-bench", linger_ms=20, allow_auto_create_topics=False
    ))
    try:
        for name in names:
            for p in range(partitions):
                producer.send(name, value=b"bench record", partition=p)
        producer.flush(timeout=120)
    finally:
        producer.close(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bootstrap = args.bootstrap or default_bootstrap()
    settings = Settings(bootstrap=parse_bootstrap(bootstrap), connect_timeout_s=10.0)
    run_id = uuid.uuid4().hex[:6]
    names = [f"bench-{run_id}-{i:02d}" for i in range(args.topics)]

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="kafkatui-bench", request_timeout_ms=60000, bootstrap_timeout_ms=15000
    )
    source = KafkaSource(settings)
    created: list[str] = []
    try:
        source.refresh()  # connect (bootstrap, ApiVersions per broker) outside the measurement
        source.groups()
        baseline = measure(source, 2)

        print(f"creating {args.topics} topics x {args.partitions} partitions ...", flush=True)
        create_topics(admin, names, args.partitions, created)
        write_records(bootstrap, names, args.partitions)
        # wait until every bench partition has a leader and offsets in the source's view
        deadline = time.monotonic() + 120
        while True:
            snap = source.refresh()
            ours = [t for t in snap.topics if t.name in set(names)]
            if len(ours) == len(names) and all(p.latest for t in ours for p in t.partitions):
                break
            if time.monotonic() > deadline:
                raise SystemExit("bench_refresh: bench topics did not become ready in 120 s")
            time.sleep(1)
        source.groups()

        samples = measure(source, args.runs)
        result = {
            "partitions": samples[-1]["partitions"],
            "brokers": len(snap.brokers),
            "groups": samples[-1]["groups"],
            "runs": args.runs,
            "total_ms": stats(samples, "total_ms"),
            "refresh_ms": stats(samples, "refresh_ms"),
            "groups_ms": stats(samples, "groups_ms"),
            "requests_per_refresh": stats(samples, "requests"),
            "refresh_requests": samples[-1]["refresh_requests"],
            "groups_requests": samples[-1]["groups_requests"],
            "baseline": {
                "partitions": baseline[-1]["partitions"],
                "total_ms": stats(baseline, "total_ms"),
                "requests_per_refresh": stats(baseline, "requests"),
            },
            "phases_ms": {
                key.removeprefix("phase_").removesuffix("_ms"): stats(samples, key)["median"]
                for key in samples[-1]
                if key.startswith("phase_")
            },
            "target_ms": TARGET_MS,
            "samples": [{k: round(v, 2) if isinstance(v, float) else v for k, v in s.items()} for s in samples],
        }
        result["within_target"] = result["total_ms"]["median"] < TARGET_MS
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")

        t, r = result["total_ms"], result["requests_per_refresh"]
        print(
            f"{result['partitions']} partitions, {result['brokers']} brokers, {result['groups']} groups, "
            f"{args.runs} runs (refresh + groups):"
        )
        print(f"  wall time  median {t['median']} ms  min {t['min']} ms  max {t['max']} ms  (target < {TARGET_MS:g})")
        print(
            f"    refresh  median {result['refresh_ms']['median']} ms, groups median {result['groups_ms']['median']} ms"
        )
        print(f"    phases   {result['phases_ms']}")
        print(
            f"  requests   median {r['median']} (refresh {result['refresh_requests']}, "
            f"groups {result['groups_requests']}); with {result['baseline']['partitions']} partitions: "
            f"{result['baseline']['requests_per_refresh']['median']}"
        )
        print(f"wrote {OUT}")
        return 0
    finally:
        source.close()
        if created:
            try:
                admin.delete_topics(created, timeout_ms=60000)
                print(f"deleted {len(created)} bench topics")
            except Exception as exc:
                print(f"bench_refresh: could not delete bench topics {created}: {exc}", file=sys.stderr)
        admin.close()


if __name__ == "__main__":
    raise SystemExit(main())
