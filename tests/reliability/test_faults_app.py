"""The issue's fault table, through the real app (Pilot) on the real cluster.

Every test keeps the app running through the fault and presses keys all along (a help round
trip every ~1.5 s plus view switches): each press must be handled (a press left unhandled for
FROZEN_S fails at once: the UI froze), and KeyProbe.check counts that every one was. How fast
keys are handled is measured in bench/, not asserted here (see helpers.py).
Slow cluster operations (a broker restart waits for metadata) run in a thread so the app's
event loop keeps turning, exactly as it would for an operator. Each test puts the cluster back
in `finally` (restart/resume, then wait until all partitions are in sync) so later tests see a
healthy cluster.

Not repeated here: kill/SIGSTOP at source level (tests/live/test_kafka_source.py,
test_zookeeper_source.py) and the first app-level kill/SIGSTOP checks (tests/ui/test_app_live.py),
which this file extends with leaders, processes, timing of the recovery and the error text.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from kafka import KafkaProducer

from kafkatui.model import ZkState
from kafkatui.refresh.pace import PacePolicy
from kafkatui.refresh.policy import ZOOKEEPER_BACKOFF_CAP_S
from kafkatui.refresh.state import KAFKA_SOURCES, Source
from kafkatui.tail.start import parse_start
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import FilterTable
from kafkatui.ui.zookeeper.tree import ZnodeTree
from tests.conftest import close_producer
from tests.reliability.helpers import (
    CLIENT_LIMITS,
    KeyProbe,
    broker_pid,
    restore_cluster,
    text,
    tree_children,
    wait_until,
)

pytestmark = pytest.mark.faults

SIZE = (160, 48)
VIEWS = (("2", "processes"), ("3", "topics"), ("4", "groups"), ("5", "zookeeper"), ("1", "overview"))
VICTIM = 2  # the broker these tests kill or stop


def brokers(app: Any) -> FilterTable:
    return app.screen.query_one("#overview-brokers", FilterTable)


def banner_text(app: Any) -> str:
    return " ".join(b.text for b in app.screen.query(StaleBanner))


def healthy(app: Any) -> bool:
    snap = app.state.cluster
    return (snap is not None and len(snap.brokers) == 3 and not app.state.health[Source.CLUSTER].stale
            and app.current_mode == "overview" and brokers(app).visible_keys() == ["1", "2", "3"]
            and "GONE" not in text(app))


async def warm_up(pilot: Any, probe: KeyProbe) -> None:
    """Visit every view once (first visits compose screens), ending on the overview."""
    app = pilot.app
    await wait_until(pilot, lambda: healthy(app), 60, "3 healthy brokers on the overview")
    for key, mode in VIEWS:
        await probe.switch(pilot, key, mode)
    probe.reset()  # count the presses of a running app, not the first visits that compose screens
    for key, mode in VIEWS:
        await probe.switch(pilot, key, mode)


async def in_thread(pilot: Any, probe: KeyProbe, what: str, fn: Any, *args: Any, timeout: float = 150) -> float:
    """Run a blocking cluster operation off the event loop, timing keys meanwhile; returns when it ended."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    await wait_until(pilot, task.done, timeout, what, probe=probe)
    task.result()
    return time.monotonic()


# --------------------------------------------------------------------------- SIGKILL one broker


async def test_sigkill_broker_gone_leaders_move_process_vanishes_then_recovers(cluster, app_factory, probe) -> None:
    refresh = 1.0
    app = app_factory(refresh=refresh)
    name, killed = "", False
    try:
        async with app.run_test(size=SIZE) as pilot:
            await warm_up(pilot, probe)
            before = {p.partition: p.leader for p in app.state.cluster.topic("orders").partitions}
            VICTIM = before[0]
            moved = sorted(p for p, leader in before.items() if leader == VICTIM)
            name, pid = f"broker-{VICTIM}", broker_pid(cluster, VICTIM)

            cluster.kill(name)
            killed = True
            await wait_until(pilot, lambda: "GONE" in brokers(app).plain_row(str(VICTIM)), 10,
                             f"broker {VICTIM} GONE on the overview", probe=probe)

            await probe.switch(pilot, "2", "processes")
            table = app.screen.query_one("#processes-table", FilterTable)
            await wait_until(pilot, lambda: str(pid) not in table.visible_keys() and table.visible_keys(), 10,
                             f"pid {pid} gone from the processes view", probe=probe)
            others = [b for b in (1, 2, 3) if b != VICTIM]
            assert all(str(broker_pid(cluster, b)) in table.visible_keys() for b in others)  # still listed

            # The controller moves leaders once ZooKeeper expires the dead broker's session (10 s).
            await probe.switch(pilot, "1", "overview")
            await wait_until(pilot, lambda: app.state.cluster.under_replicated > 0
                             and VICTIM not in {b.id for b in app.state.cluster.brokers}, 45,
                             "under-replicated partitions and the broker out of the metadata", probe=probe)
            urp = app.state.cluster.under_replicated
            assert f"Under-replicated {urp}" in text(app)

            app.open_topic("orders")
            parts = None

            def new_leaders_shown() -> bool:
                nonlocal parts
                parts = app.screen.query_one("#topic-partitions", FilterTable)
                snap = {p.partition: p for p in app.state.cluster.topic("orders").partitions}
                return all(snap[p].leader not in (VICTIM, None, -1)
                           and parts.plain_row(str(p)).split()[1].rstrip("★") == str(snap[p].leader)
                           and f"{VICTIM}✗" in parts.plain_row(str(p)) for p in moved)

            await wait_until(pilot, new_leaders_shown, 30, "new leaders and the out-of-sync replica on orders",
                             probe=probe)
            assert "under-replicated" in text(app)
            await probe.switch(pilot, "1", "overview")

            await in_thread(pilot, probe, f"{name} restart", cluster.restart, name)
            killed = False
            new_pid = broker_pid(cluster, VICTIM)

            def back() -> bool:
                snap, row = app.state.cluster, brokers(app).plain_row(str(VICTIM))
                return (snap.fetched_at >= back_wall and VICTIM in {b.id for b in snap.brokers}
                        and app.state.health[Source.CLUSTER].failures == 0
                        and " up " in f" {row} " and f"{new_pid:,}" in row and "GONE" not in text(app))

            back_wall = time.time()
            took = await wait_until(pilot, back, 30, "the broker back on the overview", probe=probe)
            # The cluster tool returns once every broker's metadata lists the restarted one: from then
            # on the app must show it within 2 refresh intervals (plus one poll's own duration).
            slowest = max(app.state.health[s].last_duration_s or 0.0 for s in (Source.CLUSTER, Source.PROCESSES))
            print(f"broker shown back {took:.2f}s after it was back in metadata (slowest poll {slowest:.2f}s)")
            assert took <= 2 * refresh + slowest + 0.5, f"recovery took {took:.2f}s"
            # Leaders move back and the restarted broker's metadata catches up: offsets asked of a
            # stale leader fail for a moment (shown as a partial refresh); then all is clean again.
            await wait_until(pilot, lambda: healthy(app) and not banner_text(app), 60, "a clean overview again",
                             probe=probe)
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        if killed:
            cluster.restart(name)
        restore_cluster(cluster)


# --------------------------------------------------------------------------- SIGSTOP one broker


async def test_sigstop_broker_shows_stale_with_the_timeout_then_recovers(cluster, app_factory, probe) -> None:
    """Also (issue 14), with the default pacing share: the poll that ran into the 4 s timeout gives the
    next ones 8 s (refresh/deadline.py), which the header says, and does not stretch the 1 s
    interval, as a hung broker costs the host nothing (refresh/pace.py counts CPU; by wall time
    that poll stretched it to 8 s)."""
    app = app_factory(refresh=1.0)
    # The operator's share, not app_factory's unpaced policy. The floor is raised from 0.1 s to
    # 0.5 s of CPU: in a full run on the loaded 2-core machine one such poll used 0.1 s (kafka-
    # python's IO thread reconnecting to the hung broker), which stretched 1 s to 3 s. The hung
    # poll's 4 s of waiting is still far over it: paced by wall time, the interval would be 8 s.
    app.pace_policy = PacePolicy(min_cost_s=0.5)
    name = f"broker-{VICTIM}"
    paused = False
    try:
        async with app.run_test(size=SIZE) as pilot:
            await warm_up(pilot, probe)
            cluster.pause(name)
            paused = True
            # Calls to the stopped broker hang until the 4 s connect timeout; the refresh keeps the
            # rest and must say, in the banner and the header, that part of the data is missing.
            # Once a poll has run into it, the next gets a longer deadline (refresh/deadline.py), and
            # then the reconnect's handshake to the hung broker times out first, at the set 4 s:
            # "RequestTimedOutError: Request timed out after 4000 ms" instead of "KafkaTimeoutError".
            # Both are watched in one wait and remembered once seen: each can pass before the other.
            # Which Kafka poll's deadline grows is a race: the polls share one client, so the first
            # to send on the hung connection waits the deadline out, and the timeout that closes the
            # connection fails the others' requests early (a cluster poll that lost its parts at
            # 3.65 s did not run into its own deadline; a CI run failed waiting for the cluster's).
            # The deadline lasts only until three quick polls bring it back: once the broker's
            # ZooKeeper session expires (10 s), it is GONE and the polls no longer wait.
            seen: dict[str, str] = {}

            def stale_then_longer_deadline() -> bool:
                banner = banner_text(app)
                if ("STALE since" in banner and f"broker {VICTIM}" in banner
                        and ("Timeout" in banner or "timed out" in banner)):
                    seen.setdefault("banner", text(app))
                grown = [s for s in KAFKA_SOURCES if app.state.request_timeout(s) == 8.0]
                if grown and "deadline" not in seen:
                    seen["deadline"] = text(app)
                    seen["source"] = grown[0].value
                    seen["interval"] = str(app.state.poll_interval(grown[0]))
                return {"banner", "deadline"} <= set(seen)

            await wait_until(pilot, stale_then_longer_deadline, 30,
                             "the stale banner naming the timed-out broker, and a Kafka poll's longer deadline",
                             probe=probe, interval=0.05, detail=lambda: sorted(seen))
            assert "Kafka STALE" in seen["banner"]
            assert "timeout 4s→8s" in seen["deadline"], (seen["source"], seen["deadline"].splitlines()[0])
            assert seen["interval"] == "1.0", seen["source"]  # a wait is not a cost: not paced
            for key, mode in VIEWS:  # every view stays usable while the broker hangs
                await probe.switch(pilot, key, mode)
            await pilot.pause(2.0)  # let a hung call or two land while on the overview
            await probe.help_roundtrip(pilot)

            await in_thread(pilot, probe, f"{name} resume", cluster.resume, name)
            paused = False
            # The resumed broker finds its ZooKeeper session expired and registers again.
            await wait_until(pilot, lambda: healthy(app) and not banner_text(app), 90, "recovery after SIGCONT",
                             probe=probe)
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        if paused:
            cluster.resume(name)
        restore_cluster(cluster)


# --------------------------------------------------------------------------- kill ZooKeeper


async def test_zookeeper_killed_view_suspended_and_stale_kafka_carries_on_then_reconnects(
    cluster, app_factory, probe
) -> None:
    if not cluster.zookeeper:
        pytest.skip("KRaft cluster: no ZooKeeper")
    refresh = 1.0
    app = app_factory(refresh=refresh)
    killed = False
    try:
        async with app.run_test(size=SIZE) as pilot:
            await warm_up(pilot, probe)
            await probe.switch(pilot, "5", "zookeeper")
            tree = app.screen.query_one(ZnodeTree)
            app.open_znode("/brokers/ids/1")
            await wait_until(pilot, lambda: tree.cursor_path == "/brokers/ids/1"
                             and "Broker 1 registration" in text(app), 20, "broker 1's znode shown")

            cluster.kill("zookeeper")
            killed = True
            status = app.screen.query_one("#zk-status")

            def suspended() -> bool:
                return (app.state.zookeeper.state in (ZkState.SUSPENDED, ZkState.LOST)
                        and any(s in str(status.content) for s in ("SUSPENDED", "LOST"))
                        and "ZooKeeper STALE since" in banner_text(app))

            await wait_until(pilot, suspended, 15, "SUSPENDED/LOST and STALE in the ZooKeeper view", probe=probe)
            screen = text(app)
            assert "Broker 1 registration" in screen and "ephemeralOwner" in screen  # the last data stays
            assert "PLAINTEXT://127.0.0.1" in screen
            assert any(f"ZK {s} STALE" in screen for s in ("SUSPENDED", "LOST")), screen.splitlines()[0]

            # The Kafka views carry on with fresh data.
            killed_at = time.time()
            await probe.switch(pilot, "3", "topics")
            await wait_until(pilot, lambda: app.state.cluster.fetched_at > killed_at + refresh
                             and not app.state.health[Source.CLUSTER].stale
                             and "orders" in app.screen.query_one(FilterTable).visible_keys(), 15,
                             "fresh Kafka data on the topics view", probe=probe)
            assert "Kafka connected" in text(app), text(app).splitlines()[0]
            await probe.switch(pilot, "5", "zookeeper")
            tree.select_path("/config")  # browsing while ZooKeeper is away: a clear error, no crash
            data = app.screen.query_one("#zk-data")
            await wait_until(pilot, lambda: tree.cursor_path == "/config" and "✗" in str(data.content), 15,
                             "an error for /config while ZooKeeper is away", probe=probe)
            assert app.is_running and app.view_errors == []

            back_at = await in_thread(pilot, probe, "zookeeper start", cluster.tool, "start", "zookeeper")
            killed = False
            took = await wait_until(pilot, lambda: app.state.zookeeper.state is ZkState.CONNECTED
                                    and not app.state.health[Source.ZOOKEEPER].stale
                                    and "CONNECTED" in str(status.content) and not banner_text(app),
                                    ZOOKEEPER_BACKOFF_CAP_S * 1.1 + 2 * refresh + 4, "reconnected by itself",
                                    probe=probe)
            print(f"ZooKeeper view connected {took:.1f}s after the server was back")
            # the tree works again without `r`: what failed while away is loaded by itself
            await wait_until(pilot, lambda: "/config/topics" in tree_children(tree, "/config"), 15,
                             "the /config children loaded by themselves after the reconnect", probe=probe)
            app.open_znode("/brokers/topics/orders")
            await wait_until(pilot, lambda: tree.cursor_path == "/brokers/topics/orders"
                             and "orders" in text(app), 15, "a jump after reconnecting", probe=probe)
            assert time.monotonic() - back_at < 60
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        if killed:
            cluster.tool("start", "zookeeper")
        restore_cluster(cluster)


# --------------------------------------------------------------------------- cluster down at start


async def test_cluster_down_when_the_app_starts_then_connects_by_itself(cluster, app_factory, probe) -> None:
    """`--wait` semantics: the app is built without the CLI's TCP probe, while no broker runs."""
    names = ["broker-1", "broker-2", "broker-3"]
    try:
        for name in names:
            cluster.tool("stop", name)
        app = app_factory(refresh=1.0)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.state.health[Source.CLUSTER].failures >= 2, 40,
                             "two failed attempts", probe=probe)
            screen = text(app)
            assert "Kafka DOWN" in screen and "retrying in" in screen, screen
            assert "Kafka: connecting" in banner_text(app) and "cannot reach" in banner_text(app)
            assert "Traceback" not in screen and app.is_running
            for key, mode in VIEWS:
                await probe.switch(pilot, key, mode)

            await in_thread(pilot, probe, "brokers start", cluster.ensure_up)
            await wait_until(pilot, lambda: healthy(app) and not banner_text(app), 60,
                             "connected by itself", probe=probe)
            assert "Kafka connected" in text(app)
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        restore_cluster(cluster)


# --------------------------------------------------------------------------- leader dies during a tail


async def test_tail_continues_from_the_new_leader(cluster, app_factory, admin, unique_name, probe) -> None:
    admin.create_topics({unique_name: {"num_partitions": 1, "replication_factor": 3}}, wait_for_metadata=True)
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-reliability-failover",
                             acks="all", retries=100, retry_backoff_ms=200, linger_ms=0,
                             allow_auto_create_topics=False, **CLIENT_LIMITS)
    sent = 0

    def send(n: int) -> None:
        nonlocal sent
        for _ in range(n):
            producer.send(unique_name, value=f"m{sent:04d}".encode(), partition=0)
            sent += 1
        producer.flush(timeout=60)

    killed = None
    app = app_factory(refresh=1.0)
    try:
        def leader() -> int | None:
            parts = admin.describe_topics([unique_name])[0]["partitions"]
            return parts[0]["leader_id"] if parts and parts[0]["leader_id"] >= 0 else None

        deadline = time.monotonic() + 60  # the previous fault test may have just restarted a broker
        while leader() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        old_leader = leader()
        assert old_leader is not None
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.state.cluster is not None, 40, "first data")
            app.open_tail(unique_name, start=parse_start("earliest"))
            await wait_until(pilot, lambda: isinstance(app.screen, TailScreen) and app.screen.status.state == "running",
                             20, "the tail running")
            tail = app.screen
            await in_thread(pilot, probe, "first records", send, 20)
            await wait_until(pilot, lambda: len(tail.ring) == 20, 20, "20 records in the tail", probe=probe)

            killed = f"broker-{old_leader}"
            cluster.kill(killed)
            await in_thread(pilot, probe, "records after the kill", send, 20, timeout=90)
            await wait_until(pilot, lambda: len(tail.ring) == 40, 60, "the records from the new leader", probe=probe)
            await in_thread(pilot, probe, "more records", send, 10)
            await wait_until(pilot, lambda: len(tail.ring) == 50, 30, "all 50 records", probe=probe)
            values = [r.value for r in tail.ring]
            assert values == [f"m{i:04d}".encode() for i in range(50)], "no gap, no duplicate"
            assert [r.offset for r in tail.ring] == list(range(50))
            await wait_until(pilot, lambda: any(f"leader {old_leader} →" in t for _, t in tail.status.notes), 30,
                             "the leader-change note", probe=probe)
            assert tail.status.state == "running" and tail.status.error is None
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        if killed:
            cluster.restart(killed)  # first: a close that raises must not leave the broker down
        close_producer(producer)
        try:
            admin.delete_topics([unique_name])
        except Exception as exc:
            print(f"could not delete {unique_name}: {exc}")
        restore_cluster(cluster)
