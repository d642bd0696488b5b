"""Processes: every Kafka and ZooKeeper JVM on this host, sortable (`s`/`S`) and filterable (`/`).

Why a separate view: the overview joins processes to brokers, but an operator chasing memory
or file-descriptor trouble wants all JVMs side by side, including ZooKeeper and any broker
that is not (or no longer) in the cluster metadata.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING
from kafkatui.model import JvmProcess, ProcessesSnapshot
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import GuardedScreen
from kafkatui.ui.widgets.cells import age_cell, bytes_cell, percent_cell
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.quiet import QuietStatic
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable


def _ports(value: object) -> Text:
    return Text(",".join(str(p) for p in value) if isinstance(value, tuple) and value else MISSING)


COLUMNS = (
    Col("pid", "PID", width=7, justify="right"),
    Col("role", "Role", width=10),
    Col("broker", "ID", width=4, justify="right"),
    Col("user", "User", width=8, hide_below=120),
    Col("cpu", "CPU%", width=6, justify="right", render=percent_cell),
    Col("rss", "RSS", width=9, justify="right", render=bytes_cell),
    Col("threads", "Thr", width=4, justify="right", hide_below=100),
    Col("uptime", "Up", width=8, justify="right", render=age_cell),
    Col("ports", "Ports", min_width=6, render=_ports),
    Col("fds", "FDs", width=5, justify="right", hide_below=110),
    Col("xmx", "Xmx", width=6, justify="right", hide_below=90),
    Col("xms", "Xms", width=6, justify="right", hide_below=130),
    Col("used", "Log used", width=9, justify="right", render=bytes_cell, hide_below=140),
    Col("free", "Disk free", width=10, justify="right", render=bytes_cell, hide_below=140),
)


def process_row(proc: JvmProcess, fetched_at: float) -> list[object]:
    used, free = proc.log_dirs_used_free
    return [
        proc.pid,
        proc.role,
        proc.broker_id,
        escape_text(proc.user) if proc.user else None,
        proc.cpu_percent,
        proc.rss_bytes,
        proc.threads,
        fetched_at - proc.create_time if proc.create_time else None,
        proc.ports,
        proc.open_fds,
        proc.xmx,
        proc.xms,
        used,
        free,
    ]


class ProcessesScreen(GuardedScreen, Screen):
    """All local Kafka/ZooKeeper JVMs, matched to the brokers of the last cluster answer."""

    # Processes only: the brokers they are matched to come from the header's light cluster poll
    # too (AppState.brokers), so no partition's offsets are fetched for this view (issue 14).
    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.PROCESSES})

    def __init__(self) -> None:
        super().__init__(id="processes")

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.PROCESSES, id="processes-stale")
        yield QuietStatic("Waiting for the first process scan…", id="processes-title")
        yield FilterTable(COLUMNS, id="processes-table")
        yield FilterInput("processes-table")

    def on_mount(self) -> None:
        if self.is_dropped:  # quit before it mounted: its widgets were never mounted
            return
        self.query_one(FilterTable).focus()

    def show_state(self, state: AppState) -> None:
        self.query_one(StaleBanner).show(state)
        snap: ProcessesSnapshot | None = state.processes
        table = self.query_one(FilterTable)
        if snap is None:
            return
        table.set_rows([(str(p.pid), process_row(p, snap.fetched_at)) for p in snap.processes])
        self._title(table)

    def on_filter_table_filter_changed(self, event: FilterTable.FilterChanged) -> None:
        self._title(event.table)

    def _title(self, table: FilterTable) -> None:
        text = Text()
        text.append("JVMs on this host ", style="bold")
        shown, total = table.visible_count, table.total_count
        text.append(f"{shown}/{total}" if shown != total else f"{total}", style=semantic(self.app, "accent"))
        if table.filter_pattern:
            text.append(f"  filter /{table.filter_pattern}", style=semantic(self.app, "muted"))
        if table.filter_error:
            text.append(f"  {table.filter_error}", style=semantic(self.app, "warning"))
        if total == 0:
            text.append(
                "  (no Kafka or ZooKeeper JVM found; brokers on other hosts show no process)",
                style=semantic(self.app, "muted"),
            )
        self.query_one("#processes-title", QuietStatic).show(text)
