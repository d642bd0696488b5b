"""AppFooter: Textual's Footer without its widget leak, re-composed only when what it shows changes.

Why the leak fix: Textual 8.2's Footer re-composes on every bindings change (each view switch,
each drill-in) and data-binds every new FooterKey to `Footer.compact`. That watcher list is
pruned of closed keys only when `compact` itself changes, which never happens here, so every
switch kept about ten dead FooterKey widgets (with their styles and render caches) alive for
good: ~30,000 objects a minute of switching, more work for every full garbage collection (whose
pauses then held keys up for 200-300 ms) and steady memory growth in a long session.

Why it skips re-composing (issue 14): every focus change publishes a bindings change, and a
re-compose mounts a dozen FooterKey widgets and styles each one. `/` and Esc each cost two of
them (the prompt takes focus, then the table gets it back), most of those keys' time on a
loaded host, for a footer that showed the same keys before and after, and that the open
prompt covers (widgets with `covers_footer`, see FilterInput). So it re-composes only when the
keys it would show differ from the ones it shows, and not while a prompt covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[str, str, str, bool, str], ...]


def shown_bindings(active: Iterable[tuple[Any, Any, bool, str]]) -> Shown:
    """What Footer.compose draws from `screen.active_bindings.values()`: each shown binding's
    key, label, action, whether it is enabled and its tooltip."""
    return tuple((b.key, b.description, b.action, enabled, tooltip or "")
                 for _node, b, enabled, tooltip in active if b.show)


class AppFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._composed: Shown | None = None  # the keys the last compose drew, or the one asked for

    def compose(self) -> Any:
        if self._bindings_ready:
            self._composed = shown_bindings(self.screen.active_bindings.values())
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self._bindings_ready and self.is_attached and screen is self.screen and screen.app.app_focus:
            if getattr(screen.focused, "covers_footer", False):
                return  # drawn over: the keys shown once it closes are decided then
            shown = shown_bindings(screen.active_bindings.values())
            if shown == self._composed:
                return
            self._composed = shown  # one re-compose for a burst of signals (a focus change sends two)
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        await super().recompose()
        # Reactive._check_watchers drops watchers whose node is closing; "mutating" compact runs it.
        self.mutate_reactive(Footer.compact)
