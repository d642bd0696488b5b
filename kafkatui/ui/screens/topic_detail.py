"""One topic: its partitions (leader, replicas, ISR, offsets, rate, size) and its configs.

Why: "is this topic healthy?" is answered per partition. A leader that is not the preferred
replica (replicas[0]) hints at an unbalanced cluster, so the preferred one is starred; a
replica missing from the ISR is spelled out as "3✗" in the critical colour. Configs are
fetched once on open (and again with `c`), not on every refresh: they rarely change and
describe_configs is comparatively expensive. Overrides (●) are what an operator set on
purpose; defaults are dimmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kafkatui.decode import escape_text
from kafkatui.fmt import human_bytes, rate
from kafkatui.health.rules import partition_finding
from kafkatui.model import ConfigEntry, ConfigSnapshot, Partition, SourceError, Topic
from kafkatui.refresh.state import AppState, Source
from kafkatui.tablemodel import RowMemo, same_objects
from kafkatui.ui.screens.base import TABLE_BINDINGS, TableScreen
from kafkatui.ui.widgets.filter_input import FilterInput
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import Col, FilterTable, update_static


def _leader(value: Any) -> Text:
    """(leader, label, style, style over the label): plain values, so the table can cache the cell."""
    _, label, style, over = value
    text = Text(label, style=style)
    if over:
        text.stylize(over)
    return text


def _isr(value: Any) -> Text:
    """(sort key, the in-sync replicas, the out-of-sync ones, their style), each of those marked ✗."""
    _, in_sync, out_of_sync, style = value
    text = Text(in_sync)
    for r in out_of_sync:
        text.append(" ")
        text.append(f"{r}✗", style=style)
    return text


def _bytes(value: Any) -> Text:
    return Text(human_bytes(value))


def _rate(value: Any) -> Text:
    return Text(rate(value))


PARTITION_COLUMNS = (
    Col("partition", "Part", width=4, justify="right"),
    Col("leader", "Leader", width=6, justify="right", render=_leader, sort_key=lambda v: v[0]),
    Col("replicas", "Replicas", min_width=8),
    Col("isr", "ISR", min_width=8, render=_isr, sort_key=lambda v: v[0]),
    Col("min_isr", "ISR/min", width=9, render=lambda v: Text(v[1], style=v[2]), sort_key=lambda v: v[0]),
    Col("earliest", "Earliest", width=10, justify="right", hide_below=100),
    Col("latest", "Latest", width=10, justify="right"),
    Col("count", "Count", width=10, justify="right"),
    Col("rate", "Msgs/s", width=8, justify="right", render=_rate, hide_below=90),
    Col("size", "Size", width=9, justify="right", render=_bytes),
)

CONFIG_COLUMNS = (
    Col("mark", "", width=1, sortable=False),
    Col("name", "Config", width=30),
    Col("value", "Value", min_width=10),
    Col("source", "Source", width=20, hide_below=90),
)


@dataclass(frozen=True)
class _Styles:
    """The palette colours a partition's row uses, resolved from the theme on the UI thread, so the
    rows can be made in a thread worker (which must not touch the app)."""

    muted: str
    critical: str  # bold
    warning: str

    def min_isr(self, p: Partition, min_isr: int | None) -> tuple[int, str, str]:
        """ "ISR n / min m" as (sort key, label, style): ✗ below (or RF below) min ISR, ⚠ at it."""
        if min_isr is None:
            return 0, f"{len(p.isr)} / ?", self.muted
        label = f"{len(p.isr)} / {min_isr}"
        found = partition_finding(p, min_isr)
        if len(p.replicas) < min_isr or (found is not None and found.kind == "under_min_isr"):
            return 2, f"✗ {label}", self.critical
        if found is not None and found.kind == "at_min_isr":
            return 1, f"⚠ {label}", self.warning
        return 0, label, ""

    def row(self, p: Partition, min_isr: int | None = None) -> tuple[Any, ...]:
        preferred = bool(p.replicas) and p.leader == p.replicas[0]
        if p.leaderless:
            leader = (p.leader, "none ✗", self.critical, "")
        else:
            leader = (p.leader, f"{p.leader}{'★' if preferred else ' '}", "", "" if preferred else self.warning)
        return (
            p.partition,
            leader,
            ",".join(str(r) for r in p.replicas),
            (len(p.isr) - len(p.replicas), ",".join(str(r) for r in p.isr), tuple(p.out_of_sync), self.critical),
            self.min_isr(p, min_isr),
            p.earliest,
            p.latest,
            p.messages,
            p.msgs_per_s,
            p.size_bytes,
        )


class TopicDetailScreen(TableScreen):
    """Partitions and configs of one topic; survives the topic being deleted under it."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.CLUSTER})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tail", "Tail"),
        Binding("T", "tail_partition", "Tail partition"),
        Binding("c", "reload_configs", "Reload configs"),
        Binding("tab", "app.focus_next", "Partitions/configs", show=False),
        *TABLE_BINDINGS,
    ]

    DEFAULT_CSS = """
    TopicDetailScreen #topic-partitions { height: 1fr; }
    TopicDetailScreen #topic-configs { height: 1fr; max-height: 14; }
    TopicDetailScreen #topic-configs-title { margin-top: 1; }
    TopicDetailScreen #topic-gone { display: none; padding: 1 2; }
    TopicDetailScreen.-gone #topic-gone { display: block; }
    """

    def __init__(self, topic: str) -> None:
        super().__init__()  # no fixed id: a `:` jump from one topic to another briefly holds both
        self.topic = topic
        self.configs: ConfigSnapshot | SourceError | None = None
        self._gone = False
        self._rows: RowMemo[tuple[Any, ...]] = RowMemo()  # partition rows made from which Partition
        self._shown: tuple[object, ...] = ()  # the topic and theme the partitions table shows

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.CLUSTER, id="topic-stale")
        yield Static(Text(f"Topic {escape_text(self.topic)}"), id="topic-title", classes="view-title")
        yield Static("", id="topic-gone")
        yield FilterTable(PARTITION_COLUMNS, id="topic-partitions")
        yield Static("Configs: loading…", id="topic-configs-title", markup=False, classes="view-title")
        yield FilterTable(CONFIG_COLUMNS, id="topic-configs")
        yield FilterInput()

    def _prepare(self) -> None:
        self.query_one("#topic-partitions", FilterTable).focus()
        self.query_one("#topic-partitions", FilterTable).sort_by("partition")
        self.action_reload_configs()

    # ------------------------------------------------------------------ partitions

    def _show(self, state: AppState) -> None:
        if state.cluster is None:
            return
        topic = state.cluster.topic(self.topic)
        self._set_gone(topic is None)
        table = self.query_one("#topic-partitions", FilterTable)
        if topic is None:
            self._shown = ()
            table.set_rows([])
            return
        theme = self.app.theme
        min_isr = state.cluster.min_isr(self.topic)
        shown = (topic, theme, min_isr)
        if same_objects(shown[:2], self._shown[:2]) and shown[2:] == self._shown[2:]:
            return  # unchanged topic and min ISR, or another source's refresh
        self._shown = shown
        memo, styles = self._rows, _Styles(self._c("muted"), f"bold {self._c('critical')}", self._c("warning"))

        def make() -> tuple[list[tuple[str, tuple[Any, ...]]], None]:
            """Rows made again only for the partitions that changed; of a big topic, in a thread."""
            memo.begin(theme)
            rows = [(key, memo.get(key, p, styles.row, min_isr)) for p in topic.partitions
                    for key in (str(p.partition),)]
            memo.end()
            return rows, None

        table.set_rows_from(make, size=len(topic.partitions))
        self._title(topic)

    def _set_gone(self, gone: bool) -> None:
        if gone == self._gone:
            return
        self._gone = gone
        self.set_class(gone, "-gone")
        if gone:
            msg = Text.assemble((f"✗ topic {escape_text(self.topic)} no longer exists", f"bold {self._c('critical')}"))
            msg.append("\n(deleted while open? Esc goes back to the topic list)", style=self._c("muted"))
            update_static(self.query_one("#topic-gone", Static), msg)

    def _title(self, topic: Topic) -> None:
        text = Text()
        text.append("Topic ", style="bold")
        text.append(escape_text(topic.name), style=f"bold {self._c('accent')}")
        text.append(f"  {len(topic.partitions)} partitions · RF {topic.replication_factor}")
        if topic.internal:
            text.append(" · internal", style=self._c("muted"))
        if topic.under_replicated:
            text.append(f"  ⚠ {topic.under_replicated} under-replicated", style=self._c("warning"))
        if topic.offline:
            text.append(f"  ✗ {topic.offline} offline", style=self._c("critical"))
        text.append("  ★ preferred leader  ✗ not in ISR  ISR/min: in-sync replicas / min.insync.replicas",
                    style=self._c("muted"))
        update_static(self.query_one("#topic-title", Static), text)

    # ------------------------------------------------------------------ configs

    def action_tail(self) -> None:
        self.app.open_tail(self.topic)  # type: ignore[attr-defined]

    def action_tail_partition(self) -> None:
        key = self.query_one("#topic-partitions", FilterTable).cursor_key
        if key is not None:
            self.app.open_tail(self.topic, partitions=(int(key),))  # type: ignore[attr-defined]

    def action_reload_configs(self) -> None:
        request = getattr(self.app, "request", None)
        if request is not None:
            request("configs", "topic", self.topic, on_done=self._configs_loaded)

    def _configs_loaded(self, result: object) -> None:
        if not self.is_attached:
            return
        self.configs = result if isinstance(result, ConfigSnapshot | SourceError) else None
        title = self.query_one("#topic-configs-title", Static)
        table = self.query_one("#topic-configs", FilterTable)
        if isinstance(result, SourceError):
            update_static(
                title,
                Text(f"Configs: could not load ({escape_text(str(result))}); c retries", style=self._c("critical")),
            )
            return
        if not isinstance(result, ConfigSnapshot):
            return
        entries = sorted(result.entries, key=lambda e: (e.is_default, e.name))
        table.set_rows([(e.name, self._config_row(e)) for e in entries])
        text = Text.assemble(("Configs ", "bold"))
        text.append(f"{len(result.overrides)} overrides", style=self._c("accent"))
        text.append(
            f" of {len(result.entries)} · ● set on the topic · dim = default · c reloads",
            style=self._c("muted"),
        )
        update_static(title, text)

    def _config_row(self, e: ConfigEntry) -> tuple[Any, ...]:
        style = self._c("accent") if not e.is_default else self._c("muted")
        value = "(sensitive)" if e.sensitive else ("(null)" if e.value is None else e.value)
        return (
            Text("●" if not e.is_default else " ", style=style),
            Text(escape_text(e.name), style=f"bold {style}" if not e.is_default else style),
            Text(escape_text(value), style="" if not e.is_default else style),
            Text(escape_text(e.source), style=self._c("muted")),
        )
