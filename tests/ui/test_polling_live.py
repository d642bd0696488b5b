"""What the app polls while only the tail is visible (issue 14), against the real local cluster.

Why: the header needs the cluster's health, not every partition's offsets, and the tail shows no
other source's data; on a large cluster the tail must not pay for the whole cluster. Observed
through the public AppState: the cluster's health moves on while its snapshot stays the same
object, and the other sources' health stands still; the topics view gets fresh data at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kafkatui.config import load_settings
from kafkatui.kafka.source import CLIENT_ID
from kafkatui.refresh.pace import PacePolicy
from kafkatui.refresh.state import Source
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.screens.overview import OverviewScreen
from kafkatui.ui.screens.topics import TopicsScreen
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.widgets.header import AppHeader
from kafkatui.ui.zookeeper.quorum import QuorumScreen
from tests.conftest import unpaced
from tests.metadata_spy import count_requests
from tests.ui.fixtures import screen_text

pytestmark = pytest.mark.live
SIZE = (120, 36)


def polls(app: Any, source: Source, n: int) -> Any:
    """A probe that is true once `source` has answered `n` more times (its last_ok_at moved)."""
    seen = [app.state.health[source].last_ok_at]

    def probe() -> bool:
        now = app.state.health[source].last_ok_at
        if now != seen[-1]:
            seen.append(now)
        return len(seen) > n

    return probe


async def test_with_only_the_tail_visible_only_the_cluster_health_is_polled(make_app: Any, wait_until: Any) -> None:
    app = make_app(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: all(app.state.health[s].last_ok_at for s in OverviewScreen.SOURCES), 60,
                         "every source of the overview answered once")
        app.open_tail("orders")
        await wait_until(pilot, lambda: isinstance(app.screen, TailScreen), what="the tail")

        def cluster_polls(n: int) -> Any:
            return polls(app, Source.CLUSTER, n)

        await wait_until(pilot, cluster_polls(2), 30, "two cluster polls after the switch (in-flight ones landed)")
        snapshot = app.state.cluster
        others = {s: app.state.health[s].last_ok_at for s in Source if s is not Source.CLUSTER}
        await wait_until(pilot, cluster_polls(3), 30, "three more cluster polls with the tail visible")
        assert app.state.cluster is snapshot  # light polls: the last full snapshot is kept as it was
        assert {s: app.state.health[s].last_ok_at for s in others} == others  # nothing else polled
        assert app.state.health[Source.CLUSTER].error is None

        await pilot.press("escape")  # back to topics: its data is old, so a full poll runs now
        await wait_until(pilot, lambda: isinstance(app.screen, TopicsScreen), what="the topics view")
        await wait_until(pilot, lambda: app.state.cluster is not snapshot, 10, "fresh cluster data")
        assert app.view_errors == []


async def test_the_groups_view_polls_groups_and_only_the_cluster_health(make_app: Any, wait_until: Any) -> None:
    """The groups view shows no cluster data: its header's cluster health comes from the light
    poll (the full snapshot stays the same object) while the groups keep being polled."""
    app = make_app(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 60, "the first full cluster poll")
        await pilot.press("4")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "GroupsScreen", what="the groups view")
        await wait_until(pilot, polls(app, Source.CLUSTER, 2), 30, "two cluster polls after the switch")
        snapshot = app.state.cluster
        cluster_moved, groups_moved = polls(app, Source.CLUSTER, 2), polls(app, Source.GROUPS, 2)
        await wait_until(pilot, lambda: all([cluster_moved(), groups_moved()]), 30,
                         "two more cluster (health) and groups polls")
        assert app.state.cluster is snapshot  # light polls only
        assert app.state.health[Source.CLUSTER].error is None
        assert app.view_errors == []


async def test_the_processes_view_matches_brokers_with_only_the_cluster_health(make_app: Any,
                                                                               wait_until: Any) -> None:
    """The processes view shows processes matched to broker ids: the brokers come with the light
    cluster poll (AppState.brokers), so no full cluster poll runs while it shows."""
    app = make_app(refresh=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 60, "the first full cluster poll")
        await pilot.press("2")
        await wait_until(pilot, lambda: app.current_mode == "processes", what="the processes view")
        await wait_until(pilot, polls(app, Source.CLUSTER, 2), 30, "two cluster polls after the switch")
        snapshot = app.state.cluster
        cluster_moved, processes_moved = polls(app, Source.CLUSTER, 2), polls(app, Source.PROCESSES, 2)
        await wait_until(pilot, lambda: all([cluster_moved(), processes_moved()]), 30,
                         "two more cluster (health) and processes polls")
        assert app.state.cluster is snapshot  # light polls only
        assert {b.id for b in app.state.brokers} == {1, 2, 3}
        procs = app.state.processes
        assert procs is not None
        assert {p.broker_id for p in procs.processes if p.role != "zookeeper"} >= {1, 2, 3}
        assert app.view_errors == []


async def test_polls_that_cost_more_than_their_share_are_spaced_out_and_the_header_says_so(
        make_app: Any, wait_until: Any) -> None:
    """The app protects the host (issue 14, refresh/pace.py), with real polls of the real cluster:
    with the share lowered to 0.001 % of a 1 s interval (10 µs of CPU, and no minimum cost), every
    poll costs too much CPU, so each source is polled every 8 s (the cap, 8x) and the header says
    so. (The share was 0.1 % while pacing measured wall time; a light poll uses about 1 ms of CPU,
    which at 0.1 % would stretch to 1-8 s depending on the poll, not always to the cap.) Counted, not
    timed: over ten ticks of a 0.5 s timer of the app's own scheduler (at least 5 s, as Textual
    skips late ticks) the cluster answers at most once, where at the set 1 s it would answer
    about five times."""
    app = make_app(refresh=1.0)
    app.pace_policy = PacePolicy(share=0.00001, min_cost_s=0.0, max_factor=8.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.poll_interval(Source.CLUSTER) == 8.0, 60,
                         "the cluster polled at the stretched interval")
        header = app.screen.query_one(AppHeader)
        await wait_until(pilot, lambda: "refresh 1s→8s (" in header.status_text, what="the header's note")
        ticks: list[float | None] = []
        answers: set[float | None] = set()

        def tick() -> None:
            ticks.append(app.state.health[Source.CLUSTER].last_ok_at)
            answers.add(ticks[-1])

        timer = app.set_interval(0.5, tick, name="test-ticks")
        await wait_until(pilot, lambda: len(ticks) >= 10, 60, "ten scheduler ticks")
        timer.stop()
        assert len(answers) <= 2, f"{len(answers) - 1} cluster answers in {len(ticks)} ticks"  # the first + 1
        assert app.state.health[Source.CLUSTER].error is None
        assert app.view_errors == []


async def test_the_quorum_view_polls_the_quorum_and_only_the_cluster_health(make_app: Any, wait_until: Any) -> None:
    """The quorum view shows only the metadata quorum, so it polls only that (Source.QUORUM: one
    DescribeQuorum) and the header's light cluster poll, never every partition's offsets. On this
    ZooKeeper-mode cluster (no --zookeeper given: view 5 is the quorum view) the quorum poll sends
    no request at all and says the cluster is not KRaft."""
    app = make_app(refresh=1.0, zookeeper="")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None, 60, "the first full cluster poll")
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, QuorumScreen), what="the quorum view")
        await wait_until(pilot, polls(app, Source.CLUSTER, 2), 30, "two cluster polls after the switch")
        snapshot = app.state.cluster
        cluster_moved, quorum_moved = polls(app, Source.CLUSTER, 2), polls(app, Source.QUORUM, 2)
        await wait_until(pilot, lambda: all([cluster_moved(), quorum_moved()]), 30,
                         "two more cluster (health) and quorum polls")
        assert app.state.cluster is snapshot  # light polls only: no partition's offsets asked for
        quorum = app.state.quorum
        assert quorum is not None and (quorum.kraft, quorum.quorum, quorum.requests) == (False, None, 0)
        assert "in ZooKeeper mode" in screen_text(app)
        assert app.state.health[Source.QUORUM].error is None and app.view_errors == []


LIST_OFFSETS, METADATA, DESCRIBE_LOG_DIRS, DESCRIBE_QUORUM = 2, 3, 35, 55  # Kafka API keys


async def test_on_kraft_the_quorum_view_sends_describe_quorum_and_not_the_full_cluster_poll(
        kraft_cluster: Any, tmp_path: Path, wait_until: Any) -> None:
    """The quorum view on a real KRaft cluster (the suite's KRaft variant: one controller, three
    brokers): counted at the wire, by API key, over the app's own connections, while it shows,
    the app sends DescribeQuorum (the view's Source.QUORUM poll) and the header's light Metadata,
    and no ListOffsets or DescribeLogDirs, which every full cluster poll sends (checked before the
    switch, so the count would see one); and the view shows the quorum the cluster was configured
    with (controller.quorum.voters of its controller)."""
    properties = (kraft_cluster.state_dir / "controller-1" / "server.properties").read_text()
    voters_line = next(line for line in properties.splitlines() if line.startswith("controller.quorum.voters="))
    voters = {int(v.split("@")[0]) for v in voters_line.split("=", 1)[1].split(",")}
    settings = load_settings({"bootstrap": kraft_cluster.bootstrap, "refresh": 1.0}, env={},
                             path=tmp_path / "no-config.toml")
    app = unpaced(KafkaTuiApp(settings))
    with count_requests(CLIENT_ID) as sent:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.state.cluster is not None, 60, "the first full cluster poll")
            assert app.state.cluster.kraft
            full = sent.counts()
            assert full[LIST_OFFSETS] and full[DESCRIBE_LOG_DIRS]  # a full poll shows at the wire
            await pilot.press("5")
            await wait_until(pilot, lambda: isinstance(app.screen, QuorumScreen), what="the quorum view")
            await wait_until(pilot, polls(app, Source.CLUSTER, 2), 30, "two cluster polls after the switch")
            # a groups poll of the overview still in flight would send ListOffsets too: let it land
            await wait_until(pilot, lambda: not any(w.name == "poll-groups" and not w.is_finished
                                                    for w in app.workers), 30, "no groups poll in flight")
            snapshot, before = app.state.cluster, sent.counts()
            cluster_moved, quorum_moved = polls(app, Source.CLUSTER, 2), polls(app, Source.QUORUM, 2)
            await wait_until(pilot, lambda: all([cluster_moved(), quorum_moved()]), 30,
                             "two more cluster (health) and quorum polls")
            shown = sent.counts() - before
            assert shown[DESCRIBE_QUORUM] >= 2 and shown[METADATA] >= 2, shown
            assert (shown[LIST_OFFSETS], shown[DESCRIBE_LOG_DIRS]) == (0, 0), shown  # no full cluster poll
            assert app.state.cluster is snapshot
            quorum = app.state.quorum
            assert quorum is not None and quorum.kraft and quorum.quorum is not None
            assert {v.replica_id for v in quorum.quorum.voters} == voters
            assert {v.replica_id for v in quorum.quorum.observers} == {1, 2, 3}
            text = screen_text(app)
            assert f"leader {quorum.quorum.leader_id}" in text and "★ leader" in text, text
            assert quorum.quorum.leader_id in voters
            assert app.state.health[Source.QUORUM].error is None and app.view_errors == []
