"""Pure conversion of consumer-group responses into kafkatui.model objects.

Why it is apart from kafka_convert: groups come in two protocols that answer differently,
classic (ListGroups/DescribeGroups, assignments in the consumer protocol's own encoding) and
KIP-848 (ConsumerGroupDescribe, assignments named by the broker), and older brokers leave a
group's type out of ListGroups. Telling them apart and reading both into one GroupMember /
GroupPartition shape is its own set of rules. Like kafka_convert, these functions read decoded
responses (attribute access only), send nothing and keep no state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import kafka.errors as Errors
from kafka.protocol.consumer.metadata import ConsumerProtocolAssignment

from kafkatui.kafka.convert import TopicPartitionKey
from kafkatui.kafka.messages import ConsumerGroupDescribeResponse
from kafkatui.model import GroupMember, GroupPartition


def decode_assignment(raw: Any) -> tuple[TopicPartitionKey, ...]:
    """A consumer-protocol member assignment as sorted (topic, partition) pairs; () if undecodable."""
    if not raw:
        return ()
    try:
        assignment = ConsumerProtocolAssignment.decode(bytes(raw)) if isinstance(raw, bytes | bytearray) else raw
        pairs = [(tp.topic, p) for tp in assignment.assigned_partitions or () for p in tp.partitions or ()]
    except Exception:  # a group of another protocol type, or a newer encoding: show no assignment
        return ()
    return tuple(sorted(pairs))


KIP848_GROUP_TYPE = "consumer"  # ListGroups v5+ GroupType of a group on the KIP-848 protocol


def is_kip848_listing(listed: Any) -> bool:
    """Whether ListGroups (v5+) typed the group as a KIP-848 consumer group; older answers have
    no type, so a group they list is described the classic way."""
    return getattr(listed, "group_type", None) == KIP848_GROUP_TYPE


def not_classic(listed: Any, described: Any) -> bool:
    """For a group ListGroups listed without a GroupType (before v5): whether DescribeGroups'
    answer says it is not a classic group, so it may be a KIP-848 one. DescribeGroups v6+
    answers GROUP_ID_NOT_FOUND ("not a classic group"); older versions a Dead group with no
    protocol type, although ListGroups has just seen one. A typed listing is never second-guessed."""
    if getattr(listed, "group_type", None):
        return False
    if described.error_code:
        return Errors.for_code(described.error_code) is Errors.GroupIdNotFoundError
    return described.group_state == "Dead" and not described.protocol_type and bool(listed.protocol_type)


def is_kip848_description(described: Any) -> bool:
    """Whether a description came from ConsumerGroupDescribe rather than DescribeGroups."""
    return isinstance(described, ConsumerGroupDescribeResponse.DescribedGroup)


def state_and_protocol(described: Any) -> tuple[str, str, str]:
    """(state, protocol type, protocol) of a described group. A KIP-848 group has no protocol
    type or data on the wire: it is a "consumer" group and its protocol is the server-side
    assignor (uniform, range)."""
    if is_kip848_description(described):
        return described.group_state or "", KIP848_GROUP_TYPE, described.assignor_name or ""
    return described.group_state or "", described.protocol_type or "", described.protocol_data or ""


def kip848_assignment(assignment: Any) -> tuple[TopicPartitionKey, ...]:
    """A KIP-848 member's current assignment as sorted (topic, partition) pairs. The broker
    names each topic; one it could not name (just deleted) is left out."""
    topics = getattr(assignment, "topic_partitions", None) or ()
    return tuple(sorted((t.topic_name, p) for t in topics if t.topic_name for p in t.partitions or ()))


def members_from_description(described: Any) -> tuple[GroupMember, ...]:
    """Members sorted by client id, from DescribeGroups or (KIP-848) ConsumerGroupDescribe.
    Classic groups: only consumer-protocol assignments are decoded (others use their own
    encoding). KIP-848 groups: the assignment the member has now, not its target."""
    kip848 = is_kip848_description(described)
    consumer = not kip848 and described.protocol_type == "consumer"

    def assigned(m: Any) -> tuple[TopicPartitionKey, ...]:
        if kip848:
            return kip848_assignment(m.assignment)
        return decode_assignment(m.member_assignment) if consumer else ()

    members = [
        GroupMember(
            member_id=m.member_id,
            client_id=m.client_id,
            host=(m.client_host or "").lstrip("/"),
            assignments=assigned(m),
        )
        for m in described.members
    ]
    members.sort(key=lambda m: (m.client_id, m.member_id))
    return tuple(members)


def consuming(members: tuple[GroupMember, ...]) -> bool | frozenset[TopicPartitionKey]:
    """Which partitions a group's members consume, for the lag rules (kafkatui.kafka.lag): the
    assigned partitions; or, when no member has a readable assignment (mid-rebalance, another
    protocol type), just whether the group has members at all."""
    assigned = frozenset(key for m in members for key in m.assignments)
    return assigned if assigned else bool(members)


def committed_from_offset_fetch(response: Any) -> tuple[dict[str, dict[TopicPartitionKey, int | None]], list[str]]:
    """Committed offsets per group from an OffsetFetch v8+ response (many groups) or an older
    one-group response (its group id is then unknown here: the key is ""). -1 becomes None."""
    out: dict[str, dict[TopicPartitionKey, int | None]] = {}
    errors: list[str] = []
    groups = getattr(response, "groups", None)
    if response.API_VERSION is not None and response.API_VERSION >= 8 and groups is not None:
        items = [(g.group_id, g.error_code, g.topics) for g in groups]
    else:
        items = [("", response.error_code, response.topics)]
    for group_id, error_code, topics in items:
        if error_code:
            errors.append(f"offsets of group {group_id}: {Errors.for_code(error_code).__name__}")
            continue
        offsets: dict[TopicPartitionKey, int | None] = {}
        for topic in topics or ():
            for p in topic.partitions:
                if p.error_code:
                    continue
                offsets[(topic.name, p.partition_index)] = p.committed_offset if p.committed_offset >= 0 else None
        out[group_id] = offsets
    return out, errors


def group_partitions(
    members: Iterable[GroupMember],
    committed: Mapping[TopicPartitionKey, int | None],
    latest: Mapping[TopicPartitionKey, int],
) -> tuple[GroupPartition, ...]:
    """Every partition the group committed or is assigned, sorted, with its owner's client id."""
    owner: dict[TopicPartitionKey, str] = {}
    for m in members:
        for key in m.assignments:
            owner[key] = m.client_id
    keys = sorted(set(committed) | set(owner))
    return tuple(
        GroupPartition(
            topic=t,
            partition=p,
            committed=committed.get((t, p)),
            latest=latest.get((t, p)),
            member=owner.get((t, p)),
        )
        for t, p in keys
    )
