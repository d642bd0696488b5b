"""The top bar: which cluster, what is connected, how fresh the data is, READ-ONLY, PAUSED.

Why a custom header: the operator's first question is "am I looking at live data?", so the
connection state of each source, the age of the last refresh and the permanent READ-ONLY
badge are always visible. `show` is called on every state change and once a second (for the
age); each part is written only when its text changed, so an idle app writes almost nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from kafkatui.fmt import human_age, human_duration
from kafkatui.model import ZkState
from kafkatui.palette import semantic
from kafkatui.state import AppState, Source, SourceHealth
from kafkatui.widgets.stale import retry_hint

ZK_COLOURS = {
    ZkState.CONNECTED: "ok",
    ZkState.SUSPENDED: "warning",
    ZkState.LOST: "critical",
    ZkState.CONNECTING: "muted",
    ZkState.CLOSED: "muted",
}


def kafka_status(health: SourceHealth, now: float) -> tuple[str, str]:
    """(label, semantic colour) for the Kafka connection."""
    if health.last_ok_at is None:
        if health.error is None:
            return "connecting…", "muted"
        hint = retry_hint(health, now)
        return f"DOWN{' · ' + hint if hint else ''}", "critical"
    if health.stale:
        return "STALE", "stale"
    return "connected", "ok"


def zookeeper_status(state: AppState) -> tuple[str, str]:
    """(label, semantic colour) for ZooKeeper; KRaft and "not configured" are not errors."""
    if state.cluster is not None and state.cluster.kraft:
        return "KRaft", "muted"
    if not state.zookeeper_configured:
        return "not configured", "muted"
    health = state.health.get(Source.ZOOKEEPER, SourceHealth())
    snap = state.zookeeper
    if snap is None:
        return ("DOWN", "critical") if health.error else ("connecting…", "muted")
    label, colour = snap.state.value, ZK_COLOURS.get(snap.state, "muted")
    if health.stale:
        return f"{label} STALE", "stale"
    return label, colour


def header_errors(state: AppState, covered: Iterable[Source] = ()) -> str:
    """One line naming failing sources and their errors ("" when all is well).

    Sources in `covered` are left out: the view already shows them in its StaleBanner, and at
    80x24 the same error twice costs a line the data needs.
    """
    skip = set(covered)
    parts = []
    for source in (Source.CLUSTER, Source.ZOOKEEPER, Source.GROUPS, Source.PROCESSES):
        health = state.health.get(source, SourceHealth())
        if health.error and source not in skip:
            error = health.error.replace("\n", " ")
            parts.append(error if error.startswith(f"{source.value}:") else f"{source.value}: {error}")
    return " │ ".join(parts)


class AppHeader(Widget):
    """Title, connection states, refresh age, and the READ-ONLY / PAUSED badges."""

    WIDE = 120  # below this many columns the header drops its "kafkatui" prefix and the interval

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._last: dict[str, str] = {}
        # Built here, not in compose, so `show` works even before the header has finished mounting.
        self._parts = {
            name: Static("", id=name, markup=False)
            for name in ("hdr-title", "hdr-status", "hdr-badges", "hdr-error")
        }

    def compose(self) -> ComposeResult:
        with Horizontal(id="hdr-row"):
            yield self._parts["hdr-title"]
            yield self._parts["hdr-status"]
            yield self._parts["hdr-badges"]
        yield self._parts["hdr-error"]

    def _set(self, part: str, content: Text) -> None:
        """Update one part only when it changed (Text equality ignores styles, so compare markup)."""
        key = content.markup
        if self._last.get(part) == key:
            return
        self._last[part] = key
        self._parts[part].update(content)

    def show(self, state: AppState, now: float | None = None, view: str = "",
             covered: Iterable[Source] = ()) -> None:
        """Render `state`; `covered` are sources whose errors the view shows itself (StaleBanner)."""
        now = getattr(self.app, "now", time.time)() if now is None else now
        app = self.app
        wide = app.size.width >= self.WIDE
        muted = semantic(app, "muted")
        title = Text()
        if wide:
            title.append("kafkatui ", style="bold")
        if view:
            title.append(view, style="bold")
            title.append(" · ", style=muted)
        title.append(state.cluster_name or "?", style=semantic(app, "accent"))
        self._set("hdr-title", title)

        status = Text()
        health = state.health.get(Source.CLUSTER, SourceHealth())
        label, colour = kafka_status(health, now)
        status.append("Kafka ", style=muted)
        status.append(label, style=f"bold {semantic(app, colour)}")
        zk_label, zk_colour = zookeeper_status(state)
        status.append("  ZK ", style=muted)
        status.append(zk_label, style=f"bold {semantic(app, zk_colour)}")
        if health.last_ok_at is not None:
            status.append(f"  {human_age(now - health.last_ok_at)}", style=muted)
            if wide and health.last_duration_s is not None:
                status.append(f" in {human_duration(health.last_duration_s)}", style=muted)
        if wide:
            status.append(f"  every {state.refresh_s:g}s", style=muted)
        self._set("hdr-status", status)

        badges = Text()
        if state.paused:
            badges.append(" PAUSED ", style=f"bold reverse {semantic(app, 'paused')}")
            badges.append(" ")
        badges.append(" READ-ONLY ", style=f"bold reverse {semantic(app, 'readonly')}")
        self._set("hdr-badges", badges)

        errors = header_errors(state, covered)
        self._set("hdr-error", Text(errors, style=semantic(app, "critical"), no_wrap=True, overflow="ellipsis"))
        self.set_class(bool(errors), "-errors")
