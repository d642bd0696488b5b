"""UI-thread time of one refresh landing in every view at scale, headless, over synthetic data (issue 14).

What it measures: the real app (KafkaTuiApp, live=False) over synthetic frozen data of
10,000 topics (3 partitions each, plus one topic of 1,000 partitions: 31,000 partitions), 5,000
consumer groups (3 partitions each, plus one group of 3,000 partitions) and 300 under-replicated
partitions and 2 % of groups in trouble (so the overview's attention panel has work). For each
view (overview, topics, groups, a group's detail on the 3,000-partition group, a topic's detail
on the 1,000-partition topic), it lands refreshes as the poll loop does on the UI thread: the
cluster poll and the groups poll each go through `refresh.policy.fold` (the rate and lag
histories) and `set_state` plus the repaint they cause (until the app is idle). Two kinds:

- `busy`: every topic's msgs/s and every group's lag changed (the worst case);
- `idle`: equal data (after 9 equal refreshes, so the sparklines stand still); unchanged topics
  and groups handed on as the same objects, as `KafkaSource.refresh` and `KafkaSource.groups`
  do (in trees before that, groups as new equal objects);

and `key_during_refresh`: a `j` pressed as a busy refresh lands (refresh + key, handled and
drawn). `baseline` is the measuring itself (a pause with nothing to do). `fold_in_worker` is
the policy's history folding of both polls, which the poll's worker thread does ahead
(`refresh.policy.fold_ahead`), so the landings do not include it (nor the snapshots' derived
values, `model.warm`, also computed in the worker). Big tables (above `table.INLINE_LIMIT`
rows) make and diff their rows in a thread worker and the UI thread commits the result (issue 14):
each measurement waits (awaiting the workers, not polling) until those rows are committed and
drawn. Medians of `--runs`: `wall_ms` until the landing itself is handled and drawn (what keeps
a key waiting), `on_screen_ms` until the new rows are on screen too, and the UI thread's own CPU
ms over all of it (the commit and repaint included; the work in thread workers is not).
No cluster is needed; nothing here is a test (the counts that guard it are in
tests/ui/test_table_scale.py and tests/ui/test_views_scale.py).

`--workers` measures instead the CPU of the two poll workers the overview keeps busy, over the same
data, poll after poll (issue 14: 9.2 s per 30 s at this size in the real app): `groups_poll` is
`KafkaSource.groups` from a synthetic `GroupsFetch` (the requests' answers, so no cluster: the
conversion, the lag windows and verdicts, the lag in time, the catch-up estimate, `keep_unchanged_groups`
and `model.warm`, as `refresh.hub.poll_source` runs it), and `attention` is the overview's "Needs
attention" build (`AttentionPanel._build`: `build_attention` over both snapshots). Two kinds: `idle`
(no offset moves) and `moving` (2 % of the groups and the big group commit, every topic is written to, each poll).
CPU ms per poll of the calling thread (`thread_time`), median of `--runs` polls after a warm-up.
Python's full garbage collection over the ~320,000 objects it tracks at this size (`full_gc_ms`, also
reported) lands in whichever step happens to allocate past its threshold, so each step is measured
after a `gc.collect()` and compares its own work.

    python bench/bench_views_ui.py [--topics 10000] [--groups 5000] [--runs 5] [--views ...] [--out FILE]
    python bench/bench_views_ui.py --workers [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from types import SimpleNamespace  # noqa: E402

from kafkatui.config import Settings  # noqa: E402
from kafkatui.kafka.fetch import GroupsFetch  # noqa: E402
from kafkatui.kafka.lag_time import RoundResult  # noqa: E402
from kafkatui.kafka.source import KafkaSource  # noqa: E402
from kafkatui.model import Group, GroupMember, GroupPartition, GroupsSnapshot, LagStatus, Partition, Topic  # noqa: E402
from kafkatui.refresh.policy import fold, fold_ahead  # noqa: E402
from kafkatui.refresh.state import Source  # noqa: E402
from kafkatui.ui.widgets.table import FilterTable  # noqa: E402
from tests.ui.fixtures import BROKERS, cluster_snapshot, frozen_app, frozen_state  # noqa: E402

try:  # what the Kafka source does since issue 14; absent in older trees (for before/after runs)
    from kafkatui.kafka.convert import keep_unchanged
except ImportError:  # pragma: no cover
    keep_unchanged = None
try:
    from kafkatui.kafka.convert import keep_unchanged_groups
except ImportError:  # pragma: no cover
    keep_unchanged_groups = None
try:  # the attention panel's memo of partition findings, since issue 14's worker CPU step
    from kafkatui.health.attention import TopicFindings
except ImportError:  # pragma: no cover
    TopicFindings = None
try:  # what the poll's worker thread does since issue 14 (refresh.hub.poll_source), off the UI thread
    from kafkatui.model import warm
except ImportError:  # pragma: no cover
    def warm(snapshot: Any) -> Any:
        return snapshot

SIZE = (160, 48)
HISTORY_SETTLES = 9  # equal refreshes before `idle`: the topics' sparklines show the last 8 samples
VIEWS = ("overview", "topics", "groups", "group_detail", "topic_detail")
BIG_TOPIC, BIG_GROUP = "big-topic", "big-group"
TROUBLE = (LagStatus.STOP, LagStatus.WARN, LagStatus.STALL)


class Data:
    """Synthetic snapshots of one size; `tick` moves every rate and lag (a busy cluster)."""

    def __init__(self, topics: int, groups: int, big_topic: int, big_group: int) -> None:
        self.topics, self.groups, self.big_topic, self.big_group = topics, groups, big_topic, big_group
        self._last: dict[str, Topic] = {}
        self._last_groups: dict[str, Group] = {}

    def _topic(self, i: int, tick: float) -> Topic:
        name = f"topic-{i:05d}"
        urp = i % 100 == 7 and i < 30_000  # 1 % of topics have one under-replicated partition
        parts = tuple(
            Partition(name, p, 1 + (i + p) % 3, (1, 2, 3), (1, 2) if urp and p == 0 else (1, 2, 3),
                      earliest=0, latest=1_000 + i + int(tick) * 10, size_bytes=4096 * i, msgs_per_s=tick)
            for p in range(3))
        return Topic(name, False, parts, msgs_per_s=float(i % 50) + tick)

    def cluster(self, tick: float) -> Any:
        topics = [self._topic(i, tick) for i in range(self.topics)]
        topics.append(Topic(BIG_TOPIC, False, tuple(
            Partition(BIG_TOPIC, p, 1 + p % 3, (1, 2, 3), (1, 2, 3), earliest=0, latest=p + int(tick) * 10,
                      size_bytes=p, msgs_per_s=tick) for p in range(self.big_topic)), msgs_per_s=tick))
        if keep_unchanged is not None:
            topics = list(keep_unchanged(self._last, topics))
            self._last = {t.name: t for t in topics}
        return warm(replace(cluster_snapshot(), brokers=BROKERS, topics=tuple(topics)))

    def groups_snapshot(self, tick: float) -> GroupsSnapshot:
        groups = []
        for i in range(self.groups):
            topic = f"topic-{(i * 2) % self.topics:05d}"
            member = GroupMember(f"consumer-{i}-1", f"client-{i}", "/127.0.0.1", tuple((topic, p) for p in range(3)))
            parts = tuple(GroupPartition(topic, p, 1_000 + i, 1_000 + i + int(tick) + p, f"client-{i}")
                          for p in range(3))
            status = TROUBLE[i % 3] if i % 50 == 3 else LagStatus.OK
            groups.append(Group(f"group-{i:05d}", "Stable", "consumer", "range", (member,), parts, status,
                                "lag grew" if status is not LagStatus.OK else ""))
        members = tuple(GroupMember(f"consumer-big-{m}", f"big-{m}", "/127.0.0.1",
                                    tuple((BIG_TOPIC, p) for p in range(m, self.big_group, 10))) for m in range(10))
        parts = tuple(GroupPartition(BIG_TOPIC if p < self.big_topic else f"topic-{p % self.topics:05d}", p, p,
                                     p + int(tick) + 5, f"big-{p % 10}") for p in range(self.big_group))
        groups.append(Group(BIG_GROUP, "Stable", "consumer", "range", members, parts, LagStatus.OK))
        if keep_unchanged_groups is not None:
            groups = list(keep_unchanged_groups(self._last_groups, groups))
            self._last_groups = {g.id: g for g in groups}
        return warm(GroupsSnapshot(fetched_at=1_717_000_000.0, duration_s=0.1, groups=tuple(groups)))


def groups_fetch(data: Data, tick: int) -> GroupsFetch:
    """What `fetch_groups` would answer for `Data`'s groups: each group on 3 partitions of one topic,
    one member holding them, caught up (lag 0, as bench_scale_ui's groups); every 50th group without
    members and 5 behind on each partition (PENDING, then STOP), and the big group 5 behind on each of
    its partitions. `tick` moves the offsets of every 50th group (from the 25th: 2 %) and of the big group."""
    listed: dict[str, tuple[int, Any]] = {}
    described: dict[str, Any] = {}
    committed: dict[str, dict[tuple[str, int], int | None]] = {}
    latest: dict[tuple[str, int], int] = {}
    for i in range(data.groups):
        gid, topic = f"group-{i:05d}", f"topic-{(i * 2) % data.topics:05d}"
        moved = tick if i % 50 == 25 else 0
        listed[gid] = (1 + i % 3, SimpleNamespace(group_state="Stable", protocol_type="consumer"))
        assignment = SimpleNamespace(assigned_partitions=[SimpleNamespace(topic=topic, partitions=[0, 1, 2])])
        members = [] if i % 50 == 3 else [SimpleNamespace(member_id=f"consumer-{i}-1", client_id=f"client-{i}",
                                                           client_host="/127.0.0.1", member_assignment=assignment)]
        described[gid] = SimpleNamespace(group_state="Stable" if members else "Empty", protocol_type="consumer",
                                         protocol_data="range", members=members)
        behind = 5 if i % 50 == 3 else 0
        committed[gid] = {(topic, p): 1_000 + i + moved for p in range(3)}
        latest.update({(topic, p): 1_000 + i + moved + behind for p in range(3)})
    big = {(BIG_TOPIC, p): p + tick for p in range(min(data.big_group, data.big_topic))}
    listed[BIG_GROUP] = (1, SimpleNamespace(group_state="Stable", protocol_type="consumer"))
    described[BIG_GROUP] = SimpleNamespace(group_state="Stable", protocol_type="consumer", protocol_data="range",
                                           members=[])
    committed[BIG_GROUP] = dict(big)
    latest.update({k: v + 5 for k, v in big.items()})
    return GroupsFetch(listed, described, committed, latest, [], {})


def offline_source() -> tuple[KafkaSource, list[GroupsFetch]]:
    """A KafkaSource whose groups requests are answered by `answer[0]` (no cluster; the lag-in-time
    round finds no timestamps); set `answer[0]` before each poll."""
    source = KafkaSource(Settings())
    answer: list[GroupsFetch] = []

    def call(what: str, coro: Any, timing: dict[str, float], timeout_s: float | None = None) -> tuple[Any, int]:
        return (RoundResult() if what == "lag in time" else answer[0]), 0

    source._call = call  # type: ignore[method-assign]
    return source, answer


def worker_polls(data: Data, runs: int, profile: str = "") -> dict[str, Any]:
    """CPU ms per poll of the groups poll and of the attention build (see the docstring)."""
    from kafkatui.ui.widgets.attention import AttentionPanel  # the overview's build, run as its worker does

    source, answer = offline_source()
    memo = TopicFindings() if TopicFindings is not None else None  # the panel's, kept between builds
    state = frozen_state(topic_rate_history={}, lag_trends={})
    out: dict[str, Any] = {}
    tick = 0
    for kind in ("idle", "moving"):
        groups_ms, attention_ms, gc_ms = [], [], []
        for n in range(HISTORY_SETTLES + runs):
            tick += kind == "moving"
            answer[:] = [groups_fetch(data, tick)]  # the requests' answers: not measured
            cluster = data.cluster(float(tick))
            prof = None
            if profile and n == HISTORY_SETTLES + runs - 1 and kind == "idle":
                import cProfile
                prof = cProfile.Profile()
                prof.enable()
            g0 = time.thread_time()
            gc.collect()  # see the docstring: each step measured without a full collection of earlier garbage
            c0 = time.thread_time()
            gsnap = warm(source.groups())
            c1 = time.thread_time()
            state = fold(fold(state, Source.CLUSTER, cluster), Source.GROUPS, gsnap)
            gc.collect()
            c2 = time.thread_time()
            AttentionPanel._build((state.cluster, state.groups, state.lag_trends, state.controller),
                                  *([memo] if memo is not None else []))
            c3 = time.thread_time()
            if prof is not None:
                prof.disable()
                import pstats
                pstats.Stats(prof).sort_stats(profile).print_stats(25)
            if n >= HISTORY_SETTLES:
                gc_ms.append((c0 - g0) * 1000)
                groups_ms.append((c1 - c0) * 1000)
                attention_ms.append((c3 - c2) * 1000)
        out[kind] = {"groups_poll_cpu_ms": round(statistics.median(groups_ms), 1),
                     "attention_cpu_ms": round(statistics.median(attention_ms), 1),
                     "full_gc_ms": round(statistics.median(gc_ms), 1)}
        print(f"{kind:>7}: " + "  ".join(f"{k}={v}" for k, v in out[kind].items()), flush=True)
    return out


def preparing(app: Any) -> bool:
    """Are rows of a table on screen still being prepared in a thread worker (not yet shown)?"""
    return any(getattr(table, "preparing", False) for table in app.screen.query(FilterTable))


async def shown(pilot: Any) -> None:
    """Until rows prepared in thread workers are committed and drawn (the workers are awaited, not
    polled, so the waiting costs the UI thread next to nothing)."""
    while preparing(pilot.app):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def timed(pilot: Any, action: Any) -> tuple[float, float, float]:
    """Wall seconds of `action()` and the repaint it causes (until the app is idle), the wall
    seconds until the rows a thread worker prepared for it are committed and drawn too (the new
    data on screen), and the UI thread's CPU seconds over all of that (`thread_time`: the UI
    thread's own, so work moved to a thread worker does not count; the commit does)."""
    await pilot.pause()
    wall, cpu = time.perf_counter(), time.thread_time()
    result = action()
    if asyncio.iscoroutine(result):
        await result
    await pilot.pause()
    handled = time.perf_counter() - wall
    await shown(pilot)
    return handled, time.thread_time() - cpu, time.perf_counter() - wall


def summary(samples: list[tuple[float, float, float]]) -> dict[str, float]:
    walls = [w * 1000 for w, _, _ in samples]
    cpus = [c * 1000 for _, c, _ in samples]
    shown = [s * 1000 for _, _, s in samples]
    return {"wall_ms_median": round(statistics.median(walls), 2), "wall_ms_max": round(max(walls), 2),
            "cpu_ms_median": round(statistics.median(cpus), 2),
            "on_screen_ms_median": round(statistics.median(shown), 2)}


async def open_view(app: Any, pilot: Any, view: str) -> None:
    keys = {"overview": "1", "topics": "3", "groups": "4"}
    if view in keys:
        await pilot.press(keys[view])
    elif view == "group_detail":
        app.open_group(BIG_GROUP)
    else:
        app.open_topic(BIG_TOPIC)
    for _ in range(400):  # the first show of a big view takes a while; then settle
        await pilot.pause(0.05)
        if type(app.screen).__name__.lower().replace("screen", "") in view.replace("_", ""):
            break
    for _ in range(5):
        await pilot.pause(0.05)
    await shown(pilot)


async def measure_view(view: str, data: Data, runs: int) -> dict[str, Any]:
    state = fold(fold(frozen_state(topic_rate_history={}, lag_trends={}), Source.CLUSTER, data.cluster(0.0)),
                 Source.GROUPS, data.groups_snapshot(0.0))
    app = frozen_app(state)
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        began = time.perf_counter()
        await open_view(app, pilot, view)
        out["first_show_ms"] = round((time.perf_counter() - began) * 1000, 1)
        out["screen"] = type(app.screen).__name__
        current = [state]

        def land(source: Source, snapshot: Any, ahead: Any = None) -> None:
            current[0] = fold(current[0], source, snapshot, ahead)
            app.set_state(current[0])

        async def lands(source: Source, snapshot: Any) -> tuple[float, float]:
            """A poll landing: its history folded ahead as the poll's worker thread does (untimed)."""
            ahead = fold_ahead(current[0], source, snapshot)
            return await timed(pilot, lambda: land(source, snapshot, ahead))

        out["baseline"] = summary([await timed(pilot, lambda: None) for _ in range(runs)])
        tick = 1.0
        cluster_busy, groups_busy, folds = [], [], []
        for _ in range(runs):
            snap, gsnap = data.cluster(tick), data.groups_snapshot(tick)
            t0, c0 = time.perf_counter(), time.thread_time()
            fold(fold(current[0], Source.CLUSTER, snap), Source.GROUPS, gsnap)
            folds.append((time.perf_counter() - t0, time.thread_time() - c0, time.perf_counter() - t0))
            cluster_busy.append(await lands(Source.CLUSTER, snap))
            groups_busy.append(await lands(Source.GROUPS, gsnap))
            tick += 1
        out["busy_cluster"] = summary(cluster_busy)
        out["busy_groups"] = summary(groups_busy)
        out["fold_in_worker"] = summary(folds)  # both histories; off the UI thread since issue 14
        cluster_idle, groups_idle = [], []
        tick -= 1
        for _ in range(HISTORY_SETTLES):  # until the sparklines' samples stop moving
            land(Source.CLUSTER, data.cluster(tick))
            land(Source.GROUPS, data.groups_snapshot(tick))
            await shown(pilot)
        for _ in range(runs):
            snap, gsnap = data.cluster(tick), data.groups_snapshot(tick)
            cluster_idle.append(await lands(Source.CLUSTER, snap))
            groups_idle.append(await lands(Source.GROUPS, gsnap))
        out["idle_cluster"] = summary(cluster_idle)
        out["idle_groups"] = summary(groups_idle)
        keys = []
        for _ in range(runs):
            tick += 1
            snap, gsnap = data.cluster(tick), data.groups_snapshot(tick)

            ahead = fold_ahead(current[0], Source.CLUSTER, snap), fold_ahead(current[0], Source.GROUPS, gsnap)

            async def refresh_and_key(s: Any = snap, g: Any = gsnap, a: Any = ahead) -> None:
                land(Source.CLUSTER, s, a[0])
                land(Source.GROUPS, g, a[1])  # a cluster landing leaves the lag history as it was
                await pilot.press("j")

            keys.append(await timed(pilot, refresh_and_key))
        out["key_during_refresh"] = summary(keys)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--big-topic", type=int, default=1_000, help="partitions of the topic the detail opens")
    parser.add_argument("--big-group", type=int, default=3_000, help="partitions of the group the detail opens")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--views", default=",".join(VIEWS))
    parser.add_argument("--workers", action="store_true", help="the poll workers' CPU instead of the views")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    data = Data(args.topics, args.groups, args.big_topic, args.big_group)
    if args.workers:
        loads = [round(x, 2) for x in os.getloadavg()]
        print(f"load average before: {loads}", flush=True)
        found = {"topics": args.topics + 1, "partitions": args.topics * 3 + args.big_topic,
                 "groups": args.groups + 1, "runs": args.runs, "load_before": loads, **worker_polls(data, args.runs)}
        found["load_after"] = [round(x, 2) for x in os.getloadavg()]
        print(f"load average after: {found['load_after']}", flush=True)
        out = Path(args.out or HERE / "out" / "workers.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(found, indent=2) + "\n")
        return 0
    results: dict[str, Any] = {
        "size": f"{SIZE[0]}x{SIZE[1]}", "runs": args.runs, "topics": args.topics + 1,
        "partitions": args.topics * 3 + args.big_topic, "groups": args.groups + 1,
        "group_detail_partitions": args.big_group, "topic_detail_partitions": args.big_topic, "views": {},
    }
    for view in args.views.split(","):
        results["views"][view] = row = asyncio.run(measure_view(view, data, args.runs))
        brief = {k: (v["cpu_ms_median"] if isinstance(v, dict) else v) for k, v in row.items()}
        print(f"{view:>13}: " + "  ".join(f"{k}={v}" for k, v in brief.items()), flush=True)
        shown = {k: v["on_screen_ms_median"] for k, v in row.items() if isinstance(v, dict) and k != "baseline"}
        print(f"{'on screen ms':>13}: " + "  ".join(f"{k}={v}" for k, v in shown.items()), flush=True)
    out = Path(args.out or HERE / "out" / "views_ui.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
