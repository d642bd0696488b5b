"""TableModel: every row of a big list, filtered and sorted in plain Python, for a table that draws a window.

Why a model apart from the widget (issue 14): a cluster has thousands of topics, partitions and
groups, and the operator sees forty of them. The model holds all rows by key and keeps the view
(the keys that pass the filter, in sort order); the widget renders only the rows on screen. Each
`set_rows` reports which keys changed and whether the view moved, so the widget repaints only
visible lines that changed. The view is rebuilt (filter O(n), sort O(n log n)) only when the
membership, the input order, a sorted-on value or a filter match changed; an unchanged refresh
costs one comparison per row and renders nothing.

Cells are raw values; each `Col` renders them (default: numbers with thousands separators,
strings escaped with `decode.escape_text`, `rich.text.Text` as given) and sorts them by raw
value, so "1.2 MB" sorts as bytes, not as text. None renders as "—" and always sorts last.
The `/` filter (kafkatui.textfilter) searches the rendered text of each cell and of the whole
row; those texts are made lazily, only while a filter is active or when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from rich.text import Text

from kafkatui.decode import escape_text
from kafkatui.textfilter import TextFilter, compile_filter

Justify = Literal["left", "right", "center"]
Row = tuple[str, Sequence[Any]]
V = TypeVar("V")


def default_render(value: Any) -> Text:
    """Render a raw value as safe, single-line Text (cluster strings are escaped here)."""
    if value is None:
        return Text("—")
    if isinstance(value, Text):
        return value.copy()
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, int):
        return Text(f"{value:,}")
    if isinstance(value, float):
        return Text(f"{value:,.1f}")
    return Text(escape_text(str(value)))


def default_sort_key(value: Any) -> Any:
    """Numbers by value, text case-insensitively; Text by its plain string."""
    if isinstance(value, Text):
        return value.plain.lower()
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, tuple):
        return tuple(default_sort_key(v) for v in value)
    return value


@dataclass(frozen=True)
class Col:
    """One column, declared once per view.

    `width` None makes the column flexible: it takes the width the fixed columns leave
    (at least `min_width`). `hide_below` drops the column when the table is narrower than
    that, so at 80 columns the essential columns stay readable instead of scrolling.
    """

    key: str
    label: str
    width: int | None = None
    justify: Justify = "left"
    render: Callable[[Any], Text] = field(default=default_render)
    sort_key: Callable[[Any], Any] = field(default=default_sort_key)
    sortable: bool = True
    min_width: int = 8
    hide_below: int = 0


@dataclass(frozen=True)
class Update:
    """What one change did: the keys whose cells changed (new ones included; shown or not), and
    whether the view (which keys pass the filter, in what order) changed."""

    changed: frozenset[str] = frozenset()
    reordered: bool = False


@dataclass(frozen=True)
class Prepared:
    """A row set's change, computed by `TableModel.prepare` (maybe in a thread) for `adopt`:
    the new values and input order, the changed and removed keys, the new row versions, filter
    texts and matches, and the new view with each key's position (None: the view stays)."""

    generation: int
    values: dict[str, tuple[Any, ...]]
    order: list[str]
    changed: frozenset[str]  # removed keys included
    versions: dict[str, int]
    texts: dict[str, tuple[str, ...]]
    matches: dict[str, bool]
    view: list[str] | None
    position: dict[str, int] | None
    force: bool


def cell(values: tuple[Any, ...], index: int) -> Any:
    """A row may be shorter than the columns: the missing cells are unknown (None)."""
    return values[index] if index < len(values) else None


class TableModel:
    """Rows by key; `keys` is the view: filtered, then sorted (None last), ties in input order."""

    def __init__(self, columns: Sequence[Col]) -> None:
        self.columns: tuple[Col, ...] = tuple(columns)
        self._index_of_column = {c.key: i for i, c in enumerate(self.columns)}
        self._values: dict[str, tuple[Any, ...]] = {}
        self._order: list[str] = []  # input order
        self._texts: dict[str, tuple[str, ...]] = {}  # key -> (whole row, each cell), made lazily
        self._matches: dict[str, bool] = {}  # key -> passes the filter, made lazily
        self._version: dict[str, int] = {}  # key -> the change count when it last changed
        self._clock = 0
        self._filter: TextFilter = compile_filter("")
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._view: list[str] = []
        self._position: dict[str, int] | None = {}  # key -> index in the view, made lazily
        self._all_sorted: list[str] | None = []  # every key in the view's order, made lazily; never mutated
        self._generation = 0  # bumped by every change of the rows, the filter or the sort

    # ------------------------------------------------------------------ reading

    @property
    def keys(self) -> Sequence[str]:
        """The view, in display order. Do not mutate; it is replaced on every change."""
        return self._view

    def __len__(self) -> int:
        return len(self._view)

    @property
    def total(self) -> int:
        return len(self._values)

    @property
    def filter_pattern(self) -> str:
        return self._filter.pattern

    @property
    def filter_error(self) -> str | None:
        return self._filter.error

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def index_of(self, key: str) -> int | None:
        """The key's position in the view, or None when it is filtered out or absent."""
        if self._position is None:
            self._position = {k: i for i, k in enumerate(self._view)}
        return self._position.get(key)

    def values(self, key: str) -> tuple[Any, ...]:
        return self._values[key]

    def version(self, key: str) -> int:
        """Changes whenever the row's cells change: a cache of its rendering can key on it."""
        return self._version.get(key, 0)

    def column_index(self, column_key: str) -> int | None:
        return self._index_of_column.get(column_key)

    def render(self, key: str, column_key: str) -> Text:
        """One cell as its column renders it."""
        index = self._index_of_column[column_key]
        return self.columns[index].render(cell(self._values[key], index))

    def texts(self, key: str) -> tuple[str, ...]:
        """The row as one line plus each cell alone, so `^orders$` can match the name cell."""
        texts = self._texts.get(key)
        if texts is None:
            texts = self._texts[key] = self._texts_of(self._values[key])
        return texts

    def texts_missing(self) -> dict[str, tuple[tuple[Any, ...], tuple[str, ...]]]:
        """The filter texts of every row that has none yet, with the values they were made from.

        Why (issue 14): the first `/` keystroke on 10,000 rows rendered every cell of every row to
        search it (~300 ms on the UI thread). Safe in a thread worker: it reads the values (replaced,
        never mutated) and an atomic copy of the text cache; `add_texts` keeps what is still true."""
        values, have = self._values, dict(self._texts)
        return {k: (v, self._texts_of(v)) for k, v in values.items() if k not in have}

    def add_texts(self, made: dict[str, tuple[tuple[Any, ...], tuple[str, ...]]]) -> int:
        """Keep the texts `texts_missing` made for rows whose values are still those; returns how many."""
        values, texts, kept = self._values, self._texts, 0
        for key, (row, row_texts) in made.items():
            if values.get(key) is row and key not in texts:
                texts[key] = row_texts
                kept += 1
        return kept

    def plain(self, key: str) -> str:
        """The searchable plain text of one row (all columns, rendered); "" for an unknown key."""
        return self.texts(key)[0] if key in self._values else ""

    # ------------------------------------------------------------------ changing

    def set_rows(self, rows: Sequence[Row], *, force: bool = False) -> Update:
        """Replace the row set. `force` counts every row as changed (a theme switch recolours all)."""
        update = self.adopt(self.prepare(rows, force=force))
        assert update is not None  # prepared and committed with nothing in between
        return update

    def prepare(self, rows: Sequence[Row], *, force: bool = False) -> Prepared:
        """What `set_rows(rows)` would change, computed without changing the model: the O(rows) part
        (the new values, the changed keys, the filter matches of changed rows, the new view).

        Safe in a thread worker while the UI thread reads the model: it only reads the model's
        values, order and view (replaced, never mutated, by `adopt`) and its match and text caches
        (plain dict reads). The result is for this model version: `adopt` refuses it when the
        rows, the filter or the sort changed in between."""
        old, generation = self._values, self._generation
        flt, idx = self._filter, self._sort_index()
        values: dict[str, tuple[Any, ...]] = {key: tuple(cells) for key, cells in rows}
        changed = set(values) if force else {k for k, v in values.items() if old.get(k) != v}
        added = [k for k in changed if k not in old]
        removed = [k for k in old if k not in values] if len(old) + len(added) != len(values) else []
        order = list(values)
        reorder = bool(added or removed) or order != self._order
        if not reorder and idx is not None:
            reorder = any(cell(old[k], idx) != cell(values[k], idx) for k in changed if k in old)
        texts: dict[str, tuple[str, ...]] = {}
        matches: dict[str, bool] = {}
        if flt.active:
            for key in changed:
                texts[key] = self._texts_of(values[key])
                matches[key] = flt.matches_row(texts[key])
                if matches[key] != self._matches.get(key):
                    reorder = True
        view: list[str] | None = None
        position: dict[str, int] | None = None
        if reorder:
            if flt.active:  # unchanged rows keep their match; one never asked for is made here
                for key in order:
                    if key not in matches:
                        hit = self._matches.get(key)
                        if hit is None:
                            row_texts = self._texts.get(key) or self._texts_of(values[key])
                            texts[key], hit = row_texts, flt.matches_row(row_texts)
                        matches[key] = hit
            keys = [k for k in order if matches[k]] if flt.active else order
            view = self._sorted(keys, values)
            if view == self._view:
                view = None
            else:
                position = {k: i for i, k in enumerate(view)}
        # The caches with the changed and removed keys' entries replaced: new dicts, so adopting
        # is a swap (a cache entry the UI thread adds meanwhile is lost, and made again if asked).
        # The UI thread fills the text and match caches lazily: iterate atomic copies (`dict(d)`).
        stale = changed.union(removed)
        versions = {k: v for k, v in self._version.items() if k not in stale}
        versions.update(dict.fromkeys(changed, self._clock + 1))  # the clock `adopt` moves to
        texts = {**{k: v for k, v in dict(self._texts).items() if k not in stale}, **texts}
        matches = {**{k: v for k, v in dict(self._matches).items() if k not in stale}, **matches}
        return Prepared(generation, values, order, frozenset(stale), versions, texts, matches, view, position, force)

    def adopt(self, prepared: Prepared) -> Update | None:
        """Apply what `prepare` computed by swapping it in: O(1), whatever changed. None (nothing
        done) when the model changed since it was prepared: prepare again."""
        if prepared.generation != self._generation:
            return None
        self._generation += 1
        self._clock += 1
        if prepared.view is not None or prepared.changed or prepared.order != self._order:
            self._all_sorted = None  # rows came, went or moved: sorted again at the next filter change
        self._values, self._order, self._version = prepared.values, prepared.order, prepared.versions
        self._texts, self._matches = prepared.texts, prepared.matches
        if prepared.view is not None:
            self._view, self._position = prepared.view, prepared.position
        return Update(prepared.changed, prepared.view is not None)

    def set_filter(self, pattern: str) -> bool:
        """Filter rows by case-insensitive regex (a leading `!` inverts it); True if the view changed.

        An invalid regex falls back to a plain substring match, and `filter_error` says so.
        """
        pattern = pattern.strip()
        if pattern == self._filter.pattern:
            return False
        before, self._filter = self._filter, compile_filter(pattern)
        self._matches.clear()
        self._generation += 1
        if self._filter.narrows(before):  # a key typed onto the pattern: search what passed
            return self._set_view([k for k in self._view if self._match(k)])
        return self._rebuild()

    def sort_by(self, column_key: str | None, reverse: bool = False) -> bool:
        """Sort by a column's raw values (None = the order the rows came in); True if the view changed."""
        self.sort_column = column_key
        self.sort_reverse = reverse
        self._generation += 1
        self._all_sorted = None
        return self._rebuild()

    # ------------------------------------------------------------------ internals

    def _sort_index(self) -> int | None:
        return None if self.sort_column is None else self._index_of_column.get(self.sort_column)

    def _match(self, key: str) -> bool:
        hit = self._matches.get(key)
        if hit is None:
            hit = self._matches[key] = self._filter.matches_row(self.texts(key))
        return hit

    def _texts_of(self, values: tuple[Any, ...]) -> tuple[str, ...]:
        cells = tuple(col.render(cell(values, i)).plain for i, col in enumerate(self.columns))
        return (" ".join(cells), *cells)

    def _sorted(self, keys: list[str], values: dict[str, tuple[Any, ...]]) -> list[str]:
        """`keys` (a new list) in the sort order: by the sort column's key, None last, ties as given."""
        idx = self._sort_index()
        if idx is None:
            return list(keys)
        spec = self.columns[idx]
        known = [k for k in keys if cell(values[k], idx) is not None]
        unknown = [k for k in keys if cell(values[k], idx) is None]
        known.sort(key=lambda k: spec.sort_key(values[k][idx]), reverse=self.sort_reverse)
        return known + unknown

    def _rebuild(self) -> bool:
        """The view again from all rows: filtered in the kept sort order of all rows, so that a
        filter change (each key in the `/` prompt, Esc) costs no sort."""
        if self._all_sorted is None:
            self._all_sorted = self._sorted(self._order, self._values)
        keys = self._all_sorted
        return self._set_view([k for k in keys if self._match(k)] if self._filter.active else keys)

    def _set_view(self, keys: list[str]) -> bool:
        if keys == self._view:
            return False
        self._view = keys
        self._position = None
        return True


def same_objects(a: Sequence[object], b: Sequence[object]) -> bool:
    """Are these the very same objects, pairwise? A view whose inputs are the same objects as at
    its last refresh has nothing to do (the app shows every state change, most of which leave a
    view's data alone); equality would walk the data, identity is one pointer comparison each."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


class RowMemo(Generic[V]):
    """Each view's rows by key, made again only when the data object they were made from changed.

    Why (issue 14): at 10,000 topics or 5,000 groups, making every row's cells on every refresh
    cost the UI thread more than the table itself. A row made from the same object (the Kafka
    source hands an unchanged topic on as the same object) or an equal one (groups are rebuilt
    at every refresh) with the same `extra` (what else went into it, e.g. a sparkline's samples)
    is the row of the last refresh: `is` or `==` decides, and the unchanged row object is also
    the table model's cheapest comparison. Rows carry palette colours, so a new `epoch` (the
    theme) forgets them all. Keys not seen in a refresh are dropped at `end`.
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[object, Hashable, V]] = {}
        self._next: dict[str, tuple[object, Hashable, V]] = {}
        self._epoch: Hashable = None
        self.made = 0  # rows made since the last `begin`, for tests and benchmarks

    def begin(self, epoch: Hashable = None) -> None:
        """Start a refresh; a different `epoch` than the last one forgets every row."""
        if epoch != self._epoch:
            self._rows, self._epoch = {}, epoch
        self._next, self.made = {}, 0

    def get(self, key: str, data: object, make: Callable[[Any, Any], V], extra: Hashable = None) -> V:
        """The value `make(data, extra)` made for `key`, from the last refresh when `data` and
        `extra` are unchanged."""
        entry = self._rows.get(key)
        if entry is None or not (entry[0] is data or entry[0] == data) or entry[1] != extra:
            entry = (data, extra, make(data, extra))
            self.made += 1
        self._next[key] = entry
        return entry[2]

    def end(self) -> None:
        """Finish a refresh: forget the rows whose keys it did not ask for."""
        self._rows, self._next = self._next, {}
