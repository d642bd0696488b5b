"""kafka_clients: the bootstrap probe's verdicts and the client factory's settings (no broker).

The probe is run against local sockets that behave like broken servers (one never answers, one
refuses, one hangs up); a broker that answers is the live tests' business
(tests/live/test_kafka_source.py::test_a_hung_bootstrap_server_does_not_fail_start_up).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from kafka.net.compat import KafkaNetClient

from kafkatui.kafka.clients import (
    BootstrapUnreachable,
    client_factory,
    no_auto_create,
    probe,
    usable_bootstrap,
)


@pytest.fixture
def hung() -> Iterator[str]:
    """Accepts TCP (the kernel's backlog) and never answers, like a SIGSTOP'd broker."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def refused() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"  # nothing listens there any more


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """Accepts and closes at once, like a listener of another protocol."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(2)
    sock.close()


def test_probe_verdicts(hung: str, refused: str, hangs_up: str) -> None:
    assert probe(hung, time.monotonic() + 0.3) == ("hung", "connected, but no Kafka answer")
    assert probe(refused, time.monotonic() + 0.3) == ("unreachable", "Connection refused")
    assert probe(hangs_up, time.monotonic() + 0.3)[0] == "failed"
    assert probe("no-such-host.invalid:9092", time.monotonic() + 0.3) == ("unreachable", "unknown host")
    assert probe("[::1]:notaport", time.monotonic() + 0.3)[0] == "unreachable"


def test_every_server_hung_is_one_line_naming_it(hung: str) -> None:
    with pytest.raises(BootstrapUnreachable) as caught:
        usable_bootstrap([hung, hung], 0.5)
    reason = f"{hung}: connected, but no Kafka answer within 0.5 s"
    assert str(caught.value) == f"cannot reach any bootstrap server ({reason})"


def test_servers_nobody_can_reach_are_not_handed_to_kafka_python(refused: str) -> None:
    """Refused and unknown servers: kafka-python would only wait its timeout out on them and
    then say "KafkaTimeoutError"; the probe already knows why, for each one."""
    with pytest.raises(BootstrapUnreachable) as caught:
        usable_bootstrap([refused, "no-such-host.invalid:9092"], 5.0)
    assert str(caught.value) == (f"cannot reach any bootstrap server ({refused}: Connection refused; "
                                 "no-such-host.invalid:9092: unknown host)")


def test_servers_that_failed_after_connecting_go_to_kafka_python_so_it_names_the_problem(
    hung: str, refused: str, hangs_up: str
) -> None:
    """Nothing answered, but a server hung up after connecting (a TLS or SASL listener, say):
    kafka-python gets it and reports the real error; the hung and the refused ones are left out."""
    assert usable_bootstrap([hangs_up, hung, refused], 0.5) == [hangs_up]


def test_client_factory_turns_auto_creation_off_and_bounds_connection_set_up() -> None:
    """kafka-python 3.0.12 builds ClusterMetadata without allow_auto_create_topics, so its
    metadata requests ask for auto-creation whatever the client was told."""
    plain = KafkaNetClient(bootstrap_servers=["127.0.0.1:9"], allow_auto_create_topics=False)
    ours = client_factory(2.5)(bootstrap_servers=["127.0.0.1:9"], allow_auto_create_topics=False)
    try:
        for client in (plain, ours):
            client.cluster.set_topics(["some-topic"])
        assert plain.cluster.metadata_request().allow_auto_topic_creation is True  # the library bug
        assert ours.cluster.metadata_request().allow_auto_topic_creation is False
        assert ours._manager.config["socket_connection_setup_timeout_ms"] == 2500
        assert ours._manager.config["socket_connection_setup_timeout_max_ms"] == 2500
        assert no_auto_create(plain) is plain
        assert plain.cluster.metadata_request().allow_auto_topic_creation is False
    finally:
        plain.close()
        ours.close()
