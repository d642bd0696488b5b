"""The issue's CLI bad-input list, against the real cluster: one line and exit 2, or a clear on-screen message.

Already covered elsewhere, not repeated: an unreachable bootstrap, a malformed bootstrap
(`host:notaport`, empty) and a TOML syntax error in the config file (tests/unit/test_cli.py), and
broken/unknown themes inside the app (tests/ui/test_terminal.py). Added here: a wrong ZooKeeper
address, SASL against the plaintext cluster, config values that are wrong (not mistyped TOML),
and a broken theme through the installed command in tmux.

Decided for `snapshot --json` with a wrong ZooKeeper address: exit 2 with one line naming the
address, after at most the connect timeout. The snapshot promises every source in one document,
and a ZooKeeper that was named but cannot be reached is a misconfigured cluster (the contract's
exit 2), not data. The TUI, which can carry on, shows the error in the ZooKeeper view and header.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.tmux_server import TmuxServer
from kafkatui.refresh.state import Source
from kafkatui.ui.widgets.stale import StaleBanner
from kafkatui.ui.widgets.table import FilterTable
from tests.conftest import installed_command_for_tmux
from tests.reliability.helpers import KeyProbe, flat, text, wait_until

CONNECT_TIMEOUT_S = 4.0  # the default; every failure below must be reported within it plus start-up
SASL = ("--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN", "--sasl-username", "x")
SASL_ENV = {"KAFKATUI_SASL_PASSWORD": "y"}  # not --sasl-password: that adds its own `ps` warning line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> tuple[Any, float]:
    base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp/kafkatui-test-home", "XDG_CONFIG_HOME": "/nonexistent"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "kafkatui", *args], capture_output=True, text=True,
                            timeout=timeout, env={**base, **(env or {})})
    return result, time.monotonic() - started


def one_line_exit_2(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kafkatui: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


# --------------------------------------------------------------------------- wrong ZooKeeper address


def test_snapshot_with_a_wrong_zookeeper_is_one_line_exit_2(cluster) -> None:
    wrong = f"127.0.0.1:{free_port()}"
    result, took = run("snapshot", "--json", "--no-processes", "--bootstrap", cluster.bootstrap, "--zookeeper", wrong)
    line = one_line_exit_2(result)
    assert f"zookeeper: cannot reach {wrong}" in line
    assert took < CONNECT_TIMEOUT_S + 4, f"took {took:.1f}s"


async def test_app_with_a_wrong_zookeeper_says_so_and_kafka_carries_on(app_factory, probe: KeyProbe) -> None:
    wrong = f"127.0.0.1:{free_port()}"
    app = app_factory(refresh=1.0, zookeeper=wrong)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.state.cluster is not None and app.state.health[Source.ZOOKEEPER].failures,
                         CONNECT_TIMEOUT_S + 20, "Kafka data and a failed ZooKeeper attempt")
        await probe.warm(pilot, end="zookeeper")
        banner = app.screen.query_one(StaleBanner)
        await wait_until(pilot, lambda: f"cannot reach {wrong}" in banner.text, 10, "the error in the ZooKeeper view")
        assert "ZooKeeper: connecting…" in banner.text and "retrying in" in banner.text
        assert "ZK DOWN" in text(app)
        await probe.switch(pilot, "3", "topics")
        await wait_until(pilot, lambda: "orders" in app.screen.query_one(FilterTable).visible_keys()
                         and not app.state.health[Source.CLUSTER].stale, 10, "the topics view working")
        await probe.switch(pilot, "1", "overview")
        await wait_until(pilot, lambda: "ZooKeeper" in text(app) and "Brokers 3" in flat(app), 10, "the overview")
        assert app.is_running and app.view_errors == []
    probe.check()


# --------------------------------------------------------------------------- SASL against a plaintext listener


def test_snapshot_with_sasl_against_plaintext_is_one_line_exit_2(cluster) -> None:
    result, took = run("snapshot", "--json", "--no-processes", "--bootstrap", cluster.bootstrap, *SASL, env=SASL_ENV)
    line = one_line_exit_2(result)
    assert "rejected the SASL handshake" in line and "--security-protocol" in line, line
    assert "cannot reach" not in line  # the brokers answered; "cannot reach" would mislead
    assert took < CONNECT_TIMEOUT_S + 4, f"took {took:.1f}s: no hang beyond the connect timeout"


async def test_app_with_sasl_against_plaintext_shows_why(app_factory, probe: KeyProbe) -> None:
    app = app_factory(refresh=1.0, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="x",
                      sasl_password="y")
    assert app.settings.security.protocol == "SASL_PLAINTEXT"
    async with app.run_test(size=(160, 48)) as pilot:
        took = await wait_until(pilot, lambda: app.state.health[Source.CLUSTER].failures >= 1,
                                CONNECT_TIMEOUT_S + 6, "the first failed attempt")
        assert took < CONNECT_TIMEOUT_S + 4
        banner = app.screen.query_one(StaleBanner)
        await wait_until(pilot, lambda: "rejected the SASL handshake" in banner.text, 5, "the reason on screen")
        assert "Kafka DOWN" in text(app) and "retrying in" in text(app)
        for _ in range(3):
            await probe.help_roundtrip(pilot)
        await probe.switch(pilot, "3", "topics")
        assert app.is_running and app.view_errors == []
    probe.check()


# --------------------------------------------------------------------------- a config file with wrong values


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('refresh = "soon"\n', "refresh must be a number"),
        ("refresh = 0.2\n", "refresh: refresh must be at least 1"),
        ("tail_buffer = 5\n", "tail_buffer must be an integer between 100 and 1000000"),
        ("connect_timeout = 999\n", "connect_timeout must be 0.5-60 seconds"),
        ('color = "red"\n', "color: color must be one of"),
        ('colour = "red"\n', "unknown key 'colour'"),
        ('default_cluster = "prod"\n[clusters.prod]\nbootstrap = "host:notaport"\n',
         "[clusters.prod] bootstrap: malformed bootstrap server 'host:notaport'"),
        ('default_cluster = "nope"\n', "unknown cluster profile 'nope'"),
    ],
)
def test_config_file_with_wrong_values_names_file_and_key(tmp_path: Path, content: str, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    extra = () if "clusters.prod" in content else ("--bootstrap", "127.0.0.1:9")
    result, took = run("--config", str(config), *extra)
    line = one_line_exit_2(result)
    assert str(config) in line and expected in line, line
    assert took < 5


# --------------------------------------------------------------------------- a broken theme, end to end in tmux


@pytest.mark.e2e
def test_broken_theme_through_the_installed_command(cluster, tmp_path: Path, tmux_server: TmuxServer) -> None:
    command = installed_command_for_tmux()
    themes = tmp_path / "config" / "kafkatui" / "themes"
    themes.mkdir(parents=True)
    broken = themes / "broken.toml"
    broken.write_text('name = "broken"\n[colors]\nprimary = \n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "TERM": "xterm-256color"}
    args = [command, "--bootstrap", cluster.bootstrap, "--zookeeper", cluster.zookeeper or "", "--theme", "broken",
            "--refresh", "2"]
    run_ = tmux_server.launch(args, env, (120, 36), exit_file=tmp_path / "exit", name="kafkatui-rel")
    try:
        screen = run_.wait_for(lambda s: "READ-ONLY" in s and "broken.toml" in " ".join(s.split()), 40,
                               "the app with a notice naming the broken theme file", joined=True)
        folded = " ".join(screen.split())
        assert "line 3" in folded, folded
        run_.wait_for(lambda s: "Brokers 3" in " ".join(s.split()), 40, "live data: the app carried on", joined=True)
        run_.keys("Q")
        assert run_.exit_code() == 0
    finally:
        run_.close()
