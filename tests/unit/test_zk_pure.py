"""Pure parts of the ZooKeeper source: reply parsing, host strings, the read-only facade's shape."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from kazoo.client import KazooClient
from kazoo.protocol.states import ZnodeStat

from kafkatui.model import ZkServerStats, ZStat
from kafkatui.zookeeper import nodes as zookeeper_nodes
from kafkatui.zookeeper import source as zookeeper
from kafkatui.zookeeper.nodes import to_zstat
from kafkatui.zookeeper.paths import child_path, split_path
from kafkatui.zookeeper.readonly import ReadOnlyZk
from kafkatui.zookeeper.stats import not_whitelisted, parse_mntr, parse_srvr, server_stats, split_hosts

SRVR = """Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
Latency min/avg/max: 0/1.6739/37
Received: 416
Sent: 426
Connections: 4
Outstanding: 0
Zxid: 0xa6
Mode: standalone
Node count: 127
"""

MNTR = "\n".join(
    f"{k}\t{v}"
    for k, v in [
        ("zk_version", "3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC"),
        ("zk_server_state", "leader"),
        ("zk_ephemerals_count", "4"),
        ("zk_num_alive_connections", "5"),
        ("zk_avg_latency", "1.25"),
        ("zk_outstanding_requests", "2"),
        ("zk_znode_count", "130"),
        ("zk_watch_count", "26"),
        ("zk_min_latency", "0"),
        ("zk_approximate_data_size", "9395"),
        ("zk_max_latency", "37"),
    ]
) + "\n"

REFUSED_MNTR = "mntr is not executed because it is not in the whitelist.\n"
REFUSED_SRVR = "srvr is not executed because it is not in the whitelist.\n"

WRITE_WORDS = ("set", "create", "delete", "ensure", "transaction", "reconfig", "add_auth", "sync",
               "start", "stop", "close", "restart", "command", "client", "retry", "handler")


# --------------------------------------------------------------------------- four-letter words


def test_srvr_and_mntr_combine_with_mntr_winning() -> None:
    stats = server_stats(SRVR, MNTR, host="zk:2181")
    assert stats == ZkServerStats(
        version="3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c",
        mode="leader",
        latency_min_ms=0.0,
        latency_avg_ms=1.25,
        latency_max_ms=37.0,
        znode_count=130,
        connections=5,
        outstanding_requests=2,
        watch_count=26,
        ephemerals_count=4,
        approximate_data_size=9395,
        zxid="0xa6",
        missing_whitelist=(),
        host="zk:2181",
    )


def test_mntr_not_whitelisted_falls_back_to_srvr() -> None:
    stats = server_stats(SRVR, REFUSED_MNTR)
    assert stats.missing_whitelist == ("mntr",)
    assert stats.mode == "standalone"
    assert stats.version == "3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c"
    assert (stats.latency_min_ms, stats.latency_avg_ms, stats.latency_max_ms) == (0.0, 1.6739, 37.0)
    assert (stats.znode_count, stats.connections, stats.outstanding_requests) == (127, 4, 0)
    assert stats.zxid == "0xa6"
    # only mntr knows these: unknown, and the refusal text is never shown as data
    assert stats.watch_count is None and stats.ephemerals_count is None and stats.approximate_data_size is None
    assert "whitelist" not in repr(stats).replace("missing_whitelist", "")


def test_both_refused_gives_no_data_and_names_both() -> None:
    stats = server_stats(REFUSED_SRVR, REFUSED_MNTR)
    assert stats.missing_whitelist == ("srvr", "mntr")
    assert stats == ZkServerStats(missing_whitelist=("srvr", "mntr"))


def test_server_not_serving_requests() -> None:
    reply = "This ZooKeeper instance is not currently serving requests\n"
    stats = server_stats(reply, reply)
    assert stats.mode == "not serving requests"
    assert stats.znode_count is None and stats.missing_whitelist == ()


def test_no_replies_mean_unknown() -> None:
    assert server_stats(None, None) == ZkServerStats()


def test_not_whitelisted_matches_only_the_refusal() -> None:
    assert not_whitelisted(REFUSED_MNTR, "mntr")
    assert not not_whitelisted(REFUSED_MNTR, "srvr")
    assert not not_whitelisted(MNTR, "mntr")
    assert not not_whitelisted("", "mntr")


def test_parsers_ignore_noise() -> None:
    assert parse_srvr("garbage\nMode: follower\n\n") == {"Mode": "follower"}
    assert parse_mntr("zk_x\t1\nnot a pair\nfoo\tbar\nzk_y\t2.5\n") == {"zk_x": "1", "zk_y": "2.5"}


def test_odd_numbers_do_not_crash() -> None:
    stats = server_stats("Latency min/avg/max: a/b\nNode count: lots\n", "zk_znode_count\t12.0\nzk_avg_latency\tNaN?\n")
    assert stats.znode_count == 12
    assert stats.latency_avg_ms is None and stats.latency_min_ms is None


# --------------------------------------------------------------------------- hosts and paths


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        ("127.0.0.1:21810", [("127.0.0.1", 21810)]),
        ("a:1,b:2/kafka", [("a", 1), ("b", 2)]),
        ("zk1", [("zk1", 2181)]),
        ("[::1]:2182,[fe80::1]", [("::1", 2182), ("fe80::1", 2181)]),
        (" a:1 , ,b:2 ", [("a", 1), ("b", 2)]),
    ],
)
def test_split_hosts(hosts: str, expected: list[tuple[str, int]]) -> None:
    assert split_hosts(hosts) == expected


def test_child_path() -> None:
    assert child_path("/", "brokers") == "/brokers"
    assert child_path("/brokers", "ids") == "/brokers/ids"
    assert child_path("/brokers/", "ids") == "/brokers/ids"
    assert split_path("/brokers/ids/") == ["brokers", "ids"] and split_path("/") == []


def test_to_zstat_keeps_every_field() -> None:
    raw = ZnodeStat(czxid=1, mzxid=2, ctime=3000, mtime=4000, version=5, cversion=6, aversion=7,
                    ephemeralOwner=8, dataLength=9, numChildren=10, pzxid=11)
    assert to_zstat(raw) == ZStat(czxid=1, mzxid=2, pzxid=11, ctime_ms=3000, mtime_ms=4000, version=5,
                                  cversion=6, aversion=7, ephemeral_owner=8, data_length=9, num_children=10)


def test_describe_failure_is_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str, data: bytes | None) -> str:
        raise ValueError("bug in the describer")

    monkeypatch.setattr(zookeeper_nodes, "_describe_znode", broken)
    assert zookeeper_nodes.describe("/controller", b"{}") == ""
    monkeypatch.setattr(zookeeper_nodes, "_describe_znode", None)
    assert zookeeper_nodes.describe("/controller", b"{}") == ""


# --------------------------------------------------------------------------- read-only by construction


def test_facade_has_only_reads() -> None:
    public = {name for name in dir(ReadOnlyZk) if not name.startswith("_")}
    assert public == {"get", "get_children", "exists", "get_acls", "exists_many"}
    for name in dir(ReadOnlyZk):
        for word in WRITE_WORDS:
            assert not (name.startswith(word) or f"_{word}" in name.lstrip("_")), name


def test_facade_hides_the_client() -> None:
    client = KazooClient(hosts="127.0.0.1:2")  # constructing does not connect
    facade = ReadOnlyZk(client, 1.0)
    for name in dir(facade):
        if not name.startswith("_"):
            assert not isinstance(getattr(facade, name), KazooClient), name
            assert getattr(getattr(facade, name), "__self__", None) is not client, name
    with pytest.raises(AttributeError):
        facade.client = client  # type: ignore[attr-defined]  # __slots__: nothing can be bolted on
    assert not hasattr(facade, "__dict__")


def test_zookeeper_module_never_calls_a_write() -> None:
    """Belt and braces: no call in the source (the kafkatui/zookeeper/ package) spells a kazoo
    write, sync or async."""
    paths = sorted(Path(zookeeper.__file__).parent.glob("*.py"))
    # the glob must find the facade's module, or this test would pass vacuously
    assert {"source.py", "readonly.py"} <= {p.name for p in paths}
    writes = {"create", "set", "delete", "ensure_path", "transaction", "set_acls", "reconfig", "sync",
              "create_async", "set_async", "delete_async", "set_acls_async", "reconfig_async", "sync_async",
              "command"}
    for path in paths:
        tree = ast.parse(path.read_text())
        called = {node.func.attr for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
        assert not called & writes, path.name


def test_source_has_no_public_client() -> None:
    source = zookeeper.ZooKeeperSource("127.0.0.1:2")
    public = {name for name in dir(source) if not name.startswith("_")}
    assert public == {"hosts", "timeout_s", "state", "session_id", "start", "close", "refresh",
                      "server_stats", "children", "node", "stats"}


def test_sources_do_not_import_textual() -> None:
    code = ("import sys, kafkatui.zookeeper.source, kafkatui.processes.source; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
