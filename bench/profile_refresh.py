"""Where a large refresh spends its time: cProfile of warm refresh() + groups() at ~5,000 partitions.

Not a benchmark (not run by `make bench`): a diagnosis for the 50,000-partition projection in
bench/README.md, which says kafkatui's own CPU becomes the larger part of a refresh there. Creates
`bench-scale-prof-*` topics (50 x 100 partitions, RF 1, with bench_scale's `Topics`), takes 2 warm
refreshes, profiles the next `--runs` in every thread (kafka-python 3 does its network I/O on its
own thread while the caller waits on a lock, so each thread gets its own profiler), prints the time per area and the top
functions, writes bench/out/profile_refresh.txt and deletes the topics, whatever happens.

    python bench/profile_refresh.py [--topics 50] [--per-topic 100] [--runs 5]
    KAFKATUI_BOOTSTRAP=host:port python bench/profile_refresh.py --existing   # a big cluster as it is
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "profile_refresh.txt"
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from bench.bench_scale import Topics, env_value  # noqa: E402
from kafkatui.config import load_settings  # noqa: E402
from kafkatui.kafka.source import KafkaSource  # noqa: E402

AREAS = (  # first match wins: (label, substring of the function's file path or builtin's name)
    ("waiting for the brokers (epoll/select)", "epoll"),
    ("waiting for the brokers (epoll/select)", "selectors.py"),
    ("waiting for another thread (locks)", "_thread.lock"),
    ("waiting for another thread (locks)", "threading.py"),
    # kafkatui's own files first: their path (.../kafkatui/kafka/...) also holds "/kafka/"
    ("kafkatui: protocol codec (kafka/codec.py)", "/kafkatui/kafka/codec.py"),
    ("kafkatui: building the snapshot", "/kafkatui/"),
    ("kafka-python: decoding and encoding the protocol", "/kafka/protocol/"),
    ("kafka-python: decoding and encoding the protocol", "<codegen"),  # its generated (de)serialisers
    ("kafka-python: record batches", "/kafka/record/"),
    ("kafka-python: connections, client and futures", "/kafka/"),
)

Key = tuple[str, int, str]


def area(filename: str) -> str:
    for label, needle in AREAS:
        if needle in filename:
            return label
    return "other (stdlib, builtins)"


def own_times(profiles: list[cProfile.Profile]) -> dict[Key, tuple[float, int]]:
    """(own seconds, calls) per function, summed over every thread's profiler."""
    totals: dict[Key, tuple[float, int]] = defaultdict(lambda: (0.0, 0))
    for profile in profiles:
        for entry in profile.getstats():  # type: ignore[attr-defined]
            code = entry.code
            key = (code.co_filename, code.co_firstlineno, code.co_name) if hasattr(code, "co_filename") \
                else ("~", 0, str(code))
            seconds, calls = totals[key]
            totals[key] = (seconds + entry.inlinetime, calls + entry.callcount)
    return totals


def report(before: dict[Key, tuple[float, int]], after: dict[Key, tuple[float, int]], runs: int,
           wall_ms: float) -> str:
    diff = {k: (v[0] - before.get(k, (0.0, 0))[0], v[1] - before.get(k, (0.0, 0))[1]) for k, v in after.items()}
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (seconds, _calls) in diff.items():
        by_area[area(filename if filename != "~" else name)] += seconds
    total = sum(v for k, v in by_area.items() if not k.startswith("waiting")) or 1.0
    lines = [f"profiled {runs} warm refresh() + groups(): {wall_ms / runs:.0f} ms each (wall, under the profiler),",
             "own time summed over every thread (the caller waits while kafka-python's I/O thread works)", ""]
    lines.append(f"{'area (own time, all threads)':52} {'ms/refresh':>10} {'of CPU':>6}")
    for label, seconds in sorted(by_area.items(), key=lambda kv: (kv[0].startswith("waiting"), -kv[1])):
        share = "" if label.startswith("waiting") else f"{100 * seconds / total:5.0f}%"
        lines.append(f"{label:52} {seconds * 1000 / runs:10.1f} {share:>6}")
    lines.append(f"{'CPU (everything but waiting)':52} {total * 1000 / runs:10.1f}")
    lines += ["", f"{'top functions by own time':80} {'ms/refresh':>10} {'calls':>8}"]
    for (filename, line, name), (seconds, calls) in sorted(diff.items(), key=lambda kv: -kv[1][0])[:25]:
        where = name if filename == "~" else f"{'/'.join(Path(filename).parts[-2:])}:{line}({name})"
        lines.append(f"{where[:80]:80} {seconds * 1000 / runs:10.1f} {calls // runs:8}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--per-topic", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--existing", action="store_true",
                        help="profile the cluster's topics as they are; create and delete none")
    args = parser.parse_args()
    bootstrap = env_value("KAFKATUI_BOOTSTRAP")
    if not bootstrap:
        sys.exit("profile_refresh: no cluster; run `make cluster` or set KAFKATUI_BOOTSTRAP")
    topics = Topics(bootstrap, env_value("KAFKATUI_ZOOKEEPER"))
    names = [] if args.existing else [f"bench-scale-prof-{i:03d}" for i in range(args.topics)]
    profiles: list[cProfile.Profile] = []

    def profile_new_thread(*_: object) -> None:
        """threading's start hook: swap itself for a cProfile profiler in the new thread."""
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()

    threading.setprofile(profile_new_thread)  # kafka-python's I/O thread starts with the source
    main = cProfile.Profile()
    profiles.append(main)
    main.enable()
    source = KafkaSource(load_settings({"bootstrap": bootstrap}, env={}))
    main.disable()
    try:
        if names:
            print(f"creating {args.topics} x {args.per_topic} partitions ...", flush=True)
            topics.create(names, args.per_topic, 3)
            topics.wait_ready(names, timeout_s=120)
        for _ in range(2):
            source.refresh()
            source.groups()
        before = own_times(profiles)
        began = time.perf_counter()
        main.enable()
        for _ in range(args.runs):
            snapshot = source.refresh()
            source.groups()
        main.disable()
        wall_ms = (time.perf_counter() - began) * 1000
        after = own_times(profiles)
        header = f"{snapshot.partitions} partitions, {len(snapshot.brokers)} brokers\n"
        text = header + report(before, after, args.runs, wall_ms)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text)
        print(text)
        print(f"wrote {OUT}")
        return 0
    finally:
        source.close()
        if names:
            print("deleting the topics ...", flush=True)
            topics.delete_all()


if __name__ == "__main__":
    raise SystemExit(main())
