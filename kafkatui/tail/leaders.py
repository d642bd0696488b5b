"""Notice leader changes of the followed partitions and say where the tail continues.

kafka-python refreshes metadata when a leader dies and keeps fetching from its position on the
new leader; the operator should still hear about it. The reader asks `LeaderWatch.seen` about
each partition's current leader (from the client's metadata) and shows the notes it returns:

    partition 0: no leader (was broker 2), waiting
    partition 0: leader 2 → 3, continuing at offset 1234
    partition 0: leader 2 is back, continuing at offset 1234
"""

from __future__ import annotations


class LeaderWatch:
    """The last known leader of each partition, and the last one that was a live broker."""

    def __init__(self) -> None:
        self._leaders: dict[int, int | None] = {}
        self._last_live: dict[int, int] = {}

    def reset(self, leaders: dict[int, int | None]) -> None:
        """Start over with these partitions (after an assign)."""
        self._leaders = dict(leaders)
        self._last_live = {p: leader for p, leader in leaders.items() if leader is not None and leader >= 0}

    def seen(self, p: int, leader: int | None, at: int | None) -> str | None:
        """The metadata says `leader` (-1: none) leads `p`; the reader's next offset is `at`.
        Returns a note when that is news."""
        old = self._leaders.get(p)
        if leader is None or leader == old:
            return None
        self._leaders[p] = leader
        where = f"continuing at offset {at}" if at is not None else "continuing"
        last = self._last_live.get(p)
        if leader < 0:
            return f"partition {p}: no leader (was broker {last if last is not None else old}), waiting"
        self._last_live[p] = leader
        if last is not None and last != leader:
            return f"partition {p}: leader {last} → {leader}, {where}"
        if old is not None and old < 0:
            return f"partition {p}: leader {leader} is back, {where}"
        return None
