"""Pilot tests of the data views over frozen state, inside the real app shell (no cluster).

What they pin down: filtering (regex, `!`, invalid regex), sorting, in-place updates that
keep the cursor and write nothing when nothing changed, internal-topic toggle, drill in/out,
a topic/group/znode deleted while open, and hostile strings shown escaped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from rich.text import Text
from textual._compositor import CompositorUpdate
from textual.app import App

from kafkatui.model import (
    Group,
    GroupMember,
    GroupPartition,
    LagStatus,
    NotFoundError,
    QuorumSnapshot,
    SourceError,
    Topic,
)
from kafkatui.refresh.state import Source
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable
from kafkatui.ui.zookeeper.quorum import QuorumScreen
from kafkatui.ui.zookeeper.screen import ZooKeeperScreen
from kafkatui.ui.zookeeper.tree import MAX_CHILDREN, ZnodeTree
from tests.ui.fixtures import (
    HOSTILE,
    answer,
    cluster_snapshot,
    frozen_app,
    frozen_state,
    groups_snapshot,
    kraft_state,
    screen_text,
    stale,
    wait_for,
    zk_snapshot,
)

SIZE = (120, 36)


async def show(pilot: Any, key: str, screen_type: type) -> Any:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=f"{screen_type.__name__}")
    await pilot.pause()
    return pilot.app.screen


def table(app: Any, table_id: str) -> FilterTable:
    return app.screen.query_one(f"#{table_id}", FilterTable)


# --------------------------------------------------------------------------- topics


async def test_topics_hide_internal_until_i() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        topics = table(app, "topics-table")
        assert topics.visible_keys() == ["customers", "empty", "logs", "orders", "payments"]
        assert "6 topics, 1 hidden internal" in screen_text(app)
        await pilot.press("i")
        await wait_for(pilot, lambda: "__consumer_offsets" in topics.visible_keys())
        assert "hidden internal" not in screen_text(app)
        assert "⚠ URP 1" in screen_text(app)  # the flag is readable without colour


async def test_filter_regex_inverted_and_invalid() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        topics = table(app, "topics-table")
        await pilot.press("slash", *"^(ord|pay)")
        await wait_for(pilot, lambda: topics.visible_keys() == ["orders", "payments"], what="regex filter")
        assert "2 match" in screen_text(app)
        await pilot.press("enter")  # keeps the filter, focus back on the table
        assert app.focused is topics and topics.filter_pattern == "^(ord|pay)"

        topics.set_filter("!^(ord|pay)")
        await pilot.pause()
        assert topics.visible_keys() == ["customers", "empty", "logs"]

        error = topics.set_filter("ord[")  # invalid regex: plain substring, and say so
        await pilot.pause()
        assert error and "invalid regex" in error
        assert topics.visible_keys() == []
        assert "invalid regex" in screen_text(app)

        await pilot.press("escape")  # Esc on the table clears an active filter first ...
        await pilot.pause()
        assert len(topics.visible_keys()) == 5 and isinstance(app.screen, TopicsScreen)


async def test_sort_cycles_and_reverses() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        topics = table(app, "topics-table")
        await pilot.press("s")  # name -> partitions
        await pilot.pause()
        assert topics.sort_column == "partitions"
        assert topics.visible_keys() == ["empty", "customers", "payments", "logs", "orders"]
        await pilot.press("S")
        await pilot.pause()
        assert topics.visible_keys() == ["orders", "logs", "payments", "customers", "empty"]
        assert "Parts▼" in screen_text(app)
        topics.sort_by("size", reverse=True)
        await pilot.pause()
        assert topics.visible_keys()[0] == "logs"


async def test_update_in_place_keeps_cursor_and_rows() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        topics = table(app, "topics-table")
        await pilot.press("j", "j", "j")
        assert topics.cursor_key == "orders"

        snap = cluster_snapshot(drop="customers", extra_topics=(Topic("aardvark", False, ()),))
        orders = snap.topic("orders")
        assert orders is not None
        changed = replace(orders, msgs_per_s=999.0)
        snap = replace(snap, topics=tuple(changed if t.name == "orders" else t for t in snap.topics))
        app.set_state(frozen_state(cluster=snap))
        await pilot.pause()

        assert topics.visible_keys() == ["aardvark", "empty", "logs", "orders", "payments"]
        assert topics.cursor_key == "orders"  # same topic under the cursor although rows moved
        assert "999/s" in screen_text(app)  # what a refresh re-renders: test_table_scale.py


async def test_unchanged_refresh_writes_nothing() -> None:
    """Equal data writes nothing; the positive control (a new row) proves the spy sees writes."""
    app = frozen_app()
    written: list[int] = []
    display = app._display  # spy on what the compositor would send to the terminal

    def spy(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            written.append(len(renderable.render_segments(app.console)))
        display(screen, renderable)

    app._display = spy  # type: ignore[method-assign]
    new_row = {
        TopicsScreen: frozen_state(cluster=cluster_snapshot(extra_topics=(Topic("aardvark", False, ()),))),
        GroupsScreen: frozen_state(groups=groups_snapshot(extra=(Group("aardvark", "Empty", "consumer", "", (), ()),))),
    }
    async with app.run_test(size=SIZE) as pilot:
        for key, screen_type in (("3", TopicsScreen), ("4", GroupsScreen)):
            await show(pilot, key, screen_type)
            await pilot.pause(0.2)
            written.clear()
            app.set_state(frozen_state())  # equal data, all new objects
            await pilot.pause(0.2)
            assert sum(written) == 0, f"{screen_type.__name__} repainted on an unchanged refresh"

            app.set_state(new_row[screen_type])  # something visible changed: the spy must see it written
            await wait_for(pilot, lambda: "aardvark" in screen_text(app), what="the new row")
            await pilot.pause(0.2)
            assert sum(written) > 0, f"{screen_type.__name__}: a new row was shown but the spy saw no write"
            app.set_state(frozen_state())
            await wait_for(pilot, lambda: "aardvark" not in screen_text(app), what="the row gone again")


async def test_overview_filters_the_table_the_slash_was_pressed_in() -> None:
    """The footer offers `/` on the overview's tables, so the prompt must exist there too."""
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(table(app, "overview-brokers").visible_keys()) == 3, what="three brokers")
        brokers = table(app, "overview-brokers")
        assert app.focused is brokers
        await pilot.press("slash", *"19093")
        await wait_for(pilot, lambda: len(brokers.visible_keys()) == 1, what="brokers filtered to one")
        assert "19093" in brokers.plain_row(brokers.visible_keys()[0])
        await pilot.press("enter")
        assert app.focused is brokers and brokers.filter_pattern == "19093"
        await pilot.press("escape")  # clears the filter first, and stays on the overview
        await wait_for(pilot, lambda: len(brokers.visible_keys()) == 3, what="filter cleared")
        assert app.screen.id == "overview"


# --------------------------------------------------------------------------- topic detail


async def test_topic_detail_partitions_configs_and_back() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        await pilot.press("j", "j", "j")
        await show(pilot, "enter", TopicDetailScreen)
        assert app.screen.topic == "orders"
        parts = table(app, "topic-partitions")
        configs = table(app, "topic-configs")
        await wait_for(pilot, lambda: configs.total_count == 8, what="configs")
        assert ("configs", ("topic", "orders")) in app.requests
        assert parts.visible_keys() == [str(i) for i in range(6)]
        text = screen_text(app)
        assert "3,1 2✗" in text  # broker 2 out of the ISR, marked
        assert "1★" in text  # preferred leader
        assert "● " in text and "3 overrides of 8" in text
        assert "(sensitive)" in text

        await pilot.press("c")  # re-request configs
        await wait_for(pilot, lambda: app.requests.count(("configs", ("topic", "orders"))) == 2)

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen))
        assert table(app, "topics-table").cursor_key == "orders"


async def test_topic_deleted_while_open() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        app.open_topic("orders")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen))
        app.set_state(frozen_state(cluster=cluster_snapshot(drop="orders")))
        await pilot.pause()
        assert "topic orders no longer exists" in screen_text(app)
        assert table(app, "topic-partitions").row_count == 0
        assert app.view_errors == []


async def test_topic_configs_error_and_stale_banner() -> None:
    app = frozen_app(stale(frozen_state(), Source.CLUSTER))

    def failing(kind: str, args: tuple[Any, ...]) -> Any:
        raise SourceError("kafka", "describe_configs timed out")

    app.answer = failing  # type: ignore[attr-defined]
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "3", TopicsScreen)
        app.open_topic("payments")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen))
        await wait_for(pilot, lambda: "could not load" in screen_text(app), what="config error")
        assert "describe_configs timed out" in screen_text(app)
        assert "STALE since" in app.screen.query_one(StaleBanner).text


# --------------------------------------------------------------------------- groups


async def test_groups_list_and_detail() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "4", GroupsScreen)
        groups = table(app, "groups-table")
        assert groups.visible_keys() == ["analytics", "audit", "billing"]  # worst status first
        text = screen_text(app)
        assert "■ STOP" in text and "✓ OK" in text and "200,222" in text

        await show(pilot, "enter", GroupDetailScreen)
        assert app.screen.group_id == "analytics"
        text = screen_text(app)
        assert "no members; committed offsets unchanged" in text
        assert "Lag trend" in text and "↑" in text
        assert table(app, "group-partitions").row_count == 4

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen))
        app.open_group("billing")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen))
        await pilot.pause()
        members = table(app, "group-members")
        assert members.total_count == 2
        assert "orders[0,1,2] payments[0,1]" in screen_text(app)


async def test_group_deleted_while_open() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "4", GroupsScreen)
        app.open_group("billing")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen))
        snap = groups_snapshot()
        app.set_state(frozen_state(groups=replace(snap, groups=tuple(g for g in snap.groups if g.id != "billing"))))
        await pilot.pause()
        assert "group billing no longer exists" in screen_text(app)
        assert table(app, "group-partitions").row_count == 0


# --------------------------------------------------------------------------- ZooKeeper


async def zk_screen(pilot: Any) -> ZooKeeperScreen:
    screen = await show(pilot, "5", ZooKeeperScreen)
    tree = screen.query_one(ZnodeTree)
    await wait_for(pilot, lambda: len(tree.root.children) > 5, what="root children")
    return screen


async def test_zookeeper_jump_shows_data_stat_and_meaning() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await zk_screen(pilot)
        screen.select_path("/brokers/ids/1")
        await wait_for(pilot, lambda: "Broker 1 registration" in screen_text(app), what="meaning line")
        text = screen_text(app)
        assert screen.query_one(ZnodeTree).cursor_path == "/brokers/ids/1"
        assert "brokers / ids / 1" in text  # breadcrumb
        assert '"host": "127.0.0.1"' in text  # JSON pretty-printed
        assert "czxid 0x100000025" in text and "(ephemeral)" in text


async def test_zookeeper_caps_huge_nodes_and_jumps_past_the_cap() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await zk_screen(pilot)
        tree = screen.query_one(ZnodeTree)
        screen.select_path("/many")
        await wait_for(pilot, lambda: tree.cursor_path == "/many")
        many = next(n for n in tree.root.children if n.data == "/many")
        await wait_for(pilot, lambda: len(many.children) == MAX_CHILDREN + 1, what="capped children")
        assert str(many.children[-1].label) == "… 1,500 more (use : to jump)"
        screen.select_path("/many/n02400")
        await wait_for(pilot, lambda: tree.cursor_path == "/many/n02400", what="jump beyond the cap")


async def test_zookeeper_node_deleted_and_missing_path() -> None:
    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await zk_screen(pilot)
        screen.select_path("/brokers/ids/2")
        await wait_for(pilot, lambda: "Broker 2 registration" in screen_text(app))

        def gone(kind: str, args: tuple[Any, ...]) -> Any:
            if args and args[0] == "/brokers/ids/2":
                raise NotFoundError("zookeeper", "node /brokers/ids/2 no longer exists")  # as the source says it
            return answer(kind, args)

        app.answer = gone  # type: ignore[attr-defined]
        app.set_state(frozen_state(zookeeper=replace(zk_snapshot(), fetched_at=zk_snapshot().fetched_at + 5)))
        await wait_for(pilot, lambda: "node /brokers/ids/2 no longer exists" in screen_text(app))

        screen.select_path("/brokers/nope/x")
        tree = screen.query_one(ZnodeTree)
        await wait_for(pilot, lambda: tree.cursor_path == "/brokers", what="cursor on deepest existing node")
        await pilot.press("j")  # the tree stays usable
        await pilot.pause()
        assert tree.cursor_path == "/brokers/ids"


async def test_quorum_view_on_kraft_and_note_in_zk_mode() -> None:
    app = frozen_app(kraft_state(), zookeeper=False)
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "5", QuorumScreen)
        text = screen_text(app)
        assert "leader 1 · epoch 7 · high watermark 5,321" in text
        assert "★ leader" in text and "observer" in text and "⚠ 221" in text

    app = frozen_app()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(QuorumScreen())
        await wait_for(pilot, lambda: "ZooKeeper mode" in screen_text(app))


async def test_quorum_view_shows_its_own_poll_when_it_is_newer_than_the_full_one() -> None:
    """The quorum view polls only the quorum (Source.QUORUM, issue 14): its answer is what it shows
    once it is newer than the full cluster poll's quorum."""
    state = kraft_state()
    cluster = state.cluster
    assert cluster is not None and cluster.quorum is not None
    newer = replace(cluster.quorum, leader_id=2, leader_epoch=8)
    app = frozen_app(replace(state, quorum=QuorumSnapshot(cluster.fetched_at + 1, 0.01, True, newer, 1)),
                     zookeeper=False)
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "5", QuorumScreen)
        assert "leader 2 · epoch 8" in screen_text(app)
        app.set_state(replace(app.state, quorum=replace(app.state.quorum, fetched_at=cluster.fetched_at - 1)))
        await wait_for(pilot, lambda: "leader 1 · epoch 7" in screen_text(app), what="the newer, full poll's quorum")


# --------------------------------------------------------------------------- terminal safety


def hostile_state() -> Any:
    topic = Topic(HOSTILE, False, ())
    member = GroupMember("m-1", HOSTILE, "/" + HOSTILE, ((HOSTILE, 0),))
    group = Group(
        HOSTILE,
        "Stable",
        "consumer",
        "range",
        (member,),
        (GroupPartition(HOSTILE, 0, 1, 5, HOSTILE),),
        LagStatus.OK,
        HOSTILE,
    )
    return frozen_state(cluster=cluster_snapshot(extra_topics=(topic,)), groups=groups_snapshot(extra=(group,)))


async def assert_escaped(pilot: Any) -> None:
    """The hostile name is on screen, visibly escaped, and no raw ESC/BEL reaches the terminal."""
    await wait_for(pilot, lambda: "\\x1b]52" in screen_text(pilot.app), what="escaped hostile string")
    text = screen_text(pilot.app)
    assert "\x1b" not in text and "\x07" not in text, "a raw control character reached the screen"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_hostile_strings_are_shown_escaped(size: tuple[int, int]) -> None:
    app = frozen_app(hostile_state())
    async with app.run_test(size=size) as pilot:
        await show(pilot, "3", TopicsScreen)
        table(app, "topics-table").set_filter("evil")
        await pilot.pause()
        await assert_escaped(pilot)
        app.open_topic(HOSTILE)
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen))
        await assert_escaped(pilot)

        await show(pilot, "4", GroupsScreen)
        await assert_escaped(pilot)
        app.open_group(HOSTILE)
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen))
        await pilot.pause()
        await assert_escaped(pilot)

        screen = await zk_screen(pilot)
        screen.select_path(f"/hostile/{HOSTILE}")
        await wait_for(pilot, lambda: screen.query_one(ZnodeTree).cursor_path == f"/hostile/{HOSTILE}")
        await assert_escaped(pilot)


HOSTILE_ERROR = "\x1b]52;c;aGVsbG8=\x07\x1b[2J"  # OSC 52 clipboard write + clear screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_hostile_source_errors_are_shown_escaped(size: tuple[int, int]) -> None:
    """Errors quote the cluster (group ids, brokers' error messages): the StaleBanner (Kafka,
    covered by the topics view) and the header (groups, not covered there) show them escaped."""
    state = stale(frozen_state(), Source.CLUSTER, error=f"partial refresh: describe group g{HOSTILE_ERROR}: boom")
    state = stale(state, Source.GROUPS, error=f"groups: offsets of group h{HOSTILE_ERROR}: failed")
    app = frozen_app(state)
    async with app.run_test(size=size) as pilot:
        await show(pilot, "3", TopicsScreen)
        await wait_for(pilot, lambda: "\\x1b]52" in screen_text(app), what="escaped error")
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text, "a raw control character reached the screen"
        assert "describe group g\\x1b]52;c;aGVsbG8=\\x07\\x1b[2J" in app.screen.query_one(StaleBanner).text
        assert "group h\\x1b]52" in text  # the header's error line


# --------------------------------------------------------------------------- small terminals


async def test_every_view_renders_at_80x24_without_errors() -> None:
    app = frozen_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, "3", TopicsScreen)
        assert all(w in screen_text(app) for w in ("Topic", "Messages", "Size", "Health", "orders"))
        await show(pilot, "enter", TopicDetailScreen)
        await show(pilot, "4", GroupsScreen)
        assert all(w in screen_text(app) for w in ("Group", "Total lag", "Status", "billing"))
        await show(pilot, "enter", GroupDetailScreen)
        await zk_screen(pilot)
        assert app.view_errors == []


# --------------------------------------------------------------------------- FilterTable itself


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str] = []

    def compose(self) -> Any:
        yield FilterTable([Col("name", "Name"), Col("n", "N", width=6, justify="right")], id="t")

    def on_filter_table_row_chosen(self, event: FilterTable.RowChosen) -> None:
        self.chosen.append(event.row_key)


async def test_filter_table_diffs_colour_changes_and_vanished_cursor_row() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        t = app.query_one(FilterTable)
        t.set_rows([(k, (k, i)) for i, k in enumerate(["a", "b", "c", "d"])])
        await pilot.pause()
        await pilot.press("j", "j")
        assert t.cursor_key == "c"

        t.set_rows([("a", ("a", 0)), ("b", (Text("b", style="red"), 1)), ("d", ("d", 3))])
        await pilot.pause()
        assert t.visible_keys() == ["a", "b", "d"]
        assert t.cursor_key == "d"  # the row under the cursor vanished: same index, next row
        assert t.get_cell("b", "name").style == "red"  # a colour-only change is applied

        t.set_filter("^d$")  # anchors match a single cell, not just the whole row
        await pilot.pause()
        assert t.visible_keys() == ["d"]
        t.set_filter("!^d$")
        await pilot.pause()
        assert t.visible_keys() == ["a", "b"]

        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chosen, what="RowChosen")
        assert app.chosen == [t.cursor_key]


async def test_filter_table_keys_and_clicks_move_the_cursor_and_keep_it_on_screen() -> None:
    rows = [(f"r{i:03d}", (f"row-{i:03d}", i)) for i in range(300)]
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        t = app.query_one(FilterTable)
        t.set_rows(rows)
        t.focus()
        await pilot.pause()
        page = t.size.height - 1  # rows under the header
        await pilot.press("G")
        assert t.cursor_key == "r299" and "row-299" in screen_text(app) and "row-000" not in screen_text(app)
        await pilot.press("k", "up")
        assert t.cursor_key == "r297"
        await pilot.press("home")
        assert t.cursor_key == "r000" and "row-000" in screen_text(app)
        await pilot.press("ctrl+f")
        assert t.cursor_row == page and f"row-{page:03d}" in screen_text(app)
        await pilot.press("pagedown", "ctrl+b")
        assert t.cursor_row == page
        await pilot.press("pageup", "j", "down", "end", "g")
        assert t.cursor_key == "r000"

        await pilot.press("G")  # a row added above the cursor: the cursor stays on its row, on screen
        t.set_rows([("new", ("row-new", -1)), *rows])
        await pilot.pause()
        assert t.cursor_key == "r299" and t.cursor_row == 300 and "row-299" in screen_text(app)

        t.scroll_to(y=100, animate=False)  # the wheel moves the view, not the cursor
        await pilot.pause()
        t.set_rows([("new", ("row-new", -2)), *rows])  # a refresh does not scroll back to the cursor
        await pilot.pause()
        assert t.scroll_offset.y == 100 and t.cursor_key == "r299" and "row-100" in screen_text(app)

        top = t.scroll_offset.y
        await pilot.click(FilterTable, offset=(3, 2))  # the second row on screen
        assert t.cursor_row == top + 1
        assert app.chosen == []
        await pilot.click(FilterTable, offset=(3, 2))  # again, on the cursor row: chosen
        await wait_for(pilot, lambda: app.chosen, what="RowChosen from a click")
        assert app.chosen == [t.cursor_key]


async def test_group_without_any_known_lag_shows_unknown_not_zero() -> None:
    group = Group("never-committed", "Empty", "consumer", "", (), (GroupPartition("orders", 0, None, 500),))
    app = frozen_app(frozen_state(groups=groups_snapshot(extra=(group,))))
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, "4", GroupsScreen)
        row = table(app, "groups-table").plain_row("never-committed")
        assert "orders — " in row  # total lag: unknown, not 0
        app.open_group("never-committed")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen))
        await wait_for(pilot, lambda: "total lag unknown" in screen_text(app), what="unknown total lag")
