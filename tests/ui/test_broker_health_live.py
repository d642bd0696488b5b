"""Broker health made to happen on the real cluster by this harness (never by kafkatui), then seen
by the running app (attention panel, broker detail) and in the real `kafkatui snapshot --json`:

* an offline log dir: broker 3 is restarted with a second log dir (`data2`, which
  localcluster/cluster.py adds when it exists), a partition is moved into it, and the dir is
  replaced by a plain file, so the next segment roll fails with an IOException and the broker
  marks the dir offline (root ignores permissions, so chmod cannot do it);
* a controller change: the controller broker is restarted (while a reassignment that cannot
  finish is in progress). The leader imbalance this makes is not asserted: Kafka's controller,
  checking every 5 s here, moved the leaders back before the app saw them in most runs;
* /controller disagreeing with the metadata: the harness swaps /controller for a node naming a
  broker 99 in one ZooKeeper transaction; the brokers then believe 99 is the controller and
  their metadata keeps the old one.

Each test restores the cluster in `finally` (restarts, deletes what it made, waits for it to
settle). Marked `faults`: run them on a private cluster, never a shared one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kazoo.client import KazooClient

from kafkatui.ui.screens.broker_detail import BrokerDetailScreen
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.widgets.attention import AttentionPanel
from kafkatui.ui.widgets.table import FilterTable
from tests.conftest import no_autocreate

pytestmark = pytest.mark.faults

SIZE = (140, 44)
SLOW = 150.0  # a wait, not a timed check: broker restarts take up to a minute on a loaded 2-core box


@pytest.fixture(scope="module")
def admin(cluster: Any) -> Iterator[KafkaAdminClient]:
    client = no_autocreate(KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-broker-health",
                                            request_timeout_ms=15000, bootstrap_timeout_ms=15000))
    yield client
    client.close()


def snapshot_json(cluster: Any) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "kafkatui", "snapshot", "--json", "--no-processes", "--bootstrap", cluster.bootstrap,
         "--zookeeper", cluster.zookeeper],
        capture_output=True, text=True, timeout=90,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def attention_row(app: Any, kind: str, subject: str) -> Any:
    screen = app.screen
    if not isinstance(screen, OverviewScreen):
        return None
    return screen.query_one(AttentionPanel).row(f"f\x00{kind}\x00{subject}")


async def press_enter_on(pilot: Any, table: FilterTable, key: str) -> None:
    """Keyboard only: focus the table, move the cursor down to `key`, press Enter."""
    table.focus()
    await pilot.pause()
    for _ in range(table.total_count + 1):
        if table.cursor_key == key:
            break
        await pilot.press("j")
    assert table.cursor_key == key
    await pilot.press("enter")


def produce(cluster: Any, topic: str, count: int, size: int = 500) -> None:
    """Sends that the failing dir makes time out, which is the point. The records expire within
    `delivery_timeout_ms`, so the flush completes and `close` stops the sender thread; a close
    that raised would leave it running for the rest of the session."""
    producer = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, acks=1, linger_ms=5,
                                           max_block_ms=10000, request_timeout_ms=5000,
                                           delivery_timeout_ms=10000))
    with contextlib.suppress(Exception):
        for _ in range(count):
            producer.send(topic, value=b"x" * size, partition=0)
        producer.flush(20)
    producer.close(timeout=5)


async def test_offline_log_dir_on_screen_and_in_snapshot(cluster: Any, admin: KafkaAdminClient, make_app: Any,
                                                         wait_until: Any, unique_name: str) -> None:
    cluster.ensure_up()
    home = cluster.state_dir / "broker-3"
    second, moved = home / "data2", home / "data2.failed"
    topic = unique_name
    try:
        second.mkdir()
        await asyncio.to_thread(cluster.tool, "restart", "broker-3")  # now with log.dirs=data,data2
        admin.create_topics([NewTopic(topic, -1, -1, replica_assignments={0: [3]},
                                      topic_configs={"segment.bytes": "16384"})])
        admin.wait_for_topics([topic], timeout_ms=30000)
        admin.alter_replica_log_dirs({(topic, 0, 3): str(second)})  # the harness places it in data2
        deadline = time.monotonic() + 60
        while not (second / f"{topic}-0").is_dir() or (home / "data" / f"{topic}-0").exists():
            assert time.monotonic() < deadline, "the replica never moved into data2"
            await asyncio.sleep(0.5)
        second.rename(moved)
        second.write_text("not a directory: the broker's next file in data2 fails\n")
        await asyncio.to_thread(produce, cluster, topic, 200)  # rolls a 16 KiB segment: IOException
        subject = f"broker 3 {second}"

        def in_json() -> dict | None:
            doc = snapshot_json(cluster)
            return next((a for a in doc["attention"] if a["kind"] == "offline_log_dir"
                         and a["subject"] == subject), None) and doc

        doc = None
        deadline = time.monotonic() + SLOW
        while doc is None:
            assert time.monotonic() < deadline, "offline_log_dir never in snapshot --json"
            doc = await asyncio.to_thread(in_json)
        found = next(a for a in doc["attention"] if a["kind"] == "offline_log_dir")
        assert found["severity"] == "critical" and "KafkaStorageError" in found["detail"]
        dirs = next(b["log_dirs"] for b in doc["brokers"] if b["id"] == 3)
        assert {"path": str(second), "total_bytes": None, "usable_bytes": None, "error": "KafkaStorageError"} in dirs

        app = make_app(refresh=2)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: attention_row(app, "offline_log_dir", subject) is not None, SLOW,
                             "offline_log_dir row in the attention panel")
            panel = app.screen.query_one(AttentionPanel)
            await press_enter_on(pilot, panel.table, f"f\x00offline_log_dir\x00{subject}")
            await wait_until(pilot, lambda: isinstance(app.screen, BrokerDetailScreen), 20, "broker 3 detail")
            dirs_table = app.screen.query_one("#broker-dirs", FilterTable)
            await wait_until(pilot, lambda: str(second) in dirs_table.visible_keys(), 30, "the failed dir row")
            assert "KafkaStorageError" in dirs_table.get_cell(str(second), "state").plain
    finally:
        admin.delete_topics([topic])
        if second.is_file():
            second.unlink()
        shutil.rmtree(moved, ignore_errors=True)
        shutil.rmtree(second, ignore_errors=True)
        await asyncio.to_thread(cluster.tool, "restart", "broker-3")  # back to one log dir
        await asyncio.to_thread(cluster.wait_settled)


async def test_controller_restart_shows_the_controller_changed(
        cluster: Any, admin: KafkaAdminClient, make_app: Any, wait_until: Any, unique_name: str) -> None:
    cluster.ensure_up()
    app = make_app(refresh=2)
    topic = unique_name
    tp = TopicPartition(topic, 0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None and app.state.controller.seen, 60,
                         "the first controller")
        old = app.state.cluster.controller_id
        other = next(b for b in (1, 2, 3) if b != old)
        dest = next(b for b in (1, 2, 3) if b not in (old, other))
        paused = False
        try:
            # A reassignment that cannot finish: its new replica's broker is paused (SIGSTOP) before
            # the move starts. The ZooKeeper-mode controller skips its leader rebalance while any
            # reassignment is in progress, so automatic rebalancing is off for the test. (A
            # replication throttle did not hold: at 1 KiB/s a 2 MB move still finished in 12 s.)
            admin.create_topics([NewTopic(topic, -1, -1, replica_assignments={0: [other]}, topic_configs={})])
            admin.wait_for_topics([topic], timeout_ms=30000)
            cluster.pause(f"broker-{dest}")
            paused = True
            admin.alter_partition_reassignments({tp: [other, dest]})
            await asyncio.to_thread(cluster.tool, "restart", f"broker-{old}")

            await wait_until(pilot, lambda: attention_row(app, "controller_changed", "controller") is not None,
                             SLOW, "controller_changed row")
            changed = attention_row(app, "controller_changed", "controller")
            assert changed.detail.startswith(f"changed from broker {old} to ")
            # The leader_imbalance row that this restart also makes is not awaited: Kafka's controller
            # (leader.imbalance.check.interval.seconds=5) moved the leaders back before the app's
            # next refresh in three of four fresh-clone runs, stuck reassignment or not. Leader
            # imbalance on the real cluster is left unproven; see the session note.
        finally:
            try:
                admin.alter_partition_reassignments({tp: None})
            finally:
                if paused:
                    cluster.resume(f"broker-{dest}")
                admin.delete_topics([topic])
    cluster.ensure_up()


async def test_controller_znode_disagreeing_with_the_metadata(cluster: Any, make_app: Any, wait_until: Any) -> None:
    cluster.ensure_up()
    zk = KazooClient(hosts=cluster.zookeeper, timeout=10)
    zk.start(timeout=15)
    try:
        app = make_app(refresh=1)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.state.zookeeper is not None and app.state.cluster is not None, 60,
                             "first refreshes")
            metadata = app.state.cluster.controller_id
            _data, stat = zk.get("/controller")
            fake = json.dumps({"version": 2, "brokerid": 99, "timestamp": str(int(time.time() * 1000))}).encode()
            tx = zk.transaction()  # atomically: no broker can win an election in between
            tx.delete("/controller", version=stat.version)
            tx.create("/controller", fake, ephemeral=True)
            assert all(r is True or isinstance(r, str) for r in tx.commit())
            await wait_until(pilot, lambda: attention_row(app, "controller_disagrees", "controller") is not None,
                             60, "controller_disagrees row")
            row = attention_row(app, "controller_disagrees", "controller")
            assert row.detail.startswith(f"/controller in ZooKeeper names broker 99 but the metadata names {metadata}")
            doc = await asyncio.to_thread(snapshot_json, cluster)
            assert doc["zookeeper"]["controller"] == 99 and doc["cluster"]["controller"] == metadata
    finally:
        zk.stop()  # the fake ephemeral node goes with the session: the brokers elect a controller
        zk.close()
        cluster.wait_settled()
