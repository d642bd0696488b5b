"""Shared helpers for the reliability suite: condition waits, key-latency probes, cluster health.

Why a module (not only fixtures): the fault tests, the bad-input tests and the read-only session
all drive the real KafkaTuiApp and need the same three things: wait for a condition with a
deadline (never a fixed sleep), prove the UI still handles every key press while the cluster
misbehaves, and put the cluster back the way they found it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from textual import events
from textual.pilot import Pilot

from tests.ui.fixtures import screen_text

# What the probe checks: every key press it sends is handled, i.e. its effect (the screen it asks
# for) appears. A press still unhandled after FROZEN_S fails the test at once: the UI froze (a
# source call on the UI thread, a hung broker's timeout blocking the event loop). FROZEN_S is a
# deadline for that wait, far above any scheduling hiccup of a loaded 2-core host, not a speed
# limit: how fast keys are handled is measured in bench/ (bench_tail's key_ms), never asserted
# here, because a timed assertion fails on a busy machine for no fault of the app.
FROZEN_S = 5.0
VIEW_KEYS = (("2", "processes"), ("3", "topics"), ("4", "groups"), ("5", "zookeeper"), ("1", "overview"))
KEY_CHARS = {"question_mark": "?", "escape": "\x1b", "colon": ":", "slash": "/"}
CLIENT_LIMITS = {"request_timeout_ms": 10000, "bootstrap_timeout_ms": 10000}


def text(app: Any) -> str:
    return screen_text(app)


def flat(app: Any) -> str:
    """Screen text with runs of whitespace folded, for messages that wrap inside a toast."""
    return " ".join(screen_text(app).split())


def tree_children(tree: Any, path: str) -> list[str]:
    """Paths of the nodes shown under `path` in a ZnodeTree (walking Textual's public Tree API)."""
    stack = [tree.root]
    while stack:
        node = stack.pop()
        if node.data == path:
            return [c.data for c in node.children if c.data]
        stack.extend(node.children)
    return []


@dataclass
class KeyProbe:
    """Presses keys the way an operator would and counts how many were sent and handled.

    `help_roundtrip` opens and closes the help screen: it changes no view, so it can run all
    through a fault without changing which sources are polled. How long each press took is kept
    for the printed report only (see FROZEN_S).
    """

    sent: int = 0
    handled: list[tuple[str, float]] = field(default_factory=list)  # (what, seconds) per handled press

    async def press(self, pilot: Pilot[Any], key: str, done: Callable[[], bool], what: str) -> None:
        """Send `key` as a terminal's input thread would and wait until `done()` holds; fail if it
        does not within FROZEN_S. Not `pilot.press`: that also waits for the whole app to go idle,
        which would hide a key that is handled while the app stays busy."""
        app = pilot.app
        self.sent += 1
        started = time.perf_counter()
        app.post_message(events.Key(key, KEY_CHARS.get(key, key if len(key) == 1 else None)))
        deadline = started + FROZEN_S
        while not done():
            if time.perf_counter() > deadline:
                raise AssertionError(f"key {key!r} ({what}) not handled within {FROZEN_S:g} s: the UI froze")
            await asyncio.sleep(0.002)
        self.handled.append((what, time.perf_counter() - started))
        await pilot.pause()  # let the new screen settle before the next press

    async def switch(self, pilot: Pilot[Any], key: str, mode: str) -> None:
        app = pilot.app
        await self.press(pilot, key, lambda: app.current_mode == mode and len(app.screen_stack) == 1
                         and getattr(app.screen, "is_attached", True), f"switch to {mode}")

    def reset(self) -> None:
        """Forget the presses so far (after warming up: first visits compose screens)."""
        self.sent, self.handled = 0, []

    async def warm(self, pilot: Pilot[Any], end: str = "overview") -> None:
        """Visit every view once, uncounted: the first visit imports and composes a screen, which
        is start-up work, not the handling of a key by a running monitor."""
        for key, mode in VIEW_KEYS:
            await self.switch(pilot, key, mode)
        self.reset()
        key = next(k for k, m in VIEW_KEYS if m == end)
        await self.switch(pilot, key, end)

    async def help_roundtrip(self, pilot: Pilot[Any]) -> None:
        from kafkatui.ui.screens.help import HelpScreen

        app = pilot.app
        await self.press(pilot, "question_mark", lambda: isinstance(app.screen, HelpScreen), "open help")
        await self.press(pilot, "escape", lambda: not isinstance(app.screen, HelpScreen), "close help")

    @property
    def slowest(self) -> tuple[str, float]:
        return max(self.handled, key=lambda s: s[1]) if self.handled else ("none", 0.0)

    def check(self, at_least: int = 1) -> None:
        """At least `at_least` presses were sent, and every one was handled. Prints the slowest
        press for the record; its time is not judged (see FROZEN_S)."""
        assert self.sent >= at_least, f"only {self.sent} key presses were made, fewer than {at_least}"
        assert len(self.handled) == self.sent, f"{self.sent - len(self.handled)} of {self.sent} key presses unhandled"
        what, took = self.slowest
        print(f"{self.sent} key presses, all handled; slowest {what} {took * 1000:.0f} ms "
              f"(load average {os.getloadavg()[0]:.1f})")


async def wait_until(
    pilot: Pilot[Any],
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    *,
    probe: KeyProbe | None = None,
    probe_every: float = 1.5,
    interval: float = 0.1,
    detail: Callable[[], object] | None = None,
) -> float:
    """Poll `predicate` between UI turns until it is truthy; returns the seconds it took.

    With `probe`, a help-screen round trip is timed every `probe_every` seconds meanwhile, so a
    wait during a fault doubles as proof that keys stay responsive. `detail` is added to a
    timeout's message: what a multi-part predicate had seen, since the screen then is later.
    """
    started = time.monotonic()
    deadline = started + timeout
    next_probe = started + probe_every
    last_error: BaseException | None = None
    while True:
        try:
            if predicate():
                return time.monotonic() - started
            last_error = None
        except Exception as exc:  # a screen still composing (NoMatches) counts as "not yet"
            last_error = exc
        now = time.monotonic()
        if now > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}"
                                 + (f" (last error: {last_error!r})" if last_error else "")
                                 + (f" (seen: {detail()!r})" if detail is not None else "")
                                 + f"\n--- screen ---\n{screen_text(pilot.app)}")
        if probe is not None and now >= next_probe:
            await probe.help_roundtrip(pilot)
            next_probe = time.monotonic() + probe_every
        await pilot.pause(interval)


# --------------------------------------------------------------------------- the cluster


@contextlib.contextmanager
def admin_client(bootstrap: str) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafkatui-reliability-test", **CLIENT_LIMITS)
    try:
        yield client
    finally:
        client.close()


def broker_pid(cluster: Any, broker_id: int) -> int:
    return int((Path(cluster.state_dir) / "pids" / f"broker-{broker_id}.pid").read_text().strip())


def metadata_brokers(bootstrap: str) -> set[int]:
    """Broker ids in the metadata, asked of each bootstrap server in turn (a fresh client)."""
    for server in bootstrap.split(","):
        try:
            with admin_client(server) as admin:
                return {b["broker_id"] for b in admin.describe_cluster()["brokers"]}
        except Exception:
            continue
    return set()


def under_replicated(bootstrap: str) -> int | None:
    try:
        with admin_client(bootstrap) as admin:
            return sum(1 for t in admin.describe_topics() for p in t["partitions"]
                       if len(p["isr_nodes"]) < len(p["replica_nodes"]))
    except Exception:
        return None


def restore_cluster(cluster: Any, timeout: float = 150.0) -> None:
    """After a fault: everything running (the tool's idempotent `up`), all three brokers in the
    metadata and every partition back in sync, so later tests see a healthy cluster."""
    for name in ("zookeeper", "broker-1", "broker-2", "broker-3"):
        with contextlib.suppress(Exception):
            cluster.resume(name)  # harmless on a running process; a SIGSTOP'd one must not stay stopped
    cluster.ensure_up()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if metadata_brokers(cluster.bootstrap) == {1, 2, 3} and under_replicated(cluster.bootstrap) == 0:
            return
        time.sleep(1.0)
    raise AssertionError(f"the cluster did not get healthy again within {timeout:g}s")
