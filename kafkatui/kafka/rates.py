"""Messages per second, from the change in log end offsets between two refreshes.

Kafka has no "rate" to ask for without JMX, but the log end offset of a partition grows by
one per message produced (transaction markers aside), so the delta between two refreshes
divided by the time between them is the produce rate. No rate is better than a wrong one:

* the first time a partition is seen there is nothing to compare with, so its rate is None;
* an offset that went backwards means the topic was deleted and re-created (or the
  partition was truncated), so the rate is None and the new offset becomes the baseline;
* an unknown offset (no leader for a refresh) gives None but keeps the old baseline, so
  the next known offset gives the average rate over the gap;
* partitions missing from an update are forgotten, so memory follows the cluster.

The sparklines' history is not kept here but in AppState (`refresh.policy.topic_rate_history`):
a topic's history kept on the Topic changed every topic at every refresh, so none was ever
handed on unchanged (issue 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PartitionKey = tuple[str, int]
PartitionRates = dict[PartitionKey, float | None]


@dataclass(frozen=True)
class _Baseline:
    at: float
    offset: int


def partition_rate(prev: _Baseline | None, at: float, offset: int | None) -> float | None:
    """Messages per second since `prev`, or None when no honest rate can be given."""
    if prev is None or offset is None or at <= prev.at or offset < prev.offset:
        return None
    return (offset - prev.offset) / (at - prev.at)


def sum_topic_rates(rates: Mapping[PartitionKey, float | None]) -> dict[str, float | None]:
    """Sum partition rates per topic; None only when no partition of it has a rate.

    A topic with one leaderless partition still shows what the others are doing, rather
    than nothing at all.
    """
    sums: dict[str, float | None] = {}
    for (topic, _partition), value in rates.items():
        current = sums.get(topic)
        if value is None:
            sums.setdefault(topic, None)
        else:
            sums[topic] = value if current is None else current + value
    return sums


class RateTracker:
    """Per-partition produce rates, summed per topic.

    Not thread-safe: keep it with the one worker that refreshes the cluster.
    """

    def __init__(self) -> None:
        self._baselines: dict[PartitionKey, _Baseline] = {}
        self._topic_rates: dict[str, float | None] = {}

    def update(self, at: float, latest: Mapping[PartitionKey, int | None]) -> PartitionRates:
        """Take one refresh's log end offsets (the complete set) and return each rate.

        `at` is seconds on any one clock; a monotonic clock is best, so a wall-clock jump
        cannot make a rate.
        """
        rates: PartitionRates = {}
        baselines: dict[PartitionKey, _Baseline] = {}
        for key, offset in latest.items():
            prev = self._baselines.get(key)
            rates[key] = partition_rate(prev, at, offset)
            if offset is not None:
                baselines[key] = _Baseline(at, offset)
            elif prev is not None:
                baselines[key] = prev
        self._baselines = baselines
        self._topic_rates = sum_topic_rates(rates)
        return rates

    def topic_rates(self) -> dict[str, float | None]:
        """Messages per second per topic from the last `update`."""
        return dict(self._topic_rates)
