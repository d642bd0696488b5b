"""Cell renderers that several views' columns share (`Col(render=...)`).

Why here: the overview's broker rows and the processes view show the same JVM figures (RSS,
CPU %, uptime, disk), and an operator comparing the two must see them written the same way.
A missing figure (no local process, not yet sampled) is `fmt.MISSING`, never a misleading 0.
"""

from __future__ import annotations

from rich.text import Text

from kafkatui.fmt import MISSING, human_bytes, human_duration


def bytes_cell(value: object) -> Text:
    return Text(human_bytes(value) if isinstance(value, int | float) else MISSING)  # type: ignore[arg-type]


def percent_cell(value: object) -> Text:
    return Text(f"{value:.1f}" if isinstance(value, int | float) else MISSING)


def age_cell(value: object) -> Text:
    return Text(human_duration(value) if isinstance(value, int | float) else MISSING)  # type: ignore[arg-type]
