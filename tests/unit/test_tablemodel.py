"""TableModel without Textual: the view (filter, sort), what a change reports, and that work is skipped
when nothing that decides the view changed (counted through the columns' render and sort_key)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text

from kafkatui.tablemodel import Col, RowMemo, TableModel, default_render, default_sort_key, same_objects
from kafkatui.textfilter import TextFilter


def columns(counts: Counter[str]) -> list[Col]:
    def render(value: Any) -> Text:
        counts["render"] += 1
        return default_render(value)

    def sort_key(value: Any) -> Any:
        counts["sort"] += 1
        return default_sort_key(value)

    return [Col("name", "Name", render=render, sort_key=sort_key),
            Col("n", "N", width=6, justify="right", render=render, sort_key=sort_key)]


def model(counts: Counter[str] | None = None) -> TableModel:
    m = TableModel(columns(counts if counts is not None else Counter()))
    m.set_rows([("a", ("alpha", 3)), ("b", ("Bravo", None)), ("c", ("charlie", 1)), ("d", ("delta", 2))])
    return m


def test_sort_puts_unknown_last_both_ways_and_ties_keep_input_order() -> None:
    m = model()
    assert list(m.keys) == ["a", "b", "c", "d"]
    m.sort_by("n")
    assert list(m.keys) == ["c", "d", "a", "b"]
    m.sort_by("n", reverse=True)
    assert list(m.keys) == ["a", "d", "c", "b"]  # None stays last
    m.sort_by("name")
    assert list(m.keys) == ["a", "b", "c", "d"]  # case-insensitive: Bravo after alpha
    m.set_rows([("x", ("same", 1)), ("y", ("same", 2)), ("z", ("same", 3))])
    assert list(m.keys) == ["x", "y", "z"]
    assert m.index_of("y") == 1 and m.index_of("gone") is None


def test_filter_matches_cells_and_rows_inverts_and_survives_a_bad_regex() -> None:
    m = model()
    assert m.set_filter("^charlie$") and list(m.keys) == ["c"]
    assert m.set_filter("!^charlie$") and list(m.keys) == ["a", "b", "d"]
    m.set_filter("ta 2")  # the whole row as one line
    assert list(m.keys) == ["d"]
    m.set_filter("al[")
    assert m.filter_error and "invalid regex" in m.filter_error
    assert list(m.keys) == []
    assert m.set_filter("") and len(m) == 4 and m.total == 4


def test_set_rows_reports_changed_keys_and_whether_the_view_moved() -> None:
    m = model()
    m.sort_by("name")
    same = m.set_rows([("a", ("alpha", 3)), ("b", ("Bravo", None)), ("c", ("charlie", 1)), ("d", ("delta", 2))])
    assert same.changed == frozenset() and not same.reordered
    version = m.version("c")
    value_only = m.set_rows([("a", ("alpha", 3)), ("b", ("Bravo", None)), ("c", ("charlie", 9)), ("d", ("delta", 2))])
    assert value_only.changed == {"c"} and not value_only.reordered  # sorted by name: nothing moves
    assert m.version("c") != version and m.version("a") != m.version("c")
    gone = m.set_rows([("a", ("alpha", 3)), ("c", ("charlie", 9)), ("d", ("delta", 2))])
    assert gone.changed == {"b"} and gone.reordered and list(m.keys) == ["a", "c", "d"]
    renamed = m.set_rows([("a", ("zulu", 3)), ("c", ("charlie", 9)), ("d", ("delta", 2))])
    assert renamed.reordered and list(m.keys) == ["c", "d", "a"]
    assert m.plain("a") == "zulu 3" and m.plain("nope") == ""


def test_unchanged_rows_cost_no_render_and_no_sort_key() -> None:
    counts: Counter[str] = Counter()
    m = model(counts)
    m.sort_by("n")
    m.set_filter("a")
    counts.clear()
    m.set_rows([("a", ("alpha", 3)), ("b", ("Bravo", None)), ("c", ("charlie", 1)), ("d", ("delta", 2))])
    assert counts == Counter()
    m.set_rows([("a", ("alpha", 3)), ("b", ("Bravo", None)), ("c", ("charlie", 1)), ("d", ("delta", 5))])
    assert counts["render"] == 2  # only d's two cells, for the filter
    assert counts["sort"] == 3  # a re-sort of the rows that pass the filter (d's sorted-on value moved)


def test_force_counts_every_row_as_changed() -> None:
    m = model()
    update = m.set_rows([("a", ("alpha", 3)), ("b", ("Bravo", None))], force=True)
    assert update.changed == {"a", "b", "c", "d"}


def test_row_memo_makes_a_row_again_only_when_its_data_or_extra_or_epoch_changed() -> None:
    memo: RowMemo[tuple[Any, ...]] = RowMemo()
    made: list[object] = []

    def make(data: Any, extra: Any) -> tuple[Any, ...]:
        made.append(data)
        return (data, extra)

    def refresh(items: dict[str, Any], extra: Any = None, epoch: str = "dark") -> list[tuple[Any, ...]]:
        memo.begin(epoch)
        rows = [memo.get(k, v, make, extra) for k, v in items.items()]
        memo.end()
        return rows

    first = refresh({"a": (1, 2), "b": (3, 4)})
    assert len(made) == 2
    again = refresh({"a": (1, 2), "b": (3, 5)})  # "a" equal (a new, equal object), "b" changed
    assert made[2:] == [(3, 5)] and again[0] is first[0] and memo.made == 1
    refresh({"a": (1, 2)}, extra="trend")  # what else went into the row changed
    refresh({"a": (1, 2)}, extra="trend", epoch="light")  # the theme changed
    assert len(made) == 5
    refresh({"b": (3, 5)}, extra="trend", epoch="light")  # "b" was dropped when it was not asked for
    assert len(made) == 6


def test_same_objects_is_identity_not_equality() -> None:
    a, b = [1], [1]
    assert same_objects((a, "x"), (a, "x"))
    assert not same_objects((a,), (b,))
    assert not same_objects((a,), ())


def test_rows_prepared_before_a_sort_filter_or_other_rows_are_not_committed() -> None:
    """`prepare` (a thread worker's part) is for one model version: after a sort, a filter or
    another row set adopting refuses it and changes nothing, so it is prepared again."""
    for change in (lambda m: m.sort_by("n", reverse=True), lambda m: m.set_filter("b"),
                   lambda m: m.set_rows([("a", ("a", 9))])):
        m = model()
        m.set_rows([("a", ("a", 1)), ("b", ("b", 2))])
        prepared = m.prepare([("a", ("a", 5)), ("b", ("b", 2)), ("c", ("c", 3))])
        assert list(m.keys) == ["a", "b"] and m.values("a") == ("a", 1)  # preparing changes nothing
        change(m)
        shown = (list(m.keys), m.values("a"))
        assert m.adopt(prepared) is None
        assert (list(m.keys), m.values("a")) == shown
        again = m.adopt(m.prepare([("a", ("a", 5)), ("b", ("b", 2)), ("c", ("c", 3))]))
        assert again is not None and "c" in again.changed and m.values("a") == ("a", 5)


def test_filter_texts_made_ahead_are_kept_only_for_rows_that_did_not_change() -> None:
    """`texts_missing` runs in a thread while rows may change: `add_texts` must not keep a text
    made from a row's old values (the filter would then search what is no longer on screen)."""
    counts: Counter[str] = Counter()
    m = TableModel(columns(counts))
    rows = [("a", ("alpha", 3)), ("b", ("Bravo", None)), ("c", ("charlie", 1)), ("d", ("delta", 2))]
    m.set_rows(rows)
    made = m.texts_missing()
    assert sorted(made) == ["a", "b", "c", "d"] and made["c"][1][1] == "charlie"
    rows[2] = ("c", ("CHANGED", 1))  # the other rows are the same objects, as RowMemo hands them on
    m.set_rows(rows)
    assert m.add_texts(made) == 3  # c's values changed after its text was made
    counts.clear()
    m.set_filter("changed")
    assert list(m.keys) == ["c"]
    assert counts["render"] == 2  # only c's two cells were rendered for the filter
    assert m.texts_missing() == {}


def test_each_key_typed_onto_the_filter_searches_only_the_rows_that_passed() -> None:
    """Typing `t0`, `t00`, `t000` into `/` searches all rows once, then only those still shown,
    and the view is the one a fresh filter gives; Esc and a widened filter cost no sort."""
    counts: Counter[str] = Counter()
    m = TableModel(columns(counts))
    m.set_rows([(f"t{i:04d}", (f"t{i:04d}", i % 7)) for i in range(2000)])
    m.sort_by("n")
    searched: list[str] = []
    match = TextFilter.matches_row

    def counting(self: TextFilter, texts: tuple[str, ...]) -> bool:
        searched.append(texts[1])
        return match(self, texts)

    TextFilter.matches_row = counting  # type: ignore[method-assign]
    try:
        m.set_filter("t0")
        assert len(searched) == 2000 and len(m) == 1000
        for pattern, shown in (("t00", 100), ("t001", 10), ("t0012", 1)):
            before, searched[:] = len(m), []
            counts.clear()
            m.set_filter(pattern)
            assert len(searched) == before and len(m) == shown, pattern
            assert counts["sort"] == 0
            fresh = TableModel(columns(Counter()))
            fresh.set_rows([(f"t{i:04d}", (f"t{i:04d}", i % 7)) for i in range(2000)])
            fresh.sort_by("n")
            fresh.set_filter(pattern)
            assert list(m.keys) == list(fresh.keys), pattern
        counts.clear()
        m.set_filter("t00")  # a deleted key: all rows searched again, in the kept order
        assert len(m) == 100 and counts["sort"] == 0
        m.set_filter("")  # Esc
        assert len(m) == 2000 and counts["sort"] == 0 and m.keys[0] == "t0000" and m.keys[1] == "t0007"
        m.set_rows([(f"t{i:04d}", (f"t{i:04d}", 6 - i % 7)) for i in range(2000)])  # every row moves
        m.set_filter("t1")
        assert list(m.keys)[:2] == ["t1000", "t1007"] and len(m) == 1000  # sorted again after the change
    finally:
        TextFilter.matches_row = match  # type: ignore[method-assign]
