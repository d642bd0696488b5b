"""Catch-up ETA of a consumer group, or "falling behind", from the lag window it already keeps.

Why from the lag window (`kafka.lag.LagTracker` samples: committed and log end offset of each
partition at each refresh): those two series ARE the consume rate (committed offsets per
second) and the produce rate (log end offsets per second) of exactly the partitions the group
reads, over the same span, so no other request is needed. The topic's produce rate
(`kafka.rates`) would count partitions the group does not read.

Per partition, the rate is taken between its first and last usable sample of the window (up
to `kafka.lag.DEFAULT_WINDOW` refreshes); the group's rates are the sums. Then:

=================  ==========================================================================
caught_up          the group's lag is 0.
keeping_up         it consumes, and its lag is at most KEEPING_UP_S seconds of production: the
                   normal gap between a consumer's commits, not a trend to act on.
catching_up        consume rate > produce rate: ETA = lag / (consume - produce), in seconds.
falling_behind     produce rate > consume rate and the total lag grew over the window.
unknown ("—")      lag unknown, fewer than 2 samples, or no net progress without growth (for
                   example nobody consumes and nobody produces: it never catches up, but it
                   is not falling behind either); `reason` says which.
=================  ==========================================================================

A committed offset that went backwards (REWIND) counts as no progress for that partition, not
as a negative rate. Pure functions; unit-tested in tests/unit/test_catch_up.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kafkatui.fmt import MISSING, human_duration
from kafkatui.kafka.lag import LagSample, PartitionKey
from kafkatui.model import CatchUp

CAUGHT_UP = "caught_up"
KEEPING_UP = "keeping_up"
CATCHING_UP = "catching_up"
FALLING_BEHIND = "falling_behind"
UNKNOWN = "unknown"
KEEPING_UP_S = 10.0
"""A lag this many seconds of production deep, in a group that consumes, is keeping up: a consumer
that commits every few seconds always shows a small, sawing lag, and calling lag 2 at 2 msgs/s
"falling behind" (seen on the demo's billing group) sends the operator after nothing."""


@dataclass(frozen=True)
class WindowRates:
    """Offsets per second over the window, summed over a group's partitions, and its total lag
    at the window's start and end (partitions with at least 2 usable samples only)."""

    consume_per_s: float
    produce_per_s: float
    lag_first: int
    lag_last: int


def window_rates(partition_samples: Mapping[PartitionKey, Sequence[LagSample]]) -> WindowRates | None:
    """The group's consume and produce rates over its lag window; None when no partition has two
    usable samples (a lag known at both) some time apart."""
    consume = produce = 0.0
    lag_first = lag_last = 0
    seen = False
    for samples in partition_samples.values():
        usable = sorted((s for s in samples if s.lag is not None), key=lambda s: s.at)
        if len(usable) < 2 or usable[-1].at <= usable[0].at:
            continue
        first, last = usable[0], usable[-1]
        span = last.at - first.at
        consume += max(0, (last.committed or 0) - (first.committed or 0)) / span
        produce += max(0, (last.latest or 0) - (first.latest or 0)) / span
        lag_first += first.lag or 0
        lag_last += last.lag or 0
        seen = True
    return WindowRates(consume, produce, lag_first, lag_last) if seen else None


def catch_up(lag: int | None, rates: WindowRates | None) -> CatchUp:
    """The group's catch-up state from its current total lag and its window rates (see the table)."""
    if lag is None:
        return CatchUp(UNKNOWN, reason="lag unknown")
    if lag == 0:
        return CatchUp(CAUGHT_UP, eta_s=0.0)
    if rates is None:
        return CatchUp(UNKNOWN, reason="rates need 2 refreshes")
    consume, produce = rates.consume_per_s, rates.produce_per_s
    known = {"consume_per_s": consume, "produce_per_s": produce}
    if consume > 0 and lag <= max(produce, 1.0) * KEEPING_UP_S:
        return CatchUp(KEEPING_UP, reason=f"lag within {KEEPING_UP_S:g} s of production", **known)
    if consume > produce:
        return CatchUp(CATCHING_UP, eta_s=lag / (consume - produce), **known)
    if produce > consume and rates.lag_last > rates.lag_first:
        return CatchUp(FALLING_BEHIND, reason=f"produced {produce:,.1f}/s, consumed {consume:,.1f}/s", **known)
    if consume == 0:
        return CatchUp(UNKNOWN, reason="no commit progress", **known)
    return CatchUp(UNKNOWN, reason="lag not shrinking", **known)


def eta_text(c: CatchUp | None) -> str:
    """The ETA in a few characters: "4m 10s", "falling behind", "caught up", "—" (unknown)."""
    if c is None or c.state == UNKNOWN:
        return MISSING
    if c.state == CAUGHT_UP:
        return "caught up"
    if c.state == KEEPING_UP:
        return "keeping up"
    if c.state == FALLING_BEHIND:
        return "falling behind"
    return human_duration(c.eta_s)
