"""OSC 52 clipboard sequences, including the tmux passthrough form.

Why this exists next to Textual's `App.copy_to_clipboard`: Textual writes the plain
``ESC ] 52 ; c ; <base64> BEL``. Inside tmux that reaches the clipboard only when tmux has
``set-clipboard on``; with its default ``external`` tmux swallows it. tmux 3.3+ with
``allow-passthrough on`` forwards a DCS-wrapped copy (``ESC P tmux; ...  ESC \\``, every ESC
inside doubled) to the outer terminal instead. So under tmux the tail sends both forms;
whichever tmux accepts wins, and both carry the same text.

The text is base64-encoded, so nothing from a record can break out of the sequence.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

ESC = "\x1b"
BEL = "\x07"
MAX_COPY_BYTES = 100_000
"""Many terminals ignore OSC 52 payloads much above ~100 kB (xterm's default limit)."""


def osc52(text: str, selection: str = "c") -> str:
    """The plain OSC 52 sequence that puts `text` on the clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"{ESC}]52;{selection};{payload}{BEL}"


def tmux_passthrough(sequence: str) -> str:
    """Wrap a sequence for tmux's DCS passthrough: ``ESC P tmux; <ESC doubled> ESC \\``."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def in_tmux(env: Mapping[str, str]) -> bool:
    return bool(env.get("TMUX"))


def extra_sequences(text: str, env: Mapping[str, str]) -> list[str]:
    """What to write besides Textual's plain OSC 52: the tmux-wrapped copy, under tmux."""
    return [tmux_passthrough(osc52(text))] if in_tmux(env) else []


def fits(text: str, limit: int = MAX_COPY_BYTES) -> bool:
    return len(text.encode("utf-8")) <= limit
