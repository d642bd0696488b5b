"""AppFooter re-composes only when the keys it shows change, and not under an open `/` prompt.

Why (issue 14): every focus change publishes a bindings change, and Textual's Footer re-composed
on each (a dozen FooterKey widgets mounted and styled): `/` and Esc paid two each on any table.
A plain Textual app, no Kafka: two widgets with different keys, one with the same keys as the
first, and a prompt that covers the footer."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from kafkatui.ui.widgets.footer import AppFooter


class Keys(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("s", "noop", "Sort"), Binding("x", "noop", "Hidden", show=False)]

    def action_noop(self) -> None:
        pass


class OtherKeys(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("d", "noop", "Describe")]

    def action_noop(self) -> None:
        pass


class Prompt(Input):
    covers_footer: ClassVar[bool] = True


class FooterApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Keys("a", id="a")
        yield Keys("b", id="b")
        yield OtherKeys("c", id="c")
        yield Prompt(id="p")
        yield AppFooter(compact=True)


def footer_text(app: FooterApp) -> str:
    return " ".join(str(k.render()) for k in app.query("FooterKey"))


async def test_the_footer_recomposes_only_when_its_keys_change(monkeypatch: Any) -> None:
    composed: list[str] = []
    recompose = AppFooter.recompose

    async def counting(self: AppFooter) -> None:
        composed.append(str(self.screen.focused.id if self.screen.focused else None))
        await recompose(self)

    monkeypatch.setattr(AppFooter, "recompose", counting)
    app = FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        app.query_one("#a").focus()
        await pilot.pause(0.2)
        assert "Sort" in footer_text(app) and "Hidden" not in footer_text(app)
        composed.clear()

        for target in ("b", "a"):  # the same keys shown: nothing to do
            app.query_one(f"#{target}").focus()
            await pilot.pause(0.2)
        assert composed == []

        app.query_one("#p").focus()  # different keys, but covered by the prompt
        await pilot.pause(0.2)
        app.query_one("#a").focus()  # back to the keys shown
        await pilot.pause(0.2)
        assert composed == []

        app.query_one("#c").focus()  # different keys: drawn
        await pilot.pause(0.2)
        assert composed == ["c"] and "Describe" in footer_text(app) and "Sort" not in footer_text(app)

        app.query_one("#p").focus()  # covered: the keys of `c` stay until it closes...
        await pilot.pause(0.2)
        app.query_one("#b").focus()  # ...on `b`, whose keys differ from `c`'s: drawn then
        await pilot.pause(0.2)
        assert composed == ["c", "b"] and "Sort" in footer_text(app)
