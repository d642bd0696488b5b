"""ZooKeeperSource against the real local ZooKeeper (no mocks).

Tests set up their scenario with their own plain KazooClient under a unique
`/kafkatui-test-<uuid>` path and delete it afterwards; the source under test only reads.
"""

from __future__ import annotations

import json
import re
import struct
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kazoo.client import KazooClient

from kafkatui.model import SourceError, ZkState
from kafkatui.zookeeper.paths import child_path
from kafkatui.zookeeper.source import DATA_CAP_BYTES, ZooKeeperSource
from kafkatui.zookeeper.stats import four_letter_word, not_whitelisted, split_hosts
from tests.conftest import wait_for

TEN_THOUSAND = 10_000



@pytest.fixture(scope="module")
def zk_hosts(cluster) -> str:
    if not cluster.zookeeper:
        pytest.skip("cluster runs without ZooKeeper")
    return cluster.zookeeper


@pytest.fixture(scope="module")
def writer(zk_hosts: str) -> Iterator[KazooClient]:
    """The tests' own client for setup writes; never handed to kafkatui code."""
    client = KazooClient(hosts=zk_hosts, timeout=10)
    client.start(timeout=10)
    yield client
    client.stop()
    client.close()


@pytest.fixture
def scratch(writer: KazooClient) -> Iterator[str]:
    """A unique, empty znode for one test, removed with everything under it afterwards."""
    base = f"/kafkatui-test-{uuid.uuid4().hex[:12]}"
    writer.create(base)
    yield base
    if writer.exists(base):
        delete_tree(writer, base)


@pytest.fixture
def source(zk_hosts: str) -> Iterator[ZooKeeperSource]:
    src = ZooKeeperSource(zk_hosts)
    yield src
    src.close()


def delete_tree(client: KazooClient, path: str) -> None:
    """Delete `path` and everything under it with pipelined async calls (10,000 children in seconds)."""
    paths = [child_path(path, c) for c in client.get_children(path)]
    stats = [client.exists_async(p) for p in paths]
    leaves = []
    for p, result in zip(paths, [s.get(timeout=30) for s in stats], strict=True):
        if result and result.numChildren:
            delete_tree(client, p)
        else:
            leaves.append(p)
    for result in [client.delete_async(p) for p in leaves]:
        result.get(timeout=30)
    client.delete(path)


# --------------------------------------------------------------------------- connecting


def test_unreachable_start_fails_within_timeout() -> None:
    src = ZooKeeperSource("127.0.0.1:2")
    assert src.state is ZkState.CONNECTING
    began = time.monotonic()
    with pytest.raises(SourceError) as err:
        src.start()
    took = time.monotonic() - began
    assert str(err.value) == "zookeeper: cannot reach 127.0.0.1:2 within 4 s"
    assert err.value.source == "zookeeper"
    assert took < 4.0 + 0.5
    with pytest.raises(SourceError):  # reads fail fast instead of waiting again
        src.children("/")
    src.close()
    assert src.state is ZkState.CLOSED


def test_connects_and_closes(source: ZooKeeperSource) -> None:
    assert source.state is ZkState.CONNECTING
    source.start()
    assert source.state is ZkState.CONNECTED
    assert source.session_id
    source.close()
    assert source.state is ZkState.CLOSED
    with pytest.raises(SourceError, match="closed"):
        source.refresh()


# --------------------------------------------------------------------------- Kafka's znodes


def test_broker_ids_list_the_three_brokers(source: ZooKeeperSource) -> None:
    assert source.children("/brokers/ids") == ("1", "2", "3")


def test_broker_registration_is_json_and_explained(source: ZooKeeperSource, cluster) -> None:
    port = int(split_hosts(cluster.bootstrap)[0][1])
    node = source.node("/brokers/ids/1")
    registration = json.loads(node.data)
    assert registration["port"] == port
    assert node.truncated is False
    assert node.stat.ephemeral_owner != 0  # a live broker's registration is ephemeral
    assert node.stat.data_length == len(node.data)
    assert str(port) in node.meaning


def test_controller_node(source: ZooKeeperSource) -> None:
    node = source.node("/controller")
    assert json.loads(node.data)["brokerid"] in (1, 2, 3)
    assert node.meaning


def test_root_children_are_sorted_and_kafka_shaped(source: ZooKeeperSource) -> None:
    names = source.children("/")
    assert list(names) == sorted(names)
    assert {"brokers", "controller", "config", "zookeeper"} <= set(names)


# --------------------------------------------------------------------------- node details


def test_full_stat(source: ZooKeeperSource, writer: KazooClient, scratch: str) -> None:
    path = child_path(scratch, "stat")
    before_ms = int(time.time() * 1000) - 5000
    writer.create(path, b"one")
    writer.set(path, b"two")
    writer.set(path, b"three!")
    writer.create(child_path(path, "kid"))
    ephemeral = writer.create(child_path(scratch, "eph"), b"x", ephemeral=True)
    expected = writer.exists(path)

    node = source.node(path)
    stat = node.stat
    assert node.data == b"three!"
    assert (stat.czxid, stat.mzxid, stat.pzxid) == (expected.czxid, expected.mzxid, expected.pzxid)
    assert stat.czxid < stat.mzxid < stat.pzxid
    assert stat.version == 2 and stat.cversion == 1 and stat.aversion == 0
    assert stat.data_length == 6 and stat.num_children == 1
    assert stat.ephemeral_owner == 0
    assert before_ms <= stat.ctime_ms <= stat.mtime_ms <= int(time.time() * 1000) + 5000
    assert source.node(ephemeral).stat.ephemeral_owner == writer.client_id[0]


def test_binary_data_comes_back_byte_for_byte(source: ZooKeeperSource, writer: KazooClient, scratch: str) -> None:
    payload = bytes(range(256)) * 4 + b"\x00\xff\x1b[31m"
    path = writer.create(child_path(scratch, "bin"), payload)
    node = source.node(path)
    assert node.data == payload
    assert node.truncated is False


def test_empty_node_has_empty_data(source: ZooKeeperSource, writer: KazooClient, scratch: str) -> None:
    node = source.node(scratch)
    assert node.data == b"" and node.truncated is False and node.stat.data_length == 0


def test_one_megabyte_node_is_truncated_and_fast(source: ZooKeeperSource, writer: KazooClient, scratch: str) -> None:
    size = 1_000_000  # just under ZooKeeper's default jute.maxbuffer (0xfffff bytes)
    path = writer.create(child_path(scratch, "big"), b"k" * size)
    source.start()
    began = time.monotonic()
    node = source.node(path)
    took = time.monotonic() - began
    assert node.truncated is True
    assert len(node.data) == DATA_CAP_BYTES
    assert node.stat.data_length == size
    assert took < 1.0, f"node() of a 1 MB znode took {took:.3f}s"


def test_unicode_child_names(source: ZooKeeperSource, writer: KazooClient, scratch: str) -> None:
    names = ["naïve", "日本語", "Ωmega", "ascii", "ünïcødé-topic"]
    for name in names:
        writer.create(child_path(scratch, name), name.encode())
    assert source.children(scratch) == tuple(sorted(names))
    assert source.node(child_path(scratch, "日本語")).data == "日本語".encode()


def test_deleted_node_is_a_clear_error(source: ZooKeeperSource, writer: KazooClient, scratch: str) -> None:
    path = writer.create(child_path(scratch, "doomed"), b"bye")
    assert source.node(path).data == b"bye"
    writer.delete(path)
    with pytest.raises(SourceError) as err:
        source.node(path)
    assert str(err.value) == f"zookeeper: node {path} no longer exists"
    with pytest.raises(SourceError, match="no longer exists"):
        source.children(path)
    assert source.stats([path, scratch]).keys() == {scratch}  # vanished paths are left out


def test_bad_path_is_a_source_error(source: ZooKeeperSource) -> None:
    with pytest.raises(SourceError):
        source.node("no-leading-slash")


# --------------------------------------------------------------------------- 10,000 children


@pytest.fixture(scope="module")
def wide(writer: KazooClient) -> Iterator[str]:
    base = writer.create(f"/kafkatui-test-wide-{uuid.uuid4().hex[:12]}")
    pending = [writer.create_async(child_path(base, f"c{i:05d}"), b"v") for i in range(TEN_THOUSAND)]
    for result in pending:
        result.get(timeout=60)
    yield base
    delete_tree(writer, base)


def test_ten_thousand_children_list_fast(source: ZooKeeperSource, wide: str) -> None:
    source.start()
    began = time.monotonic()
    names = source.children(wide)
    took = time.monotonic() - began
    assert len(names) == TEN_THOUSAND
    assert names[0] == "c00000" and names[-1] == f"c{TEN_THOUSAND - 1:05d}"
    assert took < 1.0, f"children() of {TEN_THOUSAND} took {took:.3f}s"
    parent = source.node(wide)
    assert parent.stat.num_children == TEN_THOUSAND


def test_stats_batch_is_bounded(source: ZooKeeperSource, wide: str) -> None:
    names = source.children(wide)
    paths = [child_path(wide, n) for n in names]
    began = time.monotonic()
    stats = source.stats(paths, limit=200)
    took = time.monotonic() - began
    assert list(stats) == paths[:200]
    assert all(s.data_length == 1 and s.num_children == 0 for s in stats.values())
    assert took < 1.0, f"stats() of 200 took {took:.3f}s"
    assert source.stats(paths, limit=0) == {}


# --------------------------------------------------------------------------- server stats


def test_server_stats_from_srvr_and_mntr(source: ZooKeeperSource, zk_hosts: str) -> None:
    snap = source.refresh()
    assert snap.state is ZkState.CONNECTED
    assert snap.hosts == zk_hosts
    assert snap.duration_s >= 0 and snap.fetched_at > 0
    server = snap.server
    assert server is not None
    assert server.mode == "standalone"
    assert server.version and server.version[0].isdigit()
    assert server.znode_count and server.znode_count > 0
    assert server.connections and server.connections >= 1  # at least this source's session
    assert server.outstanding_requests is not None
    assert server.watch_count is not None and server.ephemerals_count and server.ephemerals_count >= 4
    assert server.approximate_data_size and server.approximate_data_size > 0
    assert server.latency_min_ms is not None and server.latency_max_ms is not None
    assert server.zxid and server.zxid.startswith("0x")
    assert server.missing_whitelist == ()
    assert server.host == zk_hosts


def test_stats_ask_the_server_that_answered_first(zk_hosts: str) -> None:
    """A hung server listed first costs its share of the timeout once, not on every refresh."""
    import socket

    with socket.socket() as hung:  # accepts connections (kernel backlog), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        hung_where = f"127.0.0.1:{hung.getsockname()[1]}"
        src = ZooKeeperSource(f"{hung_where},{zk_hosts}", timeout_s=4.0)
        try:
            started = time.monotonic()
            assert src.server_stats().host == zk_hosts
            assert time.monotonic() - started >= 1.5  # waited for the hung one first (2 s budget)
            for _ in range(3):
                started = time.monotonic()
                assert src.server_stats().host == zk_hosts
                assert time.monotonic() - started < 1.0, "asked the hung server first again"
        finally:
            src.close()


def test_real_server_refusal_text_is_recognised(zk_hosts: str) -> None:
    """`dump` is not in the local whitelist: the real refusal text must be what the parser expects."""
    host, port = split_hosts(zk_hosts)[0]
    reply = four_letter_word(host, port, "dump", 4.0)
    assert not_whitelisted(reply, "dump"), reply


# --------------------------------------------------------------------------- read-only proof

# Kafka itself rewrites these while a test runs (elections, broker restarts by fault tests, ISR
# changes, producer-id blocks); they are named here so nothing else can hide behind them.
KAFKA_REWRITES = (
    re.compile(r"^/controller$"),  # ephemeral; re-created on every controller election
    re.compile(r"^/controller_epoch$"),  # bumped on every controller election
    re.compile(r"^/brokers/ids/\d+$"),  # ephemeral broker registration; re-created on restart
    re.compile(r"^/brokers/topics/[^/]+/partitions/\d+/state$"),  # leader/ISR after a broker restart
    re.compile(r"^/isr_change_notification/"),  # transient; the controller deletes them
    re.compile(r"^/log_dir_event_notification/"),  # transient, as above
    re.compile(r"^/latest_producer_id_block$"),  # rewritten when a broker takes a new id block
)
TXN_TYPES = {-10: "createSession", -11: "closeSession"}


def scratch_node(path: str) -> bool:
    """Other tests' setup nodes (e.g. 10,000 children) are theirs, not Kafka's: not walked."""
    return path.startswith("/kafkatui-test-")


def walk_mzxids(client: KazooClient, path: str = "/") -> dict[str, int]:
    stat = client.exists(path)
    found = {path: stat.mzxid} if stat else {}
    for name in client.get_children(path) if stat else []:
        if not scratch_node(child_path(path, name)):
            found.update(walk_mzxids(client, child_path(path, name)))
    return found


def txn_log_entries(data_dir: Path) -> list[tuple[int, int, int]]:
    """(session id, zxid, txn type) of every transaction in ZooKeeper's on-disk transaction logs.

    Format (FileTxnLog): a 16-byte header ("ZKLG", version, dbid), then per entry a crc (long),
    a length-prefixed TxnHeader + record, and an end-of-record byte 'B'; zero length ends a file.
    """
    entries = []
    for log in sorted(data_dir.glob("version-2/log.*")):
        with log.open("rb") as fh:
            if fh.read(4) != b"ZKLG":
                continue
            fh.read(12)
            while True:
                head = fh.read(12)
                if len(head) < 12:
                    break
                _crc, length = struct.unpack(">qi", head)
                if length <= 0:
                    break
                txn = fh.read(length)
                fh.read(1)
                session, _cxid, zxid, _time, kind = struct.unpack(">qiqqi", txn[:32])
                entries.append((session, zxid, kind))
    return entries


def read_everything(source: ZooKeeperSource, path: str = "/") -> int:
    """node() and children() of every znode, plus a stats() batch per level; returns nodes read.

    A node deleted by someone else mid-walk (a topic being deleted) is skipped, as the UI would.
    """
    try:
        source.node(path)
        names = [n for n in source.children(path) if not scratch_node(child_path(path, n))]
    except SourceError as exc:
        if "no longer exists" in str(exc):
            return 0
        raise
    source.stats([child_path(path, n) for n in names])
    return 1 + sum(read_everything(source, child_path(path, n)) for n in names)


def test_a_session_of_reads_writes_nothing(zk_hosts: str, writer: KazooClient, cluster) -> None:
    before = walk_mzxids(writer)
    src = ZooKeeperSource(zk_hosts)
    src.refresh()
    session = src.session_id
    assert session
    visited = read_everything(src)
    src.refresh()
    src.close()
    after = walk_mzxids(writer)

    assert visited >= len(before) // 2
    # Nodes that appeared or vanished meanwhile (topics created or deleted by other clients) are
    # left to the transaction-log check below, which knows who wrote what.
    changed = {
        p: (before[p], after[p])
        for p in before.keys() & after.keys()
        if before[p] != after[p] and not any(rx.match(p) for rx in KAFKA_REWRITES)
    }
    assert changed == {}, f"znodes changed during a read-only session: {changed}"

    # The cluster fixture always runs localcluster, whose ZooKeeper writes its transaction log here:
    # no log to read is a broken set-up, not a reason to leave the check out.
    data_dir = cluster.state_dir / "zookeeper" / "data"
    assert sorted(data_dir.glob("version-2/log.*")), f"no ZooKeeper transaction log under {data_dir}"
    ours = [(hex(z), TXN_TYPES.get(k, k)) for s, z, k in txn_log_entries(data_dir) if s == session]
    assert ours, "the transaction log does not show this session at all; parser out of date?"
    assert {kind for _, kind in ours} <= {"createSession", "closeSession"}, ours


# --------------------------------------------------------------------------- faults


@pytest.mark.faults
def test_zookeeper_outage_then_recovery_without_a_new_source(cluster, zk_hosts: str) -> None:
    """Killed ZooKeeper: state leaves CONNECTED, reads raise SourceError fast; back: CONNECTED by itself."""
    src = ZooKeeperSource(zk_hosts, timeout_s=4.0)
    src.start()
    assert src.state is ZkState.CONNECTED
    try:
        cluster.kill("zookeeper")
        wait_for("SUSPENDED or LOST", lambda: src.state in (ZkState.SUSPENDED, ZkState.LOST), timeout=src.timeout_s + 2)
        began = time.monotonic()
        with pytest.raises(SourceError):
            src.refresh()
        with pytest.raises(SourceError, match="not connected"):
            src.children("/brokers/ids")
        assert time.monotonic() - began < src.timeout_s
    finally:
        cluster.restart("zookeeper")
    try:
        wait_for("CONNECTED again", lambda: src.state is ZkState.CONNECTED, timeout=30)
        snap = src.refresh()
        assert snap.state is ZkState.CONNECTED and snap.server and snap.server.mode == "standalone"
        assert "ids" in src.children("/brokers")
    finally:
        src.close()
        cluster.ensure_up()


@pytest.mark.faults
def test_paused_zookeeper_every_call_stays_bounded(cluster, zk_hosts: str) -> None:
    """SIGSTOPped ZooKeeper accepts TCP but never answers: calls must time out, not hang."""
    src = ZooKeeperSource(zk_hosts, timeout_s=2.0)
    src.start()
    try:
        cluster.pause("zookeeper")
        for call in (src.refresh, lambda: src.node("/controller"), lambda: src.children("/brokers/ids")):
            began = time.monotonic()
            with pytest.raises(SourceError):
                call()
            assert time.monotonic() - began < src.timeout_s + 1.0
    finally:
        cluster.resume("zookeeper")
    try:
        wait_for("CONNECTED again", lambda: src.state is ZkState.CONNECTED, timeout=30)
        assert src.children("/brokers/ids")
    finally:
        src.close()
        cluster.ensure_up()
