"""Shared fixtures: the real local cluster, started through the project's own tool.

Nothing here mocks Kafka or ZooKeeper. `cluster` runs `localcluster/cluster.py up` (idempotent,
so a cluster that is already up is reused) and the seeding, then reads `.localcluster/env`.
Tests may write to the cluster to set up their scenario; only kafkatui itself is read-only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import kafka.errors as Errors
import pytest

from bench.tmux_server import TmuxServer, kafkatui_command
from localcluster.leaders import restore_preferred_leaders
from tests.suite_rules import (  # noqa: F401  (hooks: the derived `live`/`kraft` markers, no skips under CI)
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_make_collect_report,
    pytest_runtest_makereport,
)

REPO = Path(__file__).resolve().parents[1]
CLUSTER_TOOL = REPO / "localcluster" / "cluster.py"
SEED = REPO / "localcluster" / "seed.py"
C = TypeVar("C")
T = TypeVar("T")


@dataclass(frozen=True)
class LocalCluster:
    state_dir: Path
    bootstrap: str
    zookeeper: str | None
    kraft: bool

    def tool(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, str(CLUSTER_TOOL), "--state-dir", str(self.state_dir)]
        if self.kraft:
            cmd.append("--kraft")
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout, check=True)

    def kill(self, name: str) -> None:
        _FAULTED.add((self, name))
        self.tool("kill", name)

    def pause(self, name: str) -> None:
        _FAULTED.add((self, name))
        self.tool("pause", name)

    def resume(self, name: str) -> None:
        self.tool("resume", name)
        _FAULTED.discard((self, name))

    def restart(self, name: str) -> None:
        self.tool("restart", name)
        _FAULTED.discard((self, name))
        if name.startswith("broker-"):
            self.wait_settled()

    def ensure_up(self) -> None:
        """Bring back anything a fault test left down or paused; a no-op on a healthy cluster."""
        for faulted in [f for f in _FAULTED if f[0] == self]:
            _FAULTED.discard(faulted)
            with contextlib.suppress(subprocess.CalledProcessError):  # a killed one has nothing to resume
                self.tool("resume", faulted[1])
        self.tool("up")
        self.wait_settled()

    def wait_settled(self, timeout: float = 60.0) -> bool:
        """After a fault test: wait until every ISR is full and every partition is led by its
        preferred replica again, electing those leaders (the harness may; kafkatui never does).

        The local cluster keeps Kafka's 300 s leader.imbalance.check.interval.seconds, so a
        restarted broker would get its leaders (and the group coordinators with them) back only
        minutes later, inside whichever test ran then (NOT_COORDINATOR, NotLeaderForPartition, a
        group missing from ListGroups). Restoring them here ends the move before the next test.
        Not an assertion: after `timeout` the suite goes on (and says so)."""
        if restore_preferred_leaders(self.bootstrap, timeout):
            return True
        print(f"wait_settled: {self.state_dir.name} not settled after {timeout:g}s; going on")
        return False


_FAULTED: set[tuple[LocalCluster, str]] = set()  # processes a test killed or paused and has not brought back


@pytest.fixture(autouse=True)
def restore_faulted_processes() -> Iterator[None]:
    """Bring back what a fault test killed or paused when the test itself did not.

    A fault test restores in its `finally`, but a `finally` whose first step raised skipped the
    restart: one such test left broker 1 down for the rest of a CI run, and three ZooKeeper tests
    after it failed on two brokers. This catches that at the end of the test that caused it; the
    test still fails on its own error, and the next ones start on the whole cluster."""
    yield
    while _FAULTED:
        cluster, name = next(iter(_FAULTED))
        print(f"restore_faulted_processes: {name} was left down by the test; bringing it back")
        cluster.ensure_up()


def read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^(?:export\s+)?([A-Z_]+)=(.*)$", line.strip())
        if match:
            env[match.group(1)] = match.group(2).strip("'\"")
    return env


def state_dir_for(kraft: bool) -> Path:
    """`.localcluster` by default; KAFKATUI_TEST_STATE_DIR (with KAFKATUI_CLUSTER_PORT_BASE) gives
    a developer a private cluster so fault tests don't disturb someone else's run."""
    override = os.environ.get("KAFKATUI_TEST_STATE_DIR")
    if override:
        return Path(override + ("-kraft" if kraft else "")).resolve()
    return REPO / (".localcluster-kraft" if kraft else ".localcluster")


def _start(kraft: bool) -> LocalCluster:
    state = state_dir_for(kraft)
    cmd = [sys.executable, str(CLUSTER_TOOL), "--state-dir", str(state)]
    if kraft:
        cmd.append("--kraft")
    subprocess.run([*cmd, "up"], check=True, timeout=600)
    subprocess.run([sys.executable, str(SEED), "--state-dir", str(state)], check=True, timeout=300)
    env = read_env(state / "env")
    return LocalCluster(
        state_dir=state,
        bootstrap=env["KAFKATUI_BOOTSTRAP"],
        zookeeper=env.get("KAFKATUI_ZOOKEEPER") or None,
        kraft=kraft,
    )


@pytest.fixture(scope="session")
def cluster() -> LocalCluster:
    """The ZooKeeper-mode 3-broker cluster with demo data."""
    return _start(kraft=False)


@pytest.fixture(scope="session")
def kraft_cluster() -> Iterator[LocalCluster]:
    """The KRaft variant; started only by tests that ask for it, stopped at session end
    unless it was already running (so a developer's cluster is left alone)."""
    state = state_dir_for(kraft=True)
    was_up = (state / "env").exists()
    started = _start(kraft=True)
    yield started
    if not was_up and not os.environ.get("KAFKATUI_KEEP_KRAFT"):
        started.tool("down")


def no_autocreate(client: C) -> C:
    """Make a test's kafka-python producer/consumer/admin really unable to auto-create topics.

    kafka-python 3.0.12 ignores `allow_auto_create_topics=False`: the client's ClusterMetadata is
    built without it, so every metadata request it sends names its topics with auto-creation on,
    and a producer still open when its test deletes the topic re-creates it (leaked `t-*` topics).
    This sets the flag on the metadata itself; returns `client` for chaining."""
    for path in (("_metadata",), ("_cluster",), ("_manager", "cluster"), ("_client", "_manager", "cluster")):
        target: Any = client
        for attr in path:
            target = getattr(target, attr, None)
        if target is not None and isinstance(getattr(target, "config", None), dict):
            target.config["allow_auto_create_topics"] = False
            assert target.metadata_request().allow_auto_topic_creation is False
            return client
    raise TypeError(f"no ClusterMetadata on {type(client).__name__}")


@pytest.fixture(scope="module", autouse=True)
def no_leaked_producer() -> Iterator[None]:
    """Fail the module that leaves a kafka-python producer's sender thread running.

    A producer whose `close()` raised (kafka-python's close flushes first, and a flush of records
    that cannot be delivered raises before the sender is stopped) keeps its thread alive for the
    rest of the session, asking for the metadata of a topic its test deleted in a tight loop. One
    such leak made every later in-process app test 15x slower (contrast16: 5 s -> 70 s each).
    Autouse and module-scoped, so it is set up first and torn down last: module fixtures that own
    a producer have closed it by then. The thread is force-closed so later modules run clean."""
    from kafka.producer.sender import Sender

    yield
    leaked = [t for t in threading.enumerate() if isinstance(t, Sender) and t.is_alive()]
    for sender in leaked:
        sender.force_close()
    assert not leaked, f"producer sender thread(s) left running: {[t.name for t in leaked]}; close them"


def close_producer(producer: Any, timeout: float = 5.0) -> None:
    """Close a test's producer even when it holds records it cannot deliver.

    kafka-python's `close` flushes first, and a flush that times out raises before the sender
    thread is stopped (the leak `no_leaked_producer` reports); this stops the sender then."""
    try:
        producer.close(timeout=timeout)
    except Errors.KafkaTimeoutError:
        producer._sender.force_close()
        producer._closed = True


def delete_topics_after_faults(cluster: LocalCluster, names: Collection[str], timeout: float = 60) -> None:
    """Delete a fault test's topics with a fresh admin client, retrying.

    A long-lived admin client that watched a broker die and come back may still have it missing
    from its metadata and fail the delete with UnknownBrokerIdError (seen in a full run)."""
    from kafka import KafkaAdminClient

    def deleted() -> bool | None:
        try:
            admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-test-cleanup",
                                     request_timeout_ms=10000)
        except Errors.KafkaError:
            return None
        try:
            admin.delete_topics(list(names))
            return True
        except Errors.UnknownTopicOrPartitionError:
            return True
        except Errors.KafkaError:
            return None
        finally:
            admin.close()

    wait_for(f"topics {sorted(names)} deleted", deleted, timeout, interval=1)


def unpaced(app: C) -> C:
    """Turn the app's host-protecting pacing (kafkatui/refresh/pace.py) off: a cap of 1x the set
    interval never stretches it. The live and fault tests drive the real app at a 1 s refresh and
    wait for what a few polls show (a hung broker's timeout before its ZooKeeper session expires);
    on a loaded test machine a poll's CPU could cross the share and pacing would stretch those
    polls to 8 s, and the moment would pass.
    Pacing has its own tests (tests/unit/test_pace.py, tests/ui/test_polling_live.py), which set
    their own policy. Returns `app` for chaining."""
    from kafkatui.refresh.pace import PacePolicy

    app.pace_policy = PacePolicy(max_factor=1.0)  # type: ignore[attr-defined]
    return app


SEEDED_GROUPS = frozenset({"billing", "analytics"})


def listed_groups(admin: Any, must_include: Collection[str] = SEEDED_GROUPS,
                  timeout: float = 60) -> list[str]:
    """ListGroups over every broker, once the listing is complete.

    Right after a fault test restarted a broker, a group's coordinator moves when leadership
    returns to the preferred replica: while the new coordinator loads the group, it is listed
    by no broker (a listing missed `billing` here once). So retry until every group in
    `must_include` is listed. A group really deleted would never come back and still fails,
    after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            groups = sorted(g["group_id"] for g in admin.list_groups())
        except (Errors.CoordinatorLoadInProgressError, Errors.NotCoordinatorError):
            groups = []
        if set(must_include) <= set(groups) or time.monotonic() > deadline:
            return groups
        time.sleep(1)


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.5) -> T:
    """Poll `probe` until it returns something truthy, and return that; fail naming `what` (and
    what the probe last saw: its `seen` attribute if it keeps one) after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    seen = getattr(probe, "seen", last)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what} (last: {seen!r})")


COORDINATOR_ERRORS = (Errors.NotCoordinatorError, Errors.CoordinatorLoadInProgressError,
                      Errors.CoordinatorNotAvailableError)


def committed_offsets(admin: Any, groups: Collection[str], timeout: float = 60) -> dict:
    """`admin.list_group_offsets(groups)`, also while a group's coordinator moves.

    kafka-python caches each group's coordinator for the client's lifetime and does not forget
    it on NOT_COORDINATOR, so a long-lived test client asks the old broker until the test
    times out (CI, after leadership returned to a restarted broker). On a coordinator error
    this asks again through a fresh client, which looks the coordinator up anew."""
    if not groups:
        return {}
    from kafka import KafkaAdminClient

    deadline = time.monotonic() + timeout
    client = admin
    try:
        while True:
            try:
                return client.list_group_offsets(list(groups))
            except COORDINATOR_ERRORS:
                if time.monotonic() > deadline:
                    raise
            time.sleep(1)
            if client is not admin:
                client.close()
            client = KafkaAdminClient(bootstrap_servers=admin.config["bootstrap_servers"],
                                      client_id=f"{admin.config['client_id']}-retry",
                                      request_timeout_ms=15000, bootstrap_timeout_ms=15000)
    finally:
        if client is not admin:
            client.close()


LEADER_ERRORS = (Errors.OffsetNotAvailableError, Errors.NotLeaderForPartitionError, Errors.LeaderNotAvailableError)


def latest_offsets(admin: Any, specs: dict, timeout: float = 60) -> dict:
    """`admin.list_partition_offsets(specs)`, also just after a partition's leader moved.

    A new leader answers OffsetNotAvailable until it knows its high watermark, and the test
    client's metadata can still name the old leader for a moment (after a fault test restarted a
    broker, or a preferred-leader election moved leadership back; seen once in a full run, as
    the read-only session started): asked again until `timeout`, any other error at once."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return admin.list_partition_offsets(specs)
        except LEADER_ERRORS:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A topic/group name no other test (or earlier run) uses."""
    base = re.sub(r"[^a-zA-Z0-9]+", "-", request.node.name)[:40].strip("-")
    return f"t-{base}-{uuid.uuid4().hex[:8]}"


def installed_command_for_tmux() -> str:
    """The installed `kafkatui` console script, for the tests that run it in tmux.  Missing it or
    tmux skips on a developer machine; under CI (`make test` installs both) the skip fails the run
    (tests/suite_rules.py)."""
    command = kafkatui_command()
    problem = ("the kafkatui console script is not installed (pip install -e . first)" if command is None
               else "tmux is not installed" if shutil.which("tmux") is None else None)
    if problem is not None:
        pytest.skip(problem)
    assert command is not None
    return command


@pytest.fixture(scope="session")
def tmux_server() -> Iterator[TmuxServer]:
    """One private tmux server for the run's tmux tests: on the default socket they would share the
    developer's own server and race a server exiting after its last session was killed."""
    server = TmuxServer()
    if shutil.which("tmux") is None:  # the tests that need tmux skip (a failure under CI) before using it
        yield server
        return
    with server:
        yield server
