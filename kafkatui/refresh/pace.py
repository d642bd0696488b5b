"""The app protects the host (issue 14): how often to poll a source, given what its polls cost.

kafkatui runs on a broker host. When one poll of a source takes a large share of its interval
(a big cluster, a loaded machine, six monitors at once), polling at the set interval would keep
work stacked back to back, taking CPU from Kafka and making the next polls slower still: at
3,000 topics under load 40, six apps made every refresh time out at the 4 s request timeout.
So the source is polled less often until its polls are cheap again, and the header says so.

Pure and plain (no Textual, no clock): `next_pace(pace, set_interval, cost, policy)` is the
whole decision, unit-tested in tests/unit/test_pace.py; `refresh/policy.apply_poll` folds it
into AppState and the app only turns the interval into its next `set_timer`.

What a poll costs is the CPU it used, not its wall time: its worker thread's plus the Kafka
client's IO thread's over the poll (ui/polling.py, `KafkaSource.io_cpu_s`). Why not wall time:
the issue's rule is about the host ("when one refresh costs more than a set share of its
interval"), and wall time mostly measures waiting. A hung broker (SIGSTOP) makes polls slow in
wall time but costs the host nothing (measured on a KRaft cluster with one broker stopped: a
refresh of 4.01 s wall used 5.7 ms of CPU), and pacing by wall time stretched the interval up to
8x, so the app saw the hung broker, and its recovery, later. Why the IO thread: the requests are
encoded and the answers decoded there, not in the worker (one refresh of the local cluster:
37 ms wall, 0.8 ms of the worker's CPU, 4.9 ms with the IO thread's, the same as the whole
process's in isolation); and not the whole process's CPU, which in the app would also count the
UI thread's drawing (the tail's, say) for as long as a poll waits. Two Kafka polls that overlap
each count the IO thread's work for both, which errs towards protecting the host. A poll that
ran into its request deadline is handled by the adaptive deadline (refresh/deadline.py), not by
stretching the interval.

The rule, with `PacePolicy`'s defaults:
- **One budget for all sources**: `share` (2.5 %) is the share of a core that all of the polls
  together may use, not each source's. A source's part is what the other sources' polls use
  now leaves of it (`Spent`: each one's last poll's CPU over its interval, while it is still
  polled), and never less than an equal part (`share_for`). Why: with a share per source, a
  view that polls four sources could use four times it (the overview at 10,000 topics: 11 %
  of a core with 5 % each). Why what the others leave: the processes and ZooKeeper polls cost
  little, and what they do not use goes to the expensive one instead of to nobody.
- **Stretch** when a poll's CPU is over its part of the interval in use (and over
  `min_cost_s`, 0.1 s of CPU, so a 1 s interval does not react to a few slow decodes). The
  interval grows in one step by the factor that makes the poll fit in its part (0.9 s of CPU
  with the whole 2.5 %: 5 s -> 36 s), in whole seconds so the header's note does not jitter.
  Never past the cap.
- **Cap**: `max_factor` (12x) the set interval, and no more than `cap_s` (60 s) unless the set
  interval is longer: data must not get older than the operator would still call live.
- **Recover** gradually with hysteresis: halve the interval (never below the set one) only after
  `calm_polls` (3) polls in a row that would cost at most half its part at that halved
  interval. A poll between the two thresholds keeps the interval and restarts the count, so an
  interval near a threshold does not flap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SHARE = 0.025
"""Why 2.5 % for all polls together: kafkatui runs next to the broker it watches and must stay
near idle there (issue 14's goal: under 3 % of a core at idle in every view); the polls get 2.5 %
and the UI's drawing of what they bring the rest. Since a poll's cost is its CPU, the share is the
share of a core the polls may keep busy. Measured at 10,000 topics / 30,003 partitions
(bench/README.md, scale_ui): a full Kafka refresh used 0.66-0.93 s of CPU and a groups poll of
5,000 groups 0.22 s; at 5 % per source (the last default) the overview used 11 % of a core. At
2.5 % in all, the Kafka refresh runs every 27-60 s there and the header says so. A healthy cluster
never meets it: a 2,050-partition refresh uses ~0.05 s, under the 0.1 s floor. An operator who
prefers fresher data to a quieter host raises `refresh_share` (up to 1)."""


@dataclass(frozen=True)
class PacePolicy:
    """The thresholds of `next_pace` (see the module docstring for why each default)."""

    share: float = DEFAULT_SHARE  # all sources' polls together may use this share of a core
    min_cost_s: float = 0.1  # a poll cheaper than this (CPU s) never stretches the interval
    max_factor: float = 12.0  # the interval grows to at most this many times the set one ...
    cap_s: float = 60.0  # ... and to at most this many seconds (unless the set interval is longer)
    calm_polls: int = 3  # cheap polls in a row before the interval is halved back

    def cap(self, set_interval: float) -> float:
        """The longest interval a source with this set interval is ever stretched to."""
        return max(set_interval, min(set_interval * self.max_factor, self.cap_s))

    def share_for(self, others: Sequence[float]) -> float:
        """One source's part of the share, given what each other source's polls use now (a
        share of a core each, `Spent.rate`): what they leave, never less than an equal part."""
        return max(self.share - sum(others), self.share / (len(others) + 1))

    def limit(self, interval: float, share: float) -> float:
        """The longest a poll may take at `interval` before the interval is stretched, with
        `share` the source's part (`share_for`)."""
        return max(share * interval, self.min_cost_s)


DEFAULT_POLICY = PacePolicy()


@dataclass(frozen=True)
class PollCost:
    """What one poll cost the host: the CPU seconds this process used while it ran."""

    cpu_s: float


@dataclass(frozen=True)
class Spent:
    """What one source's polls use of the host now: its last poll's CPU, the interval it is polled
    at since, and when that poll landed (a source no longer polled stops counting)."""

    cpu_s: float
    interval_s: float
    at: float

    @property
    def rate(self) -> float:
        """The share of a core its polls use at this pace."""
        return self.cpu_s / self.interval_s if self.interval_s > 0 else 0.0

    def current(self, now: float) -> bool:
        """Still polled: its next poll is due within another interval (a view that stopped
        polling it, or a poll that hangs, ends its count)."""
        return now - self.at <= 2 * self.interval_s + 1.0


@dataclass(frozen=True)
class Pace:
    """How one source is being paced. `interval_s` None: the set interval. `reason` says why it
    was last stretched ("kafka used 3.2s CPU"); `calm` counts cheap polls towards a shrink."""

    interval_s: float | None = None
    reason: str = ""
    calm: int = 0

    @property
    def stretched(self) -> bool:
        return self.interval_s is not None

    def interval(self, set_interval: float) -> float:
        """The interval to poll at: the stretched one, or the set one."""
        return self.interval_s if self.interval_s is not None else set_interval


NORMAL = Pace()


def _why(label: str, cost: PollCost) -> str:
    return f"{label} used {cost.cpu_s:.1f}s CPU"


def next_pace(pace: Pace, set_interval: float, cost: PollCost | None, policy: PacePolicy = DEFAULT_POLICY,
              label: str = "", others: Sequence[float] = ()) -> Pace:
    """The pace after one more poll of a source polled at `set_interval` (its configured one).

    `cost` None: what the poll cost is not known (its worker failed); the interval stays and
    the count of cheap polls restarts. A failed poll's CPU is a cost like any other.
    `label` names the source in the reason. `others`: what each other source still polled uses
    (`Spent.rate`), so the source gets its part of the one share (`PacePolicy.share_for`).
    """
    if set_interval <= 0:
        return NORMAL
    current = pace.interval(set_interval)
    if cost is None:
        return Pace(pace.interval_s, pace.reason) if pace.calm else pace
    cap = policy.cap(set_interval)
    share = policy.share_for(others)
    if cost.cpu_s > policy.limit(current, share):
        target = cost.cpu_s / share  # the interval at which this cost is its part
        target = min(float(math.ceil(target)), cap)  # whole seconds: the header's note does not jitter
        if target <= set_interval:  # the cap is the set interval itself (a set interval over cap_s)
            return NORMAL
        return Pace(max(target, current), _why(label or "source", cost), 0)
    if pace.interval_s is None:
        return pace
    lower = max(set_interval, float(math.ceil(current / 2)))
    if cost.cpu_s > policy.limit(lower, share) / 2:
        return Pace(pace.interval_s, pace.reason) if pace.calm else pace
    if pace.calm + 1 < policy.calm_polls:
        return Pace(pace.interval_s, pace.reason, pace.calm + 1)
    return NORMAL if lower <= set_interval else Pace(lower, pace.reason, 0)


def pace_note(set_interval: float, pace: Pace, why: bool = True) -> str:
    """ "refresh 5s→13s (kafka used 3.2s CPU)" while stretched, else ""; without `why`, only
    "refresh 5s→13s" (the header at 80 columns)."""
    if pace.interval_s is None:
        return ""
    note = f"refresh {set_interval:g}s→{pace.interval_s:g}s"
    return f"{note} ({pace.reason})" if why else note
