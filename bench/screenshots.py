"""Screenshots of the real app on the real local cluster: `make screenshots` / `python -m bench.screenshots`.

Drives KafkaTuiApp headless (App.run_test) against the cluster in `.localcluster/env` (or
KAFKATUI_BOOTSTRAP / KAFKATUI_ZOOKEEPER) to each view, waits until that view shows real data
(a condition, never a fixed sleep), and saves `screenshots/<view>-<theme>.svg`.

Views: overview, processes, topics, topic (orders' partitions), groups, group (a group's lag),
zookeeper (with /brokers/ids/1 selected), tail (orders, when kafkatui.ui.tail.screen exists),
help, schema (a Protobuf record of shop-proto decoded through the cluster's Schema Registry, in the
record detail). Default size 120x36, themes kafkatui-dark and kafkatui-light.

    python -m bench.screenshots [--size 120x36] [--themes kafkatui-dark,kafkatui-light]
                                [--views overview,topics,...] [--out screenshots] [--png DIR]

`--png DIR` also converts every SVG with rsvg-convert (if installed), so you can look at them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from kafkatui.model import LagStatus
from kafkatui.tail.start import parse_start

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ("overview", "processes", "topics", "topic", "groups", "group", "broker", "zookeeper", "tail", "help",
         "schema")
DEFAULT_THEMES = ("kafkatui-dark", "kafkatui-light")
TIMEOUT_S = 60.0


def cluster_env() -> dict[str, str]:
    """KAFKATUI_BOOTSTRAP / KAFKATUI_ZOOKEEPER / KAFKATUI_SCHEMA_REGISTRY from the environment, else
    from .localcluster/env."""
    env = {k: v for k, v in os.environ.items()
           if k in ("KAFKATUI_BOOTSTRAP", "KAFKATUI_ZOOKEEPER", "KAFKATUI_SCHEMA_REGISTRY")}
    path = ROOT / ".localcluster" / "env"
    if "KAFKATUI_BOOTSTRAP" not in env and path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                env.setdefault(key.strip(), value.strip().strip("'\""))
    if "KAFKATUI_BOOTSTRAP" not in env:
        raise SystemExit("screenshots: no cluster (run `make cluster`, or set KAFKATUI_BOOTSTRAP)")
    return env


async def wait(pilot: Any, predicate: Callable[[], object], what: str, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # a widget still composing
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        await pilot.pause(0.1)


def _table(app: Any) -> Any:
    from kafkatui.ui.widgets.table import FilterTable

    return app.screen.query_one(FilterTable)


async def _root(pilot: Any, key: str, screen_name: str) -> None:
    app = pilot.app
    while len(app.screen_stack) > 1:
        app.pop_screen()
    await pilot.press(key)
    await wait(pilot, lambda: type(app.screen).__name__ == screen_name, screen_name)


async def shot_overview(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "1", "OverviewScreen")
    await wait(pilot, lambda: app.state.cluster is not None and app.state.processes is not None
               and app.state.zookeeper is not None and _table(app).total_count >= 3, "overview data")
    await wait(pilot, lambda: _cpu_known(app), "CPU% of the broker JVMs (a second process sample)")
    # Lag samples spanning lag.DEFAULT_STOP_AFTER_S, so every group's status is final and the
    # "Needs attention" panel shows the demo's stuck `analytics` group, not an early "all OK".
    await wait(pilot, lambda: _groups_judged(app), "lag samples long enough to judge every group", 120)
    await pilot.pause(0.3)


def _groups_judged(app: Any) -> bool:
    from kafkatui.kafka.lag import DEFAULT_STOP_AFTER_S

    groups = app.state.groups
    needed = int(DEFAULT_STOP_AFTER_S / app.settings.refresh_s) + 2
    return (groups is not None and bool(groups.groups)
            and all(len(app.state.lag_trends.get(g.id, ())) >= needed for g in groups.groups))


def _cpu_known(app: Any) -> bool:
    procs = app.state.processes
    return procs is not None and any(p.cpu_percent is not None for p in procs.processes if p.role == "broker")


async def shot_processes(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "2", "ProcessesScreen")
    await wait(pilot, lambda: app.state.processes is not None and _table(app).total_count >= 4, "processes")
    await wait(pilot, lambda: _cpu_known(app), "CPU% (a second process sample)")
    await pilot.pause(0.3)


async def shot_topics(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "3", "TopicsScreen")
    await wait(pilot, lambda: _table(app).total_count >= 4, "topics")
    await wait(pilot, lambda: len(app.state.topic_rate_history.get("orders", ())) >= 4, "4 rate samples")
    await pilot.pause(0.3)


async def shot_topic(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "3", "TopicsScreen")
    app.open_topic("orders")
    await wait(pilot, lambda: type(app.screen).__name__ == "TopicDetailScreen", "TopicDetailScreen")
    from kafkatui.ui.widgets.table import FilterTable

    await wait(pilot, lambda: all(t.total_count > 0 for t in app.screen.query(FilterTable)), "partitions + configs")


async def shot_groups(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "4", "GroupsScreen")
    await wait(pilot, lambda: app.state.groups is not None and _table(app).total_count >= 2, "groups")
    # judged and with an ETA: a shot of "PENDING" and "—" shows what the view is for on no row
    await wait(pilot, lambda: all(g.status is not LagStatus.PENDING and g.catch_up is not None
                                  and g.catch_up.state != "unknown" for g in app.state.groups.groups),
               "every group judged, with an ETA")


async def shot_group(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "4", "GroupsScreen")
    await wait(pilot, lambda: app.state.groups is not None, "groups")
    ids = [g.id for g in app.state.groups.groups]
    group = next((g for g in ("billing", "analytics") if g in ids), ids[0] if ids else "billing")
    app.open_group(group)
    await wait(pilot, lambda: type(app.screen).__name__ == "GroupDetailScreen", "GroupDetailScreen")
    await wait(pilot, lambda: _table(app).total_count > 0, "group partitions")
    await wait(pilot, lambda: len(app.state.lag_trends.get(group, ())) >= 4, "a lag trend of 4 samples")
    await pilot.pause(0.3)


async def shot_broker(pilot: Any) -> None:
    """Broker 1's detail (Enter on a broker row): its partitions, log dirs with fill rate, configs, process."""
    from kafkatui.ui.widgets.table import FilterTable

    app = pilot.app
    await _root(pilot, "1", "OverviewScreen")
    await wait(pilot, lambda: app.state.cluster is not None and app.state.processes is not None, "cluster + processes")
    app.open_broker(1)
    await wait(pilot, lambda: type(app.screen).__name__ == "BrokerDetailScreen", "BrokerDetailScreen")
    await wait(pilot, lambda: all(t.total_count > 0 for t in app.screen.query(FilterTable)),
               "partitions, log dirs and configs")
    await wait(pilot, lambda: _cpu_known(app), "CPU% (a second process sample)")
    await pilot.pause(0.3)


async def shot_zookeeper(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "5", "ZooKeeperScreen")
    await wait(pilot, lambda: app.state.zookeeper is not None, "ZooKeeper state")
    from kafkatui.ui.zookeeper.tree import ZnodeTree

    tree = app.screen.query_one(ZnodeTree)
    await wait(pilot, lambda: len(tree.root.children) > 3, "znode root")
    app.screen.select_path("/brokers/ids/1")
    await wait(pilot, lambda: isinstance(getattr(app.screen, "node", None), object)
               and getattr(getattr(app.screen, "node", None), "path", "") == "/brokers/ids/1", "/brokers/ids/1")


async def shot_tail(pilot: Any) -> bool:
    try:
        from kafkatui.ui.tail.screen import TailScreen
    except ImportError:
        print("screenshots: no kafkatui.ui.tail.screen.TailScreen yet; skipping the tail", file=sys.stderr)
        return False
    app = pilot.app
    await _root(pilot, "3", "TopicsScreen")
    app.push_screen(TailScreen("orders"))
    await wait(pilot, lambda: isinstance(app.screen, TailScreen), "TailScreen")
    await wait(pilot, lambda: app.screen.status.received >= 20 and app.screen.shown >= 20, "tail records")
    await pilot.pause(0.6)  # one status tick, so msgs/s is filled in
    return True


async def shot_help(pilot: Any) -> None:
    app = pilot.app
    await _root(pilot, "3", "TopicsScreen")
    await pilot.press("question_mark")
    await wait(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "HelpScreen")
    await pilot.pause(0.2)


async def shot_schema(pilot: Any) -> bool:
    """The record detail of a Protobuf `Order` from shop-proto, decoded through the registry."""
    from kafkatui.ui.tail.record_detail import RecordDetailScreen
    from kafkatui.ui.tail.screen import TailScreen

    app = pilot.app
    if not app.settings.schema_registry.url:
        print("screenshots: no KAFKATUI_SCHEMA_REGISTRY; skipping the schema view", file=sys.stderr)
        return False
    await _root(pilot, "3", "TopicsScreen")
    tail = TailScreen("shop-proto", start=parse_start("earliest"))
    app.push_screen(tail)

    def an_order() -> Any:
        return next((r for r in tail.ring if r.value_schema and r.value_schema.message == "demo.shop.Order"), None)

    await wait(pilot, an_order, "a decoded Protobuf Order in shop-proto")
    app.push_screen(RecordDetailScreen(an_order(), "shop-proto"))
    await wait(pilot, lambda: isinstance(app.screen, RecordDetailScreen), "RecordDetailScreen")
    return True


SHOTS: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "overview": shot_overview,
    "processes": shot_processes,
    "topics": shot_topics,
    "topic": shot_topic,
    "groups": shot_groups,
    "group": shot_group,
    "broker": shot_broker,
    "zookeeper": shot_zookeeper,
    "tail": shot_tail,
    "help": shot_help,
    "schema": shot_schema,
}


async def run_theme(theme: str, views: list[str], size: tuple[int, int], out: Path, env: dict[str, str]) -> list[Path]:
    import textual.constants

    from kafkatui.config import load_settings
    from kafkatui.ui.app import KafkaTuiApp

    # The README shows the themes as a truecolor terminal draws them. Without this, a run with no
    # TERM (make, CI) counts as 16 colours and the app swaps in each theme's 16-colour form.
    textual.constants.COLOR_SYSTEM = "truecolor"
    settings = load_settings(
        {"bootstrap": env["KAFKATUI_BOOTSTRAP"], "zookeeper": env.get("KAFKATUI_ZOOKEEPER"), "theme": theme,
         "schema_registry": env.get("KAFKATUI_SCHEMA_REGISTRY")},
        env={}, path=Path(tempfile.gettempdir()) / "kafkatui-screenshots-no-config.toml",
    )
    app = KafkaTuiApp(settings)
    saved: list[Path] = []
    async with app.run_test(size=size) as pilot:
        await wait(pilot, lambda: app.theme == theme, f"theme {theme}", 10)
        for view in views:
            started = time.monotonic()
            result = await SHOTS[view](pilot)
            if result is False:
                continue
            await pilot.pause(0.2)
            name = f"{view}-{theme}.svg"
            write_svg(out / name, app.export_screenshot(title=f"kafkatui · {view}"))
            saved.append(out / name)
            print(f"  {name:36} {time.monotonic() - started:5.1f}s")
    return saved


def write_svg(path: Path, svg: str) -> None:
    """Save with xml:space="preserve": Rich writes runs of spaces as &#160;, and some renderers
    (librsvg, so rsvg-convert and many image viewers) drop them at the start of a text run, which
    shifts right-aligned numbers left and makes "label  value" groups run together."""
    if "xml:space" not in svg[:300]:
        svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    path.write_text(svg, encoding="utf-8")


def to_png(svgs: list[Path], folder: Path) -> None:
    if not shutil.which("rsvg-convert"):
        print("screenshots: rsvg-convert not found; no PNGs", file=sys.stderr)
        return
    folder.mkdir(parents=True, exist_ok=True)
    for svg in svgs:
        subprocess.run(["rsvg-convert", "-o", str(folder / (svg.stem + ".png")), str(svg)], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="120x36", help="terminal COLSxROWS (default 120x36)")
    parser.add_argument("--themes", default=",".join(DEFAULT_THEMES))
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated, from {', '.join(VIEWS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--png", type=Path, default=None, help="also write PNGs here (needs rsvg-convert)")
    args = parser.parse_args(argv)
    cols, _, rows = args.size.partition("x")
    size = (int(cols), int(rows))
    views = [v for v in args.views.split(",") if v]
    unknown = [v for v in views if v not in SHOTS]
    if unknown:
        parser.error(f"unknown view {unknown[0]!r}; choose from {', '.join(VIEWS)}")
    env = cluster_env()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    saved: list[Path] = []
    for theme in [t for t in args.themes.split(",") if t]:
        print(f"{theme} at {size[0]}x{size[1]}:")
        saved += asyncio.run(run_theme(theme, views, size, args.out, env))
    if args.png is not None:
        to_png(saved, args.png)
    print(f"wrote {len(saved)} SVGs to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
