"""What needs attention right now: the rows of the overview's "Needs attention" panel.

Why a pure module: the operator opening the tool wants the list of things that are wrong on the
first screen, worst first, and that list is plain logic over the snapshots (no Textual, no
colours), so it is built here and tested with hand-made model values. The widget
(kafkatui.ui.widgets.attention) only colours and shows it.

What counts, and how bad it is:

=========  ===================================================================================
CRITICAL   a partition without a live leader (`Partition.offline`, which includes leaderless):
           nobody can read or write it.
CRITICAL   a consumer group whose lag status (kafkatui.kafka.lag, the same verdict the groups view
           shows) is ERR, STOP or STALL: its consumers are not making progress.
WARNING    an under-replicated partition that still has a leader: one more failure away from
           being offline or losing acknowledged writes.
WARNING    a group whose status is WARN (lag growing at every refresh) or REWIND.
=========  ===================================================================================

Partitions also carry their min-ISR state (kafkatui.health.rules.partition_finding): under
min.insync.replicas is CRITICAL, at it WARNING. The other rules of kafkatui.health.rules
(replication factor below min ISR, offline or filling log dirs, reassignments, leader imbalance,
config drift, committed offsets below the log start) add rows of their own with the rule's
reason as the detail, so the panel and `snapshot --json` say the same thing.

Within a level, partitions come before the other findings and those before groups (cluster
health before consumers), partitions with more replicas missing from the ISR first, groups by
lag status severity then total lag.
PENDING groups are left out on purpose: every lagging group is PENDING until its lag window can
judge it, so listing them would raise a false alarm at every start; they are counted as "not
judged yet" (never as OK). UNKNOWN groups (nothing committed, so no lag) are counted apart.

Bounded: a broker down on a large cluster makes thousands of partitions under-replicated, so
only `limit` rows are built (a heap picks them) and the rest are counted for a "… N more" note.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafkatui.decode import escape_text
from kafkatui.fmt import sparkline
from kafkatui.health.rules import (
    CRITICAL,
    ORDER,
    ClusterMemo,
    Finding,
    group_severity,
    lag_time_text,
    other_findings,
    partition_finding,
)
from kafkatui.kafka.lag import NOT_JUDGED, severity
from kafkatui.model import ClusterSnapshot, Group, GroupsSnapshot, LagStatus, Partition, Topic

MAX_ROWS = 50
"""Rows shown at most; a screenful on a large terminal, and cheap to diff at every refresh."""
TREND_POINTS = 8
"""Lag trend samples drawn per group row: enough to see a direction in a narrow cell."""


class Level(enum.IntEnum):
    """How bad a row is; higher is worse (rows are sorted by it, worst first)."""

    WARNING = 1
    CRITICAL = 2


class Kind(enum.Enum):
    PARTITION = "partition"
    GROUP = "group"
    TOPIC = "topic"  # a finding about a topic or one of its partitions (Enter opens the topic)
    BROKER = "broker"  # about a broker, a log dir or a config key (no detail view to open)


PROBLEMS = {
    "under_min_isr": "<MIN ISR",
    "at_min_isr": "=MIN ISR",
    "rf_below_min_isr": "RF<MINISR",
    "offline_log_dir": "DIR DOWN",
    "disk_full_soon": "DISK FULL",
    "reassignment_in_progress": "MOVING",
    "leader_imbalance": "IMBALANCE",
    "config_drift": "DRIFT",
    "committed_below_log_start": "DATA LOST",
    "committed_for_missing_partition": "NO TOPIC",
    "controller_changed": "CTRL MOVED",
    "controller_disagrees": "CTRL ?",
    "quorum_follower_lag": "QUORUM LAG",
}
"""The Problem cell of each rule's rows (at most 10 characters, so the column stays narrow)."""


@dataclass(frozen=True)
class AttentionRow:
    """One problem. `name` and `detail` are already escaped for the terminal; `target` is the
    raw topic or group id, for opening its detail view (never displayed as is)."""

    key: str  # unique row key for the table
    level: Level
    kind: Kind
    problem: str  # "OFFLINE", "NO LEADER", "URP", a PROBLEMS value, or the group's lag status ("STOP" ...)
    target: str
    name: str
    detail: str
    partition: int | None = None
    leader: int | None = None
    replicas: tuple[int, ...] = ()
    isr: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()  # replicas not in the ISR
    status: LagStatus | None = None
    total_lag: int | None = None
    trend: tuple[int, ...] = ()
    check: str = ""  # the rule's kind, as `snapshot --json` names it ("under_min_isr", ...)
    broker: int | None = None  # the broker a broker-kind row is about (Enter opens its detail)


@dataclass(frozen=True)
class Attention:
    """The panel's content: the shown rows (worst first) and the counts around them.

    `partitions` is None until the first cluster snapshot and `groups_ok` None until the first
    groups snapshot, so "waiting" is never mistaken for "nothing wrong".
    """

    rows: tuple[AttentionRow, ...] = ()
    critical: int = 0  # every critical problem, shown or not
    warning: int = 0
    hidden_partitions: int = 0  # problems cut by the limit
    hidden_groups: int = 0
    hidden_other: int = 0  # other findings cut by the limit (log dirs, brokers, configs...)
    partitions: int | None = None
    groups_ok: int | None = None
    groups_unjudged: int = 0  # PENDING groups: lagging, not judged yet
    groups_uncommitted: int = 0  # UNKNOWN groups: nothing committed, so no lag to judge

    @property
    def hidden(self) -> int:
        return self.hidden_partitions + self.hidden_groups + self.hidden_other

    @property
    def waiting(self) -> bool:
        """No cluster snapshot yet: nothing can be said."""
        return self.partitions is None

    def more_note(self) -> str:
        """ "… 7 more: press 3 (topics) / 4 (groups)" naming the views that list the rest; "" if none."""
        if not self.hidden:
            return ""
        views = [v for n, v in ((self.hidden_partitions, "3 (topics)"), (self.hidden_groups, "4 (groups)")) if n]
        if not views:  # only log dirs, brokers or configs were cut
            return f"… {self.hidden:,} more: kafkatui snapshot --json lists them all"
        return f"… {self.hidden:,} more: press {' / '.join(views)}"

    def groups_note(self) -> str:
        """How the consumer groups stand, for the all-clear line."""
        if self.groups_ok is None:
            return "consumer groups: waiting for the first refresh…"
        if self.groups_ok == 0 and self.groups_unjudged == 0 and self.groups_uncommitted == 0:
            return "no consumer groups"
        text = _plural(self.groups_ok, "group") + " OK"
        if self.groups_unjudged:
            text += f", {self.groups_unjudged:,} {NOT_JUDGED}"
        if self.groups_uncommitted:
            text += f", {self.groups_uncommitted:,} with no committed offsets"
        return text

    def unjudged_note(self) -> str:
        """ "2 groups not judged yet" (PENDING), or ""."""
        return f"{_plural(self.groups_unjudged, 'group')} {NOT_JUDGED}" if self.groups_unjudged else ""

    def message(self) -> str:
        """The one line shown when there is no row: waiting, or the all-clear with its counts."""
        if self.partitions is None:
            return "Needs attention: waiting for the first Kafka refresh…"
        if self.partitions == 0:
            parts = "no partitions"
        else:
            parts = f"all {_plural(self.partitions, 'partition')} fully replicated"
        if self.groups_ok is None:
            return f"No partition needs attention: {parts}; {self.groups_note()}"
        return f"Nothing needs attention: {parts}, {self.groups_note()}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _ids(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids) if ids else "none"


# --------------------------------------------------------------------------- partitions


def _partition_row(p: Partition, level: Level, found: Finding | None = None) -> AttentionRow:
    missing = p.out_of_sync
    problem = ("NO LEADER" if p.leaderless else "OFFLINE") if p.offline else "URP"
    check = found.kind if found is not None else ""
    if check in PROBLEMS:
        problem = PROBLEMS[check]
    leader = "none" if p.leaderless else f"{p.leader}{' (offline)' if p.leader in p.offline_replicas else ''}"
    # the missing replicas first: at 80 columns the end of this cell is cut off
    parts = [f"missing from ISR {_ids(missing)}"] if missing else []
    parts += [f"leader {leader}", f"replicas {_ids(p.replicas)}", f"ISR {_ids(p.isr)}"]
    if p.offline_replicas:
        parts.append(f"offline replicas {_ids(p.offline_replicas)}")
    if check in PROBLEMS and found is not None:  # the min-ISR reason first, without its "(missing …)"
        parts.insert(0, found.detail.split(" (missing")[0])
    detail = " · ".join(parts)
    return AttentionRow(
        key=f"p\x00{p.topic}\x00{p.partition}",
        level=level,
        kind=Kind.PARTITION,
        problem=problem,
        target=p.topic,
        name=escape_text(p.topic),
        detail=detail,
        partition=p.partition,
        leader=None if p.leaderless else p.leader,
        replicas=p.replicas,
        isr=p.isr,
        missing=missing,
        check=check,
    )


def _partition_key(p: Partition, level: Level) -> tuple:
    """Sort key (lower first): worst level, partitions before groups, most replicas missing, name."""
    return (-level, 0, -len(p.out_of_sync), p.topic, p.partition)


# --------------------------------------------------------------------------- groups


def group_level(status: LagStatus) -> Level | None:
    """The level of a group's lag status (kafkatui.health.rules.group_severity); None for OK,
    PENDING and UNKNOWN (not listed)."""
    found = group_severity(status)
    return None if found is None else Level.CRITICAL if found == CRITICAL else Level.WARNING


def _trend_text(trend: Sequence[int]) -> str:
    """ "↑ ▂▄▆█": direction over the shown samples, then the sparkline; "" under 2 samples."""
    shown = list(trend)[-TREND_POINTS:]
    if len(shown) < 2:
        return ""
    delta = shown[-1] - shown[0]
    arrow = "↑" if delta > 0 else "↓" if delta < 0 else "→"
    return f" {arrow} {sparkline([float(v) for v in shown], TREND_POINTS)}"


def _group_row(g: Group, level: Level, trend: tuple[int, ...]) -> AttentionRow:
    total = g.total_lag
    lag = f"lag {total:,}{lag_time_text(g)}" if total is not None else "lag unknown"
    members = _plural(len(g.members), "member")
    detail = f"{lag}{_trend_text(trend)} · {escape_text(g.state or '?')}, {members}"
    if g.status_reason:
        detail += f" · {escape_text(g.status_reason)}"
    return AttentionRow(
        key=f"g\x00{g.id}",
        level=level,
        kind=Kind.GROUP,
        problem=g.status.value,
        target=g.id,
        name=escape_text(g.id),
        detail=detail,
        status=g.status,
        total_lag=total,
        trend=trend,
    )


def _group_key(g: Group, level: Level) -> tuple:
    """Sort key (lower first): worst level, after partitions and other findings, worst lag
    status, most lag, id."""
    return (-level, 2, -severity(g.status), -(g.total_lag or 0), g.id)


# --------------------------------------------------------------------------- other findings


def _finding_level(f: Finding) -> Level:
    return Level.CRITICAL if f.severity == CRITICAL else Level.WARNING


def _finding_key(f: Finding) -> tuple:
    """Sort key (lower first): worst level, between partitions and groups, by rule, subject."""
    return (-_finding_level(f), 1, ORDER.index(f.kind), f.subject)


def _finding_row(f: Finding) -> AttentionRow:
    kind = Kind.GROUP if f.group is not None else Kind.TOPIC if f.topic is not None else Kind.BROKER
    target = f.group if f.group is not None else f.topic if f.topic is not None else f.subject
    name = f.subject if kind is Kind.BROKER else target
    if kind is Kind.TOPIC and f.partition is not None:
        name = f.topic or target
    return AttentionRow(
        key=f"f\x00{f.kind}\x00{f.subject}",
        level=_finding_level(f),
        kind=kind,
        problem=PROBLEMS.get(f.kind, f.kind),
        target=target,
        name=escape_text(name),
        detail=escape_text(f.detail),
        partition=f.partition,
        check=f.kind,
        broker=f.broker,
    )


# --------------------------------------------------------------------------- the panel


class TopicFindings:
    """Each topic's partition findings (`rules.partition_finding`), kept between builds.

    Why (issue 14): at 30,000 partitions, judging every partition at every build was a quarter of
    the overview's worker CPU, although the Kafka source hands an unchanged topic on as the same
    object (`kafka_convert.keep_unchanged`). A topic that is the same object, with the same
    min.insync.replicas, as at the last build keeps its findings: exact, since the rule reads
    nothing else. Identity only (no equality fallback, unlike tablemodel.RowMemo): a changed topic
    is judged at once, not compared first. Bounded to the last build's topics. Two builds may
    overlap (the panel's thread worker is not stopped when overtaken): each reads the dict the
    other left whole and stores a new one, so the worst case is a topic judged again.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[Topic, int | None, tuple[tuple[Partition, Finding], ...]]] = {}
        self.judged = 0  # topics judged by the last `judge` (for tests and benchmarks)
        self.cluster = ClusterMemo()  # the other rules' per-topic parts (rules.ClusterMemo), kept alike

    def judge(self, cluster: ClusterSnapshot) -> list[tuple[Partition, Finding]]:
        """Every partition of the cluster that has a finding, with it, in topic order."""
        last, kept = self._last, {}
        out: list[tuple[Partition, Finding]] = []
        judged = 0
        for topic in cluster.topics:
            min_isr = cluster.min_isr(topic.name)
            entry = last.get(topic.name)
            if entry is None or entry[0] is not topic or entry[1] != min_isr:
                found = tuple((p, f) for p in topic.partitions if (f := partition_finding(p, min_isr)) is not None)
                entry = (topic, min_isr, found)
                judged += 1
            kept[topic.name] = entry
            out.extend(entry[2])
        self._last, self.judged = kept, judged
        return out


def build_attention(
    cluster: ClusterSnapshot | None,
    groups: GroupsSnapshot | None,
    *,
    lag_trends: Mapping[str, Sequence[int]] | None = None,
    limit: int = MAX_ROWS,
    extra: Sequence[Finding] = (),
    memo: TopicFindings | None = None,
) -> Attention:
    """Everything wrong in these snapshots, worst first, at most `limit` rows (see the module
    docstring). Either snapshot may be None (not fetched yet); the counts say so.

    `lag_trends` is AppState.lag_trends (total lag per refresh, what the group detail draws);
    a group missing from it has no trend shown.
    `extra` are findings judged from history rather than these snapshots (the controller watch).
    `memo` (kept by the caller between builds, see `TopicFindings`); None judges every partition.
    """
    trends = lag_trends or {}
    candidates: list[tuple[tuple, Level, Any]] = []  # (sort key, level, item)
    partitions: int | None = None
    if cluster is not None:
        partitions = 0
        memo = memo if memo is not None else TopicFindings()
        for p, found in memo.judge(cluster):
            level = Level.CRITICAL if found.severity == CRITICAL else Level.WARNING
            candidates.append((_partition_key(p, level), level, (p, found)))
        partitions = cluster.partitions
    for f in (*other_findings(cluster, groups, memo.cluster if memo is not None else None), *extra):
        candidates.append((_finding_key(f), _finding_level(f), f))
    groups_ok: int | None = None
    unjudged = uncommitted = 0
    if groups is not None:
        groups_ok = 0
        for g in groups.groups:
            group_lvl = group_level(g.status)
            if group_lvl is not None:
                candidates.append((_group_key(g, group_lvl), group_lvl, g))
            elif g.status is LagStatus.OK:
                groups_ok += 1
            elif g.status is LagStatus.PENDING:
                unjudged += 1
            else:
                uncommitted += 1
    kept = heapq.nsmallest(max(0, limit), candidates, key=lambda c: c[0])
    rows = [
        _partition_row(item[0], level, item[1]) if isinstance(item, tuple)
        else _finding_row(item) if isinstance(item, Finding)
        else _group_row(item, level, tuple(trends.get(item.id, ())))
        for _, level, item in kept
    ]
    problem_partitions = sum(1 for c in candidates if isinstance(c[2], tuple))
    problem_groups = sum(1 for c in candidates if isinstance(c[2], Group))
    shown_partitions = sum(1 for _k, _l, item in kept if isinstance(item, tuple))
    shown_groups = sum(1 for _k, _l, item in kept if isinstance(item, Group))
    return Attention(
        rows=tuple(rows),
        critical=sum(1 for c in candidates if c[1] is Level.CRITICAL),
        warning=sum(1 for c in candidates if c[1] is Level.WARNING),
        hidden_partitions=problem_partitions - shown_partitions,
        hidden_groups=problem_groups - shown_groups,
        hidden_other=(len(candidates) - problem_partitions - problem_groups)
        - (len(kept) - shown_partitions - shown_groups),
        partitions=partitions,
        groups_ok=groups_ok,
        groups_unjudged=unjudged,
        groups_uncommitted=uncommitted,
    )
