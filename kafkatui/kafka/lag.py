"""Consumer lag status, with rules in the spirit of LinkedIn Burrow's evaluator.

A single lag number cannot tell a consumer that is busy catching up from one that died an
hour ago, so, like Burrow, we keep a short window of samples per partition (committed offset
and log end offset, taken on each refresh) and judge the shape of the window.

Kafka's offset fetch does not say *when* an offset was committed, so we cannot follow Burrow
exactly. We approximate "the last commit" by "the first sample in which the committed offset
had its current value while the partition was behind" (the *stuck run*; `LagTracker`
remembers its start even after the samples scroll out of the window).

Partition rules, checked in this order; the first that matches wins:

========  =================================================================================
UNKNOWN   no samples at all.
ERR       the newest sample has no log end offset: the partition has no leader or the
          offsets request for it failed, so its lag cannot be known.
UNKNOWN   the newest sample has no committed offset (None or Kafka's -1: the group never
          committed this partition): there is no lag to judge.
OK        a single sample with a lag, and that lag is 0 (the OK rule below needs one sample).
PENDING   fewer than 2 samples have a lag: not judged yet.
REWIND    the committed offset went backwards between two consecutive samples in the window
          (an offset reset, or a consumer restarted from an older position).
STOP      stuck: the committed offset has not moved while lag > 0, over at least 2 samples
          and for at least `stop_after_s` (until `now`), and NO member of the group is
          assigned the partition. Nobody is consuming it: Burrow's "last commit is older than
          the window" (also old commits of a topic the group no longer subscribes to).
          Judged sooner when the group has no members at all and its committed offset has
          never been seen to move: 2 stuck samples are enough, with no waiting time. Nothing
          suggests anyone commits for it; the second sample keeps a consumer caught between
          leaving and rejoining from being called STOP. (A group that commits without
          members, a consumer with manual assignment, shows progress and gets the full wait.)
STALL     stuck, as above, but a member IS assigned the partition: a consumer holds it and
          makes no progress (hung, crash-looping, or stuck on a poison message).
OK        the lag was 0 in at least one sample of the window (Burrow rule 1: low-volume
          topics bounce between 0 and a little lag, and that is healthy).
WARN      at least 3 samples with a lag, and the lag grew strictly at every step of the
          window: the consumer commits, but falls further behind on each refresh.
PENDING   not judged yet: lag > 0, and what OK needs has not been seen. Either the committed
          offset has never been seen to move (every sample is one stuck run, and no earlier
          progress is known: it may still be STOP or STALL), or fewer than 3 samples, with
          the lag growing at each (it may still be WARN). Never OK before it is judged.
OK        anything else: lag > 0 but not steadily growing, and commits seen moving.
========  =================================================================================

Samples whose lag is unknown (a refresh where one of the offsets was missing) are skipped
by every rule after ERR.

"Assigned" comes from the members' assignments (`has_members` given as the set of assigned
partitions). A group whose members carry no readable assignment (mid-rebalance, or not the
`consumer` protocol) can only say "has members or not" for all its partitions at once
(`has_members` given as a bool).

Group status is the worst partition status, by this severity (worst first):
ERR > STOP > STALL > REWIND > WARN > PENDING > OK > UNKNOWN. PENDING ranks above OK so a
group is never called OK while one of its partitions is not judged yet. UNKNOWN ranks lowest
on purpose: a partition with nothing committed should not hide a verdict on the others; the
group is UNKNOWN only when every partition is (or it has no committed offsets at all).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import pairwise

from kafkatui.model import LagStatus

DEFAULT_WINDOW = 10
DEFAULT_STOP_AFTER_S = 20.0
"""Seconds without commit progress, while behind, before a partition is STOP or STALL.

Kafka consumers auto-commit every 5 s by default, so four missed commits is a real sign.
"""
DEFAULT_FORGET_AFTER_S = 600.0
WARN_MIN_SAMPLES = 3
NOT_JUDGED = "not judged yet"
"""What PENDING means, in the words every view uses for it (counts, reasons, the README)."""

SEVERITY: tuple[LagStatus, ...] = (
    LagStatus.UNKNOWN,
    LagStatus.OK,
    LagStatus.PENDING,
    LagStatus.WARN,
    LagStatus.REWIND,
    LagStatus.STALL,
    LagStatus.STOP,
    LagStatus.ERR,
)
"""Statuses from least to most severe; `severity(s)` is the index here."""

PartitionKey = tuple[str, int]
PartitionOffsets = tuple[str, int, int | None, int | None]  # topic, partition, committed, latest
Verdict = tuple[LagStatus, str]
Members = bool | AbstractSet[PartitionKey]  # is a partition assigned to a member (see the docstring)


def severity(status: LagStatus) -> int:
    """Rank used to pick the worst partition of a group; higher is worse."""
    return SEVERITY.index(status)


@dataclass(frozen=True)
class LagSample:
    """Offsets of one partition for one group at one refresh.

    `at` is seconds on any one clock (epoch or monotonic; only differences matter, and
    `now` must come from the same clock). `committed` is None (or negative, Kafka's -1)
    when the group has no committed offset for the partition; `latest` is None when the
    log end offset could not be read.
    """

    at: float
    committed: int | None
    latest: int | None

    @property
    def lag(self) -> int | None:
        """Same definition as `GroupPartition.lag`, so the list and the status agree."""
        if self.committed is None or self.latest is None or self.committed < 0:
            return None
        return max(0, self.latest - self.committed)


def _usable(samples: Sequence[LagSample]) -> list[LagSample]:
    return [s for s in samples if s.lag is not None]


def _find_rewind(usable: Sequence[LagSample]) -> tuple[int, int] | None:
    """The first (before, after) committed pair where the offset went backwards."""
    for prev, cur in pairwise(usable):
        if cur.committed is not None and prev.committed is not None and cur.committed < prev.committed:
            return prev.committed, cur.committed
    return None


def stuck_run(usable: Sequence[LagSample]) -> list[LagSample]:
    """The trailing samples with the newest committed offset and lag > 0 (oldest first)."""
    if not usable:
        return []
    newest = usable[-1]
    run: list[LagSample] = []
    for s in reversed(usable):
        if s.committed != newest.committed or not s.lag:
            break
        run.append(s)
    run.reverse()
    return run


def _growing(usable: Sequence[LagSample]) -> bool:
    """The lag grew strictly at every step (True for fewer than 2 samples)."""
    return all((b.lag or 0) > (a.lag or 0) for a, b in pairwise(usable))


def _steadily_growing(usable: Sequence[LagSample]) -> bool:
    return len(usable) >= WARN_MIN_SAMPLES and _growing(usable)


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"


def _pending_verdict(
    usable: Sequence[LagSample], run: Sequence[LagSample], start: float, *, now: float, has_members: bool,
    stop_after_s: float, progress_seen: bool,
) -> Verdict | None:
    """PENDING when the window cannot call this lagging partition OK yet (see the module
    docstring), saying what would decide it; None when it can."""
    newest = usable[-1]
    lag = newest.lag or 0
    if len(run) == len(usable) and not progress_seen:
        verdict = "STALL" if has_members else "STOP"
        return LagStatus.PENDING, (
            f"committed offset {newest.committed:,} not seen moving in {_fmt_s(now - start)} with lag {lag:,};"
            f" {verdict} if it stays for {_fmt_s(stop_after_s)}"
        )
    if len(usable) < WARN_MIN_SAMPLES and _growing(usable):
        return LagStatus.PENDING, f"lag grew to {lag:,} in {len(usable)} samples; {WARN_MIN_SAMPLES} decide WARN"
    return None


def _stuck_verdict(newest: LagSample, stuck_for: float, has_members: bool) -> Verdict:
    lag = newest.lag or 0
    if has_members:
        why = f"committed offset stuck at {newest.committed:,} for {_fmt_s(stuck_for)} with lag {lag:,}"
        return LagStatus.STALL, why + " while a member holds it"
    return LagStatus.STOP, f"no commit progress for {_fmt_s(stuck_for)} with lag {lag:,} and no members consuming it"


def evaluate_partition(
    samples: Sequence[LagSample],
    *,
    now: float,
    has_members: bool = True,
    stop_after_s: float = DEFAULT_STOP_AFTER_S,
    stuck_since: float | None = None,
    progress_seen: bool = False,
    group_empty: bool = False,
) -> Verdict:
    """Judge one partition's window by the rules in the module docstring; `has_members`:
    whether a member of the group is assigned this partition.

    `stuck_since` lets a caller that keeps longer history (`LagTracker`) say when the
    current stuck run began, so STOP/STALL still fire when the window is shorter than
    `stop_after_s` (fast refresh). `progress_seen`: that history saw the committed offset move
    (or the lag at 0) before the window, so a window that is one stuck run can still be OK.
    `group_empty`: the group has no members at all (STOP may come sooner, see the docstring).
    """
    if not samples:
        return LagStatus.UNKNOWN, "no samples yet"
    window = sorted(samples, key=lambda s: s.at)
    newest = window[-1]
    if newest.latest is None:
        return LagStatus.ERR, "log end offset could not be read (no leader, or the request failed)"
    if newest.committed is None or newest.committed < 0:
        return LagStatus.UNKNOWN, "no committed offset"
    usable = _usable(window)
    if len(usable) < 2:
        if usable and usable[-1].lag == 0:
            return LagStatus.OK, "caught up (lag 0)"  # rule 1 needs only one sample
        nobody = "" if has_members else ", no member consuming it"
        return LagStatus.PENDING, f"1 sample so far, lag {newest.lag or 0:,}{nobody}; 2 are needed"
    rewind = _find_rewind(usable)
    if rewind is not None:
        return LagStatus.REWIND, f"committed offset went back from {rewind[0]:,} to {rewind[1]:,}"
    run = stuck_run(usable)
    start = now
    if run:
        start = run[0].at if stuck_since is None else min(stuck_since, run[0].at)
        never_moved = len(run) == len(usable) and not progress_seen
        wait = 0.0 if group_empty and never_moved else stop_after_s
        if len(run) >= 2 and now - start >= wait:
            return _stuck_verdict(newest, now - start, has_members)
    if any(s.lag == 0 for s in usable):
        return LagStatus.OK, "caught up" if newest.lag == 0 else "lag was 0 within the window"
    if _steadily_growing(usable):
        return LagStatus.WARN, f"lag grew in every one of the last {len(usable)} samples, now {newest.lag:,}"
    pending = _pending_verdict(usable, run, start, now=now, has_members=has_members, stop_after_s=stop_after_s,
                               progress_seen=progress_seen)
    if pending is not None:
        return pending
    return LagStatus.OK, f"lag {newest.lag:,}, not growing steadily"


def _newest_lag(samples: Sequence[LagSample]) -> int:
    if not samples:
        return 0
    return max(samples, key=lambda s: s.at).lag or 0


def _group_ok_reason(partition_samples: Mapping[PartitionKey, Sequence[LagSample]]) -> str:
    total = sum(_newest_lag(s) for s in partition_samples.values())
    count = len(partition_samples)
    return f"{count} partition{'s' if count != 1 else ''} OK, total lag {total:,}"


def evaluate_group(
    partition_samples: Mapping[PartitionKey, Sequence[LagSample]],
    *,
    has_members: Members,
    now: float,
    stop_after_s: float = DEFAULT_STOP_AFTER_S,
    stuck_since: Mapping[PartitionKey, float] | None = None,
    progress_seen: AbstractSet[PartitionKey] = frozenset(),
) -> Verdict:
    """The worst partition verdict (see `SEVERITY`), naming the partition it came from.

    `has_members`: the partitions some member is assigned, or a bool for all partitions (see
    the module docstring); False is a group with no members at all, which may be judged
    sooner (see the STOP rule). Ties go to the partition
    with the most lag; the reason counts the other partitions in the same state so one line
    says how widespread it is. A PENDING group's reason starts "not judged yet: ".
    """
    if not partition_samples:
        return LagStatus.UNKNOWN, "no committed offsets"
    since = stuck_since or {}
    verdicts = {
        key: evaluate_partition(
            samples,
            now=now,
            has_members=has_members if isinstance(has_members, bool) else key in has_members,
            stop_after_s=stop_after_s,
            stuck_since=since.get(key),
            progress_seen=key in progress_seen,
            group_empty=has_members is False,  # an empty assignment set still means "has members"
        )
        for key, samples in partition_samples.items()
    }
    # max() keeps the first of equals, so iterating sorted keys makes ties deterministic.
    worst_key = max(sorted(verdicts), key=lambda k: (severity(verdicts[k][0]), _newest_lag(partition_samples[k])))
    status, reason = verdicts[worst_key]
    if status is LagStatus.OK:
        return status, _group_ok_reason(partition_samples)
    others = sum(1 for k, v in verdicts.items() if v[0] is status and k != worst_key)
    more = f" (+{others} more partition{'s' if others != 1 else ''})" if others else ""
    judged = NOT_JUDGED + ": " if status is LagStatus.PENDING else ""
    return status, f"{judged}{worst_key[0]}-{worst_key[1]}: {reason}{more}"


@dataclass
class _PartitionHistory:
    """Mutable per-partition state of the tracker: the window and the stuck run's start."""

    samples: deque[LagSample]
    stuck_since: float | None = None
    progress_seen: bool = False  # the committed offset was seen to move, or the lag at 0
    same: int = 0  # trailing samples with the newest one's offsets: the whole window when >= len(samples)

    def add(self, sample: LagSample) -> None:
        prev = self.samples[-1] if self.samples else None
        if not sample.lag:
            self.stuck_since = None
        elif prev is None or prev.committed != sample.committed or not prev.lag:
            self.stuck_since = sample.at
        if sample.lag is not None:
            last = next((s for s in reversed(self.samples) if s.lag is not None), None)
            moved = last is not None and last.committed != sample.committed
            self.progress_seen = self.progress_seen or sample.lag == 0 or moved
        same = prev is not None and prev.committed == sample.committed and prev.latest == sample.latest
        self.same = self.same + 1 if same else 1
        self.samples.append(sample)

    @property
    def settled(self) -> bool:
        """Its verdict cannot change while its offsets stay as they are: every sample of the window
        has the same offsets, the log end offset is known, and the lag is 0 or nothing is committed
        (OK, or UNKNOWN; see `LagTracker.repeat`)."""
        if not self.samples or self.same < len(self.samples):
            return False
        newest = self.samples[-1]
        return newest.latest is not None and (newest.committed is None or newest.committed < 0 or newest.lag == 0)


@dataclass
class _GroupHistory:
    window: int
    last_seen: float = 0.0
    partitions: dict[PartitionKey, _PartitionHistory] = field(default_factory=dict)
    totals: deque[int] = field(init=False)
    settled: bool = False  # every partition `settled` at the last record
    repeats: deque[float] = field(init=False)  # times of `LagTracker.repeat` not applied to the windows yet

    def __post_init__(self) -> None:
        self.totals = deque(maxlen=self.window)
        self.repeats = deque(maxlen=self.window)  # older ones would scroll out of every window anyway

    def catch_up(self) -> None:
        """Apply the pending repeats: each partition's newest offsets again at each repeat's time,
        exactly as `LagTracker.record` would have added them."""
        for at in self.repeats:
            for part in self.partitions.values():
                newest = part.samples[-1]
                part.add(LagSample(at, newest.committed, newest.latest))
            self.totals.append(self.totals[-1] if self.totals else 0)
        self.repeats.clear()


class LagTracker:
    """Bounded lag history per (group, topic, partition), and its Burrow-style verdicts.

    Memory stays bounded: `window` samples per partition, partitions missing from a
    group's latest `record` are dropped, and `expire(now)` (call it once per refresh, after
    recording every group) forgets groups not recorded for `forget_after_s`. Not thread-safe:
    keep it in the one worker that polls groups.
    """

    def __init__(
        self,
        window: int = DEFAULT_WINDOW,
        *,
        forget_after_s: float = DEFAULT_FORGET_AFTER_S,
        stop_after_s: float = DEFAULT_STOP_AFTER_S,
    ) -> None:
        if window < 2:
            raise ValueError("a lag window needs at least 2 samples")
        self.window = window
        self.forget_after_s = forget_after_s
        self.stop_after_s = stop_after_s
        self._groups: dict[str, _GroupHistory] = {}

    def record(self, group_id: str, at: float, partitions: Iterable[PartitionOffsets]) -> None:
        """Add one refresh's offsets for a group; `partitions` is its complete current set."""
        history = self._history(group_id) or _GroupHistory(self.window)
        self._groups[group_id] = history
        history.last_seen = at
        seen: dict[PartitionKey, _PartitionHistory] = {}
        total = 0
        settled = True
        for topic, partition, committed, latest in partitions:
            key = (topic, partition)
            part = history.partitions.get(key) or _PartitionHistory(deque(maxlen=self.window))
            sample = LagSample(at, committed, latest)
            part.add(sample)
            total += sample.lag or 0
            seen[key] = part
            settled = settled and part.settled
        history.partitions = seen
        history.totals.append(total)
        history.settled = settled

    def repeat(self, group_id: str, at: float) -> bool:
        """Record at `at` the same offsets as the group's last `record`, if its verdict cannot
        change by it; True when done (its verdict, window rates and total lag are then what they
        were), False when the caller must `record` and `evaluate` it.

        Why (issue 14): at 5,000 groups, recording and judging every partition at every poll was
        half of the groups poll's CPU, although most groups' offsets do not move. A settled group
        (every window one repeated sample with lag 0 or nothing committed: OK or UNKNOWN, whatever
        the time) costs O(1) here; the samples are added when anything reads or records the group
        (`_GroupHistory.catch_up`), so every window and rule still sees every poll. The caller
        must only call this with the exact offsets of the last record."""
        history = self._groups.get(group_id)
        if history is None or not history.settled:
            return False
        history.last_seen = at
        history.repeats.append(at)
        return True

    def _history(self, group_id: str) -> _GroupHistory | None:
        """The group's history with its pending repeats applied."""
        history = self._groups.get(group_id)
        if history is not None and history.repeats:
            history.catch_up()
        return history

    def expire(self, now: float) -> list[str]:
        """Forget groups not recorded for `forget_after_s` (deleted, or no longer listed);
        returns their ids. One pass over the groups: call it once per refresh, not per group."""
        cutoff = now - self.forget_after_s
        gone = [g for g, h in self._groups.items() if h.last_seen < cutoff]
        for gid in gone:
            del self._groups[gid]
        return gone

    def evaluate(self, group_id: str, has_members: Members, now: float) -> Verdict:
        """The group's status now; UNKNOWN when it has never been recorded. `has_members` as
        for `evaluate_group`: the assigned partitions, or a bool for all of them."""
        history = self._history(group_id)
        if history is None:
            return LagStatus.UNKNOWN, "no samples yet"
        samples = {k: list(p.samples) for k, p in history.partitions.items()}
        since = {k: p.stuck_since for k, p in history.partitions.items() if p.stuck_since is not None}
        progress = frozenset(k for k, p in history.partitions.items() if p.progress_seen)
        return evaluate_group(
            samples, has_members=has_members, now=now, stop_after_s=self.stop_after_s, stuck_since=since,
            progress_seen=progress,
        )

    def windows(self, group_id: str) -> dict[PartitionKey, list[LagSample]]:
        """Every partition's window, oldest first (the catch-up rates of kafka_catch_up)."""
        history = self._history(group_id)
        return {k: list(p.samples) for k, p in history.partitions.items()} if history else {}

    def trend(self, group_id: str) -> list[int]:
        """Total lag of the group at each recorded refresh, oldest first (for a sparkline)."""
        history = self._history(group_id)
        return list(history.totals) if history else []

    def samples(self, group_id: str, topic: str, partition: int) -> list[LagSample]:
        """The window kept for one partition, oldest first."""
        history = self._history(group_id)
        part = history.partitions.get((topic, partition)) if history else None
        return list(part.samples) if part else []

    def groups(self) -> list[str]:
        """Ids of the groups currently remembered."""
        return sorted(self._groups)

    def forget(self, group_id: str) -> None:
        """Drop a group's history at once (for example, when it was deleted)."""
        self._groups.pop(group_id, None)
