"""UI-thread cost of one refresh of a big list, headless, over synthetic frozen data (issue 14).

What it measures: the real app (KafkaTuiApp, live=False) shows the topics view of N synthetic
topics (3 partitions each); each refresh replaces the whole AppState, as a poll does. For each
size it records the median wall and CPU time of `app.set_state(...)` plus the repaint it causes
(until the app is idle again), for three refreshes:
- `busy`: every topic's msgs/s changed (a busy cluster, sorted by name: nothing moves);
- `idle`: equal data (a quiet cluster), unchanged topics reused as the Kafka source does;
- `sorted_busy`: as `busy`, sorted by msgs/s, so every refresh re-sorts and the window changes;
and the time of the `G` and `g` keys (handled and drawn); `baseline` is the measuring itself (a
refresh that does nothing). No cluster is needed; nothing here
is a test: the counts that guard the behaviour are in tests/ui/test_table_scale.py.

    python bench/bench_table_ui.py [--sizes 2000,10000] [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kafkatui.model import Partition, Topic  # noqa: E402
from tests.ui.fixtures import cluster_snapshot, frozen_app, frozen_state  # noqa: E402

SIZE = (160, 48)


try:  # what the Kafka source does since issue 14; absent in older trees (for before/after runs)
    from kafkatui.kafka.convert import keep_unchanged
except ImportError:  # pragma: no cover
    keep_unchanged = None

_LAST: dict[str, Any] = {}


def snapshot(n: int, tick: float) -> Any:
    """N topics, handed on like KafkaSource.refresh does: an unchanged topic is the same object."""
    global _LAST
    topics = []
    for i in range(n):
        name = f"bench-topic-{i:05d}"
        parts = tuple(Partition(name, p, 1 + (i + p) % 3, (1, 2, 3), (1, 2, 3), earliest=0, latest=1_000 + i,
                                size_bytes=4096 * i, msgs_per_s=tick) for p in range(3))
        topics.append(Topic(name, False, parts, msgs_per_s=float(i % 50) + tick))
    if keep_unchanged is not None:
        topics = list(keep_unchanged(_LAST, topics))
        _LAST = {t.name: t for t in topics}
    return replace(cluster_snapshot(), topics=tuple(topics))


def state(n: int, tick: float) -> Any:
    return frozen_state(cluster=snapshot(n, tick), topic_rate_history={})


async def timed(pilot: Any, action: Any) -> tuple[float, float]:
    """Wall and CPU seconds of `action()` and the repaint it causes (until the app is idle)."""
    await pilot.pause()
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    if asyncio.iscoroutine(result):
        await result
    await pilot.pause()
    return time.perf_counter() - wall, time.process_time() - cpu


def summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    walls = [w * 1000 for w, _ in samples]
    cpus = [c * 1000 for _, c in samples]
    return {"wall_ms_median": round(statistics.median(walls), 2), "wall_ms_max": round(max(walls), 2),
            "cpu_ms_median": round(statistics.median(cpus), 2)}


async def measure(n: int, runs: int) -> dict[str, Any]:
    states = [state(n, float(t)) for t in range(runs + 1)]
    again = [state(n, float(runs)) for _ in range(runs)]
    app = frozen_app(states[0])
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        began = time.perf_counter()
        await pilot.press("3")
        from kafkatui.ui.screens.topics import TopicsScreen
        from kafkatui.ui.widgets.table import FilterTable

        while not (isinstance(app.screen, TopicsScreen) and app.screen.query_one(FilterTable).visible_count == n):
            await pilot.pause()
        out["first_show_ms"] = round((time.perf_counter() - began) * 1000, 1)
        table = app.screen.query_one(FilterTable)
        out["baseline"] = summary([await timed(pilot, lambda: None) for _ in range(runs)])  # the pause itself
        out["busy"] = summary([await timed(pilot, lambda s=s: app.set_state(s)) for s in states[1:]])
        out["idle"] = summary([await timed(pilot, lambda s=s: app.set_state(s)) for s in again])
        table.sort_by("rate", reverse=True)
        sorted_states = [state(n, float(t) + 0.5 * (t % 2)) for t in range(runs + 1, 2 * runs + 1)]
        out["sorted_busy"] = summary([await timed(pilot, lambda s=s: app.set_state(s)) for s in sorted_states])
        keys = []
        for _ in range(runs):
            keys.append(await timed(pilot, lambda: pilot.press("G")))
            keys.append(await timed(pilot, lambda: pilot.press("g")))
        out["keys_G_g"] = summary(keys)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "out" / "table_ui.json"))
    args = parser.parse_args()
    results: dict[str, Any] = {"size": f"{SIZE[0]}x{SIZE[1]}", "runs": args.runs, "topics": {}}
    for n in (int(s) for s in args.sizes.split(",")):
        results["topics"][str(n)] = row = asyncio.run(measure(n, args.runs))
        print(f"{n:>6} topics: " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
