"""ZooKeeper browsing with a 10,000-child znode: the source's calls, then the real app's RSS.

Creates /kafkatui-bench-<run> with 10,000 children (pipelined async creates with the bench's own
client; kafkatui itself only reads), times ZooKeeperSource.children() of the parent, node() of
one child, node() of the parent, stats() of the first 200 children and refresh(), prints
median/min/max over the runs, writes bench/out/zookeeper.json and deletes the nodes, whatever happens.

Then the app: a child process (so the bench's own clients are not counted) runs KafkaTuiApp
headless on the ZooKeeper view, opens the parent (the tree lists it, rendering the first 1,000
children and a "… more" note), moves to the end and back, jumps to the last child beyond the cap,
returns to the parent and measures its RSS before, at the peak and after; and once more after
leaving for the overview. The time from open_znode() to the 1,000 rows in the tree is reported too.

    python bench/bench_zookeeper.py [--zookeeper HOST:PORT] [--children 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
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

from kafkatui.zookeeper.nodes import child_path  # noqa: E402
from kafkatui.zookeeper.source import ZooKeeperSource  # noqa: E402


def cluster_value(key: str) -> str:
    """KAFKATUI_<key> from the environment, else from the local cluster's env file."""
    if os.environ.get(key):
        return os.environ[key]
    env = REPO / ".localcluster" / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            if line.startswith(f"{key}="):
                value = line.split("=", 1)[1].strip().strip("'\"")
                if value:
                    return value
    sys.exit(f"bench_zookeeper: no {key}; run `make cluster` or set it")


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


# --------------------------------------------------------------------------- the app, in a child process


async def browse_in_app(hosts: str, parent: str, children: int) -> dict[str, object]:
    """Child mode: the real app browses `parent`; returns RSS figures (MB) and the list time."""
    import psutil

    from kafkatui.config import load_settings
    from kafkatui.ui.app import KafkaTuiApp
    from kafkatui.ui.zookeeper.tree import MAX_CHILDREN, ZnodeTree

    proc = psutil.Process()
    peak = 0.0

    def rss() -> float:
        nonlocal peak
        value = proc.memory_info().rss / 1e6
        peak = max(peak, value)
        return round(value, 2)

    def shown_under(tree: ZnodeTree, path: str) -> int:
        stack = [tree.root]
        while stack:
            node = stack.pop()
            if node.data == path:
                return sum(1 for c in node.children if c.data)
            stack.extend(node.children)
        return 0

    async def until(pilot: object, check: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            rss()
            await pilot.pause(0.02)  # type: ignore[attr-defined]

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = os.environ["XDG_STATE_HOME"] = tmp
        values = {"bootstrap": cluster_value("KAFKATUI_BOOTSTRAP"), "zookeeper": hosts, "refresh": 2.0}
        settings = load_settings(values, env={}, path=Path(tmp) / "none.toml")
        app = KafkaTuiApp(settings)
        async with app.run_test(headless=True, size=(160, 48)) as pilot:
            app.switch_mode("zookeeper")
            await until(pilot, lambda: bool(app.screen.query(ZnodeTree)), 20, "the ZooKeeper view")
            tree = app.screen.query_one(ZnodeTree)
            await until(pilot, lambda: shown_under(tree, "/") > 0, 20, "the root's children")
            await pilot.pause(3.0)
            gc.collect()
            before = rss()
            began = time.perf_counter()
            app.open_znode(parent)
            expect = min(children, MAX_CHILDREN)
            await until(pilot, lambda: shown_under(tree, parent) == expect and tree.cursor_path == parent, 30,
                        f"{expect} children of {parent} in the tree")
            listed_ms = (time.perf_counter() - began) * 1000
            for key in ("G", "g", "G", "g"):
                await pilot.press(key)
                await pilot.pause(0.2)
                rss()
            last = child_path(parent, f"c{children - 1:05d}")
            app.open_znode(last)
            await until(pilot, lambda: tree.cursor_path == last, 20, "the last child")
            app.open_znode(parent)
            await until(pilot, lambda: tree.cursor_path == parent, 20, "the parent again")
            await pilot.pause(3.0)
            gc.collect()
            after = rss()
            app.switch_mode("overview")
            await pilot.pause(3.0)
            gc.collect()
            after_leaving = rss()
            ok = app.is_running and not app.view_errors
        return {
            "rss_before_mb": before,
            "rss_after_browsing_mb": after,
            "rss_peak_mb": round(peak, 2),
            "rss_after_leaving_mb": after_leaving,
            "rss_growth_mb": round(after - before, 2),
            "tree_rows_shown": expect,
            "open_to_listed_ms": round(listed_ms, 1),
            "app_ok": ok,
        }


def app_browse(hosts: str, parent: str, children: int) -> dict[str, object]:
    """Run the app phase in a fresh interpreter and return its figures."""
    proc = subprocess.run([sys.executable, __file__, "--zookeeper", hosts, "--children", str(children),
                           "--app-browse", parent], capture_output=True, text=True, timeout=180, cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"app phase failed (rc {proc.returncode}): {' | '.join(tail)}")
    return json.loads(lines[-1])


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
    parser.add_argument("--app-browse", help=argparse.SUPPRESS)  # child mode: the app browses this node
    args = parser.parse_args()
    hosts = args.zookeeper or cluster_value("KAFKATUI_ZOOKEEPER")
    if args.app_browse:
        print(json.dumps(asyncio.run(browse_in_app(hosts, args.app_browse, args.children))), flush=True)
        return 0
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
        print("the app browses it ...", flush=True)
        result["app"] = app_browse(hosts, parent, args.children)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")

        print(f"{args.children} children, {args.runs} runs (median / min / max ms):")
        for key in ("children_ms", "node_child_ms", "node_parent_ms", "stats_200_ms", "refresh_ms"):
            t = result[key]
            print(f"  {key.removesuffix('_ms'):<12} {t['median']:>8} {t['min']:>8} {t['max']:>8}")
        print(f"  (setup: {setup_s:.1f} s to create the children; target children() < {TARGET_CHILDREN_MS:g} ms)")
        a = result["app"]
        print(f"app: open to {a['tree_rows_shown']} rows {a['open_to_listed_ms']} ms; RSS {a['rss_before_mb']} MB"
              f" -> {a['rss_after_browsing_mb']} MB after browsing (peak {a['rss_peak_mb']},"
              f" {a['rss_after_leaving_mb']} after leaving for the overview)")
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
