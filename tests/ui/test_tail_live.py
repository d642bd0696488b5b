"""TailScreen driven with Pilot on the real local cluster (no mocks of Kafka).

A tiny host App pushes the screen and offers what the real app offers it: `settings` and
the Esc/q/backspace "back" binding. One test also drives it inside KafkaTuiApp to check the
keys do not collide with the app's own (space, p, q).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from textual.app import App
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kafkatui.config import Settings, parse_bootstrap
from kafkatui.tail.start import StartSpec, parse_start
from kafkatui.ui.tail.prompt import TailPrompt
from kafkatui.ui.tail.record_detail import RecordDetailScreen
from kafkatui.ui.tail.screen import TailScreen
from kafkatui.ui.tail.table import TailTable
from tests.conftest import no_autocreate
from tests.records import RawName
from tests.ui.fixtures import wait_for

CLIENT_LIMITS = {"request_timeout_ms": 15000, "bootstrap_timeout_ms": 15000}
WIDE = (140, 30)
# Mostly text (under 10% control characters), so the list shows it escaped, not as a hex dump.
OSC52 = b"\x1b]52;c;aGVsbG8=\x07"
HOSTILE = b"evil " + OSC52 + b" clear \x1b[2J bell \x07 c1 \xc2\x9b - and some ordinary text after it"
NOT_UTF8 = b"\xff\xfe\x1b[2J\x07 raw bytes \x9b not utf-8"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")


class TailHost(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,backspace", "back", "Back")]

    def __init__(self, settings: Settings, topic: str, start: StartSpec, partitions=None) -> None:
        super().__init__()
        self.settings = settings
        self._tail = TailScreen(topic, start=start, partitions=partitions)

    def on_mount(self) -> None:
        self.push_screen(self._tail)

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()


@pytest.fixture(scope="module")
def admin(cluster) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-ui", **CLIENT_LIMITS)
    yield client
    client.close()


@pytest.fixture
def producer(cluster) -> Iterator[KafkaProducer]:
    prod = no_autocreate(KafkaProducer(bootstrap_servers=cluster.bootstrap, client_id="kafkatui-tail-ui",
                                       acks="all", linger_ms=0, allow_auto_create_topics=False, **CLIENT_LIMITS))
    yield prod
    prod.close(timeout=5)


@pytest.fixture
def topic(admin: KafkaAdminClient, unique_name: str) -> Iterator[str]:
    admin.create_topics({unique_name: {"num_partitions": 2, "replication_factor": 1}}, wait_for_metadata=True)
    yield unique_name
    try:
        admin.delete_topics([unique_name])
    except Exception as exc:
        print(f"could not delete {unique_name}: {exc}")


@pytest.fixture
def settings(cluster) -> Settings:
    return Settings(bootstrap=parse_bootstrap(cluster.bootstrap), connect_timeout_s=4.0, tail_buffer=100)


async def produce(producer: KafkaProducer, topic: str, records: list[dict]) -> None:
    def send() -> None:
        for r in records:
            producer.send(topic, partition=r.get("partition", 0), key=r.get("key"), value=r.get("value"),
                          headers=r.get("headers", []))
        producer.flush(timeout=15)

    await asyncio.to_thread(send)


async def until(pilot: Pilot, what: str, check: Callable[[], object], timeout: float = 20) -> None:
    await wait_for(pilot, check, timeout, what)


def tail(app: App) -> TailScreen:
    screen = next(s for s in app.screen_stack if isinstance(s, TailScreen))
    return screen


def table(app: App) -> TailTable:
    return tail(app).query_one(TailTable)


def status_line(app: App) -> str:
    return str(tail(app).query_one("#tail-status", Static).content)


def title_line(app: App) -> str:
    return str(tail(app).query_one("#tail-title", Static).content)


async def ready(pilot: Pilot) -> None:
    await until(pilot, "the tail to be positioned",
                lambda: tail(pilot.app).status.state == "running" and tail(pilot.app).status.partitions)


# --------------------------------------------------------------------------- decoding and detail


async def test_produced_record_appears_decoded(settings, topic, producer) -> None:
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        value = json.dumps({"order": 7, "items": [{"sku": "A", "qty": 2}]}, indent=2).encode()
        await produce(producer, topic, [{"key": b"order-7", "value": value,
                                         "headers": [("trace-id", b"abc123"), ("source", b"ui-test")]}])
        await until(pilot, "the record in the list", lambda: table(app).row_count == 1)
        row = table(app).row_plain(0)
        assert "order-7" in row and '{"order":7,"items":[{"sku":"A","qty":2}]}' in row
        assert "2 trace-id=abc123" in row and " C " in row  # header count + first, CreateTime marker
        await pilot.press("enter")
        await until(pilot, "the detail view", lambda: isinstance(app.screen, RecordDetailScreen))
        detail = str(app.screen.query_one("#record-detail", Static).content)
        assert '"items": [' in detail and '"qty": 2' in detail  # pretty JSON
        assert "trace-id = abc123" in detail and "source = ui-test" in detail
        assert "CreateTime" in detail and "order-7" in detail
        await pilot.press("y")
        copied = json.loads(app.clipboard)
        assert copied["key"] == "order-7" and copied["headers"][0] == {"key": "trace-id", "value": "abc123",
                                                                        "encoding": "utf-8"}
        await pilot.press("escape")
        await until(pilot, "back to the list", lambda: isinstance(app.screen, TailScreen))


# --------------------------------------------------------------------------- filter


async def test_filter_substring_regex_and_invert(settings, topic, producer) -> None:
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await produce(producer, topic, [{"key": f"cust-{i}".encode(), "value": f"order for {i}".encode(),
                                         "headers": [("region", b"eu" if i % 2 else b"us")]} for i in range(6)])
        await until(pilot, "six rows", lambda: table(app).row_count == 6)
        await pilot.press("slash", *"cust-3")
        assert [r.key for r in table(app).records] == [b"cust-3"]
        assert "1 match" in title_line(app)
        await pilot.press("enter")  # keep the filter, back to the list
        assert table(app).has_focus
        tail(app).set_filter("region=eu")  # headers are searched too
        assert [r.key for r in table(app).records] == [b"cust-1", b"cust-3", b"cust-5"]
        tail(app).set_filter("!cust-[0-3]$")
        assert [r.key for r in table(app).records] == [b"cust-4", b"cust-5"]
        tail(app).set_filter("for [1")  # invalid regex: matched as plain text, and said so
        assert [r.key for r in table(app).records] == []
        assert "plain text" in title_line(app)
        await produce(producer, topic, [{"key": b"cust-9", "value": b"order for [1"}])
        await until(pilot, "a new matching record", lambda: table(app).row_count == 1)
        await pilot.press("escape")  # Esc clears an active filter before it means "back"
        assert table(app).row_count == 7 and isinstance(app.screen, TailScreen)


# --------------------------------------------------------------------------- pause and follow


async def test_pause_keeps_counting_and_resume_shows(settings, topic, producer) -> None:
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await produce(producer, topic, [{"value": f"first {i}".encode()} for i in range(2)])
        await until(pilot, "two rows", lambda: table(app).row_count == 2)
        await pilot.press("f")
        assert "PAUSED" in status_line(app)
        before = table(app).visible_plain()
        await produce(producer, topic, [{"value": f"while paused {i}".encode()} for i in range(3)])
        await until(pilot, "the counters to grow", lambda: tail(app).status.received == 5
                    and "+3 new" in status_line(app))
        assert table(app).row_count == 2 and table(app).visible_plain() == before
        assert "recv 5" in status_line(app) and "shown 2" in status_line(app)
        await pilot.press("space")  # space is follow/pause here too (it overrides the app's refresh)
        assert "following" in status_line(app)
        assert table(app).row_count == 5 and table(app).cursor_record.value == b"while paused 2"
        assert "shown 5" in status_line(app)
        await pilot.press("k")  # moving up pauses, so the row under the cursor stays put
        assert "PAUSED" in status_line(app) and table(app).cursor_record.value == b"while paused 1"


async def test_eviction_while_paused_is_reported(settings, topic, producer) -> None:
    app = TailHost(settings, topic, parse_start("end"))  # tail_buffer=100
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await produce(producer, topic, [{"value": f"r{i}".encode()} for i in range(150)])
        await until(pilot, "150 received", lambda: tail(app).status.received == 150 and
                    "+150 new" in status_line(app))
        assert "evicted 50" in status_line(app)
        await pilot.press("f")
        assert table(app).row_count == 100 and table(app).records[0].value == b"r50"
        assert "shown 100" in status_line(app) and "recv 150" in status_line(app)


# --------------------------------------------------------------------------- terminal safety


async def test_hostile_bytes_are_shown_escaped(settings, topic, producer) -> None:
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=(200, 30)) as pilot:
        await ready(pilot)
        await produce(producer, topic, [
            {"key": HOSTILE, "value": HOSTILE, "headers": [("evil\x1b[2J", HOSTILE)]},
            {"key": NOT_UTF8, "value": NOT_UTF8, "headers": [("bin", NOT_UTF8)]},
        ])
        await until(pilot, "two rows", lambda: table(app).row_count == 2)
        screen_text = "\n".join(table(app).visible_plain())
        hostile_row, binary_row = table(app).row_plain(0), table(app).row_plain(1)
        assert "\\x1b]52;c;aGVsbG8=\\x07" in hostile_row and "\\x1b[2J" in hostile_row
        assert "\\u009b" in hostile_row and "1 evil\\x1b[2J=" in hostile_row  # header count, escaped name
        assert "ff fe 1b 5b 32 4a 07" in binary_row  # not UTF-8: a hex preview
        svg = app.export_screenshot()
        assert "\\x1b]52;" in svg
        for raw in RAW_CONTROLS:
            assert raw not in screen_text and raw not in svg, f"raw {raw!r} reached the screen"
        await pilot.press("g", "enter")  # the hostile record in the detail view
        await until(pilot, "the detail view", lambda: isinstance(app.screen, RecordDetailScreen))
        detail = str(app.screen.query_one("#record-detail", Static).content)
        assert "\\x1b]52;c;aGVsbG8=\\x07" in detail and "evil\\x1b[2J = evil" in detail
        detail_svg = app.export_screenshot()
        for raw in RAW_CONTROLS:
            assert raw not in detail and raw not in detail_svg
        await pilot.press("y")
        assert json.loads(app.clipboard)["value"] == HOSTILE.decode()  # the copy is the exact value...
        assert all(raw not in app.clipboard for raw in RAW_CONTROLS)  # ...but JSON-escaped


async def test_header_name_that_is_not_utf8_is_shown(settings, topic, producer) -> None:
    """kafka-python cannot parse such a record by itself; the tail shows it, escaped, and goes on."""
    bad = b"t\xff\x1b[J"
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await produce(producer, topic, [{"key": b"k1", "value": b"poison", "headers": [(RawName(bad), b"v")]},
                                        {"key": b"k2", "value": b"after it"}])
        await until(pilot, "both rows", lambda: table(app).row_count == 2)
        assert "1 t\\xff\\x1b[J=v" in table(app).row_plain(0)  # the headers column
        assert "after it" in table(app).row_plain(1) and "skipped 0" in status_line(app)
        svg = app.export_screenshot()
        assert all(raw not in svg for raw in RAW_CONTROLS)
        await pilot.press("g", "enter")
        await until(pilot, "the detail view", lambda: isinstance(app.screen, RecordDetailScreen))
        assert "t\\xff\\x1b[J = v" in str(app.screen.query_one("#record-detail", Static).content)
        await pilot.press("y")
        (header,) = json.loads(app.clipboard)["headers"]
        assert header["key_encoding"] == "base64" and base64.b64decode(header["key"]) == bad


# --------------------------------------------------------------------------- save, partitions, start


async def test_save_jsonl_writes_file_and_shows_path(settings, topic, producer, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await produce(producer, topic, [{"key": b"k", "value": v} for v in (b"one", b"\xff\x00two", HOSTILE)])
        await until(pilot, "three rows", lambda: table(app).row_count == 3)
        await pilot.press("w")
        await until(pilot, "the file", lambda: tail(app).last_saved is not None)
        path = tail(app).last_saved
        assert path.parent == tmp_path / "kafkatui" / "tail" and path.name.startswith(topic)
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert [line["offset"] for line in lines] == [0, 1, 2]
        assert lines[1]["value_encoding"] == "base64"
        note = str(tail(app).query_one("#tail-note", Static).content)
        assert str(path) in note and "saved 3 records" in note, "the saved path must be shown"


async def test_partition_and_start_choosers(settings, topic, producer) -> None:
    await produce(producer, topic, [{"partition": p, "value": f"old {p}/{i}".encode()} for p in (0, 1)
                                    for i in range(3)])
    app = TailHost(settings, topic, parse_start("end"))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("P")
        await until(pilot, "the partitions prompt", lambda: isinstance(app.screen, TailPrompt))
        box = app.screen.query_one(Input)
        box.value = "7"
        await pilot.press("enter")
        assert isinstance(app.screen, TailPrompt)  # rejected: no partition 7, the prompt stays
        assert "does not exist" in str(app.screen.query_one("#prompt-error", Static).content)
        box.value = "1"
        await pilot.press("enter")
        await until(pilot, "the prompt to close", lambda: isinstance(app.screen, TailScreen))
        assert "partitions 1" in title_line(app)
        await pilot.press("F")
        await until(pilot, "the start prompt", lambda: isinstance(app.screen, TailPrompt))
        app.screen.query_one(Input).value = "earliest"
        await pilot.press("enter")
        await until(pilot, "partition 1 from the start", lambda: table(app).row_count == 3)
        assert {r.partition for r in table(app).records} == {1} and "from earliest" in title_line(app)


async def test_keys_inside_the_real_app(settings, topic, producer) -> None:
    """In KafkaTuiApp: space/f toggle follow (not the app's refresh), p is the app's pause,
    q goes back to the view the tail was opened from."""
    from kafkatui.ui.app import KafkaTuiApp

    app = KafkaTuiApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        root = app.screen
        app.push_screen(TailScreen(topic, start=parse_start("end")))
        await ready(pilot)
        await produce(producer, topic, [{"value": b"inside the app"}])
        await until(pilot, "the row", lambda: table(app).row_count == 1)
        await pilot.press("space")
        assert not tail(app).following
        await pilot.press("f")
        assert tail(app).following
        await pilot.press("q")
        await until(pilot, "back at the root view", lambda: app.screen is root)
