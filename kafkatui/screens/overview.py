"""Overview: is the cluster healthy right now? Counts, brokers beside their JVMs, ZooKeeper/quorum.

Why the join: an operator on a broker host wants one row per broker that says both what the
cluster thinks of it (metadata, leadership) and what the host thinks of it (pid, cpu, memory,
disk). A broker seen earlier (in metadata or as a local process) that has vanished stays as a
GONE row, because a silently shorter table is how a dead broker gets missed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING, human_bytes, human_duration
from kafkatui.model import Broker, ClusterSnapshot, JvmProcess, ProcessesSnapshot
from kafkatui.palette import semantic
from kafkatui.state import AppState, Source
from kafkatui.widgets.cluster_info import count_span, zk_or_quorum_text
from kafkatui.widgets.quiet import QuietStatic
from kafkatui.widgets.stale import StaleBanner
from kafkatui.widgets.table import Col, FilterTable


def _bytes(value: object) -> Text:
    return Text(human_bytes(value) if isinstance(value, int | float) else MISSING)  # type: ignore[arg-type]


def _pct(value: object) -> Text:
    return Text(f"{value:.1f}" if isinstance(value, float | int) else MISSING)


def _age(value: object) -> Text:
    return Text(human_duration(value) if isinstance(value, int | float) else MISSING)  # type: ignore[arg-type]


BROKER_COLUMNS = (
    Col("id", "ID", width=4, justify="right"),
    Col("status", "State", width=5),
    Col("addr", "Host:port", min_width=14),
    Col("rack", "Rack", width=8, hide_below=130),
    Col("led", "Led", width=5, justify="right"),
    Col("pid", "PID", width=7, justify="right"),
    Col("cpu", "CPU%", width=6, justify="right", render=_pct),
    Col("rss", "RSS", width=9, justify="right", render=_bytes),
    Col("threads", "Thr", width=4, justify="right", hide_below=110),
    Col("uptime", "Up", width=8, justify="right", render=_age, hide_below=100),
    Col("heap", "Xmx", width=6, justify="right", hide_below=90),
    Col("disk_used", "Log used", width=9, justify="right", render=_bytes, hide_below=120),
    Col("disk_free", "Disk free", width=10, justify="right", render=_bytes, hide_below=120),
)


def _disk(proc: JvmProcess | None) -> tuple[int | None, int | None]:
    if proc is None or not proc.log_dirs:
        return None, None
    used = [d.used_bytes for d in proc.log_dirs if d.used_bytes is not None]
    free = [d.free_bytes for d in proc.log_dirs if d.free_bytes is not None]
    return (sum(used) if used else None), (min(free) if free else None)


class OverviewScreen(Screen):
    """Cluster summary, broker table and ZooKeeper/KRaft quorum panel."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.CLUSTER, Source.PROCESSES, Source.ZOOKEEPER})

    def __init__(self) -> None:
        super().__init__(id="overview")
        self._seen: dict[int, Broker | None] = {}  # every broker id seen this session
        self._had_process: set[int] = set()

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.CLUSTER, Source.PROCESSES, Source.ZOOKEEPER, id="overview-stale")
        yield QuietStatic("Waiting for the first refresh…", id="overview-summary")
        yield FilterTable(BROKER_COLUMNS, id="overview-brokers")
        yield QuietStatic("", id="overview-zk")

    def show_state(self, state: AppState) -> None:
        self.query_one(StaleBanner).show(state)
        self.query_one("#overview-summary", QuietStatic).show(self._summary(state))
        self.query_one(FilterTable).set_rows(self._rows(state.cluster, state.processes))
        self.query_one("#overview-zk", QuietStatic).show(zk_or_quorum_text(self.app, state))

    # ------------------------------------------------------------------ pieces

    def _summary(self, state: AppState) -> Text:
        snap = state.cluster
        if snap is None:
            return Text("Waiting for the first Kafka refresh…", style=semantic(self.app, "muted"))
        muted = semantic(self.app, "muted")
        text = Text()
        text.append("Cluster ", style=muted)
        text.append(escape_text(snap.cluster_id or MISSING), style="bold")
        text.append("  controller ", style=muted)
        text.append(
            str(snap.controller_id) if snap.controller_id is not None else "none",
            style="bold" if snap.controller_id is not None else semantic(self.app, "critical"),
        )
        text.append("  mode ", style=muted)
        text.append("KRaft" if snap.kraft else "ZooKeeper", style="bold")
        text.append("\n")
        count_span(self.app, text, "Brokers", len(snap.brokers), bad=None)
        count_span(self.app, text, "Topics", len(snap.topics), bad=None)
        count_span(self.app, text, "Partitions", snap.partitions, bad=None)
        count_span(self.app, text, "Under-replicated", snap.under_replicated, bad="warning")
        count_span(self.app, text, "Offline", snap.offline, bad="critical")
        count_span(self.app, text, "Leaderless", snap.leaderless, bad="critical")
        return text

    def _same_cluster(self, proc: JvmProcess) -> bool:
        """A local broker JVM belongs to this cluster if metadata knew its id or it uses our ZooKeeper.

        Another cluster on the same host (the KRaft test cluster, say) must not show up as GONE.
        """
        if proc.broker_id in self._seen:
            return True
        ours = getattr(getattr(self.app, "settings", None), "zookeeper", None)
        return bool(ours and proc.zookeeper_connect and proc.zookeeper_connect.strip() == ours.strip())

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
        used, free = _disk(proc)
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
