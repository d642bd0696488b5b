"""The one bootstrap probe (sources/kafka_clients.py), used by the command line and the sources:
a first server that hangs must not keep the second, which answers, from being used.

The hung servers are real loopback listeners: one accepts TCP and never answers Kafka (a wedged
broker), one never completes the TCP handshake (its accept queue is full, so the kernel drops
the SYN, like a blackholed address). The answering server is the real shared cluster.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_cli_hung_bootstrap import installed_kafkatui

pytestmark = pytest.mark.live

BUDGET_S = 60.0  # each server's own timeout; the answer must not wait for the hung one to use it up
EXIT_WITHIN_S = 40  # bounds a hang of the command below; it times nothing


@pytest.fixture(params=["no Kafka answer", "no TCP handshake"])
def hung(request: pytest.FixtureRequest) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    address = sock.getsockname()
    filler: socket.socket | None = None
    if request.param == "no Kafka answer":
        sock.listen(64)  # the kernel completes the handshake; nobody ever reads or writes
    else:
        sock.listen(0)
        filler = socket.create_connection(address)  # fills the accept queue: further SYNs are dropped
        with socket.socket() as check, pytest.raises(TimeoutError):
            check.settimeout(0.5)
            check.connect(address)
    yield f"{address[0]}:{address[1]}"
    if filler is not None:
        filler.close()
    sock.close()


def test_a_hung_first_server_does_not_keep_the_second_from_answering(cluster, hung: str) -> None:
    from kafkatui.kafka.clients import probe_all, usable_bootstrap

    good = cluster.bootstrap.split(",")[0]
    verdicts = probe_all([hung, good], BUDGET_S)
    assert verdicts[good] == ("answered", "")
    assert verdicts.get(hung, ("hung", ""))[0] == "hung"  # still waiting when the good one answered
    assert usable_bootstrap([hung, good], BUDGET_S) == [good]


def test_snapshot_with_a_hung_first_bootstrap_server_uses_the_second(cluster, hung: str, tmp_path: Path) -> None:
    """Through the installed command, with a connect timeout of 60 s: the command line used to
    probe the servers one after another, so a first server that hangs ate the whole budget."""
    config = tmp_path / "config.toml"
    config.write_text(f"connect_timeout = {BUDGET_S:g}\n")
    good = cluster.bootstrap.split(",")[0]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "none"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    try:
        result = subprocess.run([installed_kafkatui(), "snapshot", "--json", "--no-processes", "--config", str(config),
                                 "--bootstrap", f"{hung},{good}"], capture_output=True, text=True, env=env,
                                timeout=EXIT_WITHIN_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"snapshot still running after {EXIT_WITHIN_S} s: it waited on the hung first server")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["brokers"]) == 3
