"""Quorum: the KRaft metadata quorum (leader, epoch, high watermark, voters and observers).

Why: on a KRaft cluster there is no ZooKeeper to browse; what matters instead is whether
the controllers agree. A voter whose log end offset lags the leader, or that has not
fetched for seconds, is the early sign of a quorum in trouble. On a ZooKeeper cluster this
view says so plainly instead of showing an empty table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from kafkatui.fmt import human_duration
from kafkatui.model import Quorum, QuorumVoter
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.screens.base import TABLE_BINDINGS, TableScreen
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static

LAG_WARN = 100  # metadata records behind the leader before a voter is flagged
FETCH_WARN_MS = 5_000


def _ms(value: Any) -> Text:
    return Text("—" if value is None else f"{human_duration(value / 1000)} ago")


def _first(value: Any) -> Text:
    return value[1].copy()


COLUMNS = (
    Col("id", "Replica", width=7, justify="right"),
    Col("role", "Role", min_width=10, render=_first, sort_key=lambda v: v[0]),
    Col("leo", "Log end offset", width=14, justify="right"),
    Col("lag", "Lag", width=8, justify="right", render=_first, sort_key=lambda v: -1 if v[0] is None else v[0]),
    Col("fetch", "Last fetch", width=12, justify="right", render=_ms),
    Col("caught", "Caught up", width=12, justify="right", render=_ms),
)


class QuorumScreen(TableScreen):
    """KRaft controllers and observers, from the quorum view's own poll (AppState.quorum: one
    DescribeQuorum, issue 14), or from the full cluster poll's when that is newer."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.QUORUM})
    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_BINDINGS]

    DEFAULT_CSS = """
    QuorumScreen #quorum-note { padding: 1 2; }
    """

    def __init__(self) -> None:
        super().__init__(id="quorum")

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.QUORUM, id="quorum-stale")
        yield Static("Waiting for the first refresh…", id="quorum-title", classes="view-title", markup=False)
        yield Static("", id="quorum-note", markup=False)
        yield FilterTable(COLUMNS, id="quorum-table")
        yield FilterInput("quorum-table")

    def _prepare(self) -> None:
        self.query_one(FilterTable).focus()

    def _show(self, state: AppState) -> None:
        polled = [s for s in (state.quorum, state.cluster) if s is not None]
        snap = max(polled, key=lambda s: s.fetched_at) if polled else None
        note = self.query_one("#quorum-note", Static)
        table = self.query_one(FilterTable)
        if snap is None:
            return
        quorum = snap.quorum
        if quorum is None:
            table.display = False
            msg = (
                "This cluster is in ZooKeeper mode: there is no KRaft metadata quorum. "
                "The controller is elected through ZooKeeper; see the ZooKeeper view."
                if not snap.kraft
                else "KRaft cluster, but the quorum could not be described (DescribeQuorum failed "
                "or is not allowed for this client)."
            )
            note.display = True
            update_static(note, Text(msg, style=self._c("muted")))
            update_static(self.query_one("#quorum-title", Static), Text("Metadata quorum", style="bold"))
            return
        note.display = False
        table.display = True
        rows = [(f"v{v.replica_id}", self._row(v)) for v in quorum.voters]
        rows += [(f"o{v.replica_id}", self._row(v)) for v in quorum.observers]
        table.set_rows(rows)
        self._title(quorum)

    def _row(self, v: QuorumVoter) -> tuple[Any, ...]:
        if v.is_leader:
            role = (0, Text("★ leader", style=f"bold {self._c('ok')}"))
        elif v.is_observer:
            role = (2, Text("observer", style=self._c("muted")))
        else:
            role = (1, Text("voter"))
        lag = Text("—" if v.lag is None else f"{v.lag:,}")
        behind = (v.lag or 0) >= LAG_WARN or (v.last_fetch_ms_ago or 0) >= FETCH_WARN_MS
        if behind and not v.is_leader:
            lag.stylize(f"bold {self._c('warning')}")
            lag = Text("⚠ ") + lag
        return (v.replica_id, role, v.log_end_offset, (v.lag, lag), v.last_fetch_ms_ago, v.last_caught_up_ms_ago)

    def _title(self, q: Quorum) -> None:
        text = Text.assemble(("Metadata quorum ", "bold"))
        text.append(f"leader {q.leader_id}", style=f"bold {self._c('accent')}")
        text.append(f" · epoch {q.leader_epoch:,} · high watermark {q.high_watermark:,}")
        lagging = [v.replica_id for v in q.voters if not v.is_leader and (v.lag or 0) >= LAG_WARN]
        if lagging:
            text.append(f"  ⚠ voter {', '.join(map(str, lagging))} lagging", style=self._c("warning"))
        update_static(self.query_one("#quorum-title", Static), text)
