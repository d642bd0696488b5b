"""AppFooter: Textual's Footer without its widget leak.

Why: Textual 8.2's Footer re-composes on every bindings change (each view switch, each drill-in)
and data-binds every new FooterKey to `Footer.compact`. That watcher list is pruned of closed
keys only when `compact` itself changes, which never happens here, so every switch kept about
ten dead FooterKey widgets (with their styles and render caches) alive for good: ~30,000 objects
a minute of switching, more work for every full garbage collection (whose pauses then held keys
up for 200-300 ms) and steady memory growth in a long session.
"""

from __future__ import annotations

from textual.widgets import Footer


class AppFooter(Footer):
    async def recompose(self) -> None:
        await super().recompose()
        # Reactive._check_watchers drops watchers whose node is closing; "mutating" compact runs it.
        self.mutate_reactive(Footer.compact)
