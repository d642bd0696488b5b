"""One consumer group: per-partition committed/latest/lag, its members, and the lag trend.

Why the trend: one lag number cannot say whether a consumer is catching up or falling
behind; the sparkline of total lag over recent refreshes (AppState.lag_trends) can. The
status line repeats the Burrow-style verdict with its reason, so "STOP" comes with "no
members; committed offsets unchanged for 6m" rather than as a bare word.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import human_count, human_duration, sparkline
from kafkatui.kafka.catch_up import eta_text
from kafkatui.model import Group, GroupMember, GroupPartition
from kafkatui.refresh.state import AppState, Source
from kafkatui.tablemodel import RowMemo, same_objects
from kafkatui.ui.palette import lag_colour
from kafkatui.ui.screens.base import TABLE_BINDINGS, TableScreen
from kafkatui.ui.widgets.cells import age_cell
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.lag_status import status_text
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static

TREND_WIDTH = 30

PARTITION_COLUMNS = (
    Col("topic", "Topic", min_width=10),
    Col("partition", "Part", width=4, justify="right"),
    Col("committed", "Committed", width=11, justify="right"),
    Col("latest", "Latest", width=11, justify="right"),
    Col("lag", "Lag", width=9, justify="right"),
    Col("lag_time", "Lag time", width=9, justify="right", render=age_cell),
    Col("member", "Member", min_width=10),
    Col("lag_time_note", "Lag time from", min_width=10, hide_below=120),
)

MEMBER_COLUMNS = (
    Col("client", "Client id", min_width=10),
    Col("host", "Host", width=15),
    Col("count", "Parts", width=5, justify="right"),
    Col("assignments", "Assignments", min_width=10),
)


def _assignments(member_assignments: tuple[tuple[str, int], ...]) -> str:
    """ "orders[0,1,2] payments[0]" — grouped by topic so it fits one line."""
    by_topic: dict[str, list[int]] = {}
    for topic, part in member_assignments:
        by_topic.setdefault(topic, []).append(part)
    return " ".join(f"{t}[{','.join(str(p) for p in sorted(ps))}]" for t, ps in sorted(by_topic.items()))


def _partition_row(p: GroupPartition, muted: str) -> tuple[Any, ...]:
    """One partition's cells (`muted`: the theme's colour for an unassigned partition). Raw strings
    where the column renders them (escaped), so a redrawn row takes its unchanged cells from the
    table's cell cache."""
    return (
        p.topic,
        p.partition,
        p.committed if p.committed is not None and p.committed >= 0 else None,
        p.latest,
        p.lag,
        p.lag_seconds,
        p.member or Text("(unassigned)", style=muted),
        p.lag_time_note or None,
    )


class GroupDetailScreen(TableScreen):
    """Partitions and members of one group; says so clearly when the group disappears."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.GROUPS})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Partitions/members", show=False),
        *TABLE_BINDINGS,
    ]

    DEFAULT_CSS = """
    .view-status { height: auto; max-height: 2; padding: 0 1; }
    GroupDetailScreen #group-partitions { height: 1fr; }
    GroupDetailScreen #group-members { height: auto; max-height: 8; }
    GroupDetailScreen #group-members-title { margin-top: 1; }
    """

    def __init__(self, group_id: str) -> None:
        super().__init__()  # no fixed id: a `:` jump from one group to another briefly holds both
        self.group_id = group_id
        self._partitions: RowMemo[tuple[Any, ...]] = RowMemo()  # rows made from which GroupPartition
        self._members: RowMemo[tuple[Any, ...]] = RowMemo()
        self._shown: tuple[object, ...] = ()  # the group, its trend and the theme the tables show

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.GROUPS, id="group-stale")
        yield Static(Text(f"Group {escape_text(self.group_id)}"), id="group-title", classes="view-title")
        yield Static("", id="group-status", markup=False, classes="view-status")
        yield Static("", id="group-trend", markup=False, classes="view-title")
        yield FilterTable(PARTITION_COLUMNS, id="group-partitions")
        yield Static("Members", id="group-members-title", markup=False)
        yield FilterTable(MEMBER_COLUMNS, id="group-members")
        yield FilterInput()

    def _prepare(self) -> None:
        partitions = self.query_one("#group-partitions", FilterTable)
        partitions.sort_by("topic")
        partitions.focus()

    def _show(self, state: AppState) -> None:
        if state.groups is None:
            return
        group = state.groups.group(self.group_id)
        if group is None:
            self._shown = ()
            self._show_gone()
            return
        trend = state.lag_trends.get(self.group_id, ())
        theme = self.app.theme
        if same_objects((group, trend, theme), self._shown):  # another source's refresh
            return
        self._shown = (group, trend, theme)
        # Rows are made again only for the partitions and members that changed (RowMemo): a
        # group of 3,000 partitions is rebuilt as a new, mostly equal, object at every refresh,
        # so a big one's rows are made in a thread worker (`FilterTable.set_rows_from`).
        memo, muted = self._partitions, self._c("muted")  # the theme's colour, resolved here

        def row(p: GroupPartition, _extra: object = None) -> tuple[Any, ...]:
            return _partition_row(p, muted)

        def make() -> tuple[list[tuple[str, tuple[Any, ...]]], None]:
            memo.begin(theme)
            parts = [(key, memo.get(key, p, row)) for p in group.partitions for key in (f"{p.topic}\x00{p.partition}",)]
            memo.end()
            return parts, None

        self.query_one("#group-partitions", FilterTable).set_rows_from(make, size=len(group.partitions))
        self._members.begin(theme)
        members = [(m.member_id, self._members.get(m.member_id, m, self._member_row)) for m in group.members]
        self._members.end()
        self.query_one("#group-members", FilterTable).set_rows(members)
        self._header(group)
        self._trend(group, trend)

    def _show_gone(self) -> None:
        msg = Text.assemble((f"✗ group {escape_text(self.group_id)} no longer exists", f"bold {self._c('critical')}"))
        msg.append("  (deleted, or expired after its offsets aged out; Esc goes back)", style=self._c("muted"))
        update_static(self.query_one("#group-status", Static), msg)
        self.query_one("#group-partitions", FilterTable).set_rows([])
        self.query_one("#group-members", FilterTable).set_rows([])

    def _member_row(self, m: GroupMember, _extra: object = None) -> tuple[Any, ...]:
        return (
            Text(escape_text(m.client_id)),
            m.host,
            len(m.assignments),
            Text(escape_text(_assignments(m.assignments))),
        )

    def _header(self, g: Group) -> None:
        title = Text.assemble(("Group ", "bold"))
        title.append(escape_text(g.id), style=f"bold {self._c('accent')}")
        title.append(f"  {escape_text(g.state)}")
        proto = "/".join(escape_text(x) for x in (g.protocol_type, g.protocol) if x)
        if proto:
            title.append(f" · {proto}")
        title.append(f" · {len(g.members)} members")
        if g.coordinator is not None:
            title.append(f" · coordinator {g.coordinator}", style=self._c("muted"))
        update_static(self.query_one("#group-title", Static), title)
        status = Text("Status ")
        status.append_text(status_text(self.app, g.status))
        if g.status_reason:
            status.append(f" — {escape_text(g.status_reason)}")
        update_static(self.query_one("#group-status", Static), status)
        members = self.query_one("#group-members-title", Static)
        update_static(
            members,
            Text(f"Members ({len(g.members)})" if g.members else "Members: none (no active consumer)", style="bold"),
        )

    def _trend(self, g: Group, samples: tuple[int, ...]) -> None:
        # how far behind in time and the ETA first: at 80 columns the end of this line is cut off
        behind = human_duration(g.lag_seconds) if g.lag_seconds is not None else "unknown"
        text = Text(f"{'~' if g.lag_time_note else ''}{behind} behind · ETA {eta_text(g.catch_up)}", style="bold")
        total = f"{g.total_lag:,}" if g.total_lag is not None else "unknown"
        text.append(f" · total lag {total}", style="bold")
        text.append("   Lag trend ")
        if len(samples) < 2:
            text.append("(collecting: needs 2 refreshes)", style=self._c("muted"))
        else:
            text.append(sparkline([float(s) for s in samples], TREND_WIDTH), style=lag_colour(self.app, g.status))
            first, last = samples[max(0, len(samples) - TREND_WIDTH)], samples[-1]
            delta = last - first
            arrow = "↑" if delta > 0 else "↓" if delta < 0 else "→"
            text.append(
                f"  {arrow} {human_count(first, compact=True)} → {human_count(last, compact=True)}"
                f" over {min(len(samples), TREND_WIDTH)} refreshes",
                style=self._c("muted"),
            )
        why = g.catch_up.reason if g.catch_up is not None else ""
        notes = "; ".join(n for n in (why, g.lag_time_note) if n)
        if notes:
            text.append(f"  ({escape_text(notes)})", style=self._c("muted"))
        update_static(self.query_one("#group-trend", Static), text)
