"""TailScreen: follow a topic live — what is actually flowing through it right now.

How data flows (toolong's model): a `TailReader` thread fetches and decodes; each batch it
queues triggers a `BatchReady` message that coalesces (`can_replace`) with any still
pending, and the handler drains the queue at most every MIN_DRAIN_S (~20 updates a
second), so a flood costs the UI a bounded amount of work. Everything received goes into a
`RingBuffer` (settings.tail_buffer records); the list shows the buffer through the filter.

Counters, all honest: received (by the reader), shown (put in the list), skipped (went by
unshown: dropped because the UI queue was full, or jumped over when the reader fell more than
a buffer behind a live flood), evicted (pushed out of the ring buffer), plus msgs/s and how
far the reader is behind the high watermark.

Follow/pause (`f`/space): paused, the list stops moving but records keep arriving into the
buffer and are counted ("+N new"); resuming shows the buffer, and says how many records
were evicted before they could be shown. Moving the cursor up also pauses.

Keys: f/space follow/pause · / filter (regex, invalid -> substring, ! inverts) · P
partitions · F start position · Enter details · y copy JSON (OSC 52) · w save JSONL.
Esc/q/backspace go back (the app's bindings; Esc clears an active filter first).
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from kafkatui.config import DEFAULT_TAIL_BUFFER, Settings, state_dir
from kafkatui.decode import escape_text
from kafkatui.sources.tail import TailReader, TailStatus
from kafkatui.tailbuffer import (
    END,
    START_HELP,
    RecordFilter,
    RingBuffer,
    StartSpec,
    TailRecord,
    compile_filter,
    parse_partitions,
    parse_start,
    to_jsonl,
)
from kafkatui.widgets.record_detail import RecordDetailScreen, copy_record
from kafkatui.widgets.table import update_static
from kafkatui.widgets.tail_filter import TailFilterInput
from kafkatui.widgets.tail_prompt import TailPrompt
from kafkatui.widgets.tail_status import TailCounts, counters_text, new_notes, note_text, title_text
from kafkatui.widgets.tail_table import TailTable

MIN_DRAIN_S = 0.05  # at most 20 list updates a second: a new record shows within ~50 ms
FLOOD_DRAIN_S = 0.1  # 10 a second while batches are big: each update redraws every row
FLOOD_RECORDS = 200
TICK_S = 0.5  # status line (msgs/s, reader state) and a safety-net drain
_frozen_by = 0  # open tails that froze the GC's view of older objects (see _freeze_gc)


def _freeze_gc(freeze: bool) -> None:
    """While a tail runs, keep the objects that existed before it out of full GC passes.

    A flood allocates records that live just long enough to reach the oldest generation, so
    full collections come every few seconds; scanning every Textual and client object each
    time cost key presses 200-400 ms in the benchmark. `gc.freeze()` moves what exists now
    to a permanent generation; `gc.unfreeze()` hands it back when the last tail closes.
    """
    global _frozen_by
    _frozen_by += 1 if freeze else -1
    if freeze and _frozen_by == 1:
        gc.freeze()
    elif not freeze and _frozen_by == 0:
        gc.unfreeze()


class TailScreen(Screen):
    """The live tail of one topic (all partitions, or some)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f,space", "toggle_follow", "Follow/pause", key_display="f"),
        Binding("slash", "filter", "Filter"),
        Binding("P", "partitions", "Partitions"),
        Binding("F", "start_from", "From…"),
        Binding("y", "copy", "Copy"),
        Binding("w", "save", "Save"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    DEFAULT_CSS = """
    TailScreen .tail-line { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    TailScreen #tail-note { display: none; }
    TailScreen.-note #tail-note { display: block; }
    """

    class BatchReady(Message):
        """The reader queued records. Coalesces: one pending is enough to trigger a drain."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TailScreen.BatchReady)

    class Saved(Message):
        def __init__(self, path: Path | None, count: int, error: str | None) -> None:
            super().__init__()
            self.path, self.count, self.error = path, count, error

    def __init__(
        self,
        topic: str,
        *,
        partitions: Sequence[int] | None = None,
        start: StartSpec = END,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(id="tail")
        self.topic = topic
        self.partitions: tuple[int, ...] | None = tuple(partitions) if partitions is not None else None
        self.start = start
        self._settings = settings
        self.reader: TailReader | None = None
        self.ring = RingBuffer(settings.tail_buffer if settings else DEFAULT_TAIL_BUFFER)
        self.filter: RecordFilter = compile_filter("")
        self.following = True
        self.shown = 0
        self.new_while_paused = 0
        self.last_saved: Path | None = None
        self.render_hook: Callable[[Sequence[TailRecord]], None] | None = None  # bench: after paint
        self._frozen: list[TailRecord] | None = None
        self._paused_at_seq = 0
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

    # ------------------------------------------------------------------ lifecycle

    def compose(self) -> ComposeResult:
        yield Static("", id="tail-title", classes="tail-line")
        yield Static("", id="tail-status", classes="tail-line")
        yield Static("", id="tail-note", classes="tail-line")
        yield TailTable(id="tail-table")
        yield TailFilterInput(id="tail-filter")

    def on_mount(self) -> None:
        settings = self._settings or getattr(self.app, "settings", None)
        if not isinstance(settings, Settings):
            raise RuntimeError("TailScreen needs Settings (pass settings= or use an app with .settings)")
        if self._settings is None and settings.tail_buffer != self.ring.capacity:
            self.ring = RingBuffer(settings.tail_buffer)
        # Construction and start() do not block: the consumer is built on the reader thread.
        self.reader = TailReader(settings, self.topic, partitions=self.partitions, start=self.start,
                                 on_batch=self._on_batch, skip_behind=self.ring.capacity)
        self.reader.start()
        _freeze_gc(True)
        self.query_one(TailTable).focus()
        self.set_interval(TICK_S, self._tick, name="tail-tick")
        self._render_status()

    def on_unmount(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.on_batch = None
            reader.close(timeout=0)  # signal only; the thread closes its consumer itself
            _freeze_gc(False)

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
        self.ring.extend(records)
        if self.following:
            self.shown += len(records)
            tail = records[-self.ring.capacity:]
            self.query_one(TailTable).append(self.filter.apply(tail), oldest_seq=self.ring.oldest_seq,
                                              limit=self.ring.capacity)
            if self.render_hook is not None:
                self.call_after_refresh(self.render_hook, tail)
        else:
            self.new_while_paused += len(records)
        self._render_status()

    def _tick(self) -> None:
        self._drain()
        self._render_status()

    # ------------------------------------------------------------------ status

    def _render_status(self) -> None:
        if self.reader is not None:
            self._status = self.reader.status()
        status = self._status
        self._render_title()
        counts = TailCounts(self.following, self.new_while_paused, self.shown, len(self.ring), self.ring.capacity,
                            self.ring.evicted)
        line = counters_text(self.app, counts, status, compact=self.size.width < 110)
        update_static(self.query_one("#tail-status", Static), line)
        for note in new_notes(status, self._notes_seen):
            self.notify(escape_text(note), title=f"Tail {escape_text(self.topic)}", severity="warning", markup=False)
        self._notes_seen = status.note_count
        note = note_text(self.app, status, self._saved_note)
        self.set_class(note is not None, "-note")
        update_static(self.query_one("#tail-note", Static), note or Text())

    def _render_title(self) -> None:
        text = title_text(self.app, self.topic, self.partitions, self.start, self.filter,
                          self.query_one(TailTable).row_count)
        update_static(self.query_one("#tail-title", Static), text)

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
        self.following = False
        self.query_one(TailTable).following = False
        self._frozen = self.ring.snapshot()
        self._paused_at_seq = self._frozen[-1].seq if self._frozen else 0
        self.new_while_paused = 0
        self._render_status()

    def _resume(self) -> None:
        self._drain()
        kept = sum(1 for r in self.ring if r.seq > self._paused_at_seq)
        lost = self.new_while_paused - kept
        self.shown += kept
        self.following, self._frozen, self.new_while_paused = True, None, 0
        table = self.query_one(TailTable)
        table.following = True
        table.set_records(self.filter.apply(self.ring))
        if lost > 0:
            self.notify(f"{lost:,} records arrived and left the {self.ring.capacity:,}-record buffer while paused",
                        title="Tail resumed", severity="warning")
        self._render_status()

    # ------------------------------------------------------------------ filter

    def action_filter(self) -> None:
        self.query_one(TailFilterInput).open(self.filter.pattern)

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, TailFilterInput):
            event.stop()
            self.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, TailFilterInput):
            event.stop()
            event.input.close()

    def set_filter(self, pattern: str) -> None:
        """Show only records whose key, value or headers match (see RecordFilter)."""
        new = compile_filter(pattern)
        if new == self.filter and new.error == self.filter.error:
            return
        self.filter = new
        source = self.ring if self.following else (self._frozen or [])
        self.query_one(TailTable).set_records(new.apply(source))
        self._render_title()

    def action_clear_filter(self) -> None:
        if not self.filter.active:
            raise SkipAction()
        self.query_one(TailFilterInput).value = ""
        self.set_filter("")

    # ------------------------------------------------------------------ partitions / start position

    def action_partitions(self) -> None:
        available = self._status.available
        have = f"the topic has 0-{max(available)}" if available else "partitions not known yet"
        current = "all" if self.partitions is None else ",".join(map(str, self.partitions))
        prompt = TailPrompt(f"Partitions of {self.topic}", f"e.g. 0,2,5 or 0-3 or all ({have})", current,
                            lambda text: parse_partitions(text, available or None))
        self.app.push_screen(prompt, self._partitions_chosen)

    def _partitions_chosen(self, result: Any) -> None:
        if result is None or self.reader is None:
            return
        self.partitions = result[0]
        self.reader.set_partitions(self.partitions)
        if self.partitions is not None:
            wanted = set(self.partitions)
            kept = [r for r in self.ring if r.partition in wanted]
            self.ring.clear()
            self.ring.extend(kept)
            if self._frozen is not None:
                self._frozen = [r for r in self._frozen if r.partition in wanted]
            source = self.ring if self.following else self._frozen or []
            self.query_one(TailTable).set_records(self.filter.apply(source))
        self._render_status()

    def action_start_from(self) -> None:
        prompt = TailPrompt("Start position", START_HELP, str(self.start), parse_start)
        self.app.push_screen(prompt, self._start_chosen)

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
        self.ring = RingBuffer(self.ring.capacity, self.ring.max_bytes)
        self.shown = self.new_while_paused = 0
        self._frozen = None
        self.following = True
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

    def save_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.topic) or "topic"
        return state_dir() / "tail" / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"

    def action_save(self) -> None:
        records = self.filter.apply(self.ring)
        if not records:
            self.notify("nothing to save: the buffer is empty", severity="warning")
            return
        path = self.save_path()
        self.run_worker(lambda: self._save(records, path), thread=True, group="tail-save", exit_on_error=False)

    def _save(self, records: list[TailRecord], path: Path) -> None:
        """Worker thread: write the file, then report back with a message."""
        try:
            self.post_message(self.Saved(to_jsonl(records, path, self.topic), len(records), None))
        except OSError as exc:
            self.post_message(self.Saved(None, len(records), f"{path}: {exc.strerror or exc}"))

    def on_tail_screen_saved(self, message: Saved) -> None:
        if message.error is not None or message.path is None:
            self.notify(escape_text(message.error or "save failed"), title="Save failed", severity="error",
                        markup=False)
            return
        self.last_saved = message.path
        what = f"{message.count:,} records" + (f" matching /{self.filter.pattern}" if self.filter.active else "")
        line = f"saved {escape_text(what)} → {escape_text(str(message.path))}"
        self._saved_note = (time.time(), line)
        self.notify(line, title="Saved JSONL", markup=False, timeout=10)
        self._render_status()
