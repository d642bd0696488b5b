"""ZooKeeper browsing with a 10,000-child znode: children(), node() of a child and of the parent.

Creates /kafkatui-bench-<run> with 10,000 children (pipelined async creates with the bench's own
client; kafkatui itself only reads), times ZooKeeperSource.children() of the parent, node() of
one child, node() of the parent, stats() of the first 200 children and refresh(), prints
median/min/max over the runs, writes bench/out/zookeeper.json and deletes the nodes, whatever happens.

    python bench/bench_zookeeper.py [--zookeeper HOST:PORT] [--children 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "zookeeper.json"
TARGET_CHILDREN_MS = 1000.0  # "a node with 10,000 children must list in well under a second"
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from kazoo.client import KazooClient  # noqa: E402

from kafkatui.sources.zookeeper import ZooKeeperSource, child_path  # noqa: E402


def default_zookeeper() -> str:
    if os.environ.get("KAFKATUI_ZOOKEEPER"):
        return os.environ["KAFKATUI_ZOOKEEPER"]
    env = REPO / ".localcluster" / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            if line.startswith("KAFKATUI_ZOOKEEPER="):
                value = line.split("=", 1)[1].strip().strip("'\"")
                if value:
                    return value
    sys.exit("bench_zookeeper: no ZooKeeper; run `make cluster` or set KAFKATUI_ZOOKEEPER")


def create_children(client: KazooClient, parent: str, count: int) -> float:
    """Pipelined creates in batches of 1,000; returns seconds taken."""
    began = time.perf_counter()
    for start in range(0, count, 1000):
        pending = [client.create_async(child_path(parent, f"c{i:05d}"), b"bench")
                   for i in range(start, min(count, start + 1000))]
        for result in pending:
            result.get(timeout=60)
    return time.perf_counter() - began


def delete_children(client: KazooClient, parent: str) -> None:
    names = client.get_children(parent)
    for start in range(0, len(names), 1000):
        pending = [client.delete_async(child_path(parent, n)) for n in names[start : start + 1000]]
        for result in pending:
            result.get(timeout=60)
    client.delete(parent)


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    values = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        values.append((time.perf_counter() - began) * 1000)
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zookeeper", default=None)
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    hosts = args.zookeeper or default_zookeeper()
    parent = f"/kafkatui-bench-{uuid.uuid4().hex[:8]}"

    writer = KazooClient(hosts=hosts, timeout=10)
    writer.start(timeout=10)
    source = ZooKeeperSource(hosts)
    try:
        writer.create(parent)
        print(f"creating {args.children} children under {parent} ...", flush=True)
        setup_s = create_children(writer, parent, args.children)
        source.start()
        one_child = child_path(parent, f"c{args.children // 2:05d}")
        first = [child_path(parent, f"c{i:05d}") for i in range(min(200, args.children))]
        names = source.children(parent)  # warm-up, and a sanity check
        assert len(names) == args.children, len(names)

        result = {
            "children": args.children,
            "runs": args.runs,
            "setup_create_s": round(setup_s, 2),
            "children_ms": timed(lambda: source.children(parent), args.runs),
            "node_child_ms": timed(lambda: source.node(one_child), args.runs),
            "node_parent_ms": timed(lambda: source.node(parent), args.runs),
            "stats_200_ms": timed(lambda: source.stats(first, limit=200), args.runs),
            "refresh_ms": timed(source.refresh, args.runs),
            "target_children_ms": TARGET_CHILDREN_MS,
        }
        result["within_target"] = result["children_ms"]["max"] < TARGET_CHILDREN_MS
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")

        print(f"{args.children} children, {args.runs} runs (median / min / max ms):")
        for key in ("children_ms", "node_child_ms", "node_parent_ms", "stats_200_ms", "refresh_ms"):
            t = result[key]
            print(f"  {key.removesuffix('_ms'):<12} {t['median']:>8} {t['min']:>8} {t['max']:>8}")
        print(f"  (setup: {setup_s:.1f} s to create the children; target children() < {TARGET_CHILDREN_MS:g} ms)")
        print(f"wrote {OUT}")
        return 0
    finally:
        source.close()
        try:
            if writer.exists(parent):
                delete_children(writer, parent)
                print(f"deleted {parent}")
        except Exception as exc:
            print(f"bench_zookeeper: could not delete {parent}: {exc}", file=sys.stderr)
        writer.stop()
        writer.close()


if __name__ == "__main__":
    raise SystemExit(main())
