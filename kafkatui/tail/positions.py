"""Resolve a StartSpec to one offset per partition, with the consumer's own offset lookups.

- `end`: the high watermark (only new records).
- `last:N`: N before the end, never before the log start.
- `earliest`: the log start.
- `offset:N`: N, clamped into [log start, end].
- `time:...`: the first offset with a timestamp at or after the instant (`offsets_for_times`);
  a partition with nothing that recent starts at its end.

Every call has the settings' timeout. These are ListOffsets requests: they read, they never
commit or join a group.
"""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition

from kafkatui.tail.start import StartSpec


def start_positions(consumer: KafkaConsumer, tps: list[TopicPartition], start: StartSpec,
                    timeout_ms: int) -> dict[TopicPartition, int]:
    end = consumer.end_offsets(tps, timeout_ms=timeout_ms)
    if start.kind == "end":
        return dict(end)
    begin = consumer.beginning_offsets(tps, timeout_ms=timeout_ms)
    if start.kind == "earliest":
        return dict(begin)
    if start.kind == "last":
        return {tp: max(begin[tp], end[tp] - (start.n or 0)) for tp in tps}
    if start.kind == "offset":
        return {tp: min(max(start.n or 0, begin[tp]), end[tp]) for tp in tps}
    found = consumer.offsets_for_times({tp: start.time_ms() for tp in tps}, timeout_ms=timeout_ms)
    return {tp: found[tp].offset if found.get(tp) is not None else end[tp] for tp in tps}
