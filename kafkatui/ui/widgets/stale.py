"""A one-line "STALE since HH:MM:SS — <error>" banner for views that show a source's data.

Why a widget: every view must mark stale data the same way, and the banner must cost nothing
when all is well (it is hidden, and `show` only writes when the text actually changes).

API for views:
    yield StaleBanner(Source.CLUSTER, Source.GROUPS)     # in compose(), usually above the table
    self.query_one(StaleBanner).show(state)              # in show_state(state)

It shows the first stale source among those given; hidden when none is stale. It also says
"connecting…" (not stale) while a source has never succeeded and is failing, so a cluster that
is down at start reads as "retrying in Ns" rather than as empty data. The app redraws the
banners with the header, from one clock reading, so both always show the same retry hint.
"""

from __future__ import annotations

import math
import time

from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.refresh.state import AppState, Source, SourceHealth

SOURCE_LABELS = {
    Source.CLUSTER: "Kafka",
    Source.GROUPS: "Consumer groups",
    Source.ZOOKEEPER: "ZooKeeper",
    Source.PROCESSES: "Processes",
    Source.SECURITY: "Security",
    Source.QUORUM: "Metadata quorum",
}


def clock(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def retry_hint(health: SourceHealth, now: float | None = None, paused: bool = False) -> str:
    """When the failing source is tried again, for the header and the StaleBanner alike.

    "retrying in 4s" until next_attempt_at, in whole seconds rounded up (so it never reads "in
    0s" while it still waits), "retrying now" from then until that attempt's result replaces
    next_attempt_at, and "" when no attempt is scheduled (none, or paused)."""
    if paused or health.next_attempt_at is None:
        return ""
    wait = health.next_attempt_at - (time.time() if now is None else now)
    return f"retrying in {math.ceil(wait)}s" if wait > 0 else "retrying now"


def stale_text(source: Source, health: SourceHealth, paused: bool = False, now: float | None = None) -> str:
    """The banner text for one source, or "" when it is healthy."""
    if not health.stale:
        return ""
    label = SOURCE_LABELS.get(source, source.value)
    hint = retry_hint(health, now, paused)
    hint = f" ({hint})" if hint else ""
    # errors carry cluster strings (group ids, topic names, brokers' error messages): escaped
    error = escape_text((health.error or "").replace("\n", " "))
    if health.last_ok_at is None:
        return f"{label}: connecting… {error}{hint}"
    since = clock(health.stale_since) if health.stale_since else "?"
    return f"{label} STALE since {since} — {error}{hint}"


class StaleBanner(Static):
    """Hidden unless one of `sources` is stale; then one line in the `stale` colour (see app.tcss)."""

    DEFAULT_CSS = """
    StaleBanner { height: auto; max-height: 2; display: none; }
    StaleBanner.-stale { display: block; }
    """

    def __init__(self, *sources: Source, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.sources: tuple[Source, ...] = sources or (Source.CLUSTER,)
        self._text = ""

    def show(self, state: AppState, now: float | None = None) -> None:
        """Render from `state` at `now` (default: the app's clock); a no-op when nothing changed
        (idle refreshes write no bytes)."""
        now = getattr(self.app, "now", time.time)() if now is None else now
        lines = [stale_text(s, state.health.get(s, SourceHealth()), state.paused, now) for s in self.sources]
        text = "\n".join(line for line in lines if line)
        if text == self._text:
            return
        self._text = text
        self.update(text)
        self.set_class(bool(text), "-stale")

    @property
    def text(self) -> str:
        """What the banner says now ("" when hidden); for tests and the help screen."""
        return self._text
