"""The overview's counts and broker rows over frozen snapshots: one picture, the older part marked.

The same screen reading as tests/reliability/test_overview_one_picture.py (which kills the real
controller), for the orderings a live run hits only by chance: the process list newer than the
metadata (a kill), the metadata dropping the broker, and a restarted broker back in the metadata
while the process list is still the one from before it came back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kafkatui.model import ClusterSnapshot, ProcessesSnapshot
from tests.reliability.test_overview_one_picture import disagreements, picture
from tests.ui.fixtures import NOW, cluster_snapshot, frozen_app, frozen_state, processes_snapshot, screen_text, wait_for

SIZE = (160, 48)


def metadata(at: float, *, without: int | None = None, controller: int = 3) -> ClusterSnapshot:
    snap = cluster_snapshot(drop="orders")  # no under-replicated partition in the way
    return replace(snap, fetched_at=at, controller_id=controller,
                   brokers=tuple(b for b in snap.brokers if b.id != without))


def processes(at: float, *, without: int | None = None) -> ProcessesSnapshot:
    snap = processes_snapshot()
    return replace(snap, fetched_at=at, processes=tuple(p for p in snap.processes if p.broker_id != without))


async def shown(pilot: Any, state: Any, what: str) -> dict[str, Any]:
    """Render `state` and return the settled screen's broker picture, checked for contradictions."""
    app = pilot.app
    app.set_state(state)
    await wait_for(pilot, lambda: picture(screen_text(app))["rows"], what=what)
    await pilot.pause()
    screen = screen_text(app)
    p = picture(screen)
    assert disagreements(p) == [], f"{what}: {disagreements(p)}\n{screen}"
    return p


async def test_kill_then_metadata_drops_it_then_restart() -> None:
    base = frozen_state(cluster=metadata(NOW), processes=processes(NOW))
    app = frozen_app(base)
    async with app.run_test(size=SIZE) as pilot:
        p = await shown(pilot, base, "all up")
        assert (p["brokers"], p["gone"], p["behind"]) == (3, 0, set())

        # broker 3 (the controller) killed: the process list sees it first, the metadata still lists it
        killed = replace(base, processes=processes(NOW + 5, without=3))
        p = await shown(pilot, killed, "process gone, metadata behind")
        assert p["rows"][3] == ("GONE", True) and (p["brokers"], p["gone"]) == (2, 1)
        assert p["behind"] == {3}
        assert "⚠ Kafka metadata of" in screen_text(app) and "controller and counts are behind" in screen_text(app)

        # a newer metadata that still lists it (its ZooKeeper session has not expired): still behind
        p = await shown(pilot, replace(killed, cluster=metadata(NOW + 6)), "newer metadata, still listing it")
        assert p["rows"][3] == ("GONE", True) and p["behind"] == {3}

        # the session expired: the metadata drops it and a new controller takes over; nothing is behind
        dropped = replace(killed, cluster=metadata(NOW + 15, without=3, controller=1))
        p = await shown(pilot, dropped, "metadata without broker 3")
        assert p["rows"][3] == ("GONE", False) and (p["brokers"], p["gone"], p["behind"]) == (2, 1, set())

        # restarted: back in the metadata, while the process list is older than its return
        back = replace(dropped, cluster=metadata(NOW + 30, controller=1))
        p = await shown(pilot, back, "metadata lists it again, process list older")
        assert p["rows"][3] == ("up", False) and (p["brokers"], p["gone"], p["behind"]) == (3, 0, set())

        # and the next process list has its new JVM
        p = await shown(pilot, replace(back, processes=processes(NOW + 31)), "new process seen")
        assert p["rows"][3] == ("up", False) and (p["brokers"], p["gone"]) == (3, 0)


async def test_restarted_broker_whose_process_list_is_newer_and_empty_is_gone() -> None:
    """Only a process list older than the broker's return is set aside: a newer one without its JVM
    (it died again) makes it GONE again, with the metadata marked as behind."""
    state = frozen_state(cluster=metadata(NOW), processes=processes(NOW))
    app = frozen_app(state)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, state, "all up")
        await shown(pilot, replace(state, cluster=metadata(NOW + 10, without=2)), "broker 2 dropped")
        back = replace(state, cluster=metadata(NOW + 20), processes=processes(NOW + 10, without=2))
        p = await shown(pilot, back, "broker 2 back, older process list")
        assert p["rows"][2] == ("up", False)
        p = await shown(pilot, replace(back, processes=processes(NOW + 25, without=2)), "died again")
        assert p["rows"][2] == ("GONE", False) and p["behind"] == {2} and (p["brokers"], p["gone"]) == (2, 1)
