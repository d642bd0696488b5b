"""One broker: its replicas and the ones it leads, preferred-leader misses, its log dirs (size,
usable, fill rate, time to full), its configs with drifted keys marked, and its JVM on this host.

Why: the overview's broker row says that something is off with a broker; this screen says what,
from data the refreshes already hold (no request of its own): the cluster snapshot (partitions,
log dirs, the broker configs fetched once a minute) and the local processes. Preferred-leader
misses are shown here even below `leader.imbalance.per.broker.percentage`, where the attention
list stays quiet (Kafka's controller leaves such misses alone, see kafkatui.health.rules).
A drifted config is marked `≠` with the value every other broker has.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING, human_bytes, human_duration
from kafkatui.health.rules import balance, drift_text, drifted, imbalance_threshold, time_to_full
from kafkatui.kafka.convert import broker_part_denied
from kafkatui.model import Broker, ClusterSnapshot, JvmProcess, LogDir, Partition
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.screens.base import TABLE_BINDINGS, TableScreen
from kafkatui.ui.widgets.cells import bytes_cell
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static


def _styled(value: Any) -> Text:
    """A (sort key, label, style) cell."""
    return Text(value[1], style=value[2])


def _rate_cell(value: Any) -> Text:
    return Text(f"{human_bytes(value)}/s" if isinstance(value, int | float) and value > 0 else MISSING)


def _eta_cell(value: Any) -> Text:
    return Text(human_duration(value) if isinstance(value, int | float) else MISSING)


PARTITION_COLUMNS = (
    Col("topic", "Topic", min_width=12),
    Col("partition", "Part", width=5, justify="right"),
    Col("role", "Role", width=9, render=_styled, sort_key=lambda v: v[0]),
    Col("leader", "Leader", width=6, justify="right"),
    Col("replicas", "Replicas", min_width=8),
    Col("isr", "ISR", min_width=8),
    Col("preferred", "Preferred", width=12, render=_styled, sort_key=lambda v: v[0]),
)

LOG_DIR_COLUMNS = (
    Col("path", "Log dir", min_width=16),
    Col("state", "State", width=8, render=_styled, sort_key=lambda v: v[0]),
    Col("size", "Size", width=9, justify="right", render=bytes_cell),
    Col("total", "Total", width=9, justify="right", render=bytes_cell),
    Col("usable", "Usable", width=9, justify="right", render=bytes_cell),
    Col("fill", "Fill rate", width=11, justify="right", render=_rate_cell),
    Col("eta", "Full in", width=9, justify="right", render=_eta_cell),
)

CONFIG_COLUMNS = (
    Col("mark", "", width=1, sortable=False),
    Col("name", "Config", width=40),
    Col("value", "Value", min_width=10),
    Col("others", "Other brokers", min_width=10, hide_below=90),
)


def broker_partitions(cluster: ClusterSnapshot, broker: int) -> list[Partition]:
    """The partitions with a replica on `broker`."""
    return [p for t in cluster.topics for p in t.partitions if broker in p.replicas]


def local_process(state: AppState, broker: Broker | None, broker_id: int) -> JvmProcess | None:
    """The broker's JVM on this host: the Kafka process with its id that listens on its port (when
    ports are readable), so another cluster's broker 1 on this host is not taken for ours."""
    if state.processes is None:
        return None
    for proc in state.processes.processes:
        if proc.broker_id != broker_id or proc.role == "zookeeper":
            continue
        if broker is not None and proc.ports and broker.port not in proc.ports:
            continue
        return proc
    return None


class BrokerDetailScreen(TableScreen):
    """Replicas, log dirs, configs and host process of one broker; survives the broker leaving."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.CLUSTER, Source.PROCESSES})
    VIEW_NAME = "broker"  # the header and `?` name it, not the overview it was opened from
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open topic", show=False),
        Binding("tab", "app.focus_next", "Partitions/log dirs/configs", show=False),
        *TABLE_BINDINGS,
    ]

    DEFAULT_CSS = """
    BrokerDetailScreen #broker-partitions { height: 1fr; }
    BrokerDetailScreen #broker-dirs { height: auto; max-height: 6; }
    BrokerDetailScreen #broker-configs { height: 1fr; max-height: 14; }
    BrokerDetailScreen .broker-section { margin-top: 1; }
    """

    def __init__(self, broker_id: int) -> None:
        super().__init__()  # no fixed id: a jump from one broker to another briefly holds both
        self.broker_id = broker_id

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.CLUSTER, Source.PROCESSES, id="broker-stale")
        yield Static(Text(f"Broker {self.broker_id}"), id="broker-title", classes="view-title")
        yield Static("", id="broker-process", classes="view-title")
        yield FilterTable(PARTITION_COLUMNS, id="broker-partitions")
        yield Static("Log dirs", id="broker-dirs-title", classes="view-title broker-section")
        yield FilterTable(LOG_DIR_COLUMNS, id="broker-dirs")
        yield Static("Configs: waiting for the first config round…", id="broker-configs-title",
                     classes="view-title broker-section", markup=False)
        yield FilterTable(CONFIG_COLUMNS, id="broker-configs")
        yield FilterInput()

    def _prepare(self) -> None:
        table = self.query_one("#broker-partitions", FilterTable)
        table.sort_by("topic")
        table.focus()
        self.query_one("#broker-configs", FilterTable).sort_by("mark", reverse=True)

    # ------------------------------------------------------------------ rendering

    def _show(self, state: AppState) -> None:
        cluster = state.cluster
        if cluster is None:
            return
        broker = next((b for b in cluster.brokers if b.id == self.broker_id), None)
        parts = broker_partitions(cluster, self.broker_id)
        self.query_one("#broker-partitions", FilterTable).set_rows(
            [(f"{p.topic}\x00{p.partition}", self._partition_row(p)) for p in parts])
        dirs = [d for d in cluster.log_dirs if d.broker_id == self.broker_id]
        dirs_table = self.query_one("#broker-dirs", FilterTable)
        dirs_table.set_rows([(d.path, self._dir_row(d)) for d in dirs])
        update_static(self.query_one("#broker-dirs-title", Static), self._denied("log dirs", cluster, dirs_table)
                      or "Log dirs")
        self._title(cluster, broker, parts)
        self._process(local_process(state, broker, self.broker_id), state)
        self._configs(cluster)

    def _title(self, cluster: ClusterSnapshot, broker: Broker | None, parts: list[Partition]) -> None:
        text = Text()
        text.append("Broker ", style="bold")
        text.append(str(self.broker_id), style=f"bold {self._c('accent')}")
        if broker is None:
            text.append("  ✗ not in the cluster's metadata (down, or removed)", style=f"bold {self._c('critical')}")
        else:
            text.append(f"  {escape_text(broker.host)}:{broker.port}")
            if broker.rack:
                text.append(f" · rack {escape_text(broker.rack)}")
        if cluster.controller_id == self.broker_id:
            text.append(" · ★ controller", style=self._c("accent"))
        led = sum(1 for p in parts if p.leader == self.broker_id)
        text.append(f"  {len(parts)} replicas, leads {led}")
        counts = balance(cluster).get(self.broker_id)
        if counts is not None and counts.preferred:
            percent, auto = imbalance_threshold(cluster, self.broker_id)
            share = counts.misses / counts.preferred
            style = self._c("warning") if share * 100 > percent else self._c("muted")
            text.append(f"  preferred-leader misses {counts.misses} of {counts.preferred} ({share:.0%}; "
                        f"Kafka rebalances above {percent:g}%"
                        f"{'' if auto is not False else ', auto rebalance off'})", style=style)
        update_static(self.query_one("#broker-title", Static), text)

    def _partition_row(self, p: Partition) -> tuple[Any, ...]:
        bid = self.broker_id
        if p.leader == bid:
            role = (2, "leader", f"bold {self._c('accent')}")
        elif bid in p.isr:
            role = (1, "follower", "")
        else:
            role = (0, "✗ not ISR", f"bold {self._c('critical')}")
        preferred_here = bool(p.replicas) and p.replicas[0] == bid
        if preferred_here and p.leader != bid and bid in p.isr:
            preferred = (2, "★ miss", self._c("warning"))  # preferred, in the ISR, yet not leading
        elif preferred_here:
            preferred = (1, "★" if p.leader == bid else "★ not ISR", "" if p.leader == bid else self._c("muted"))
        else:
            preferred = (0, "", "")
        return (
            escape_text(p.topic),
            p.partition,
            role,
            p.leader if p.leader >= 0 else None,
            ",".join(str(r) for r in p.replicas),
            ",".join(str(r) for r in p.isr),
            preferred,
        )

    def _dir_row(self, d: LogDir) -> tuple[Any, ...]:
        state = (1, f"✗ {escape_text(d.error or 'failed')}", f"bold {self._c('critical')}") if d.offline \
            else (0, "ok", self._c("ok"))
        return (escape_text(d.path), state, d.partition_bytes, d.total_bytes, d.usable_bytes,
                d.fill_bytes_per_s, time_to_full(d))

    def _process(self, proc: JvmProcess | None, state: AppState) -> None:
        muted = self._c("muted")
        text = Text()
        text.append("Process ", style="bold")
        if state.processes is None:
            text.append("(host processes not read yet)", style=muted)
        elif proc is None:
            text.append("not on this host (or not visible to this user)", style=muted)
        else:
            text.append(f"pid {proc.pid}")
            cpu = f"{proc.cpu_percent:.1f}%" if proc.cpu_percent is not None else MISSING
            text.append(f" · CPU {cpu} · RSS {human_bytes(proc.rss_bytes)}")
            if proc.heap_used_bytes is not None:
                text.append(f" · heap {human_bytes(proc.heap_used_bytes)}")
                text.append(f" of -Xmx {escape_text(proc.xmx)}" if proc.xmx else "")
            elif proc.xmx:
                text.append(f" · -Xmx {escape_text(proc.xmx)} (heap use unknown)")
            if proc.threads is not None:
                text.append(f" · {proc.threads} threads")
            if proc.create_time is not None:
                text.append(f" · up {human_duration(state.processes.fetched_at - proc.create_time)}")
        update_static(self.query_one("#broker-process", Static), text)

    def _denied(self, part: str, cluster: ClusterSnapshot, table: FilterTable) -> Text | None:
        """The title of a part this principal may not read, from the same `denied` lines
        `snapshot --json` lists: "not authorized" and the ACL it needs, its empty table hidden.
        None (and the table shown) when it was not denied."""
        denied = broker_part_denied(cluster.denied, part, self.broker_id)
        table.display = denied is None
        return None if denied is None else Text.assemble((f"{part.capitalize()} ", "bold"), (denied, self._c("muted")))

    def _configs(self, cluster: ClusterSnapshot) -> None:
        title = self.query_one("#broker-configs-title", Static)
        if (denied := self._denied("configs", cluster, self.query_one("#broker-configs", FilterTable))) is not None:
            update_static(title, denied)
            return
        all_configs = cluster.configs.broker_configs if cluster.configs is not None else {}
        mine = all_configs.get(self.broker_id)
        if not mine:
            if cluster.configs is not None:
                update_static(title, Text("Configs: this broker's configs were not answered", style=self._c("warning")))
            return
        drift = drifted(all_configs)
        rows = []
        for name, value in mine.items():
            values = drift.get(name)
            others = [(v, [b for b in bs if b != self.broker_id]) for v, bs in values or () if v != value]
            mark = Text("≠", style=f"bold {self._c('warning')}") if values else Text(" ")
            rows.append((name, (
                mark,
                Text(escape_text(name), style=f"bold {self._c('warning')}" if values else ""),
                Text(escape_text("(sensitive)" if value is None else value)),
                Text(escape_text(drift_text(others))) if others else Text(""),
            )))
        self.query_one("#broker-configs", FilterTable).set_rows(rows)
        text = Text.assemble(("Configs ", "bold"))
        count = sum(1 for name in mine if name in drift)
        text.append(f"{count} drifted", style=self._c("warning") if count else self._c("muted"))
        text.append(f" of {len(mine)} · ≠ differs from other brokers (Other brokers: who has what) · "
                    "fetched once a minute", style=self._c("muted"))
        update_static(title, text)

    # ------------------------------------------------------------------ actions

    def on_filter_table_row_chosen(self, event: FilterTable.RowChosen) -> None:
        event.stop()
        if event.table.id == "broker-partitions":
            self._open_topic(event.row_key)

    def action_open(self) -> None:
        table = self._focused_table()
        if table.id == "broker-partitions" and table.cursor_key is not None:
            self._open_topic(table.cursor_key)

    def _open_topic(self, key: str) -> None:
        self.app.open_topic(key.split("\x00", 1)[0])  # type: ignore[attr-defined]
