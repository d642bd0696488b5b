"""What the garbage collector costs the polls at 10,000 topics: CPython's defaults vs kafkatui's.

Each poll at that size builds ~500,000 new objects (the snapshot, its groups), which replace the
last poll's. This builds `--polls` synthetic cluster and groups snapshots (bench_views_ui.Data:
10,000 topics x 3 partitions, 5,000 groups) in a fresh interpreter per policy and records, with
`gc.callbacks`, the time of every collection by generation and the longest one (the GIL is held
for all of it: a key press waits that long), and the process CPU of the builds:

* `default`: CPython's thresholds (700, 10, 10), the heap frozen once before the first poll (as
  the app did before);
* `kafkatui`: `tail/gcfreeze.py`, the heap frozen again after each poll (`keep_frozen`) and young
  collections every 2,000 new objects (`THRESHOLDS`).

No cluster: it measures the collector on data of the real shapes, not the network.

    python bench/bench_gc.py [--polls 12] [--topics 10000] [--groups 5000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "gc.json"
POLICIES = ("default", "kafkatui")


def one(policy: str, polls: int, topics: int, groups: int) -> dict[str, object]:
    """Run in the child: build `polls` snapshots under `policy`; the collector's cost."""
    import gc
    import time

    sys.path.insert(0, str(REPO))
    from bench.bench_views_ui import Data
    from kafkatui.tail import gcfreeze

    data = Data(topics, groups, 1_000, 3_000)
    spent = {0: 0.0, 1: 0.0, 2: 0.0}
    count = {0: 0, 1: 0, 2: 0}
    started = [0.0]
    longest = [0.0]  # the longest single collection: how long the GIL is held in one go

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            took = time.perf_counter() - started[0]
            spent[info["generation"]] += took
            longest[0] = max(longest[0], took)
            count[info["generation"]] += 1

    gc.collect()
    if policy == "kafkatui":
        gcfreeze.freeze_gc(True)
    else:
        gc.freeze()
    gc.callbacks.append(watch)
    kept = None
    cpu = time.process_time()
    for tick in range(polls):
        kept = (data.cluster(float(tick)), data.groups_snapshot(float(tick)))
        if policy == "kafkatui":
            gcfreeze.keep_frozen(time.monotonic())
    cpu = time.process_time() - cpu
    gc.callbacks.remove(watch)
    del kept
    return {"policy": policy, "thresholds": list(gc.get_threshold()), "polls": polls,
            "cpu_s_per_poll": round(cpu / polls, 3),
            "gc_ms_per_poll": round(sum(spent.values()) * 1000 / polls, 1),
            "gc_ms_per_poll_by_generation": {g: round(v * 1000 / polls, 1) for g, v in spent.items()},
            "longest_collection_ms": round(longest[0] * 1000, 1), "collections": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=12)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--child", choices=POLICIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.polls, args.topics, args.groups)))
        return 0
    results = {}
    for policy in POLICIES:
        done = subprocess.run([sys.executable, __file__, "--child", policy, "--polls", str(args.polls),
                               "--topics", str(args.topics), "--groups", str(args.groups)],
                              check=True, capture_output=True, text=True)
        results[policy] = json.loads(done.stdout.strip().splitlines()[-1])
        got = results[policy]
        print(f"{policy:9} {got['cpu_s_per_poll']:.3f} s CPU per poll, collector {got['gc_ms_per_poll']:.0f} ms "
              f"per poll, longest {got['longest_collection_ms']:.0f} ms {got['collections']}")
    base, ours = results["default"], results["kafkatui"]
    out = {"topics": args.topics, "groups": args.groups, "load_before": list(os.getloadavg()), **results,
           "collector_ratio": round(ours["gc_ms_per_poll"] / max(base["gc_ms_per_poll"], 1e-9), 3),
           "cpu_ratio": round(ours["cpu_s_per_poll"] / max(base["cpu_s_per_poll"], 1e-9), 3)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"collector {out['collector_ratio']}x, CPU {out['cpu_ratio']}x of the defaults -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
