"""Label/value groups as Rich Text: "controller 1 · mode ZooKeeper", packed to a width.

Why a helper: every info line in kafkatui is a row of label/value pairs, and built by hand they
read as one run in screenshots ("controller 1mode ZooKeeper", "czxid0x0"): groups were apart by
bare spaces only, and renderers that trim spaces at the start of a text run (librsvg, so
rsvg-convert and many image viewers) glued them together. Now every pair is joined by a visible
" · ", and `width` packs pairs into lines without ever splitting one ("Leaderless" and its "0"
on two lines, as terminal wrapping would do).

Bytes matter too: Textual writes every styled run with its own escape codes, so a pair costs
two runs (muted "label ", then the value) and a separator one (muted " · "); the spaces ride in
the muted runs instead of being runs of their own.

    text = Text()
    append_pairs(text, [Pair("controller", "1"), Pair("mode", "ZooKeeper")], muted=semantic(app, "muted"))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

PLAIN = ""  # a value in the widget's own colour
DOT = "·"


@dataclass(frozen=True)
class Pair:
    """`label value`; either may be empty. `style` is the value's Rich style (default bold)."""

    label: str = ""
    value: str = ""
    style: str = "bold"

    @property
    def cells(self) -> int:
        return cell_len(self.label) + (1 if self.label and self.value else 0) + cell_len(self.value)


def line_used(text: Text) -> int:
    """Cells used on the last line of `text` so far."""
    return cell_len(text.plain.rsplit("\n", 1)[-1])


def gap_cells(sep: str) -> int:
    return cell_len(sep) if not sep.strip() else 2 + cell_len(sep)


def append_gap(text: Text, muted: str, sep: str = DOT) -> int:
    """Append " · " (muted), or `sep` itself when it is only spaces ("" means two); returns cells."""
    sep = sep or "  "
    text.append(sep if not sep.strip() else f" {sep} ", style=muted)
    return gap_cells(sep)


def append_pair(text: Text, pair: Pair, muted: str) -> None:
    if pair.label:
        text.append(f"{pair.label} " if pair.value else pair.label, style=muted)
    if pair.value:
        text.append(pair.value, style=pair.style)


def append_pairs(
    text: Text, pairs: Iterable[Pair], muted: str, *, width: int | None = None, sep: str = DOT
) -> Text:
    """Append `pairs` to `text` (after a separator if its last line is not empty); returns `text`.

    With `width`, a pair that would not fit on the current line starts a new one instead.
    """
    used = line_used(text)
    sep = sep or "  "
    gap = gap_cells(sep)
    for pair in pairs:
        if not pair.label and not pair.value:
            continue
        if used:
            if width is not None and used + gap + pair.cells > width:
                text.append("\n")
                used = 0
            else:
                used += append_gap(text, muted, sep)
        append_pair(text, pair, muted)
        used += pair.cells
    return text


def pairs_text(pairs: Iterable[Pair], muted: str, *, width: int | None = None, sep: str = DOT) -> Text:
    return append_pairs(Text(), pairs, muted, width=width, sep=sep)
