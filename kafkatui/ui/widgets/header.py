"""The top bar: which cluster, what is connected, how fresh the data is, READ-ONLY, PAUSED.

Why a custom header: the operator's first question is "am I looking at live data?", so the
connection state of each source and the permanent READ-ONLY badge are always visible.

Why no ticking clock: over SSH every byte counts, and an idle monitor must write close to nothing.
A healthy header therefore never changes between refreshes: "Kafka connected · ZK CONNECTED ·
every 5s". Silence means fresh. What does change is shown only when it says something:
- the data's age appears once it is older than two refresh intervals ("updated 15s ago"), in the
  stale colour, coarsely (5 s steps under a minute, then minutes), so it rewrites at most every 5 s;
- a refresh that took a second or more shows "took 2s", in whole seconds, so it does not jitter;
- a source whose refreshes cost too much of the interval is polled less often, and the header
  says "refresh 5s→13s (kafka used 3.2s CPU)" (refresh/pace.py), instead of "took";
- a Kafka source whose last poll ran into its request deadline gets a longer one, and the
  header says "timeout 4s→8s" (refresh/deadline.py) until it is back to the set timeout;
- a poll that hangs turns "connected" into STALE (the app's slow-poll watchdog).
`show` is called on every state change and once a second; each part is written only when its
text changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import human_duration
from kafkatui.model import ZkState
from kafkatui.refresh.deadline import deadline_note
from kafkatui.refresh.pace import pace_note
from kafkatui.refresh.state import AppState, Source, SourceHealth
from kafkatui.ui.palette import semantic
from kafkatui.ui.widgets.pairs import Pair, append_gap, pairs_text
from kafkatui.ui.widgets.stale import retry_hint

ZK_COLOURS = {
    ZkState.CONNECTED: "ok",
    ZkState.SUSPENDED: "warning",
    ZkState.LOST: "critical",
    ZkState.CONNECTING: "muted",
    ZkState.CLOSED: "muted",
}


def kafka_status(health: SourceHealth, now: float, paused: bool = False) -> tuple[str, str]:
    """(label, semantic colour) for the Kafka connection."""
    if health.last_ok_at is None:
        if health.error is None:
            return "connecting…", "muted"
        hint = retry_hint(health, now, paused)
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
    for source in (Source.CLUSTER, Source.ZOOKEEPER, Source.GROUPS, Source.PROCESSES, Source.SECURITY,
                   Source.QUORUM):
        health = state.health.get(source, SourceHealth())
        if health.error and source not in skip:
            error = escape_text(health.error.replace("\n", " "))  # may quote cluster strings
            parts.append(error if error.startswith(f"{source.value}:") else f"{source.value}: {error}")
    return " │ ".join(parts)


def age_note(health: SourceHealth, refresh_s: float, now: float) -> str:
    """ "updated 15s ago" once the last good data is older than two refreshes, else ""."""
    if health.last_ok_at is None:
        return ""
    age = now - health.last_ok_at
    if age <= max(2 * refresh_s, refresh_s + 3):
        return ""
    return f"updated {human_duration(age, coarse=True)} ago"


def slowed_note(state: AppState, why: bool = True) -> str:
    """ "refresh 5s→13s (kafka used 3.2s CPU)" while the app polls a source less often
    because its refreshes cost too large a share of the interval (the app protects the host):
    the most stretched source, and "+N" for the others; else "". Without `why`, no reason (the
    header below AppHeader.WIDE columns, where it would push READ-ONLY off the line)."""
    stretched = sorted(((pace.interval(state.interval(source)) / state.interval(source), source, pace)
                        for source, pace in state.pace.items() if pace.stretched), key=lambda x: -x[0])
    if not stretched:
        return ""
    _, source, pace = stretched[0]
    more = f" +{len(stretched) - 1}" if len(stretched) > 1 else ""
    return pace_note(state.interval(source), pace, why) + more


def timeout_note(state: AppState) -> str:
    """ "timeout 4s→8s" while a Kafka source's requests get a longer deadline than the set
    timeout because its last polls ran into it (refresh/deadline.py): the longest, and "+N" for
    the other sources with one; else ""."""
    grown = sorted(((d.timeout(state.timeout_s), source.value, d) for source, d in state.deadlines.items()
                    if d.grown), key=lambda x: (-x[0], x[1]))
    if not grown:
        return ""
    more = f" +{len(grown) - 1}" if len(grown) > 1 else ""
    return deadline_note(state.timeout_s, grown[0][2]) + more


def took_note(health: SourceHealth) -> str:
    """ "took 2s" when the last refresh was slow (>= 1 s), in whole seconds; else ""."""
    duration = health.last_duration_s
    if duration is None or duration < 1.0:
        return ""
    return f"took {round(duration):d}s"


class AppHeader(Widget):
    """Title, connection states, slow/old data notes, and the READ-ONLY / PAUSED badges."""

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

    @property
    def status_text(self) -> str:
        """The connection/age part as plain text (for tests)."""
        return Text.from_markup(self._last.get("hdr-status", "")).plain

    @property
    def status_markup(self) -> str:
        """The same with its styles, as Rich markup (for tests of theme switching)."""
        return self._last.get("hdr-status", "")

    def show(self, state: AppState, now: float | None = None, view: str = "",
             covered: Iterable[Source] = ()) -> None:
        """Render `state`; `covered` are sources whose errors the view shows itself (StaleBanner)."""
        now = getattr(self.app, "now", time.time)() if now is None else now
        app = self.app
        wide = app.size.width >= self.WIDE
        muted = semantic(app, "muted")
        title = Text()
        if wide:
            title.append("kafkatui", style="bold")
            title.append(" ")
        if view:
            title.append(view, style="bold")
            append_gap(title, muted)
        title.append(state.cluster_name or "?", style=semantic(app, "accent"))
        self._set("hdr-title", title)

        health = state.health.get(Source.CLUSTER, SourceHealth())
        label, colour = kafka_status(health, now, state.paused)
        zk_label, zk_colour = zookeeper_status(state)
        pairs = [
            Pair("Kafka", label, f"bold {semantic(app, colour)}"),
            Pair("ZK", zk_label, f"bold {semantic(app, zk_colour)}"),
        ]
        age = age_note(health, state.poll_interval(Source.CLUSTER), now)  # a stretched source is not late
        if age:
            pairs.append(Pair("", age, semantic(app, "stale")))
        slowed = slowed_note(state, why=wide)
        took = "" if slowed else took_note(health)  # the stretch says how long a refresh took
        if took:
            pairs.append(Pair("", took, semantic(app, "warning")))
        if slowed:
            pairs.append(Pair("", slowed, semantic(app, "warning")))
        waited = timeout_note(state)
        if waited:
            pairs.append(Pair("", waited, semantic(app, "warning")))
        if wide and not slowed:  # the stretch note names the set interval itself
            pairs.append(Pair("", f"every {state.refresh_s:g}s", muted))
        self._set("hdr-status", pairs_text(pairs, muted))

        badges = Text()
        if state.paused:
            badges.append(" PAUSED ", style=f"bold reverse {semantic(app, 'paused')}")
            badges.append(" ")
        badges.append(" READ-ONLY ", style=f"bold reverse {semantic(app, 'readonly')}")
        self._set("hdr-badges", badges)

        errors = header_errors(state, covered)
        self._set("hdr-error", Text(errors, style=semantic(app, "critical"), no_wrap=True, overflow="ellipsis"))
        self.set_class(bool(errors), "-errors")
