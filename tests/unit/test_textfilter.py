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
