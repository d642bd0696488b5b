"""ZooKeeper: browse the znode tree; see each node's decoded data, full Stat and meaning.

Why: in ZooKeeper mode Kafka's truth lives in znodes (broker registrations, the controller,
partition state, config overrides). The operator gets a lazily loaded tree on the left and,
for the highlighted node, a breadcrumb, a line saying what Kafka uses it for
(`ZNode.meaning`), the decoded data (JSON pretty-printed, text, or a hex dump) and its Stat
with zxids in hex, as zkCli prints them. Everything comes through `app.request`, so a slow
ZooKeeper never blocks a key press; a node deleted under the cursor is reported, not fatal.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from kafkatui.decode import decode_bytes, escape_text
from kafkatui.fmt import human_bytes, zxid_hex
from kafkatui.model import NotAuthorizedError, NotFoundError, SourceError, UnreachableError, ZkState, ZNode, ZStat
from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.screens.base import ViewScreen
from kafkatui.ui.widgets.pairs import PLAIN, Pair, append_pair, append_pairs, pairs_text
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import update_static
from kafkatui.ui.zookeeper.tree import ZnodeTree

STATE_COLOURS = {
    ZkState.CONNECTED: "ok",
    ZkState.SUSPENDED: "warning",
    ZkState.CONNECTING: "warning",
    ZkState.LOST: "critical",
    ZkState.CLOSED: "critical",
}


def ms_time(ms: int) -> str:
    """Local wall-clock time of a ZooKeeper millisecond timestamp, with the zone."""
    if ms <= 0:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(ms / 1000))


def stat_fields(stat: ZStat) -> list[tuple[str, str]]:
    """The Stat as zkCli names it; zxids and the ephemeral owner in hex."""
    owner = "none (persistent)" if stat.ephemeral_owner == 0 else f"0x{stat.ephemeral_owner:x} (ephemeral)"
    return [
        ("ctime", ms_time(stat.ctime_ms)),
        ("mtime", ms_time(stat.mtime_ms)),
        ("czxid", zxid_hex(stat.czxid)),
        ("mzxid", zxid_hex(stat.mzxid)),
        ("pzxid", zxid_hex(stat.pzxid)),
        ("version", str(stat.version)),
        ("cversion", str(stat.cversion)),
        ("aversion", str(stat.aversion)),
        ("ephemeralOwner", owner),
        ("dataLength", f"{stat.data_length:,} ({human_bytes(stat.data_length)})"),
        ("numChildren", f"{stat.num_children:,}"),
    ]


def stat_text(stat: ZStat, width: int, muted: str = "") -> Text:
    """Pack "key value" pairs into lines of at most `width` cells, never splitting a pair."""
    pairs = [Pair(key, value, PLAIN) for key, value in stat_fields(stat)]
    return pairs_text(pairs, muted or "bold", width=width, sep="   ")


class ZooKeeperScreen(ViewScreen):
    """Znode browser. `select_path` is what the app's `:` jump calls."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.ZOOKEEPER})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload node"),
        Binding("tab", "app.focus_next", "Tree/data", show=False),
        Binding("l", "expand", "Expand", show=False),
        Binding("h", "collapse", "Collapse/parent", show=False),
    ]

    DEFAULT_CSS = """
    ZooKeeperScreen #zk-body { height: 1fr; }
    ZooKeeperScreen ZnodeTree { width: 2fr; max-width: 60; border-right: vkey $kt-divider; scrollbar-size: 1 1; }
    ZooKeeperScreen #zk-data-scroll { scrollbar-size-vertical: 1; }
    ZooKeeperScreen #zk-side { width: 3fr; padding: 0 0 0 1; }
    ZooKeeperScreen #zk-data-scroll { height: 1fr; }
    ZooKeeperScreen #zk-stat { height: auto; margin-top: 1; }
    ZooKeeperScreen #zk-breadcrumb { text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__(id="zookeeper")
        self.node: ZNode | SourceError | None = None
        self.selected_path: str | None = None
        self._fetched_at: float | None = None
        self._zk_healthy = False

    def compose(self) -> ComposeResult:
        yield StaleBanner(Source.ZOOKEEPER, id="zk-stale")
        yield Static("ZooKeeper", id="zk-status", classes="view-title", markup=False)
        with Horizontal(id="zk-body"):
            yield ZnodeTree(id="zk-tree")
            with Vertical(id="zk-side"):
                yield Static("/", id="zk-breadcrumb", markup=False)
                yield Static("", id="zk-meaning", markup=False)
                with VerticalScroll(id="zk-data-scroll"):
                    yield Static("", id="zk-data", markup=False)
                yield Static("", id="zk-stat", markup=False)

    def _prepare(self) -> None:
        self.query_one(ZnodeTree).focus()

    # ------------------------------------------------------------------ state

    def _show(self, state: AppState) -> None:
        snap = state.zookeeper
        muted = self._c("muted")
        status = Text.assemble(("ZooKeeper", "bold"))
        if snap is None:
            status.append(" ")
            if not state.zookeeper_configured:
                status.append(
                    "not configured (KRaft clusters keep metadata in the quorum view)", style=muted
                )
            else:
                status.append("connecting…", style=muted)
        else:
            pairs = [
                Pair("", snap.state.value, f"bold {self._c(STATE_COLOURS.get(snap.state, 'muted'))}"),
                Pair("", escape_text(snap.hosts), PLAIN),
            ]
            server = snap.server
            if server is not None:
                if server.mode:
                    pairs.append(Pair("", escape_text(server.mode), PLAIN))
                if server.znode_count is not None:
                    pairs.append(Pair("znodes", f"{server.znode_count:,}", PLAIN))
                if server.version:
                    pairs.append(Pair("", "v" + escape_text(server.version.split("-")[0]), muted))
            status.append(" ")
            append_pair(status, pairs[0], muted)
            append_pairs(status, pairs[1:], muted)
        update_static(self.query_one("#zk-status", Static), status)
        healthy = snap is not None and snap.state is ZkState.CONNECTED and not state.health[Source.ZOOKEEPER].stale
        if healthy and not self._zk_healthy:  # back after an outage: reload what failed meanwhile
            self.query_one(ZnodeTree).retry_failed()
        self._zk_healthy = healthy
        # a new poll is a good moment to re-read the shown node: it may have changed or gone
        fetched = snap.fetched_at if snap is not None else None
        if fetched != self._fetched_at:
            self._fetched_at = fetched
            if self.selected_path is not None and self._fetched_at is not None:
                self._request_node(self.selected_path)

    # ------------------------------------------------------------------ selection

    def select_path(self, path: str) -> None:
        """Jump to `path` (the app's `:` command): expand each level and select it."""
        if self.is_dropped:  # the app quit between the jump and this call (app.open_znode)
            return
        path = "/" + "/".join(s for s in path.split("/") if s)
        self.query_one(ZnodeTree).select_path(path)

    def on_znode_tree_path_highlighted(self, event: ZnodeTree.PathHighlighted) -> None:
        if event.path == self.selected_path:
            return
        self.selected_path = event.path
        update_static(self.query_one("#zk-breadcrumb", Static), self._breadcrumb(event.path))
        self._request_node(event.path)

    def on_znode_tree_jump_failed(self, event: ZnodeTree.JumpFailed) -> None:
        self.notify(escape_text(event.reason), title="ZooKeeper jump", severity="warning", markup=False)

    def _request_node(self, path: str) -> None:
        request = getattr(self.app, "request", None)
        if request is not None:
            request("zk_node", path, on_done=lambda result: self._node_loaded(path, result))

    def _node_loaded(self, path: str, result: object) -> None:
        if not self.is_attached or path != self.selected_path:
            return  # the cursor moved on; a late answer must not overwrite the new node
        self.node = result if isinstance(result, ZNode | SourceError) else None
        if isinstance(result, SourceError):
            self._show_error(path, result)
        elif isinstance(result, ZNode):
            self._show_node(result)

    def _breadcrumb(self, path: str) -> Text:
        text = Text()
        parts = [s for s in path.split("/") if s]
        text.append("/", style=self._c("muted"))
        for i, part in enumerate(parts):
            if i:
                text.append(" / ", style=self._c("muted"))
            text.append(escape_text(part), style=f"bold {self._c('accent')}" if i == len(parts) - 1 else "")
        return text

    def _show_error(self, path: str, err: SourceError) -> None:
        """Say which it is: the node is gone (the server said so), or ZooKeeper did not answer."""
        node = escape_text(path)
        if isinstance(err, NotFoundError):
            headline, hint = f"✗ node {node} no longer exists", "r reloads its parent's children"
        elif isinstance(err, NotAuthorizedError):
            headline = f"no permission: node {node} is hidden by its ACL"
            hint = "give digest credentials (--zookeeper-digest-file) that its ACL allows to read it"
        elif isinstance(err, UnreachableError):
            headline = f"✗ ZooKeeper cannot be reached: node {node} was not read"
            hint = "it is read again once ZooKeeper answers"
        else:
            headline, hint = f"✗ node {node} cannot be read", "r reads it again"
        # no permission is a fact about the credentials, not a failure: not drawn as critical
        level = "warning" if isinstance(err, NotAuthorizedError) else "critical"
        msg = Text(headline, style=f"bold {self._c(level)}")
        msg.append(f"\n{escape_text(str(err))}\n", style=self._c("muted"))
        msg.append(hint, style=self._c("muted"))
        update_static(self.query_one("#zk-data", Static), msg)
        update_static(self.query_one("#zk-meaning", Static), Text(""))
        update_static(self.query_one("#zk-stat", Static), Text(""))

    def _show_node(self, node: ZNode) -> None:
        meaning = Text.assemble(("Meaning: ", "bold"))
        meaning.append(
            escape_text(node.meaning) if node.meaning else "(not a znode Kafka documents)",
            style="" if node.meaning else self._c("muted"),
        )
        update_static(self.query_one("#zk-meaning", Static), meaning)
        decoded = decode_bytes(node.data)
        data = Text.assemble((f"{decoded.kind} · {decoded.size:,} bytes", self._c("muted")))
        if node.truncated:
            data.append(
                f" · truncated: first {len(node.data):,} of {node.stat.data_length:,} bytes read",
                style=self._c("warning"),
            )
        data.append("\n")
        data.append(decoded.detail)
        update_static(self.query_one("#zk-data", Static), data)
        self._show_stat()

    def _show_stat(self) -> None:
        stat = self.query_one("#zk-stat", Static)
        if isinstance(self.node, ZNode):
            update_static(stat, stat_text(self.node.stat, max(20, stat.size.width or 60), self._c("muted")))

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_stat)

    # ------------------------------------------------------------------ actions

    def action_reload(self) -> None:
        """Re-read the highlighted node; reload its children if expanded, else its siblings.

        Reloading the siblings is how a node deleted in the cluster disappears from the tree, so a
        node that could not be read (deleted under the cursor) reloads its parent even if expanded.
        """
        tree = self.query_one(ZnodeTree)
        path = tree.cursor_path or "/"
        node = tree.cursor_node
        gone = isinstance(self.node, NotFoundError) and self.selected_path == path
        if path == "/" or (node is not None and node.is_expanded and not gone):
            tree.reload(path)
        else:
            tree.reload("/" + "/".join(path.split("/")[1:-1]))
        self._request_node(path)

    def action_expand(self) -> None:
        self.query_one(ZnodeTree).action_expand()

    def action_collapse(self) -> None:
        self.query_one(ZnodeTree).action_collapse()
