"""The data views inside the real app against the real local cluster (no mocks, no frozen data).

Every wait is a condition with a deadline (the first poll has to connect), never a fixed
sleep. The demo data comes from localcluster/seed.py: orders has 6 partitions, `billing`
consumes orders+payments, `analytics` committed once at half the end offsets (so it lags).
"""

from __future__ import annotations

from typing import Any

import pytest

from kafkatui.config import Settings
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.groups import GroupsScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.table import FilterTable
from kafkatui.ui.zookeeper.screen import ZooKeeperScreen
from kafkatui.ui.zookeeper.tree import ZnodeTree
from tests.ui.fixtures import screen_text, wait_for

SIZE = (140, 40)
FIRST_POLL_S = 40.0


def live_app(cluster: Any) -> KafkaTuiApp:
    settings = Settings(
        bootstrap=tuple(cluster.bootstrap.split(",")),
        zookeeper=cluster.zookeeper,
        cluster_name="localcluster",
        refresh_s=2.0,
    )
    return KafkaTuiApp(settings)


async def switch(pilot: Any, key: str, screen_type: type) -> Any:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=screen_type.__name__)
    return pilot.app.screen


async def choose(pilot: Any, table: FilterTable, key: str) -> None:
    """Put the cursor on row `key` the way an operator would: filter for it, then Enter."""
    await pilot.press("slash", *f"^{key}$", "enter")
    await wait_for(pilot, lambda: table.cursor_key == key, what=f"cursor on {key}")
    await pilot.press("enter")


async def test_topics_and_topic_detail(cluster: Any) -> None:
    app = live_app(cluster)
    async with app.run_test(size=SIZE) as pilot:
        screen = await switch(pilot, "3", TopicsScreen)
        topics = screen.query_one(FilterTable)
        await wait_for(
            pilot,
            lambda: {"orders", "payments"} <= set(topics.visible_keys()),
            FIRST_POLL_S,
            "orders and payments listed",
        )
        assert "__consumer_offsets" not in topics.visible_keys()  # internal hidden by default

        await choose(pilot, topics, "orders")
        detail = await wait_screen(pilot, TopicDetailScreen)
        partitions = detail.query_one("#topic-partitions", FilterTable)
        configs = detail.query_one("#topic-configs", FilterTable)
        await wait_for(pilot, lambda: partitions.visible_keys() == [str(i) for i in range(6)], 20, "6 partitions")
        await wait_for(pilot, lambda: "retention.ms" in configs.visible_keys(), 20, "topic configs")
        assert "★" in screen_text(app)  # preferred leaders are marked

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="back to topics")
        assert app.view_errors == []


async def test_groups_show_lag_and_detail(cluster: Any) -> None:
    app = live_app(cluster)
    async with app.run_test(size=SIZE) as pilot:
        screen = await switch(pilot, "4", GroupsScreen)
        groups = screen.query_one(FilterTable)
        await wait_for(
            pilot,
            lambda: {"billing", "analytics"} <= set(groups.visible_keys()),
            FIRST_POLL_S,
            "billing and analytics listed",
        )
        snapshot = app.state.groups
        assert snapshot is not None
        analytics = snapshot.group("analytics")
        assert analytics is not None and analytics.total_lag > 0
        assert f"{analytics.total_lag:,}" in groups.plain_row("analytics")

        await choose(pilot, groups, "billing")
        detail = await wait_screen(pilot, GroupDetailScreen)
        parts = detail.query_one("#group-partitions", FilterTable)
        await wait_for(pilot, lambda: parts.row_count >= 9, 20, "billing's orders+payments partitions")
        assert "Lag trend" in screen_text(app)
        assert app.view_errors == []


async def test_zookeeper_browse_broker_registration(cluster: Any) -> None:
    if cluster.zookeeper is None:
        pytest.skip("KRaft cluster: no ZooKeeper")
    app = live_app(cluster)
    async with app.run_test(size=SIZE) as pilot:
        screen = await switch(pilot, "5", ZooKeeperScreen)
        tree = screen.query_one(ZnodeTree)
        await wait_for(pilot, lambda: any(n.data == "/brokers" for n in tree.root.children), 20, "root znodes")
        screen.select_path("/brokers/ids/1")
        await wait_for(pilot, lambda: tree.cursor_path == "/brokers/ids/1", 20, "cursor on /brokers/ids/1")
        # one predicate, polled: a single read of the compositor can land between two layout passes
        await wait_for(pilot, lambda: all(part in screen_text(app) for part in (
            "Broker 1 registration", "brokers / ids / 1", "ephemeralOwner 0x", "czxid 0x")), 20,
            "the meaning line, breadcrumb and full Stat of /brokers/ids/1")
        await pilot.press("k")  # keys still move the cursor in the tree
        await wait_for(pilot, lambda: tree.cursor_path == "/brokers/ids", what="cursor moved up")
        assert app.view_errors == []


async def wait_screen(pilot: Any, screen_type: type) -> Any:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=screen_type.__name__)
    return pilot.app.screen
