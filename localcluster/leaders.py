"""Preferred leadership for the local cluster, restored by the harness (never by kafkatui).

The brokers keep Kafka's default `leader.imbalance.check.interval.seconds` (300 s), so after a broker
restart its partitions stay led by the other replicas for up to five minutes, as on a real cluster.
That is what kafkatui's leader_imbalance finding must be able to show, but a test or a demo that
starts inside the controller's late move sees leadership and group coordinators change under it.
So the harness does not wait for Kafka: `restore_preferred_leaders` waits for full ISRs, asks the
controller for a preferred leader election (ElectLeaders) of just the partitions not led by their
first replica, and waits until they are. Used by seed.py (after `up`) and tests/conftest.py
(`LocalCluster.wait_settled`, after every fault test). Needs kafka-python (the project venv).
"""

from __future__ import annotations

import time

from kafka import KafkaAdminClient

PREFERRED = 0  # ElectLeaders election type


def leadership(admin: KafkaAdminClient) -> dict[tuple[str, int], tuple[int, list[int], list[int]]]:
    """(topic, partition) -> (leader, isr, replicas) of every topic, internal ones included."""
    return {(t["name"], p["partition_index"]): (p["leader_id"], sorted(p["isr_nodes"]), list(p["replica_nodes"]))
            for t in admin.describe_topics() for p in t["partitions"]}


def not_preferred(layout: dict[tuple[str, int], tuple[int, list[int], list[int]]]) -> dict[str, list[int]]:
    """topic -> partitions whose leader is not their first (preferred) replica."""
    out: dict[str, list[int]] = {}
    for (topic, partition), (leader, _isr, replicas) in sorted(layout.items()):
        if replicas and leader != replicas[0]:
            out.setdefault(topic, []).append(partition)
    return out


def restore_preferred_leaders(bootstrap: str | list[str], timeout: float = 60.0) -> bool:
    """Wait for every ISR to be full, then elect the preferred leaders where they do not lead, and
    wait until they do. True when settled so; False after `timeout` (the caller says so and goes
    on: a broker that never came back is for the test that needs it to fail on)."""
    deadline = time.monotonic() + timeout
    admin = None
    try:
        while time.monotonic() < deadline:
            try:
                admin = admin or KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafkatui-harness-leaders",
                                                  request_timeout_ms=10000, bootstrap_timeout_ms=10000)
                layout = leadership(admin)
                full = all(isr == sorted(replicas) for _leader, isr, replicas in layout.values())
                misses = not_preferred(layout) if full else {}
                if full and not misses:
                    return True
                if misses:
                    admin.elect_leaders(PREFERRED, misses, timeout_ms=10000, raise_errors=False)
            except Exception:  # a broker still starting, or a partition moving: ask again
                pass
            time.sleep(1)
    finally:
        if admin is not None:
            admin.close()
    return False
