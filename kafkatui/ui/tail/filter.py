"""TailFilterInput: the tail's `/` prompt, over the footer line and hidden until `/`.

Why not the shared FilterInput: that one drives a FilterTable; the tail filters a ring
buffer of records (see `kafkatui.textfilter`). The keys are the same everywhere: typing
filters live (the screen handles `Input.Changed`), Enter keeps the filter, Esc clears it.
It opens over the footer on the `prompt` layer, as FilterInput does and for the same reason:
in the flow, opening it resized the list and redrew every visible record.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

PLACEHOLDER = "/regex   (!inverts; invalid regex = plain text; Enter keeps, Esc clears)"


class TailFilterInput(Input):
    # `:focus` must repeat `border: none` or Input's tall border returns.
    DEFAULT_CSS = """
    TailFilterInput { display: none; dock: bottom; layer: prompt; width: 100%; height: 1; border: none;
                      padding: 0 1; }
    TailFilterInput:focus { border: none; }
    TailFilterInput.-open { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Clear filter", show=False)]
    covers_footer: ClassVar[bool] = True  # AppFooter does not re-compose under it

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)

    def open(self, pattern: str) -> None:
        self.value = pattern
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")
        for table in self.screen.query("TailTable"):
            table.focus()

    def action_cancel(self) -> None:
        self.value = ""  # posts Changed(""), which clears the filter
        self.close()
