"""The refresh policy (pure): backoff, due times, bounded histories, and the SourceHub."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from kafkatui.model import (
    ClusterSnapshot,
    Group,
    GroupPartition,
    GroupsSnapshot,
    Partition,
    SourceError,
    Topic,
)
from kafkatui.refresh.hub import SourceHub
from kafkatui.refresh.policy import (
    HISTORY_POINTS,
    MAX_BACKOFF_S,
    delay_on_activate,
    lag_trends,
    next_delay,
    push_history,
    slow_after,
    topic_rate_history,
)
from kafkatui.refresh.state import SourceHealth


def test_healthy_source_polls_at_the_refresh_interval() -> None:
    assert next_delay(5.0, 0) == 5.0


def test_backoff_doubles_from_the_refresh_interval() -> None:
    assert [next_delay(2.0, n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, MAX_BACKOFF_S]


def test_backoff_is_capped_and_never_overflows() -> None:
    assert next_delay(1.0, 10_000) == MAX_BACKOFF_S
    assert next_delay(1.0, 7, cap=10.0) == 10.0


def test_cap_never_makes_the_delay_shorter_than_the_interval() -> None:
    assert next_delay(120.0, 3) == 120.0


@pytest.mark.parametrize("rand", [0.0, 0.5, 1.0])
def test_jitter_spreads_within_bounds(rand: float) -> None:
    delay = next_delay(4.0, 2, jitter=0.25, rand=lambda: rand)
    assert 8.0 * 0.75 <= delay <= 8.0 * 1.25
    assert next_delay(4.0, 2, jitter=0.25, rand=lambda: 0.5) == 8.0


def test_activate_polls_at_once_without_data() -> None:
    assert delay_on_activate(SourceHealth(), 5.0, now=100.0) == 0.0


def test_activate_waits_for_fresh_data_to_become_due() -> None:
    health = SourceHealth(last_ok_at=98.0, last_duration_s=0.5)
    assert delay_on_activate(health, 5.0, now=100.0) == pytest.approx(3.5)
    assert delay_on_activate(health, 5.0, now=200.0) == 0.0


def test_activate_keeps_the_backoff_of_a_failing_source() -> None:
    health = SourceHealth(last_ok_at=50.0).failed(90.0, "kafka: down", next_attempt_at=120.0)
    assert delay_on_activate(health, 5.0, now=100.0) == 20.0


def test_slow_poll_threshold() -> None:
    assert slow_after(1.0) == 10.0
    assert slow_after(10.0) == 30.0


def test_push_history_is_bounded() -> None:
    series: tuple[int, ...] = ()
    for i in range(HISTORY_POINTS + 5):
        series = push_history(series, i)
    assert len(series) == HISTORY_POINTS
    assert series[-1] == HISTORY_POINTS + 4


def _cluster(rates: dict[str, float | None]) -> ClusterSnapshot:
    topics = tuple(
        Topic(name, False, (Partition(name, 0, 1, (1,), (1,)),), msgs_per_s=rate) for name, rate in rates.items()
    )
    return ClusterSnapshot(fetched_at=0, duration_s=0, cluster_id="c", controller_id=1, brokers=(), topics=topics)


def test_topic_rates_append_and_forget_deleted_topics() -> None:
    history = topic_rate_history({}, _cluster({"a": 1.0, "b": None, "gone": 3.0}))
    assert history == {"a": (1.0,), "gone": (3.0,)}
    history = topic_rate_history(history, _cluster({"a": 2.0, "b": 5.0}))
    assert history == {"a": (1.0, 2.0), "b": (5.0,)}


def test_an_idle_topics_series_stays_the_same_object_until_it_has_traffic() -> None:
    """Issue 14: no traffic is not appended to a series that has seen none (none yet, or a full
    window of zeros), so an idle topic's series, and its row, stay as they were."""
    history = topic_rate_history({}, _cluster({"idle": 0.0, "busy": 2.0}))
    assert history == {"busy": (2.0,)}  # idle: no series, its trend blank
    for _ in range(3):
        history = topic_rate_history(history, _cluster({"idle": 0.0, "busy": 0.0}))
    assert "idle" not in history and history["busy"] == (2.0, 0.0, 0.0, 0.0)  # traffic seen: zeros drawn
    history = topic_rate_history(history, _cluster({"idle": 1.0, "busy": 0.0}), limit=4)
    assert history == {"idle": (1.0,), "busy": (0.0, 0.0, 0.0, 0.0)}  # the 2.0 slid out of the window
    flat = history["busy"]
    history = topic_rate_history(history, _cluster({"idle": 1.0, "busy": 0.0}), limit=4)
    assert history["busy"] is flat and history["idle"] == (1.0, 1.0)


def test_lag_trends_track_total_lag_per_group() -> None:
    def groups(lag: int) -> GroupsSnapshot:
        part = GroupPartition("t", 0, committed=100, latest=100 + lag)
        return GroupsSnapshot(0, 0, (Group("g", "Stable", "consumer", "range", (), (part,)),))

    trends = lag_trends({}, groups(5))
    trends = lag_trends(trends, groups(7))
    assert trends == {"g": (5, 7)}
    assert lag_trends(trends, GroupsSnapshot(0, 0, ())) == {}


class _Closeable:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_hub_builds_each_source_once_even_when_threads_race() -> None:
    built: list[_Closeable] = []

    def factory() -> _Closeable:
        time.sleep(0.05)
        built.append(_Closeable())
        return built[-1]

    hub = SourceHub({"kafka": factory})
    threads = [threading.Thread(target=hub.get, args=("kafka",)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1
    hub.close()
    assert built[0].closed
    with pytest.raises(SourceError, match="shutting down"):
        hub.get("kafka")


def test_hub_retries_a_failed_build_on_the_next_call() -> None:
    attempts = []

    def factory() -> _Closeable:
        attempts.append(1)
        if len(attempts) == 1:
            raise SourceError("kafka", "cannot reach")
        return _Closeable()

    hub = SourceHub({"kafka": factory})
    with pytest.raises(SourceError, match="cannot reach"):
        hub.call("kafka", lambda s: s)
    assert isinstance(hub.call("kafka", lambda s: s), _Closeable)


def test_hub_turns_unexpected_exceptions_into_source_errors() -> None:
    hub = SourceHub({"zookeeper": _Closeable})

    def boom(_: object) -> None:
        raise KeyError("bug")

    with pytest.raises(SourceError) as info:
        hub.call("zookeeper", boom)
    assert info.value.source == "zookeeper"
    assert "KeyError" in str(info.value)


def test_hub_close_survives_a_failing_close() -> None:
    class Bad:
        def close(self) -> None:
            raise RuntimeError("half dead")

    hub = SourceHub({"a": Bad, "b": _Closeable})
    b = hub.get("b")
    hub.get("a")
    hub.close()
    assert b.closed


def test_total_lag_is_unknown_not_zero_when_no_partition_lag_is_known() -> None:
    never_committed = GroupPartition("t", 0, committed=None, latest=100)
    no_end_offset = GroupPartition("t", 1, committed=5, latest=None)
    unknown = Group("g", "Empty", "consumer", "", (), (never_committed, no_end_offset))
    assert unknown.total_lag is None
    assert Group("e", "Empty", "consumer", "", (), ()).total_lag is None
    known = Group("k", "Stable", "consumer", "", (), (never_committed, GroupPartition("t", 2, 90, 100)))
    assert known.total_lag == 10  # the partitions whose lag is known
    # the trend skips unknown totals instead of recording None (or a false 0)
    trends = lag_trends({}, GroupsSnapshot(0, 0, (known,)))
    trends = lag_trends(trends, GroupsSnapshot(0, 0, (replace(known, partitions=(never_committed,)),)))
    assert trends == {"k": (10,)}
