"""Where a tail starts and which partitions it follows: what the operator types, parsed.

`parse_start` turns `end`, `earliest`, `last:N`, `offset:N` or `time:<ISO-8601 | epoch-ms |
-5m>` into a `StartSpec`; `parse_partitions` turns "0,2,5", "0-3" or "all" into partition ids.
Anything else is a ValueError with one line naming the accepted forms, which the CLI
(`--from`) and the tail's prompts show as is. Pure: no Textual, no kafka-python (the
reader resolves a StartSpec to offsets in `kafkatui.tail.positions`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

StartKind = Literal["end", "earliest", "last", "offset", "time"]
START_HELP = "end, earliest, last:N, offset:N, time:<ISO-8601 | epoch-ms | -5m>"
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_MIN_EPOCH_MS = 10**11  # 1973 in ms; a smaller number is almost certainly epoch *seconds*


@dataclass(frozen=True)
class StartSpec:
    """Where a tail starts on every chosen partition.

    `n` is N for last:N / offset:N. For time, `at_ms` is an absolute epoch-ms instant, or
    `ago_ms` a span before the moment the tail seeks (so `time:-5m` stays "5 minutes ago"
    when re-applied later). `text` is what the operator typed, for display.
    """

    kind: StartKind = "end"
    n: int | None = None
    at_ms: int | None = None
    ago_ms: int | None = None
    text: str = "end"

    def time_ms(self, now_ms: int | None = None) -> int:
        """The instant a time spec means, as epoch ms (relative ones count back from now)."""
        if self.at_ms is not None:
            return self.at_ms
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return max(0, now - (self.ago_ms or 0))

    def __str__(self) -> str:
        return self.text


END = StartSpec()


def _parse_relative(body: str) -> int | None:
    spec = body[1:].replace(" ", "")
    if not spec:
        return None
    pos, total = 0, 0.0
    for match in _RELATIVE.finditer(spec):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_MS[match.group(2)]
        pos = match.end()
    return int(total) if pos == len(spec) else None


def _parse_time(body: str) -> StartSpec:
    text = f"time:{body}"
    if body.startswith("-"):
        ago = _parse_relative(body)
        if ago is None:
            raise ValueError(f"bad relative time {body!r}: use e.g. -30s, -5m, -1h, -2d or -1h30m")
        return StartSpec("time", ago_ms=ago, text=text)
    if body.isdigit():
        ms = int(body)
        if ms < _MIN_EPOCH_MS:
            raise ValueError(f"time {body} looks like epoch seconds; give epoch milliseconds ({body}000)")
        return StartSpec("time", at_ms=ms, text=text)
    try:
        moment = datetime.fromisoformat(body)
    except ValueError:
        raise ValueError(
            f"bad time {body!r}: use ISO-8601 (2024-05-29T16:26:40Z), epoch milliseconds or -5m"
        ) from None
    return StartSpec("time", at_ms=int(moment.timestamp() * 1000), text=text)  # naive = local time


def _count(kind: str, raw: str) -> int:
    raw = raw.strip().replace("_", "").replace(",", "")
    if not raw.isdigit():
        raise ValueError(f"{kind}:N needs a whole number >= 0, got {raw!r}")
    return int(raw)


def parse_start(text: str) -> StartSpec:
    """Parse a start position; raises ValueError with one line naming the accepted forms."""
    raw = (text or "").strip()
    word = raw.lower()
    if word in ("", "end", "latest", "now"):
        return END
    if word in ("earliest", "beginning", "start", "begin"):
        return StartSpec("earliest", text="earliest")
    kind, sep, body = raw.partition(":")
    kind = kind.strip().lower()
    if sep and kind == "last":
        n = _count("last", body)
        return StartSpec("last", n=n, text=f"last:{n}")
    if sep and kind == "offset":
        n = _count("offset", body)
        return StartSpec("offset", n=n, text=f"offset:{n}")
    if sep and kind == "time":
        if not body.strip():
            raise ValueError("time: needs a value, e.g. time:-5m or time:2024-05-29T16:26:40Z")
        return _parse_time(body.strip())
    raise ValueError(f"unknown start position {raw!r}: use {START_HELP}")


def parse_partitions(text: str, available: Sequence[int] | None = None) -> tuple[int, ...] | None:
    """"0,2,5", "0-3" or "all" -> sorted partition ids, or None meaning every partition."""
    raw = (text or "").strip().lower()
    if raw in ("", "all", "*"):
        return None
    chosen: set[int] = set()
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"bad partition {part!r}: give numbers like 0,2,5 or a range 0-3, or all")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ValueError(f"bad partition range {part!r}: {first} > {last}")
        chosen.update(range(first, last + 1))
    if not chosen:
        raise ValueError("no partition given: give numbers like 0,2,5 or a range 0-3, or all")
    if available is not None:
        missing = sorted(chosen - set(available))
        if missing:
            have = f"0-{max(available)}" if available else "none"
            raise ValueError(f"partition {missing[0]} does not exist (the topic has {have})")
    return tuple(sorted(chosen))
