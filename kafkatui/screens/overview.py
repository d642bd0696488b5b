"""Overview: is the cluster healthy right now? Counts, brokers beside their JVMs, ZooKeeper/quorum,
and what needs attention (offline and under-replicated partitions, lagging groups), worst first.

Why the join: an operator on a broker host wants one row per broker that says both what the
cluster thinks of it (metadata, leadership) and what the host thinks of it (pid, cpu, memory,
disk). A broker seen earlier (in metadata or as a local process) that has vanished stays as a
GONE row, because a silently shorter table is how a dead broker gets missed.

Why the attention panel: the operator opening the tool wants the list of things wrong right now
without visiting the topics and groups views, so the overview also polls consumer groups (the
panel uses the same lag status as the groups view; see kafkatui.attention).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING
from kafkatui.model import Broker, ClusterSnapshot, JvmProcess, ProcessesSnapshot
from kafkatui.palette import semantic
from kafkatui.screens.base import GuardedScreen
from kafkatui.state import AppState, Source
from kafkatui.widgets.attention import AttentionPanel
from kafkatui.widgets.cells import age_cell, bytes_cell, percent_cell
from kafkatui.widgets.cluster_info import count_pair, zk_or_quorum_text
from kafkatui.widgets.filter_input import FilterInput
from kafkatui.widgets.pairs import Pair, append_pairs, pairs_text
from kafkatui.widgets.quiet import QuietStatic
from kafkatui.widgets.stale import StaleBanner
from kafkatui.widgets.table import Col, FilterTable

BROKER_COLUMNS = (
    Col("id", "ID", width=4, justify="right"),
    Col("status", "State", width=5),
    Col("addr", "Host:port", min_width=14),
    Col("rack", "Rack", width=8, hide_below=130),
    Col("led", "Led", width=5, justify="right"),
    Col("pid", "PID", width=7, justify="right"),
    Col("cpu", "CPU%", width=6, justify="right", render=percent_cell),
    Col("rss", "RSS", width=9, justify="right", render=bytes_cell),
    Col("threads", "Thr", width=4, justify="right", hide_below=110),
    Col("uptime", "Up", width=8, justify="right", render=age_cell, hide_below=100),
    Col("heap", "Xmx", width=6, justify="right", hide_below=90),
    Col("disk_used", "Log used", width=9, justify="right", render=bytes_cell, hide_below=120),
    Col("disk_free", "Disk free", width=10, justify="right", render=bytes_cell, hide_below=120),
)


class OverviewScreen(GuardedScreen, Screen):
    """Cluster summary, broker table, ZooKeeper/KRaft quorum panel and the "Needs attention" list."""

    # GROUPS only for the attention panel's lag statuses; the StaleBanner leaves a groups failure
    # to the header's error line, and the panel says its group rows are stale.
    SOURCES: ClassVar[frozenset[Source]] = frozenset(
        {Source.CLUSTER, Source.PROCESSES, Source.ZOOKEEPER, Source.GROUPS}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Brokers/attention", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="overview")
        self._seen: dict[int, Broker | None] = {}  # every broker id seen this session
        self._had_process: set[int] = set()

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.CLUSTER, Source.PROCESSES, Source.ZOOKEEPER, id="overview-stale")
        yield QuietStatic("Waiting for the first refresh…", id="overview-summary")
        yield FilterTable(BROKER_COLUMNS, id="overview-brokers")
        yield QuietStatic("", id="overview-zk")
        yield AttentionPanel(id="overview-attention")
        yield FilterInput()  # bound to whichever table `/` was pressed in: brokers or attention

    def on_mount(self) -> None:
        if self.is_dropped:  # quit before it mounted: its widgets were never mounted
            return
        self.query_one("#overview-brokers", FilterTable).focus()  # the brokers keep the keys by default

    def show_state(self, state: AppState) -> None:
        width = max(20, self.app.size.width - 2)  # the Statics have one cell of padding each side
        self.query_one(StaleBanner).show(state)
        self.query_one("#overview-summary", QuietStatic).show(self._summary(state, width))
        self.query_one("#overview-brokers", FilterTable).set_rows(self._rows(state.cluster, state.processes))
        self.query_one("#overview-zk", QuietStatic).show(zk_or_quorum_text(self.app, state, width))
        self.query_one(AttentionPanel).show(state)

    def on_resize(self) -> None:
        """Summary lines are packed to the width; repack them when it changes."""
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState) and not self.is_dropped:
            self.call_after_refresh(self.show_state, state)

    # ------------------------------------------------------------------ pieces

    def _summary(self, state: AppState, width: int | None = None) -> Text:
        """ "Cluster X · controller 1 · mode ZooKeeper", then the counts, pairs never split."""
        snap = state.cluster
        if snap is None:
            return Text("Waiting for the first Kafka refresh…", style=semantic(self.app, "muted"))
        app = self.app
        muted = semantic(app, "muted")
        controller = (
            Pair("controller", str(snap.controller_id))
            if snap.controller_id is not None
            else Pair("controller", "none", f"bold {semantic(app, 'critical')}")
        )
        text = pairs_text([
            Pair("Cluster", escape_text(snap.cluster_id or MISSING)),
            controller,
            Pair("mode", "KRaft" if snap.kraft else "ZooKeeper"),
        ], muted, width=width)
        text.append("\n")
        return append_pairs(text, [
            count_pair(app, "Brokers", len(snap.brokers), bad=None),
            count_pair(app, "Topics", len(snap.topics), bad=None),
            count_pair(app, "Partitions", snap.partitions, bad=None),
            count_pair(app, "Under-replicated", snap.under_replicated, bad="warning"),
            count_pair(app, "Offline", snap.offline, bad="critical"),
            count_pair(app, "Leaderless", snap.leaderless, bad="critical"),
        ], muted, width=width)

    def _same_cluster(self, proc: JvmProcess) -> bool:
        """Does this local broker JVM belong to the monitored cluster?

        Other clusters on the same host (a test cluster, the KRaft one) reuse broker ids 1, 2, 3, so
        an id alone proves nothing: when metadata gave the id's port and the JVM's listening ports
        are readable, the port decides; else our ZooKeeper connect string; else the id.
        """
        broker = self._seen.get(proc.broker_id) if proc.broker_id is not None else None
        if broker is not None and proc.ports:
            return broker.port in proc.ports
        ours = getattr(getattr(self.app, "settings", None), "zookeeper", None)
        if ours and proc.zookeeper_connect:
            return proc.zookeeper_connect.strip() == ours.strip()
        return proc.broker_id in self._seen

    def _rows(self, snap: ClusterSnapshot | None, procs: ProcessesSnapshot | None) -> list[tuple[str, list]]:
        live = {b.id: b for b in snap.brokers} if snap is not None else {}
        for bid, broker in live.items():
            self._seen[bid] = broker
        local = {p.broker_id: p for p in (procs.processes if procs else ()) if p.broker_id is not None
                 and p.role != "zookeeper" and self._same_cluster(p)}
        for bid in local:
            self._seen.setdefault(bid, None)
            self._had_process.add(bid)
        rows = []
        for bid in sorted(self._seen):
            broker = live.get(bid) or self._seen[bid]
            proc = local.get(bid)
            gone = snap is not None and (bid not in live or (procs is not None and proc is None
                                                              and bid in self._had_process))
            uptime = procs.fetched_at - proc.create_time if procs and proc and proc.create_time else None
            rows.append((str(bid), self._row(bid, broker, proc, snap, gone, uptime)))
        return rows

    def _row(
        self,
        bid: int,
        broker: Broker | None,
        proc: JvmProcess | None,
        snap: ClusterSnapshot | None,
        gone: bool,
        uptime: float | None,
    ) -> list:
        app = self.app
        is_ctrl = snap is not None and snap.controller_id == bid
        ident = Text(f"{bid}{'★' if is_ctrl else ''}", style=semantic(app, "accent") if is_ctrl else "")
        status = (
            Text("GONE", style=f"bold {semantic(app, 'critical')}") if gone else Text("up", style=semantic(app, "ok"))
        )
        addr = escape_text(f"{broker.host}:{broker.port}") if broker else MISSING
        used, free = proc.log_dirs_used_free if proc is not None else (None, None)
        return [
            ident,
            status,
            addr,
            escape_text(broker.rack) if broker and broker.rack else None,
            snap.led_by(bid) if snap is not None and not gone else None,
            proc.pid if proc else None,
            proc.cpu_percent if proc else None,
            proc.rss_bytes if proc else None,
            proc.threads if proc else None,
            uptime,
            proc.xmx if proc else None,
            used,
            free,
        ]
