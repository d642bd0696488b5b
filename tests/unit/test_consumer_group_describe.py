"""ConsumerGroupDescribe (KIP-848 groups): our message schemas, the request builder, and the
conversion of answers into kafkatui.model groups. Pure: no cluster.

The REAL_* answers are bytes a Kafka 4.1.1 broker sent (response header included), captured
once from the local KRaft cluster: decoding them and encoding the result again must give the
same bytes, which proves the schema reads every field, in order, with nothing left over.
"""

from __future__ import annotations

import importlib.resources
import uuid

import kafka.errors as Errors
import pytest
from kafka.future import Future
from kafka.protocol.admin import DescribeGroupsResponse, ListGroupsResponse
from kafka.protocol.api_key import ApiKey

from kafkatui.kafka.convert_groups import (
    consuming,
    group_partitions,
    is_kip848_description,
    is_kip848_listing,
    kip848_assignment,
    members_from_description,
    not_classic,
    state_and_protocol,
)
from kafkatui.kafka.fetch import describe_line
from kafkatui.kafka.messages import ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse
from kafkatui.kafka.wire import (
    API_CONSUMER_GROUP_DESCRIBE,
    Call,
    Phase,
    consumer_group_describe_request,
    gather,
)
from kafkatui.model import Group, GroupMember
from kafkatui.snapshot.document import group_json

R = ConsumerGroupDescribeResponse
G = R.DescribedGroup
M = G.Member
A = M.Assignment
TP = A.TopicPartitions
TOPIC_ID = uuid.UUID("d5381aa7-1cb4-4c96-bf5f-5e8be15a3d85")

# Group "expgroup" (one member, client id exp-client, topic exp848 with partitions 0-2) and
# "nope-group" sent to the wrong broker (NOT_COORDINATOR), correlation id 7.
REAL_STABLE_V1 = bytes.fromhex(
    "000000070000000000030010000b6e6f70652d67726f7570010000000000000000010180000000000000000965787067726f75"
    "7007537461626c65000000010000000108756e69666f726d021753577053504c483253484b45794e79416c62416e5651000000"
    "0000010b6578702d636c69656e740b2f3132372e302e302e3102076578703834380102d5381aa71cb44c96bf5f5e8be15a3d85"
    "0765787038343804000000000000000100000002000002d5381aa71cb44c96bf5f5e8be15a3d85076578703834380400000000"
    "000000010000000200000100800000000000"
)
REAL_STABLE_V0 = bytes.fromhex(
    "000000070000000000030010000b6e6f70652d67726f7570010000000000000000010180000000000000000965787067726f75"
    "7007537461626c65000000010000000108756e69666f726d021753577053504c483253484b45794e79416c62416e5651000000"
    "0000010b6578702d636c69656e740b2f3132372e302e302e3102076578703834380102d5381aa71cb44c96bf5f5e8be15a3d85"
    "0765787038343804000000000000000100000002000002d5381aa71cb44c96bf5f5e8be15a3d85076578703834380400000000"
    "0000000100000002000000800000000000"
)
# The same groups after the consumer left: "expgroup" Empty, with no members.
REAL_EMPTY_V1 = bytes.fromhex(
    "000000070000000000030010000b6e6f70652d67726f7570010000000000000000010180000000000000000965787067726f75"
    "7006456d707479000000020000000108756e69666f726d01800000000000"
)
# Asked of the group's coordinator: "nope-group" does not exist (GROUP_ID_NOT_FOUND, with a message).
REAL_NOT_FOUND_V1 = bytes.fromhex(
    "0000000700000000000300451c47726f7570206e6f70652d67726f7570206e6f7420666f756e642e0b6e6f70652d67726f7570"
    "010000000000000000010180000000000010000965787067726f75700100000000000000000101800000000000"
)


def decode(raw: bytes, version: int) -> ConsumerGroupDescribeResponse:
    return R.decode(raw, version=version, header=True)


def reencoded(response: ConsumerGroupDescribeResponse) -> bytes:
    response.with_header(correlation_id=response.header.correlation_id)
    return response.encode(header=True)


def member(member_id: str, client_id: str, host: str, topics: dict[str, list[int]], target=None) -> M:
    def assignment(pairs: dict[str, list[int]]) -> A:
        return A(topic_partitions=[TP(topic_id=uuid.uuid4(), topic_name=t, partitions=ps) for t, ps in pairs.items()])

    return M(
        member_id=member_id,
        instance_id=None,
        rack_id=None,
        member_epoch=3,
        client_id=client_id,
        client_host=host,
        subscribed_topic_names=sorted(topics),
        subscribed_topic_regex=None,
        assignment=assignment(topics),
        target_assignment=assignment(target if target is not None else topics),
        member_type=1,
    )


def group(group_id: str, state: str, members: list[M], error: int = 0, message: str | None = None) -> G:
    return G(
        error_code=error,
        error_message=message,
        group_id=group_id,
        group_state=state,
        group_epoch=5,
        assignment_epoch=5,
        assignor_name="uniform" if not error else "",
        members=members,
        authorized_operations=-2147483648,
    )


# --------------------------------------------------------------------------- the request


def test_request_is_api_69_and_encodes_group_ids_and_the_flag() -> None:
    request = consumer_group_describe_request(["a", "bc"])
    assert ConsumerGroupDescribeRequest.API_KEY == API_CONSUMER_GROUP_DESCRIBE == int(ApiKey.ConsumerGroupDescribe)
    assert request.group_ids == ["a", "bc"] and request.include_authorized_operations is False
    # flexible from v0: compact array (n+1), compact strings (len+1), bool, empty tagged fields
    body = bytes.fromhex("03" "0261" "03" "6263" "00" "00")
    assert request.encode(version=0) == body
    assert request.encode(version=1) == body  # v1 changes only the response
    request.with_header(correlation_id=5, client_id="kafkatui")
    framed = request.encode(header=True)
    assert framed[:8] == bytes.fromhex("0045" "0001" "00000005")  # api key 69, version 1, correlation id
    assert framed.endswith(body)


def test_our_schemas_ship_with_the_package() -> None:
    files = importlib.resources.files("kafkatui.kafka.messages")
    for name in ("ConsumerGroupDescribeRequest.json", "ConsumerGroupDescribeResponse.json"):
        text = files.joinpath(name).read_text()
        assert "Licensed" not in text and '"about"' not in text  # our own minimal specs


def test_the_response_class_is_registered_for_api_69() -> None:
    """kafka-python finds a response's class by the request's api key: without this the
    broker's answer could not be decoded at all."""
    request = consumer_group_describe_request(["g"])
    request.API_VERSION = 1
    request.with_header(correlation_id=1, client_id="kafkatui")
    assert request.header.get_response_class() is R[1]


# --------------------------------------------------------------------------- real answers


@pytest.mark.parametrize(("raw", "version"), [(REAL_STABLE_V1, 1), (REAL_STABLE_V0, 0)], ids=["v1", "v0"])
def test_a_real_answer_decodes_whole(raw: bytes, version: int) -> None:
    response = decode(raw, version)
    assert reencoded(response) == raw  # every byte read, in order, nothing left over
    wrong_broker, described = response.groups
    assert wrong_broker.group_id == "nope-group"
    assert Errors.for_code(wrong_broker.error_code) is Errors.NotCoordinatorError
    assert described.error_code == 0 and described.error_message is None
    assert (described.group_id, described.group_state, described.assignor_name) == ("expgroup", "Stable", "uniform")
    assert (described.group_epoch, described.assignment_epoch) == (1, 1)
    (m,) = described.members
    assert m.member_id == "SWpSPLH2SHKEyNyAlbAnVQ"  # a string (a UUID in base64), not a uuid field
    assert (m.client_id, m.client_host, m.instance_id, m.rack_id) == ("exp-client", "/127.0.0.1", None, None)
    assert m.subscribed_topic_names == ["exp848"] and m.member_epoch == 1
    # an Assignment is only TopicPartitions (no error / metadata fields on the wire)
    for assignment in (m.assignment, m.target_assignment):
        (tp,) = assignment.topic_partitions
        assert (tp.topic_id, tp.topic_name, tp.partitions) == (TOPIC_ID, "exp848", [0, 1, 2])
    if version >= 1:
        assert m.member_type == 1  # a member on the consumer protocol
    assert described.authorized_operations == -2147483648  # not asked for


def test_a_real_answer_converts_to_a_group() -> None:
    _wrong_broker, described = decode(REAL_STABLE_V1, 1).groups
    assert is_kip848_description(described)
    assert state_and_protocol(described) == ("Stable", "consumer", "uniform")
    members = members_from_description(described)
    assert members == (
        GroupMember(
            member_id="SWpSPLH2SHKEyNyAlbAnVQ",
            client_id="exp-client",
            host="127.0.0.1",
            assignments=(("exp848", 0), ("exp848", 1), ("exp848", 2)),
        ),
    )
    committed = {("exp848", 0): 10, ("exp848", 1): 8}
    partitions = group_partitions(members, committed, {("exp848", 0): 10, ("exp848", 1): 10})
    assert [(p.partition, p.committed, p.lag, p.member) for p in partitions] == [
        (0, 10, 0, "exp-client"),
        (1, 8, 2, "exp-client"),
        (2, None, None, "exp-client"),  # assigned, nothing committed yet
    ]


def test_a_real_empty_group() -> None:
    response = decode(REAL_EMPTY_V1, 1)
    assert reencoded(response) == REAL_EMPTY_V1
    described = response.groups[1]
    assert state_and_protocol(described) == ("Empty", "consumer", "uniform")
    assert members_from_description(described) == ()
    assert consuming(members_from_description(described)) is False


def test_a_real_error_answer() -> None:
    response = decode(REAL_NOT_FOUND_V1, 1)
    assert reencoded(response) == REAL_NOT_FOUND_V1
    missing, elsewhere = response.groups
    assert Errors.for_code(missing.error_code) is Errors.GroupIdNotFoundError
    assert missing.error_message == "Group nope-group not found."
    assert describe_line(missing) == "describe group nope-group: GroupIdNotFoundError"
    assert describe_line(elsewhere) == "describe group expgroup: NotCoordinatorError"


def test_the_schema_would_catch_a_wrong_layout() -> None:
    """Guard against a vacuous round trip: cut bytes do not decode."""
    with pytest.raises(Exception):  # noqa: B017 - any decoding failure will do
        decode(REAL_STABLE_V1[:-40], 1)


# --------------------------------------------------------------------------- built answers


def test_built_answer_round_trips_through_the_wire_format() -> None:
    described = group(
        "shop",
        "Reconciling",
        [
            member("m-z", "zeta", "/10.0.0.2", {"orders": [3, 1], "payments": [0]}),
            member("m-a", "alpha", "/10.0.0.1", {"orders": [0, 2]}, target={"orders": [0, 2, 4]}),
            member("m-new", "beta", "10.0.0.3", {}),  # just joined: nothing assigned yet
        ],
    )
    failed = group("locked", "", [], error=Errors.GroupAuthorizationFailedError.errno, message="no")
    empty = group("idle", "Empty", [])
    for version in (0, 1):
        response = R(throttle_time_ms=0, groups=[described, failed, empty])
        decoded = R.decode(response.encode(version=version), version=version)
        shop, locked, idle = decoded.groups
        assert state_and_protocol(shop) == ("Reconciling", "consumer", "uniform")
        members = members_from_description(shop)
        assert [(m.client_id, m.member_id, m.host, m.assignments) for m in members] == [
            ("alpha", "m-a", "10.0.0.1", (("orders", 0), ("orders", 2))),  # current assignment, not the target
            ("beta", "m-new", "10.0.0.3", ()),
            ("zeta", "m-z", "10.0.0.2", (("orders", 1), ("orders", 3), ("payments", 0))),
        ]
        assert describe_line(locked) == "describe group locked: GroupAuthorizationFailedError"
        assert locked.error_message == "no"
        assert members_from_description(idle) == () and state_and_protocol(idle) == ("Empty", "consumer", "uniform")


def test_a_topic_the_broker_could_not_name_is_left_out() -> None:
    assignment = A(
        topic_partitions=[
            TP(topic_id=uuid.uuid4(), topic_name="", partitions=[0]),
            TP(topic_id=uuid.uuid4(), topic_name="orders", partitions=[1, 0]),
        ]
    )
    assert kip848_assignment(assignment) == (("orders", 0), ("orders", 1))
    assert kip848_assignment(None) == ()


def test_a_kip848_group_in_the_json_snapshot() -> None:
    described = group("shop", "Stable", [member("m-1", "c1", "/10.0.0.1", {"orders": [1, 0]})])
    state, protocol_type, protocol = state_and_protocol(described)
    members = members_from_description(described)
    partitions = group_partitions(members, {("orders", 0): 5}, {("orders", 0): 7, ("orders", 1): 3})
    doc = group_json(Group("shop", state, protocol_type, protocol, members, partitions))
    assert doc["state"] == "Stable" and doc["protocol_type"] == "consumer"
    assert doc["members"] == [
        {
            "client_id": "c1",
            "host": "10.0.0.1",
            "assignments": [{"topic": "orders", "partition": 0}, {"topic": "orders", "partition": 1}],
        }
    ]
    assert [(p["partition"], p["lag"]) for p in doc["partitions"]] == [(0, 2), (1, None)]


# --------------------------------------------------------------------------- telling groups apart


def listing(version: int, protocol_type: str = "consumer", group_type: str | None = None):
    kwargs = {"group_type": group_type} if version >= 5 else {}
    return ListGroupsResponse.ListedGroup(
        version=version, group_id="g", protocol_type=protocol_type, group_state="Stable", **kwargs
    )


def classic_answer(error: int = 0, state: str = "Stable", protocol_type: str = "consumer"):
    return DescribeGroupsResponse.DescribedGroup(
        error_code=error,
        error_message=None,
        group_id="g",
        group_state=state,
        protocol_type=protocol_type,
        protocol_data="",
        members=[],
        authorized_operations=set(),
    )


def test_a_listing_is_kip848_only_when_typed_consumer() -> None:
    assert is_kip848_listing(listing(5, group_type="consumer"))
    assert not is_kip848_listing(listing(5, group_type="classic"))
    assert not is_kip848_listing(listing(4))  # no type before v5: described the classic way first


def test_a_classic_description_is_not_kip848() -> None:
    answer = classic_answer(state="Stable")
    assert not is_kip848_description(answer)
    assert state_and_protocol(answer) == ("Stable", "consumer", "")


def test_not_classic_reads_describe_groups_answer_only_for_untyped_listings() -> None:
    untyped = listing(4)
    not_found = Errors.GroupIdNotFoundError.errno
    assert not_classic(untyped, classic_answer(error=not_found))  # v6: "not a classic group"
    assert not_classic(untyped, classic_answer(state="Dead", protocol_type=""))  # before v6
    assert not not_classic(untyped, classic_answer(error=Errors.NotCoordinatorError.errno))
    assert not not_classic(untyped, classic_answer(state="Stable"))
    assert not not_classic(listing(4, protocol_type=""), classic_answer(state="Dead", protocol_type=""))
    # a typed listing is trusted: a classic group that just died stays a classic answer
    assert not not_classic(listing(5, group_type="classic"), classic_answer(error=not_found))


# --------------------------------------------------------------------------- a failed request


class _Settled:
    """Just enough of a connection manager for `gather`: its futures are already settled."""

    broker_version_data = None

    async def wait_for(self, future: Future, timeout_ms: float) -> object:
        if future.failed():
            raise future.exception
        return future.value


async def test_a_failed_consumer_group_describe_is_an_error_line() -> None:
    """What a coordinator without api key 69 (or a timeout) does to the request: one line, the
    rest of the round kept."""
    phase = Phase(0.0)
    answered, refused = Future(), Future()
    phase.add("describe_groups", 1, answered)
    phase.add("consumer_group_describe", 2, refused)
    answered.success("classic answer")
    refused.failure(Errors.IncompatibleBrokerVersion("ConsumerGroupDescribe is not supported"))
    results, errors = await gather(Call(_Settled(), 4.0), phase)
    assert [(kind, node, value) for kind, node, value, _tag in results] == [("describe_groups", 1, "classic answer")]
    assert errors == [
        "consumer group describe from broker 2: [Error 35] IncompatibleBrokerVersion: "
        "ConsumerGroupDescribe is not supported"
    ]
