"""attention: which problems the overview lists, in which order, how many, and how they read.

Built from real model dataclasses by hand (pure code, no cluster involved).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kafkatui.health import attention
from kafkatui.health.attention import MAX_ROWS, Attention, Kind, Level, TopicFindings, build_attention, group_level
from kafkatui.model import (
    ClusterSnapshot,
    Group,
    GroupMember,
    GroupPartition,
    GroupsSnapshot,
    LagStatus,
    Partition,
    Topic,
)

NOW = 1_717_000_000.0


def healthy(topic: str, count: int, rf: int = 3) -> Topic:
    replicas = tuple(range(1, rf + 1))
    return Topic(topic, False, tuple(Partition(topic, i, 1, replicas, replicas) for i in range(count)))


def cluster(*topics: Topic) -> ClusterSnapshot:
    return ClusterSnapshot(NOW, 0.1, "cid", 1, (), tuple(topics))


def group(gid: str, status: LagStatus, lag: int = 0, *, members: int = 0, reason: str = "") -> Group:
    member_list = tuple(GroupMember(f"m{i}", f"c{i}", "/127.0.0.1", ()) for i in range(members))
    parts = (GroupPartition("orders", 0, 100, 100 + lag),)
    return Group(gid, "Stable" if members else "Empty", "consumer", "range", member_list, parts, status, reason)


def groups(*items: Group) -> GroupsSnapshot:
    return GroupsSnapshot(NOW, 0.1, tuple(items))


def troubled() -> Topic:
    """orders: 0 offline (leader's broker down), 1 leaderless, 2 lost one ISR replica, 3 lost two."""
    return Topic("orders", False, (
        Partition("orders", 0, 2, (2, 3, 1), (2,), offline_replicas=(2,)),
        Partition("orders", 1, -1, (3, 1, 2), ()),
        Partition("orders", 2, 3, (3, 1, 2), (3, 1)),
        Partition("orders", 3, 1, (1, 2, 3), (1,)),
        Partition("orders", 4, 1, (1, 2, 3), (1, 2, 3)),
    ))


def test_rows_are_ordered_by_severity() -> None:
    result = build_attention(
        cluster(troubled(), healthy("payments", 3)),
        groups(
            group("lagging", LagStatus.WARN, 50),
            group("ok", LagStatus.OK, 3),
            group("dead", LagStatus.STOP, 900),
            group("hung", LagStatus.STALL, 5_000, members=1),
            group("reset", LagStatus.REWIND, 10),
        ),
    )
    order = [(r.kind, r.target, r.partition, r.problem) for r in result.rows]
    assert order == [
        (Kind.PARTITION, "orders", 1, "NO LEADER"),  # critical partitions first, most replicas missing first
        (Kind.PARTITION, "orders", 0, "OFFLINE"),
        (Kind.GROUP, "dead", None, "STOP"),  # then critical groups, worst lag status first
        (Kind.GROUP, "hung", None, "STALL"),
        (Kind.PARTITION, "orders", 3, "URP"),  # warnings: most replicas missing first
        (Kind.PARTITION, "orders", 2, "URP"),
        (Kind.GROUP, "reset", None, "REWIND"),
        (Kind.GROUP, "lagging", None, "WARN"),
    ]
    assert [r.level for r in result.rows] == [Level.CRITICAL] * 4 + [Level.WARNING] * 4
    assert (result.critical, result.warning, result.hidden) == (4, 4, 0)


def test_missing_isr_replicas_are_the_replicas_not_in_the_isr() -> None:
    result = build_attention(cluster(troubled()), groups())
    rows = {r.partition: r for r in result.rows}
    assert rows[2].missing == (2,)
    assert rows[3].missing == (2, 3)
    assert (rows[2].leader, rows[2].replicas, rows[2].isr) == (3, (3, 1, 2), (3, 1))
    assert rows[2].detail == "missing from ISR 2 · leader 3 · replicas 3,1,2 · ISR 3,1"
    assert rows[1].leader is None and "leader none" in rows[1].detail and "ISR none" in rows[1].detail
    assert "leader 2 (offline)" in rows[0].detail and "offline replicas 2" in rows[0].detail
    assert 4 not in rows  # fully replicated partitions are not listed


def test_ok_pending_and_unknown_groups_are_not_listed_but_counted_apart() -> None:
    result = build_attention(
        cluster(healthy("orders", 2)),
        groups(group("billing", LagStatus.OK, 3), group("new", LagStatus.UNKNOWN), group("x", LagStatus.ERR),
               group("young", LagStatus.PENDING, 11_000), group("young2", LagStatus.PENDING, 5)),
    )
    assert [r.target for r in result.rows] == ["x"]
    assert (result.groups_ok, result.groups_unjudged, result.groups_uncommitted) == (1, 2, 1)
    assert result.groups_note() == "1 group OK, 2 not judged yet, 1 with no committed offsets"
    assert group_level(LagStatus.OK) is None and group_level(LagStatus.UNKNOWN) is None
    assert group_level(LagStatus.PENDING) is None
    assert group_level(LagStatus.ERR) is Level.CRITICAL and group_level(LagStatus.WARN) is Level.WARNING


def test_group_row_has_status_lag_trend_and_reason() -> None:
    g = group("analytics", LagStatus.STOP, 50_548, reason="logs-2: no commit progress for 6m")
    row = build_attention(cluster(), groups(g), lag_trends={"analytics": (20_000, 30_000, 40_000, 50_548)}).rows[0]
    assert (row.status, row.total_lag) == (LagStatus.STOP, 50_548)
    assert row.trend == (20_000, 30_000, 40_000, 50_548)  # the app's history
    assert row.detail.startswith("lag 50,548 ↑ ")
    assert "Empty, 0 members" in row.detail and row.detail.endswith("logs-2: no commit progress for 6m")
    assert build_attention(cluster(), groups(g)).rows[0].trend == ()  # no history yet: none drawn
    no_trend = build_attention(cluster(), groups(group("a", LagStatus.WARN, 7))).rows[0]
    assert no_trend.detail.startswith("lag 7 · ")


def test_rows_are_bounded_with_a_more_note() -> None:
    many = Topic("big", False, tuple(Partition("big", i, 1, (1, 2, 3), (1, 2)) for i in range(120)))
    offline = Topic("dead", False, (Partition("dead", 0, -1, (3,), ()),))
    stopped = tuple(group(f"g{i:02d}", LagStatus.STOP, i) for i in range(10))
    result = build_attention(cluster(many, offline), groups(*stopped))
    assert len(result.rows) == MAX_ROWS
    assert result.rows[0].target == "dead"  # the worst survive the cut
    assert [r.target for r in result.rows[1:11]] == [f"g{i:02d}" for i in range(9, -1, -1)]  # most lag first
    assert (result.critical, result.warning) == (11, 120)
    assert (result.hidden_partitions, result.hidden_groups) == (120 - (MAX_ROWS - 11), 0)
    assert result.more_note() == f"… {131 - MAX_ROWS} more: press 3 (topics)"

    small = build_attention(cluster(many), groups(*stopped), limit=5)
    assert [r.kind for r in small.rows] == [Kind.GROUP] * 5
    assert (small.hidden_partitions, small.hidden_groups) == (120, 5)
    assert small.more_note() == "… 125 more: press 3 (topics) / 4 (groups)"


def test_nothing_needs_attention() -> None:
    result = build_attention(
        cluster(healthy("orders", 6), healthy("logs", 4, rf=2)),
        groups(group("billing", LagStatus.OK), group("audit", LagStatus.OK), group("new", LagStatus.PENDING)),
    )
    assert result.rows == () and result.hidden == 0
    assert result.message() == "Nothing needs attention: all 10 partitions fully replicated, 2 groups OK, " \
                               "1 not judged yet"
    single = build_attention(cluster(healthy("one", 1)), groups())
    assert single.message() == "Nothing needs attention: all 1 partition fully replicated, no consumer groups"


def test_missing_snapshots_say_waiting_and_never_raise() -> None:
    nothing = build_attention(None, None)
    assert nothing == Attention() and nothing.waiting
    assert nothing.message() == "Needs attention: waiting for the first Kafka refresh…"
    only_groups = build_attention(None, groups(group("dead", LagStatus.STOP, 5)))
    assert only_groups.waiting and [r.target for r in only_groups.rows] == ["dead"]
    no_groups = build_attention(cluster(healthy("orders", 3)), None)
    assert not no_groups.waiting and no_groups.groups_ok is None
    assert no_groups.message() == ("No partition needs attention: all 3 partitions fully replicated; "
                                   "consumer groups: waiting for the first refresh…")
    empty = build_attention(cluster(), groups())
    assert empty.message() == "Nothing needs attention: no partitions, no consumer groups"


def test_names_and_reasons_are_escaped_but_targets_kept_raw() -> None:
    hostile = "evil\x1b[2Jtopic"
    topic = Topic(hostile, False, (Partition(hostile, 0, 1, (1, 2), (1,)),))
    g = group("g\x1b]52;c;aGk=\x07", LagStatus.STALL, 4, members=1, reason=f"{hostile}-0: stuck")
    result = build_attention(cluster(topic), groups(g))
    by_kind = {r.kind: r for r in result.rows}
    part, grp = by_kind[Kind.PARTITION], by_kind[Kind.GROUP]
    assert part.name == "evil\\x1b[2Jtopic" and part.target == hostile
    assert grp.name == "g\\x1b]52;c;aGk=\\x07" and grp.target == g.id
    for row in result.rows:
        assert "\x1b" not in row.name and "\x1b" not in row.detail and "\x07" not in row.detail


def test_min_isr_and_other_findings_join_the_panel() -> None:
    """The health rules' findings show in the panel: a partition under min ISR is critical with the
    rule's reason first; a topic with RF below min ISR and a broker's imbalance get rows of their own."""
    from kafkatui.model import Broker, ClusterConfigs

    orders = Topic("orders", False, (
        Partition("orders", 0, 1, (1, 2, 3), (1,)),  # ISR 1 < 2
        Partition("orders", 1, 1, (1, 2, 3), (1, 2)),  # at min ISR
    ))
    audit = Topic("audit", False, (Partition("audit", 0, 1, (1,), (1,)),))
    snap = ClusterSnapshot(NOW, 0.1, "cid", 1, (Broker(1, "h", 1), Broker(2, "h", 2), Broker(3, "h", 3)),
                           (audit, orders), configs=ClusterConfigs(NOW, {"orders": 2, "audit": 2}, 1))
    result = build_attention(snap, groups(group("dead", LagStatus.STOP, 5)))
    order = [(r.kind, r.name, r.partition, r.problem, r.check) for r in result.rows]
    assert order == [
        (Kind.PARTITION, "orders", 0, "<MIN ISR", "under_min_isr"),
        (Kind.TOPIC, "audit", None, "RF<MINISR", "rf_below_min_isr"),
        (Kind.GROUP, "dead", None, "STOP", ""),
        (Kind.PARTITION, "orders", 1, "=MIN ISR", "at_min_isr"),
    ]
    assert result.rows[0].detail.startswith("ISR 1 < min.insync.replicas 2, producers with acks=all fail · missing")
    assert "can never write" in result.rows[1].detail and result.rows[1].target == "audit"
    assert (result.critical, result.warning) == (3, 1)
    cut = build_attention(snap, None, limit=1)
    assert (cut.hidden_partitions, cut.hidden_other) == (1, 1) and cut.more_note().endswith("press 3 (topics)")



def test_a_build_judges_only_the_partitions_of_topics_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: with the panel's memo, an unchanged topic object's partition findings are the last
    build's; the partition rule's calls are counted (never timed) at 200 and 2,000 topics."""
    calls = [0]
    rule = attention.partition_finding

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return rule(*args, **kwargs)

    def urp(name: str, isr: tuple[int, ...]) -> Topic:
        return Topic(name, False, tuple(Partition(name, i, 1, (1, 2, 3), isr) for i in range(3)))

    def second_build(count: int) -> tuple[int, Attention, ClusterSnapshot]:
        topics = [healthy(f"t{i:05d}", 3) for i in range(count)]
        topics[7] = urp("t00007", (1, 2))
        memo = TopicFindings()
        build_attention(cluster(*topics), None, memo=memo)
        topics[1] = replace(topics[1], msgs_per_s=5.0)  # two topics changed (new objects), the rest as they were
        topics[7] = urp("t00007", (1,))
        calls[0] = 0
        changed = cluster(*topics)
        built = build_attention(changed, None, memo=memo)
        return calls[0], built, changed

    monkeypatch.setattr(attention, "partition_finding", counted)
    small_calls, small, _ = second_build(200)
    big_calls, big, big_cluster = second_build(2_000)
    assert small_calls == big_calls == 6  # the changed topics' partitions, never all of them
    assert big.partitions == 6_000 and big.warning == 3
    assert small.partitions == 600 and small.warning == 3
    assert big == build_attention(big_cluster, None)  # what judging every partition afresh says
