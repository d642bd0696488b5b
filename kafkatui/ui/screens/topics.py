"""Topics: every topic with size, throughput and replication trouble at a glance.

Why these columns: the operator scanning topics wants to know which ones are big, busy or
broken. The flag column spells trouble out in text ("⚠ URP 1", "✗ OFFLINE 2") as well as
colour, so it reads the same on a monochrome terminal. Internal topics (__consumer_offsets,
__transaction_state) are hidden by default because they drown the operator's own topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING, human_bytes, rate, sparkline
from kafkatui.health.rules import MinIsrState, min_isr_state
from kafkatui.model import ClusterSnapshot, Topic
from kafkatui.refresh.state import AppState, Source
from kafkatui.tablemodel import RowMemo, same_objects
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import TABLE_BINDINGS, DrillListScreen
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static

SPARK_WIDTH = 8


def _bytes(value: Any) -> Text:
    return Text(human_bytes(value))


def _rate(value: Any) -> Text:
    return Text(rate(value))


def _spark(value: Any) -> Text:
    return Text(sparkline(value, SPARK_WIDTH) if value else "")


def _flag_sort(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) else 0


COLUMNS = (
    Col("name", "Topic", min_width=12),
    Col("partitions", "Parts", width=5, justify="right"),
    Col("rf", "RF", width=2, justify="right"),
    Col("messages", "Messages", width=11, justify="right"),
    Col("size", "Size", width=9, justify="right", render=_bytes),
    Col("rate", "Msgs/s", width=8, justify="right", render=_rate),
    Col("trend", "Trend", width=SPARK_WIDTH, render=_spark, sortable=False, hide_below=100),
    Col("flags", "Health", width=14, render=lambda v: Text(v[1], style=v[2]), sort_key=_flag_sort),
)


@dataclass(frozen=True)
class _Styles:
    """The palette colours a topic's row uses, resolved from the theme on the UI thread, so the
    rows can be made in a thread worker (which must not touch the app)."""

    theme: str
    muted: str
    critical: str
    warning: str
    ok_flag: tuple[int, str, str]  # the same for every healthy topic

    @classmethod
    def of(cls, app: App[Any]) -> _Styles:
        return cls(app.theme, semantic(app, "muted"), f"bold {semantic(app, 'critical')}", semantic(app, "warning"),
                   (0, "✓ ok", semantic(app, "ok")))

    def row(self, topic: Topic, extra: tuple[tuple[float, ...], int | None]) -> tuple[Any, ...]:
        trend, min_isr = extra
        # Raw values where the column renders them: only the rows on screen pay for Text.
        name: str | Text = topic.name
        if topic.internal:
            name = Text(escape_text(topic.name), style=self.muted)
        return (
            name,
            len(topic.partitions),
            topic.replication_factor,
            topic.messages,
            topic.size_bytes,
            topic.msgs_per_s,
            trend,
            self.flags(topic.under_replicated, topic.offline, min_isr_state(topic, min_isr)),
        )

    def flags(self, urp: int, offline: int, state: MinIsrState) -> tuple[int, str, str]:
        """(severity for sorting, label, style) — worst first: offline, writes failing (RF or ISR
        below min.insync.replicas), one loss from failing (at min ISR), under-replicated."""
        if offline:
            return 3, f"✗ OFFLINE {offline}", self.critical
        if state.rf_below:
            return 3, "✗ RF<MIN-ISR", self.critical
        if state.under:
            return 2, f"✗ <MIN-ISR {state.under}", self.critical
        if state.at:
            return 1, f"⚠ AT MIN-ISR {state.at}", self.warning
        if urp:
            return 1, f"⚠ URP {urp}", self.warning
        return self.ok_flag


class TopicsScreen(DrillListScreen):
    """Sortable, filterable topic list; Enter opens the topic's partitions and configs."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.CLUSTER})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open topic", show=False),
        Binding("t", "tail", "Tail"),
        Binding("i", "toggle_internal", "Show/hide internal"),
        *TABLE_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__(id="topics")
        self.show_internal = False
        self._snapshot: ClusterSnapshot | None = None
        self._history: dict[str, tuple[float, ...]] = {}
        self._rows: RowMemo[tuple[Any, ...]] = RowMemo()  # topic name -> its row and the data it was made from
        self._shown: tuple[object, ...] = ()  # what the table shows now: snapshot, history, theme, internal
        self._internal = 0  # internal topics

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.CLUSTER, id="topics-stale")
        yield Static("Waiting for the first refresh…", id="topics-title", classes="view-title", markup=False)
        yield FilterTable(COLUMNS, id="topics-table")
        yield FilterInput("topics-table")

    def _prepare(self) -> None:
        table = self.query_one(FilterTable)
        table.sort_by("name")
        table.focus()

    # ------------------------------------------------------------------ rendering

    def _show(self, state: AppState) -> None:
        self._snapshot = state.cluster
        self._history = state.topic_rate_history
        self._render_rows()

    def _render_rows(self) -> None:
        """Every topic's row, each made again only when its topic or its trend changed (RowMemo);
        at 10,000 topics in a thread worker (`FilterTable.set_rows_from`), from the snapshot, the
        history and the theme's styles resolved here.

        Why the early return: the app shows every state change, and most (the groups, the
        processes) leave this view's data as the same objects."""
        snap = self._snapshot
        if snap is None:
            return
        shown_from = (snap, self._history, self.app.theme, self.show_internal)
        if same_objects(shown_from, self._shown):
            return
        self._shown = shown_from
        history, show_internal, memo = self._history, self.show_internal, self._rows
        styles = _Styles.of(self.app)

        def make() -> tuple[list[tuple[str, tuple[Any, ...]]], int]:
            memo.begin(styles.theme)  # rows carry palette colours
            rows, internal = [], 0
            for topic in snap.topics:
                extra = (history.get(topic.name, ())[-SPARK_WIDTH:], snap.min_isr(topic.name))
                row = memo.get(topic.name, topic, styles.row, extra)
                if topic.internal:
                    internal += 1
                    if not show_internal:
                        continue
                rows.append((topic.name, row))
            memo.end()
            return rows, internal

        self.query_one(FilterTable).set_rows_from(make, size=len(snap.topics), then=self._rows_shown)

    def _rows_shown(self, internal: int) -> None:
        self._internal = internal
        self._title()

    def _title(self) -> None:
        snap = self._snapshot
        table = self.query_one(FilterTable)
        text = Text()
        text.append("Topics ", style="bold")
        if snap is not None:
            total = len(snap.topics)
            internal, urp, offline = self._internal, snap.under_replicated, snap.offline
            text.append(f"{total} topics", style=semantic(self.app, "accent"))
            if internal and not self.show_internal:
                text.append(f", {internal} hidden internal (i shows)", style=semantic(self.app, "muted"))
            if urp:
                text.append(f"  ⚠ {urp} under-replicated", style=semantic(self.app, "warning"))
            if offline:
                text.append(f"  ✗ {offline} offline", style=semantic(self.app, "critical"))
        self._filter_note(text, table)
        if snap is not None and not snap.topics:
            text.append(f"  {MISSING} no topics", style=semantic(self.app, "muted"))
        update_static(self.query_one("#topics-title", Static), text)

    # ------------------------------------------------------------------ actions

    def _open(self, name: str) -> None:
        from kafkatui.ui.screens.topic_detail import TopicDetailScreen

        self.app.push_screen(TopicDetailScreen(name))

    def action_tail(self) -> None:
        key = self.query_one(FilterTable).cursor_key
        if key is not None:
            self.app.open_tail(key)  # type: ignore[attr-defined]

    def action_toggle_internal(self) -> None:
        self.show_internal = not self.show_internal
        self._render_rows()
