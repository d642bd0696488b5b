"""The root screen of each view (Textual mode), chosen when the mode is first entered.

Why a factory instead of MODES = {name: Class}: the ZooKeeper view depends on the cluster
(KRaft or no ZooKeeper configured -> the quorum view), and a view module that fails to import
must degrade to a message, not take the whole monitor down.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from kafkatui.refresh.state import AppState, Source
from kafkatui.ui.screens.base import GuardedScreen

if TYPE_CHECKING:
    from kafkatui.ui.app import KafkaTuiApp

log = logging.getLogger(__name__)

ROOTS: dict[str, tuple[str, str]] = {
    "overview": ("kafkatui.ui.screens.overview", "OverviewScreen"),
    "processes": ("kafkatui.ui.screens.processes", "ProcessesScreen"),
    "topics": ("kafkatui.ui.screens.topics", "TopicsScreen"),
    "groups": ("kafkatui.ui.screens.groups", "GroupsScreen"),
    "zookeeper": ("kafkatui.ui.zookeeper.screen", "ZooKeeperScreen"),
    "quorum": ("kafkatui.ui.zookeeper.quorum", "QuorumScreen"),
    "security": ("kafkatui.ui.screens.security", "SecurityScreen"),
}


class UnavailableScreen(GuardedScreen, Screen):
    """Stands in for a view that could not be loaded; says why instead of crashing."""

    SOURCES: ClassVar[frozenset[Source]] = frozenset({Source.CLUSTER})

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(id=f"unavailable-{name}")
        self.view_name = name
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Static(f"The {self.view_name} view is not available: {self.reason}", markup=False,
                     classes="unavailable")

    def show_state(self, state: AppState) -> None:
        """Nothing to render; present so the app still polls the cluster for the header."""


def zookeeper_view_name(app: KafkaTuiApp) -> str:
    cluster = app.state.cluster
    if not app.settings.zookeeper or (cluster is not None and cluster.kraft):
        return "quorum"
    return "zookeeper"


def view_name(app: KafkaTuiApp) -> str:
    """The current view's name as the operator is told it (header, `?`, `:`).

    It is the id of the mode's root screen, so mode 5 reads "quorum" whenever the quorum view is
    what it shows (a KRaft cluster, or no ZooKeeper configured), never "zookeeper".
    """
    mode = app.current_mode
    stack = app.screen_stack if mode == "zookeeper" else ()
    root_id = stack[0].id if stack else None
    return root_id.removeprefix("unavailable-") if root_id else mode


def view_screen(app: KafkaTuiApp, mode: str) -> Screen:
    """Build the root screen of `mode`."""
    name = zookeeper_view_name(app) if mode == "zookeeper" else mode
    module_name, class_name = ROOTS[name]
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        return cls()
    except Exception as exc:  # a missing/broken view module must not crash the app
        log.exception("cannot load view %s", name)
        return UnavailableScreen(name, f"{type(exc).__name__}: {exc}")
