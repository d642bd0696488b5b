"""Security (read-only): the cluster's ACLs, client quotas and SCRAM users, one table each.

Why one view of three tables: an operator asking "why is this client denied or throttled" wants
the ACLs, the quotas and the users side by side. The data is its own refresh source
(`Source.SECURITY`), polled only while this view shows and slowly (ACLs are set by hand). A part
the cluster will not give is a line in its table's title, not an error: "no authorizer
configured (SECURITY_DISABLED)" is a fact about the cluster, "not authorized (...)" says this
principal may not see it. Nothing secret is ever shown (SCRAM: mechanism and iterations only).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import MISSING, human_bytes
from kafkatui.model import ClientQuota, ScramUser, SecuritySnapshot
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.screens.base import TABLE_BINDINGS, TableScreen
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static

# The tables in Tab order: (id suffix, part of SecuritySnapshot, title).
PARTS = (("acls", "acls", "ACLs"), ("quotas", "quotas", "Client quotas"), ("users", "scram_users", "SCRAM users"))


def _rate_cell(value: Any) -> Text:
    return Text(f"{human_bytes(value)}/s" if isinstance(value, int | float) else MISSING)


def _percent_cell(value: Any) -> Text:
    return Text(f"{value:g}%" if isinstance(value, int | float) else MISSING)


ACL_COLUMNS = (
    Col("principal", "Principal", min_width=12),
    Col("host", "Host", width=10),
    Col("operation", "Operation", width=16),
    Col("permission", "Perm", width=5),
    Col("resource_type", "Resource", width=16),
    Col("resource_name", "Name", min_width=10),
    Col("pattern", "Pattern", width=8, hide_below=100),
)

QUOTA_COLUMNS = (
    Col("entity", "Entity", min_width=16),
    Col("produce", "Produce", width=12, justify="right", render=_rate_cell),
    Col("fetch", "Fetch", width=12, justify="right", render=_rate_cell),
    Col("request", "Request %", width=10, justify="right", render=_percent_cell),
)

USER_COLUMNS = (
    Col("name", "User", min_width=12),
    Col("mechanisms", "Mechanisms", min_width=14),
    Col("iterations", "Iterations", width=12, justify="right"),
)


def entity_text(quota: ClientQuota) -> str:
    """`user=alice client-id=app`; the default entity of a type reads `user=<default>`."""
    return " ".join(f"{t}={'<default>' if n is None else n}" for t, n in quota.entity)


def quota_row(quota: ClientQuota) -> list[object]:
    values = dict(quota.values)
    return [escape_text(entity_text(quota)), values.get("producer_byte_rate"), values.get("consumer_byte_rate"),
            values.get("request_percentage")]


def user_row(user: ScramUser) -> list[object]:
    """Mechanisms and their iteration counts, in the same order (never a salt or a key)."""
    return [escape_text(user.name), ", ".join(m for m, _i in user.mechanisms),
            ", ".join(str(i) for _m, i in user.mechanisms) or None]


def rows(snap: SecuritySnapshot, part: str) -> list[tuple[str, list[object]]]:
    """The (key, cells) of one table; cluster strings are escaped (the keys only identify rows)."""
    if part == "acls":
        return [(repr(a), [escape_text(a.principal), escape_text(a.host), a.operation, a.permission,
                           a.resource_type, escape_text(a.resource_name), a.pattern_type])
                for a in snap.acls or ()]
    if part == "quotas":
        return [(repr(q.entity), quota_row(q)) for q in snap.quotas or ()]
    return [(u.name, user_row(u)) for u in snap.scram_users or ()]


class SecurityScreen(TableScreen):
    """ACLs, client quotas and SCRAM users; Tab moves between the tables, `/ s S` act on the focused one."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.SECURITY})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "ACLs/quotas/users", show=False),
        *TABLE_BINDINGS,
    ]
    DEFAULT_CSS = """
    SecurityScreen #security-acls { height: 2fr; }
    SecurityScreen #security-quotas { height: 1fr; max-height: 8; }
    SecurityScreen #security-users { height: 1fr; max-height: 8; }
    """

    def __init__(self) -> None:
        super().__init__(id="security")

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.SECURITY, id="security-stale")
        for suffix, _part, title in PARTS:
            yield Static(f"{title}: waiting for the first security refresh…", id=f"security-{suffix}-title",
                         classes="view-title", markup=False)
            columns = {"acls": ACL_COLUMNS, "quotas": QUOTA_COLUMNS, "users": USER_COLUMNS}[suffix]
            yield FilterTable(columns, id=f"security-{suffix}")
        yield FilterInput()

    def _prepare(self) -> None:
        self.query_one("#security-acls", FilterTable).focus()

    def focus_part(self, part: str) -> None:
        """Focus one table: "acls", "quotas" or "users" (`:quotas` opens the view on its table)."""
        if self._ready:
            self.query_one(f"#security-{part}", FilterTable).focus()

    def _show(self, state: AppState) -> None:
        snap = state.security
        if snap is None:
            return
        for suffix, part, _title in PARTS:
            self.query_one(f"#security-{suffix}", FilterTable).set_rows(rows(snap, part))
        self._titles()

    def on_filter_table_filter_changed(self, event: FilterTable.FilterChanged) -> None:
        self._titles()

    def _titles(self) -> None:
        snap = self.app.state.security
        if snap is None:
            return
        for suffix, part, title in PARTS:
            table = self.query_one(f"#security-{suffix}", FilterTable)
            text = Text()
            text.append(f"{title} ", style="bold")
            why = snap.unavailable.get(part)
            if why is not None:
                # a fact (no authorizer) in the muted colour, a denial or a failure as a warning
                fact = "SECURITY_DISABLED" in why
                text.append(escape_text(why), style=self._c("muted" if fact else "warning"))
            else:
                shown, total = table.visible_count, table.total_count
                text.append(f"{shown}/{total}" if shown != total else f"{total}", style=self._c("accent"))
                if table.filter_pattern:
                    text.append(f"  /{table.filter_pattern}", style=self._c("muted"))
                if table.filter_error:
                    text.append(f"  {table.filter_error}", style=self._c("warning"))
            update_static(self.query_one(f"#security-{suffix}-title", Static), text)
