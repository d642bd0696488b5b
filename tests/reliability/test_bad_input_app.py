"""The issue's bad-input list, through the real app (Pilot) on the real cluster.

Each case is written with the tests' own clients (KazooClient, KafkaAdminClient, KafkaProducer)
under unique names, shown through KafkaTuiApp, and removed afterwards. Every case checks: no
crash (`view_errors` empty, app running), a clear message, nothing lost, no raw control
character on screen, and every key press still handled (KeyProbe in helpers.py counts them).

Source-level versions of the znode cases live in tests/live/test_zookeeper_source.py and of
the hostile records in tests/ui/test_tail_live.py (a host app); these run inside the real app.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from kafka import KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import RequestTimedOutError
from kazoo.client import KazooClient

from kafkatui.tail.start import parse_start
from kafkatui.ui.screens.topic_detail import TopicDetailScreen
from kafkatui.ui.tail.record_detail import RecordDetailScreen
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.tail.table import TailTable
from kafkatui.ui.widgets.table import FilterTable
from kafkatui.ui.zookeeper.tree import MAX_CHILDREN, ZnodeTree
from tests.conftest import close_producer
from tests.reliability.conftest import delete_tree
from tests.reliability.helpers import CLIENT_LIMITS, KeyProbe, text, tree_children, wait_until

SIZE = (160, 48)
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x00", "\u202e", "\u200b")
ONE_MB = 1_000_000  # ZooKeeper's default jute.maxbuffer is 0xfffff bytes


def assert_no_raw_controls(app: Any) -> None:
    shown = text(app) + app.export_screenshot()
    for raw in RAW_CONTROLS:
        assert raw not in shown, f"raw {raw!r} reached the screen"


def child_labels(tree: ZnodeTree, path: str) -> str:
    """The labels shown under `path`, joined (walking Textual's public Tree API)."""
    stack = [tree.root]
    while stack:
        node = stack.pop()
        if node.data == path:
            return " ".join(str(c.label) for c in node.children)
        stack.extend(node.children)
    return ""


def zk_view(app: Any) -> tuple[ZnodeTree, str]:
    return app.screen.query_one(ZnodeTree), str(app.screen.query_one("#zk-data").content)


async def jump_znode(pilot: Any, probe: KeyProbe, path: str, what: str, timeout: float = 20) -> None:
    app = pilot.app
    app.open_znode(path)
    await wait_until(pilot, lambda: app.screen.query_one(ZnodeTree).cursor_path == path
                     and getattr(app.screen, "selected_path", None) == path, timeout, what, probe=probe)


# --------------------------------------------------------------------------- znodes


async def test_hostile_znodes_binary_one_megabyte_unicode_and_deleted(
    app_factory, zk_writer: KazooClient, scratch: str, probe: KeyProbe
) -> None:
    binary = zk_writer.create(f"{scratch}/binary", bytes(range(256)) * 4)
    big = zk_writer.create(f"{scratch}/big", b"k" * ONE_MB)
    big_binary = zk_writer.create(f"{scratch}/big-binary", bytes(range(256)) * (ONE_MB // 256))
    names = ["naïve", "日本語", "Ωmega", "zero\u200bwidth", "rtl-\u202egnp.exe"]  # ZooKeeper refuses astral chars
    for name in names:
        zk_writer.create(f"{scratch}/{name}", name.encode())
    doomed = zk_writer.create(f"{scratch}/doomed", b"bye")

    app = app_factory(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await probe.warm(pilot, end="zookeeper")
        await wait_until(pilot, lambda: app.state.zookeeper is not None, 30, "ZooKeeper connected")

        await jump_znode(pilot, probe, binary, "the binary znode")
        await wait_until(pilot, lambda: "binary · 1,024 bytes" in zk_view(app)[1], 10, "a hex dump", probe=probe)
        assert "00 01 02 03" in zk_view(app)[1]
        assert_no_raw_controls(app)

        began = time.monotonic()
        await jump_znode(pilot, probe, big, "the 1 MB znode")
        await wait_until(pilot, lambda: "truncated: first 262,144 of 1,000,000 bytes read" in zk_view(app)[1], 10,
                         "the 1 MB node, truncated and saying so", probe=probe)
        assert time.monotonic() - began < 5
        assert "dataLength 1,000,000" in text(app)
        await jump_znode(pilot, probe, big_binary, "the 1 MB binary znode")
        await wait_until(pilot, lambda: "truncated: first 262,144 of 999,936 bytes read" in zk_view(app)[1], 10,
                         "the 1 MB binary node", probe=probe)
        for _ in range(3):
            await probe.help_roundtrip(pilot)
        assert_no_raw_controls(app)

        await jump_znode(pilot, probe, f"{scratch}/日本語", "a unicode name")
        await wait_until(pilot, lambda: "日本語" in zk_view(app)[1], 10, "its data", probe=probe)
        tree = app.screen.query_one(ZnodeTree)
        await jump_znode(pilot, probe, f"{scratch}/rtl-\u202egnp.exe", "a name with a bidi override")
        screen = text(app)
        for name in ("naïve", "日本語", "Ωmega", "zero\\u200bwidth"):
            assert name in screen, name
        assert "rtl-\\u202egnp.exe" in screen  # the spoofing character is shown escaped, not obeyed
        assert_no_raw_controls(app)

        await jump_znode(pilot, probe, doomed, "the doomed znode")
        await wait_until(pilot, lambda: "bye" in zk_view(app)[1], 10, "its data", probe=probe)
        zk_writer.delete(doomed)
        await wait_until(pilot, lambda: "no longer exists" in zk_view(app)[1], 10,
                         "'no longer exists' for the node deleted under the cursor", probe=probe)
        assert doomed in tree_children(tree, scratch)
        await pilot.press("r")  # reload: the deleted node leaves the tree
        await wait_until(pilot, lambda: doomed not in tree_children(tree, scratch)
                         and f"{scratch}/naïve" in tree_children(tree, scratch), 10, "the tree without it", probe=probe)
        assert app.is_running and app.view_errors == []
    probe.check()


@pytest.fixture(scope="module")
def wide(zk_writer: KazooClient) -> Any:
    base = zk_writer.create(f"/kafkatui-reliability-wide-{int(time.time() * 1000)}")
    pending = [zk_writer.create_async(f"{base}/c{i:05d}", b"v") for i in range(10_000)]
    for result in pending:
        result.get(timeout=60)
    yield base
    delete_tree(zk_writer, base)


async def test_ten_thousand_children_stay_responsive(app_factory, wide: str, probe: KeyProbe) -> None:
    app = app_factory(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await probe.warm(pilot, end="zookeeper")
        began = time.monotonic()
        await jump_znode(pilot, probe, wide, "the node with 10,000 children", timeout=30)
        await wait_until(pilot, lambda: "numChildren 10,000" in text(app), 15, "its Stat", probe=probe)
        tree = app.screen.query_one(ZnodeTree)
        await wait_until(pilot, lambda: len(tree_children(tree, wide)) == MAX_CHILDREN
                         and f"… {10_000 - MAX_CHILDREN:,} more (use : to jump)" in child_labels(tree, wide), 15,
                         "the first 1,000 children and a note for the rest", probe=probe)
        print(f"10,000 children listed in {time.monotonic() - began:.2f}s")
        for key in ("j", "j", "k", "G", "g"):
            before = tree.cursor_line
            await probe.press(pilot, key, lambda before=before: tree.cursor_line != before, f"tree {key}")
        for _ in range(3):
            await probe.help_roundtrip(pilot)
        # beyond the cap: `:` reaches any child
        await jump_znode(pilot, probe, f"{wide}/c09999", "a child beyond the cap")
        await wait_until(pilot, lambda: "wide" in text(app) and "c09999" in text(app), 10, "the last child")
        assert app.is_running and app.view_errors == []
    probe.check()


# --------------------------------------------------------------------------- records


def hostile_records() -> list[dict[str, Any]]:
    osc52 = b"\x1b]52;c;aGVsbG8=\x07"
    hostile = b"evil " + osc52 + b" csi \x1b[2J bell \x07 c1 \xc2\x9b and text after it"
    return [
        {"key": b"\xff\xfe\x00 not utf-8 \x9b", "value": b"\xff\xfe\x1b[2J\x07 raw bytes \x9b not utf-8"},
        {"key": b"big", "value": b"v" * (1024 * 1024)},
        {"key": b"", "value": b""},
        {"key": None, "value": b"null key"},
        {"key": b"null value", "value": None},
        {"key": hostile, "value": hostile, "headers": [("evil\x1b[2J", hostile), ("bell", b"\x07\x07")]},
        {"key": b"headers", "value": b"100 headers", "headers": [(f"h{i:03d}", f"v{i}".encode()) for i in range(100)]},
    ]


async def test_hostile_records_in_the_tail(cluster, app_factory, admin, unique_name, probe: KeyProbe) -> None:
    big = {"max.message.bytes": str(4 * 1024 * 1024), "segment.bytes": str(16 * 1024 * 1024)}  # the local
    admin.create_topics([NewTopic(unique_name, 1, 1, topic_configs=big)], wait_for_metadata=True)  # segments: 1 MB
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-reliability-records",
                             acks="all", linger_ms=0, max_request_size=4 * 1024 * 1024,
                             allow_auto_create_topics=False, **CLIENT_LIMITS)
    records = hostile_records()
    try:
        sent = [producer.send(unique_name, key=r["key"], value=r["value"], headers=r.get("headers", []), partition=0)
                for r in records]
        producer.flush(timeout=30)
        assert [f.get(timeout=10).offset for f in sent] == list(range(len(records)))
        app = app_factory(refresh=1.0)
        async with app.run_test(size=(200, 40)) as pilot:
            await wait_until(pilot, lambda: app.state.cluster is not None, 40, "first data")
            app.open_tail(unique_name, start=parse_start("earliest"))
            await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), 10, "the tail")
            tail = app.screen
            await wait_until(pilot, lambda: tail.query_one(TailTable).row_count == len(records), 30,
                             "every record listed", probe=probe)
            table = tail.query_one(TailTable)
            rows = [table.row_plain(i) for i in range(table.row_count)]
            assert "ff fe" in rows[0]  # not UTF-8: a hex preview, never raw bytes
            assert "1.0 MiB" in rows[1] or "1,048,576" in rows[1] or "1 MiB" in rows[1], rows[1]
            assert rows[2].count("(empty)") == 2
            assert "(null)" in rows[3] and "null key" in rows[3] and "(null)" in rows[4]
            assert "\\x1b]52;c;aGVsbG8=\\x07" in rows[5] and "\\x1b[2J" in rows[5] and "\\u009b" in rows[5]
            assert "2 evil\\x1b[2J=" in rows[5]  # header count and the escaped header name
            assert "100 h000=v0" in rows[6]
            assert [r.offset for r in tail.ring] == list(range(len(records)))  # nothing lost
            assert tail.ring.snapshot()[1].value_size == 1024 * 1024
            assert_no_raw_controls(app)

            for index, expect in ((5, "evil\\x1b[2J = evil"), (6, "h099 = v99"), (1, "1.0 MiB")):
                await pilot.press("g", *(["j"] * index), "enter")
                await wait_until(pilot, lambda: isinstance(app.screen, RecordDetailScreen), 10, "the detail view")
                detail = str(app.screen.query_one("#record-detail").content)
                assert expect in detail, (index, detail[:400])
                if index == 5:
                    assert "bell = 07 07" in detail  # an all-control header value is shown as hex
                assert_no_raw_controls(app)
                await pilot.press("escape")
                await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), 10, "back to the list")
            for _ in range(3):
                await probe.help_roundtrip(pilot)
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        close_producer(producer)
        admin.delete_topics([unique_name])


# --------------------------------------------------------------------------- topics


async def test_topic_with_1000_partitions(app_factory, admin, unique_name, probe: KeyProbe) -> None:
    began = time.monotonic()
    # the ZooKeeper-mode controller keeps creating them after the admin's 10 s request timeout
    with contextlib.suppress(RequestTimedOutError):
        admin.create_topics([NewTopic(unique_name, 1000, 1)], wait_for_metadata=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = admin.describe_topics([unique_name])
        if found and len(found[0].get("partitions") or []) == 1000:
            break
        time.sleep(1)
    print(f"created 1,000 partitions in {time.monotonic() - began:.1f}s")
    try:
        app = app_factory(refresh=2.0)
        async with app.run_test(size=SIZE) as pilot:
            await probe.warm(pilot, end="topics")
            topics = app.screen.query_one(FilterTable)
            await wait_until(pilot, lambda: unique_name in topics.visible_keys(), 60, "the topic listed", probe=probe)
            assert "1,000" in topics.plain_row(unique_name) or " 1000 " in f" {topics.plain_row(unique_name)} "
            app.open_topic(unique_name)
            await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen)
                             and app.screen.query_one("#topic-partitions", FilterTable).visible_count == 1000, 30,
                             "1,000 partition rows", probe=probe)
            parts = app.screen.query_one("#topic-partitions", FilterTable)
            assert "1000 partitions" in text(app) or "1,000 partitions" in text(app)
            for key in ("G", "g", "j", "k"):
                before = parts.cursor_row
                await probe.press(pilot, key, lambda before=before: parts.cursor_row != before, f"table {key}")
            await pilot.press("slash", *"^99", "enter")
            await wait_until(pilot, lambda: parts.visible_count == 11, 10, "filtered to 99, 990-999")
            for _ in range(3):  # refreshes of a 1,000-row table must not hold keys up
                await probe.help_roundtrip(pilot)
                await pilot.pause(0.5)
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        admin.delete_topics([unique_name])


async def test_topic_deleted_while_open(app_factory, admin, unique_name, probe: KeyProbe) -> None:
    admin.create_topics([NewTopic(unique_name, 3, 1)], wait_for_metadata=True)
    deleted = False
    try:
        app = app_factory(refresh=1.0)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.state.cluster is not None
                             and app.state.cluster.topic(unique_name) is not None, 40, "the topic in the metadata")
            app.open_topic(unique_name)
            await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen)
                             and app.screen.query_one("#topic-partitions", FilterTable).visible_count == 3, 20,
                             "its 3 partitions")
            admin.delete_topics([unique_name])
            deleted = True
            await wait_until(pilot, lambda: f"topic {unique_name} no longer exists" in text(app), 30,
                             "'no longer exists'", probe=probe)
            assert app.screen.query_one("#topic-partitions", FilterTable).visible_count == 0
            await probe.press(pilot, "escape", lambda: type(app.screen).__name__ == "TopicsScreen", "back")
            assert unique_name not in app.screen.query_one(FilterTable).visible_keys()
            assert app.is_running and app.view_errors == []
        probe.check()
    finally:
        if not deleted:
            admin.delete_topics([unique_name])


async def test_empty_and_compacted_topics(app_factory, probe: KeyProbe) -> None:
    """The seeded `empty` (no record ever) and `customers` (cleanup.policy=compact) topics."""
    app = app_factory(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 40, "first data")
        app.open_topic("empty")
        await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen)
                         and app.screen.query_one("#topic-partitions", FilterTable).visible_count == 1, 20,
                         "empty's partition")
        parts = app.screen.query_one("#topic-partitions", FilterTable)
        offsets = {column: parts.get_cell("0", column).plain for column in ("earliest", "latest", "count")}
        assert offsets == {"earliest": "0", "latest": "0", "count": "0"}, parts.plain_row("0")  # read, not "—"
        app.open_tail("empty", start=parse_start("earliest"))
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen) and app.screen.status.state == "running",
                         20, "the tail of an empty topic running")
        await pilot.pause(1.0)
        assert app.screen.query_one(TailTable).row_count == 0 and app.screen.status.error is None
        await probe.press(pilot, "escape", lambda: isinstance(app.screen, TopicDetailScreen), "back from the tail")

        app.open_topic("customers")
        await wait_until(pilot, lambda: isinstance(app.screen, TopicDetailScreen) and app.screen.topic == "customers"
                         and "cleanup.policy" in app.screen.query_one("#topic-configs", FilterTable).visible_keys(),
                         20, "customers' configs")
        configs = app.screen.query_one("#topic-configs", FilterTable)
        assert "compact" in configs.plain_row("cleanup.policy") and "●" in configs.plain_row("cleanup.policy")
        app.open_tail("customers", start=parse_start("earliest"))
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen)
                         and app.screen.query_one(TailTable).row_count > 0, 20, "compacted records in the tail",
                         probe=probe)
        by_partition: dict[int, list[int]] = {}
        for record in app.screen.ring:
            by_partition.setdefault(record.partition, []).append(record.offset)
        assert all(offsets == sorted(set(offsets)) for offsets in by_partition.values())  # gaps are fine
        assert app.screen.status.error is None
        assert app.is_running and app.view_errors == []
    probe.check()
