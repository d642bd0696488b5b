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
from kafkatui.refresh.state import AppState, Source, SourceHealth
from kafkatui.ui.palette import semantic
from kafkatui.ui.widgets.pairs import PLAIN, Pair, append_pair, append_pairs

if TYPE_CHECKING:
    from textual.app import App


def count_pair(app: App, label: str, value: int, *, bad: str | None) -> Pair:
    """ "Label N"; N is coloured `bad` when non-zero, ok when zero (if `bad`), else just bold."""
    colour = "bold" if bad is None else f"bold {semantic(app, bad if value else 'ok')}"
    return Pair(label, f"{value:,}", colour)


def _num(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}{unit}"
    return f"{int(value):,}{unit}"


def zk_stats_text(app: App, snap: ZkSnapshot, health: SourceHealth, width: int | None = None) -> Text:
    """ZooKeeper: "ZooKeeper 127.0.0.1:2181 · CONNECTED · standalone · v3.8.4", then its stats."""
    muted = semantic(app, "muted")
    colour = {ZkState.CONNECTED: "ok", ZkState.SUSPENDED: "warning", ZkState.LOST: "critical"}.get(snap.state, "muted")
    state_style = f"bold {semantic(app, 'stale' if health.stale else colour)}"
    text = Text.assemble(("ZooKeeper", "bold"))
    text.append(" ")
    append_pair(text, Pair("", escape_text(snap.hosts), PLAIN), muted)
    head = [Pair("", snap.state.value, state_style)]
    stats: ZkServerStats | None = snap.server
    if stats is None:
        return append_pairs(text, [*head, Pair("", "no server statistics", muted)], muted, width=width)
    version = (stats.version or MISSING).split("-")[0]  # drop the build hash: it costs a line at 80 cols
    head += [Pair("", escape_text(stats.mode or MISSING), PLAIN), Pair("", f"v{escape_text(version)}", PLAIN)]
    append_pairs(text, head, muted, width=width)
    text.append("\n")
    latency = f"{_num(stats.latency_min_ms)}/{_num(stats.latency_avg_ms)}/{_num(stats.latency_max_ms)} ms"
    append_pairs(text, [
        Pair("latency min/avg/max", latency, PLAIN),
        Pair("znodes", human_count(stats.znode_count), PLAIN),
        Pair("connections", human_count(stats.connections), PLAIN),
        Pair("outstanding", human_count(stats.outstanding_requests), PLAIN),
        Pair("watches", human_count(stats.watch_count), PLAIN),
    ], muted, width=width)
    if stats.missing_whitelist:
        words = ",".join(stats.missing_whitelist)
        text.append("\n")
        text.append(
            f"Server refused {words}: add them to 4lw.commands.whitelist in zoo.cfg", style=semantic(app, "warning")
        )
    return text


def quorum_text(app: App, quorum: Quorum, width: int | None = None) -> Text:
    muted = semantic(app, "muted")
    text = Text.assemble(("KRaft quorum", "bold"))
    append_pairs(text, [
        Pair("leader", str(quorum.leader_id)),
        Pair("epoch", str(quorum.leader_epoch), PLAIN),
        Pair("HW", f"{quorum.high_watermark:,}", PLAIN),
    ], muted, width=width)
    text.append("\n")
    text.append("voters", style=muted)
    for voter in quorum.voters:
        lag = voter.lag
        mark = "★" if voter.is_leader or voter.replica_id == quorum.leader_id else ""
        text.append("  ")
        text.append(f"{voter.replica_id}{mark}", style="bold")
        text.append(" ")
        text.append(f"lag {_num(lag)}", style=semantic(app, "ok" if not lag else "warning"))
    if quorum.observers:
        append_pairs(text, [Pair("observers", ", ".join(str(o.replica_id) for o in quorum.observers), PLAIN)],
                     muted, sep="")
    return text


def zk_or_quorum_text(app: App, state: AppState, width: int | None = None) -> Text:
    """What the overview shows under the broker table: ZooKeeper stats, the quorum, or why neither."""
    muted = semantic(app, "muted")
    cluster = state.cluster
    if cluster is not None and cluster.kraft:
        if cluster.quorum is None:
            return Text("KRaft cluster: quorum not described yet", style=muted)
        return quorum_text(app, cluster.quorum, width)
    if not state.zookeeper_configured:
        return Text("ZooKeeper: not configured (give --zookeeper HOST:PORT to see it)", style=muted)
    health = state.health.get(Source.ZOOKEEPER, SourceHealth())
    if state.zookeeper is None:
        if health.error:
            return Text(f"ZooKeeper: {escape_text(health.error)}", style=semantic(app, "critical"))
        return Text("ZooKeeper: connecting…", style=muted)
    return zk_stats_text(app, state.zookeeper, health, width)
