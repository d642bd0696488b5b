"""TailScreen: follow a topic live — what is actually flowing through it right now.

How data flows (toolong's model): a `TailReader` thread fetches and decodes; each batch it
queues triggers a `BatchReady` message that coalesces (`can_replace`) with any still
pending, and the handler drains the queue at most every MIN_DRAIN_S (~20 updates a
second), so a flood costs the UI a bounded amount of work. What was received goes into a
`TailView` (`kafkatui.tail.view`: the ring buffer, follow/pause, the filter, the counters);
this screen wires the keys, the reader and the widgets to it.

Counters, all honest: received, shown, skipped (went by unshown: the UI queue was full, the
reader jumped ahead of a flood, or records could not be decoded; each says so in a note),
evicted from the buffer, msgs/s, and how far the reader is behind the high watermark.

Keys: f/space follow/pause (moving the cursor up also pauses) · / filter (regex, invalid ->
substring, ! inverts) · P partitions · F start position · Enter details · y copy JSON
(OSC 52) · w save JSONL. Esc/q/backspace go back (the app's bindings; Esc clears an active
filter first).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from kafkatui.config import DEFAULT_TAIL_BUFFER, Settings
from kafkatui.decode import escape_text
from kafkatui.tail.buffer import RingBuffer, matching
from kafkatui.tail.gcfreeze import freeze_gc
from kafkatui.tail.reader import TailReader, TailStatus
from kafkatui.tail.record import TailRecord
from kafkatui.tail.start import END, StartSpec
from kafkatui.tail.view import TailView
from kafkatui.ui.screens.base import GuardedScreen
from kafkatui.ui.tail.filter import TailFilterInput
from kafkatui.ui.tail.prompt import partitions_prompt, start_prompt
from kafkatui.ui.tail.record_detail import RecordDetailScreen, copy_record
from kafkatui.ui.tail.save import TailSaved, saved_text, start_save
from kafkatui.ui.tail.status import TailCounts, TailHeader, counters_text, new_notes, note_text, title_text
from kafkatui.ui.tail.table import TailTable

MIN_DRAIN_S = 0.05  # at most 20 list updates a second: a new record shows within ~50 ms
FLOOD_DRAIN_S = 0.1  # 10 a second while batches are big: each update redraws every row
FLOOD_RECORDS = 200
TICK_S = 0.5  # status line (msgs/s, reader state) and a safety-net drain


class TailScreen(GuardedScreen, Screen):
    """The live tail of one topic (all partitions, or some)."""

    VIEW_NAME: ClassVar[str] = "tail"  # the header's view name (it is opened over the topics view)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f,space", "toggle_follow", "Follow/pause", key_display="f"),
        Binding("slash", "filter", "Filter"),
        Binding("P", "partitions", "Partitions"),
        Binding("F", "start_from", "From…"),
        Binding("y", "copy", "Copy"),
        Binding("w", "save", "Save"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    class BatchReady(Message):
        """The reader queued records. Coalesces: one pending is enough to trigger a drain."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TailScreen.BatchReady)

    def __init__(
        self,
        topic: str,
        *,
        partitions: Sequence[int] | None = None,
        start: StartSpec = END,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()  # no fixed id: opening a tail from a tail (`:` jump) briefly holds both
        self.topic = topic
        self.partitions: tuple[int, ...] | None = tuple(partitions) if partitions is not None else None
        self.start = start
        self._settings = settings
        self.reader: TailReader | None = None
        self.view = TailView(settings.tail_buffer if settings else DEFAULT_TAIL_BUFFER)
        self.last_saved: Path | None = None
        self.render_hook: Callable[[Sequence[TailRecord]], None] | None = None  # bench: after paint
        self._generation = 0
        self._last_drain = 0.0
        self._drain_interval = MIN_DRAIN_S
        self._drain_timer: Timer | None = None
        self._status = TailStatus("connecting", None, (), 0, 0, 0, 0, 0, 0.0, None, (), (), start, 0)
        self._notes_seen = 0
        self._saved_note: tuple[float, str] | None = None  # (time, "saved … → path"), kept on screen

    @property
    def status(self) -> TailStatus:
        """The reader's status as of the last UI update (counters, state, notes)."""
        return self._status

    @property
    def ring(self) -> RingBuffer:
        """Every record received and still kept (the list shows it through the filter)."""
        return self.view.ring

    @property
    def following(self) -> bool:
        return self.view.following

    @property
    def shown(self) -> int:
        return self.view.shown

    # ------------------------------------------------------------------ lifecycle

    def compose(self) -> ComposeResult:
        yield TailHeader(id="tail-header")
        yield TailTable(id="tail-table")
        yield TailFilterInput(id="tail-filter")

    def on_mount(self) -> None:
        if self.is_dropped:  # quit, back or another jump before it mounted: start no reader
            return
        settings = self._settings or getattr(self.app, "settings", None)
        if not isinstance(settings, Settings):
            raise RuntimeError("TailScreen needs Settings (pass settings= or use an app with .settings)")
        if self._settings is None and settings.tail_buffer != self.ring.capacity:
            self.view = TailView(settings.tail_buffer)
        # Construction and start() do not block: the consumer is built on the reader thread.
        self.reader = TailReader(settings, self.topic, partitions=self.partitions, start=self.start,
                                 on_batch=self._on_batch, skip_behind=self.ring.capacity)
        self.reader.start()
        freeze_gc(True)
        self.query_one(TailTable).focus()
        self.set_interval(TICK_S, self._tick, name="tail-tick")
        # The header's lines carry the theme's colours: recolour them with the theme, not at the
        # next tick (a 16-colour check saw the last theme's colours on the new one's background).
        # The signal, not a watch on `theme`: it comes after the new theme's CSS variables exist.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_status())
        self._render_status()

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.on_batch = None
            reader.close(timeout=0)  # signal only; the thread closes its consumer itself
            freeze_gc(False)

    def _on_batch(self) -> None:
        """Reader thread: ask the UI to drain (thread-safe; coalesced)."""
        self.post_message(self.BatchReady())

    # ------------------------------------------------------------------ draining

    def on_tail_screen_batch_ready(self, message: BatchReady) -> None:
        if self._drain_timer is not None:
            return
        wait = self._drain_interval - (time.monotonic() - self._last_drain)
        if wait <= 0:
            self._drain()
        else:
            self._drain_timer = self.set_timer(wait, self._drain_from_timer, name="tail-drain")

    def _drain_from_timer(self) -> None:
        self._drain_timer = None
        self._drain()

    def _drain(self) -> None:
        reader = self.reader
        if reader is None:
            return
        self._last_drain = time.monotonic()
        records = [r for b in reader.drain() if b.generation == self._generation for r in b.records]
        self._drain_interval = FLOOD_DRAIN_S if len(records) > FLOOD_RECORDS else MIN_DRAIN_S
        if not records:
            return
        tail = self.view.add(records)
        if tail:
            self.query_one(TailTable).append(matching(self.view.filter, tail), oldest_seq=self.ring.oldest_seq,
                                              limit=self.ring.capacity)
            if self.render_hook is not None:
                self.call_after_refresh(self.render_hook, tail)
        self._render_status()

    def _tick(self) -> None:
        self._drain()
        self._render_status()

    # ------------------------------------------------------------------ status

    def _render_status(self) -> None:
        if self.reader is not None:
            self._status = self.reader.status()
        status, view = self._status, self.view
        self._render_title()
        counts = TailCounts(view.following, view.new_while_paused, view.shown, len(view.ring), view.ring.capacity,
                            view.ring.evicted)
        for note in new_notes(status, self._notes_seen):
            self.notify(escape_text(note), title=f"Tail {escape_text(self.topic)}", severity="warning", markup=False)
        self._notes_seen = status.note_count
        self.query_one(TailHeader).show_status(counters_text(self.app, counts, status, compact=self.size.width < 110),
                                               note_text(self.app, status, self._saved_note))

    def _render_title(self) -> None:
        self.query_one(TailHeader).show_title(title_text(self.app, self.topic, self.partitions, self.start,
                                                         self.view.filter, self.query_one(TailTable).row_count))

    # ------------------------------------------------------------------ follow / pause

    def on_tail_table_follow_changed(self, message: TailTable.FollowChanged) -> None:
        if not message.following and self.following:
            self._pause()

    def action_toggle_follow(self) -> None:
        if self.following:
            self._pause()
        else:
            self._resume()

    def _pause(self) -> None:
        self.view.pause()
        self.query_one(TailTable).following = False
        self._render_status()

    def _resume(self) -> None:
        self._drain()
        lost = self.view.resume()
        table = self.query_one(TailTable)
        table.following = True
        table.set_records(self.view.visible())
        if lost > 0:
            self.notify(f"{lost:,} records arrived and left the {self.ring.capacity:,}-record buffer while paused",
                        title="Tail resumed", severity="warning")
        self._render_status()

    # ------------------------------------------------------------------ filter

    def action_filter(self) -> None:
        self.query_one(TailFilterInput).open(self.view.filter.pattern)

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, TailFilterInput):
            event.stop()
            self.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, TailFilterInput):
            event.stop()
            event.input.close()

    def set_filter(self, pattern: str) -> None:
        """Show only records whose key, value or headers match (see kafkatui.textfilter)."""
        if self.view.set_filter(pattern):
            self.query_one(TailTable).set_records(self.view.visible())
            self._render_title()

    def action_clear_filter(self) -> None:
        if not self.view.filter.active:
            raise SkipAction()
        self.query_one(TailFilterInput).value = ""
        self.set_filter("")

    # ------------------------------------------------------------------ partitions / start position

    def action_partitions(self) -> None:
        prompt = partitions_prompt(self.topic, self.partitions, self._status.available)
        self.app.push_screen(prompt, self._partitions_chosen)

    def _partitions_chosen(self, result: Any) -> None:
        if result is None or self.reader is None:
            return
        self.partitions = result[0]
        self.reader.set_partitions(self.partitions)
        if self.partitions is not None:
            self.view.keep_partitions(self.partitions)
            self.query_one(TailTable).set_records(self.view.visible())
        self._render_status()

    def action_start_from(self) -> None:
        self.app.push_screen(start_prompt(self.start), self._start_chosen)

    def _start_chosen(self, result: Any) -> None:
        if result is None or self.reader is None:
            return
        self.seek(result[0])

    def seek(self, start: StartSpec) -> None:
        """Start over from `start`: the buffer, the list and the counters begin again."""
        if self.reader is None:
            return
        self.start = start
        self._generation = self.reader.seek(start)
        self.view.restart()
        table = self.query_one(TailTable)
        table.following = True
        table.set_records([])
        self._render_status()

    # ------------------------------------------------------------------ details, copy, save

    def on_tail_table_chosen(self, message: TailTable.Chosen) -> None:
        message.stop()
        self.app.push_screen(RecordDetailScreen(message.record, self.topic))

    def action_copy(self) -> None:
        record = self.query_one(TailTable).cursor_record
        if record is None:
            self.notify("no record selected", severity="warning")
            return
        copy_record(self.app, record, self.topic)

    def action_save(self) -> None:
        records = matching(self.view.filter, self.ring)
        if not records:
            self.notify("nothing to save: the buffer is empty", severity="warning")
            return
        start_save(self, records, self.topic)

    def on_tail_saved(self, message: TailSaved) -> None:
        if message.error is not None or message.path is None:
            self.notify(escape_text(message.error or "save failed"), title="Save failed", severity="error",
                        markup=False)
            return
        self.last_saved = message.path
        line = saved_text(message.count, self.view.filter, message.path)
        self._saved_note = (time.time(), line)
        self.notify(line, title="Saved JSONL", markup=False, timeout=10)
        self._render_status()
