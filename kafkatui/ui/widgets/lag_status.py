"""How a lag status is written on screen: a symbol and a word in its lag-* colour.

Why one module: the groups list, a group's detail and the overview's attention panel all show
the status, and an operator must read it the same way everywhere; it also keeps the screens
from importing each other for it. The order of severity is the lag rules' own
(`kafkatui.kafka.lag.severity`), not a second copy.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from kafkatui.kafka.lag import severity
from kafkatui.model import LagStatus
from kafkatui.ui.palette import lag_colour

SYMBOLS = {
    LagStatus.OK: "✓",
    LagStatus.WARN: "▲",
    LagStatus.STALL: "‖",
    LagStatus.STOP: "■",
    LagStatus.REWIND: "↺",
    LagStatus.ERR: "✗",
    LagStatus.PENDING: "…",  # not judged yet: the lag window is still filling
    LagStatus.UNKNOWN: "?",
}
BOLD_FROM = severity(LagStatus.REWIND)
"""REWIND and worse are written bold: they need action, a WARN may clear by itself."""


def status_text(app: Any, status: LagStatus) -> Text:
    """ "■ STOP" in the status's lag-* colour."""
    bold = "bold " if severity(status) >= BOLD_FROM else ""
    return Text(f"{SYMBOLS[status]} {status.value}", style=f"{bold}{lag_colour(app, status)}")

