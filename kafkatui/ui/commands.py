"""`:` jump (k9s style) on top of Textual's command palette: views, topics, groups, znodes, themes.

Why the command palette: it already does fuzzy matching, keyboard selection and async search;
we only supply the candidates. They come from the last AppState (topic and group names, broker
ids), so typing never triggers a cluster call. A typed name that is not (yet) in the snapshot
is still offered, so `:topic new-topic` or `:/brokers/ids/1` works before the next refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider

from kafkatui.ui.screens.base import GuardedScreen

if TYPE_CHECKING:
    from kafkatui.ui.app import KafkaTuiApp

VIEWS: tuple[tuple[str, str, str], ...] = (
    ("overview", "1", "cluster summary, brokers and their processes, ZooKeeper"),
    ("processes", "2", "Kafka and ZooKeeper JVMs on this host"),
    ("topics", "3", "topics, partitions, rates"),
    ("groups", "4", "consumer groups and lag"),
    ("zookeeper", "5", "ZooKeeper tree"),
)
SECURITY_VIEWS: tuple[tuple[str, str], ...] = (  # `:` only (no number key); each opens the security view
    ("security", "ACLs, client quotas and SCRAM users"),
    ("acls", "the security view: ACLs"),
    ("quotas", "the security view: client quotas"),
    ("users", "the security view: SCRAM users"),
)
QUORUM_VIEW = ("quorum", "5", "KRaft metadata quorum: voters, observers, lag")
KNOWN_ZNODES = (
    "/brokers/ids",
    "/brokers/topics",
    "/controller",
    "/controller_epoch",
    "/cluster/id",
    "/admin/delete_topics",
    "/config/topics",
    "/config/brokers",
    "/isr_change_notification",
    "/consumers",
    "/zookeeper",
)


class JumpPalette(GuardedScreen, CommandPalette):
    """The command palette, except Enter runs the best hit at once (k9s `:name<Enter>`)."""

    def _select_or_command(self, event: Any = None) -> None:  # Textual 8 private hook; pinned <9
        if self._list_visible and self.query_one("CommandList").highlighted is None:  # type: ignore[attr-defined]
            if event is not None:
                event.stop()
            self._action_cursor_down()
            self._action_command_list("select")
            return
        super()._select_or_command(event)


def views(app: KafkaTuiApp) -> tuple[tuple[str, str, str], ...]:
    """The views as this cluster has them: view 5 is the quorum view on KRaft or without ZooKeeper."""
    if not has_znodes(app):
        return (*VIEWS[:-1], QUORUM_VIEW)
    return VIEWS


def has_znodes(app: KafkaTuiApp) -> bool:
    """A ZooKeeper is configured and the cluster is not (known to be) KRaft: only then are znode
    paths worth offering; a KRaft cluster keeps its metadata in the quorum, not in znodes."""
    state = app.state
    return state.zookeeper_configured and not (state.cluster is not None and state.cluster.kraft)


class JumpProvider(Provider):
    """Candidates: `view NAME`, `topic NAME`, `group ID`, `znode /PATH` (or just `/PATH`), `theme NAME`."""

    @property
    def kt(self) -> KafkaTuiApp:
        return self.app  # type: ignore[return-value]

    def _candidates(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        app = self.kt
        for name, key, help_text in views(app):
            yield f"view {name}", partial(app.switch_view, name), f"key {key}: {help_text}"
        for name, help_text in SECURITY_VIEWS:
            yield name, partial(app.open_security, "acls" if name == "security" else name), help_text
        state = app.state
        znodes = has_znodes(app)
        if state.cluster is not None:
            for topic in state.cluster.topics:
                yield f"topic {topic.name}", partial(app.open_topic, topic.name), "open the topic"
                yield f"tail {topic.name}", partial(app.open_tail, topic.name), "follow its messages live"
            if znodes:
                for broker in state.cluster.brokers:
                    path = f"/brokers/ids/{broker.id}"
                    yield f"znode {path}", partial(app.open_znode, path), "broker registration"
        if state.groups is not None:
            for group in state.groups.groups:
                yield f"group {group.id}", partial(app.open_group, group.id), "open the consumer group"
        if znodes:
            for path in KNOWN_ZNODES:
                yield f"znode {path}", partial(app.open_znode, path), "ZooKeeper node"
        for name in getattr(app, "theme_names", ()):
            yield f"theme {name}", partial(setattr, app, "theme", name), "switch the colour theme"
        yield "theme… (all themes, with preview)", app.search_themes, "Textual's theme picker"

    def _typed(self, query: str) -> Iterator[tuple[str, Callable[[], Any], str]]:
        """Exact names the user typed that the snapshot may not contain yet."""
        app = self.kt
        q = query.strip()
        word, _, rest = q.partition(" ")
        rest = rest.strip()
        if q.startswith("/") or (word == "znode" and rest.startswith("/")):
            if has_znodes(app):
                path = q if q.startswith("/") else rest
                yield f"znode {path}", partial(app.open_znode, path), "jump to this ZooKeeper path"
        elif word == "topic" and rest:
            yield f"topic {rest}", partial(app.open_topic, rest), "open this topic"
        elif word == "tail" and rest:
            yield f"tail {rest}", partial(app.open_tail, rest), "follow this topic's messages live"
        elif word == "group" and rest:
            yield f"group {rest}", partial(app.open_group, rest), "open this consumer group"

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        seen: set[str] = set()
        for text, command, help_text in self._candidates():
            score = matcher.match(text)
            if score > 0:
                seen.add(text)
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
        for text, command, help_text in self._typed(query):
            if text not in seen:
                yield Hit(
                    0.99 if text.split(" ", 1)[0] == "znode" else 0.5,
                    matcher.highlight(text),
                    command,
                    text=text,
                    help=help_text,
                )

    async def discover(self) -> Hits:
        app = self.kt
        for name, key, help_text in views(app):
            yield DiscoveryHit(f"view {name}", partial(app.switch_view, name), help=f"key {key}: {help_text}")
        name, help_text = SECURITY_VIEWS[0]
        yield DiscoveryHit(name, partial(app.open_security, "acls"), help=help_text)
