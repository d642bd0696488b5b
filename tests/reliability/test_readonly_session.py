"""The read-only proof: a scripted session of at least a minute through the whole app changes nothing.

The digest, taken with the tests' own clients before and after the session:
- every znode: path, mzxid and a hash of its data;
- every topic with its partition count;
- the end offsets of every topic the demo daemons do not write;
- every consumer group, with its committed offsets;
- every broker's configs (describe_configs, all entries, with their source).

Excluded, by name, because the demo daemons or Kafka itself change them while the session runs:
- the committed offsets of the `billing` group (the demo consumer commits; the group must still
  exist and is compared as a name);
- the end offsets of the topics in localcluster/seed.py LIVE_WEIGHTS (the demo producer writes
  them) and of `__consumer_offsets` (billing's commits land there);
- the znodes the controller rewrites on its own: `/brokers/topics/<t>/partitions/<p>/state`
  (leader and ISR: a preferred-leader rebalance after earlier fault tests, or an ISR change on
  a loaded host) and the children of `/isr_change_notification` (its change queue).
Nothing else is excluded: a new topic, group, znode, committed offset or config fails the test.

The session (Pilot, the real app, refresh 1 s) visits every view, filters, sorts, drills into a
topic (partitions and configs) and a group, opens a tail and its record detail, browses and jumps
in the ZooKeeper tree, uses the `:` palette, help, pause and refresh-now, for >= 60 seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Collection
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource
from kafka.protocol.consumer import OffsetSpec
from kafka.structs import TopicPartition
from kazoo.client import KazooClient

from kafkatui.ui.screens.group_detail import GroupDetailScreen
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.tail.record_detail import RecordDetailScreen
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.tail.table import TailTable
from kafkatui.ui.widgets.table import FilterTable
from kafkatui.ui.zookeeper.tree import ZnodeTree
from localcluster.seed import LIVE_WEIGHTS
from tests.conftest import SEEDED_GROUPS, committed_offsets, latest_offsets, listed_groups
from tests.reliability.helpers import KeyProbe, wait_until
from tests.ui.conftest import type_text

SESSION_S = 62.0
MOVING_GROUPS = {"billing"}  # the demo consumer commits all the time
WRITTEN_TOPICS = set(LIVE_WEIGHTS) | {"__consumer_offsets"}  # the demo producer; billing's commits
CONTROLLER_REWRITES = (
    re.compile(r"^/brokers/topics/[^/]+/partitions/\d+/state$"),  # leader + ISR, rewritten by the controller
    re.compile(r"^/isr_change_notification/.+"),  # the controller's ISR change queue
)


# --------------------------------------------------------------------------- the digest


def znodes(zk: KazooClient) -> dict[str, tuple[int, str]]:
    """path -> (mzxid, sha256 of data) for every znode, minus the controller's own rewrites."""
    out: dict[str, tuple[int, str]] = {}
    stack = ["/"]
    while stack:
        path = stack.pop()
        data, stat = zk.get(path)
        if not any(p.match(path) for p in CONTROLLER_REWRITES):
            out[path] = (stat.mzxid, hashlib.sha256(data or b"").hexdigest())
        stack.extend(f"{path.rstrip('/')}/{c}" for c in zk.get_children(path))
    return out


def digest(admin: KafkaAdminClient, zk: KazooClient | None, groups_before: Collection[str] = SEEDED_GROUPS
           ) -> dict[str, Any]:
    topics = {t["name"]: len(t["partitions"]) for t in admin.describe_topics()}
    still = sorted(t for t in topics if t not in WRITTEN_TOPICS)
    specs = {TopicPartition(t, p): OffsetSpec.LATEST for t in still for p in range(topics[t])}
    latest = latest_offsets(admin, specs) if specs else {}
    end_offsets = {f"{tp.topic}/{tp.partition}": getattr(v, "offset", v) for tp, v in latest.items()}
    groups = listed_groups(admin, groups_before)  # complete, even while a coordinator moves
    stable = [g for g in groups if g not in MOVING_GROUPS]
    offsets = committed_offsets(admin, stable)
    committed = {g: sorted((tp.topic, tp.partition, om.offset) for tp, om in offsets.get(g, {}).items())
                 for g in stable}
    brokers = sorted(b["broker_id"] for b in admin.describe_cluster()["brokers"])
    described = admin.describe_configs([ConfigResource("BROKER", str(b)) for b in brokers], config_filter="all")
    configs = {b: {k: repr(v) for k, v in sorted(entries.items())}
               for b, entries in described.get("broker", {}).items()}
    return {
        "znodes": znodes(zk) if zk is not None else {},
        "topics": topics,
        "end_offsets": end_offsets,
        "groups": groups,
        "committed": committed,
        "broker_configs": configs,
    }


def wait_no_pending_deletions(zk: KazooClient | None, admin: KafkaAdminClient, timeout: float = 120) -> None:
    """Earlier tests delete their topics asynchronously; the session must start from a still cluster."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = zk.get_children("/admin/delete_topics") if zk is not None and zk.exists("/admin/delete_topics") \
            else []
        if not pending:
            return
        time.sleep(1)
    raise AssertionError(f"topic deletions still pending after {timeout:g}s: {pending}")


def wait_demo_traffic(admin: KafkaAdminClient, topic: str = "orders", timeout: float = 120) -> None:
    """The session tails `orders` and expects the demo producer's records. After the fault tests
    restart brokers, that producer can fail with NotLeaderForPartition for half a minute (seen:
    24 s) until its metadata catches up; the session starts once `orders` grows again."""
    partitions = len(admin.describe_topics([topic])[0]["partitions"])
    specs = {TopicPartition(topic, p): OffsetSpec.LATEST for p in range(partitions)}

    def total() -> int:
        return sum(getattr(v, "offset", v) for v in latest_offsets(admin, specs).values())

    first, deadline = total(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1)
        if total() > first:
            return
    raise AssertionError(f"the demo producer wrote nothing to {topic} for {timeout:g}s")


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    problems = []
    for part in before:
        b, a = before[part], after[part]
        if b == a:
            continue
        if isinstance(b, dict):
            for key in sorted(set(b) | set(a), key=str):
                if b.get(key) != a.get(key):
                    problems.append(f"{part}: {key}: {b.get(key)!r} -> {a.get(key)!r}")
        else:
            problems.append(f"{part}: {b!r} -> {a!r}")
    return problems


# --------------------------------------------------------------------------- the session


async def filter_table(pilot: Any, pattern: str) -> None:
    await pilot.press("slash")
    await pilot.pause(0.1)
    await type_text(pilot, pattern)
    await pilot.press("enter")


async def jump(pilot: Any, target: str) -> None:
    await pilot.press("colon")
    await pilot.pause(0.2)
    await type_text(pilot, target)
    await pilot.pause(0.6)  # the palette searches asynchronously
    await pilot.press("enter")


async def one_round(pilot: Any, probe: KeyProbe, visited: set[str]) -> None:
    app = pilot.app
    await probe.switch(pilot, "1", "overview")
    await pilot.pause(0.5)
    await probe.switch(pilot, "2", "processes")
    await filter_table(pilot, "broker")
    await pilot.press("s")
    await pilot.pause(0.5)
    visited.add("processes")

    await probe.switch(pilot, "3", "topics")
    await filter_table(pilot, "^orders$")
    await pilot.press("i", "i", "s", "S")  # internal topics shown and hidden again, sorted both ways
    await wait_until(pilot, lambda: app.screen.query_one(FilterTable).cursor_key == "orders", 15, "orders selected")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen), 10, "the topic detail")
    await wait_until(pilot, lambda: app.screen.query_one("#topic-configs", FilterTable).visible_count > 0, 15,
                     "topic configs")
    await pilot.press("c", "tab", "s", "tab")  # reload configs, sort configs, back to partitions
    await pilot.pause(0.5)
    visited.add("topic-detail")

    await pilot.press("t")  # the live tail of orders
    await wait_until(pilot, lambda: isinstance(app.screen, TailScreen)
                     and app.screen.query_one(TailTable).row_count > 0, 20, "tail records")
    await filter_table(pilot, "order")
    await pilot.press("f")  # pause
    await pilot.pause(0.5)
    await pilot.press("f", "enter")  # resume; details of the record under the cursor
    await wait_until(pilot, lambda: isinstance(app.screen, RecordDetailScreen), 10, "the record detail")
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), 10, "back to the tail")
    await pilot.press("escape", "escape")  # clear the filter, then leave the tail
    await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen), 10, "back to the detail")
    await pilot.press("escape")
    visited.add("tail")

    await probe.switch(pilot, "4", "groups")
    await filter_table(pilot, "^billing$")
    await wait_until(pilot, lambda: app.screen.query_one(FilterTable).cursor_key == "billing", 15, "billing selected")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, GroupDetailScreen), 10, "the group detail")
    await pilot.pause(1.0)
    await pilot.press("tab", "s", "escape")
    visited.add("group-detail")

    await probe.switch(pilot, "5", "zookeeper")
    app.open_znode("/brokers/ids/1")
    tree = app.screen.query_one(ZnodeTree)
    await wait_until(pilot, lambda: tree.cursor_path == "/brokers/ids/1", 15, "a broker registration")
    await pilot.press("r", "k", "l", "j", "h", "h")
    await jump(pilot, "/config/topics/customers")
    await wait_until(pilot, lambda: tree.cursor_path == "/config/topics/customers", 15, "a jump in the tree")
    visited.add("zookeeper")

    await jump(pilot, "topic payments")
    await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen) and app.screen.topic == "payments", 15,
                     "a `:` jump to a topic")
    await pilot.press("escape")
    await jump(pilot, "group analytics")
    await wait_until(pilot, lambda: isinstance(app.screen, GroupDetailScreen), 15, "a `:` jump to a group")
    await pilot.press("escape")
    await probe.help_roundtrip(pilot)
    await pilot.press("p")
    await pilot.pause(0.5)
    await pilot.press("p", "space")
    visited.add("palette")


async def test_a_minute_in_every_view_changes_nothing(cluster, app_factory, admin: KafkaAdminClient,
                                                      probe: KeyProbe) -> None:
    zk = None
    if cluster.zookeeper:
        zk = KazooClient(hosts=cluster.zookeeper, timeout=10, read_only=False)
        zk.start(timeout=15)
    try:
        wait_no_pending_deletions(zk, admin)
        wait_demo_traffic(admin)
        before = digest(admin, zk)
        app = app_factory(refresh=1.0)
        visited: set[str] = set()
        rounds = 0
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, lambda: app.state.cluster is not None, 40, "first data")
            await probe.warm(pilot)
            started = time.monotonic()
            while time.monotonic() - started < SESSION_S:
                await one_round(pilot, probe, visited)
                rounds += 1
            elapsed = time.monotonic() - started
            assert app.is_running and app.view_errors == []
        print(f"session: {rounds} rounds in {elapsed:.0f}s through {sorted(visited)}")
        probe.check(at_least=rounds)
        assert elapsed >= 60
        assert visited == {"processes", "topic-detail", "tail", "group-detail", "zookeeper", "palette"}
        after = digest(admin, zk, before["groups"])
        assert set(after["topics"]) == set(before["topics"]), "a topic appeared or vanished"
        assert after["groups"] == before["groups"], "a consumer group appeared or vanished"
        assert not any("kafkatui" in g for g in after["groups"])
        problems = diff(before, after)
        assert not problems, "the session changed the cluster:\n" + "\n".join(problems[:40])
        assert zk is None or len(before["znodes"]) > 50  # the digest saw the whole tree...
        assert len(before["broker_configs"]) == 3 and all(len(c) > 100 for c in before["broker_configs"].values())
        assert before["end_offsets"] and before["committed"].get("analytics")  # ...and real data
    finally:
        if zk is not None:
            zk.stop()
            zk.close()


def test_the_digest_sees_a_write(cluster, admin: KafkaAdminClient, unique_name: str) -> None:
    """The proof is only as good as its digest: one committed offset or one znode must show up."""
    from kafka import KafkaConsumer
    from kafka.structs import OffsetAndMetadata

    zk = None
    if cluster.zookeeper:
        zk = KazooClient(hosts=cluster.zookeeper, timeout=10)
        zk.start(timeout=15)
    try:
        before = digest(admin, zk)
        consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap, group_id=unique_name, enable_auto_commit=False,
                                 request_timeout_ms=10000, bootstrap_timeout_ms=10000)
        try:
            tp = TopicPartition("audit", 0)
            consumer.assign([tp])
            consumer.commit({tp: OffsetAndMetadata(1, "", -1)})
        finally:
            consumer.close(autocommit=False)
        path = zk.create(f"/kafkatui-digest-{unique_name}", b"x") if zk is not None else None
        try:
            after = digest(admin, zk, before["groups"])
        finally:
            if path:
                zk.delete(path)
        problems = diff(before, after)
        assert any(p.startswith("groups:") for p in problems), problems
        assert any(p.startswith(f"committed: {unique_name}:") for p in problems), problems
        assert zk is None or any(p.startswith(f"znodes: {path}:") for p in problems), problems
    finally:
        with contextlib.suppress(Exception):  # the test's own group: leave no STOPped group behind
            admin.delete_groups([unique_name])
        if zk is not None:
            zk.stop()
            zk.close()
