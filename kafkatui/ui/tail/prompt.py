"""TailPrompt: a one-line modal question (partitions, start position) that validates as you type.

Why an Input rather than a list of checkboxes: over SSH with no mouse, "0,2,5" or "last:100"
is three keystrokes, and the same grammar works on the command line (`--from last:100`).
The prompt runs the parser on every keystroke, shows its one-line error, and only returns
a value the parser accepted. Esc (or the app's back key) cancels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kafkatui.decode import escape_text
from kafkatui.tail.start import START_HELP, StartSpec, parse_partitions, parse_start
from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import GuardedScreen


class TailPrompt(GuardedScreen, ModalScreen[Any]):
    """Ask for text; dismiss with `(parse(text),)` once it parses, or None on Esc.

    The 1-tuple keeps a parsed None (e.g. "all" partitions) apart from a cancel."""

    DEFAULT_CSS = """
    TailPrompt {
        align: center middle;
    }
    TailPrompt > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    TailPrompt .prompt-title { text-style: bold; }
    TailPrompt .prompt-help { color: $foreground-muted; }
    TailPrompt Input { margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, help_text: str, value: str, parse: Callable[[str], Any]) -> None:
        super().__init__()
        self._title = title
        self._help = help_text
        self._value = value
        self._parse = parse

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(escape_text(self._title)), classes="prompt-title")
            yield Static(Text(escape_text(self._help)), classes="prompt-help")
            yield Input(value=self._value, id="prompt-input")
            yield Static("", id="prompt-error")

    def on_mount(self) -> None:
        if self.is_dropped:  # closed or quit before it mounted
            return
        self.query_one(Input).focus()

    def _check(self, text: str) -> tuple[bool, Any]:
        try:
            return True, self._parse(text)
        except ValueError as exc:
            error = Text(escape_text(str(exc)), style=semantic(self.app, "critical"))
            self.query_one("#prompt-error", Static).update(error)
            return False, None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        ok, _ = self._check(event.value)
        if ok:
            self.query_one("#prompt-error", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ok, value = self._check(event.value)
        if ok:
            self.dismiss((value,))

    def action_cancel(self) -> None:
        self.dismiss(None)


def partitions_prompt(topic: str, current: Sequence[int] | None, available: Sequence[int]) -> TailPrompt:
    """Which partitions to follow; checked against the topic's partitions once they are known."""
    have = f"the topic has 0-{max(available)}" if available else "partitions not known yet"
    value = "all" if current is None else ",".join(map(str, current))
    return TailPrompt(f"Partitions of {topic}", f"e.g. 0,2,5 or 0-3 or all ({have})", value,
                      lambda text: parse_partitions(text, available or None))


def start_prompt(current: StartSpec) -> TailPrompt:
    """Where to start over (end, earliest, last:N, offset:N, time:...)."""
    return TailPrompt("Start position", START_HELP, str(current), parse_start)
