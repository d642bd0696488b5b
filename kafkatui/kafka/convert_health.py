"""Pure conversion of the answers the health rules need: topic and broker configs
(DescribeConfigs) and the reassignments in progress (ListPartitionReassignments).

Kept apart from kafka_convert so the cluster conversions stay small; like them these read
response objects attribute by attribute, send nothing and keep no state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kafka.errors as Errors

from kafkatui.kafka.convert import TopicPartitionKey, broker_part_line, config_entries
from kafkatui.model import MIN_ISR_KEY, Reassignment


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def min_isr_from_response(response: Any) -> tuple[dict[str, int], list[str]]:
    """Each topic's effective min.insync.replicas (DescribeConfigs answers a topic with its
    override or, without one, the broker's value), and one error line per failed topic kind."""
    values: dict[str, int] = {}
    failed: dict[str, int] = {}
    for result in response.results:
        if result.error_code:
            name = Errors.for_code(result.error_code).__name__
            failed[name] = failed.get(name, 0) + 1
            continue
        for c in result.configs:
            if c.name == MIN_ISR_KEY and (value := _int(c.value)) is not None:
                values[result.resource_name] = value
    lines = [f"topic configs: {n} topic{'s' if n != 1 else ''} {name}" for name, n in sorted(failed.items())]
    return values, lines


def broker_configs_from_response(response: Any, node: int) -> tuple[dict[str, str | None], list[str]]:
    """One broker's configs by name (sensitive values masked as None), or an error line."""
    for result in response.results:
        if result.resource_name != str(node):
            continue
        if result.error_code:
            return {}, [broker_part_line("configs", node, Errors.for_code(result.error_code).__name__)]
        return {e.name: e.value for e in config_entries(result, "broker")}, []
    return {}, [broker_part_line("configs", node, "not in the answer")]


def reassignments_from_response(
    response: Any,
    leaders: Mapping[TopicPartitionKey, int],
    sizes: Mapping[int, Mapping[TopicPartitionKey, int]],
) -> tuple[list[Reassignment], list[str]]:
    """The reassignments in progress, each with its leader's replica size and how much every
    adding replica holds so far (sizes per broker from DescribeLogDirs; None if that broker's
    log dirs were not answered or it holds nothing yet)."""
    if response.error_code:
        return [], [f"reassignments: {Errors.for_code(response.error_code).__name__}"]
    out: list[Reassignment] = []
    for topic in response.topics:
        for p in topic.partitions:
            key = (topic.name, p.partition_index)
            leader = leaders.get(key)
            leader_bytes = sizes.get(leader, {}).get(key) if leader is not None else None
            copied = tuple((b, sizes[b].get(key) if b in sizes else None) for b in p.adding_replicas)
            out.append(
                Reassignment(
                    topic=topic.name,
                    partition=p.partition_index,
                    replicas=tuple(p.replicas),
                    adding=tuple(p.adding_replicas),
                    removing=tuple(p.removing_replicas),
                    leader_bytes=leader_bytes,
                    copied_bytes=copied,
                )
            )
    out.sort(key=lambda r: (r.topic, r.partition))
    return out, []
