"""The tail in the real app when its topic is deleted and created again (issue 12), on the real
local cluster: `kafkatui --tail T --from earliest`, then T deleted by an admin client.

What the operator must see: the status no longer says "following" but that the topic is gone,
with a line saying it was deleted; and when T is created again, its new records appear by
themselves. How often the tail asks the cluster meanwhile is counted in
tests/live/test_tail_deleted.py; here the same spy checks the app's tail too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from textual.widgets import Static

from kafkatui.config import load_settings
from kafkatui.tail.consumer import CLIENT_ID
from kafkatui.tail.start import parse_start
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.tail.table import TailTable
from tests.conftest import no_autocreate
from tests.metadata_spy import spy_on_metadata
from tests.ui.fixtures import screen_text

pytestmark = pytest.mark.live

CLIENT_LIMITS = {"request_timeout_ms": 15000, "bootstrap_timeout_ms": 15000}
REFRESH_S = 1.0
GONE_WINDOW_S = 5.0


@pytest.fixture(scope="module")
def admin(cluster) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-gone-ui", **CLIENT_LIMITS)
    yield client
    client.close()


@pytest.fixture
def producer(cluster) -> Iterator[KafkaProducer]:
    prod = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-gone-ui",
                                       acks="all", linger_ms=0, allow_auto_create_topics=False, **CLIENT_LIMITS))
    yield prod
    prod.close(timeout=5)


def tail(app: KafkaTuiApp) -> TailScreen:
    return next(s for s in app.screen_stack if isinstance(s, TailScreen))


def line(app: KafkaTuiApp, widget_id: str) -> str:
    return str(tail(app).query_one(widget_id, Static).content)


async def in_thread(call) -> None:
    await asyncio.to_thread(call)


async def test_tail_of_a_deleted_topic_says_so_and_follows_it_again(cluster, admin, producer, unique_name,
                                                                    tmp_path, wait_until) -> None:
    topic = unique_name

    def create() -> None:
        admin.create_topics({topic: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True)

    def produce(prefix: str) -> None:
        for i in range(3):
            producer.send(topic, key=f"{prefix}-{i}".encode(), value=f"{prefix} record {i}".encode())
        producer.flush(timeout=15)

    create()
    produce("before")
    settings = load_settings({"bootstrap": cluster.bootstrap, "refresh": REFRESH_S}, env={},
                             path=tmp_path / "no-config.toml")
    app = KafkaTuiApp(settings, tail=(topic, None, parse_start("earliest")))
    try:
        with spy_on_metadata(CLIENT_ID) as spy:
            async with app.run_test(size=(140, 30)) as pilot:
                await wait_until(pilot, lambda: tail(app).query_one(TailTable).row_count == 3, 30, "the 3 records")
                assert "▶ following" in line(app, "#tail-status")

                await in_thread(lambda: admin.delete_topics([topic]))
                await wait_until(pilot, lambda: tail(app).status.state == "gone", 30, "the tail to see the deletion")
                await wait_until(pilot, lambda: "topic gone" in line(app, "#tail-status"), 5, "the status line")
                status, note = line(app, "#tail-status"), line(app, "#tail-note")
                assert "topic gone" in status and "following" not in status, status
                assert "was deleted" in note and topic in note, note
                assert "topic gone" in screen_text(app)

                start, opened = spy.count, time.monotonic()
                while time.monotonic() < opened + GONE_WINDOW_S:
                    assert tail(app).status.state == "gone"
                    await pilot.pause(0.25)
                sent = spy.count - start
                allowed = int((time.monotonic() - opened) / REFRESH_S) + 2
                assert sent <= allowed, f"{sent} Metadata requests while gone (at most {allowed})"

                await in_thread(create)
                await in_thread(lambda: produce("after"))
                await wait_until(pilot, lambda: tail(app).query_one(TailTable).row_count == 6, 30,
                                 "the records written after the topic was created again")
                await wait_until(pilot, lambda: "▶ following" in line(app, "#tail-status"), 5, "following again")
                rows = [tail(app).query_one(TailTable).row_plain(i) for i in range(3, 6)]
                assert all("after record" in row for row in rows), rows
    finally:
        if topic in set(admin.list_topics()):
            admin.delete_topics([topic])
