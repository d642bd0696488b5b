"""textfilter: the one `/` rule the tables and the tail share."""

from __future__ import annotations

from kafkatui.textfilter import compile_filter


def test_empty_and_bare_bang_match_everything() -> None:
    for pattern in ("", "  ", "!", " ! "):
        flt = compile_filter(pattern)
        assert not flt.active and flt.error is None
        assert flt.matches("anything") and flt.matches_any(["a", "b"])


def test_row_matches_when_any_cell_matches_and_bang_inverts() -> None:
    row = ("orders 6 3", "orders", "6", "3")
    assert compile_filter("^orders$").matches_any(row)  # one cell alone can be anchored
    assert not compile_filter("^payments$").matches_any(row)
    assert not compile_filter("!^orders$").matches_any(row)
    assert compile_filter("!payments").matches_any(row)


def test_case_blanks_and_invalid_regex() -> None:
    assert compile_filter("  ORDERS ").matches("orders")  # blanks around are ignored, case too
    flt = compile_filter("[eur")
    assert flt.error is not None and "plain text" in flt.error
    assert flt.matches("price [EUR") and not flt.matches("price usd")


def test_anchors_work_per_line_and_literal_escapes_match() -> None:
    text = "key=order-1\nvalue \\x1b]52;c;"
    assert compile_filter("^value").matches(text)  # MULTILINE: ^ at each field's line
    assert compile_filter(r"\\x1b\]52").matches(text)  # as a regex over the escaped text
    assert compile_filter("\\x1b]52").matches(text)  # literally (an invalid regex here)


ROWS = [
    ("orders 6 3 ✓ ok", "orders", "6", "3", "✓ ok"),
    ("payments-eu 12 2 ⚠ URP 1", "payments-eu", "12", "2", "⚠ URP 1"),
    ("__consumer_offsets 50 3 ✓ ok", "__consumer_offsets", "50", "3", "✓ ok"),
    ("a.b 1 1 —", "a.b", "1", "1", "—"),
]
PATTERNS = ["orders", "ORD", "6 3", "s 1", "urp", "!ok", "^orders$", "^pay", "3$", r"\bok", r"\d{2}", "a.b",
            "[eur", "(?=pay)p", "(?<!_)con", "!^a", "—", "off.*50", "x"]


def test_matches_row_agrees_with_matches_any_on_every_pattern() -> None:
    """The one-search shortcut must give exactly matches_any's answer, anchored or not."""
    for pattern in PATTERNS:
        flt = compile_filter(pattern)
        for row in ROWS:
            assert flt.matches_row(row) == flt.matches_any(row), (pattern, row)


class _Spy(tuple):
    """A row that records which of its texts were searched (what matches_any walks)."""

    searched: list[str]

    def __iter__(self):
        for text in tuple.__iter__(self):
            self.searched.append(text)
            yield text


def searched(pattern: str, row: tuple[str, ...]) -> tuple[bool, int]:
    spy = _Spy(row)
    spy.searched = []
    return compile_filter(pattern).matches_row(spy), len(spy.searched)


def test_only_context_free_patterns_skip_the_cells() -> None:
    """An anchored pattern must still search each cell: `^orders$` is no match in the joined row;
    any other pattern not in the joined row is in no cell, so the cells are not searched."""
    assert searched("^orders$", ROWS[0]) == (True, 2)  # the row, then the name cell
    assert searched("payments", ROWS[0]) == (False, 0)
    assert searched("[eur", ROWS[0]) == (False, 0)  # an invalid regex: plain text, also context-free
    for pattern in ("^zz", "zz$", r"\bzz", r"zz\B", "(?=zz)", "(?!o)zz", "(?<=a)zz", "(?<!a)zz", r"\Azz", r"zz\Z"):
        assert searched(pattern, ROWS[0]) == (False, 5), pattern
    for pattern in ("zz", r"\d{9}", "a.z", "(?P<n>zz)", "(?:zz)+"):
        assert searched(pattern, ROWS[0]) == (False, 0), pattern


def test_narrows_only_when_every_pass_of_the_new_filter_passed_the_old() -> None:
    yes = [("or", "ord"), ("ord", "orders"), ("RD", "orders"), ("a.c", "xa.cy"), ("t0", "t0-1"), (".", "a.b")]
    no = [("ord", "or"), ("", "a"), ("a|b", "a|bc"), ("ab", "ab*"), ("a", "a+"), ("!a", "!ab"), ("a", "!ab"),
          ("a", "[a"), ("ab", "^ab"), ("a.c", "a.cd|z"), ("x", "y"), ("a", "(a)")]
    for old, new in yes:
        assert compile_filter(new).narrows(compile_filter(old)), (old, new)
    for old, new in no:
        assert not compile_filter(new).narrows(compile_filter(old)), (old, new)


def test_narrowing_is_sound_on_random_patterns_and_texts() -> None:
    """Wherever `narrows` says so, a text the new filter passes also passed the old one."""
    import random

    rng = random.Random(14)
    alphabet = "ab.|*-_"
    texts = ["".join(rng.choice("abAB-_. x") for _ in range(rng.randint(0, 8))) for _ in range(300)]
    said = 0
    for _ in range(3000):
        old = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3)))
        new = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 2))) + old + "".join(
            rng.choice(alphabet) for _ in range(rng.randint(0, 2)))
        before, after = compile_filter(old), compile_filter(new)
        if after.narrows(before):
            said += 1
            for text in texts:
                assert not after.matches(text) or before.matches(text), (old, new, text)
    assert said > 100  # the check ran on many pairs


def test_a_plain_word_is_searched_as_text_only() -> None:
    flt = compile_filter("Orders-EU_1")
    assert flt.error is None and flt.matches("my orders-eu_1 topic") and not flt.matches("orders eu 1")
