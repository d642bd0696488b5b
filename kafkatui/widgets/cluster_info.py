"""Text builders for the overview's summary line and its ZooKeeper / KRaft quorum panel.

Why separate from the screen: these are pure functions of AppState (plus the theme for
colours), so they can be read and tested without a running screen, and the quorum view or a
future one-line status can reuse them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING, human_count
from kafkatui.model import Quorum, ZkServerStats, ZkSnapshot, ZkState
from kafkatui.palette import semantic
from kafkatui.state import AppState, Source, SourceHealth

if TYPE_CHECKING:
    from textual.app import App


def count_span(app: App, text: Text, label: str, value: int, *, bad: str | None) -> None:
    """Append "Label N" to `text`; N is coloured `bad` when non-zero, ok when zero (if `bad`)."""
    if text.plain and not text.plain.endswith("\n"):
        text.append("  ")
    text.append(f"{label} ", style=semantic(app, "muted"))
    colour = "bold" if bad is None else f"bold {semantic(app, bad if value else 'ok')}"
    text.append(f"{value:,}", style=colour)


def _num(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}{unit}"
    return f"{int(value):,}{unit}"


def zk_stats_text(app: App, snap: ZkSnapshot, health: SourceHealth) -> Text:
    muted = semantic(app, "muted")
    text = Text()
    text.append("ZooKeeper ", style="bold")
    text.append(escape_text(snap.hosts), style=muted)
    colour = {ZkState.CONNECTED: "ok", ZkState.SUSPENDED: "warning", ZkState.LOST: "critical"}.get(snap.state, "muted")
    text.append(f"  {snap.state.value}", style=f"bold {semantic(app, 'stale' if health.stale else colour)}")
    stats: ZkServerStats | None = snap.server
    if stats is None:
        text.append("  no server statistics", style=muted)
        return text
    version = (stats.version or MISSING).split("-")[0]  # drop the build hash: it costs a line at 80 cols
    text.append(f"  {escape_text(stats.mode or MISSING)}  v{escape_text(version)}")
    text.append("\n")
    pairs = [
        (
            "latency min/avg/max",
            f"{_num(stats.latency_min_ms)}/{_num(stats.latency_avg_ms)}/{_num(stats.latency_max_ms)} ms",
        ),
        ("znodes", human_count(stats.znode_count)),
        ("connections", human_count(stats.connections)),
        ("outstanding", human_count(stats.outstanding_requests)),
        ("watches", human_count(stats.watch_count)),
    ]
    for i, (label, value) in enumerate(pairs):
        text.append(("  " if i else "") + f"{label} ", style=muted)
        text.append(value)
    if stats.missing_whitelist:
        words = ",".join(stats.missing_whitelist)
        text.append("\n")
        text.append(
            f"Server refused {words}: add them to 4lw.commands.whitelist in zoo.cfg", style=semantic(app, "warning")
        )
    return text


def quorum_text(app: App, quorum: Quorum) -> Text:
    muted = semantic(app, "muted")
    text = Text()
    text.append("KRaft quorum ", style="bold")
    text.append("leader ", style=muted)
    text.append(str(quorum.leader_id), style="bold")
    text.append("  epoch ", style=muted)
    text.append(str(quorum.leader_epoch))
    text.append("  HW ", style=muted)
    text.append(f"{quorum.high_watermark:,}")
    text.append("\nvoters ", style=muted)
    for i, voter in enumerate(quorum.voters):
        if i:
            text.append("  ")
        lag = voter.lag
        colour = semantic(app, "ok" if not lag else "warning")
        mark = "★" if voter.is_leader or voter.replica_id == quorum.leader_id else ""
        text.append(f"{voter.replica_id}{mark}", style="bold")
        text.append(f" lag {_num(lag)}", style=colour)
    if quorum.observers:
        text.append("  observers ", style=muted)
        text.append(", ".join(str(o.replica_id) for o in quorum.observers))
    return text


def zk_or_quorum_text(app: App, state: AppState) -> Text:
    """What the overview shows under the broker table: ZooKeeper stats, the quorum, or why neither."""
    muted = semantic(app, "muted")
    cluster = state.cluster
    if cluster is not None and cluster.kraft:
        if cluster.quorum is None:
            return Text("KRaft cluster: quorum not described yet", style=muted)
        return quorum_text(app, cluster.quorum)
    if not state.zookeeper_configured:
        return Text("ZooKeeper: not configured (give --zookeeper HOST:PORT to see it)", style=muted)
    health = state.health.get(Source.ZOOKEEPER, SourceHealth())
    if state.zookeeper is None:
        if health.error:
            return Text(f"ZooKeeper: {escape_text(health.error)}", style=semantic(app, "critical"))
        return Text("ZooKeeper: connecting…", style=muted)
    return zk_stats_text(app, state.zookeeper, health)
