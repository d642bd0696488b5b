"""`?` help: the app's keys plus the keys of the view (and focused widget) it was opened from.

Why built from live bindings: the list is read from `Screen.active_bindings` of the view at
the moment `?` is pressed, so it can never drift from what the keys actually do.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from kafkatui.ui.palette import semantic
from kafkatui.ui.screens.base import GuardedScreen
from kafkatui.ui.widgets.pairs import PLAIN

# Keys that are not Textual bindings of ours but belong in the list (palette, tables).
EXTRA_APP_KEYS: tuple[tuple[str, str], ...] = (
    ("j/k ↑/↓", "move in tables and trees"),
    ("g/G", "top / bottom"),
    ("enter", "drill in"),
    (": theme", "switch the colour theme"),
    (": security", "ACLs, client quotas, SCRAM users (also :acls :quotas :users)"),
)


def _label(binding: Binding) -> str:
    return binding.description or binding.action.replace("_", " ")


def _bound_by(node: object, textual: bool) -> set[tuple[str, str]]:
    """(key, action) pairs that the node's Textual classes (or, `textual=False`, its other classes) bind."""
    pairs: set[tuple[str, str]] = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("textual.") == textual:
            for item in cls.__dict__.get("BINDINGS", ()):
                if isinstance(item, Binding):
                    pairs.update((key.strip(), item.action) for key in item.key.split(","))
                elif isinstance(item, tuple):
                    pairs.update((key.strip(), item[1]) for key in item[0].split(","))
    return pairs


def _textual_builtin(node: object) -> set[tuple[str, str]]:
    """(key, action) pairs that only Textual's own widget classes bind: cursor keys and the like.

    A pair one of our classes binds again is ours to list: the ZooKeeper view binds Tab to the
    same `app.focus_next` as Textual's Screen, to give it a name ("Tree/data") in this list.
    """
    return _bound_by(node, textual=True) - _bound_by(node, textual=False)


def collect_bindings(app: App, screen: Screen) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(app keys, view keys) as (key display, description) pairs, merged per action."""
    app_keys: dict[str, list[str]] = {}
    view_keys: dict[str, list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or (key, binding.action) in _textual_builtin(active.node):
            continue
        target = app_keys if active.node is app or binding.action.startswith("app.") else view_keys
        display = binding.key_display or app.get_key_display(Binding(key, binding.action))
        label = _label(binding)
        names = target.setdefault(label, [])
        names.extend(token for token in display.split() if token not in names)
    as_list = lambda d: [(" ".join(keys), label) for label, keys in d.items()]  # noqa: E731
    # A modal screen (the record detail) gets none of the app's keys, the palette and the tables included.
    extra = [] if isinstance(screen, ModalScreen) else list(EXTRA_APP_KEYS)
    return as_list(app_keys) + extra, as_list(view_keys)


class HelpScreen(GuardedScreen, ModalScreen[None]):
    """A scrollable key list over the current view; any of esc, q, ?, backspace closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,backspace", "dismiss_help", "Close", show=False),
        Binding("j,down", "scroll('down')", "Scroll", show=False),
        Binding("k,up", "scroll('up')", "Scroll", show=False),
    ]

    def __init__(self, view_name: str, app_keys: list[tuple[str, str]], view_keys: list[tuple[str, str]]) -> None:
        super().__init__(id="help")
        self.view_name = view_name
        self.app_keys = app_keys
        self.view_keys = view_keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._text(), id="help-text", markup=False)

    def _text(self) -> Text:
        """Keys in an aligned column; spaces are unstyled runs so no styled run starts with one."""
        accent = semantic(self.app, "accent")
        muted = semantic(self.app, "muted")
        text = Text()
        text.append("kafkatui keys", style="bold")
        text.append("  ")
        text.append("read-only: no key changes the cluster", style=muted)
        text.append("\n")
        text.append("esc q ? close · j k scroll", style=muted)
        text.append("\n")
        width = max((cell_len(key) for key, _ in (*self.view_keys, *self.app_keys)), default=8) + 3
        for title, pairs in ((f"This view: {self.view_name}", self.view_keys), ("Everywhere", self.app_keys)):
            text.append("\n")
            text.append(title, style="bold underline")
            text.append("\n")
            if not pairs:
                text.append("  ")
                text.append("(no keys of its own)", style=muted)
                text.append("\n")
            for key, label in pairs:
                text.append("  ")
                text.append(key, style=f"bold {accent}")
                text.append(" " * (width - cell_len(key)))
                text.append(label, style=PLAIN)
                text.append("\n")
        text.rstrip()
        return text

    def action_dismiss_help(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        body = self.query_one(VerticalScroll)
        if direction == "down":
            body.scroll_down(animate=False)
        else:
            body.scroll_up(animate=False)
