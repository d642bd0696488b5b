"""Every view's refresh costs the UI thread work that grows with the changed rows, not with all rows.

Why these tests (issue 14): the groups view made every group's row (its Text objects, its
topics) on every refresh, a group's and a topic's detail every partition's row, and the
overview's "Needs attention" panel ran the health rules over every partition and group on the
UI thread; at 5,000 groups and 30,000 partitions that blocked keys for hundreds of ms at each
refresh. Here the real app shows synthetic frozen data at 200 and at 2,000 rows and lands two
refreshes as the poll loop does (a new AppState): one where 3 rows changed and every other row
is equal and one where nothing changed. Unchanged topics and groups are handed on as the same
objects, as the Kafka source does (`kafka.convert.keep_unchanged`, `keep_unchanged_groups`).
The tests count, on the UI thread: the cells rendered and sort keys taken (each column's
`render` and `sort_key`), the Text objects the view's module makes (its row building), the
groups compared field by field (`Group.__eq__`) and, in the overview, the partitions the health
rules judge. The counts at 2,000 rows must match those at
200, and an unchanged refresh renders nothing. Counts, not seconds.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest
from rich.text import Text

import kafkatui.health.attention as attention_rules
import kafkatui.ui.screens.group_detail as group_detail_module
import kafkatui.ui.screens.groups as groups_module
import kafkatui.ui.screens.topic_detail as topic_detail_module
import kafkatui.ui.screens.topics as topics_module
import kafkatui.ui.widgets.attention as attention_module
import kafkatui.ui.widgets.table as table_module
from kafkatui.kafka.convert import keep_unchanged_groups
from kafkatui.model import Group, GroupMember, GroupPartition, GroupsSnapshot, LagStatus, Partition, Topic
from kafkatui.refresh.policy import fold
from kafkatui.refresh.state import AppState, Source
from kafkatui.tablemodel import RowMemo, TableModel
from kafkatui.ui.widgets.attention import AttentionPanel
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.footer import AppFooter
from kafkatui.ui.widgets.table import FilterTable
from tests.ui.fixtures import BROKERS, NOW, cluster_snapshot, frozen_app, frozen_state, screen_text, wait_for
from tests.ui.test_table_scale import counted, settle

SIZE = (100, 30)
SMALL, BIG = 200, 2_000
CHANGED = 3  # rows whose data changes in the "few changed" refresh
SMALL_TABLE = 10  # rows of a view's small tables (a group's members) made on the UI thread at any size


def counting_text(counts: Counter[str]) -> type[Text]:
    """A Text that counts how many are made: a view module's row building, through its `Text`."""

    class CountingText(Text):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if threading.current_thread() is threading.main_thread():
                counts["text"] += 1
            super().__init__(*args, **kwargs)

    return CountingText


# --------------------------------------------------------------------------- synthetic data


def _parts(topic: str, n: int, tick: int, changed: int) -> tuple[Partition, ...]:
    """`n` partitions; the first `changed` of them moved by `tick` messages. Always new objects."""
    return tuple(Partition(topic, p, 1 + p % 3, (1, 2, 3), (1, 2, 3), earliest=0,
                           latest=1_000 + p + (tick if p < changed else 0), size_bytes=p) for p in range(n))


def topics(n: int, tick: int, changed: int, keep: dict[str, Topic]) -> tuple[Topic, ...]:
    """`n` one-partition topics (two under-replicated), the first `changed` moved by `tick`; an
    unchanged topic is handed on as the same object, as `KafkaSource.refresh` does (`keep` is the
    last refresh's topics)."""
    out = []
    for i in range(n):
        name = f"t{i:05d}"
        urp = i in (7, 57)
        topic = Topic(name, False, (Partition(name, 0, 1, (1, 2, 3), (1, 2) if urp else (1, 2, 3), earliest=0,
                                              latest=i + (tick if i < changed else 0)),), msgs_per_s=float(i % 9))
        old = keep.get(name)
        out.append(old if old is not None and old == topic else topic)
    keep.clear()
    keep.update((t.name, t) for t in out)
    return tuple(out)


def groups(n: int, tick: int, changed: int, big: int = 0) -> GroupsSnapshot:
    """`n` groups of 3 partitions (all new objects), the first `changed` with `tick` more lag; one
    stopped (g00009); plus, with `big`, the group "big" of `big` partitions, the first `changed` moved."""
    out = []
    for i in range(n):
        topic = f"t{i % 500:05d}"
        lag = tick if i < changed else 0
        stopped = i == 9  # with no committed offsets, so no lag trend moves its row at each refresh
        out.append(Group(f"g{i:05d}", "Stable", "consumer", "range",
                         (GroupMember(f"m{i}", f"client-{i}", "/127.0.0.1", ((topic, 0),)),),
                         tuple(GroupPartition(topic, p, None if stopped else 100, 100 + lag + p, f"client-{i}")
                               for p in range(3)),
                         LagStatus.STOP if stopped else LagStatus.OK, "stopped" if stopped else ""))
    if big:
        out.append(Group("big", "Stable", "consumer", "range",
                         tuple(GroupMember(f"big-{m}", f"big-{m}", "/127.0.0.1", (("big", m),)) for m in range(5)),
                         tuple(GroupPartition("big", p, 100, 100 + p + (tick if p < changed else 0), f"big-{p % 5}")
                               for p in range(big)), LagStatus.OK))
    return GroupsSnapshot(fetched_at=NOW, duration_s=0.1, groups=tuple(out))


class Scenario:
    """The snapshots of one view's run at one size: `state(tick, changed)` folds both in."""

    def __init__(self, view: str, n: int) -> None:
        self.view, self.n = view, n
        self._keep: dict[str, Topic] = {}
        self._kept_groups: dict[str, Group] = {}

    def cluster(self, tick: int, changed: int) -> Any:
        if self.view == "topics":
            return replace(cluster_snapshot(), brokers=BROKERS, topics=topics(self.n, tick, changed, self._keep))
        if self.view == "topic_detail":
            extra = (Topic("big", False, _parts("big", self.n, tick, changed)),)
            return cluster_snapshot(extra_topics=extra)
        if self.view == "overview":
            return replace(cluster_snapshot(), brokers=BROKERS, topics=topics(self.n, tick, changed, self._keep))
        return cluster_snapshot()

    def groups(self, tick: int, changed: int) -> GroupsSnapshot:
        """The groups, an unchanged one as the last refresh's object (as `KafkaSource.groups`)."""
        n, big = {"groups": (self.n, 0), "group_detail": (10, self.n), "overview": (self.n // 4, 0)}.get(
            self.view, (3, 0))
        snap = groups(n, tick, changed, big)
        kept = keep_unchanged_groups(self._kept_groups, snap.groups)
        self._kept_groups = {g.id: g for g in kept}
        return replace(snap, groups=kept)

    def land(self, state: AppState, tick: int, changed: int) -> AppState:
        return fold(fold(state, Source.CLUSTER, self.cluster(tick, changed)), Source.GROUPS,
                    self.groups(tick, changed))


# --------------------------------------------------------------------------- one run


VIEWS: dict[str, tuple[ModuleType, str, str]] = {
    # view: the module whose Text and columns are counted, the columns' name, and the table's id
    "groups": (groups_module, "COLUMNS", "#groups-table"),
    "group_detail": (group_detail_module, "PARTITION_COLUMNS", "#group-partitions"),
    "topic_detail": (topic_detail_module, "PARTITION_COLUMNS", "#topic-partitions"),
    "overview": (attention_module, "COLUMNS", "#attention-table"),
}


async def open_view(app: Any, pilot: Any, view: str, n: int) -> FilterTable:
    if view == "topics":
        await pilot.press("3")
    elif view == "groups":
        await pilot.press("4")
    elif view == "group_detail":
        app.open_group("big")
    elif view == "topic_detail":
        app.open_topic("big")
    else:
        await pilot.press("1")
    table_id = {**VIEWS, **OFF_THREAD_VIEWS}[view][2]
    await wait_for(pilot, lambda: app.screen.query_one(table_id, FilterTable).visible_count > 0,
                   timeout=30, what=f"the {view} table")
    table = app.screen.query_one(table_id, FilterTable)
    if view != "overview":
        await wait_for(pilot, lambda: table.total_count >= n, timeout=30, what=f"{n} rows")
    await settle(pilot)
    return table


async def run(view: str, n: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Counter[str]]:
    """The counts of the "few changed" and the "unchanged" refresh of `view` at `n` rows."""
    module, columns, _ = VIEWS[view]
    counts: Counter[str] = Counter()
    monkeypatch.setattr(module, columns, counted(getattr(module, columns), counts))
    monkeypatch.setattr(module, "Text", counting_text(counts))
    judge: Callable[..., Any] = attention_rules.partition_finding

    def counting_judge(*args: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            counts["judged"] += 1
        return judge(*args)

    monkeypatch.setattr(attention_rules, "partition_finding", counting_judge)
    group_eq = Group.__eq__

    def counting_eq(self: Group, other: object) -> Any:
        if threading.current_thread() is threading.main_thread():
            counts["group_eq"] += 1
        return group_eq(self, other)

    monkeypatch.setattr(Group, "__eq__", counting_eq)
    scenario = Scenario(view, n)
    state = scenario.land(frozen_state(topic_rate_history={}, lag_trends={}), 0, 0)
    app = frozen_app(state)
    out: dict[str, Counter[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, view, n)
        for name, tick, changed in (("few_changed", 5, CHANGED), ("unchanged", 5, CHANGED)):
            await settle(pilot)
            state = scenario.land(state, tick, changed)  # the poll's worker thread's part
            counts.clear()
            app.set_state(state)
            await app.workers.wait_for_complete()  # the overview's findings of a big cluster
            await settle(pilot)
            out[name] = Counter(counts)
        if view == "overview":  # the findings of the big cluster do land (from a thread worker)
            panel = app.screen.query_one(AttentionPanel)
            await wait_for(pilot, lambda: panel.row("p\x00t00007\x000") is not None, timeout=30,
                           what="the under-replicated t00007-0 in Needs attention")
            assert panel.row("g\x00g00009") is not None
    return out


@pytest.mark.parametrize("view", list(VIEWS))
async def test_a_refresh_costs_the_same_at_2000_rows_as_at_200(view: str, monkeypatch: pytest.MonkeyPatch) -> None:
    small = await run(view, SMALL, monkeypatch)
    big = await run(view, BIG, monkeypatch)
    for refresh in ("few_changed", "unchanged"):
        for what in ("render", "sort", "text", "judged", "group_eq"):
            assert big[refresh][what] <= small[refresh][what], (
                f"{view}, {refresh} refresh: {big[refresh][what]} {what} at {BIG} rows, {small[refresh][what]}"
                f" at {SMALL}")


@pytest.mark.parametrize("view", list(VIEWS))
async def test_an_unchanged_refresh_renders_nothing(view: str, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = (await run(view, BIG, monkeypatch))["unchanged"]
    assert counts["render"] == 0, f"{view}: an unchanged refresh rendered {counts['render']} cells"
    assert counts["sort"] == 0, f"{view}: an unchanged refresh took {counts['sort']} sort keys"
    assert counts["group_eq"] == 0, f"{view}: an unchanged refresh compared {counts['group_eq']} groups"


# --------------------------------------------------------------------------- rows prepared off the UI thread

OFF_THREAD_VIEWS: dict[str, tuple[ModuleType, str, str, str]] = {
    # view: the module whose columns are counted, the columns' name, the table's id, a row that changes
    "topics": (topics_module, "COLUMNS", "#topics-table", "t00000"),
    "groups": (groups_module, "COLUMNS", "#groups-table", "g00000"),
    "group_detail": (group_detail_module, "PARTITION_COLUMNS", "#group-partitions", "big\x000"),
    "topic_detail": (topic_detail_module, "PARTITION_COLUMNS", "#topic-partitions", "0"),
}


async def busy_refresh_on_ui_thread(view: str, n: int, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """What one refresh that changes every row of `view` (at `n` rows) costs the app's thread,
    with the off-thread limit lowered to 100 rows (`table.INLINE_LIMIT`) so that both sizes take
    the big-cluster path: rows made (`RowMemo.get`, one comparison each), model preparations (the
    O(rows) diff and sort), sort keys taken and cells rendered, counted only on the app's thread."""
    module, columns, _, row = OFF_THREAD_VIEWS[view]
    monkeypatch.setattr(table_module, "INLINE_LIMIT", 100, raising=False)  # raising: the tree before it
    ui = threading.get_ident()  # the app runs its message loop on this thread in run_test
    counts: Counter[str] = Counter()
    monkeypatch.setattr(module, columns, counted(getattr(module, columns), counts, thread=ui))
    memo_get = RowMemo.get
    diff_name = "prepare" if hasattr(TableModel, "prepare") else "set_rows"  # set_rows: the tree before it
    diff = getattr(TableModel, diff_name)

    def counting_get(*args: Any, **kwargs: Any) -> Any:
        counts["row"] += threading.get_ident() == ui
        return memo_get(*args, **kwargs)

    def counting_diff(model: TableModel, rows: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == ui:
            counts["prepared"] += len(rows)
        return diff(model, rows, **kwargs)

    monkeypatch.setattr(RowMemo, "get", counting_get)
    monkeypatch.setattr(TableModel, diff_name, counting_diff)
    scenario = Scenario(view, n)
    state = scenario.land(frozen_state(topic_rate_history={}, lag_trends={}), 0, 0)
    app = frozen_app(state)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_view(app, pilot, view, n)
        await wait_for(pilot, lambda: not getattr(table, "preparing", False), timeout=30, what="the first rows")
        before = table.plain_row(row)
        counts.clear()
        app.set_state(scenario.land(state, 7, scenario.n + 10))  # every row changes
        await wait_for(pilot, lambda: table.plain_row(row) != before and not getattr(table, "preparing", False),
                       timeout=30, what=f"the changed row {row!r} on screen")
        await settle(pilot)
        assert table.total_count >= n
        out = Counter(counts)
        out["visible_cells"] = (table.size.height - 1) * len(getattr(module, columns))
    return out


@pytest.mark.parametrize("view", list(OFF_THREAD_VIEWS))
async def test_a_big_tables_rows_are_made_and_diffed_off_the_ui_thread(view: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the off-thread limit, a refresh that changes every row costs the app's thread the same
    at 2,000 rows as at 200: no row of the big table made or diffed, no sort, renders only for the
    visible cells (a group's few members are still made and diffed on the UI thread: a small table)."""
    small = await busy_refresh_on_ui_thread(view, SMALL, monkeypatch)
    big = await busy_refresh_on_ui_thread(view, BIG, monkeypatch)
    for what in ("row", "prepared", "sort"):
        assert big[what] <= small[what], f"{view}: {big[what]} {what} at {BIG} rows, {small[what]} at {SMALL}"
    # Renders may differ by a repaint of one row (the cursor's): 1 in 6 full runs drew 24 cells of
    # group_detail at 2,000 rows against 22 at 200. Grown with all rows, it would be ~10x.
    row_cells = len(getattr(OFF_THREAD_VIEWS[view][0], OFF_THREAD_VIEWS[view][1]))
    assert big["render"] <= small["render"] + row_cells, (
        f"{view}: {big['render']} renders at {BIG} rows, {small['render']} at {SMALL}")
    assert big["row"] <= SMALL_TABLE and big["prepared"] <= SMALL_TABLE, f"{view}: on the UI thread: {big}"
    assert big["sort"] == 0, f"{view}: {big['sort']} sort keys on the UI thread"
    assert big["render"] <= big["visible_cells"], f"{view}: {big['render']} renders, {big['visible_cells']} cells"


# --------------------------------------------------------------------------- the `/` prompt


async def test_opening_and_closing_the_filter_prompt_redraws_no_table_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `/` prompt opens over the footer (its own layer): opening it, and Enter on an empty
    prompt, lay out and redraw none of a big table's lines, and do not re-compose the footer.
    In the layout flow, the prompt took a line from the table, and each of those keys redrew
    every visible row and the footer's keys (issue 14: `/` and Esc were the slowest keys at
    10,000 topics)."""
    drawn: Counter[str] = Counter()
    render_row = FilterTable._render_row

    def counting_render_row(self: FilterTable, *args: Any) -> Any:
        drawn[self.id or ""] += 1
        return render_row(self, *args)

    monkeypatch.setattr(FilterTable, "_render_row", counting_render_row)
    recompose = AppFooter.recompose

    async def counting_recompose(self: AppFooter) -> None:
        drawn["footer"] += 1
        await recompose(self)

    monkeypatch.setattr(AppFooter, "recompose", counting_recompose)
    scenario = Scenario("topics", BIG)
    app = frozen_app(scenario.land(frozen_state(topic_rate_history={}, lag_trends={}), 0, 0))
    async with app.run_test(size=SIZE) as pilot:
        table = await open_view(app, pilot, "topics", BIG)
        height = table.size.height
        await settle(pilot)
        drawn.clear()
        await pilot.press("slash")
        await settle(pilot)
        prompt = app.screen.query_one(FilterInput)
        assert prompt.has_focus and prompt.region.height == 1
        assert table.size.height == height and not drawn, (table.size.height, drawn)
        await pilot.press("enter")
        await settle(pilot)
        assert table.has_focus and not prompt.display
        assert table.size.height == height and not drawn, (table.size.height, drawn)
        assert "/ Filter" in screen_text(app).splitlines()[-1]  # the footer's keys, as before
        await pilot.press("slash", "t", "0", "0", "0", "1")  # a real filter does redraw the rows
        await wait_for(pilot, lambda: table.visible_count == 10, timeout=30, what="10 topics t00010-t00019")
        assert drawn["topics-table"] > 0
