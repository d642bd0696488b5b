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

from kafkatui.screens.base import GuardedScreen
from kafkatui.state import AppState, Source

if TYPE_CHECKING:
    from kafkatui.app import KafkaTuiApp

log = logging.getLogger(__name__)

ROOTS: dict[str, tuple[str, str]] = {
    "overview": ("kafkatui.screens.overview", "OverviewScreen"),
    "processes": ("kafkatui.screens.processes", "ProcessesScreen"),
    "topics": ("kafkatui.screens.topics", "TopicsScreen"),
    "groups": ("kafkatui.screens.groups", "GroupsScreen"),
    "zookeeper": ("kafkatui.screens.zookeeper", "ZooKeeperScreen"),
    "quorum": ("kafkatui.screens.quorum", "QuorumScreen"),
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
