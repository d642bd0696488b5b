"""The cluster tool's own contract: idempotent `up`, `status`, the env file, and a broker that
leaves the metadata when killed and comes back when restarted through the tool."""

from __future__ import annotations

import json

import pytest

from localcluster.cluster import fetch_metadata
from tests.conftest import LocalCluster, read_env, wait_for


def statuses(cluster: LocalCluster) -> dict[str, dict]:
    result = cluster.tool("status", "--json")
    return {p["name"]: p for p in json.loads(result.stdout)}


def broker_ids(bootstrap: str) -> set[int]:
    for server in bootstrap.split(","):
        host, _, port = server.rpartition(":")
        try:
            return set(fetch_metadata(host, int(port), timeout=3.0).brokers)
        except OSError:
            continue
    return set()



def test_env_file_contract(cluster: LocalCluster) -> None:
    env = read_env(cluster.state_dir / "env")
    assert env["KAFKATUI_CLUSTER_MODE"] == "zookeeper"
    servers = env["KAFKATUI_BOOTSTRAP"].split(",")
    assert len(servers) == 3
    assert all(s.startswith("127.0.0.1:") for s in servers)
    assert env["KAFKATUI_ZOOKEEPER"].startswith("127.0.0.1:")


def test_status_reports_every_process_alive(cluster: LocalCluster) -> None:
    procs = statuses(cluster)
    for name in ("zookeeper", "broker-1", "broker-2", "broker-3"):
        assert procs[name]["state"] == "alive", procs[name]
        assert procs[name]["pid"] > 0


def test_second_up_changes_nothing(cluster: LocalCluster) -> None:
    before = {n: p["pid"] for n, p in statuses(cluster).items()}
    cluster.tool("up")
    after = {n: p["pid"] for n, p in statuses(cluster).items()}
    assert before == after


@pytest.mark.faults
def test_killed_broker_leaves_and_returns_to_metadata(cluster: LocalCluster) -> None:
    assert broker_ids(cluster.bootstrap) == {1, 2, 3}
    old_pid = statuses(cluster)["broker-2"]["pid"]
    cluster.kill("broker-2")
    try:
        assert statuses(cluster)["broker-2"]["state"] == "dead"
        # the broker's ZooKeeper session must expire before the controller drops it
        wait_for("brokers 1 and 3 only", lambda: broker_ids(cluster.bootstrap) == {1, 3}, timeout=40)
    finally:
        cluster.restart("broker-2")
    wait_for("all three brokers", lambda: broker_ids(cluster.bootstrap) == {1, 2, 3}, timeout=60)
    assert statuses(cluster)["broker-2"]["pid"] != old_pid
