"""TailHeader: the tail's three header lines: what is tailed, the honest counters, the latest note.

Why separate from the screen: these are render-only functions of a small frozen `TailCounts`
plus the reader's `TailStatus`, so the screen keeps the behaviour and this module keeps the
wording. Every string from the cluster (topic, filter, error, notes) is escaped and handed
over as Text, never as markup. The note line takes no room while there is nothing to say.

The counters line, in order of importance so a narrow terminal cuts the least useful part:
follow state ("topic gone" once the topic was deleted; "+N new" while paused), msgs/s,
received, shown, skipped, buffer fill, evicted, and how far the reader is behind the topic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import human_count, rate
from kafkatui.tail.start import StartSpec
from kafkatui.tail.status import TailStatus
from kafkatui.textfilter import TextFilter
from kafkatui.ui.palette import semantic
from kafkatui.ui.widgets.table import update_static


@dataclass(frozen=True)
class TailCounts:
    """The UI side of the counters (the reader's side is TailStatus)."""

    following: bool
    new_while_paused: int
    shown: int
    buffered: int
    capacity: int
    evicted: int


def title_text(app: App, topic: str, partitions: tuple[int, ...] | None, start: StartSpec,
               flt: TextFilter, matches: int) -> Text:
    muted = semantic(app, "muted")
    text = Text()
    text.append("Tail ", style="bold")
    text.append(escape_text(topic), style=f"bold {semantic(app, 'accent')}")
    parts = "all" if partitions is None else ",".join(map(str, partitions))
    text.append(f"  partitions {parts}  from {escape_text(str(start))}", style=muted)
    if flt.active:
        text.append(f"  /{escape_text(flt.pattern)}: {matches:,} match", style=semantic(app, "accent"))
        if flt.error:
            text.append(f"  {escape_text(flt.error)}", style=semantic(app, "warning"))
    return text


def counters_text(app: App, counts: TailCounts, status: TailStatus, *, compact: bool) -> Text:
    def n(value: int) -> str:
        return human_count(value, compact=compact)

    text = Text()
    if status.state == "gone":  # never "following" a topic that no longer exists
        text.append("✗ topic gone", style=f"bold {semantic(app, 'critical')}")
        if not counts.following:
            text.append(f"  ❚❚ paused +{n(counts.new_while_paused)} new", style=semantic(app, "paused"))
    elif counts.following:
        text.append("▶ following", style=f"bold {semantic(app, 'ok')}")
    else:
        text.append("❚❚ PAUSED", style=f"bold {semantic(app, 'paused')}")
        text.append(f" +{n(counts.new_while_paused)} new", style=semantic(app, "paused"))
    text.append(f"  {rate(status.rate)}")
    text.append(f"  recv {n(status.received)}  shown {n(counts.shown)}")
    text.append(f"  skipped {n(status.skipped)}", style=semantic(app, "warning") if status.skipped else "")
    text.append(f"  buffer {n(counts.buffered)}/{n(counts.capacity)}")
    text.append(f"  evicted {n(counts.evicted)}", style=semantic(app, "muted"))
    if status.behind:
        text.append(f"  behind {n(status.behind)}", style=semantic(app, "warning"))
    return text


def note_text(app: App, status: TailStatus, saved: tuple[float, str] | None) -> Text | None:
    """The reader's error (or that the topic is gone), else its newest note (leader change,
    skipping), else the last save."""
    if status.state == "gone" and status.error:
        return Text(f"✗ {escape_text(status.error)}", style=semantic(app, "critical"))
    if status.state == "error" and status.error:
        return Text(f"✗ {escape_text(status.error)} · retrying", style=semantic(app, "critical"))
    if status.state == "connecting":
        return Text("connecting…", style=semantic(app, "muted"))
    if status.notes and (saved is None or status.notes[-1][0] > saved[0]):
        when, note = status.notes[-1]
        stamp = time.strftime("%H:%M:%S", time.localtime(when))
        return Text(f"{stamp} {escape_text(note)}", style=semantic(app, "warning"))
    if saved is not None:
        return Text(saved[1], style=semantic(app, "ok"))
    return None


def new_notes(status: TailStatus, seen: int) -> list[str]:
    """Notes the reader made since `seen` notes (some may have left its bounded list)."""
    fresh = min(len(status.notes), status.note_count - seen)
    return [note for _, note in status.notes[len(status.notes) - fresh:]] if fresh > 0 else []


class TailHeader(Vertical):
    """#tail-title, #tail-status and #tail-note (shown only when there is a note)."""

    DEFAULT_CSS = """
    TailHeader { height: auto; }
    TailHeader .tail-line { width: 1fr; height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    TailHeader #tail-note { display: none; }
    TailHeader.-note #tail-note { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="tail-title", classes="tail-line")
        yield Static("", id="tail-status", classes="tail-line")
        yield Static("", id="tail-note", classes="tail-line")

    # Each line is one row high and as wide as the screen (CSS above), whatever it says: no
    # layout pass when its text changes (one per record would redraw the list's scrollbar).
    def show_title(self, title: Text) -> None:
        update_static(self.query_one("#tail-title", Static), title, layout=False)

    def show_status(self, counters: Text, note: Text | None) -> None:
        update_static(self.query_one("#tail-status", Static), counters, layout=False)
        self.set_class(note is not None, "-note")
        update_static(self.query_one("#tail-note", Static), note or Text(), layout=False)
