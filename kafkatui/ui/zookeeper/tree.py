"""ZnodeTree: a lazily loaded ZooKeeper tree that stays responsive on huge nodes.

Why lazy: a Kafka ZooKeeper can hold tens of thousands of znodes (one per partition state,
per ISR change, per consumer offset in old clusters); loading them up front would be slow
and useless. Children are asked for (through `app.request("zk_children", path)`) only when
a node is expanded, and at most `MAX_CHILDREN` are rendered per node, with a "… N more
(use : to jump)" leaf: `select_path` still reaches any child by loading it on demand.
Node names come from the cluster, so labels are escaped `Text`, never markup.

Messages: `ZnodeTree.PathHighlighted(path)` when the cursor lands on a znode, and
`ZnodeTree.JumpFailed(path, reason)` when `select_path` hits a missing node.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from kafkatui.decode import escape_text
from kafkatui.model import SourceError
from kafkatui.zookeeper.paths import child_path, split_path

MAX_CHILDREN = 1000
REQUEST_TIMEOUT_S = 15.0

Node = TreeNode[str | None]


class ZnodeTree(Tree[str | None]):
    """Tree whose node data is the znode's full path (None for note leaves)."""

    DEFAULT_CSS = """
    ZnodeTree { width: 1fr; min-width: 20; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
        Binding("l,right", "expand", "Expand", show=False),
        Binding("h,left", "collapse", "Collapse / parent", show=False),
    ]

    class PathHighlighted(Message):
        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    class JumpFailed(Message):
        def __init__(self, path: str, reason: str) -> None:
            super().__init__()
            self.path = path
            self.reason = reason

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("/"), data="/", id=id)
        self.auto_expand = False
        self.guide_depth = 2
        self._by_path: dict[str, Node] = {"/": self.root}
        self._children: dict[str, tuple[str, ...]] = {}  # loaded child names, all of them
        self._queue: list[str] = []
        self._in_flight: str | None = None
        self._in_flight_at = 0.0
        self._waiters: dict[str, list[Callable[[], None]]] = {}
        self._failed: set[str] = set()  # paths whose children could not be loaded (shown as a ⚠ leaf)

    def on_mount(self) -> None:
        self.root.expand()
        self.move_cursor(self.root)

    # ------------------------------------------------------------------ loading

    def retry_failed(self) -> None:
        """Load again every expanded node whose children failed (ZooKeeper was away); the screen
        calls this when the session is healthy again, so the tree recovers without `r`."""
        for path in sorted(self._failed):
            self._failed.discard(path)
            node = self._by_path.get(path)
            if node is not None and node.is_expanded and path not in self._children:
                self._ensure_loaded(path, lambda: None)

    def reload(self, path: str) -> None:
        """Forget and re-fetch the children of `path` (after a change in the cluster)."""
        self._children.pop(path, None)
        node = self._by_path.get(path)
        if node is not None and node.is_expanded:
            self._ensure_loaded(path, lambda: None)

    def _ensure_loaded(self, path: str, then: Callable[[], None]) -> None:
        """Run `then` once the children of `path` are loaded (at once if they already are)."""
        if path in self._children:
            then()
            return
        self._waiters.setdefault(path, []).append(then)
        if path != self._in_flight and path not in self._queue:
            self._queue.append(path)
        self._pump()

    def _pump(self) -> None:
        """Send the next children request; one at a time, because the app lets a newer request
        of the same kind supersede (and silently drop) an older one. A request unanswered for
        `REQUEST_TIMEOUT_S` is presumed lost and the queue moves on."""
        if self._in_flight is not None and time.monotonic() - self._in_flight_at < REQUEST_TIMEOUT_S:
            return
        if self._in_flight is not None:  # lost: give its waiters another go later
            self._queue.append(self._in_flight)
        self._in_flight = None
        if not self._queue:
            return
        path = self._queue.pop(0)
        self._in_flight, self._in_flight_at = path, time.monotonic()
        self.set_timer(REQUEST_TIMEOUT_S + 0.1, self._pump)
        self.app.request("zk_children", path, on_done=lambda result: self._loaded(path, result))  # type: ignore[attr-defined]

    def _loaded(self, path: str, result: object) -> None:
        if self._in_flight == path:
            self._in_flight = None
        try:
            self._populate(path, result)
        finally:
            if self.is_attached:
                self._pump()

    def _populate(self, path: str, result: object) -> None:
        waiters = self._waiters.pop(path, [])
        node = self._by_path.get(path)
        if node is None or not self.is_attached:
            return
        self._forget_below(path)
        node.remove_children()
        if isinstance(result, SourceError) or not isinstance(result, tuple | list):
            reason = str(result) if isinstance(result, SourceError) else "unexpected answer"
            self._failed.add(path)
            node.add_leaf(Text(f"⚠ {escape_text(reason)}"), data=None)
            for then in waiters:
                then()
            return
        self._failed.discard(path)
        names = tuple(sorted(str(n) for n in result))
        self._children[path] = names
        for name in names[:MAX_CHILDREN]:
            self._add_child(node, path, name)
        if len(names) > MAX_CHILDREN:
            more = len(names) - MAX_CHILDREN
            node.add_leaf(Text(f"… {more:,} more (use : to jump)"), data=None)
        node.allow_expand = bool(names)
        for then in waiters:
            then()

    def _add_child(self, node: Node, parent: str, name: str, before: Node | None = None) -> Node:
        path = child_path(parent, name)
        child = node.add(Text(escape_text(name)), data=path, before=before)
        self._by_path[path] = child
        return child

    def _forget_below(self, path: str) -> None:
        prefix = "/" if path == "/" else path + "/"
        for p in [p for p in self._by_path if p.startswith(prefix) and p != path]:
            del self._by_path[p]
            self._children.pop(p, None)

    # ------------------------------------------------------------------ navigation

    def select_path(self, path: str) -> None:
        """Expand the tree along `path` (loading each level) and put the cursor on it."""
        self._step("/", split_path(path), path)

    def _step(self, current: str, remaining: list[str], target: str) -> None:
        node = self._by_path.get(current)
        if node is None:
            self.post_message(self.JumpFailed(target, f"{current} is not loaded"))
            return
        if not remaining:
            self._focus_node(node)
            return

        def descend() -> None:
            name = remaining[0]
            nxt = child_path(current, name)
            child = self._by_path.get(nxt)
            if child is None and name in self._children.get(current, ()):
                # beyond the rendered cap: add just this child, before the "… more" leaf
                more = next((c for c in node.children if c.data is None), None)
                child = self._add_child(node, current, name, before=more)
            if child is None:
                self._focus_node(node)
                self.post_message(self.JumpFailed(target, f"no znode {escape_text(nxt)}"))
                return
            node.expand()
            self._step(nxt, remaining[1:], target)

        self._ensure_loaded(current, descend)

    def _focus_node(self, node: Node) -> None:
        if node.allow_expand and not node.is_expanded:
            node.expand()
        self.call_after_refresh(self.move_cursor, node)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[str | None]) -> None:
        path = event.node.data
        if path is not None:
            self._ensure_loaded(path, lambda: None)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str | None]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.PathHighlighted(event.node.data))

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        elif node is not None and node.children:
            self.move_cursor(node.children[0])

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    @property
    def cursor_path(self) -> str | None:
        node = self.cursor_node
        return None if node is None else node.data
