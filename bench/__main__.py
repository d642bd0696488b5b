"""Run every bench/bench_*.py as its own process and merge their JSON into bench/results.json.

Each benchmark is a standalone script that writes bench/out/<name>.json; running them in
separate processes keeps one benchmark's threads, clients and memory from skewing another's.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ON_REQUEST = {"bench_soak"}


def machine() -> dict[str, object]:
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def merge_only() -> int:
    results: dict[str, object] = {}
    for out in sorted(OUT.glob("*.json")):
        results[out.stem] = json.loads(out.read_text())
    results["machine"] = machine()
    path = HERE / "results.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"merged {len(results) - 1} results into {path}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="run kafkatui benchmarks")
    parser.add_argument("only", nargs="*", help="benchmark names (e.g. refresh zookeeper); default all")
    parser.add_argument("--merge-only", action="store_true",
                        help="run nothing; merge the existing bench/out/*.json into bench/results.json")
    args, extra = parser.parse_known_args()  # extra options go to the scripts: python -m bench scale_ui --sizes small
    if args.merge_only:
        return merge_only()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
    else:  # the 10-minute soak runs only when named: python -m bench soak
        scripts = [s for s in scripts if s.stem not in ON_REQUEST]
    OUT.mkdir(exist_ok=True)
    results_path = HERE / "results.json"
    results: dict[str, object] = json.loads(results_path.read_text()) if results_path.exists() else {}
    failed = []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"== {name}", flush=True)
        start = time.monotonic()
        proc = subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent)
        out = OUT / f"{name}.json"
        if proc.returncode != 0 or not out.exists():
            failed.append(name)
            continue
        entry = json.loads(out.read_text())
        entry["bench_wall_s"] = round(time.monotonic() - start, 1)
        results[name] = entry
    results["machine"] = machine()
    results_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"wrote {results_path}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
