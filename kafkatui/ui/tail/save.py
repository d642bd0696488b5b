"""Save the tail's buffer (`w`) as JSONL on a worker thread, and the line that says where.

Writing thousands of records can take a moment on a slow disk, so it never runs on the UI
thread: `start_save` writes on a thread worker of the screen and posts `TailSaved` back to
it, with the path or a one-line error. The file format is `kafkatui.tail.buffer.to_jsonl`;
the path comes from `kafkatui.tail.buffer.save_path` (under the state dir).
"""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.screen import Screen

from kafkatui.decode import escape_text
from kafkatui.tail.buffer import save_path, to_jsonl
from kafkatui.tail.record import TailRecord
from kafkatui.textfilter import TextFilter


class TailSaved(Message):
    """The save finished: `path` on success, else `error` (one line)."""

    def __init__(self, path: Path | None, count: int, error: str | None) -> None:
        super().__init__()
        self.path, self.count, self.error = path, count, error


def start_save(screen: Screen, records: list[TailRecord], topic: str) -> Path:
    """Write `records` on a thread worker of `screen`, which then gets a TailSaved."""
    path = save_path(topic)

    def work() -> None:
        try:
            screen.post_message(TailSaved(to_jsonl(records, path, topic), len(records), None))
        except OSError as exc:
            screen.post_message(TailSaved(None, len(records), f"{path}: {exc.strerror or exc}"))

    screen.run_worker(work, thread=True, group="tail-save", exit_on_error=False)
    return path


def saved_text(count: int, flt: TextFilter, path: Path) -> str:
    """"saved 1,234 records [matching /pattern] → path", terminal-safe."""
    what = f"{count:,} records" + (f" matching /{flt.pattern}" if flt.active else "")
    return f"saved {escape_text(what)} → {escape_text(str(path))}"
