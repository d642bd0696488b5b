"""The real app on a large cluster: idle CPU, terminal bytes, RSS, key latency and the UI thread per
refresh, per view, at three sizes, side by side with kaskade 5.1 in the same run (issue 14).

Why: kafkatui runs on a broker host. The data layer's cost per refresh is measured by
bench_scale.py; this measures what the operator and the host see from the running app when the
cluster has thousands of topics, partitions and consumer groups.

What it does, for each size (smallest first; each size adds only the difference):
1. Creates topics `bench-scaleui-tNNNNN` (3 partitions, RF 1, 100 per CreateTopics request, 4
   requests in flight) and consumer groups `bench-scaleui-gNNNNN`, each made by committing offset
   0 on the 3 partitions of one topic (the harness's admin client: kafkatui never writes), in
   steps of 1,000 topics that log the rate and each broker's RSS, fds and maps. A topic
   `bench-scaleui-tail` gets ~2 records/s from a harness producer for the whole run.
2. Idle phase, all at once, each in its own tmux session (160x48): the installed `kafkatui` in the
   topics, overview, groups and tail views (default 5 s refresh), and kaskade 5.1 (`kaskade admin`,
   its topics list) at its default refresh (30 s) and at 5 s. After the view is on screen and a
   settle time, a window of `--window-s` gives, per app: CPU % of its process (psutil user+system,
   all threads), bytes to the terminal per minute (tmux pipe-pane), RSS (median and max of the
   samples). kafkatui runs with KAFKATUI_BENCH_TRACE, which appends one line per applied poll with
   the UI thread's CPU from handling it until the frame after it was drawn (polling.py).
3. Time to the first topic row: launch to a `bench-scaleui-t` row on screen (kafkatui: `3` is sent
   at the first paint), alternating kafkatui and kaskade, `--starts` each.
4. Key latency, kafkatui's topics view alone: `G`/`g` (bottom/top), `j` (cursor down), `/` (the
   prompt), a typed filter (the table shows one topic) and Esc (the whole list again), with random
   gaps so they land anywhere in the 5 s refresh cycle; then kaskade's `G`/`g`. Latency is from
   send-keys until the screen shows the effect: the pipe-pane file is watched with os.stat every
   2 ms and the pane is captured when bytes arrive, so the figure is the arrival of the frame that
   shows it (no busy capture loop competing with the app for the CPU). Samples whose interval
   overlaps a refresh's UI work (from the trace) are also reported apart ("during refresh").
5. With --profile-s: each kafkatui view alone under py-spy (speedscope files next to the JSON,
   and a summary of the busy samples per thread).
6. Cleanup in `finally` (also on SIGTERM and Ctrl-C): every bench group and topic is deleted, the
   producer stops, and the private tmux server with every app it started is killed.

Sizes: small (500 topics, 1,500 partitions, 250 groups), medium (3,000 / 9,000 / 1,500), large
(10,000 / 30,000 / 5,000), or TOPICS:GROUPS. More than 1,000 topics are refused on a cluster that
holds the demo topic `payments` (a shared, seeded cluster) unless `--force`: use a private cluster
(see bench/README.md). If creating stops before the goal (a broker gone, OutOfMemoryError, the
budget), the run measures the size reached and says why.

    python bench/bench_scale_ui.py [--state-dir DIR] [--sizes small,medium,large] [--budget-s 1500]
                                   [--window-s 60] [--keys 24] [--starts 3] [--connect-timeout S]
                                   [--profile-s S] [--no-kaskade] [--keep]

Writes bench/out/scale_ui.json and prints a table. Needs tmux, the `kafkatui` console script, and
for kaskade a venv of its own at ~/.cache/kafkatui/kaskade-venv (created with pip if missing).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "scale_ui.json"
PREFIX = "bench-scaleui-"
TAIL_TOPIC = f"{PREFIX}tail"
PARTITIONS = 3
PER_REQUEST = 100
CREATE_CONNECTIONS = 4  # CreateTopics requests in flight at once, each on its own admin client
STEP_TOPICS = 1000  # grow() logs, and makes the groups, after each step
SIZES = {"small": (500, 250), "medium": (3000, 1500), "large": (10000, 5000)}
SHARED_TOPIC_LIMIT = 1000
SCREEN = (160, 48)
REFRESH_S = 5.0
KASKADE_VERSION = "5.1.0"
KASKADE_VENV = Path.home() / ".cache" / "kafkatui" / "kaskade-venv"
SECONDS_PER_TOPIC_GUESS = 0.03  # create + groups, before the first size measures it
ABORT = threading.Event()  # set on SIGTERM/Ctrl-C: every wait gives up, so the cleanup starts at once
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from kafka import KafkaProducer, TopicPartition  # noqa: E402
from kafka.structs import OffsetAndMetadata  # noqa: E402

from bench.bench_idle import cluster_env as idle_cluster_env  # noqa: E402
from bench.bench_scale import Topics, stats  # noqa: E402
from bench.tmux_server import Pane, TmuxServer, kafkatui_command  # noqa: E402
from kafkatui.kafka.clients import no_auto_create  # noqa: E402


def log(message: str) -> None:
    print(message, flush=True)


def topic(i: int) -> str:
    return f"{PREFIX}t{i:05d}"


def group(i: int) -> str:
    return f"{PREFIX}g{i:05d}"


def resolve_state_dir(state_dir: Path | None) -> Path:
    """--state-dir, else $KAFKATUI_TEST_STATE_DIR, else the checkout's .localcluster."""
    return (state_dir or Path(os.environ.get("KAFKATUI_TEST_STATE_DIR") or REPO / ".localcluster")).resolve()


def cluster_env(state_dir: Path | None) -> dict[str, str]:
    """The cluster: the environment, else the state dir's env file (resolve_state_dir)."""
    return idle_cluster_env(resolve_state_dir(state_dir))


# --------------------------------------------------------------------------- the cluster's load


class ScaleCluster(Topics):
    """bench_scale's topic helper with this benchmark's names, consumer groups made by committing
    offsets, and a cleanup sized for thousands of topics (large DeleteTopics requests, no wait per
    request; the end state is checked in the metadata and in ZooKeeper)."""

    def __init__(self, bootstrap: str, zookeeper: str | None) -> None:
        super().__init__(bootstrap, zookeeper)
        self.groups: set[str] = set()

    def leftovers(self) -> list[str]:
        return sorted(n for n in self.admin.list_topics() if n.startswith(PREFIX))

    def bench_groups(self) -> list[str]:
        listed = self.admin.list_groups()
        # kafka-python 3: dicts ({"group_id": ...}); older: (group_id, protocol_type) tuples
        ids = [g.get("group_id") if isinstance(g, dict) else g[0] if isinstance(g, tuple) else getattr(g, "group_id", g)
               for g in listed]
        return sorted(g for g in ids if isinstance(g, str) and g.startswith(PREFIX))

    def create_parallel(self, names: list[str], partitions: int, per_request: int, connections: int) -> None:
        """CreateTopics requests of `per_request` topics, `connections` in flight at once (one admin
        client each): one request at a time left the controller idle between requests, and the
        create rate was 3-13 topics/s (bench/README.md)."""
        from kafka import KafkaAdminClient

        chunks = [names[k:k + per_request] for k in range(0, len(names), per_request)]

        def work(mine: list[list[str]]) -> None:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="kafkatui-bench-scale-ui",
                                     request_timeout_ms=120000)
            try:
                for chunk in mine:
                    self.create_chunk(admin, chunk, partitions)
            finally:
                admin.close()

        with ThreadPoolExecutor(connections) as pool:
            shares = [chunks[k::connections] for k in range(connections)]
            for future in [pool.submit(work, share) for share in shares if share]:
                future.result()

    def make_groups(self, ids: list[int], topics: int, threads: int = 4) -> None:
        """Group i commits offset 0 on every partition of topic i % topics; one admin client per thread."""
        from kafka import KafkaAdminClient

        def work(chunk: list[int]) -> None:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="kafkatui-bench-scale-ui",
                                     request_timeout_ms=60000)
            try:
                for i in chunk:
                    name = group(i)
                    self.groups.add(name)
                    offsets = {TopicPartition(topic(i % topics), p): OffsetAndMetadata(0, "", -1)
                               for p in range(PARTITIONS)}
                    for attempt in range(20):  # the first commit creates __consumer_offsets
                        try:
                            admin.alter_group_offsets(name, offsets)
                            break
                        except Exception as exc:
                            if attempt == 19:
                                raise RuntimeError(f"could not commit for {name}: {exc}") from exc
                            time.sleep(2)
            finally:
                admin.close()

        chunks = [ids[k::threads] for k in range(threads)]
        with ThreadPoolExecutor(threads) as pool:
            for future in [pool.submit(work, c) for c in chunks if c]:
                future.result()

    def delete_everything(self, timeout_s: float = 600.0) -> dict[str, Any]:
        """Groups first (their offsets name the topics), then the topics; waits until gone."""
        started = time.monotonic()
        result: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            self.groups |= set(self.bench_groups())
        names = sorted(self.groups)
        failed = 0
        for start in range(0, len(names), 500):
            try:
                answer = self.admin.delete_groups(names[start:start + 500])  # {group: error} in kafka-python 3
                for _gid, error in answer.items() if isinstance(answer, dict) else answer:
                    kind = error if isinstance(error, str) or error is None else type(error).__name__
                    failed += kind not in (None, "NoError", "GroupIdNotFoundError")
            except Exception as exc:
                log(f"  delete groups: {type(exc).__name__}: {exc}")
                failed += 1
        left_groups: list[str] = []
        with contextlib.suppress(Exception):
            left_groups = self.bench_groups()
        result["groups"] = {"deleted": len(names), "errors": failed, "left": len(left_groups),
                            "seconds": round(time.monotonic() - started, 1)}
        log(f"deleted {len(names)} bench groups ({len(left_groups)} left) in {result['groups']['seconds']} s")
        result["topics"] = self.delete_all(timeout_s, per_request=500, request_timeout_ms=1000)
        return result


class TailProducer(threading.Thread):
    """~2 records/s to the tail topic, like the demo's `payments`, for the whole run."""

    def __init__(self, bootstrap: str, rate: float = 2.0) -> None:
        super().__init__(daemon=True, name="tail-producer")
        self.bootstrap, self.rate, self.stop = bootstrap, rate, threading.Event()
        self.sent = 0

    def run(self) -> None:
        producer = no_auto_create(KafkaProducer(bootstrap_servers=self.bootstrap, acks=1, linger_ms=0,
                                                allow_auto_create_topics=False, max_block_ms=10000))
        try:
            while not self.stop.wait(1.0 / self.rate):
                with contextlib.suppress(Exception):
                    value = json.dumps({"id": self.sent, "amount": random.randint(1, 9999), "currency": "EUR"})
                    producer.send(TAIL_TOPIC, key=f"p{self.sent % 17}".encode(), value=value.encode())
                    self.sent += 1
        finally:
            producer.close(timeout=5)


def grow(cluster: ScaleCluster, have: tuple[int, int], want: tuple[int, int], deadline: float,
         state_dir: Path | None = None) -> dict[str, Any]:
    """Add topics have[0]..want[0]-1 and, step by step, the groups in proportion (want[1] at
    want[0] topics); stop early at the deadline, keeping the proportion. Each step's rate and the
    brokers' RSS, fds and memory maps go to the log and to `steps`, so a run that stops says where."""
    started = time.monotonic()
    topics, groups = have
    topics_s = groups_s = 0.0
    stop_reason = None
    steps: list[dict[str, Any]] = []
    while True:
        target = min(max(want[0], topics), topics + STEP_TOPICS)
        target_groups = max(groups, want[1] if target >= want[0] else want[1] * target // max(want[0], 1))
        if target == topics and target_groups == groups:
            break
        if time.monotonic() > deadline:
            stop_reason = "budget"
            break
        t0 = time.monotonic()
        try:
            chunk = [topic(i) for i in range(topics, target)]
            if chunk:
                cluster.create_parallel(chunk, PARTITIONS, PER_REQUEST, CREATE_CONNECTIONS)
                cluster.wait_ready(chunk, timeout_s=180)
            t1 = time.monotonic()
            topics_s += t1 - t0
            added_topics, topics = target - topics, target
            cluster.make_groups(list(range(groups, target_groups)), topics)
            added_groups, groups = target_groups - groups, target_groups
            t2 = time.monotonic()
            groups_s += t2 - t1
        except Exception as exc:
            stop_reason = f"growing failed at {topics} topics, {groups} groups: {type(exc).__name__}: {exc}"[:500]
            break
        step = {"topics": topics, "groups": groups, "topics_per_s": round(added_topics / max(t1 - t0, 1e-3), 1),
                "groups_per_s": round(added_groups / max(t2 - t1, 1e-3), 1), "loadavg": os.getloadavg()[0],
                "brokers": broker_health(state_dir)}
        steps.append(step)
        worst = {k: max((b[k] for b in step["brokers"].values()), default=None) for k in ("rss_mb", "fds", "maps")}
        log(f"  {topics:,} topics ({step['topics_per_s']}/s), {groups:,} groups ({step['groups_per_s']}/s), "
            f"{time.monotonic() - started:.0f} s; busiest broker: RSS {worst['rss_mb']} MB, {worst['fds']} fds, "
            f"{worst['maps']} maps; load {step['loadavg']:.1f}")
    return {"topics": topics, "partitions": topics * PARTITIONS, "groups": groups, "topics_s": round(topics_s, 1),
            "groups_s": round(groups_s, 1), "stopped": stop_reason, "steps": steps}


def broker_health(state_dir: Path | None) -> dict[str, Any]:
    """Each broker JVM's RSS, open fds and memory maps (the limits a large cluster runs into)."""
    import psutil

    out: dict[str, Any] = {}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if "kafka.Kafka" not in cmd or (state_dir and str(state_dir) not in cmd):
            continue
        with contextlib.suppress(Exception):
            maps = sum(1 for _ in open(f"/proc/{proc.pid}/maps"))  # noqa: SIM115
            out[str(proc.pid)] = {"rss_mb": round(proc.memory_info().rss / 2**20), "fds": proc.num_fds(),
                                  "maps": maps, "fd_limit": proc.rlimit(psutil.RLIMIT_NOFILE)[0]}
    return out


# --------------------------------------------------------------------------- apps in tmux


class Watched:
    """A pane whose output is also copied to a file (pipe-pane): bytes, and waits that cost no CPU
    while nothing is drawn (os.stat every 2 ms; the pane is captured only when bytes arrived)."""

    def __init__(self, pane: Pane, log_path: Path) -> None:
        self.pane, self.log = pane, log_path
        pane.tmux.run("pipe-pane", "-o", "-t", pane.session, f"cat >> {shlex.quote(str(log_path))}")

    def size(self) -> int:
        try:
            return self.log.stat().st_size
        except FileNotFoundError:
            return 0

    def wait(self, predicate: Callable[[str], bool], timeout: float, *, raw: bool = False) -> float | None:
        """Monotonic time at which bytes arrived that made `predicate(screen)` hold, or None."""
        deadline = time.monotonic() + timeout
        size, last_capture, arrived = self.size(), 0.0, time.monotonic()
        while True:
            now = time.monotonic()
            grown = self.size()
            if grown != size or now - last_capture > 0.25:
                if grown != size:
                    arrived = now
                size, last_capture = grown, now
                screen = self.pane.raw() if raw else self.pane.text()
                if predicate(screen):
                    return arrived
            if now > deadline or ABORT.is_set():
                return None
            time.sleep(0.002)


@dataclass
class App:
    """One app in one tmux session, with what the idle window measured."""

    name: str
    tool: str
    view: str
    watched: Watched
    trace: Path | None
    note: str = ""
    pid: int = 0
    window: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class Apps:
    def __init__(self, tmux: TmuxServer, work: Path, env: dict[str, str], kaskade: str | None,
                 connect_timeout_s: float | None = None) -> None:
        self.tmux, self.work, self.env, self.kaskade = tmux, work, env, kaskade
        if connect_timeout_s is not None:  # kafkatui's config file (XDG_CONFIG_HOME is work/config)
            config = work / "config" / "kafkatui" / "config.toml"
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(f"connect_timeout = {connect_timeout_s:g}\n")

    def kafkatui_args(self, *extra: str) -> list[str]:
        command = kafkatui_command()
        assert command, "the kafkatui console script is not installed"
        args = [command, "--bootstrap", self.env["KAFKATUI_BOOTSTRAP"]]
        if self.env.get("KAFKATUI_ZOOKEEPER"):
            args += ["--zookeeper", self.env["KAFKATUI_ZOOKEEPER"]]
        return args + list(extra)

    def launch(self, tool: str, view: str, extra: tuple[str, ...] = ()) -> App:
        tag = uuid.uuid4().hex[:8]
        trace = self.work / f"trace-{tag}.jsonl" if tool == "kafkatui" else None
        child_env = {"XDG_CONFIG_HOME": str(self.work / "config"), "XDG_STATE_HOME": str(self.work / "state"),
                     "TERM": "tmux-256color", "COLORTERM": "truecolor"}
        if tool == "kafkatui":
            assert trace is not None
            child_env["KAFKATUI_BENCH_TRACE"] = str(trace)
            args = self.kafkatui_args(*extra)
        else:
            assert self.kaskade
            args = [self.kaskade, "admin", "-b", self.env["KAFKATUI_BOOTSTRAP"], *extra]
        pane = self.tmux.launch(args, child_env, SCREEN, name=f"{tool}-{view}")
        app = App(f"{tool}:{view}", tool, view, Watched(pane, self.work / f"pane-{tag}.out"), trace)
        with contextlib.suppress(Exception):
            app.pid = pane.pid()
        return app


def first_row_visible(screen: str) -> bool:
    return topic(0) in screen


def setup_view(app: App, timeout: float) -> None:
    """Bring the app to its view, with bench data on screen."""
    w = app.watched
    if app.tool == "kaskade":
        if w.wait(first_row_visible, timeout) is None:
            raise RuntimeError("kaskade showed no bench topic")
        return
    if w.wait(lambda s: "READ-ONLY" in s, 60) is None:
        raise RuntimeError("kafkatui did not paint")
    if app.view == "topics":
        w.pane.keys("3")
        ok = w.wait(first_row_visible, timeout)
    elif app.view == "groups":
        w.pane.keys("4")
        ok = w.wait(lambda s: group(0) in s, timeout)
    elif app.view == "overview":
        ok = w.wait(lambda s: "Brokers" in s and "ZooKeeper" in s and "overview" in s, timeout)
    else:  # the tail, opened with --tail
        ok = w.wait(lambda s: "amount" in s, timeout)
    if ok is None:
        raise RuntimeError(f"kafkatui's {app.view} view did not show bench data")


def read_trace(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


def idle_window(apps: list[App], settle_s: float, window_s: float, timeout: float) -> None:
    """Set every app up (in parallel), settle, then one common window of CPU, bytes and RSS."""
    import psutil

    def setup(app: App) -> None:
        try:
            setup_view(app, timeout)
        except Exception as exc:
            app.error = f"{type(exc).__name__}: {exc}"[:500]

    with ThreadPoolExecutor(len(apps)) as pool:
        list(pool.map(setup, apps))
    time.sleep(settle_s)
    live = [a for a in apps if a.error is None and a.pid]
    procs = {a.name: psutil.Process(a.pid) for a in live}
    start = {a.name: (a.watched.size(), procs[a.name].cpu_times(), len(read_trace(a.trace))) for a in live}
    rss: dict[str, list[float]] = {a.name: [] for a in live}
    t0 = time.monotonic()
    while (elapsed := time.monotonic() - t0) < window_s:
        time.sleep(min(5.0, window_s - elapsed))
        for a in live:
            with contextlib.suppress(Exception):
                rss[a.name].append(procs[a.name].memory_info().rss / 2**20)
    seconds = time.monotonic() - t0
    for a in live:
        try:
            b0, c0, n0 = start[a.name]
            c1 = procs[a.name].cpu_times()
            busy = (c1.user - c0.user) + (c1.system - c0.system)
            polls = read_trace(a.trace)[n0:]
            a.window = {
                "seconds": round(seconds, 1),
                "cpu_percent": round(100.0 * busy / seconds, 2),
                "bytes_per_min": round((a.watched.size() - b0) * 60.0 / seconds),
                "rss_mb": stats(rss[a.name]),
                "ui_ms_per_refresh": ui_cost(polls),
                "poll_interval_s": poll_intervals(polls),
            }
            if a.tool == "kafkatui":  # what the header says (a stretched refresh: "slowed ...")
                a.window["header"] = [line.rstrip() for line in a.watched.pane.text().splitlines()[:2]]
        except Exception as exc:
            a.error = f"{type(exc).__name__}: {exc}"[:500]


def ui_cost(polls: list[dict[str, Any]]) -> dict[str, Any]:
    """Per source: the UI thread's CPU per applied poll (handled until drawn), median [min-max], p99."""
    out: dict[str, Any] = {}
    for source in sorted({p["source"] for p in polls}):
        values = [p["ui_cpu_ms"] for p in polls if p["source"] == source]
        out[source] = {**(stats(values) or {}), "p99": percentile(values, 99),
                       "worker_cpu_ms": stats(p["worker_cpu_ms"] for p in polls if p["source"] == source)}
    return out


def poll_intervals(polls: list[dict[str, Any]]) -> dict[str, Any]:
    """Per source: the seconds between applied polls in the window (refresh pacing, refresh/pace.py,
    stretches them past the set 5 s when a poll costs too much of its interval)."""
    out: dict[str, Any] = {}
    for source in sorted({p["source"] for p in polls}):
        times = [p["handled_at"] for p in polls if p["source"] == source]
        out[source] = stats(b - a for a, b in itertools.pairwise(times))
    return out


def percentile(values: Iterable[float], q: float) -> float | None:
    vals = sorted(values)
    if not vals:
        return None
    k = (len(vals) - 1) * q / 100.0
    lo, hi = int(k), min(int(k) + 1, len(vals) - 1)
    return round(vals[lo] + (vals[hi] - vals[lo]) * (k - lo), 2)


def latency_summary(samples: list[dict[str, Any]], polls: list[dict[str, Any]]) -> dict[str, Any]:
    """p50/p99/max per key, and the same for the samples that overlapped a refresh's UI work."""
    busy = [(p["handled_at"], p["painted_at"]) for p in polls]
    out: dict[str, Any] = {}
    for key in sorted({s["key"] for s in samples}):
        ms = [s["ms"] for s in samples if s["key"] == key and s["ms"] is not None]
        during = [s["ms"] for s in samples if s["key"] == key and s["ms"] is not None
                  and any(a <= s["seen_wall"] and b >= s["sent_wall"] for a, b in busy)]
        timeouts = sum(1 for s in samples if s["key"] == key and s["ms"] is None)
        out[key] = {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99),
                    "max": max(ms, default=None), "timeouts": timeouts,
                    "during_refresh": {"n": len(during), "p50": percentile(during, 50),
                                       "max": max(during, default=None)}}
    return out


def timed_key(w: Watched, keys: tuple[str, ...], predicate: Callable[[str], bool], timeout: float,
              name: str, *, literal: bool = False, raw: bool = False) -> dict[str, Any]:
    sent_wall, sent = time.time(), time.monotonic()
    w.pane.keys(*keys, literal=literal)
    seen = w.wait(predicate, timeout, raw=raw)
    ms = None if seen is None else round(max(seen - sent, 0.0) * 1000, 1)
    return {"key": name, "ms": ms, "sent_wall": sent_wall, "seen_wall": sent_wall + (ms or timeout * 1000) / 1000}


def background(bg: str, code: str) -> str:
    """The background colour after one SGR sequence's parameters (the cursor row is told by it)."""
    params = code.split(";") if code else ["0"]
    k = 0
    while k < len(params):
        p = params[k]
        if p in ("", "0", "49"):
            bg = ""
        elif p == "48":
            width = 5 if params[k + 1:k + 2] == ["2"] else 3
            bg, k = ";".join(params[k:k + width]), k + width - 1
        elif p == "38":
            k += 4 if params[k + 1:k + 2] == ["2"] else 2
        elif p.isdigit() and (40 <= int(p) <= 47 or 100 <= int(p) <= 107):
            bg = p
        k += 1
    return bg


def cursor_line(raw: str) -> int | None:
    """The screen line of the table's cursor: the one bench-topic line whose name is drawn on a
    background no other bench-topic line has. `capture-pane -e` writes an SGR sequence only where
    the style changes, so the background in force is tracked across the whole screen."""
    bg, rows = "", []
    for i, line in enumerate(raw.splitlines()):
        head, found, tail = line.partition(PREFIX)
        for seq in head.split("\x1b[")[1:]:
            bg = background(bg, seq.split("m", 1)[0])
        if found:
            rows.append((i, bg))
            for seq in tail.split("\x1b[")[1:]:
                bg = background(bg, seq.split("m", 1)[0])
    counts: dict[str, int] = {}
    for _, colour in rows:
        counts[colour] = counts.get(colour, 0) + 1
    odd = [i for i, colour in rows if counts[colour] == 1]
    return odd[0] if len(rows) >= 3 and len(odd) == 1 else None


def key_latency(app: App, topics: int, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """G/g, j, / and a filter in one app's topics list, at random phases of the refresh cycle."""
    w = app.watched
    last = topic(topics - 1)
    at_bottom = lambda s: last in s and topic(0) not in s  # noqa: E731
    at_top = lambda s: topic(0) in s  # noqa: E731
    samples: list[dict[str, Any]] = []
    for i in range(n):
        time.sleep(rng.uniform(0.2, 1.2))
        samples.append(timed_key(w, ("G",), at_bottom, 20, "G"))
        time.sleep(rng.uniform(0.2, 1.2))
        samples.append(timed_key(w, ("g",), at_top, 20, "g"))
        if app.tool != "kafkatui":
            continue
        if i % 2 == 0:  # j: the cursor line moves down by one
            time.sleep(rng.uniform(0.2, 1.2))
            before = cursor_line(w.pane.raw())
            if before is None:  # the cursor is on another cluster's topic that sorts first ('audit')
                w.pane.keys("j")
                if w.wait(lambda s: cursor_line(s) is not None, 10, raw=True) is not None:
                    time.sleep(rng.uniform(0.2, 1.2))
                    before = cursor_line(w.pane.raw())
            if before is not None:
                samples.append(timed_key(w, ("j",), lambda s, b=before: cursor_line(s) == b + 1, 10, "j", raw=True))
        else:  # / then a filter that leaves one topic, then Esc
            time.sleep(rng.uniform(0.2, 1.2))
            samples.append(timed_key(w, ("/",), lambda s: "Enter keeps" in s, 10, "/"))
            want = topic(rng.randrange(topics))
            shown = lambda s, t=want: t in s and topic(0) not in s  # noqa: E731
            samples.append(timed_key(w, (want.removeprefix(PREFIX) + "$",), shown, 20, "filter", literal=True))
            time.sleep(rng.uniform(0.2, 0.6))
            samples.append(timed_key(w, ("Escape",), at_top, 20, "Esc (clear filter)"))
    return samples


def time_to_first_row(apps: Apps, tool: str, timeout: float) -> float | None:
    """Launch to the first bench topic row on screen, in ms."""
    started = time.monotonic()
    app = apps.launch(tool, "first-row")
    try:
        w = app.watched
        if tool == "kafkatui":
            if w.wait(lambda s: "READ-ONLY" in s, timeout) is None:
                return None
            w.pane.keys("3")
        seen = w.wait(first_row_visible, timeout)
        return None if seen is None else round((seen - started) * 1000, 1)
    finally:
        w.pane.close()


# --------------------------------------------------------------------------- kaskade


def kaskade_command(path: Path) -> str | None:
    """kaskade 5.1 in its own venv (it pins textual<9; kafkatui's venv must not get it)."""
    exe = path / "bin" / "kaskade"
    if not exe.exists():
        log(f"creating {path} with kaskade=={KASKADE_VERSION} (once)")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
            subprocess.run([str(path / "bin" / "pip"), "install", "-q", f"kaskade=={KASKADE_VERSION}"], check=True,
                           timeout=600)
        except Exception as exc:
            log(f"kaskade unavailable: {exc}")
            return None
    return str(exe)


def kaskade_version(exe: str) -> str | None:
    with contextlib.suppress(Exception):
        return subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return None


# --------------------------------------------------------------------------- the run


def parse_sizes(text: str) -> list[tuple[str, int, int]]:
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if part in SIZES:
            out.append((part, *SIZES[part]))
        else:
            t, _, g = part.partition(":")
            out.append((part, int(t), int(g or int(t) // 2)))
    return sorted(out, key=lambda s: s[1])


def measure_size(apps: Apps, reached: dict[str, Any], args: argparse.Namespace, rng: random.Random,
                 save: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Idle phase, first rows, keys; `save(row)` after each, so a run cut short keeps what it measured."""
    topics = reached["topics"]
    timeout = 180 + topics / 20  # several apps start at once on a loaded machine: at load 39, 90 s was too short
    row: dict[str, Any] = {"size": reached, "loadavg_before": list(os.getloadavg())}
    log(f"  idle window: {args.window_s:g} s, all apps at once")
    idle = [apps.launch("kafkatui", "topics"), apps.launch("kafkatui", "overview"),
            apps.launch("kafkatui", "groups"), apps.launch("kafkatui", "tail", ("--tail", TAIL_TOPIC))]
    if apps.kaskade:
        idle.append(apps.launch("kaskade", "topics"))
        idle.append(apps.launch("kaskade", "topics (5 s)", ("--refresh-interval", "5")))
        idle[-1].note = "kaskade at kafkatui's default refresh (5 s)"
        idle[-2].note = "kaskade at its default refresh (30 s)"
    try:
        idle_window(idle, args.settle_s, args.window_s, timeout)
    finally:
        for a in idle:
            a.watched.pane.close()
    row["idle"] = {a.name: {"note": a.note, **a.window, "error": a.error} for a in idle}
    save(row)
    log("  time to the first topic row")
    starts: dict[str, list[float | None]] = {"kafkatui": [], "kaskade": []}
    for _ in range(args.starts):
        for tool in (["kafkatui", "kaskade"] if apps.kaskade else ["kafkatui"]):
            starts[tool].append(time_to_first_row(apps, tool, timeout))
    row["first_row_ms"] = {t: {**(stats(v for v in s if v is not None) or {}), "failed": sum(v is None for v in s)}
                          for t, s in starts.items() if s}
    save(row)
    log("  key latency")
    row["keys"] = {}
    for tool in (["kafkatui", "kaskade"] if apps.kaskade else ["kafkatui"]):
        app = apps.launch(tool, "keys")
        try:
            setup_view(app, timeout) if tool == "kaskade" else (
                app.watched.wait(lambda s: "READ-ONLY" in s, 60), app.watched.pane.keys("3"),
                app.watched.wait(first_row_visible, timeout))
            time.sleep(REFRESH_S)
            n = args.keys if tool == "kafkatui" else max(4, args.keys // 2)
            samples = key_latency(app, topics, n, rng)
            row["keys"][tool] = latency_summary(samples, read_trace(app.trace))
        except Exception as exc:
            row["keys"][tool] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        finally:
            app.watched.pane.close()
    row["loadavg_after"] = list(os.getloadavg())
    if apps.kaskade:
        row["ratios_vs_kaskade"] = ratios(row)
    return row


def py_spy_command() -> str | None:
    """py-spy (pip install py-spy) next to the running interpreter, or on PATH."""
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


def frame_label(frame: dict[str, Any]) -> str:
    """A speedscope frame -> `update (kafkatui/ui/widgets/table.py)`: one entry per function,
    whatever line of it was running, with the path from the package on."""
    path = str(frame.get("file") or "")
    for marker in ("site-packages/", "/lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    if "/kafkatui/" in path:
        path = "kafkatui/" + path.rsplit("/kafkatui/", 1)[1]
    return f"{frame.get('name')} ({path})"


IDLE_LEAVES = ("EpollSelector.select", "SelectSelector.select", "Condition.wait", "Event.wait", "_worker", "sleep")
"""Leaf frames of a thread that waits (an event loop's select, a pool worker's queue, a condition):
py-spy counts some of these samples as busy, so they are taken out by name."""


def summarize_profile(speedscope: Path, top: int = 12) -> dict[str, Any]:
    """py-spy's speedscope file -> where the busy samples are: per thread group ("ui" = the main
    thread, "kafka-io" = kafka-python's network thread, which decodes the responses, "workers" =
    kafkatui's poll workers and the rest) the busy samples at 100 Hz (so 100 = one second of a
    core), and per group the functions with the most busy samples on their stacks (inclusive %,
    kafkatui's own functions) and at the top of the stack (self %)."""
    doc = json.loads(speedscope.read_text())
    frames = [frame_label(f) for f in doc["shared"]["frames"]]
    busy: dict[str, int] = {}
    inclusive: dict[str, dict[str, int]] = {}
    own: dict[str, dict[str, int]] = {}
    for profile in doc.get("profiles", []):  # one per thread; stacks root first, weights in seconds
        name = str(profile.get("name"))
        group = "ui" if '"MainThread"' in name else "kafka-io" if '"kafka-io-' in name else "workers"
        for stack, weight in zip(profile.get("samples", []), profile.get("weights", []), strict=False):
            labels = [frames[i] for i in stack if not frames[i].startswith("thread (")]
            if not labels or labels[-1].split(" (")[0] in IDLE_LEAVES:
                continue
            n = max(1, round(float(weight) * 100))  # recorded at 100 Hz
            busy[group] = busy.get(group, 0) + n
            for label in set(labels):
                inclusive.setdefault(group, {})[label] = inclusive.get(group, {}).get(label, 0) + n
            own.setdefault(group, {})[labels[-1]] = own.get(group, {}).get(labels[-1], 0) + n

    def ranked(table: dict[str, int], total: int) -> list[list[Any]]:
        return [[label, round(100.0 * n / max(total, 1), 1)]
                for label, n in sorted(table.items(), key=lambda x: -x[1])[:top]]

    return {"busy_samples": busy,
            "inclusive_pct": {g: ranked({k: v for k, v in t.items() if "kafkatui/" in k}, busy[g])
                              for g, t in inclusive.items()},
            "self_pct": {g: ranked(t, busy[g]) for g, t in own.items()}}


def profile_views(apps: Apps, seconds: float, timeout: float, out_dir: Path, label: str) -> dict[str, Any]:
    """One kafkatui per view, alone (py-spy pauses the process for each sample, so this is not
    part of the idle window): `py-spy record` for `seconds` at 100 Hz, a speedscope file in
    `out_dir` (open it in https://www.speedscope.app), and a summary of it (summarize_profile)."""
    spy = py_spy_command()
    if spy is None:
        return {"error": "py-spy is not installed (pip install py-spy)"}
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    for view, extra in (("topics", ()), ("overview", ()), ("groups", ()), ("tail", ("--tail", TAIL_TOPIC))):
        app = apps.launch("kafkatui", view, extra)
        try:
            setup_view(app, timeout)
            time.sleep(REFRESH_S * 2)
            path = out_dir / f"scale_ui-{label}-{view}.speedscope.json"
            subprocess.run([spy, "record", "--pid", str(app.pid), "--duration", str(round(seconds)), "--rate", "100",
                            "--threads", "--format", "speedscope", "--output", str(path)],
                           capture_output=True, check=True, timeout=seconds + 60)
            result[view] = {**summarize_profile(path), "file": str(path),
                            "header": [line.rstrip() for line in app.watched.pane.text().splitlines()[:2]]}
        except Exception as exc:
            result[view] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        finally:
            app.watched.pane.close()
    return result


def ratios(row: dict[str, Any]) -> dict[str, float | None]:
    """kafkatui / kaskade in the same run (below 1: kafkatui is cheaper or faster)."""
    idle, keys, first = row.get("idle", {}), row.get("keys", {}), row.get("first_row_ms", {})

    def div(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a is not None and b else None

    def cpu(name: str) -> float | None:
        return (idle.get(name) or {}).get("cpu_percent")

    def rss(name: str) -> float | None:
        return ((idle.get(name) or {}).get("rss_mb") or {}).get("max")

    def key(tool: str, q: str) -> float | None:
        return ((keys.get(tool) or {}).get("G") or {}).get(q)

    return {
        "cpu_topics_vs_kaskade_5s": div(cpu("kafkatui:topics"), cpu("kaskade:topics (5 s)")),
        "cpu_topics_vs_kaskade_default_30s": div(cpu("kafkatui:topics"), cpu("kaskade:topics")),
        "rss_max_topics_vs_kaskade": div(rss("kafkatui:topics"), rss("kaskade:topics")),
        "first_row_median": div((first.get("kafkatui") or {}).get("median"),
                                (first.get("kaskade") or {}).get("median")),
        "G_p50": div(key("kafkatui", "p50"), key("kaskade", "p50")),
        "G_p99": div(key("kafkatui", "p99"), key("kaskade", "p99")),
    }


def fmt_stat(s: dict[str, Any] | None, scale: float = 1.0, digits: int = 0) -> str:
    if not s or s.get("median") is None:
        return "-"
    return f"{s['median'] * scale:.{digits}f} [{s['min'] * scale:.{digits}f}-{s['max'] * scale:.{digits}f}]"


def print_table(result: dict[str, Any]) -> None:
    for row in result["sizes"]:
        size = row["size"]
        log(f"\n{size['topics']:,} topics, {size['partitions']:,} partitions, {size['groups']:,} groups "
            f"(load {row['loadavg_before'][0]:.1f} -> {row['loadavg_after'][0]:.1f})")
        log(f"{'app:view':30} {'CPU %':>7} {'KB/min':>8} {'RSS MB':>8}  UI ms/refresh (kafka; groups)")
        for name, w in row["idle"].items():
            if w.get("error"):
                log(f"{name:30} error: {w['error']}")
                continue
            ui = w.get("ui_ms_per_refresh") or {}
            uis = "; ".join(f"{k} {fmt_stat(v, digits=1)} p99 {v.get('p99')}" for k, v in ui.items())
            log(f"{name:30} {w['cpu_percent']:7.2f} {w['bytes_per_min'] / 1024:8.1f} "
                f"{(w['rss_mb'] or {}).get('max', 0):8.0f}  {uis}")
            intervals = (w.get("poll_interval_s") or {}).items()
            paced = "; ".join(f"{k} every {fmt_stat(v, digits=1)} s" for k, v in intervals)
            if paced:
                log(f"{'':30} polled {paced}; header: {' | '.join(w.get('header') or [])[:150]}")
        for tool, s in row["first_row_ms"].items():
            log(f"first topic row, {tool}: {fmt_stat(s)} ms")
        for tool, keys in row["keys"].items():
            if "error" in keys:
                log(f"keys, {tool}: error {keys['error']}")
                continue
            for key, k in keys.items():
                log(f"key {key!r:22} {tool:9} p50 {k['p50']} p99 {k['p99']} max {k['max']} ms (n {k['n']}, "
                    f"timeouts {k['timeouts']}; during a refresh n {k['during_refresh']['n']} "
                    f"max {k['during_refresh']['max']})")
        if row.get("ratios_vs_kaskade"):
            log("kafkatui / kaskade, same run: " + ", ".join(f"{k} {v}" for k, v in row["ratios_vs_kaskade"].items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state-dir", type=Path, default=None, help="the cluster's state dir (its env file)")
    parser.add_argument("--sizes", default="small,medium,large", help="small,medium,large or TOPICS:GROUPS,...")
    parser.add_argument("--budget-s", type=float, default=1500.0, help="stop growing past this (cleanup excluded)")
    parser.add_argument("--window-s", type=float, default=60.0, help="idle window per size")
    parser.add_argument("--settle-s", type=float, default=12.0, help="after the view is on screen")
    parser.add_argument("--keys", type=int, default=24, help="G/g pairs in kafkatui (kaskade gets half)")
    parser.add_argument("--starts", type=int, default=3, help="launches per app for the first-row time")
    parser.add_argument("--profile-s", type=float, default=0.0,
                        help="after each size, py-spy each kafkatui view alone for this long (0: no)")
    parser.add_argument("--connect-timeout", type=float, default=None,
                        help="kafkatui's connect_timeout (config file; default: the app's 4 s). At 30,000 "
                             "partitions on a loaded 2-core host a full refresh can take longer than 4 s")
    parser.add_argument("--no-kaskade", action="store_true")
    parser.add_argument("--kaskade-venv", type=Path, default=KASKADE_VENV)
    parser.add_argument("--force", action="store_true", help="allow > 1,000 topics on a cluster with `payments`")
    parser.add_argument("--keep", action="store_true", help="leave the topics and groups (development only)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_scale_ui: tmux is not installed (apt-get install tmux)")
    if not kafkatui_command():
        sys.exit("bench_scale_ui: the kafkatui console script is not installed (make venv)")
    began = time.monotonic()
    deadline = began + args.budget_s
    env = cluster_env(args.state_dir)
    sizes = parse_sizes(args.sizes)

    def on_term(_signum: int, _frame: Any) -> None:
        ABORT.set()  # the setup threads of the idle phase stop waiting (a pool's exit joins them)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    kaskade = None if args.no_kaskade else kaskade_command(args.kaskade_venv)
    result: dict[str, Any] = {
        "what": "the real apps in tmux (160x48) on a large cluster: idle CPU %, terminal bytes/min, RSS, UI-thread "
                "ms per refresh (kafkatui's KAFKATUI_BENCH_TRACE), first topic row, key latency",
        "bootstrap": env["KAFKATUI_BOOTSTRAP"], "refresh_s": REFRESH_S, "screen": list(SCREEN),
        "kaskade": kaskade and kaskade_version(kaskade), "window_s": args.window_s,
        "kafkatui_connect_timeout_s": args.connect_timeout,
        "machine": {"nproc": os.cpu_count(), "loadavg_start": list(os.getloadavg()),
                    "ulimit_n": __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[0],
                    "vm_max_map_count": Path("/proc/sys/vm/max_map_count").read_text().strip()},
        "sizes_requested": [s[0] for s in sizes], "sizes": [], "notes": [],
    }
    cluster = ScaleCluster(env["KAFKATUI_BOOTSTRAP"], env.get("KAFKATUI_ZOOKEEPER"))
    producer = TailProducer(env["KAFKATUI_BOOTSTRAP"])
    tmux = TmuxServer()
    status = 0
    rng = random.Random(14)
    try:
        existing = set(cluster.admin.list_topics())
        if "payments" in existing and not args.force and any(s[1] > SHARED_TOPIC_LIMIT for s in sizes):
            dropped = [s[0] for s in sizes if s[1] > SHARED_TOPIC_LIMIT]
            sizes = [s for s in sizes if s[1] <= SHARED_TOPIC_LIMIT]
            note = (f"sizes {dropped} skipped: this cluster has `payments` (a shared, seeded cluster); run them on "
                    "a private cluster (bench/README.md) or pass --force")
            result["notes"].append(note)
            log(note)
        have = (sum(1 for n in existing if n.startswith(f"{PREFIX}t") and n != TAIL_TOPIC), len(cluster.bench_groups()))
        cluster.created.extend(n for n in existing if n.startswith(PREFIX))
        if TAIL_TOPIC not in existing:
            cluster.create([TAIL_TOPIC], PARTITIONS, 1)
            cluster.wait_ready([TAIL_TOPIC], 60)
        producer.start()
        with tmux, tempfile.TemporaryDirectory(prefix="kafkatui-scale-ui-") as tmp:
            apps = Apps(tmux, Path(tmp), env, kaskade, args.connect_timeout)
            per_topic_s = SECONDS_PER_TOPIC_GUESS
            for name, want_topics, want_groups in sizes:
                add = max(want_topics - have[0], 0)
                measure_s = 3 * args.window_s + 60 + args.keys * 6
                if result["sizes"] and time.monotonic() + add * per_topic_s + measure_s > deadline:
                    result["notes"].append(f"size {name} skipped: the budget ({args.budget_s:g} s) would run out")
                    log(result["notes"][-1])
                    break
                log(f"== {name}: growing to {want_topics:,} topics and {want_groups:,} groups")
                grown = grow(cluster, have, (want_topics, want_groups), deadline - measure_s,
                             resolve_state_dir(args.state_dir))
                grown["name"] = name
                grown["brokers"] = broker_health(resolve_state_dir(args.state_dir))
                if add and grown["topics"] > have[0]:
                    per_topic_s = (grown["topics_s"] + grown["groups_s"]) / (grown["topics"] - have[0])
                if grown["stopped"]:
                    result["notes"].append(f"{name}: stopped growing: {grown['stopped']}")
                    log(result["notes"][-1])
                log(f"  grown in {grown['topics_s'] + grown['groups_s']:.0f} s; measuring")
                def save(row: dict[str, Any]) -> None:
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    args.out.write_text(json.dumps({**result, "sizes": [*result["sizes"], row]}, indent=2) + "\n")

                row = measure_size(apps, grown, args, rng, save)
                if args.profile_s > 0:
                    log(f"  py-spy, {args.profile_s:g} s per view")
                    row["profile"] = profile_views(apps, args.profile_s, 180 + grown["topics"] / 20,
                                                   args.out.parent, name)
                result["sizes"].append(row)
                have = (grown["topics"], grown["groups"])
                args.out.write_text(json.dumps(result, indent=2) + "\n")
                if grown["stopped"]:
                    break
    except KeyboardInterrupt:
        result["notes"].append("interrupted")
        status = 130
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        log(f"bench_scale_ui: {result['error']}")
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the topics and groups go, whatever happens
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        producer.stop.set()
        with contextlib.suppress(Exception):
            producer.join(timeout=10)
        result["tail_records_sent"] = producer.sent
        if not args.keep:
            log("cleaning up (Ctrl-C is ignored until the bench topics and groups are deleted)")
            result["cleanup"] = cluster.delete_everything()
        cluster.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        result["machine"]["loadavg_end"] = list(os.getloadavg())
        result["wall_s"] = round(time.monotonic() - began, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    log(f"wrote {args.out} in {result['wall_s']} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
