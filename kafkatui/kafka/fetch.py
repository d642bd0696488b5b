"""What each `KafkaSource` call asks the cluster, round by round.

Each coroutine runs on the admin client's IO thread with one `Call` (its deadline and its
request count) and returns raw responses, plus error lines for the parts that failed;
`KafkaSource` turns them into a snapshot. A round's requests are all in flight at once, so
a refresh is two round trips after the first connect (Metadata, then everything else), and
the number of requests grows with brokers and group coordinators, never with partitions or
groups. Requests come from kafka_wire's builders only; the ListOffsets requests are kept
encoded between calls (kafka_wire.OffsetRequests).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import kafka.errors as Errors
from kafka.protocol.consumer import OffsetSpec

from kafkatui.kafka.codec import Kept
from kafkatui.kafka.convert import (
    TopicPartitionKey,
    leaders_from_metadata,
    offsets_from_response,
    summarize,
)
from kafkatui.kafka.convert_groups import (
    committed_from_offset_fetch,
    is_kip848_listing,
    members_from_description,
    not_classic,
)
from kafkatui.kafka.wire import (
    API_CONSUMER_GROUP_DESCRIBE,
    API_DESCRIBE_QUORUM,
    API_LIST_PARTITION_REASSIGNMENTS,
    API_OFFSET_FETCH,
    Call,
    Fatal,
    NotFound,
    OffsetRequests,
    Phase,
    consumer_group_describe_request,
    describe_configs_request,
    describe_groups_request,
    gather,
    list_groups_request,
    log_dirs_request,
    metadata,
    offset_fetch_requests,
    quorum_request,
    reassignments_request,
    topic_configs_request,
)
from kafkatui.model import MIN_ISR_KEY

Result = tuple[str, int | None, Any, Any]  # (kind, node, response, tag) as `gather` returns them


@dataclass(frozen=True)
class ClusterFetch:
    """What `refresh` got: the metadata, then one round of offsets, log dirs and quorum."""

    metadata: Any
    results: list[Result]
    errors: list[str]
    kraft: bool
    timing: dict[str, float]


@dataclass(frozen=True)
class GroupsFetch:
    """What `groups` got, keyed by group id; `listed` also names each group's coordinator."""

    listed: dict[str, tuple[int, Any]]
    described: dict[str, Any]
    committed: dict[str, dict[TopicPartitionKey, int | None]]
    latest: dict[TopicPartitionKey, int]
    errors: list[str]
    timing: dict[str, float]
    denied: frozenset[str] = frozenset()  # groups the principal may not describe (GROUP_AUTHORIZATION_FAILED)


async def fetch_cluster(
    call: Call,
    configs_due: bool = True,
    known_topics: frozenset[str] = frozenset(),
    offsets: OffsetRequests | None = None,
    kept: Kept | None = None,
) -> ClusterFetch:
    """Metadata, then earliest and latest offsets per leader, log dirs per broker, (KRaft) the
    quorum and the reassignments in progress, all in one round.

    With `configs_due` (the slow cadence), the same round also asks every broker for its configs
    (one DescribeConfigs each, for drift and the broker's min.insync.replicas) and one broker for
    min.insync.replicas of every topic (one request for all topics). A topic not in
    `known_topics` makes the topic request due at once, so a new topic is judged at its first
    refresh. Requests: 2 per leader + 1 per broker + 2, plus 1 + brokers when configs are due.
    `offsets` keeps the encoded ListOffsets requests from one call to the next (KafkaSource
    passes its own); without it they are encoded afresh. `kept` keeps the Metadata answer's
    topics likewise (codec.decode_metadata)."""
    started = time.monotonic()
    md = await metadata(call, None, lean=True, kept=kept)
    timing = {"metadata": time.monotonic() - started}
    live = [b.node_id for b in md.brokers]
    leaders = leaders_from_metadata(md, live)
    kraft = API_DESCRIBE_QUORUM in call.api_versions
    topic_names = sorted(t.name for t in md.topics if not t.error_code and t.name is not None)

    offsets = offsets or OffsetRequests()
    earliest = offsets.for_leaders(leaders, OffsetSpec.EARLIEST)
    latest = offsets.for_leaders(leaders, OffsetSpec.LATEST)
    phase = Phase(time.monotonic())
    for leader in sorted(leaders):
        phase.add("earliest_offsets", leader, call.send(earliest[leader], leader))
        phase.add("latest_offsets", leader, call.send(latest[leader], leader))
    for node in sorted(live):
        phase.add("log_dirs", node, call.send(log_dirs_request(), node))
    if kraft:
        phase.add("quorum", None, call.send(quorum_request()))
    if API_LIST_PARTITION_REASSIGNMENTS in call.api_versions:
        # ZooKeeper mode: only the controller answers; KRaft brokers forward it to the controller
        controller = md.controller_id if not kraft and md.controller_id in live else None
        phase.add("reassignments", controller, call.send(reassignments_request(), controller))
    if topic_names and (configs_due or set(topic_names) - known_topics):
        phase.add("topic_configs", None, call.send(topic_configs_request(topic_names, [MIN_ISR_KEY])))
    if configs_due:
        for node in sorted(live):  # a broker describes only its own configs
            phase.add("broker_configs", node, call.send(describe_configs_request("broker", str(node)), node))
    results, errors = await gather(call, phase)
    phase_timing = phase.timing()
    timing["offsets"] = max(phase_timing.get("earliest_offsets", 0.0), phase_timing.get("latest_offsets", 0.0))
    for kind in ("log_dirs", "quorum", "reassignments", "topic_configs", "broker_configs"):
        if kind in phase_timing:
            timing[kind] = phase_timing[kind]
    return ClusterFetch(md, results, errors, kraft, timing)


async def fetch_quorum(call: Call) -> tuple[bool, Any, list[str]]:
    """Whether the cluster is KRaft (the brokers' ApiVersions offer DescribeQuorum, as in
    fetch_cluster) and, if it is, the DescribeQuorum answer (None if it failed) and what failed:
    one request, none on a ZooKeeper cluster (see QuorumSnapshot)."""
    if API_DESCRIBE_QUORUM not in call.api_versions:
        return False, None, []
    phase = Phase(time.monotonic())
    phase.add("quorum", None, call.send(quorum_request()))
    results, errors = await gather(call, phase)
    return True, (results[0][2] if results else None), errors


async def fetch_health(call: Call) -> Any:
    """Metadata for no topics: the brokers and the cluster id, one request (see ClusterHealth)."""
    return await metadata(call, [], lean=True)


async def fetch_groups(call: Call, offset_requests: OffsetRequests | None = None) -> GroupsFetch:
    """ListGroups per broker, then DescribeGroups (ConsumerGroupDescribe for KIP-848 groups)
    and OffsetFetch per coordinator, then the log end offsets of every committed or assigned
    partition. KIP-848 groups are told apart by ListGroups v5's GroupType, or, from a broker
    that lists no type, by DescribeGroups' answer (one more round, only then). `offset_requests` keeps
    the encoded ListOffsets requests, as in fetch_cluster."""
    timing: dict[str, float] = {}
    started = time.monotonic()
    md = await metadata(call, [], lean=True)
    live = sorted(b.node_id for b in md.brokers)

    # 1. ListGroups on every broker: a broker lists the groups it coordinates.
    phase = Phase(time.monotonic())
    for node in live:
        phase.add("list_groups", node, call.send(list_groups_request(), node))
    results, errors = await gather(call, phase)
    listed: dict[str, tuple[int, Any]] = {}
    for _kind, node, response, _tag in results:
        if response.error_code:
            errors.append(f"list groups from broker {node}: {Errors.for_code(response.error_code).__name__}")
        for g in response.groups:
            listed[g.group_id] = (node, g)
    timing["list"] = time.monotonic() - started

    # 2. DescribeGroups (ConsumerGroupDescribe for KIP-848 groups) and OffsetFetch, one each
    #    per coordinator, with all its groups (brokers before 3.0: one OffsetFetch per group).
    by_coordinator = by_node({group_id: node for group_id, (node, _g) in listed.items()})
    phase = Phase(time.monotonic())
    batched = call.api_versions.get(API_OFFSET_FETCH, (0, 0))[1] >= 8
    kip848 = API_CONSUMER_GROUP_DESCRIBE in call.api_versions
    for node, ids in sorted(by_coordinator.items()):
        new = [g for g in ids if kip848 and is_kip848_listing(listed[g][1])]
        classic = [g for g in ids if g not in new]
        if classic:
            phase.add("describe_groups", node, call.send(describe_groups_request(classic), node))
        if new:
            phase.add("consumer_group_describe", node, call.send(consumer_group_describe_request(new), node))
        for request, tag in offset_fetch_requests(ids, batched):
            phase.add("offset_fetch", node, call.send(request, node), tag)
    fetch_results, fetch_errors = await gather(call, phase)
    errors.extend(fetch_errors)
    described: dict[str, Any] = {}
    denied: set[str] = set()
    committed: dict[str, dict[TopicPartitionKey, int | None]] = {}
    untyped: dict[str, Any] = {}  # KIP-848 by DescribeGroups' answer: group id -> that answer
    for kind, _node, response, tag in fetch_results:
        if kind in ("describe_groups", "consumer_group_describe"):
            for g in response.groups:
                listing = listed.get(g.group_id)
                if kip848 and kind == "describe_groups" and listing and not_classic(listing[1], g):
                    untyped[g.group_id] = g  # settled by describe_untyped
                    continue
                line = describe_line(g)
                if Errors.for_code(g.error_code) is Errors.GroupAuthorizationFailedError:
                    denied.add(g.group_id)
                if line is not None:
                    errors.append(line)
                    continue
                described[g.group_id] = g
        else:
            offsets, errs = committed_from_offset_fetch(response)
            errors.extend(e.replace("group :", f"group {tag}:") for e in errs)
            if "" in offsets and tag is not None:  # one-group (pre-v8) answer
                committed[tag] = offsets.pop("")
            committed.update({g: o for g, o in offsets.items() if g})
    if untyped:  # listed without a GroupType (ListGroups before v5): one more round for these
        await describe_untyped(call, {g: listed[g][0] for g in untyped}, untyped, described, errors)
    timing["describe"] = time.monotonic() - phase.started

    # 3. Log end offsets of every committed or assigned partition: Metadata for those
    #    topics (no auto-create), then one ListOffsets per leader.
    wanted: set[TopicPartitionKey] = set()
    for offsets in committed.values():
        wanted.update(offsets)
    for desc in described.values():
        for m in members_from_description(desc):
            wanted.update(m.assignments)
    latest: dict[TopicPartitionKey, int] = {}
    if wanted:
        phase_started = time.monotonic()
        topics_md = await metadata(call, sorted({t for t, _p in wanted}), lean=True)
        leaders = leaders_from_metadata(topics_md, [b.node_id for b in topics_md.brokers])
        mine = {leader: [key for key in partitions if key in wanted] for leader, partitions in leaders.items()}
        mine = {leader: keys for leader, keys in mine.items() if keys}
        requests = (offset_requests or OffsetRequests()).for_leaders(mine, OffsetSpec.LATEST)
        phase = Phase(time.monotonic())
        for leader, request in sorted(requests.items()):
            phase.add("latest_offsets", leader, call.send(request, leader))
        offset_results, offset_errors = await gather(call, phase)
        errors.extend(offset_errors)
        counts: dict[str, int] = {}
        for _kind, _node, response, _tag in offset_results:
            offsets, errs = offsets_from_response(response)
            latest.update(offsets)
            for name, count in errs.items():
                counts[name] = counts.get(name, 0) + count
        errors.extend(summarize(counts, "latest offsets"))
        timing["offsets"] = time.monotonic() - phase_started
    return GroupsFetch(listed, described, committed, latest, errors, timing, frozenset(denied))


def describe_line(group: Any) -> str | None:
    """The error line of one group of a DescribeGroups or ConsumerGroupDescribe answer, if any."""
    if not group.error_code:
        return None
    return f"describe group {group.group_id}: {Errors.for_code(group.error_code).__name__}"


def by_node(nodes: dict[str, int]) -> dict[int, list[str]]:
    """Group ids per coordinator node, both sorted: one batched request per coordinator."""
    out: dict[int, list[str]] = defaultdict(list)
    for group_id, node in sorted(nodes.items()):
        out[node].append(group_id)
    return dict(sorted(out.items()))


async def describe_untyped(
    call: Call,
    coordinators: dict[str, int],
    classic: dict[str, Any],
    described: dict[str, Any],
    errors: list[str],
) -> None:
    """ConsumerGroupDescribe for groups DescribeGroups said are not classic, batched per
    coordinator. Its answer is used when it describes the group; otherwise the DescribeGroups
    answer in `classic` stands, as it would without this round."""
    phase = Phase(time.monotonic())
    for node, ids in by_node(coordinators).items():
        phase.add("consumer_group_describe", node, call.send(consumer_group_describe_request(ids), node))
    results, round_errors = await gather(call, phase)
    errors.extend(round_errors)
    for _kind, _node, response, _tag in results:
        for g in response.groups:
            if g.group_id not in classic:
                continue
            line = describe_line(g)
            if line is None:
                del classic[g.group_id]
                described[g.group_id] = g
            elif Errors.for_code(g.error_code) is not Errors.GroupIdNotFoundError:
                errors.append(line)  # not a KIP-848 group either, and this says why
    for group_id, g in classic.items():  # not described by ConsumerGroupDescribe: the classic outcome
        line = describe_line(g)
        if line is not None:
            errors.append(line)
        else:
            described[group_id] = g


async def fetch_config(call: Call, resource_type: str, name: str) -> Any:
    """The DescribeConfigs result for one topic or broker; NotFound if it does not exist."""
    node = int(name) if resource_type == "broker" else None
    try:
        response = await call.wait(call.send(describe_configs_request(resource_type, name), node))
    except Errors.UnknownBrokerIdError:
        raise NotFound(f"broker {name} is not in the cluster") from None
    result = next((r for r in response.results if r.resource_name == str(name)), None)
    if result is None:
        raise Fatal(f"no configs returned for {resource_type} {name}")
    if result.error_code:
        error = Errors.for_code(result.error_code)
        if error is Errors.UnknownTopicOrPartitionError:
            raise NotFound(f"topic {name!r} does not exist")
        raise NotFound(f"configs of {resource_type} {name}: {error.__name__} {result.error_message or ''}")
    return result
