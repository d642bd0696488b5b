"""The header and the view's stale banner show one and the same retry hint (issue 12, defect 3).

They used to disagree: the header was redrawn every second and counted down to "retrying in 0s"
(and stayed there while the attempt ran), while the banner kept the hint of the last state
change ("(retrying in 4s)"). Both now come from `retry_hint`, rendered from one clock reading.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from kafkatui.config import load_settings
from kafkatui.refresh.state import Source, SourceHealth
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.widgets.header import AppHeader
from kafkatui.ui.widgets.stale import StaleBanner, retry_hint

HINT = re.compile(r"retrying (?:in \d+s|now)")


def test_retry_hint_counts_whole_seconds_up_and_says_now_once_due() -> None:
    health = SourceHealth().failed(100.0, "kafka: down", next_attempt_at=105.0)
    assert retry_hint(health, now=100.0) == "retrying in 5s"
    assert retry_hint(health, now=104.2) == "retrying in 1s"  # never "in 0s" while still waiting
    assert retry_hint(health, now=105.0) == "retrying now"  # the attempt is running
    assert retry_hint(health, now=109.0) == "retrying now"
    assert retry_hint(health, now=100.0, paused=True) == ""  # paused: no attempt is scheduled
    assert retry_hint(SourceHealth(), now=100.0) == ""


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts TCP (the kernel's backlog) and never answers Kafka, so every attempt runs its full
    connect timeout: the hint has a countdown and a running attempt to show."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"127.0.0.1:{sock.getsockname()[1]}"


async def test_header_and_banner_show_the_same_retry_hint(silent_server: str, tmp_path, wait_until) -> None:
    settings = load_settings({"bootstrap": silent_server, "refresh": 5}, env={}, path=tmp_path / "none.toml")
    app = KafkaTuiApp(settings)  # what --wait opens
    seen: list[tuple[str | None, str | None]] = []

    def sample() -> bool:
        header = HINT.search(app.screen.query_one(AppHeader).status_text)
        kafka_line = next((line for line in app.screen.query_one(StaleBanner).text.splitlines()
                           if line.startswith("Kafka")), "")
        banner = HINT.search(kafka_line)
        if header or banner:
            seen.append((header and header.group(), banner and banner.group()))
        # two failed attempts, and a countdown of several steps between them
        return app.state.health[Source.CLUSTER].failures >= 2 and len({h for h, _ in seen}) >= 4

    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(pilot, sample, 60, "two failed attempts and a countdown", interval=0.1)
    assert seen and all(header == banner for header, banner in seen), sorted(set(seen))
    assert not any("in 0s" in (header or "") for header, _ in seen)
