"""Soak: the real app for 10 minutes at a 1 s refresh while the demo producer runs.

Runs KafkaTuiApp headless (`App.run_test`) in this process against the local cluster (the
seeded one: its demo producer writes ~10 msg/s and the `billing` consumer commits). A warm-up
(150 s by default) visits every view, drills into a topic and a group, runs a live tail of
`orders` for a minute and keeps switching until Textual's render caches have filled (they grow
for about 2.5 minutes of use, then stay flat). Then, for --minutes (10), it switches view every
15 s, drills into a topic or a group now and then, and keeps a live tail of `orders` open for
the middle third. Measured in this process:

* RSS at the start (after warm-up) and at the end, sampled every 10 s in between; the end is
  measured with the tail closed again, like the start. Pass: growth < 10 MB. Start and end
  figures are each the median of 5 readings 1 s apart (see `settled`).
* threads and open file descriptors at the start and the end. Pass: no growth.
* tracked Python objects (gc) at the start and the end, as a leak indicator.
* refreshes: every SourcePolled message, per source, ok or failed.
* key latency: each view switch, from the key event to the new screen (as bench_tail measures).

Writes bench/out/soak.json, prints a table, exits 1 when a pass criterion fails.

    python bench/bench_soak.py [--minutes 10] [--warmup 150] [--bootstrap HOST:PORT,...]
                               [--zookeeper HOST:PORT] [--state-dir .localcluster] [--out FILE]

Not part of `make test` (it takes 12.5 minutes) nor of a plain `make bench`: `make soak`, or
`python -m bench soak`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "soak.json"
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

import psutil  # noqa: E402
from textual import events  # noqa: E402

from kafkatui.config import load_settings  # noqa: E402
from kafkatui.ui.app import KafkaTuiApp  # noqa: E402
from kafkatui.ui.messages import SourcePolled  # noqa: E402

RSS_GROWTH_LIMIT_MB = 10.0
VIEWS = (("1", "overview"), ("2", "processes"), ("3", "topics"), ("4", "groups"), ("5", "zookeeper"))
SWITCH_EVERY_S = 15.0
SAMPLE_EVERY_S = 10.0
SIZE = (160, 48)


def cluster_env(state_dir: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    path = state_dir / "env"
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                env[key.strip().removeprefix("export ")] = value.strip().strip("'\"")
    return env


def resources(proc: psutil.Process) -> dict[str, float]:
    return {
        "rss_mb": round(proc.memory_info().rss / 1e6, 2),
        "threads": proc.num_threads(),
        "fds": proc.num_fds(),
        "py_threads": threading.active_count(),
        "gc_objects": len(gc.get_objects()),
    }


async def settled(pilot: Any, proc: psutil.Process, samples: int = 5) -> dict[str, float]:
    """Start and end figures: the median of `samples` readings 1 s apart. One reading can catch a
    client between closing an idle connection (kafka-python drops them after 9 minutes) and
    opening the next, which reads as a file descriptor lost or gained when nothing leaked."""
    readings = []
    for _ in range(samples):
        readings.append(resources(proc))
        await pilot.pause(1.0)
    return {key: statistics.median(r[key] for r in readings) for key in readings[0]}


class Soak:
    def __init__(self, app: KafkaTuiApp) -> None:
        self.app = app
        self.polls: Counter[str] = Counter()
        self.key_ms: list[float] = []

    def hook(self, message: object) -> None:
        if isinstance(message, SourcePolled):
            outcome = "ok" if message.error is None else "failed"
            self.polls[f"{message.source.value}:{outcome}"] += 1

    async def switch(self, pilot: Any, key: str, mode: str) -> None:
        app = self.app
        started = time.perf_counter()
        app.post_message(events.Key(key, key))
        deadline = started + 10
        while not (app.current_mode == mode and len(app.screen_stack) == 1):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"view {mode} did not come up within 10 s")
            await asyncio.sleep(0.002)
        self.key_ms.append((time.perf_counter() - started) * 1000)
        await pilot.pause()

    async def wait(self, pilot: Any, predicate: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            await pilot.pause(0.1)

    async def open_tail(self, pilot: Any) -> Any:
        from kafkatui.ui.tail.screen import TailScreen

        self.app.open_tail("orders")
        await self.wait(pilot, lambda: isinstance(self.app.screen, TailScreen)
                        and self.app.screen.status.state == "running", 30, "the tail running")
        return self.app.screen

    async def close_tail(self, pilot: Any) -> None:
        from kafkatui.ui.tail.screen import TailScreen

        while isinstance(self.app.screen, TailScreen) or len(self.app.screen_stack) > 1:
            self.app.pop_screen()
            await pilot.pause(0.2)

    async def drill(self, pilot: Any, step: int) -> None:
        """Every few switches: a topic or group detail for a while, then back."""
        if step % 4 == 1:
            self.app.open_topic("orders")
        elif step % 4 == 3:
            self.app.open_group("billing")
        else:
            return
        await pilot.pause(3.0)
        self.app.pop_screen()
        await pilot.pause()


async def soak(args: argparse.Namespace, bootstrap: str, zookeeper: str | None) -> dict[str, Any]:
    settings = load_settings({"bootstrap": bootstrap, "zookeeper": zookeeper, "refresh": 1.0}, env={},
                             path=Path("/nonexistent/kafkatui-soak.toml"))
    app = KafkaTuiApp(settings)
    run = Soak(app)
    proc = psutil.Process()
    measured_s = args.minutes * 60
    warmup_s = args.warmup
    tail_from, tail_until = warmup_s + measured_s / 3, warmup_s + 2 * measured_s / 3
    series: list[dict[str, float]] = []
    tail_stats: dict[str, Any] = {}
    async with app.run_test(headless=True, size=SIZE, message_hook=run.hook) as pilot:
        began = time.monotonic()
        await run.wait(pilot, lambda: app.state.cluster is not None, 60, "first data")
        # Warm-up: every code path the measured part uses, once (views, drill-ins, a tail that
        # runs a while): first compositions, module imports and caches are start-up cost.
        for step, (key, mode) in enumerate(VIEWS * 2):
            await run.switch(pilot, key, mode)
            await run.drill(pilot, step)
        tail = await run.open_tail(pilot)
        await pilot.pause(min(60.0, warmup_s / 3))
        await run.close_tail(pilot)
        for step, (key, mode) in enumerate(VIEWS * 100):  # caches fill for ~2.5 minutes, then stay flat
            if time.monotonic() - began >= warmup_s - 5:
                break
            await run.switch(pilot, key, mode)
            await run.drill(pilot, step)
            await pilot.pause(2.0)
        await run.switch(pilot, "1", "overview")
        await pilot.pause(5)
        tail = None
        run.key_ms.clear()
        polls_at_start = Counter(run.polls)
        gc.collect()
        start = await settled(pilot, proc)
        started = time.monotonic()
        print(f"warm-up done after {started - began:.0f}s: {start}", flush=True)
        next_switch, next_sample, step = started, started, 0
        while (now := time.monotonic()) - started < measured_s:
            elapsed = now - began
            if tail is None and tail_from <= elapsed < tail_until:
                tail = await run.open_tail(pilot)
                print(f"{elapsed:6.0f}s tail open", flush=True)
            elif tail is not None and elapsed >= tail_until:
                tail_stats = {"received": tail.status.received, "skipped": tail.status.skipped,
                              "shown": tail.shown, "error": tail.status.error}
                await run.close_tail(pilot)
                tail = None
                print(f"{elapsed:6.0f}s tail closed: {tail_stats}", flush=True)
            if tail is None and now >= next_switch:
                key, mode = VIEWS[step % len(VIEWS)]
                await run.switch(pilot, key, mode)
                await run.drill(pilot, step)
                step += 1
                next_switch = now + SWITCH_EVERY_S
            if now >= next_sample:
                sample = {"t_s": round(elapsed, 1), **resources(proc)}
                series.append(sample)
                next_sample = now + SAMPLE_EVERY_S
                print(f"{elapsed:6.0f}s rss {sample['rss_mb']:7.1f} MB  threads {sample['threads']:3}  "
                      f"fds {sample['fds']:3}  objects {sample['gc_objects']:,}", flush=True)
            await pilot.pause(0.25)
        if tail is not None:
            await run.close_tail(pilot)
        await run.switch(pilot, "1", "overview")
        await pilot.pause(3.0)  # a closed tail's reader thread and consumer wind down
        gc.collect()
        end = await settled(pilot, proc)
        duration = time.monotonic() - started
        views_ok = app.is_running and not app.view_errors
        view_errors = list(app.view_errors)
    polls = Counter({k: v - polls_at_start.get(k, 0) for k, v in run.polls.items()})
    keys = sorted(run.key_ms)
    result = {
        "minutes": args.minutes,
        "measured_s": round(duration, 1),
        "warmup_s": round(warmup_s, 1),
        "refresh_s": 1.0,
        "start": start,
        "end": end,
        "rss_growth_mb": round(end["rss_mb"] - start["rss_mb"], 2),
        "rss_max_mb": max([s["rss_mb"] for s in series] + [end["rss_mb"]]),
        "threads_growth": end["threads"] - start["threads"],
        "fds_growth": end["fds"] - start["fds"],
        "gc_objects_growth": end["gc_objects"] - start["gc_objects"],
        "refreshes": dict(sorted(polls.items())),
        "refreshes_total": sum(polls.values()),
        "kafka_refreshes_per_s": round((polls.get("kafka:ok", 0)) / duration, 2) if duration else 0,
        "view_switches": len(keys),
        "key_ms": {"median": round(statistics.median(keys), 1), "max": round(keys[-1], 1)} if keys else {},
        "tail": tail_stats,
        "view_errors": view_errors,
        "series": series,
    }
    result["pass"] = {
        "rss_growth_below_10mb": result["rss_growth_mb"] < RSS_GROWTH_LIMIT_MB,
        "no_thread_growth": result["threads_growth"] <= 0,
        "no_fd_growth": result["fds_growth"] <= 0,
        "app_ran_without_view_errors": views_ok,
    }
    return result


def table(result: dict[str, Any]) -> str:
    s, e = result["start"], result["end"]
    rows = [
        ("measured", f"{result['measured_s']:.0f} s after {result['warmup_s']:.0f} s warm-up, refresh 1 s"),
        ("RSS", f"{s['rss_mb']:.1f} -> {e['rss_mb']:.1f} MB  (growth {result['rss_growth_mb']:+.1f} MB, "
                f"max {result['rss_max_mb']:.1f}; limit < {RSS_GROWTH_LIMIT_MB:g})"),
        ("threads", f"{s['threads']} -> {e['threads']}  (python {s['py_threads']} -> {e['py_threads']})"),
        ("open fds", f"{s['fds']} -> {e['fds']}"),
        ("gc objects", f"{s['gc_objects']:,} -> {e['gc_objects']:,}"),
        ("refreshes", f"{result['refreshes_total']:,} total: "
                      + ", ".join(f"{k} {v:,}" for k, v in result["refreshes"].items())),
        ("view switches", f"{result['view_switches']}, key ms {result['key_ms']}"),
        ("tail (middle third)", str(result["tail"])),
        ("pass", ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in result["pass"].items())),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured run time after the warm-up (default 10)")
    parser.add_argument("--warmup", type=float, default=150.0, help="warm-up seconds before the start figures (150)")
    parser.add_argument("--state-dir", type=Path, default=REPO / ".localcluster", help="cluster whose env to use")
    parser.add_argument("--bootstrap", help="default: KAFKATUI_BOOTSTRAP or <state-dir>/env")
    parser.add_argument("--zookeeper", help="default: KAFKATUI_ZOOKEEPER or <state-dir>/env")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    env = cluster_env(args.state_dir)
    bootstrap = args.bootstrap or os.environ.get("KAFKATUI_BOOTSTRAP") or env.get("KAFKATUI_BOOTSTRAP")
    zookeeper = args.zookeeper or os.environ.get("KAFKATUI_ZOOKEEPER") or env.get("KAFKATUI_ZOOKEEPER") or None
    if not bootstrap:
        sys.exit("bench_soak: no cluster; run `make cluster` or give --bootstrap")
    result = asyncio.run(soak(args, bootstrap, zookeeper))
    result["bootstrap"] = bootstrap
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"wrote {args.out}")
    return 0 if all(result["pass"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
