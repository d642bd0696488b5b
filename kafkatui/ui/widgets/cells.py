"""Cell renderers that several views' columns share (`Col(render=...)`).

Why here: the overview's broker rows and the processes view show the same JVM figures (RSS,
CPU %, uptime, disk), and an operator comparing the two must see them written the same way.
A missing figure (no local process, not yet sampled) is `fmt.MISSING`, never a misleading 0.
"""

from __future__ import annotations

from rich.text import Text

from kafkatui.fmt import MISSING, human_bytes, human_duration
from kafkatui.kafka.catch_up import eta_text
from kafkatui.model import CatchUp


def bytes_cell(value: object) -> Text:
    return Text(human_bytes(value) if isinstance(value, int | float) else MISSING)  # type: ignore[arg-type]


def percent_cell(value: object) -> Text:
    return Text(f"{value:.1f}" if isinstance(value, int | float) else MISSING)


def age_cell(value: object) -> Text:
    return Text(human_duration(value) if isinstance(value, int | float) else MISSING)  # type: ignore[arg-type]


def eta_cell(value: object) -> Text:
    """A group's catch-up (a `CatchUp`): "4m 10s", "falling behind", "caught up" or MISSING."""
    return Text(eta_text(value) if isinstance(value, CatchUp) else MISSING)


def eta_sort_key(value: object) -> float:
    """Sooner first, then falling behind; unknown (None) sorts last anyway."""
    if not isinstance(value, CatchUp):
        return float("inf")
    if value.state == "falling_behind":
        return 1e18
    return value.eta_s or 0.0
