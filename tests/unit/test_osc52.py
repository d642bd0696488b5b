"""OSC 52 sequences: plain, tmux passthrough, and nothing from the text escaping the sequence."""

from __future__ import annotations

import base64

from kafkatui.osc52 import extra_sequences, fits, osc52, tmux_passthrough


def test_plain_sequence_is_base64() -> None:
    seq = osc52("hello")
    assert seq == "\x1b]52;c;aGVsbG8=\x07"


def test_hostile_text_cannot_break_out() -> None:
    text = "\x1b]52;c;evil\x07\x1b[2J\x9b"
    seq = osc52(text)
    body = seq[len("\x1b]52;c;") : -1]
    assert base64.b64decode(body).decode() == text
    assert seq.count("\x1b") == 1 and seq.count("\x07") == 1  # only the sequence's own ESC and BEL


def test_tmux_passthrough_doubles_escapes() -> None:
    wrapped = tmux_passthrough(osc52("hi"))
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]52;c;") and wrapped.endswith("\x07\x1b\\")


def test_extra_sequences_only_under_tmux() -> None:
    assert extra_sequences("x", {}) == []
    assert extra_sequences("x", {"TMUX": "/tmp/tmux-0/default,1,0"}) == [tmux_passthrough(osc52("x"))]


def test_fits_limit() -> None:
    assert fits("a" * 10, limit=10) and not fits("é" * 6, limit=10)
