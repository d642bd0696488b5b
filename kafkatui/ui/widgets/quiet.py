"""QuietStatic: a Static that ignores updates which would not change what it shows.

Why: Textual repaints a widget's whole region on every `update`, even with identical content,
and over SSH those bytes add up at every refresh. Views call `show(...)` with freshly built Text
on each refresh; only real changes reach the terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class QuietStatic(Static):
    """Static with `show(content)`: update only when the text or its styles changed."""

    def __init__(self, content: str | Text = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(content, id=id, classes=classes, markup=False)
        self._key = content.markup if isinstance(content, Text) else content

    def show(self, content: str | Text) -> bool:
        """Returns True when the content changed and was written."""
        key = content.markup if isinstance(content, Text) else content
        if key == self._key:
            return False
        self._key = key
        self.update(content)
        return True
