"""Overview: is the cluster healthy right now? Counts, brokers beside their JVMs, ZooKeeper/quorum,
and what needs attention (offline and under-replicated partitions, lagging groups), worst first.

Why the join: an operator on a broker host wants one row per broker that says both what the
cluster thinks of it (metadata, leadership) and what the host thinks of it (pid, cpu, memory,
disk). A broker seen earlier (in metadata or as a local process) that has vanished stays as a
GONE row, because a silently shorter table is how a dead broker gets missed.

Why the attention panel: the operator opening the tool wants the list of things wrong right now
without visiting the topics and groups views, so the overview also polls consumer groups (the
panel uses the same lag status as the groups view; see kafkatui.health.attention).

Why the broker counts come from the rows: the summary and the broker table are one picture. The
rows join two sources polled apart (Kafka's metadata and the local processes), so a broker whose
process died is GONE by the process list while Kafka's metadata still lists it (until its
ZooKeeper session expires, or until the next cluster poll). Counted from the metadata alone, the
summary said "Brokers 3 · Under-replicated 0" next to a GONE row. So "Brokers N" counts the rows
that are up and "GONE N" the rest, and when the metadata still lists a GONE broker, a warning
line says so with the time of each source: the controller, leaders and partition counts shown
are Kafka's view from before it noticed, and the line marks them as such. The other way round (a
restarted broker back in the metadata, and a process list taken before it came back) the process
list is the older part, so it does not make the broker GONE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING
from kafkatui.model import Broker, ClusterSnapshot, JvmProcess, ProcessesSnapshot
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import GuardedScreen
from kafkatui.ui.widgets.attention import AttentionPanel
from kafkatui.ui.widgets.cells import age_cell, bytes_cell, percent_cell
from kafkatui.ui.widgets.cluster_info import count_pair, zk_or_quorum_text
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.pairs import Pair, append_pairs, pairs_text
from kafkatui.ui.widgets.quiet import QuietStatic
from kafkatui.ui.widgets.stale import StaleBanner, clock
from kafkatui.ui.widgets.table import Col, FilterTable

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


@dataclass(frozen=True)
class BrokerRows:
    """The broker table's rows and the counts the summary shows for them (one join, one picture)."""

    rows: list[tuple[str, list]]
    up: int = 0
    gone: tuple[int, ...] = ()
    still_listed: tuple[int, ...] = ()  # GONE by the process list, yet in the metadata shown


class OverviewScreen(GuardedScreen, Screen):
    """Cluster summary, broker table, ZooKeeper/KRaft quorum panel and the "Needs attention" list."""

    # GROUPS only for the attention panel's lag statuses; the StaleBanner leaves a groups failure
    # to the header's error line, and the panel says its group rows are stale.
    SOURCES: ClassVar[frozenset[Source]] = frozenset(
        {Source.CLUSTER, Source.PROCESSES, Source.ZOOKEEPER, Source.GROUPS}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Brokers/attention", show=False),
        Binding("enter", "open_broker", "Open broker", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="overview")
        self._seen: dict[int, Broker | None] = {}  # every broker id seen this session
        self._had_process: set[int] = set()
        self._listed_since: dict[int, float] = {}  # broker id -> first metadata of its current listing

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
        brokers = self._rows(state.cluster, state.processes)
        self.query_one("#overview-summary", QuietStatic).show(self._summary(state, width, brokers))
        self.query_one("#overview-brokers", FilterTable).set_rows(brokers.rows)
        self.query_one("#overview-zk", QuietStatic).show(zk_or_quorum_text(self.app, state, width))
        self.query_one(AttentionPanel).show(state)

    def on_filter_table_row_chosen(self, event: FilterTable.RowChosen) -> None:
        """Enter on a broker row opens the broker's detail (the attention table handles its own)."""
        if event.table.id == "overview-brokers" and event.row_key.isdigit():
            event.stop()
            self.app.open_broker(int(event.row_key))  # type: ignore[attr-defined]

    def action_open_broker(self) -> None:
        key = self.query_one("#overview-brokers", FilterTable).cursor_key
        if key is not None and key.isdigit():
            self.app.open_broker(int(key))  # type: ignore[attr-defined]

    def on_resize(self) -> None:
        """Summary lines are packed to the width; repack them when it changes."""
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState) and not self.is_dropped:
            self.call_after_refresh(self.show_state, state)

    # ------------------------------------------------------------------ pieces

    def _summary(self, state: AppState, width: int | None, brokers: BrokerRows) -> Text:
        """ "Cluster X · controller 1 · mode ZooKeeper", then the counts, pairs never split; the broker
        counts are those of `brokers` (the table's rows), plus a line when the metadata is behind them."""
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
        gone = [count_pair(app, "GONE", len(brokers.gone), bad="critical")] if brokers.gone else []
        append_pairs(text, [
            count_pair(app, "Brokers", brokers.up, bad=None),
            *gone,
            count_pair(app, "Topics", len(snap.topics), bad=None),
            count_pair(app, "Partitions", snap.partitions, bad=None),
            count_pair(app, "Under-replicated", snap.under_replicated, bad="warning"),
            count_pair(app, "Offline", snap.offline, bad="critical"),
            count_pair(app, "Leaderless", snap.leaderless, bad="critical"),
        ], muted, width=width)
        if brokers.still_listed and state.processes is not None:
            ids = ", ".join(str(b) for b in brokers.still_listed)
            which = f"broker{'s' if len(brokers.still_listed) > 1 else ''} {ids}"
            text.append("\n")
            text.append(f"⚠ Kafka metadata of {clock(snap.fetched_at)} still lists GONE {which}"
                        f" (no process at {clock(state.processes.fetched_at)}): controller and counts are behind",
                        style=semantic(app, "warning"))
        return text

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

    def _rows(self, snap: ClusterSnapshot | None, procs: ProcessesSnapshot | None) -> BrokerRows:
        live = {b.id: b for b in snap.brokers} if snap is not None else {}
        if snap is not None:
            for bid, broker in live.items():
                self._seen[bid] = broker
                self._listed_since.setdefault(bid, snap.fetched_at)
            self._listed_since = {bid: at for bid, at in self._listed_since.items() if bid in live}
        local = {p.broker_id: p for p in (procs.processes if procs else ()) if p.broker_id is not None
                 and p.role != "zookeeper" and self._same_cluster(p)}
        for bid in local:
            self._seen.setdefault(bid, None)
            self._had_process.add(bid)
        rows = []
        gone_ids: list[int] = []
        for bid in sorted(self._seen):
            broker = live.get(bid) or self._seen[bid]
            proc = local.get(bid)
            # a process list taken before the metadata (re)listed the broker (a restart) cannot
            # say its new process is missing: that part is older, so it does not make it GONE
            procs_older = bid in live and procs is not None and procs.fetched_at < self._listed_since[bid]
            no_process = procs is not None and proc is None and bid in self._had_process and not procs_older
            gone = snap is not None and (bid not in live or no_process)
            if gone:
                gone_ids.append(bid)
            uptime = procs.fetched_at - proc.create_time if procs and proc and proc.create_time else None
            rows.append((str(bid), self._row(bid, broker, proc, snap, gone, uptime)))
        up = len(self._seen) - len(gone_ids) if snap is not None else 0
        return BrokerRows(rows, up, tuple(gone_ids), tuple(b for b in gone_ids if b in live))

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
