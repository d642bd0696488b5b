"""Controller sanity in ZooKeeper mode: controller changes seen while watching, and /controller
(ZooKeeper) agreeing with the controller the metadata names.

Why its own module: the other rules (kafkatui.health.rules) judge one snapshot; these need
history across refreshes, so they keep a small frozen `ControllerWatch` that the refresh fold
(kafkatui.refresh.policy.fold) updates from each cluster and ZooKeeper snapshot, and turn it into
findings with their reason in words.

* controller_changed (warning while the last change is under RECENT_S old): a controller
  election moves every partition's leadership bookkeeping and stalls admin work for a moment;
  several in a row mean brokers keep losing their ZooKeeper session. Only changes seen while
  watching count: the first controller seen is not a change.
* controller_disagrees (warning): the broker in /controller is not the controller the metadata
  names, at DISAGREE_REFRESHES ZooKeeper refreshes in a row (one refresh apart is normal during an
  election: the two answers are taken a moment apart). A lasting disagreement means the brokers'
  metadata is stale (the controller cannot send them updates) or /controller names a broker that
  is not running the cluster.

`kafkatui snapshot --json` is one look, so neither kind can appear in it: both need history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kafkatui.fmt import human_duration
from kafkatui.health.rules import WARNING, Finding

RECENT_S = 600.0
"""A controller change is listed for ten minutes: long enough to be seen by an operator who opens
the overview after a page, short enough not to linger as noise."""
DISAGREE_REFRESHES = 2


@dataclass(frozen=True)
class ControllerWatch:
    """What was seen of the controller while watching."""

    current: int | None = None  # the controller the metadata named last (a refresh naming none is skipped)
    seen: bool = False  # a metadata controller was seen at least once (the first is not a change)
    changes: int = 0
    last_change_at: float | None = None  # epoch seconds of the metadata refresh that saw the change
    previous: int | None = None  # the controller before the last change
    zookeeper: int | None = None  # the broker id in /controller at the last ZooKeeper refresh
    disagree: int = 0  # ZooKeeper refreshes in a row where /controller differed from the metadata
    disagree_since: float | None = None


def observe_metadata(watch: ControllerWatch, controller: int | None, at: float) -> ControllerWatch:
    """Fold the controller of a cluster snapshot (ZooKeeper mode; KRaft clusters are not watched)."""
    if controller is None:  # none named (between elections): not a change by itself
        return watch
    if not watch.seen:
        return replace(watch, current=controller, seen=True)
    if controller == watch.current:
        return watch
    return replace(watch, current=controller, changes=watch.changes + 1, last_change_at=at, previous=watch.current)


def observe_zookeeper(watch: ControllerWatch, zookeeper: int | None, metadata: int | None,
                      at: float) -> ControllerWatch:
    """Fold the /controller of a ZooKeeper snapshot against the metadata's controller."""
    if zookeeper is not None and metadata is not None and zookeeper != metadata:
        return replace(watch, zookeeper=zookeeper, disagree=watch.disagree + 1,
                       disagree_since=watch.disagree_since or at)
    return replace(watch, zookeeper=zookeeper, disagree=0, disagree_since=None)


def controller_findings(watch: ControllerWatch, now: float) -> list[Finding]:
    """The controller findings of this watch at time `now` (epoch seconds)."""
    out: list[Finding] = []
    if watch.disagree >= DISAGREE_REFRESHES:
        since = human_duration(max(0.0, now - (watch.disagree_since or now)))
        detail = (f"/controller in ZooKeeper names broker {watch.zookeeper} but the metadata names "
                  f"{watch.current}, for {watch.disagree} refreshes ({since}): the brokers' metadata is stale "
                  "or /controller names a broker that is not running the cluster")
        out.append(Finding("controller_disagrees", WARNING, "controller", detail, broker=watch.current))
    if watch.last_change_at is not None and now - watch.last_change_at < RECENT_S:
        ago = human_duration(max(0.0, now - watch.last_change_at))
        times = "once" if watch.changes == 1 else f"{watch.changes} times"
        detail = (f"changed from broker {watch.previous} to {watch.current} {ago} ago ({times} while watching); "
                  "an election moves leadership bookkeeping and stalls admin requests, repeated ones mean "
                  "brokers are losing their ZooKeeper session")
        out.append(Finding("controller_changed", WARNING, "controller", detail, broker=watch.current))
    return out
