"""AttentionPanel: the overview's "Needs attention" list, worst first, Enter opens the culprit.

Why a widget of its own: the rows come from the pure `kafkatui.health.attention.build_attention`; this
only colours them (palette names, never raw colours), keeps the table bounded and quiet (a
FilterTable writes only changed cells), and turns Enter on a row into the topic or group detail.
When nothing is wrong the table is hidden and one muted line says so, with the counts that
prove it ("all 83 partitions fully replicated, 2 groups OK").

Why a thread on a large cluster (issue 14): the findings look at every partition and group
(`build_attention` and the rules it runs), 30,000 partitions and 5,000 groups cost the UI thread
more than 100 ms at every refresh. Above `table.INLINE_LIMIT` partitions plus groups (the rule
every big table follows, `table.off_thread`) they are built in a thread worker and the panel
shows them when it is done (the last rows stay until then); the UI thread only colours at most
`MAX_ROWS` rows. A small cluster is built inline, so its first
frame is already the final one. A state change that left the cluster, the groups and the lag
history alone (a process or ZooKeeper poll) builds nothing.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.worker import Worker, WorkerState

from kafkatui.health.attention import Attention, AttentionRow, Kind, Level, TopicFindings, build_attention
from kafkatui.health.controller import controller_findings
from kafkatui.refresh.state import AppState, Source, SourceHealth
from kafkatui.tablemodel import same_objects
from kafkatui.ui.handoff import Handoffs
from kafkatui.ui.palette import semantic
from kafkatui.ui.widgets.lag_status import status_text
from kafkatui.ui.widgets.quiet import QuietStatic
from kafkatui.ui.widgets.table import Col, FilterTable, off_thread

PROBLEM_SYMBOLS = {"OFFLINE": "✗", "NO LEADER": "✗", "URP": "⚠"}  # others: ✗ critical, ⚠ warning


def _ranked(value: Any) -> Text:
    return value[1].copy()


def _blank_none(value: Any) -> Text:
    return Text("" if value is None else f"{value:,}")


COLUMNS = (
    Col("problem", "Problem", width=12, render=_ranked, sort_key=lambda v: -v[0]),
    Col("name", "Topic / group", width=24),  # fixed, so the detail column gets the rest of the width
    Col("partition", "Part", width=4, justify="right", render=_blank_none),
    Col("detail", "Detail", min_width=16, sortable=False),
)


class AttentionPanel(Vertical):
    """A title line and a table of problems; `show(state)` on every refresh."""

    DEFAULT_CSS = """
    AttentionPanel { height: 1fr; margin-top: 1; }
    AttentionPanel #attention-title { height: auto; padding: 0 1; }
    AttentionPanel #attention-table { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[str, AttentionRow] = {}
        self._inputs: tuple[object, ...] = ()  # the cluster, groups and lag history last built from
        self._attention: Attention | None = None  # the last one built
        self._state: AppState | None = None  # the last state shown (health, for the title)
        self._memo = TopicFindings()  # each topic's partition findings, kept between builds
        self._handoffs = Handoffs()  # each build's snapshots and findings (ui/handoff.py)

    def compose(self) -> ComposeResult:
        yield QuietStatic("Needs attention: waiting for the first refresh…", id="attention-title")
        table = FilterTable(COLUMNS, id="attention-table")
        table.display = False
        yield table

    @property
    def table(self) -> FilterTable:
        return self.query_one("#attention-table", FilterTable)

    def row(self, key: str) -> AttentionRow | None:
        """The row shown under `key` (for Enter, and for tests)."""
        return self._rows.get(key)

    def show(self, state: AppState) -> None:
        self._state = state
        inputs = (state.cluster, state.groups, state.lag_trends, state.controller)
        if same_objects(inputs, self._inputs):
            if self._attention is not None:  # the title still shows the groups' health
                self._apply(self._attention, state)
            return
        self._inputs = inputs
        size = (state.cluster.partitions if state.cluster else 0) + (len(state.groups.groups) if state.groups else 0)
        if not off_thread(size):
            self._apply(self._build(inputs, self._memo)[1], state)
            return
        # The snapshots go through a handoff, not the Worker (ui/handoff.py says why); a description,
        # else Textual describes the worker by repr(work): every partition, as text.
        self._handoffs.run(self, partial(self._build, memo=self._memo), inputs, name="attention", group="attention",
                           description="Needs attention findings", exclusive=True, exit_on_error=False)

    @staticmethod
    def _build(inputs: tuple[Any, ...], memo: TopicFindings | None = None) -> tuple[tuple[object, ...], Attention]:
        """Thread: the findings of these snapshots, with the inputs they came from. Two builds may
        overlap (an exclusive worker is not stopped): the memo then only judges a topic again."""
        cluster, groups, lag_trends, controller = inputs
        extra = controller_findings(controller, time.time())
        return inputs, build_attention(cluster, groups, lag_trends=lag_trends, extra=extra, memo=memo)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "attention":
            return
        event.stop()
        result = self._handoffs.take(event)
        if event.state is not WorkerState.SUCCESS or result is None:
            return
        inputs, attention = result
        if inputs is self._inputs and self._state is not None and self.is_attached:  # not overtaken
            self._apply(attention, self._state)

    def _apply(self, attention: Attention, state: AppState) -> None:
        """Show built findings: at most MAX_ROWS rows to colour, and the title."""
        self._attention = attention
        self._rows = {r.key: r for r in attention.rows}
        table = self.table
        table.set_rows([(r.key, self._cells(r)) for r in attention.rows])
        self.query_one("#attention-title", QuietStatic).show(self._title(attention, state))
        visible = bool(attention.rows)
        if table.display != visible:
            if not visible and table.has_focus:
                self.screen.focus_previous()  # back to the broker table, not into a hidden one
            table.display = visible

    def _c(self, name: str) -> str:
        return semantic(self.app, name)

    def _cells(self, r: AttentionRow) -> tuple[Any, ...]:
        if r.kind is Kind.GROUP and r.status is not None:
            problem = status_text(self.app, r.status)
        else:
            colour = self._c("critical" if r.level is Level.CRITICAL else "warning")
            bold = "bold " if r.level is Level.CRITICAL else ""
            symbol = PROBLEM_SYMBOLS.get(r.problem, "✗" if r.level is Level.CRITICAL else "⚠")
            problem = Text(f"{symbol} {r.problem}", style=f"{bold}{colour}")
        # names and details are escaped by build_attention; Text keeps them from markup parsing
        return ((int(r.level), problem), Text(r.name), r.partition, Text(r.detail))

    def _title(self, attention: Attention, state: AppState) -> Text:
        muted = self._c("muted")
        groups_health = state.health.get(Source.GROUPS, SourceHealth())
        parts: list[tuple[str, str]] = []  # (text, style) after the heading
        if not attention.rows:
            text = Text(attention.message(), style=muted)
        else:
            text = Text("Needs attention", style="bold")
            if attention.critical:
                parts.append((f"✗ {attention.critical:,} critical", f"bold {self._c('critical')}"))
            if attention.warning:
                parts.append((f"⚠ {attention.warning:,} warning", self._c("warning")))
            if attention.hidden:
                parts.append((attention.more_note(), muted))
            if state.groups is None and not attention.waiting:
                parts.append((attention.groups_note(), muted))
            elif attention.groups_unjudged:  # never listed as rows, so counted here (never as OK)
                parts.append((attention.unjudged_note(), muted))
        if groups_health.stale and not attention.waiting:
            parts.append(("group lag stale (see the header)", self._c("stale")))
        for part, style in parts:
            text.append("  ")  # an unstyled run: SVG renderers trim spaces that start a styled one
            text.append(part, style=style)
        return text

    def on_filter_table_row_chosen(self, event: FilterTable.RowChosen) -> None:
        """Enter on a partition or topic finding opens the topic, on a group the group (views 3
        and 4), on a broker or log-dir finding the broker's detail; a config key has none, so it says so."""
        if event.table is not self.table:
            return
        event.stop()
        row = self._rows.get(event.row_key)
        if row is None:
            return
        if row.kind in (Kind.PARTITION, Kind.TOPIC):
            self.app.open_topic(row.target)  # type: ignore[attr-defined]
        elif row.kind is Kind.GROUP:
            self.app.open_group(row.target)  # type: ignore[attr-defined]
        elif row.broker is not None:
            self.app.open_broker(row.broker)  # type: ignore[attr-defined]
        else:
            self.app.notify(f"{row.name}: a cluster-wide finding, no detail view; the row says it all", timeout=4)
