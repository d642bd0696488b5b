"""The Confluent wire format (kafkatui/schemas/wire.py) and the registry options (config.py), pure."""

from __future__ import annotations

import pytest

from kafkatui.config import ConfigError, SchemaRegistry, load_settings
from kafkatui.schemas.wire import message_indexes, schema_id
from localcluster.seed_schemas import message_indexes as encode_indexes


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x00\x00\x00\x00\x11payload", 17),
    (b"\x00\x00\x00\x01\x00", 256),
    (b"\x00\x00\x00\x11", None),  # 4 bytes: too short to be framed
    (b"\x01\x00\x00\x00\x11", None),  # magic byte not 0
    (b"", None),
    (None, None),
])
def test_schema_id_needs_magic_zero_and_five_bytes(data, expected) -> None:
    assert schema_id(data) == expected


@pytest.mark.parametrize("path", [[0], [1], [0, 2], [3, 0, 70], [200]])
def test_message_indexes_round_trip(path) -> None:
    data = b"\x00\x00\x00\x00\x07" + encode_indexes(path) + b"PAYLOAD"
    indexes, pos = message_indexes(data, 5)
    assert indexes == path and data[pos:] == b"PAYLOAD"


def test_first_message_is_the_single_byte_zero() -> None:
    assert encode_indexes([0]) == b"\x00"
    assert message_indexes(b"\x00rest", 0) == ([0], 1)
    assert message_indexes(b"\x02\x02rest", 0) == ([1], 2)  # count 1 (zig-zag 2), index 1 (zig-zag 2)


@pytest.mark.parametrize("data", [b"", b"\x80", b"\x04\x02", b"\x01\x00", b"\xff" * 10 + b"\x01"])
def test_bad_message_indexes_raise(data) -> None:
    with pytest.raises(ValueError):
        message_indexes(data, 0)


def test_registry_options_from_flags_env_and_profile(tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[clusters.prod]\nbootstrap = "k:9092"\nschema_registry = "https://sr.example:8081/"\n'
                   'schema_registry_username = "u"\nschema_registry_password = "p"\n'
                   'schema_registry_cafile = "/ca.pem"\n')
    from_profile = load_settings({"cluster": "prod"}, env={}, path=cfg).schema_registry
    assert from_profile == SchemaRegistry("https://sr.example:8081", "u", "p", "/ca.pem")
    env = {"KAFKATUI_SCHEMA_REGISTRY": "http://env:1/apis/ccompat/v7", "KAFKATUI_SCHEMA_REGISTRY_PASSWORD": "q"}
    from_env = load_settings({"cluster": "prod"}, env=env, path=cfg).schema_registry
    assert from_env == SchemaRegistry("http://env:1/apis/ccompat/v7", "u", "q", "/ca.pem")
    flags = {"cluster": "prod", "schema_registry": "http://flag:2", "schema_registry_username": "v"}
    assert load_settings(flags, env=env, path=cfg).schema_registry.url == "http://flag:2"
    assert load_settings({"bootstrap": "k:1"}, env={}, path=tmp_path / "none.toml").schema_registry.url is None


@pytest.mark.parametrize("bad", ["sr.example:8081", "ftp://x", "http://"])
def test_a_bad_registry_url_is_one_line(bad, tmp_path) -> None:
    with pytest.raises(ConfigError, match="schema registry must be an http"):
        load_settings({"bootstrap": "k:1", "schema_registry": bad}, env={}, path=tmp_path / "none.toml")
