"""znodes: one human line per well-known Kafka znode, from payloads as Kafka 3.9 writes them."""

from __future__ import annotations

import pytest

from kafkatui.zookeeper.znodes import describe_znode

# Payloads byte-for-byte in the shape Kafka's ZkData encoders produce (Jackson, no spaces).
BROKER_1 = (
    b'{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},'
    b'"endpoints":["PLAINTEXT://127.0.0.1:19092"],"jmx_port":-1,"port":19092,'
    b'"host":"127.0.0.1","version":5,"timestamp":"1732700000000","rack":"r1"}'
)
BROKER_SSL_ONLY = (
    b'{"features":{},"listener_security_protocol_map":{"SSL":"SSL"},"endpoints":["SSL://k1:9093"],'
    b'"jmx_port":-1,"port":-1,"host":null,"version":5,"timestamp":"1732700000000"}'
)
CONTROLLER = b'{"version":2,"brokerid":2,"timestamp":"1732700000000","kraftControllerEpoch":-1}'
TOPIC = (
    b'{"partitions":{"0":[1,2,3],"1":[2,3,1],"2":[3,1,2],"3":[1,3,2],"4":[2,1,3],"5":[3,2,1]},'
    b'"topic_id":"q2wDbgcWQ-G0t9Z1V3rH3w","adding_replicas":{},"removing_replicas":{},"version":3}'
)
PARTITION_STATE = b'{"controller_epoch":2,"leader":1,"version":1,"leader_epoch":4,"isr":[1,2,3]}'
TOPIC_CONFIG = b'{"version":1,"config":{"retention.ms":"3600000","cleanup.policy":"compact"}}'


def test_broker_registration() -> None:
    assert describe_znode("/brokers/ids/1", BROKER_1) == (
        "Broker 1 registration: host 127.0.0.1, port 19092, endpoints PLAINTEXT://127.0.0.1:19092, "
        "rack r1, registered 2024-11-27 09:33:20 UTC"
    )


def test_broker_registration_without_plaintext_listener() -> None:
    line = describe_znode("/brokers/ids/3", BROKER_SSL_ONLY)
    assert line.startswith("Broker 3 registration: endpoints SSL://k1:9093")
    assert "None" not in line


def test_controller() -> None:
    assert describe_znode("/controller", CONTROLLER) == "Active controller: broker 2 (since 2024-11-27 09:33:20 UTC)"


def test_controller_during_migration() -> None:
    data = b'{"version":2,"brokerid":3000,"timestamp":"1732700000000","kraftControllerEpoch":5}'
    assert "KRaft controller during ZooKeeper migration, epoch 5" in describe_znode("/controller", data)


def test_controller_epoch() -> None:
    assert describe_znode("/controller_epoch", b"2") == "Controller epoch: bumped on every controller election; now 2"


def test_topic_assignment() -> None:
    assert describe_znode("/brokers/topics/orders", TOPIC) == (
        "Partition assignment of topic orders: 6 partitions, replicas p0=[1,2,3], p1=[2,3,1], p2=[3,1,2], …"
    )


def test_topic_assignment_sorts_partitions_numerically_and_flags_reassignment() -> None:
    data = b'{"partitions":{"10":[1],"2":[2]},"adding_replicas":{"2":[3]},"removing_replicas":{},"version":3}'
    assert describe_znode("/brokers/topics/t", data) == (
        "Partition assignment of topic t: 2 partitions, replicas p2=[2], p10=[1]; reassignment in progress"
    )


def test_partition_state() -> None:
    assert describe_znode("/brokers/topics/orders/partitions/3/state", PARTITION_STATE) == (
        "Partition orders-3 state: leader 1, ISR [1,2,3], leader epoch 4, controller epoch 2"
    )


def test_partition_state_without_leader() -> None:
    data = b'{"controller_epoch":2,"leader":-1,"version":1,"leader_epoch":5,"isr":[2]}'
    assert "leader none (offline), ISR [2]" in describe_znode("/brokers/topics/t/partitions/0/state", data)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/brokers", "Broker registry: live brokers, topic assignments and the broker id sequence"),
        ("/brokers/ids", "Live brokers: one ephemeral child per registered broker id"),
        ("/brokers/topics", "Topics: one child per topic with its partition assignment"),
        ("/brokers/seqid", "Sequence node used to generate broker ids (broker.id.generation.enable)"),
        ("/brokers/topics/orders/partitions", "Partitions of topic orders"),
        ("/brokers/topics/orders/partitions/3", "Partition orders-3"),
    ],
)
def test_broker_tree_parents(path: str, expected: str) -> None:
    assert describe_znode(path, b"") == expected


def test_topic_config_overrides() -> None:
    assert describe_znode("/config/topics/orders", TOPIC_CONFIG) == (
        "Config overrides for topic orders: cleanup.policy=compact, retention.ms=3600000"
    )


def test_topic_config_without_overrides() -> None:
    assert describe_znode("/config/topics/t", b'{"version":1,"config":{}}') == "Config overrides for topic t: none"


def test_broker_config_default_and_id() -> None:
    data = b'{"version":1,"config":{"log.cleaner.threads":"2"}}'
    assert describe_znode("/config/brokers/<default>", data) == (
        "Cluster-wide default broker config overrides: log.cleaner.threads=2"
    )
    assert describe_znode("/config/brokers/1", data) == "Config overrides for broker 1: log.cleaner.threads=2"


def test_quota_configs() -> None:
    data = b'{"version":1,"config":{"producer_byte_rate":"1048576"}}'
    assert describe_znode("/config/clients/app-1", data) == (
        "Quota overrides for client id app-1: producer_byte_rate=1048576"
    )
    assert describe_znode("/config/users/<default>", data).startswith("Default user quota overrides")


def test_config_changes() -> None:
    assert describe_znode("/config/changes", b"").startswith("Config change notifications")
    data = b'{"version":2,"entity_path":"topics/orders"}'
    assert describe_znode("/config/changes/config_change_0000000007", data) == (
        "Config change notification for topics/orders"
    )


def test_delete_topics() -> None:
    assert describe_znode("/admin/delete_topics", b"") == "Topics queued for deletion"
    assert describe_znode("/admin/delete_topics/orders", b"") == "Topic orders is queued for deletion"


def test_reassign_partitions() -> None:
    data = b'{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,2]}]}'
    assert describe_znode("/admin/reassign_partitions", data) == (
        "Partition reassignment in progress: 1 partition, orders-0→[1,2]"
    )


def test_preferred_replica_election() -> None:
    data = b'{"version":1,"partitions":[{"topic":"a","partition":0},{"topic":"a","partition":1}]}'
    assert describe_znode("/admin/preferred_replica_election", data) == (
        "Preferred leader election in progress: 2 partitions, a-0, a-1"
    )


def test_isr_change_notification() -> None:
    assert describe_znode("/isr_change_notification", b"").startswith("ISR change notifications")
    data = b'{"version":1,"partitions":[{"topic":"orders","partition":2}]}'
    assert describe_znode("/isr_change_notification/isr_change_0000000001", data) == (
        "ISR change notification for orders-2"
    )


def test_log_dir_event_notification() -> None:
    data = b'{"version":1,"broker":2,"event":1}'
    assert describe_znode("/log_dir_event_notification/log_dir_event_0000000000", data) == (
        "Log dir failure notification from broker 2"
    )
    assert describe_znode("/log_dir_event_notification", b"").startswith("Log dir event notifications")


def test_cluster_id() -> None:
    data = b'{"version":"1","id":"7Jq0bOVfQlS6pKHfF4YfUw"}'
    assert describe_znode("/cluster/id", data) == "Cluster id: 7Jq0bOVfQlS6pKHfF4YfUw"
    assert describe_znode("/cluster", b"") == "Cluster metadata"


def test_old_consumers() -> None:
    assert describe_znode("/consumers", b"").startswith("Old ZooKeeper-based consumer groups")
    assert describe_znode("/consumers/legacy/offsets/orders/3", b"42") == (
        "Old ZooKeeper-based consumer group legacy: committed offset of orders-3 at 42"
    )


def test_producer_id_block() -> None:
    data = b'{"version":1,"broker":1,"block_start":"0","block_end":"999"}'
    assert describe_znode("/latest_producer_id_block", data) == (
        "Latest producer id block handed to a broker: 0-999 to broker 1"
    )


def test_feature() -> None:
    assert describe_znode("/feature", b'{"features":{},"version":2,"status":1}') == (
        "Cluster feature flags (finalized features): enabled, none finalized"
    )


@pytest.mark.parametrize("path", ["/zookeeper", "/zookeeper/quota", "/zookeeper/config"])
def test_zookeepers_own_nodes(path: str) -> None:
    assert describe_znode(path, b"") == "ZooKeeper's own node (quotas, config), not Kafka's"


def test_acls() -> None:
    data = b'{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}'
    assert describe_znode("/kafka-acl/Topic/orders", data) == "ACLs for Topic orders: 1 ACL"
    assert describe_znode("/kafka-acl-extended/prefixed/Group/app-", data) == "Prefixed ACLs for Group app-: 1 ACL"
    assert (
        describe_znode("/kafka-acl/Topic", b"")
        == "Literal ACLs on Topic resources (kafka.security.authorizer.AclAuthorizer)"
    )
    assert describe_znode("/kafka-acl-changes/acl_changes_0000000000", b"Topic:orders").startswith(
        "ACL change notifications"
    )
    assert describe_znode("/kafka-acl", b"") == "Literal ACLs (kafka.security.authorizer.AclAuthorizer)"


def test_chroot_prefix_is_found() -> None:
    assert describe_znode("/kafka/brokers/ids/1", BROKER_1) == describe_znode("/brokers/ids/1", BROKER_1)
    assert describe_znode("/env/prod/controller", CONTROLLER).startswith("Active controller: broker 2")
    assert describe_znode("/kafka/brokers/topics/config", TOPIC).startswith("Partition assignment of topic config")


def test_chroot_named_like_an_anchor_still_matches_the_layout_below_it() -> None:
    assert describe_znode("/cluster/brokers/ids/1", BROKER_1).startswith("Broker 1 registration")


def test_unknown_paths_give_empty_string() -> None:
    assert describe_znode("/", None) == ""
    assert describe_znode("/my-app/state", b"{}") == ""
    assert describe_znode("/controller/extra", b"") == ""
    assert describe_znode("/brokers/ids/1/extra", b"") == ""


@pytest.mark.parametrize(
    "data",
    [None, b"", b"\xff\xfe\x00", b"not json", b"[1,2]", b'{"brokerid":[]}', b'{"partitions":"x"}', b"{" * 5000],
)
@pytest.mark.parametrize(
    "path",
    [
        "/brokers/ids/1",
        "/controller",
        "/brokers/topics/t",
        "/brokers/topics/t/partitions/0/state",
        "/config/topics/t",
        "/admin/reassign_partitions",
        "/feature",
        "/cluster/id",
        "/latest_producer_id_block",
        "/log_dir_event_notification/log_dir_event_1",
    ],
)
def test_bad_data_never_raises_and_falls_back_to_meaning(path: str, data: bytes | None) -> None:
    line = describe_znode(path, data)
    assert line != ""


def test_hostile_data_and_names_are_escaped() -> None:
    data = b'{"version":1,"config":{"x":"\\u001b]52;c;aGk=\\u0007\\u202e"}}'
    line = describe_znode("/config/topics/evil\x1b[2J", data)
    assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert "evil\\x1b[2J" in line
    assert "x=\\x1b]52;c;aGk=\\x07\\u202e" in line
