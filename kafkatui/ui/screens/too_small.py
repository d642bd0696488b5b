"""What the app shows instead of a view when the terminal is smaller than MIN_COLS x MIN_ROWS.

Why: below 60x16 the header, a view's title, a table header, a few rows and the footer no longer
fit. Textual would squeeze the widgets to nothing and the operator would see a table header and
no data, which reads as "no topics" rather than "make the window bigger". So the app covers the
view with one plain sentence ("window too small: 40x12, need at least 60x16"), keeps polling,
and gives the view back as soon as the window is large enough again (see KafkaTuiApp.check_size).
While it shows, only Q / ctrl+c (quit), p (pause) and space (refresh) do anything.

Pushing and popping it at every crossing of the minimum is what made a resize storm hang the app
in Textual 8 (issue 12): GuardedScreen, which every kafkatui screen takes, is the fix.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import GuardedScreen

MIN_COLS = 60
MIN_ROWS = 16


def is_too_small(size: Size | tuple[int, int]) -> bool:
    width, height = size
    return width < MIN_COLS or height < MIN_ROWS


def too_small_message(size: Size | tuple[int, int]) -> str:
    width, height = size
    return f"window too small: {width}x{height}, need at least {MIN_COLS}x{MIN_ROWS}"


class TooSmallScreen(GuardedScreen, ModalScreen[None]):
    """Covers the whole terminal with the size message; the app pops it when the window grows.

    Why its own BINDINGS: it is a modal screen, and Textual 8 looks up the keys of a modal screen
    in that screen only (`Screen._modal_binding_chain` stops at the first modal node), so the
    app's Q, p and space never reached it and only ctrl+c (a priority binding) quit. The three
    keys it promises are bound here to the app's actions.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("Q", "app.quit", "Quit", show=False),
        Binding("p", "app.toggle_pause", "Pause", show=False),
        Binding("space,ctrl+r", "app.refresh_now", "Refresh now", show=False),
    ]

    DEFAULT_CSS = """
    TooSmallScreen {
        align: center middle;
        background: $background;
    }
    TooSmallScreen #too-small {
        width: 100%;
        height: auto;
        text-align: center;
        padding: 0 1;
    }
    """

    def __init__(self, size: Size | tuple[int, int]) -> None:
        super().__init__()  # no fixed id: a view left while small keeps its own until shown again
        self._window = tuple(size)

    def compose(self) -> ComposeResult:
        yield Static(self._text(), id="too-small", markup=False)

    def _text(self) -> Text:
        message = too_small_message(self._window)
        if len(message) + 2 > self._window[0]:  # "window too small: 40x12," / "need at least 60x16"
            message = message.replace(", ", ",\n")
        text = Text(message, style=f"bold {semantic(self.app, 'warning')}")
        text.append("\n")
        text.append("make it larger, or press Q to quit", style=semantic(self.app, "muted"))
        return text

    @property
    def message(self) -> str:
        return too_small_message(self._window)

    def show_size(self, size: Size | tuple[int, int]) -> None:
        """The window changed but is still too small: update the numbers."""
        if tuple(size) == self._window:
            return
        self._window = tuple(size)
        if self.is_mounted:
            self.query_one("#too-small", Static).update(self._text())
