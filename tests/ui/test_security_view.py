"""The security view over frozen data: reached with `:`, three tables Tab apart, `/` filters the
focused one, a part the cluster will not give is said in its title, cluster strings are escaped."""

from __future__ import annotations

from dataclasses import replace

from kafkatui.refresh.state import Source
from kafkatui.ui.screens.security import SecurityScreen
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.conftest import type_text
from tests.ui.fixtures import frozen_app, frozen_state, screen_text, security_snapshot, wait_for


async def open_by_palette(pilot, word: str) -> None:
    await pilot.press("colon")
    await type_text(pilot, word)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SecurityScreen), what=f":{word}")
    await pilot.pause()


async def test_palette_words_open_the_view_on_their_table() -> None:
    app = frozen_app()
    async with app.run_test(size=(160, 48)) as pilot:
        for word, table in (("quotas", "security-quotas"), ("users", "security-users"), ("acls", "security-acls"),
                            ("security", "security-acls")):
            await pilot.press("1")
            await open_by_palette(pilot, word)
            await wait_for(pilot, lambda t=table: app.focused is not None and app.focused.id == t, what=table)
        assert app.view_name == "security"


async def test_tables_show_each_part_and_tab_and_filter_act_on_the_focused_one() -> None:
    app = frozen_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_by_palette(pilot, "acls")
        text = screen_text(app)
        assert ["User:monitor", "*", "ALL", "DENY", "TOPIC", "secret-", "PREFIXED"] in [
            line.split() for line in text.splitlines()]
        assert "ACLs 4" in text and "Client quotas 2" in text and "SCRAM users 2" in text
        quota = next(line for line in text.splitlines() if "user=monitor" in line).split()
        assert quota == ["user=monitor", "1.0", "MiB/s", "—", "50%"], quota
        assert "user=<default> client-id=batch" in text
        monitor = next(line for line in text.splitlines() if "SCRAM-SHA-256" in line).split()
        assert monitor == ["monitor", "SCRAM-SHA-256,", "SCRAM-SHA-512", "8192,", "4096"], monitor
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "security-quotas"
        await pilot.press("slash")
        await type_text(pilot, "batch")
        await pilot.press("enter")
        quotas = app.screen.query_one("#security-quotas", FilterTable)
        acls = app.screen.query_one("#security-acls", FilterTable)
        await wait_for(pilot, lambda: quotas.visible_count == 1, what="quota filter")
        assert acls.visible_count == 4 and "Client quotas 1/2" in screen_text(app)


async def test_unavailable_parts_are_said_in_their_titles_and_strings_escaped() -> None:
    security = replace(security_snapshot(), acls=None, scram_users=None, unavailable={
        "acls": "no authorizer configured (SECURITY_DISABLED)",
        "scram_users": "not authorized (ClusterAuthorizationFailedError)"})
    app = frozen_app(frozen_state(security=security))
    async with app.run_test(size=(160, 48)) as pilot:
        await open_by_palette(pilot, "security")
        text = screen_text(app)
        assert "ACLs no authorizer configured (SECURITY_DISABLED)" in text
        assert "SCRAM users not authorized (ClusterAuthorizationFailedError)" in text
        assert "Client quotas 2" in text
        assert not app.screen.query_one("#security-stale").text  # a fact, not a stale source
    app = frozen_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_by_palette(pilot, "acls")
        text = screen_text(app)
        assert "\x1b[2J" not in text and "\x1b]0;" not in text and "\x07" not in text
        assert "User:evil" in text and "orders" in text


def test_the_view_asks_only_for_the_security_source() -> None:
    assert SecurityScreen.SOURCES == frozenset({Source.SECURITY})
