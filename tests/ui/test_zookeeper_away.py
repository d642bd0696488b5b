"""What the app says when ZooKeeper is away (issue 12, item 8).

- ZooKeeper configured but not answering (a port where nothing listens: a real refused connect):
  the ZooKeeper view must say the server cannot be reached, not that a node "no longer exists".
- A KRaft cluster (the real KRaft variant of the local cluster): view 5 is the quorum view, so the
  header, `?` and the `:` palette call it that, and the palette offers no znode paths.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kafkatui.config import load_settings
from kafkatui.model import NotFoundError, UnreachableError
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.commands import JumpProvider
from kafkatui.ui.screens.help import HelpScreen
from kafkatui.ui.widgets.header import AppHeader
from kafkatui.ui.zookeeper.quorum import QuorumScreen
from kafkatui.ui.zookeeper.screen import ZooKeeperScreen
from kafkatui.zookeeper.source import ZooKeeperSource
from tests.ui.fixtures import frozen_app, kraft_state, screen_text, wait_for


def unused_port() -> int:
    """A loopback port nothing listens on (bound, read, released): connects to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def header_title(app: Any) -> str:
    """The header's first part as the terminal shows it ("kafkatui quorum · local")."""
    return screen_text(app).splitlines()[0]


async def jump_hits(app: Any, query: str) -> list[str]:
    """The `:` palette's hits for `query`, straight from its provider (no fuzzy-list scrolling)."""
    provider = JumpProvider(app.screen)
    return [hit.text async for hit in provider.search(query) if hit.text]


# --------------------------------------------------------------------------- ZooKeeper down


def test_a_zookeeper_that_does_not_answer_is_unreachable_not_a_missing_node() -> None:
    source = ZooKeeperSource(f"127.0.0.1:{unused_port()}", timeout_s=1.0)
    try:
        with pytest.raises(UnreachableError) as err:
            source.node("/")
        assert not isinstance(err.value, NotFoundError)
        with pytest.raises(UnreachableError):
            source.children("/")
        with pytest.raises(UnreachableError):
            source.refresh()
    finally:
        source.close()


@pytest.mark.live
def test_a_deleted_node_is_not_found(cluster: Any) -> None:
    """The control: the same source on the real ZooKeeper says NotFound for a node that is not there."""
    source = ZooKeeperSource(cluster.zookeeper, timeout_s=4.0)
    try:
        source.start()
        with pytest.raises(NotFoundError):
            source.node("/kafkatui-test-no-such-node")
    finally:
        source.close()


@pytest.mark.live
async def test_zookeeper_view_says_the_server_cannot_be_reached(cluster: Any, tmp_path: Path,
                                                                 wait_until: Any) -> None:
    settings = load_settings({"bootstrap": cluster.bootstrap, "zookeeper": f"127.0.0.1:{unused_port()}",
                              "refresh": 1.0}, env={}, path=tmp_path / "no-config.toml")
    app = KafkaTuiApp(settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 30, "the first cluster snapshot")
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ZooKeeperScreen), 10, "the ZooKeeper view")
        await wait_until(pilot, lambda: "✗ " in screen_text(app), 30, "the root node's error")
        text = screen_text(app)
        assert "✗ ZooKeeper cannot be reached: node / was not read" in text, text
        assert "no longer exists" not in text
        assert "it is read again once ZooKeeper answers" in text


# --------------------------------------------------------------------------- KRaft


@pytest.mark.live
@pytest.mark.kraft
async def test_kraft_view_5_is_the_quorum_view_and_no_znodes_are_offered(
    kraft_cluster: Any, tmp_path: Path, wait_until: Any
) -> None:
    settings = load_settings({"bootstrap": kraft_cluster.bootstrap, "refresh": 1.0}, env={},
                             path=tmp_path / "no-config.toml")
    app = KafkaTuiApp(settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 60, "the first cluster snapshot")
        assert app.state.cluster.kraft
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, QuorumScreen), 10, "the quorum view")
        await wait_until(pilot, lambda: app.screen.query(AppHeader) and "quorum ·" in header_title(app), 10,
                         "the header naming the view")
        assert "zookeeper" not in header_title(app).lower()

        hits = await jump_hits(app, "/brokers/ids")
        hits += await jump_hits(app, "znode /controller")
        hits += await jump_hits(app, "znode")
        assert not [h for h in hits if h.startswith("znode")], hits
        views = await jump_hits(app, "view")
        assert "view quorum" in views and "view zookeeper" not in views, views
        assert [h for h in await jump_hits(app, "topic orders") if h == "topic orders"]  # the provider works

        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 10, "help")
        text = screen_text(app)
        assert "This view: quorum" in text and "Quorum" in text and "ZooKeeper" not in text, text


@pytest.mark.live
async def test_with_zookeeper_mode_the_palette_still_offers_znodes(cluster: Any, make_app: Any,
                                                                   wait_until: Any) -> None:
    """The control for the test above: on the ZooKeeper-mode cluster the same queries find znodes."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 30, "the first cluster snapshot")
        assert "znode /brokers/ids" in await jump_hits(app, "/brokers/ids")
        assert "znode /controller" in await jump_hits(app, "znode")
        assert "view zookeeper" in await jump_hits(app, "view")
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ZooKeeperScreen)
                         and "zookeeper ·" in header_title(app), 10, "the ZooKeeper view")


async def test_kraft_with_a_zookeeper_setting_offers_no_znodes_either() -> None:
    """KRaft cluster, yet a ZooKeeper address configured (an old config file): still the quorum."""
    app = frozen_app(kraft_state(), zookeeper=True)
    async with app.run_test(size=(120, 36)) as pilot:
        app.set_state(replace(kraft_state(), zookeeper_configured=True))
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.screen, QuorumScreen), what="the quorum view")
        await wait_for(pilot, lambda: "quorum ·" in header_title(app), what="the header")
        hits = await jump_hits(app, "znode") + await jump_hits(app, "/brokers")
        assert not [h for h in hits if h.startswith("znode")], hits
