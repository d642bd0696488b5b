"""The overview's counts and broker rows over frozen snapshots: one picture, the older part marked.

The same screen reading as tests/reliability/test_overview_one_picture.py (which kills the real
controller), for the orderings a live run hits only by chance: the process list newer than the
metadata (a kill), the metadata dropping the broker, and a restarted broker back in the metadata
while the process list is still the one from before it came back.
"""

from __future__ import annotations

from collections.abc import Callable
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


async def shown(pilot: Any, state: Any, what: str, expect: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Render `state`; return the screen's broker picture once `expect` holds, checked for contradictions.

    Waiting for the expected picture, not for any rows: the previous state's rows are on screen
    until the new state is drawn, and on a loaded machine a pause was not always long enough."""
    app = pilot.app
    app.set_state(state)
    try:
        await wait_for(pilot, lambda: expect(picture(screen_text(app))), timeout=15, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the screen's picture: {picture(screen_text(app))}") from None
    await pilot.pause()  # the rest of the same state (the "behind" line) lands with the rows
    screen = screen_text(app)
    p = picture(screen)
    assert expect(p) and disagreements(p) == [], f"{what}: {disagreements(p)}\n{screen}"
    return p


async def test_kill_then_metadata_drops_it_then_restart() -> None:
    base = frozen_state(cluster=metadata(NOW), processes=processes(NOW))
    app = frozen_app(base)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, base, "all up",
                        lambda p: (p["brokers"], p["gone"], p["behind"]) == (3, 0, set()))

        # broker 3 (the controller) killed: the process list sees it first, the metadata still lists it
        killed = replace(base, processes=processes(NOW + 5, without=3))
        p = await shown(pilot, killed, "process gone, metadata behind",
                        lambda p: p["rows"][3] == ("GONE", True) and (p["brokers"], p["gone"]) == (2, 1))
        assert p["behind"] == {3}
        assert "⚠ Kafka metadata of" in screen_text(app) and "controller and counts are behind" in screen_text(app)

        # a newer metadata that still lists it (its ZooKeeper session has not expired): still behind
        await shown(pilot, replace(killed, cluster=metadata(NOW + 6)), "newer metadata, still listing it",
                        lambda p: p["rows"][3] == ("GONE", True) and p["behind"] == {3})

        # the session expired: the metadata drops it and a new controller takes over; nothing is behind
        dropped = replace(killed, cluster=metadata(NOW + 15, without=3, controller=1))
        await shown(pilot, dropped, "metadata without broker 3",
                        lambda p: p["rows"][3] == ("GONE", False)
                    and (p["brokers"], p["gone"], p["behind"]) == (2, 1, set()))

        # restarted: back in the metadata, while the process list is older than its return
        back = replace(dropped, cluster=metadata(NOW + 30, controller=1))
        await shown(pilot, back, "metadata lists it again, process list older",
                        lambda p: p["rows"][3] == ("up", False)
                    and (p["brokers"], p["gone"], p["behind"]) == (3, 0, set()))

        # and the next process list has its new JVM
        await shown(pilot, replace(back, processes=processes(NOW + 31)), "new process seen",
                        lambda p: p["rows"][3] == ("up", False) and (p["brokers"], p["gone"]) == (3, 0))


async def test_restarted_broker_whose_process_list_is_newer_and_empty_is_gone() -> None:
    """Only a process list older than the broker's return is set aside: a newer one without its JVM
    (it died again) makes it GONE again, with the metadata marked as behind."""
    state = frozen_state(cluster=metadata(NOW), processes=processes(NOW))
    app = frozen_app(state)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot, state, "all up", lambda p: bool(p["rows"]))
        await shown(pilot, replace(state, cluster=metadata(NOW + 10, without=2)), "broker 2 dropped",
                    lambda p: p["brokers"] == 2)
        back = replace(state, cluster=metadata(NOW + 20), processes=processes(NOW + 10, without=2))
        await shown(pilot, back, "broker 2 back, older process list", lambda p: p["rows"][2] == ("up", False))
        await shown(pilot, replace(back, processes=processes(NOW + 25, without=2)), "died again",
                        lambda p: p["rows"][2] == ("GONE", False) and p["behind"] == {2}
                    and (p["brokers"], p["gone"]) == (2, 1))
