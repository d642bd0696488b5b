"""FilterInput: the k9s-style `/` prompt at the bottom of a table view.

Why a widget of its own: every table view filters the same way, so the behaviour lives here
once. Typing filters live; Enter keeps the filter and returns focus to the table; Esc clears
it. The input is hidden until `/` is pressed, so it costs no screen line at 80x24.

Why it opens over the footer line, on a layer of its own (app.tcss: `Screen { layers: default
prompt; }`): in the layout flow, opening and closing it took a line from the table, so every
`/` and Esc laid the screen out again and redrew every visible row of the table, the most
expensive part of those keys on a big table (issue 14). Docked on its own layer it changes no
other widget's size; the footer's key hints under it return when it closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

if TYPE_CHECKING:
    from kafkatui.ui.widgets.table import FilterTable


class FilterInput(Input):
    """A hidden Input bound to one FilterTable (by id, or the screen's only one)."""

    DEFAULT_CSS = """
    FilterInput {
        display: none;
        dock: bottom;
        layer: prompt;
        width: 100%;
        padding: 0 1;
    }
    FilterInput.-open {
        display: block;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Clear filter", show=False),
    ]
    covers_footer: ClassVar[bool] = True  # AppFooter does not re-compose under it

    def __init__(self, table_id: str | None = None, *, id: str | None = None) -> None:
        super().__init__(placeholder="/regex   (!regex inverts; Enter keeps, Esc clears)", id=id, compact=True)
        self.table_id = table_id
        self._table: FilterTable | None = None
        self._pending = False  # a filter to apply after the queued keys (big tables)

    def open(self, table: FilterTable) -> None:
        """Show the prompt for `table`, pre-filled with its current filter."""
        self._table = table
        self.value = table.filter_pattern
        self.add_class("-open")
        table.add_class("-filtering")  # keeps its focused look: no style change, no redraw of its lines
        self.focus()

    def _close(self) -> None:
        self.remove_class("-open")
        if self._table is not None:
            self._table.focus()
            self._table.remove_class("-filtering")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._table is None or not self.has_class("-open"):
            return
        if self._table.big:
            # A big table filters once per burst of keys (a paste, keys typed ahead of a slow
            # frame): the filter runs after the keys already queued, with the latest value.
            if not self._pending:
                self._pending = True
                self.call_later(self._apply)
            return
        self._apply()

    def _apply(self) -> None:
        self._pending = False
        if self._table is not None and self.has_class("-open"):
            error = self._table.set_filter(self.value)
            self.set_class(error is not None, "-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._pending:
            self._apply()
        self._close()

    def action_cancel(self) -> None:
        self.value = ""
        if self._table is not None:
            self._table.set_filter("")
        self._close()

