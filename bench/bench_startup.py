"""Start-up: wall time from launching `kafkatui` to the first broker row painted, under tmux.

Why tmux and not a headless App: this is what the operator waits for, and it includes the
interpreter start, imports, the bootstrap probe, the first Kafka refresh on a worker thread
and Textual's first paint to a real terminal. The clock starts just before `tmux new-session`
launches the installed console script in an 80x24 pane and stops at the first `capture-pane`
that shows a broker row (the first bootstrap port in the overview's broker table), polled every
10 ms; the polling granularity is included in the figure. Also measured: the same launch
up to the first header paint (the UI is interactive), and `python -c "import kafkatui.ui.app"`.

    python bench/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "startup.json"
TARGET_S = 1.0
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from bench.tmux_server import TmuxServer, kafkatui_command  # noqa: E402

TMUX = TmuxServer()


def cluster_env() -> dict[str, str]:
    env: dict[str, str] = {}
    path = REPO / ".localcluster" / "env"
    if not path.exists():
        sys.exit("bench_startup: no local cluster; run `make cluster` first")
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip().strip("'\"")
    return env


def installed_command() -> str:
    found = kafkatui_command()
    if not found:
        sys.exit("bench_startup: the kafkatui console script is not installed (make venv)")
    return found


def one_launch(command: list[str], env: dict[str, str], marker_header: str, marker_row: str) -> dict[str, float]:
    started = time.perf_counter()
    pane = TMUX.launch(command, env, (80, 24), name="kt-start")
    header = row = None
    try:
        deadline = started + 20
        while time.perf_counter() < deadline and row is None:
            screen = pane.text()
            now = time.perf_counter() - started
            if header is None and marker_header in screen:
                header = now
            if marker_row in screen and "ID" in screen:
                row = now
                break
            time.sleep(0.01)
        if row is None:
            raise RuntimeError(f"no broker row within 20 s; last screen:\n{pane.text()}")
    finally:
        pane.close()
    return {"first_header_s": header if header is not None else row, "first_broker_row_s": row}


def import_time(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import kafkatui.ui.app"], check=True)
        times.append(time.perf_counter() - began)
    return times


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "runs": len(values),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_startup: tmux is not installed")
    env = cluster_env()
    bootstrap = env["KAFKATUI_BOOTSTRAP"]
    first_port = bootstrap.split(",")[0].rpartition(":")[2]
    command = [installed_command(), "--bootstrap", bootstrap]
    if env.get("KAFKATUI_ZOOKEEPER"):
        command += ["--zookeeper", env["KAFKATUI_ZOOKEEPER"]]
    term = {"TERM": "xterm-256color", "XDG_STATE_HOME": "/tmp/kafkatui-bench-state"}
    with TMUX:
        one_launch(command, term, "READ-ONLY", f":{first_port}")  # warm the page cache; not counted
        launches = [one_launch(command, term, "READ-ONLY", f":{first_port}") for _ in range(args.runs)]
    rows = [r["first_broker_row_s"] for r in launches]
    headers = [r["first_header_s"] for r in launches]
    result = {
        "what": "launch of the installed kafkatui in an 80x24 tmux pane until a broker row is on screen",
        "first_broker_row_s": summary(rows),
        "first_header_s": summary(headers),
        "import_kafkatui_app_s": summary(import_time(args.runs)),
        "target_s": TARGET_S,
        "meets_target": statistics.median(rows) < TARGET_S,
        "poll_interval_s": 0.01,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'figure':32} {'median':>8} {'min':>8} {'max':>8}")
    for key in ("first_header_s", "first_broker_row_s", "import_kafkatui_app_s"):
        s = result[key]
        print(f"{key:32} {s['median']:8.3f} {s['min']:8.3f} {s['max']:8.3f}")
    print(f"target < {TARGET_S:.1f} s to the first broker row: {'met' if result['meets_target'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
