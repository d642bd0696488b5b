"""Small things from using the app (issue 12, item 9): sizes cut in their cells, and `?` in the
ZooKeeper view leaving out Tab."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from kafkatui.fmt import BYTES_WIDTH, human_bytes
from kafkatui.model import DiskUsage, Partition, Topic
from kafkatui.ui.screens.help import HelpScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.processes import ProcessesScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.widgets.table import FilterTable
from kafkatui.ui.zookeeper.screen import ZooKeeperScreen
from tests.ui.fixtures import cluster_snapshot, frozen_app, frozen_state, processes_snapshot, screen_text, wait_for

# Sizes whose old one-decimal form took ten cells ("1004.2 KiB"), in columns nine wide.
TOPIC_SIZE = 1004 * 1024 + 205  # 1004.2 KiB
RSS = 1023 * 1024**2 + 900 * 1024  # 1023.9 MiB
LOG_USED = 1004 * 1024**3 + 500 * 1024**2  # 1004.5 GiB
DISK_FREE = 1010 * 1024**4 + 300 * 1024**3  # 1010.3 TiB


def test_no_size_is_wider_than_its_column() -> None:
    """The one rule: human_bytes never writes more than BYTES_WIDTH cells (for sizes up to 1024 EiB)."""
    edges = [0, 1023, 1024, 99 * 1024 + 1000, 1024**2 - 1, TOPIC_SIZE, RSS, LOG_USED, DISK_FREE]
    edges += [int(v * 1024**k) for k in range(1, 7) for v in (99.949, 99.95, 999.95, 1023.4, 1023.5, 1023.96)]
    widest = max(edges, key=lambda n: len(human_bytes(n)))
    assert len(human_bytes(widest)) <= BYTES_WIDTH, human_bytes(widest)
    assert human_bytes(TOPIC_SIZE) == "1004 KiB" and human_bytes(1023 * 1024 + 1000) == "1.0 MiB"


def _big_sizes() -> Any:
    wide = Topic("wide", False, (Partition("wide", 0, 1, (1, 2), (1, 2), earliest=0, latest=10,
                                           size_bytes=TOPIC_SIZE, msgs_per_s=0.0),), msgs_per_s=0.0)
    procs = processes_snapshot()
    broker = next(p for p in procs.processes if p.broker_id == 1)
    big = replace(broker, rss_bytes=RSS, log_dirs=(DiskUsage("/srv/kafka/1/logs", LOG_USED, DISK_FREE, 2 * DISK_FREE),))
    procs = replace(procs, processes=tuple(big if p is broker else p for p in procs.processes))
    return frozen_state(cluster=cluster_snapshot(extra_topics=(wide,)), processes=procs)


@pytest.mark.parametrize("size", [(160, 48), (120, 36)])
async def test_size_cells_show_the_whole_size(size: tuple[int, int]) -> None:
    """Topics, a topic's partitions, the overview's broker rows and the processes view: each size
    column shows the whole of its widest value, never `1004.2 K…`."""
    app = frozen_app(_big_sizes())
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen) and "Brokers" in screen_text(app))
        overview = screen_text(app)
        assert human_bytes(RSS) in overview
        if size[0] >= 120:  # the disk columns are shown from 120 columns on
            assert human_bytes(LOG_USED) in overview and human_bytes(DISK_FREE) in overview
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen) and "broker" in screen_text(app))
        assert human_bytes(RSS) in screen_text(app)
        if size[0] >= 140:
            assert human_bytes(LOG_USED) in screen_text(app) and human_bytes(DISK_FREE) in screen_text(app)
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen) and "wide" in screen_text(app))
        assert human_bytes(TOPIC_SIZE) in screen_text(app)
        table = app.screen.query_one(FilterTable)
        await pilot.press(*"/^wide$", "enter")
        await wait_for(pilot, lambda: table.filter_pattern == "^wide$" and table.row_count == 1, what="filter")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen) and "Earliest" in screen_text(app))
        detail = screen_text(app)
        assert detail.count(human_bytes(TOPIC_SIZE)) >= 1, detail
        assert "K…" not in detail and "M…" not in detail and "G…" not in detail


async def test_help_in_the_zookeeper_view_lists_tab() -> None:
    """The README's Tab (switch panes) is bound by the ZooKeeper view; `?` there must list it."""
    app = frozen_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.screen, ZooKeeperScreen), what="ZooKeeper view")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.pause()
        text = screen_text(app)
        assert re.search(r"│\s+tab\s+Tree/data\s", text), text
