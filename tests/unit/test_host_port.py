"""The one host:port split (config.split_host_port): Kafka bootstrap servers, the bootstrap probe
and ZooKeeper's server list all read `host:port` through it, IPv6 literals in brackets."""

from __future__ import annotations

import pytest

from kafkatui.config import ConfigError, parse_bootstrap, split_host_port


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("127.0.0.1:9092", ("127.0.0.1", 9092)),
        ("broker-1.kafka.svc:19092", ("broker-1.kafka.svc", 19092)),
        ("[::1]:9092", ("::1", 9092)),
        ("[fe80::1:2]:65535", ("fe80::1:2", 65535)),
        ("[::ffff:127.0.0.1]:1", ("::ffff:127.0.0.1", 1)),
        (" localhost:9092 ", ("localhost", 9092)),
    ],
)
def test_split_host_port(server: str, expected: tuple[str, int]) -> None:
    assert split_host_port(server) == expected


def test_a_default_port_is_used_only_when_one_is_given() -> None:
    """ZooKeeper connect strings may leave the port out (2181); Kafka bootstrap servers may not."""
    assert split_host_port("zk1", default_port=2181) == ("zk1", 2181)
    assert split_host_port("[::1]", default_port=2181) == ("::1", 2181)
    assert split_host_port("zk1:2182", default_port=2181) == ("zk1", 2182)
    with pytest.raises(ValueError, match="expected HOST:PORT"):
        split_host_port("zk1")


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("justahost", "expected HOST:PORT"),
        ("::1:9092", "expected HOST:PORT"),  # an IPv6 literal needs its brackets: which colon is the port's?
        ("[::1]9092", "expected HOST:PORT"),
        ("", "expected HOST:PORT"),
        ("host:", "port '' is not a number 1-65535"),
        ("host:notaport", "port 'notaport' is not a number 1-65535"),
        ("host:70000", "port '70000' is not a number 1-65535"),
        ("host:0", "port '0' is not a number 1-65535"),
        ("host:\u00b2", "is not a number 1-65535"),  # str.isdigit() says yes to a superscript two
    ],
)
def test_split_host_port_says_what_is_wrong(server: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        split_host_port(server)


def test_parse_bootstrap_names_the_bad_part_with_the_splits_reason() -> None:
    assert parse_bootstrap("a:1,[::1]:2") == ("a:1", "[::1]:2")
    with pytest.raises(ConfigError, match=r"malformed bootstrap server 'h:x': port 'x' is not a number 1-65535"):
        parse_bootstrap("a:1,h:x")
