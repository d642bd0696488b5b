"""Frozen AppState data and a tiny host App for pure UI tests and SVG snapshots.

Why frozen data: snapshot tests guard layout, so the data must not move between runs. The
cluster looks like the demo one (3 brokers, orders/payments/logs/customers/empty plus
__consumer_offsets), with one under-replicated partition, a healthy and a stopped group,
a ZooKeeper tree and host processes. Nothing here stands in for Kafka in a test that claims
to test Kafka; the live tests in test_views_live.py do that.

`frozen_app()` is the real KafkaTuiApp (live=False, so no source runs) whose on-demand
`request(...)` is answered from the frozen ZooKeeper tree and topic configs here, on the UI
thread like the real one. `wait_for` polls a condition instead of sleeping.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App

from kafkatui.model import (
    AclBinding,
    Broker,
    ClientQuota,
    ClusterSnapshot,
    ConfigEntry,
    ConfigSnapshot,
    DiskUsage,
    Group,
    GroupMember,
    GroupPartition,
    GroupsSnapshot,
    JvmProcess,
    LagStatus,
    NotFoundError,
    Partition,
    ProcessesSnapshot,
    Quorum,
    QuorumVoter,
    ScramUser,
    SecuritySnapshot,
    SourceError,
    Topic,
    ZkServerStats,
    ZkSnapshot,
    ZkState,
    ZNode,
    ZStat,
)
from kafkatui.refresh.state import AppState, Source, SourceHealth
from kafkatui.zookeeper.znodes import describe_znode

NOW = 1_717_000_000.0  # 2024-05-29 16:26:40 UTC
HOSTILE = "evil\x1b]52;c;aGk=\x07\x1b[2Jname"  # OSC 52 clipboard write + clear screen
BROKERS = (Broker(1, "127.0.0.1", 19092), Broker(2, "127.0.0.1", 19093), Broker(3, "127.0.0.1", 19094))


def _rot(i: int, n: int = 3, rf: int = 3) -> tuple[int, ...]:
    return tuple(((i + k) % n) + 1 for k in range(rf))


def _partitions(topic: str, count: int, rf: int, base: int, rate: float, size: int) -> tuple[Partition, ...]:
    parts = []
    for i in range(count):
        replicas = _rot(i, rf=rf)
        parts.append(
            Partition(
                topic,
                i,
                replicas[0],
                replicas,
                replicas,
                earliest=i * 10,
                latest=base + i * 137,
                size_bytes=size + i * 4096,
                msgs_per_s=rate,
            )
        )
    return tuple(parts)


def _orders() -> Topic:
    parts = list(_partitions("orders", 6, 3, 12_000, 4.2, 1_200_000))
    # orders-2: broker 3 fell out of the ISR; orders-4: led by its second replica
    parts[2] = replace(parts[2], leader=3, replicas=(3, 1, 2), isr=(3, 1))
    parts[4] = replace(parts[4], leader=parts[4].replicas[1])
    return Topic("orders", False, tuple(parts), msgs_per_s=25.2)


def cluster_snapshot(*, extra_topics: tuple[Topic, ...] = (), drop: str | None = None) -> ClusterSnapshot:
    topics = [
        _orders(),
        Topic("payments", False, _partitions("payments", 3, 3, 5_400, 1.5, 800_000), msgs_per_s=4.5),
        Topic("logs", False, _partitions("logs", 4, 2, 250_000, 120.0, 52_000_000), msgs_per_s=480.0),
        Topic("customers", False, _partitions("customers", 2, 3, 900, 0.0, 64_000), msgs_per_s=0.0),
        Topic("empty", False, _partitions("empty", 1, 1, 0, 0.0, 0), msgs_per_s=0.0),
        Topic("__consumer_offsets", True, _partitions("__consumer_offsets", 50, 3, 40, 0.2, 8192), msgs_per_s=10.0),
        *extra_topics,
    ]
    return ClusterSnapshot(
        fetched_at=NOW,
        duration_s=0.12,
        cluster_id="q1Sh-9_ISia_zwGINzRvyQ",
        controller_id=1,
        brokers=BROKERS,
        topics=tuple(t for t in topics if t.name != drop),
    )


def groups_snapshot(*, extra: tuple[Group, ...] = ()) -> GroupsSnapshot:
    members = (
        GroupMember(
            "consumer-billing-1-4f1c",
            "billing-1",
            "/127.0.0.1",
            (*tuple(("orders", p) for p in range(3)), ("payments", 0), ("payments", 1)),
        ),
        GroupMember(
            "consumer-billing-2-9a0e",
            "billing-2",
            "/127.0.0.1",
            (*tuple(("orders", p) for p in range(3, 6)), ("payments", 2)),
        ),
    )
    billing_parts = tuple(
        GroupPartition("orders", p, 12_000 + p * 137 - 3, 12_000 + p * 137, "billing-1" if p < 3 else "billing-2")
        for p in range(6)
    ) + tuple(
        GroupPartition("payments", p, 5_400 + p * 137, 5_400 + p * 137, "billing-1" if p < 2 else "billing-2")
        for p in range(3)
    )
    analytics_parts = tuple(GroupPartition("logs", p, 200_000 + p * 100, 250_000 + p * 137) for p in range(4))
    groups = (
        Group("billing", "Stable", "consumer", "range", members, billing_parts, LagStatus.OK, "keeping up"),
        Group(
            "analytics",
            "Empty",
            "consumer",
            "",
            (),
            analytics_parts,
            LagStatus.STOP,
            "no members; committed offsets unchanged for 6m 40s",
            coordinator=2,
        ),
        Group(
            "audit",
            "Stable",
            "consumer",
            "cooperative-sticky",
            (GroupMember("consumer-audit-1-77aa", "audit-1", "/10.0.0.7", (("payments", 0),)),),
            (GroupPartition("payments", 0, 5_000, 5_400, "audit-1"),),
            LagStatus.WARN,
            "lag grew on 3 refreshes",
        ),
        *extra,
    )
    return GroupsSnapshot(fetched_at=NOW, duration_s=0.08, groups=groups)


def zk_snapshot(state: ZkState = ZkState.CONNECTED) -> ZkSnapshot:
    server = ZkServerStats(
        version="3.8.4",
        mode="standalone",
        latency_min_ms=0,
        latency_avg_ms=0.4,
        latency_max_ms=12,
        znode_count=182,
        connections=5,
        outstanding_requests=0,
        watch_count=41,
        ephemerals_count=4,
        approximate_data_size=12_345,
        zxid="0x1000001c2",
    )
    return ZkSnapshot(fetched_at=NOW, duration_s=0.01, state=state, hosts="127.0.0.1:2181", server=server)


def processes_snapshot() -> ProcessesSnapshot:
    procs = [
        JvmProcess(
            4100,
            "zookeeper",
            "kafka",
            1.5,
            80_000_000,
            40,
            NOW - 3600,
            (2181,),
            60,
            "256m",
            None,
            "/srv/zk/zoo.cfg",
            None,
        ),
    ]
    for i, b in enumerate(BROKERS):
        procs.append(
            JvmProcess(
                4200 + i,
                "broker",
                "kafka",
                12.0 + i,
                400_000_000 + i * 1_000_000,
                80,
                NOW - 3500,
                (b.port,),
                210,
                "384m",
                "384m",
                f"/srv/kafka/{b.id}/server.properties",
                b.id,
                log_dirs=(DiskUsage(f"/srv/kafka/{b.id}/logs", 60_000_000, 9_000_000_000, 20_000_000_000),),
            )
        )
    return ProcessesSnapshot(fetched_at=NOW, duration_s=0.02, processes=tuple(procs))


def security_snapshot() -> SecuritySnapshot:
    """ACLs incl. a DENY and a hostile principal, a quota, SCRAM users; ACLs readable, nothing unavailable."""
    acls = (
        AclBinding("User:monitor", "*", "DESCRIBE", "ALLOW", "CLUSTER", "kafka-cluster", "LITERAL"),
        AclBinding("User:monitor", "*", "ALL", "DENY", "TOPIC", "secret-", "PREFIXED"),
        AclBinding("User:app", "10.0.0.7", "READ", "ALLOW", "GROUP", "billing", "LITERAL"),
        AclBinding("User:evil\x1b[2J\x07", "*", "WRITE", "ALLOW", "TOPIC", "orders\x1b]0;pwned\x07", "LITERAL"),
    )
    quotas = (
        ClientQuota((("user", "monitor"),), (("producer_byte_rate", 1048576.0), ("request_percentage", 50.0))),
        ClientQuota((("user", None), ("client-id", "batch")), (("consumer_byte_rate", 10485760.0),)),
    )
    users = (ScramUser("admin", (("SCRAM-SHA-512", 4096),)),
             ScramUser("monitor", (("SCRAM-SHA-256", 8192), ("SCRAM-SHA-512", 4096))))
    return SecuritySnapshot(NOW, acls, quotas, users, {})


def frozen_state(**changes: Any) -> AppState:
    """The reference AppState; keyword arguments replace fields (e.g. cluster=...)."""
    health = {s: SourceHealth(last_ok_at=NOW, last_duration_s=0.1) for s in Source}
    state = AppState(
        cluster=cluster_snapshot(),
        groups=groups_snapshot(),
        zookeeper=zk_snapshot(),
        processes=processes_snapshot(),
        security=security_snapshot(),
        health=health,
        refresh_s=5.0,
        cluster_name="local",
        lag_trends={
            "billing": (12, 30, 8, 22, 18, 6, 15, 9),
            "analytics": (20_000, 30_000, 40_000, 50_548),
            "audit": (100, 200, 300, 400),
        },
        topic_rate_history={
            "orders": (10, 14, 22, 30, 25, 25.2),
            "logs": (300, 420, 500, 480),
            "payments": (2, 3, 5, 4.5),
            "__consumer_offsets": (10, 10, 10),
        },
    )
    return replace(state, **changes)


def stale(state: AppState, source: Source, error: str = "kafka: timed out after 4.0s") -> AppState:
    """`state` with `source` failing since NOW (no retry time, so snapshots are stable)."""
    return state.with_health(source, SourceHealth(last_ok_at=NOW - 30, error=error, stale_since=NOW - 20, failures=2))


def kraft_state() -> AppState:
    voters = (
        QuorumVoter(1, 5_321, 0, 12, 12, is_leader=True),
        QuorumVoter(2, 5_321, 0, 80, 80),
        QuorumVoter(3, 5_100, 221, 2_400, 9_800),
    )
    observers = (QuorumVoter(4, 5_320, 1, 150, 150, is_observer=True),)
    quorum = Quorum(leader_id=1, leader_epoch=7, high_watermark=5_321, voters=voters, observers=observers)
    return frozen_state(
        cluster=replace(cluster_snapshot(), quorum=quorum, kraft=True), zookeeper=None, zookeeper_configured=False
    )


# --------------------------------------------------------------------------- ZooKeeper tree


def _stat(data: bytes, children: int, *, ephemeral: int = 0, zxid: int = 0x100000025) -> ZStat:
    return ZStat(
        zxid,
        zxid + 7,
        zxid + 9,
        int(NOW * 1000) - 86_400_000,
        int(NOW * 1000) - 3_600_000,
        3,
        children,
        0,
        ephemeral,
        len(data),
        children,
    )


def _broker_json(b: Broker) -> bytes:
    return json.dumps(
        {
            "listener_security_protocol_map": {"PLAINTEXT": "PLAINTEXT"},
            "endpoints": [f"PLAINTEXT://{b.host}:{b.port}"],
            "jmx_port": -1,
            "features": {},
            "host": b.host,
            "timestamp": "1716900000000",
            "port": b.port,
            "version": 5,
        }
    ).encode()


def _tree() -> dict[str, bytes]:
    data: dict[str, bytes] = {
        "/": b"",
        "/zookeeper": b"",
        "/brokers": b"",
        "/brokers/ids": b"",
        "/brokers/topics": b"",
        "/controller": b'{"version":2,"brokerid":1,"timestamp":"1716900000000","kraftControllerEpoch":-1}',
        "/controller_epoch": b"3",
        "/cluster": b"",
        "/cluster/id": b'{"version":"1","id":"q1Sh-9_ISia_zwGINzRvyQ"}',
        "/config": b"",
        "/admin": b"",
        "/consumers": b"",
        "/isr_change_notification": b"",
        "/binary": bytes(range(0, 256)) * 2,
        "/many": b"",
        "/hostile": b"",
        f"/hostile/{HOSTILE}": HOSTILE.encode(),
    }
    for b in BROKERS:
        data[f"/brokers/ids/{b.id}"] = _broker_json(b)
    for topic in ("orders", "payments", "logs"):
        data[f"/brokers/topics/{topic}"] = b'{"partitions":{"0":[1,2,3]},"topic_id":"x","version":3}'
    for i in range(2_500):
        data[f"/many/n{i:05d}"] = b""
    return data


ZK_DATA = _tree()


def zk_children(path: str) -> tuple[str, ...]:
    if path not in ZK_DATA:
        raise NotFoundError("zookeeper", f"node {path} no longer exists")
    prefix = "/" if path == "/" else path + "/"
    return tuple(
        sorted(p[len(prefix) :] for p in ZK_DATA if p.startswith(prefix) and "/" not in p[len(prefix) :] and p != "/")
    )


def zk_node(path: str) -> ZNode:
    if path not in ZK_DATA:
        raise NotFoundError("zookeeper", f"node {path} no longer exists")
    data = ZK_DATA[path]
    eph = 0x1000A2F3B0001 if path.startswith("/brokers/ids/") else 0
    return ZNode(path, data, False, _stat(data, len(zk_children(path)), ephemeral=eph), describe_znode(path, data))


def topic_configs(name: str) -> ConfigSnapshot:
    if name not in {t.name for t in cluster_snapshot().topics}:
        raise SourceError("kafka", f"UnknownTopicOrPartitionError: {name}")
    entries = (
        ConfigEntry("cleanup.policy", "delete", "DEFAULT_CONFIG", True, False, False),
        ConfigEntry("compression.type", "producer", "DEFAULT_CONFIG", True, False, False),
        ConfigEntry("min.insync.replicas", "2", "DYNAMIC_TOPIC_CONFIG", False, False, False),
        ConfigEntry("retention.bytes", "-1", "DEFAULT_CONFIG", True, False, False),
        ConfigEntry("retention.ms", "86400000", "DYNAMIC_TOPIC_CONFIG", False, False, False),
        ConfigEntry("segment.bytes", "1073741824", "STATIC_BROKER_CONFIG", True, False, False),
        ConfigEntry("message.timestamp.type", "CreateTime", "DEFAULT_CONFIG", True, False, False),
        ConfigEntry("sasl.jaas.config", None, "DYNAMIC_TOPIC_CONFIG", False, False, True),
    )
    return ConfigSnapshot(NOW, 0.02, "topic", name, entries)


def answer(kind: str, args: tuple[Any, ...]) -> Any:
    """What the real sources would return for an on-demand request, from the frozen data."""
    if kind == "zk_children":
        return zk_children(args[0])
    if kind == "zk_node":
        return zk_node(args[0])
    if kind == "configs":
        return topic_configs(args[1])
    raise SourceError("app", f"unknown request {kind}")


def screen_text(app: App[Any]) -> str:
    """What the terminal would show, as plain text (like App.export_screenshot, minus the SVG).

    Hostile-string tests read this: it is the exact text written to the terminal, so a raw
    ESC in it would be a real escape sequence reaching the operator's terminal.
    """
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def frozen_app(state: AppState | None = None, *, zookeeper: bool = True) -> App[Any]:
    """The real KafkaTuiApp (header, footer, keys, modes) over frozen state, no sources.

    Only `request` is answered from the frozen data above, because `live=False` answers every
    on-demand request with an error.
    """
    import kafkatui.ui.app as app_module
    from kafkatui.config import Settings

    class FrozenApp(app_module.KafkaTuiApp):
        CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

        def __init__(self) -> None:
            settings = Settings(
                bootstrap=("127.0.0.1:19092",), zookeeper="127.0.0.1:2181" if zookeeper else None, cluster_name="local"
            )
            super().__init__(settings, initial_state=state or frozen_state(), live=False)
            self.requests: list[tuple[str, tuple[Any, ...]]] = []
            self.answer: Callable[[str, tuple[Any, ...]], Any] = answer

        def request(self, kind: str, *args: Any, on_done: Callable[[object], None]) -> None:
            self.requests.append((kind, args))
            try:
                result = self.answer(kind, args)
            except SourceError as err:
                result = err
            self.call_later(on_done, result)

        def set_state(self, new: AppState) -> None:
            self._set_state(new)

    return FrozenApp()


async def wait_for(pilot: Any, predicate: Callable[[], object], timeout: float = 5.0, what: str = "",
                   interval: float = 0.05) -> None:
    """Let the app run until `predicate()` is truthy; fail with `what` after `timeout` seconds.

    The one wait of the UI tests. An exception from the predicate counts as "not yet" (a screen
    still composing raises NoMatches), and the last one is named if the wait times out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            if predicate():
                return
            last_error = None
        except Exception as exc:
            last_error = exc
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what or predicate}"
                                 + (f" (last error: {last_error!r})" if last_error else ""))
        await pilot.pause(interval)
