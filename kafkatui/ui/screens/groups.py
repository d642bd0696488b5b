"""Consumer groups: who is consuming, how far behind, and whether that is a problem.

Why a status next to the lag: a big lag on a busy topic can be healthy and a small one on a
dead consumer is not, so the Burrow-style status (kafkatui.kafka.lag) is the column to read. It is
written as a word with a symbol, coloured by the lag-* palette names, so it survives a
monochrome terminal. The table sorts worst status first by default.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kafkatui.kafka.lag import severity
from kafkatui.model import Group, GroupsSnapshot, LagStatus
from kafkatui.refresh.state import AppState, Source
from kafkatui.tablemodel import RowMemo, same_objects
from kafkatui.ui.palette import lag_colour, semantic
from kafkatui.ui.screens.base import TABLE_BINDINGS, DrillListScreen
from kafkatui.ui.widgets.cells import age_cell, eta_cell, eta_sort_key
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.lag_status import SYMBOLS, status_text
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static


def _status(value: Any) -> Text:
    return value[1].copy()


COLUMNS = (
    Col("id", "Group", min_width=12),
    Col("state", "State", width=19),
    Col("members", "Members", width=7, justify="right"),
    Col("topics", "Topics", min_width=10, hide_below=100),
    Col("lag", "Total lag", width=11, justify="right"),
    Col("lag_time", "Lag time", width=9, justify="right", render=age_cell),
    Col("eta", "ETA", width=14, justify="right", render=eta_cell, sort_key=eta_sort_key, hide_below=110),
    Col("status", "Status", width=9, render=_status, sort_key=lambda v: -v[0]),
)


def _row(g: Group, status: tuple[int, Text]) -> tuple[Any, ...]:
    """A group's cells. Raw strings (the column escapes them when it renders them): only the rows on
    screen pay for Text, and the status cell is one shared value per status and theme."""
    return (
        g.id,
        g.state,
        len(g.members),
        ", ".join(sorted({p.topic for p in g.partitions})),
        g.total_lag,  # None (unknown) when no partition's lag is known
        g.lag_seconds,  # None (unknown): no lagging partition's timestamp fetched yet
        g.catch_up if g.catch_up is not None and g.catch_up.state != "unknown" else None,
        status,
    )


class GroupsScreen(DrillListScreen):
    """All consumer groups with lag and status; Enter opens one group."""

    # Groups only: the header's cluster health comes from the light cluster poll (issue 14), and
    # groups start after its answer too (refresh.policy.wanted_sources).
    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.GROUPS})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open group", show=False),
        *TABLE_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__(id="groups")
        self._snapshot: GroupsSnapshot | None = None
        self._rows: RowMemo[tuple[Any, ...]] = RowMemo()  # group id -> its row and the group it was made from
        self._shown: tuple[object, ...] = ()  # the snapshot and theme the table shows
        self._statuses: dict[LagStatus, int] = {}  # groups per lag status, for the title
        self._status_cells: dict[tuple[str, LagStatus], tuple[int, Text]] = {}

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.GROUPS, Source.CLUSTER, id="groups-stale")
        yield Static("Waiting for the first refresh…", id="groups-title", classes="view-title", markup=False)
        yield FilterTable(COLUMNS, id="groups-table")
        yield FilterInput("groups-table")

    def _prepare(self) -> None:
        table = self.query_one(FilterTable)
        table.sort_by("status")
        table.focus()

    def _show(self, state: AppState) -> None:
        """Each group's row is made again only when the group changed (RowMemo), at 5,000 groups
        in a thread worker (`FilterTable.set_rows_from`); a state change that left the groups
        snapshot alone (a cluster poll) costs nothing."""
        self._snapshot = snap = state.groups
        theme = self.app.theme
        if snap is None or same_objects((snap, theme), self._shown):
            return
        self._shown = (snap, theme)
        memo = self._rows
        cells = {status: self._status_cell(status) for status in LagStatus}  # resolved here, not in the thread

        def row(g: Group, _extra: object = None) -> tuple[Any, ...]:
            return _row(g, cells[g.status])

        def make() -> tuple[list[tuple[str, tuple[Any, ...]]], dict[LagStatus, int]]:
            memo.begin(theme)  # rows carry palette colours
            rows, statuses = [], dict.fromkeys(LagStatus, 0)
            for g in snap.groups:
                rows.append((g.id, memo.get(g.id, g, row)))
                statuses[g.status] += 1
            memo.end()
            return rows, statuses

        self.query_one(FilterTable).set_rows_from(make, size=len(snap.groups), then=self._rows_shown)

    def _rows_shown(self, statuses: dict[LagStatus, int]) -> None:
        self._statuses = statuses
        self._title()

    def _status_cell(self, status: LagStatus) -> tuple[int, Text]:
        key = (self.app.theme, status)
        cell = self._status_cells.get(key)
        if cell is None:
            cell = self._status_cells[key] = (severity(status), status_text(self.app, status))
        return cell

    def _title(self) -> None:
        snap = self._snapshot
        table = self.query_one(FilterTable)
        text = Text.assemble(("Consumer groups ", "bold"))
        if snap is not None:
            text.append(f"{len(snap.groups)} groups", style=semantic(self.app, "accent"))
            for status in (LagStatus.ERR, LagStatus.STOP, LagStatus.STALL, LagStatus.WARN, LagStatus.REWIND,
                           LagStatus.PENDING):
                n = self._statuses.get(status, 0)
                if n:
                    text.append(f"  {SYMBOLS[status]} {n} {status.value}", style=lag_colour(self.app, status))
            if not snap.groups:
                text.append("  (no consumer groups)", style=semantic(self.app, "muted"))
        self._filter_note(text, table)
        update_static(self.query_one("#groups-title", Static), text)

    def _open(self, group_id: str) -> None:
        from kafkatui.ui.screens.group_detail import GroupDetailScreen

        self.app.push_screen(GroupDetailScreen(group_id))
