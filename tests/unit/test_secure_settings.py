"""Security settings: secrets from files, never in a repr, warnings when exposed; the
OAUTHBEARER token command's output and refresh (with the real mint_jwt.py script)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from kafkatui.config import ConfigError, load_settings
from kafkatui.kafka import oauth
from kafkatui.kafka.oauth import TokenCommandError, TokenCommandProvider, jwt_expiry, parse_output

MINT_JWT = Path(__file__).resolve().parents[2] / "localcluster" / "mint_jwt.py"
BOOT = {"KAFKATUI_BOOTSTRAP": "127.0.0.1:9092"}


def settings(tmp_path: Path, args: dict | None = None, env: dict | None = None, config: str | None = None):
    path = tmp_path / "config.toml"
    if config is not None:
        path.write_text(config)
        path.chmod(0o600)
    return load_settings(args or {}, env={**BOOT, **(env or {})}, path=path)


def test_password_file_is_read_and_never_in_a_repr(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret-value\n")
    s = settings(tmp_path, env={"KAFKATUI_SECURITY_PROTOCOL": "SASL_SSL", "KAFKATUI_SASL_MECHANISM": "SCRAM-SHA-512",
                                "KAFKATUI_SASL_PASSWORD_FILE": str(secret), "KAFKATUI_ZOOKEEPER_DIGEST": "u:zk-secret"})
    assert s.security.sasl_password == "s3cret-value"
    assert s.security.client_kwargs()["sasl_plain_password"] == "s3cret-value"
    assert s.zk_security.kazoo_kwargs()["auth_data"] == [("digest", "u:zk-secret")]
    assert "s3cret-value" not in repr(s) and "zk-secret" not in repr(s)
    assert s.warnings == ()


@pytest.mark.parametrize(("content", "says"), [(None, "cannot read"), ("", "is empty")])
def test_bad_password_file_is_one_line(tmp_path: Path, content: str | None, says: str) -> None:
    path = tmp_path / "pw"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=says):
        settings(tmp_path, args={"sasl_password_file": str(path)})


def test_password_on_the_command_line_is_warned_about(tmp_path: Path) -> None:
    s = settings(tmp_path, args={"sasl_password": "x"})
    assert len(s.warnings) == 1 and "`ps`" in s.warnings[0]


@pytest.mark.parametrize(("mode", "warned"), [(0o600, False), (0o640, True), (0o644, True)])
def test_readable_config_file_holding_a_password_is_warned_about(tmp_path: Path, mode: int, warned: bool) -> None:
    config = '[clusters.prod]\nbootstrap = "k:9092"\nsasl_password = "pw"\n'
    path = tmp_path / "config.toml"
    path.write_text(config)
    path.chmod(mode)
    s = load_settings({"cluster": "prod"}, env={}, path=path)
    assert bool([w for w in s.warnings if "readable by others" in w]) is warned


def test_oauthbearer_needs_a_token_command(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--sasl-oauth-token-command"):
        settings(tmp_path, env={"KAFKATUI_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                                "KAFKATUI_SASL_MECHANISM": "OAUTHBEARER"})


def test_zookeeper_digest_must_be_user_colon_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="USER:PASSWORD"):
        settings(tmp_path, env={"KAFKATUI_ZOOKEEPER_DIGEST": "nocolon"})


def test_token_output_forms() -> None:
    jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjoxMDAwfQ."  # {"sub":"x","exp":1000}
    assert jwt_expiry(jwt) == 1000
    assert parse_output(jwt + "\n", now=1).expires_at == 1000
    assert parse_output("opaque\n2000\n", now=1).expires_at == 2000
    assert parse_output("opaque", now=1).expires_at == 1 + oauth.DEFAULT_LIFETIME_S
    kubectl = '{"status": {"token": "t", "expirationTimestamp": "1970-01-01T00:50:00Z"}}'
    assert parse_output(kubectl, now=1) == oauth.Token("t", 3000)
    with pytest.raises(TokenCommandError, match="printed nothing"):
        parse_output("\n", now=1)


def test_token_is_reused_then_fetched_again_before_expiry(tmp_path: Path) -> None:
    count = tmp_path / "runs"
    command = shlex.join([sys.executable, str(MINT_JWT), "--lifetime", "2", "--count-file", str(count)])
    provider = TokenCommandProvider(command)
    try:
        first = provider.token()
        assert provider.token() == first and provider.runs == 1  # reused, not run per connection
        from tests.conftest import wait_for

        wait_for("a refresh before expiry", lambda: provider.runs >= 2, 30, interval=0.1)
        assert jwt_expiry(first) is not None and len(count.read_text().splitlines()) == provider.runs
    finally:
        provider.close()


def test_failing_token_command_says_why() -> None:
    provider = TokenCommandProvider("sh -c 'echo no identity >&2; exit 1'")
    with pytest.raises(TokenCommandError, match="no identity"):
        provider.token()
    assert provider.last_error == "the token command failed: no identity"
