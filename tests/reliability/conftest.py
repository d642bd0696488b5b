"""Fixtures for the reliability suite: the real app on the real cluster, and the tests' own writers.

Everything the app reads is real: KafkaTuiApp with its real sources, on the `cluster` fixture's
cluster (a private one with KAFKATUI_TEST_STATE_DIR + KAFKATUI_CLUSTER_PORT_BASE). The tests set up
their scenarios with their own Kafka admin/producer and KazooClient, never through kafkatui.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kazoo.client import KazooClient

from kafkatui.config import load_settings
from kafkatui.ui.app import KafkaTuiApp
from tests.conftest import unpaced
from tests.reliability.helpers import CLIENT_LIMITS, KeyProbe


@pytest.fixture
def app_factory(cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., KafkaTuiApp]:
    """Build the real app for the local cluster; the user's config, themes and state are never used."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def make(refresh: float = 1.0, **args: Any) -> KafkaTuiApp:
        values = {"bootstrap": cluster.bootstrap, "zookeeper": cluster.zookeeper, "refresh": refresh, **args}
        settings = load_settings(values, env={}, path=tmp_path / "no-config.toml")
        return unpaced(KafkaTuiApp(settings))

    return make


@pytest.fixture
def probe() -> KeyProbe:
    return KeyProbe()


@pytest.fixture(scope="module")
def admin(cluster: Any) -> Iterator[KafkaAdminClient]:
    """The tests' own admin client (creating and deleting test topics is the test's business)."""
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-reliability-setup",
                              **CLIENT_LIMITS)
    yield client
    client.close()


@pytest.fixture(scope="module")
def zk_writer(cluster: Any) -> Iterator[KazooClient]:
    """The tests' own ZooKeeper client for setup writes; never handed to kafkatui code."""
    if not cluster.zookeeper:
        pytest.skip("cluster runs without ZooKeeper")
    client = KazooClient(hosts=cluster.zookeeper, timeout=10)
    client.start(timeout=15)
    yield client
    client.stop()
    client.close()


@pytest.fixture
def scratch(zk_writer: KazooClient) -> Iterator[str]:
    """A unique znode for one test, removed with everything under it afterwards."""
    base = zk_writer.create(f"/kafkatui-reliability-{uuid.uuid4().hex[:10]}")
    yield base
    delete_tree(zk_writer, base)


def delete_tree(client: KazooClient, path: str) -> None:
    """Delete `path` and everything below it with pipelined async calls (10,000 children in seconds)."""
    if not client.exists(path):
        return
    children = [f"{path}/{c}" for c in client.get_children(path)]
    stats = [client.exists_async(c) for c in children]
    leaves = []
    for child, stat in zip(children, [s.get(timeout=30) for s in stats], strict=True):
        if stat is not None and stat.numChildren:
            delete_tree(client, child)
        elif stat is not None:
            leaves.append(child)
    for result in [client.delete_async(c) for c in leaves]:
        with contextlib.suppress(Exception):  # already gone (a test deleted it on purpose)
            result.get(timeout=30)
    if client.exists(path):
        client.delete(path)
