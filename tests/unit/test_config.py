"""Settings precedence and validation (pure: no cluster)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kafkatui.config import ConfigError, load_settings, parse_bootstrap, parse_zookeeper


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


PROFILE = """
default_cluster = "prod"
refresh = 7
[clusters.prod]
bootstrap = "k1:9092,k2:9092"
zookeeper = "z1:2181/kafka"
security_protocol = "SASL_PLAINTEXT"
sasl_mechanism = "scram-sha-512"
sasl_username = "ops"
[clusters.dev]
bootstrap = ["d1:9092"]
"""


def test_profile_from_file(tmp_path: Path) -> None:
    s = load_settings({}, env={}, path=write(tmp_path, PROFILE))
    assert s.bootstrap == ("k1:9092", "k2:9092")
    assert s.zookeeper == "z1:2181/kafka"
    assert s.refresh_s == 7
    assert s.cluster_name == "prod"
    assert s.security.client_kwargs()["sasl_mechanism"] == "SCRAM-SHA-512"
    assert s.security.client_kwargs()["sasl_plain_username"] == "ops"


def test_env_overrides_config_and_flags_override_env(tmp_path: Path) -> None:
    path = write(tmp_path, PROFILE)
    env = {"KAFKATUI_BOOTSTRAP": "e:1", "KAFKATUI_REFRESH": "3"}
    s = load_settings({}, env=env, path=path)
    assert s.bootstrap == ("e:1",)
    assert s.refresh_s == 3
    s = load_settings({"bootstrap": "f:2", "refresh": 9, "cluster": "dev"}, env=env, path=path)
    assert s.bootstrap == ("f:2",)
    assert s.refresh_s == 9


def test_list_bootstrap_in_profile(tmp_path: Path) -> None:
    s = load_settings({"cluster": "dev"}, env={}, path=write(tmp_path, PROFILE))
    assert s.bootstrap == ("d1:9092",)


def test_unknown_profile_lists_known(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown cluster profile 'x'.*dev, prod"):
        load_settings({"cluster": "x"}, env={}, path=write(tmp_path, PROFILE))


def test_unknown_key_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key clusters.prod.bootstrp"):
        load_settings({}, env={}, path=write(tmp_path, '[clusters.prod]\nbootstrp = "x:1"\n'))


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "refresh = 5\ntheme = \n")
    with pytest.raises(ConfigError) as err:
        load_settings({"bootstrap": "a:1"}, env={}, path=path)
    assert str(path) in str(err.value)
    assert "line 2" in str(err.value)


def test_no_color_env_forces_none(tmp_path: Path) -> None:
    s = load_settings({"bootstrap": "a:1"}, env={"NO_COLOR": "1"}, path=tmp_path / "none.toml")
    assert s.color == "none"


def test_kraft_has_no_zookeeper(tmp_path: Path) -> None:
    s = load_settings({"bootstrap": "a:1"}, env={"KAFKATUI_ZOOKEEPER": ""}, path=tmp_path / "none.toml")
    assert s.zookeeper is None


@pytest.mark.parametrize("value", ["a:1", "a:1,b:2", "[::1]:9092", "host-1.example.com:9092"])
def test_good_bootstrap(value: str) -> None:
    assert ",".join(parse_bootstrap(value)) == value


def test_zookeeper_chroot() -> None:
    assert parse_zookeeper("a:1,b:2/kafka") == "a:1,b:2/kafka"
    with pytest.raises(ConfigError):
        parse_zookeeper("a:x/kafka")
