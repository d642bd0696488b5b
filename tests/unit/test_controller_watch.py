"""health.controller: controller changes and /controller agreement folded across refreshes (pure),
and the fold that feeds it (refresh.policy.fold). The real-cluster proof is in
tests/live/test_controller_live.py."""

from __future__ import annotations

from dataclasses import replace

from kafkatui.health.controller import (
    RECENT_S,
    ControllerWatch,
    controller_findings,
    observe_metadata,
    observe_zookeeper,
)
from kafkatui.model import Broker, ClusterSnapshot, ZkSnapshot, ZkState
from kafkatui.refresh.policy import fold
from kafkatui.refresh.state import AppState, Source
from kafkatui.zookeeper.nodes import controller_id


def test_the_first_controller_is_not_a_change_a_new_one_is() -> None:
    w = observe_metadata(ControllerWatch(), 1, 100.0)
    assert (w.current, w.changes) == (1, 0) and controller_findings(w, 101.0) == []
    w = observe_metadata(w, 1, 105.0)
    assert w.changes == 0
    w = observe_metadata(w, None, 110.0)  # between elections: nothing named, not a change
    w = observe_metadata(w, 2, 115.0)
    assert (w.current, w.previous, w.changes, w.last_change_at) == (2, 1, 1, 115.0)
    found = controller_findings(w, 175.0)
    assert [(f.kind, f.severity, f.subject) for f in found] == [("controller_changed", "warning", "controller")]
    assert found[0].detail.startswith("changed from broker 1 to 2 1m")
    assert controller_findings(w, 115.0 + RECENT_S + 1) == []  # old news


def test_back_to_the_same_controller_after_none_is_no_change() -> None:
    w = observe_metadata(observe_metadata(ControllerWatch(), 1, 1.0), None, 2.0)
    assert observe_metadata(w, 1, 3.0).changes == 0


def test_disagreement_needs_two_zookeeper_refreshes_in_a_row() -> None:
    w = observe_zookeeper(ControllerWatch(current=1, seen=True), 3, 1, 10.0)
    assert w.disagree == 1 and controller_findings(w, 11.0) == []  # one look apart: an election
    w = observe_zookeeper(w, 3, 1, 15.0)
    found = controller_findings(w, 20.0)
    assert [f.kind for f in found] == ["controller_disagrees"]
    assert found[0].detail.startswith("/controller in ZooKeeper names broker 3 but the metadata names 1")
    assert observe_zookeeper(w, 1, 1, 25.0).disagree == 0  # agreeing again clears it
    assert observe_zookeeper(w, None, 1, 25.0).disagree == 0  # no /controller: not a disagreement


def test_fold_feeds_the_watch_from_both_sources() -> None:
    brokers = (Broker(1, "h", 1), Broker(2, "h", 2))
    snap = ClusterSnapshot(1.0, 0.1, "c", 1, brokers, ())
    state = fold(AppState(), Source.CLUSTER, snap)
    state = fold(state, Source.CLUSTER, replace(snap, fetched_at=2.0, controller_id=2))
    assert (state.controller.changes, state.controller.previous) == (1, 1)
    zk = ZkSnapshot(3.0, 0.01, ZkState.CONNECTED, "h:2181", None, controller_id=1, controller_read=True)
    state = fold(fold(state, Source.ZOOKEEPER, zk), Source.ZOOKEEPER, replace(zk, fetched_at=4.0))
    assert state.controller.disagree == 2
    kraft = fold(AppState(), Source.CLUSTER, replace(snap, kraft=True))
    assert kraft.controller == ControllerWatch()  # KRaft: the quorum is checked instead


def test_controller_id_from_the_znode() -> None:
    assert controller_id(b'{"version":2,"brokerid":3,"timestamp":"1717000000000"}') == 3
    assert controller_id(b"not json") is None and controller_id(b'{"brokerid":"x"}') is None
    assert controller_id(None) is None and controller_id(b"[1]") is None
