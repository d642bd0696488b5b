"""The broker detail (Enter on an overview broker row) and the min-ISR marks in the topic views,
headless on frozen state (tests/ui/fixtures.py). The same conditions on the real cluster are in
tests/live/test_health_live.py."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from kafkatui.health.controller import ControllerWatch
from kafkatui.model import ClusterConfigs, LogDir, Partition, Topic
from kafkatui.ui.screens.broker_detail import BrokerDetailScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.attention import AttentionPanel
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import NOW, cluster_snapshot, frozen_app, frozen_state, screen_text, wait_for

SIZE = (130, 40)
CONFIGS = {
    1: {"broker.id": "1", "log.cleaner.backoff.ms": "15000", "num.io.threads": "8", "ssl.key.password": None},
    2: {"broker.id": "2", "log.cleaner.backoff.ms": "15001", "num.io.threads": "8", "ssl.key.password": None},
    3: {"broker.id": "3", "log.cleaner.backoff.ms": "15000", "num.io.threads": "8", "ssl.key.password": None},
}


def _state() -> Any:
    base = cluster_snapshot()
    dirs = (
        LogDir(2, "/srv/kafka/2/logs", None, 20_000_000_000, 9_000_000_000, 60_000_000,
               fill_bytes_per_s=9_000_000_000 / 7200),  # full in two hours
        LogDir(2, "/srv/kafka/2/logs2", "KafkaStorageException", None, None, 0),
        LogDir(1, "/srv/kafka/1/logs", None, 20_000_000_000, 9_100_000_000, 60_000_000),
    )
    configs = ClusterConfigs(NOW, {}, 1, CONFIGS)
    return frozen_state(cluster=replace(base, log_dirs=dirs, configs=configs))


def _table(app: Any, table_id: str) -> FilterTable:
    return app.screen.query_one(f"#{table_id}", FilterTable)


async def _open_broker_2(pilot: Any) -> BrokerDetailScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen), what="overview")
    brokers = _table(app, "overview-brokers")
    await wait_for(pilot, lambda: brokers.total_count == 3, what="broker rows")
    await pilot.press("j")  # broker 2
    await wait_for(pilot, lambda: brokers.cursor_key == "2", what="cursor on broker 2")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BrokerDetailScreen), what="broker detail")
    await pilot.pause()
    return app.screen


async def test_broker_detail_partitions_dirs_configs_process_and_back() -> None:
    app = frozen_app(_state())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_broker_2(pilot)
        assert screen.broker_id == 2
        parts = _table(app, "broker-partitions")
        expected = sum(1 for t in app.state.cluster.topics for p in t.partitions if 2 in p.replicas)
        await wait_for(pilot, lambda: parts.total_count == expected, what="broker 2's replicas")
        text = screen_text(app)
        assert "Broker 2" in text and "127.0.0.1:19093" in text
        assert "preferred-leader misses" in text and "Kafka rebalances above 10%" in text
        assert "pid 4201" in text and "RSS" in text  # its JVM on this host
        dirs = _table(app, "broker-dirs")
        assert dirs.total_count == 2  # only broker 2's dirs
        assert "KafkaStorageException" in dirs.get_cell("/srv/kafka/2/logs2", "state").plain
        assert dirs.get_cell("/srv/kafka/2/logs", "eta").plain == "2h 00m"
        configs = _table(app, "broker-configs")
        assert configs.get_cell("log.cleaner.backoff.ms", "mark").plain == "≠"
        assert configs.get_cell("log.cleaner.backoff.ms", "others").plain == "brokers 1,3: 15000"
        assert configs.get_cell("num.io.threads", "mark").plain.strip() == ""
        assert configs.get_cell("ssl.key.password", "value").plain == "(sensitive)"

        await pilot.press("question_mark")  # the help entry lists this view's keys
        await wait_for(pilot, lambda: "Partitions/log dirs/configs" in screen_text(app), what="help")
        help_text = screen_text(app)
        assert "This view: broker" in help_text and "Filter" in help_text and "drill in" in help_text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrokerDetailScreen), what="help closed")

        await pilot.press("slash", *"orders", "enter")  # `/` filters the partitions table
        await wait_for(pilot, lambda: 0 < parts.visible_count < parts.total_count, what="filtered")
        assert all(k.startswith("orders\x00") for k in parts.visible_keys())

        await pilot.press("escape")  # clears the filter
        await pilot.press("escape")  # back to the overview
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen), what="back")


async def test_broker_detail_shows_a_broker_gone_from_the_metadata() -> None:
    state = _state()
    gone = replace(state.cluster, brokers=state.cluster.brokers[:2])  # broker 3 left the metadata
    app = frozen_app(replace(state, cluster=gone))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen), what="overview")
        app.open_broker(3)
        await wait_for(pilot, lambda: isinstance(app.screen, BrokerDetailScreen), what="broker detail")
        await wait_for(pilot, lambda: "not in the cluster's metadata" in screen_text(app), what="gone note")


async def test_controller_findings_on_the_overview_and_enter_opens_the_broker() -> None:
    now = time.time()  # the panel judges "recent" against the clock
    watch = ControllerWatch(current=2, seen=True, changes=1, last_change_at=now - 30, previous=1,
                            zookeeper=3, disagree=2, disagree_since=now - 10)
    app = frozen_app(replace(_state(), controller=watch))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen), what="overview")
        panel = app.screen.query_one(AttentionPanel)
        await wait_for(pilot, lambda: panel.row("f\x00controller_disagrees\x00controller") is not None,
                       what="controller rows")
        changed = panel.row("f\x00controller_changed\x00controller")
        assert changed is not None and changed.detail.startswith("changed from broker 1 to 2")
        dirs = panel.row("f\x00offline_log_dir\x00broker 2 /srv/kafka/2/logs2")
        assert dirs is not None and dirs.broker == 2
        panel.table.focus()
        await wait_for(pilot, lambda: panel.table.has_focus, what="attention focus")
        key = "f\x00offline_log_dir\x00broker 2 /srv/kafka/2/logs2"
        for _ in range(panel.table.total_count):  # keyboard only: down to the log-dir row, then Enter
            if panel.table.cursor_key == key:
                break
            await pilot.press("j")
        assert panel.table.cursor_key == key
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BrokerDetailScreen), what="broker detail from a row")
        assert app.screen.broker_id == 2


def _min_isr_topic() -> Topic:
    return Topic("writes", False, (
        Partition("writes", 0, 1, (1, 2, 3), (1,)),  # under min ISR 2
        Partition("writes", 1, 2, (2, 3, 1), (2, 3)),  # at min ISR 2
        Partition("writes", 2, 3, (3, 1, 2), (3, 1, 2)),
    ))


async def test_min_isr_state_in_topics_and_per_partition() -> None:
    audit = Topic("audit", False, (Partition("audit", 0, 1, (1,), (1,)),))
    cluster = replace(cluster_snapshot(extra_topics=(_min_isr_topic(), audit)),
                      configs=ClusterConfigs(NOW, {"writes": 2, "audit": 2, "payments": 2}, 1, {}))
    app = frozen_app(frozen_state(cluster=cluster))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="topics")
        topics = _table(app, "topics-table")
        await wait_for(pilot, lambda: "writes" in topics.visible_keys(), what="rows")
        assert topics.get_cell("writes", "flags").plain == "✗ <MIN-ISR 1"
        assert topics.get_cell("audit", "flags").plain == "✗ RF<MIN-ISR"
        assert topics.get_cell("payments", "flags").plain == "✓ ok"  # RF 3, full ISR, min 2
        app.open_topic("writes")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen), what="topic detail")
        await pilot.pause()
        parts = _table(app, "topic-partitions")
        await wait_for(pilot, lambda: parts.total_count == 3, what="partitions")
        assert parts.get_cell("0", "min_isr").plain == "✗ 1 / 2"
        assert parts.get_cell("1", "min_isr").plain == "⚠ 2 / 2"
        assert parts.get_cell("2", "min_isr").plain == "3 / 2"
