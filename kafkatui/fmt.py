"""Tiny display helpers shared by the UI and the CLI, so a number reads the same everywhere.

Every helper accepts None and returns `MISSING` for it: sources use None for "could not be
measured", and the screen must show that as unknown, never as 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MISSING = "—"
SPARK_BARS = "▁▂▃▄▅▆▇█"
_BYTE_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
BYTES_WIDTH = len("1023 KiB")  # the widest size human_bytes writes; every size column is this wide
_COUNT_UNITS = ((1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T"))


def human_bytes(n: int | float | None) -> str:
    """Binary units with three significant digits ("1.2 GiB", "12.3 MiB", "1004 KiB"); plain bytes
    below 1 KiB ("512 B").

    At most BYTES_WIDTH cells for any size up to 1024 EiB: every size column is that wide, so a
    size is never cut ("1004.2 K…" was: one decimal on four digits made ten cells).
    """
    if n is None:
        return MISSING
    sign = "-" if n < 0 else ""
    value = float(abs(n))
    if value < 1024:
        return f"{sign}{int(value)} B"
    text = ""
    for unit in _BYTE_UNITS:
        value /= 1024
        text = f"{value:.1f}" if value < 99.95 else f"{value:.0f}"
        if float(text) < 1024 or unit == _BYTE_UNITS[-1]:
            break
    return f"{sign}{text} {unit}"


def _compact(value: float) -> str:
    """Three significant-ish digits and an SI suffix; picks the unit after rounding."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    if round(size) < 1000:
        return f"{sign}{size:.0f}"
    for threshold, unit in _COUNT_UNITS:
        scaled = size / threshold
        text = f"{scaled:.1f}" if scaled < 99.95 else f"{scaled:.0f}"
        if float(text) < 1000 or unit == _COUNT_UNITS[-1][1]:
            break
    return f"{sign}{text}{unit}"


def human_count(n: int | None, *, compact: bool = False) -> str:
    """Grouped digits ("12,345"), or with `compact` a short form for narrow cells ("1.2M")."""
    if n is None:
        return MISSING
    return _compact(n) if compact else f"{n:,}"


def human_duration(seconds: float | None, *, coarse: bool = False) -> str:
    """Two most significant units: "850ms", "4.2s", "42s", "5m 02s", "2h 05m", "3d 4h".

    `coarse` is for ages on a line that is redrawn every second: one unit, in 5 s steps under a
    minute ("15s", "4m", "2h", "3d"), so the text (and the bytes sent to the terminal) change
    rarely. Negative ages (clock skew) count as 0 there.
    """
    if seconds is None or math.isnan(seconds):
        return MISSING
    if coarse:
        return _coarse(seconds)
    if seconds < 0:
        return "-" + human_duration(-seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d {whole % 86400 // 3600}h"


def _coarse(seconds: float) -> str:
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole // 5 * 5}s"
    if whole < 3600:
        return f"{whole // 60}m"
    if whole < 86400:
        return f"{whole // 3600}h"
    return f"{whole // 86400}d"


def rate(x: float | None) -> str:
    """Messages per second: "0.5/s", "12.3/s", "123/s", "45.6k/s"."""
    if x is None or math.isnan(x):
        return MISSING
    if x == 0:
        return "0/s"
    if abs(x) < 100:
        return f"{x:.1f}/s"
    if abs(x) < 1000:
        return f"{x:.0f}/s"
    return f"{_compact(x)}/s"


def _bar(value: float, low: float, high: float) -> str:
    if not math.isfinite(value):
        return " "
    if high <= low:
        return SPARK_BARS[0] if value <= 0 else SPARK_BARS[-1]
    index = round((value - low) / (high - low) * (len(SPARK_BARS) - 1))
    return SPARK_BARS[max(0, min(len(SPARK_BARS) - 1, index))]


def sparkline(values: Sequence[float], width: int) -> str:
    """The last `width` values as bars, scaled from min(0, lowest) to the highest.

    The result has one character per value (at most `width`); callers pad it. Scaling from
    zero keeps a steady non-zero rate at full height instead of turning it into noise,
    and NaN or infinite values show as gaps.
    """
    if width <= 0:
        return ""
    shown = list(values)[-width:]
    finite = [v for v in shown if math.isfinite(v)]
    if not finite:
        return " " * len(shown)
    low, high = min(0.0, min(finite)), max(finite)
    return "".join(_bar(v, low, high) for v in shown)


def zxid_hex(n: int | None) -> str:
    """A ZooKeeper transaction id the way ZooKeeper prints it ("0x1000000a3")."""
    return MISSING if n is None else f"0x{n:x}"
