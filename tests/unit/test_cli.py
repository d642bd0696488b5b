"""The command line's failure contract: one line on stderr, exit 2, fast, no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from kafkatui import __version__


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp/kafkatui-test-home", "XDG_CONFIG_HOME": "/nonexistent"}
    return subprocess.run(
        [sys.executable, "-m", "kafkatui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**base, **(env or {})},
    )


def assert_one_line_exit_2(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("kafkatui: ")
    return lines[0]


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kafkatui {__version__}"


@pytest.mark.parametrize(
    ("bootstrap", "expected"),
    [
        ("host:notaport", "'notaport' is not a number"),
        ("", "bootstrap servers are empty"),
        ("a:1,,b:2", "empty entry"),
        ("justahost", "expected HOST:PORT"),
        ("h:70000", "not a number 1-65535"),
    ],
)
def test_malformed_bootstrap(bootstrap: str, expected: str) -> None:
    line = assert_one_line_exit_2(run("--bootstrap", bootstrap))
    assert expected in line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", [[], ["snapshot", "--json"]])
def test_unreachable_bootstrap_fails_fast(command: list[str]) -> None:
    port = free_port()  # nothing listens here once the socket is closed
    line = assert_one_line_exit_2(run(*command, "--bootstrap", f"127.0.0.1:{port}"))
    assert "cannot reach any bootstrap server" in line
    assert f"127.0.0.1:{port}" in line
    # Fast by cause, not by clock: the refusal itself is reported, so no timeout was waited for
    # (a silent port is tests/unit/test_cli_hung_bootstrap.py's case).
    assert "Connection refused" in line


def test_unknown_host_is_one_line() -> None:
    line = assert_one_line_exit_2(run("--bootstrap", "no-such-host.invalid:9092"))
    assert "unknown host" in line


def test_no_bootstrap_at_all() -> None:
    line = assert_one_line_exit_2(run())
    assert "no Kafka cluster given" in line


def test_bad_flag_is_one_line() -> None:
    line = assert_one_line_exit_2(run("--refresh", "fast"))
    assert "--refresh" in line


@pytest.mark.parametrize("value", ["0.2", "0"])  # 0 used to be taken as "not given": refresh 5
def test_refresh_minimum(value: str) -> None:
    line = assert_one_line_exit_2(run("--bootstrap", "127.0.0.1:9", "--refresh", value))
    assert "at least 1" in line


def test_bad_config_file_names_file(tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("refresh = [\n")
    line = assert_one_line_exit_2(run("--config", str(cfg), "--bootstrap", "127.0.0.1:9"))
    assert str(cfg) in line


def test_info_prints_paths(tmp_path) -> None:
    result = run("info", env={"XDG_CONFIG_HOME": str(tmp_path), "KAFKATUI_BOOTSTRAP": "127.0.0.1:9092"})
    assert result.returncode == 0, result.stderr
    assert f"{tmp_path}/kafkatui/config.toml" in result.stdout
    assert "kafkatui.log" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tail", "orders", "--from", "yesterday"], "unknown start position 'yesterday'"),
        (["--tail", "orders", "--partitions", "x"], "bad partition 'x'"),
        (["--from", "earliest"], "--from and --partitions need --tail TOPIC"),
        (["--tail", " "], "--tail needs a topic name"),
    ],
)
def test_bad_tail_arguments(args: list[str], expected: str) -> None:
    with socket.socket() as server:  # a reachable "bootstrap" so only the tail arguments can fail
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        line = assert_one_line_exit_2(run("--bootstrap", f"127.0.0.1:{port}", *args))
    assert expected in line


def test_tail_request_parses_every_part() -> None:
    from kafkatui.cli import build_parser, tail_request

    topic, partitions, start = tail_request(
        build_parser().parse_args(["--tail", "orders", "--from", "last:5", "--partitions", "0-2"])
    )
    assert (topic, partitions, start.text) == ("orders", (0, 1, 2), "last:5")
    assert tail_request(build_parser().parse_args([])) is None


def test_failure_line_escapes_cluster_strings(capsys: pytest.CaptureFixture[str]) -> None:
    """A SourceError can quote a group id or a broker's error message; stderr is the terminal."""
    from kafkatui.cli import _fail

    assert _fail("kafka: describe group g\x1b]52;c;aGVsbG8=\x07\x1b[2J: boom\nsecond line") == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert err == "kafkatui: kafka: describe group g\\x1b]52;c;aGVsbG8=\\x07\\x1b[2J: boom\\nsecond line\n"
