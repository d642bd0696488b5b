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


@pytest.mark.parametrize(
    ("text", "key", "what"),
    [
        ('[clusters.p]\nbootstrap = "k:9092"\nzookeeper = 2181\n', "clusters.p.zookeeper", "must be a string"),
        ('[clusters.p]\nbootstrap = "k:9092"\nsasl_mechanism = 5\n', "clusters.p.sasl_mechanism", "must be a string"),
        ('[clusters.p]\nbootstrap = "k:9092"\nsecurity_protocol = 1\n', "clusters.p.security_protocol", "string"),
        ('[clusters.p]\nbootstrap = 9092\n', "clusters.p.bootstrap", "a string or a list of strings"),
        ('[clusters.p]\nbootstrap = ["k:9092", 2]\n', "clusters.p.bootstrap", "a string or a list of strings"),
        ('[clusters.p]\nbootstrap = "k:9092"\nssl_check_hostname = "no"\n', "clusters.p.ssl_check_hostname",
         "true or false"),
        ('[clusters.p]\nbootstrap = "k:9092"\nrefresh = true\n', "clusters.p.refresh", "must be a number"),
        ("connect_timeout = true\n", "connect_timeout", "must be a number"),
        ('connect_timeout = "4"\n', "connect_timeout", "must be a number"),
        ('refresh = "5"\n', "refresh", "must be a number"),
        ('refresh_share = "25%"\n', "refresh_share", "must be a number"),
        ("theme = 5\n", "theme", "must be a string"),
        ('mouse = "no"\n', "mouse", "true or false"),
        ("tail_buffer = true\n", "tail_buffer", "an integer"),
        ("tail_buffer = 500.5\n", "tail_buffer", "an integer"),
        ("default_cluster = 1\n", "default_cluster", "must be a string"),
        ('color = ["none"]\n', "color", "must be a string"),
    ],
)
def test_wrong_types_name_the_file_and_key(tmp_path: Path, text: str, key: str, what: str) -> None:
    """Used to crash with AttributeError (zookeeper = 2181) or be accepted (connect_timeout = true)."""
    path = write(tmp_path, 'default_cluster = "p"\n' + text if text.startswith("[") else text)
    with pytest.raises(ConfigError) as info:
        load_settings({"bootstrap": "k:9092"} if not text.startswith("[") else {}, env={}, path=path)
    message = str(info.value)
    assert str(path) in message and f"{key} must be" in message and what in message


@pytest.mark.parametrize("value", [0, 0.0, 0.5])
def test_refresh_flag_below_one_is_rejected_not_replaced_by_the_default(tmp_path: Path, value: float) -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings({"bootstrap": "k:9092", "refresh": value}, env={}, path=tmp_path / "none.toml")


def test_refresh_zero_in_a_profile_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, 'default_cluster = "p"\nrefresh = 7\n[clusters.p]\nbootstrap = "k:9092"\nrefresh = 0\n')
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings({}, env={}, path=path)


@pytest.mark.parametrize("value", [True, float("nan"), float("inf")])
def test_refresh_must_be_a_finite_number(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError, match="refresh must be a number"):
        load_settings({"bootstrap": "k:9092", "refresh": value}, env={}, path=tmp_path / "none.toml")


def test_right_types_still_load(tmp_path: Path) -> None:
    path = write(tmp_path, 'connect_timeout = 2\nrefresh = 2.5\nmouse = false\ntail_buffer = 200\ntheme = "x"\n'
                           '[clusters.p]\nbootstrap = ["a:1", "b:2"]\nssl_check_hostname = false\nrefresh = 3\n')
    s = load_settings({"cluster": "p"}, env={}, path=path)
    assert (s.connect_timeout_s, s.refresh_s, s.mouse, s.tail_buffer) == (2.0, 3.0, False, 200)
    assert s.bootstrap == ("a:1", "b:2") and s.security.ssl_check_hostname is False


@pytest.mark.parametrize("text", ["refresh_share = 0\n", "refresh_share = 25\n", "refresh_share = nan\n"])
def test_refresh_share_out_of_range_names_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"refresh_share must be 0\.01-1") as info:
        load_settings({"bootstrap": "k:9092"}, env={}, path=path)
    assert str(path) in str(info.value)


def test_refresh_share_defaults_to_a_fortieth_and_can_be_set(tmp_path: Path) -> None:
    assert load_settings({"bootstrap": "k:9092"}, env={}, path=tmp_path / "none.toml").refresh_share == 0.025
    path = write(tmp_path, "refresh_share = 0.5\n")
    assert load_settings({"bootstrap": "k:9092"}, env={}, path=path).refresh_share == 0.5
