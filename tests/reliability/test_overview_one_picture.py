"""The overview's counts and broker rows tell one story while the controller dies (issue 12, defect 7).

Killing the controller broker makes its row GONE as soon as the process list no longer has its
JVM, while Kafka's metadata goes on listing it (and calling it the controller, with nothing
under-replicated) until ZooKeeper expires its session, ~10 s later. kafkatui used to count
brokers from the metadata alone: "Brokers 3 · Under-replicated 0" next to "2★ GONE".

Driven through the real app on the real (private) cluster, read only from the rendered screen:
at every UI turn from the kill until Kafka has noticed, the summary's "Brokers N" equals the
rows that are up, its "GONE N" the GONE rows, and a GONE row that the metadata still calls the
controller (★) comes with the ⚠ line that says the metadata is behind. The test also insists it
saw that window at least once, so it cannot pass by looking too late.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.reliability.helpers import restore_cluster, text, wait_until

pytestmark = [pytest.mark.live, pytest.mark.faults]

SIZE = (160, 48)  # wide enough that no summary line wraps
ROW = re.compile(r"^\s*(\d+)(★?)\s+(up|GONE)\s+\S+:\d+\b", re.MULTILINE)
BROKERS = re.compile(r"\bBrokers (\d+)\b")
GONE_COUNT = re.compile(r"\bGONE (\d+)\b")
CONTROLLER = re.compile(r"\bcontroller (\d+)\b")
BEHIND = re.compile(r"⚠ Kafka metadata of \S+ still lists GONE brokers? ([\d, ]+) \(no process at ")


def picture(screen: str) -> dict[str, Any]:
    """What the overview says about brokers, parsed from its rendered text."""
    rows = {int(m[1]): (m[3], bool(m[2])) for m in ROW.finditer(screen)}
    brokers, gone, controller = BROKERS.search(screen), GONE_COUNT.search(screen), CONTROLLER.search(screen)
    behind = BEHIND.search(screen)
    return {
        "rows": rows,
        "brokers": int(brokers[1]) if brokers else None,
        "gone": int(gone[1]) if gone else 0,
        "controller": int(controller[1]) if controller else None,
        "behind": {int(b) for b in behind[1].replace(",", " ").split()} if behind else set(),
    }


def disagreements(p: dict[str, Any]) -> list[str]:
    """Where the counts and the rows of one rendered screen contradict each other."""
    rows = p["rows"]
    up = sorted(b for b, (state, _) in rows.items() if state == "up")
    gone = sorted(b for b, (state, _) in rows.items() if state == "GONE")
    problems = []
    if p["brokers"] != len(up):
        problems.append(f"'Brokers {p['brokers']}' but {len(up)} rows up ({up})")
    if p["gone"] != len(gone):
        problems.append(f"'GONE {p['gone']}' in the counts but {len(gone)} GONE rows ({gone})")
    for b in gone:
        if rows[b][1] and b not in p["behind"]:
            problems.append(f"broker {b} is GONE yet the controller (★), and no line says the metadata is behind")
    return problems


async def test_counts_and_rows_agree_while_the_killed_controller_leaves_the_metadata(cluster, app_factory) -> None:
    app = app_factory(refresh=1.0)
    killed = False
    checked: set[str] = set()  # every distinct settled screen, checked once
    problems: list[str] = []
    window = 0  # checked screens with the controller GONE while the metadata still lists it
    try:
        async with app.run_test(size=SIZE) as pilot:
            def healthy() -> bool:
                p = picture(text(app))
                return (p["brokers"] == 3 and sorted(p["rows"]) == [1, 2, 3] and p["controller"] in p["rows"]
                        and all(state == "up" for state, _ in p["rows"].values()))

            await wait_until(pilot, healthy, 60, "3 brokers up on the overview, with their processes")
            victim = picture(text(app))["controller"]
            await asyncio.to_thread(cluster.kill, f"broker-{victim}")
            killed = True

            last = ""

            def check() -> bool:
                """Check each screen once it has settled (the same text at two UI turns: the summary's
                height follows its text one layout pass later); done once Kafka moved the controller."""
                nonlocal last, window
                screen = text(app)
                settled, last = screen == last, screen
                p = picture(screen)
                if not settled or not p["rows"] or p["brokers"] is None:
                    return False
                if screen not in checked:
                    checked.add(screen)
                    problems.extend(f"{d}\n--- screen ---\n{screen}" for d in disagreements(p))
                    state, star = p["rows"].get(victim, ("?", False))
                    window += state == "GONE" and star
                return p["controller"] not in (None, victim) and p["rows"].get(victim, ("",))[0] == "GONE"

            await wait_until(pilot, check, 90, f"a new controller after broker {victim} was killed")
        assert window > 0, "never saw the controller GONE while Kafka's metadata still listed it"
        assert not problems, f"{len(problems)} screens contradicted themselves; the first: {problems[0]}"
    finally:
        if killed:
            await asyncio.to_thread(restore_cluster, cluster)
