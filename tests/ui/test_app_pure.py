"""The app shell over frozen AppState (`live=False`): no cluster, no workers, deterministic.

These guard what the operator sees when data is good, stale, missing or from a KRaft cluster,
at both terminal sizes we support, plus the palette's theme hook.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.theme import Theme

from kafkatui.config import Settings
from kafkatui.model import ClusterHealth
from kafkatui.refresh.pace import PacePolicy
from kafkatui.refresh.state import AppState, Source, SourceHealth
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.messages import SourcePolled
from kafkatui.ui.palette import BASE, semantic, variable_name
from kafkatui.ui.screens.help import HelpScreen
from kafkatui.ui.widgets.header import AppHeader
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import BROKERS, frozen_state, kraft_state, screen_text, stale

SIZES = [(80, 24), (160, 48)]


def make(state: AppState, *, zookeeper: bool = True) -> KafkaTuiApp:
    settings = Settings(
        bootstrap=("127.0.0.1:19092",), zookeeper="127.0.0.1:2181" if zookeeper else None, cluster_name="local"
    )
    return KafkaTuiApp(settings, initial_state=state, live=False)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
async def test_overview_renders_frozen_state(size: tuple[int, int]) -> None:
    state = frozen_state()
    app = make(state)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "overview" in text and "local" in text and "READ-ONLY" in text
        assert state.cluster.cluster_id in text
        assert "Brokers 3" in text and "Under-replicated" in text
        table = app.screen.query_one("#overview-brokers", FilterTable)
        assert table.visible_keys() == ["1", "2", "3"]
        for broker in BROKERS:
            proc = next(p for p in state.processes.processes if p.broker_id == broker.id)
            assert f"{proc.pid:,}" in table.plain_row(str(broker.id))
        assert "ZooKeeper" in text and "CONNECTED" in text
        assert "? Help" in text and "Q Quit" in text  # the footer's key hints fit at 80 columns
        assert app.view_errors == []


async def test_stale_cluster_shows_banner_and_header_mark() -> None:
    app = make(stale(frozen_state(), Source.CLUSTER, "kafka: timed out after 4.0s"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        banner = app.screen.query_one(StaleBanner)
        assert banner.text.startswith("Kafka STALE since ")
        assert "timed out after 4.0s" in banner.text
        text = screen_text(app)
        assert "STALE since" in text
        assert "Kafka STALE" in text
        assert app.state.cluster is not None  # last good data kept
        assert "Brokers 3" in text


async def test_recovery_clears_the_banner() -> None:
    good = frozen_state()
    app = make(stale(good, Source.CLUSTER))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(StaleBanner).text
        app.set_state(good)
        await settle(pilot)
        assert app.screen.query_one(StaleBanner).text == ""
        assert "STALE" not in screen_text(app)


async def test_cluster_down_at_start_reads_as_connecting_not_empty() -> None:
    down = AppState(cluster_name="local").with_health(
        Source.CLUSTER, SourceHealth().failed(100.0, "kafka: cannot reach 127.0.0.1:19092 within 4 s", None)
    )
    app = make(down)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Kafka DOWN" in text
        assert "Kafka: connecting" in text and "cannot reach" in text
        assert "Waiting for the first Kafka refresh" in text
        assert app.view_errors == []


async def test_vanished_broker_stays_as_gone() -> None:
    state = frozen_state()
    app = make(state)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        two = replace(state.cluster, brokers=BROKERS[:2])
        procs = replace(state.processes, processes=tuple(p for p in state.processes.processes if p.broker_id != 3))
        app.set_state(replace(state, cluster=two, processes=procs))
        await settle(pilot)
        table = app.screen.query_one("#overview-brokers", FilterTable)
        assert table.visible_keys() == ["1", "2", "3"]
        assert "GONE" in table.plain_row("3")
        assert "GONE" not in table.plain_row("1")


async def test_kraft_cluster_shows_quorum_and_no_zookeeper_errors() -> None:
    app = make(kraft_state(), zookeeper=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "KRaft quorum" in text and "leader" in text
        assert "ZK KRaft" in text
        await pilot.press("5")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuorumScreen"
        assert app.view_errors == []


async def test_no_zookeeper_configured_is_not_an_error() -> None:
    state = frozen_state(zookeeper=None, zookeeper_configured=False)
    app = make(state, zookeeper=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "ZK not configured" in text
        assert "not configured" in text
        await pilot.press("5")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuorumScreen"
        assert app.view_errors == []


async def test_every_view_renders_frozen_state_at_80x24() -> None:
    app = make(frozen_state())
    async with app.run_test(size=(80, 24)) as pilot:
        for key, name in zip("23451", ("processes", "topics", "groups", "zookeeper", "overview"), strict=True):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == name
            assert f"{name} · local" in screen_text(app)
        assert app.view_errors == []


async def test_processes_sort_key_reorders_rows() -> None:
    app = make(frozen_state())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(FilterTable)
        assert table.total_count == 4
        await pilot.press("s")  # sort by the first column (PID) ascending
        await settle(pilot)
        pids = [int(k) for k in table.visible_keys()]
        assert pids == sorted(pids)
        await pilot.press("S")
        await settle(pilot)
        assert [int(k) for k in table.visible_keys()] == sorted(pids, reverse=True)


async def test_pause_key_marks_the_header_in_frozen_mode() -> None:
    app = make(frozen_state())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert app.state.paused and "PAUSED" in screen_text(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen) and app.is_running


async def test_request_in_frozen_mode_answers_with_an_error_not_an_exception() -> None:
    app = make(frozen_state())
    results: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.request("configs", "topic", "orders", on_done=results.append)
        await settle(pilot)
    assert len(results) == 1 and "snapshot mode" in str(results[0])


async def test_palette_follows_the_theme_and_its_overrides() -> None:
    app = make(frozen_state())
    async with app.run_test(size=(80, 24)) as pilot:
        for name in BASE:
            assert semantic(app, name).startswith(("#", "color(")), name
        before = semantic(app, "critical")
        variables = app.theme_variables
        assert before == (variables.get(variable_name("critical")) or variables["error"])[:7].lower()
        app.register_theme(
            Theme(name="kt-test", primary="#004578", error="#ff0000", variables={variable_name("lag-STALL"): "#123456"})
        )
        app.theme = "kt-test"
        await pilot.pause()
        assert semantic(app, "critical") != before
        assert semantic(app, "critical") == app.theme_variables["error"][:7].lower()  # ~#ff0000
        assert semantic(app, "lag-STALL") == "#123456"
        assert semantic(app, "no-such-name") == "default"


async def test_a_refresh_that_costs_too_much_of_the_interval_slows_that_source_and_says_so() -> None:
    """The app protects the host (issue 14, refresh/pace.py): a refresh that used 3.2 s of CPU in a
    5 s interval is 64 % of it, so the cluster is polled every 13 s (3.2 s fits 25 % of it) and the
    header says why, instead of "took 3s"; three cheap refreshes in a row halve it back to 7 s.
    What counts is the process's CPU over the poll, not its wall time: a 3.2 s wait costs nothing."""
    app = make(frozen_state())
    app.pace_policy = PacePolicy(share=0.25, min_cost_s=0.5)  # the rule at round numbers, not the defaults
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(AppHeader)
        assert "refresh 5s" not in header.status_text
        cluster, t = app.state.cluster, app.now()  # the data's own time: no "updated … ago" note
        app.post_message(SourcePolled(Source.CLUSTER, cluster, None, t, t + 1.0, poll_cpu_s=1.0))  # fine
        await settle(pilot)
        assert app.state.poll_interval(Source.CLUSTER) == 5.0
        app.post_message(SourcePolled(Source.CLUSTER, cluster, None, t + 2, t + 5.2, poll_cpu_s=0.01))  # a wait
        await settle(pilot)
        assert app.state.poll_interval(Source.CLUSTER) == 5.0
        app.post_message(SourcePolled(Source.CLUSTER, cluster, None, t + 5, t + 8.2, poll_cpu_s=3.2))
        await settle(pilot)
        assert app.state.poll_interval(Source.CLUSTER) == 13.0
        note = "refresh 5s→13s (kafka used 3.2s CPU)"
        assert note in header.status_text and note in screen_text(app)
        assert "took 3s" not in header.status_text
        for start in (t + 20, t + 40, t + 60):
            app.post_message(SourcePolled(Source.CLUSTER, cluster, None, start, start + 0.2, poll_cpu_s=0.2))
        await settle(pilot)
        assert "refresh 5s→7s (kafka used 3.2s CPU)" in header.status_text
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "refresh 5s→7s" in header.status_text and "used" not in header.status_text  # no room for why


async def test_a_poll_that_ran_into_its_deadline_gets_a_longer_one_and_the_header_says_so() -> None:
    """The adaptive request deadline (issue 14, refresh/deadline.py): a cluster poll that lost parts
    after waiting out its 4 s deadline is reported at once (stale) and the next one gets 8 s,
    which the header says ("timeout 4s→8s", also at 80 columns); three quick polls bring it back."""
    app = make(frozen_state())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(AppHeader)
        assert "timeout" not in header.status_text
        cluster, t = app.state.cluster, app.now()
        lost = replace(cluster, errors=("latest offsets from broker 2: KafkaTimeoutError",))
        app.post_message(SourcePolled(Source.CLUSTER, lost, None, t, t + 4.0, timed_out=True, poll_cpu_s=0.05))
        await settle(pilot)
        assert app.state.request_timeout(Source.CLUSTER) == 8.0
        assert app.state.health[Source.CLUSTER].stale and app.state.poll_interval(Source.CLUSTER) == 5.0
        assert "timeout 4s→8s" in header.status_text and "timeout 4s→8s" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "timeout 4s→8s" in header.status_text
        for start in (t + 10, t + 20, t + 30):
            app.post_message(SourcePolled(Source.CLUSTER, cluster, None, start, start + 0.2, poll_cpu_s=0.05))
        await settle(pilot)
        assert app.state.request_timeout(Source.CLUSTER) == 4.0 and "timeout" not in header.status_text


async def test_a_first_light_cluster_answer_starts_the_groups_polls(tmp_path) -> None:
    """The groups view from the start: every cluster poll is the header's light one, so the
    cluster's first answer leaves `state.cluster` unset. Groups must start anyway (they waited for
    that answer, wanted_sources); they used to wait for a full snapshot that never came, and the
    view said "Waiting for the first refresh…" for good (found at 10,000 topics by scale_ui).
    A live app with nothing listening at its bootstrap: the light answer is posted by hand, and a
    groups poll is seen as an attempt (it fails fast: connection refused)."""
    settings = Settings(bootstrap=("127.0.0.1:1",), zookeeper=None, cluster_name="nowhere", refresh_s=1.0)
    app = KafkaTuiApp(settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        groups = lambda: app.state.health[Source.GROUPS]  # noqa: E731
        assert groups().failures == 0 and groups().last_ok_at is None  # not before the cluster answered
        now = app.now()
        health = ClusterHealth(fetched_at=now, duration_s=0.01, cluster_id="c", brokers=BROKERS, requests=1)
        app.post_message(SourcePolled(Source.CLUSTER, health, None, now, now + 0.01, poll_cpu_s=0.001))
        for _ in range(100):  # a groups poll is armed at once and fails within a connect attempt
            await pilot.pause(0.05)
            if groups().failures or groups().last_ok_at is not None:
                break
        assert app.state.cluster is None  # the light answer kept no snapshot
        assert groups().failures or groups().last_ok_at is not None, "groups were never polled"
