"""SVG snapshots of every view at 80x24 and 160x48 (and the too-small screen), over frozen data.

Why frozen data inside the real app shell: the point is determinism (same pixels every run)
while still showing what the operator sees, header and footer included. Regenerate after an
intended change with `python -m pytest tests/ui/test_snapshots.py --snapshot-update`, then
look at the SVGs in tests/ui/__snapshots__/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from kafkatui.refresh.state import Source
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.screens.help import HelpScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.processes import ProcessesScreen
from kafkatui.ui.screens.security import SecurityScreen
from kafkatui.ui.screens.too_small import TooSmallScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.table import FilterTable
from kafkatui.ui.zookeeper.quorum import QuorumScreen
from kafkatui.ui.zookeeper.screen import ZooKeeperScreen
from kafkatui.ui.zookeeper.tree import ZnodeTree
from tests.ui.fixtures import frozen_app, frozen_state, kraft_state, screen_text, stale, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Steps = Callable[[Any], Awaitable[None]]


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """ZooKeeper ctime/mtime and "stale since" are local times; pin the zone for stable pixels."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def view(key: str, screen_type: type, *then: Steps) -> Steps:
    async def run(pilot: Any) -> None:
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=screen_type.__name__)
        await pilot.pause()
        for step in then:
            await step(pilot)
        await pilot.pause()

    return run


def drill(screen_type: type, *keys: str, until: str = "") -> Steps:
    async def run(pilot: Any) -> None:
        await pilot.press(*keys, "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=screen_type.__name__)
        if until:
            await wait_for(pilot, lambda: until in screen_text(pilot.app), what=until)

    return run


def jump(path: str, until: str) -> Steps:
    async def run(pilot: Any) -> None:
        tree = pilot.app.screen.query_one(ZnodeTree)
        await wait_for(pilot, lambda: len(tree.root.children) > 3, what="ZooKeeper root")
        pilot.app.screen.select_path(path)
        await wait_for(pilot, lambda: until in screen_text(pilot.app), what=until)

    return run


def typed_filter(pattern: str) -> Steps:
    async def run(pilot: Any) -> None:
        await pilot.press("slash", *pattern)
        table = pilot.app.screen.query_one(FilterTable)
        await wait_for(pilot, lambda: table.filter_pattern == pattern, what="filter")
        pilot.app.focused.cursor_blink = False  # a blinking cursor drew either phase: a flaky snapshot
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
def test_topics(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(), terminal_size=size, run_before=view("3", TopicsScreen))


@pytest.mark.parametrize("size", SIZES)
def test_topics_internal_filtered_stale(snap_compare: Any, size: tuple[int, int]) -> None:
    app = frozen_app(stale(frozen_state(), Source.CLUSTER))
    steps = view("3", TopicsScreen, lambda pilot: pilot.press("i"), typed_filter("^[lo_]"))
    assert snap_compare(app, terminal_size=size, run_before=steps)


@pytest.mark.parametrize("size", SIZES)
def test_topic_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    steps = view("3", TopicsScreen, drill(TopicDetailScreen, "j", "j", "j", until="overrides"))
    assert snap_compare(frozen_app(), terminal_size=size, run_before=steps)


@pytest.mark.parametrize("size", SIZES)
def test_groups(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(), terminal_size=size, run_before=view("4", GroupsScreen))


@pytest.mark.parametrize("size", SIZES)
def test_group_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    steps = view("4", GroupsScreen, drill(GroupDetailScreen, "j", "j", until="billing-2"))
    assert snap_compare(frozen_app(), terminal_size=size, run_before=steps)


@pytest.mark.parametrize("size", SIZES)
def test_zookeeper(snap_compare: Any, size: tuple[int, int]) -> None:
    steps = view("5", ZooKeeperScreen, jump("/brokers/ids/1", until="Broker 1 registration"))
    assert snap_compare(frozen_app(), terminal_size=size, run_before=steps)


@pytest.mark.parametrize("size", SIZES)
def test_quorum(snap_compare: Any, size: tuple[int, int]) -> None:
    app = frozen_app(kraft_state(), zookeeper=False)
    assert snap_compare(app, terminal_size=size, run_before=view("5", QuorumScreen))


@pytest.mark.parametrize("size", SIZES)
def test_overview(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(), terminal_size=size, run_before=view("1", OverviewScreen))


@pytest.mark.parametrize("size", SIZES)
def test_overview_stale_groups_and_kraft(snap_compare: Any, size: tuple[int, int]) -> None:
    """KRaft quorum panel under the brokers, and a failing source named in the header's error line."""
    app = frozen_app(stale(kraft_state(), Source.GROUPS, error="groups: timed out after 4.0s"), zookeeper=False)
    assert snap_compare(app, terminal_size=size, run_before=view("1", OverviewScreen))


@pytest.mark.parametrize("size", SIZES)
def test_processes(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(), terminal_size=size, run_before=view("2", ProcessesScreen))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Any, size: tuple[int, int]) -> None:
    steps = view("3", TopicsScreen, lambda pilot: pilot.press("question_mark"))

    async def run(pilot: Any) -> None:
        await steps(pilot)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="help")
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", [pytest.param((40, 12), id="40x12"), pytest.param((59, 20), id="59x20")])
def test_too_small(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TooSmallScreen), what="too-small screen")
        await wait_for(pilot, lambda: f"{size[0]}x{size[1]}" in screen_text(pilot.app), what="its message")

    assert snap_compare(frozen_app(), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_security(snap_compare: Any, size: tuple[int, int]) -> None:
    """ACLs (a DENY, a hostile principal escaped), client quotas and SCRAM users, reached with `:acls`."""
    async def run(pilot: Any) -> None:
        await pilot.press("colon", "a", "c", "l", "s", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SecurityScreen), what="security view")
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=size, run_before=run)
