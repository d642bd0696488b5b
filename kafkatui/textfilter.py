"""The `/` filter, one rule for every table and for the tail.

What an operator types: a case-insensitive regex; an invalid regex falls back to a plain
substring (and says so); a leading `!` inverts; surrounding blanks are ignored. `^` and `$`
anchor at each line of a text, since the tail searches a record as one line per field (key,
value, each header). A text also matches when it contains the pattern literally: what is
searched is the escaped text on screen, so typing `\\x1b]52` must find the escaped ESC even
though, as a regex, `\\x1b` means a raw ESC that never appears there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TextFilter:
    pattern: str
    error: str | None = None
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _needle: str = field(default="", repr=False, compare=False)
    _invert: bool = field(default=False, repr=False, compare=False)
    _local: bool = field(default=True, repr=False, compare=False)  # see `matches_row`

    @property
    def active(self) -> bool:
        return bool(self._needle)

    def _hit(self, text: str) -> bool:
        return self._needle in text.lower() or (self._regex is not None and self._regex.search(text) is not None)

    def narrows(self, before: TextFilter) -> bool:
        """Does every text that passes this filter pass `before` too? Then the rows `before`
        let through are the only ones to search (issue 14: each key typed into the `/` prompt
        searched all 10,000 rows again). Known only for what an operator types most: `before`
        active, neither inverted, both a plain run of characters and `.` (`_simple`), and
        `before`'s inside this one's. A match of this one then contains a match of `before`,
        and this needle contains `before`'s."""
        if not before.active or self._invert or before._invert or self.error or before.error:
            return False
        body, old = self.pattern.strip(), before.pattern.strip()
        return _simple(body) and _simple(old) and old.lower() in body.lower()

    def matches(self, text: str) -> bool:
        """Does one text pass (always, when the filter is empty)?"""
        return not self.active or self._hit(text) != self._invert

    def matches_any(self, texts: Iterable[str]) -> bool:
        """Does a row pass: the pattern found in any of its cells (`!`: in none)."""
        return not self.active or any(self._hit(t) for t in texts) != self._invert

    def matches_row(self, texts: tuple[str, ...]) -> bool:
        """`matches_any` for a table row given as (its cells joined by spaces, each cell).

        Why (issue 14): at 10,000 rows of nine texts, a keystroke in the `/` prompt searched
        90,000 texts. A cell is a substring of the joined row, so a pattern that only looks at the
        characters it matches (no `^`, `$`, `\\b`, lookaround: `_local`) that is not in the row is
        in no cell: one search per row. Anchored patterns still search the cells (`^orders$`
        matches the name cell, not the row)."""
        if not self.active:
            return True
        if self._local:
            return self._hit(texts[0]) != self._invert
        return self.matches_any(texts)


def compile_filter(pattern: str) -> TextFilter:
    """An empty pattern (or a bare `!`) matches everything."""
    pattern = pattern.strip()
    invert = pattern.startswith("!")
    body = pattern[1:] if invert else pattern
    if not body:
        return TextFilter(pattern)
    if not _SPECIAL.search(body):  # a plain word: the needle alone decides, no regex search
        return TextFilter(pattern, None, None, body.lower(), invert)
    try:
        regex = re.compile(body, re.IGNORECASE | re.MULTILINE)
    except re.error as exc:
        return TextFilter(pattern, f"invalid regex ({exc}); matching as plain text", None, body.lower(), invert)
    return TextFilter(pattern, None, regex, body.lower(), invert, _is_local(body))


_CONTEXT = re.compile(r"[\^$]|\\[bBAZz]|\(\?[=!<]")
_SPECIAL = re.compile(r"[\\^$.*+?{}\[\]()|]")  # what makes a regex more than the plain text it is


def _simple(body: str) -> bool:
    """Plain characters and `.` (any one character) only: no alternation, repetition, class,
    group, anchor or escape, so each character of it matches exactly one character."""
    return _SPECIAL.search(body.replace(".", "")) is None


def _is_local(body: str) -> bool:
    """Does a match of this regex depend only on the characters it matches, so that a match in a
    cell is also one in any text containing that cell? Not with anchors, word boundaries or
    lookaround (conservatively: any `^` or `$`, even inside a class or escaped)."""
    return _CONTEXT.search(body) is None
