"""RecordDetailScreen: one tail record in full, plus the `y` copy used by the tail view.

Why a modal: at 80x24 a side pane would leave the value 30 columns; a full overlay shows
pretty JSON, whole text or a hexdump (via `decode.decode_bytes`, so every byte is escaped),
with every header, key, both timestamps and the sizes. It is decoded here, on demand, for one
record, so the list never pays for it.

Copy (`y`, here and in the list) puts the record as one JSON object (the JSONL export
format) on the clipboard with OSC 52 through `App.copy_to_clipboard`; inside tmux the
passthrough-wrapped form is sent as well (see `kafkatui.osc52`).
"""

from __future__ import annotations

import json
import os
import time
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kafkatui import osc52
from kafkatui.decode import decode_bytes, escape_multiline, escape_text, hexdump, truncation_note
from kafkatui.fmt import human_bytes
from kafkatui.schemas.result import SchemaValue
from kafkatui.tail.buffer import record_to_dict
from kafkatui.tail.record import TailRecord, header_name_text
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import GuardedScreen

COPY_VALUE_CHARS = 60_000  # a value cut for the clipboard keeps the copy under osc52.MAX_COPY_BYTES


def copy_text(record: TailRecord, topic: str) -> tuple[str, bool]:
    """(JSON text, cut) for the clipboard; a huge value is cut so terminals accept the copy."""
    data = record_to_dict(record, topic)
    text = json.dumps(data, ensure_ascii=True)
    if osc52.fits(text):
        return text, False
    value = data.get("value") or ""
    keep = COPY_VALUE_CHARS - COPY_VALUE_CHARS % 4  # whole base64 quads stay decodable
    data["value"] = value[:keep]
    data["value_truncated"] = True
    data["copy_note"] = f"value cut to its first {keep:,} characters for the clipboard"
    return json.dumps(data, ensure_ascii=True), True


def copy_record(app: App, record: TailRecord, topic: str) -> None:
    """Put the record on the clipboard (OSC 52) and say so."""
    text, cut = copy_text(record, topic)
    app.copy_to_clipboard(text)
    driver = getattr(app, "_driver", None)  # Textual has no public raw write; tmux needs the wrapped form
    if driver is not None:
        for sequence in osc52.extra_sequences(text, os.environ):
            driver.write(sequence)
    note = " (value cut to fit the clipboard)" if cut else ""
    app.notify(f"copied partition {record.partition} offset {record.offset} as JSON{note}", title="Copied")


def _when(ts: int) -> str:
    if ts < 0:
        return "unknown"
    local = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts / 1000))
    return f"{local}.{ts % 1000:03d} (local) · {ts} ms"


def _schema_part(text: Text, schema: SchemaValue, data: bytes | None, raw: bool, styles: tuple[str, str, str]) -> None:
    """A framed key or value: its format, schema id, subjects and version, then the decoded value
    pretty-printed (or the reason it is not decoded and the bytes by the ordinary rules); the raw
    bytes as a hexdump when asked for (`r`)."""
    muted, accent, warn = styles
    text.append(escape_text(schema.caption) + "\n", style=muted)
    if schema.json is not None:
        text.append(escape_multiline(schema.pretty()) + "\n", style=accent)
    else:
        text.append(escape_text(f"not decoded: {schema.error}") + "\n", style=warn)
        if not raw:
            text.append(decode_bytes(data).detail + "\n")
    if raw and data is not None:
        text.append(f"raw bytes ({len(data):,})\n", style=muted)
        text.append(hexdump(data) + "\n")


def detail_text(app: App, record: TailRecord, topic: str, *, raw: bool = False) -> Text:
    """Everything about one record as Text (no markup parsing; every byte already escaped).

    `raw` adds the raw bytes of keys and values decoded through the schema registry."""
    muted, accent, warn = semantic(app, "muted"), semantic(app, "accent"), semantic(app, "warning")
    text = Text()

    def label(name: str) -> None:
        text.append(f"{name:<11}", style=f"bold {muted}")

    text.append(escape_text(topic), style=f"bold {accent}")
    text.append(f"  partition {record.partition}  offset {record.offset}\n", style="bold")
    label("Timestamp")
    text.append(f"{_when(record.timestamp)} · {record.timestamp_type_name}\n")
    label("Received")
    text.append(f"{_when(int(record.received_at * 1000))}\n")
    label("Size")
    key_size = "null" if record.key_size < 0 else human_bytes(record.key_size)
    value_size = "null" if record.value_size < 0 else human_bytes(record.value_size)
    text.append(f"{human_bytes(record.size)} serialized · key {key_size} · value {value_size}\n")
    label("Key")
    if record.key_schema is not None:
        _schema_part(text, record.key_schema, record.key, raw, (muted, accent, warn))
    else:
        key = decode_bytes(record.key)
        text.append(f"({key.kind}) ", style=muted)
        text.append(key.detail + "\n", style=accent if record.key is not None else muted)
    if record.key_truncated:
        text.append(truncation_note(record.key_size, len(record.key or b"")) + "\n", style=warn)
    label("Headers")
    text.append(f"{len(record.headers)}\n" if record.headers else "none\n", style=muted if not record.headers else "")
    for name, value in record.headers:
        text.append("  ")
        text.append(header_name_text(name), style=accent if name else f"dim {muted}")  # "(empty)", dimmed
        text.append(" = ")
        text.append(decode_bytes(value).summary + "\n")
    label("Value")
    if record.value_schema is not None:
        text.append(f"({value_size}) ", style=muted)
        _schema_part(text, record.value_schema, record.value, raw, (muted, accent, warn))
    else:
        value = decode_bytes(record.value)
        text.append(f"({value.kind}, {value_size})\n", style=muted)
        text.append(value.detail)
    if record.value_truncated:
        kept = len(record.value or b"")
        text.append(f"\nthe tail keeps the first {kept:,} of {record.value_size:,} bytes of a value", style=warn)
    return text


class RecordDetailScreen(GuardedScreen, ModalScreen[None]):
    """Full view of one record; Esc/q/Enter close it, y copies it, ? lists these keys.

    A modal screen gets none of the app's bindings, so `?` is bound here, to the app's help
    (which lists the keys of the screen on top: this one, as view VIEW_NAME)."""

    VIEW_NAME: ClassVar[str] = "record"

    DEFAULT_CSS = """
    RecordDetailScreen { align: center middle; }
    RecordDetailScreen > VerticalScroll {
        width: 100%;
        height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close"),
        Binding("y", "copy", "Copy JSON"),
        Binding("r", "raw", "Raw bytes"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
    ]

    def __init__(self, record: TailRecord, topic: str) -> None:
        super().__init__()
        self.record = record
        self.topic = topic
        self.raw = False  # `r`: the raw bytes of schema-decoded keys and values too

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-body"):
            yield Static(detail_text(self.app, self.record, self.topic), id="record-detail", markup=False)

    def on_mount(self) -> None:
        if self.is_dropped:  # closed or quit before it mounted
            return
        body = self.query_one("#record-body", VerticalScroll)
        schema = self.record.key_schema or self.record.value_schema
        raw = " · r raw bytes" if schema is not None else ""
        body.border_title = f"Record (y copies as JSON{raw} · Esc closes)"
        body.focus()

    def action_raw(self) -> None:
        self.raw = not self.raw
        self.query_one("#record-detail", Static).update(detail_text(self.app, self.record, self.topic, raw=self.raw))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        copy_record(self.app, self.record, self.topic)

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#record-body", VerticalScroll)
        if direction == "down":
            body.scroll_down(animate=False)
        else:
            body.scroll_up(animate=False)
