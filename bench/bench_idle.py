"""Bytes kafkatui writes to the terminal per minute when nothing changes, under tmux, at the default refresh.

Why: operators run kafkatui over SSH, often on slow links, and leave it open for hours. A monitor
that repaints unchanged data every few seconds costs bandwidth and makes tmux over SSH sluggish.
Target: under 1 KB per minute at the default refresh (5 s) when the data does not change.

How: the installed `kafkatui` runs in a detached tmux session (80x24 and 160x48) against the local
cluster, with the default refresh and no config file. `tmux pipe-pane -o 'cat >> FILE'` copies
everything the pane receives (Textual draws to stderr, which is the pane) to a file. After the first
paint, the keys that set up the scenario and a settling pause (two refreshes; 45 s for the topics
view, whose 8-point rate trend grows until full), the file size is read, then read again 60 s
later; the difference is the figure. The kafkatui process's CPU time over the same minute
(psutil, user + system, all threads) gives its CPU %. The pane's text is also captured every
5 s: bytes written in a 5-s slot whose visible text did not change are pure overhead, reported as
`unchanged_bytes_per_min` (a shared cluster's noise, such as other tests creating topics, shows
up as slots that did change).

Scenarios:
- topics-empty: the topics view filtered to the `empty` topic. The cluster is still polled every
  5 s with the demo traffic running, but nothing on screen changes: the idle case the target is for.
- overview-paused: the overview with the demo producer and billing consumer paused (SIGSTOP, resumed
  afterwards whatever happens). Broker JVMs still use CPU and memory, so CPU% and RSS cells change:
  these bytes are real data changes, not idle cost.
- overview-live: the overview with the demo traffic running (the normal case, for comparison).
- tail-slow: the tail of `payments` (`--tail payments`), following, while the demo producer writes
  ~2 records/s to it: what a tail costs when records trickle in (issue 14: each record should cost
  the lines it changes, not a redraw of the table).

    python bench/bench_idle.py [--seconds 60] [--sizes 80x24,160x48] [--scenarios topics-empty,...]

Writes bench/out/idle.json and prints a table. Needs tmux, the local cluster (`make cluster`) and
the `kafkatui` console script (`make venv`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "idle.json"
TARGET_BYTES_PER_MIN = 1024
DEFAULT_REFRESH_S = 5.0
STATE = REPO / ".localcluster"
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from bench.tmux_server import Pane, TmuxServer, kafkatui_command  # noqa: E402


def cluster_env(state: Path = STATE) -> dict[str, str]:
    """KAFKATUI_BOOTSTRAP/ZOOKEEPER from the environment, else from `state`/env (bench_scale_ui passes its own)."""
    env = {k: v for k, v in os.environ.items() if k in ("KAFKATUI_BOOTSTRAP", "KAFKATUI_ZOOKEEPER")}
    path = state / "env"
    if "KAFKATUI_BOOTSTRAP" not in env and path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                env.setdefault(key.strip(), value.strip().strip("'\""))
    if "KAFKATUI_BOOTSTRAP" not in env:
        sys.exit(f"bench: no cluster in {state}; run `make cluster` or set KAFKATUI_BOOTSTRAP")
    return env


TMUX = TmuxServer()


def installed_command() -> str:
    found = kafkatui_command()
    if not found:
        sys.exit("bench_idle: the kafkatui console script is not installed (make venv)")
    return found


def setup_topics_empty(pane: Pane) -> None:
    pane.keys("3")
    pane.wait_for(lambda s: "topics ·" in s and "Topic" in s, 60, "the topics view")
    pane.keys("/")
    pane.wait_for(lambda s: "Enter keeps" in s, 10, "the filter prompt")
    pane.keys("^empty$", literal=True)
    pane.keys("Enter")
    pane.wait_for(lambda s: "empty" in s and "orders" not in s and "Enter keeps" not in s, 60, "only `empty` shown")


def setup_tail(pane: Pane) -> None:
    pane.wait_for(lambda s: "Tail payments" in s and "following" in s and "recv 0 " not in s, 60,
                  "the tail of payments with records")


def setup_overview(pane: Pane) -> None:
    pane.wait_for(lambda s: "overview ·" in s and "Brokers" in s and "ZooKeeper" in s, 60, "the overview with data")


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Callable[[Pane], None]
    pause: tuple[str, ...] = ()
    note: str = ""
    settle_s: float = 2 * DEFAULT_REFRESH_S  # after setup: CPU% needs two samples, a filter its next refresh
    args: tuple[str, ...] = ()  # extra command-line arguments (the tail opens with --tail)


SCENARIOS = {
    # 45 s: the 8-point msgs/s trend of `empty` ("▁▁▁") grows once per refresh until it is full
    "topics-empty": Scenario("topics-empty", setup_topics_empty, settle_s=45.0,
                             note="topics view filtered to `empty`; demo traffic running; nothing on screen changes"),
    "overview-paused": Scenario("overview-paused", setup_overview, ("demo-producer", "demo-consumer-billing"),
                                note="overview, demo producer and consumer paused; JVM CPU%/RSS cells still change"),
    "overview-live": Scenario("overview-live", setup_overview,
                              note="overview with demo traffic running (normal use, for comparison)"),
    "tail-slow": Scenario("tail-slow", setup_tail, args=("--tail", "payments"),
                          note="tail of `payments`, following, ~2 records/s from the demo producer"),
}


@contextlib.contextmanager
def paused(names: tuple[str, ...]) -> Iterator[None]:
    """SIGSTOP our own demo daemons for the run; always SIGCONT them again."""
    done = []
    try:
        for name in names:
            subprocess.run([sys.executable, str(REPO / "localcluster" / "cluster.py"), "--state-dir", str(STATE),
                            "pause", name], check=True, capture_output=True)
            done.append(name)
        yield
    finally:
        for name in done:
            subprocess.run([sys.executable, str(REPO / "localcluster" / "cluster.py"), "--state-dir", str(STATE),
                            "resume", name], check=False, capture_output=True)


@dataclass
class Run:
    scenario: str
    size: str
    seconds: float
    bytes: int = 0
    bytes_per_min: float = 0.0
    cpu_percent: float | None = None
    samples: list[int] = field(default_factory=list)  # cumulative bytes every 5 s of the window
    changed_slots: int = 0  # 5-s slots whose visible text changed (capture-pane)
    unchanged_bytes_per_min: float = 0.0  # bytes written in slots where the visible text did not change
    first_paint_bytes: int = 0
    error: str | None = None


def measure(scenario: Scenario, size: tuple[int, int], seconds: float, env: dict[str, str], work: Path) -> Run:
    import psutil

    cols, rows = size
    run = Run(scenario.name, f"{cols}x{rows}", seconds)
    log = work / f"idle-{uuid.uuid4().hex[:8]}.out"
    log.touch()
    child_env = {"XDG_CONFIG_HOME": str(work / "config"), "XDG_STATE_HOME": str(work / "state"),
                 "TERM": "tmux-256color"}
    args = [installed_command(), "--bootstrap", env["KAFKATUI_BOOTSTRAP"]]
    if env.get("KAFKATUI_ZOOKEEPER"):
        args += ["--zookeeper", env["KAFKATUI_ZOOKEEPER"]]
    args += scenario.args
    pane = TMUX.launch(args, child_env, size, name="kafkatui-idle")
    try:
        TMUX.run("pipe-pane", "-o", "-t", pane.session, f"cat >> {shlex.quote(str(log))}")
        pane.wait_for(lambda s: "READ-ONLY" in s, 60, "the first paint")
        run.first_paint_bytes = log.stat().st_size
        proc = psutil.Process(pane.pid())
        scenario.setup(pane)
        time.sleep(scenario.settle_s)
        start_bytes, cpu0, t0 = log.stat().st_size, proc.cpu_times(), time.monotonic()
        screen, last, unchanged = pane.text(), 0, 0
        while (elapsed := time.monotonic() - t0) < seconds:
            time.sleep(min(5.0, seconds - elapsed))
            now_bytes, now_screen = log.stat().st_size - start_bytes, pane.text()
            run.samples.append(now_bytes)
            if now_screen == screen:
                unchanged += now_bytes - last
            else:
                run.changed_slots += 1
            screen, last = now_screen, now_bytes
        cpu1, t1 = proc.cpu_times(), time.monotonic()
        run.bytes = log.stat().st_size - start_bytes
        run.bytes_per_min = run.bytes * 60.0 / (t1 - t0)
        run.unchanged_bytes_per_min = unchanged * 60.0 / (t1 - t0)
        busy = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
        run.cpu_percent = round(100.0 * busy / (t1 - t0), 2)
    except Exception as exc:  # one failed run must not lose the others
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        pane.close()
    return run


def run_scenario(scenario: Scenario, sizes: list[tuple[int, int]], seconds: float, env: dict[str, str],
                 work: Path) -> list[Run]:
    """All sizes at once (one tmux session each), so a scenario costs one window of time."""
    results: list[Run | None] = [None] * len(sizes)

    def one(i: int, size: tuple[int, int]) -> None:
        results[i] = measure(scenario, size, seconds, env, work)

    with paused(scenario.pause):
        threads = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(sizes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return [r for r in results if r is not None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--sizes", default="80x24,160x48")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_idle: tmux is not installed (apt-get install tmux)")
    sizes = [(int(c), int(r)) for c, _, r in (s.partition("x") for s in args.sizes.split(",") if s)]
    env = cluster_env()
    runs: list[Run] = []
    with TMUX, tempfile.TemporaryDirectory(prefix="kafkatui-idle-") as tmp:
        for name in [s for s in args.scenarios.split(",") if s]:
            scenario = SCENARIOS[name]
            print(f"== {name}: {scenario.note} ({args.seconds:g} s)", flush=True)
            runs += run_scenario(scenario, sizes, args.seconds, env, Path(tmp))
    idle = [r for r in runs if r.scenario == "topics-empty" and r.error is None]
    document = {
        "what": "bytes written to the terminal (tmux pipe-pane) per minute, default refresh, default colours",
        "target_bytes_per_min": TARGET_BYTES_PER_MIN,
        "refresh_s": DEFAULT_REFRESH_S,
        "term": "tmux-256color",
        "scenarios": {name: s.note for name, s in SCENARIOS.items()},
        "runs": [vars(r) for r in runs],
        "idle_max_bytes_per_min": max((r.bytes_per_min for r in idle), default=None),
        "idle_meets_target": bool(idle) and all(r.bytes_per_min < TARGET_BYTES_PER_MIN for r in idle),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\n{'scenario':17} {'size':8} {'bytes/min':>10} {'unchanged':>10} {'changes':>8} {'CPU %':>7}"
          "  first paint")
    for r in runs:
        if r.error:
            print(f"{r.scenario:17} {r.size:8} {'error':>10}  {r.error.splitlines()[0]}")
            continue
        print(f"{r.scenario:17} {r.size:8} {r.bytes_per_min:10,.0f} {r.unchanged_bytes_per_min:10,.0f}"
              f" {r.changed_slots:5d}/{len(r.samples):<2d} {r.cpu_percent:7.2f}  {r.first_paint_bytes:,} B")
    print("unchanged: bytes/min written in 5-s slots whose visible text did not change; changes: such slots")
    verdict = ("meets" if document["idle_meets_target"] else "MISSES") if idle else "was not measured against"
    print(f"\nidle (topics-empty) {verdict} the target of < {TARGET_BYTES_PER_MIN} B/min; wrote {args.out}")
    return 0 if not any(r.error for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
