"""The tail inside the real app (issue 12, item 9), on the real local cluster: the header names
the tail view, and `?` over a record's detail lists the detail's own keys, not the tail's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from textual.widgets import Static

from kafkatui.config import load_settings
from kafkatui.tail.start import parse_start
from kafkatui.ui.app import KafkaTuiApp
from kafkatui.ui.screens.help import HelpScreen
from kafkatui.ui.tail.record_detail import RecordDetailScreen
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.tail.table import TailTable
from tests.conftest import close_producer, no_autocreate
from tests.ui.fixtures import screen_text

pytestmark = pytest.mark.live

CLIENT_LIMITS = {"request_timeout_ms": 15000, "bootstrap_timeout_ms": 15000}


@pytest.fixture
def topic(cluster, unique_name: str) -> Iterator[str]:
    """A topic with one record in it."""
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-views", **CLIENT_LIMITS)
    admin.create_topics({unique_name: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True)
    producer = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-views",
                                           acks="all", allow_auto_create_topics=False, **CLIENT_LIMITS))
    producer.send(unique_name, key=b"k-1", value=b"one record", headers=[("trace", b"t-1")])
    producer.flush(timeout=15)
    close_producer(producer)
    yield unique_name
    try:
        admin.delete_topics([unique_name])
    finally:
        admin.close()


@pytest.fixture
def app(cluster, topic, tmp_path) -> KafkaTuiApp:
    """`kafkatui --tail TOPIC --from earliest`."""
    settings = load_settings({"bootstrap": cluster.bootstrap, "refresh": 1.0}, env={}, path=tmp_path / "none.toml")
    return KafkaTuiApp(settings, tail=(topic, None, parse_start("earliest")))


def tail(app: KafkaTuiApp) -> TailScreen:
    return next(s for s in app.screen_stack if isinstance(s, TailScreen))


def header(app: KafkaTuiApp) -> str:
    """The header's first line as the terminal shows it."""
    return screen_text(app).splitlines()[0]


def has_record(app: KafkaTuiApp) -> bool:
    return app.screen is tail(app) and tail(app).query_one(TailTable).row_count == 1


async def test_tail_header_names_the_tail_view(app, wait_until) -> None:
    """The header named the view the tail was opened over ("topics")."""
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: has_record(app), 30, "the tail with its record")
        await wait_until(pilot, lambda: "kafkatui tail · " in header(app), 10, "the header to name the tail")
        assert "topics" not in header(app), header(app)
        await pilot.press("q")  # back to the topics view: its header names it again
        await wait_until(pilot, lambda: "kafkatui topics · " in header(app), 10, "the topics view's header")


async def test_help_over_the_record_detail_lists_its_own_keys(app, wait_until) -> None:
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: has_record(app), 30, "the tail with its record")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordDetailScreen), 10, "the record detail")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 10, "the help")
        text = str(app.screen.query_one("#help-text", Static).content)
        assert "This view: record" in text, text
        assert "Copy JSON" in text and "Close" in text, text
        assert "Follow/pause" not in text and "Partitions" not in text, text  # the tail's keys
        await pilot.press("question_mark")  # closes the help, back on the record
        await wait_until(pilot, lambda: isinstance(app.screen, RecordDetailScreen), 10, "the record again")
