"""Java .properties parsing (server.properties, zoo.cfg) for the process source.

Why it is its own module: the config a JVM was started with is the only place its broker id,
role, listeners and data dirs are written down, and java.util.Properties has rules (continuation
lines, three kinds of separator, `\\uXXXX` escapes) that a naive `split("=")` gets wrong. Kept
pure and separate so those rules are tested without a JVM, and so nothing here knows psutil.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _logical_lines(text: str) -> Iterable[str]:
    """Join Java-properties continuation lines (an odd number of trailing backslashes).

    Leading whitespace of a continued line is dropped, as java.util.Properties does.
    """
    pending: str | None = None
    for raw in text.splitlines():
        line = raw.lstrip() if pending is not None else raw
        if pending is None and line.lstrip()[:1] in ("#", "!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            pending = (pending or "") + line[:-1]
            continue
        yield (pending or "") + line
        pending = None
    if pending is not None:
        yield pending


def _unescape(value: str) -> str:
    r"""Resolve `\uXXXX`, `\t`-style escapes and `\<char>` -> char."""
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch != "\\" or i + 1 >= len(value):
            out.append(ch)
            i += 1
            continue
        nxt = value[i + 1]
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", value[i + 2 : i + 6]):
            out.append(chr(int(value[i + 2 : i + 6], 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _split_key(line: str) -> tuple[str, str]:
    """Split at the first unescaped '=', ':' or whitespace, the way java.util.Properties does.

    Whitespace around the separator is skipped, so `key = value`, `key: value`, `key=value`
    and `key value` all give ('key', 'value').
    """
    i, n = 0, len(line)
    while i < n and not (line[i] in "=:" or line[i].isspace()):
        i += 2 if line[i] == "\\" else 1
    key, j = line[:i], i
    while j < n and line[j].isspace():
        j += 1
    if j < n and line[j] in "=:":
        j += 1
    while j < n and line[j].isspace():
        j += 1
    return key, line[j:]


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java .properties text (server.properties, zoo.cfg); later keys win, like Java."""
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        key, value = _split_key(line.lstrip())
        props[_unescape(key)] = _unescape(value).strip()
    return props


def read_properties(path: Path) -> dict[str, str]:
    """parse_properties of a file; {} when it cannot be read (unknown, not an error)."""
    try:
        return parse_properties(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return {}
