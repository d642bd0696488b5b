"""Command line: `kafkatui` (the monitor), `kafkatui snapshot --json`, `kafkatui info`.

Every user-facing failure here becomes one line on stderr and exit code 2: argparse's
multi-line usage dump is replaced, config errors are caught before any client exists, and a
cluster that cannot be used is found by connecting to it first (`connect_kafka`), within the
connect timeout, instead of kafka-python's 30 s wait or a monitor that retries forever.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NoReturn

from kafkatui import __version__
from kafkatui.config import COLOR_CHOICES, ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from kafkatui.kafka.source import KafkaSource

EXIT_OK = 0
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that fails with one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"kafkatui: {message} (see kafkatui --help)\n")


def _common_options() -> argparse.ArgumentParser:
    """Options accepted both before and after a subcommand (defaults suppressed so either works)."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    conn = common.add_argument_group("connection")
    conn.add_argument(
        "--bootstrap", "-b", metavar="HOST:PORT[,...]", help="Kafka bootstrap servers (env KAFKATUI_BOOTSTRAP)"
    )
    conn.add_argument(
        "--zookeeper",
        "-z",
        metavar="HOST:PORT[/chroot]",
        help="ZooKeeper connect string (env KAFKATUI_ZOOKEEPER); omit on KRaft",
    )
    conn.add_argument("--cluster", "-c", metavar="NAME", help="profile from the config file (env KAFKATUI_CLUSTER)")
    conn.add_argument("--config", metavar="PATH", help="config file (default $XDG_CONFIG_HOME/kafkatui/config.toml)")
    sec = common.add_argument_group("security (passed to kafka-python)")
    sec.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])
    sec.add_argument("--sasl-mechanism", metavar="MECH", help="PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...")
    sec.add_argument("--sasl-username", metavar="USER")
    sec.add_argument("--sasl-password", metavar="PASS",
                     help="visible in `ps`: prefer --sasl-password-file or env KAFKATUI_SASL_PASSWORD")
    sec.add_argument("--sasl-password-file", metavar="PATH", help="read the SASL password from its first line")
    sec.add_argument("--sasl-oauth-token-command", metavar="CMD",
                     help="OAUTHBEARER: a command printing a token; run again before the token expires")
    sec.add_argument("--ssl-cafile", metavar="PATH")
    sec.add_argument("--ssl-certfile", metavar="PATH")
    sec.add_argument("--ssl-keyfile", metavar="PATH")
    sec.add_argument("--ssl-no-check-hostname", action="store_true")
    reg = common.add_argument_group("schema registry (decodes Avro, Protobuf and JSON Schema records)")
    reg.add_argument("--schema-registry", metavar="URL",
                     help="Confluent-compatible base URL (env KAFKATUI_SCHEMA_REGISTRY)")
    reg.add_argument("--schema-registry-username", metavar="USER", help="basic auth user")
    reg.add_argument("--schema-registry-password", metavar="PASS",
                     help="basic auth password; prefer env KAFKATUI_SCHEMA_REGISTRY_PASSWORD")
    reg.add_argument("--schema-registry-cafile", metavar="PATH", help="CA bundle for an https registry")
    zks = common.add_argument_group("ZooKeeper security (passed to kazoo)")
    zks.add_argument("--zookeeper-ssl-cafile", metavar="PATH", help="TLS to ZooKeeper: the CA to trust")
    zks.add_argument("--zookeeper-ssl-certfile", metavar="PATH", help="TLS client certificate (PEM)")
    zks.add_argument("--zookeeper-ssl-keyfile", metavar="PATH", help="TLS client key (PEM)")
    zks.add_argument("--zookeeper-digest-file", metavar="PATH",
                     help="digest credentials USER:PASSWORD on its first line (env KAFKATUI_ZOOKEEPER_DIGEST)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = _Parser(
        prog="kafkatui",
        description="A read-only terminal monitor for a running Apache Kafka cluster.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"kafkatui {__version__}")
    ui = parser.add_argument_group("display")
    ui.add_argument(
        "--refresh",
        "-r",
        type=float,
        metavar="SECONDS",
        default=argparse.SUPPRESS,
        help="refresh interval, minimum 1 (default 5; env KAFKATUI_REFRESH)",
    )
    ui.add_argument("--theme", metavar="NAME", default=argparse.SUPPRESS, help="colour theme (env KAFKATUI_THEME)")
    ui.add_argument(
        "--color", choices=COLOR_CHOICES, default=argparse.SUPPRESS, help="colour system; NO_COLOR is honoured"
    )
    ui.add_argument(
        "--no-mouse",
        action="store_true",
        default=argparse.SUPPRESS,
        help="leave the mouse to the terminal (text selection)",
    )
    ui.add_argument(
        "--wait",
        action="store_true",
        default=argparse.SUPPRESS,
        help="open even when no bootstrap server answers, and keep retrying",
    )
    tail = parser.add_argument_group("tail")
    tail.add_argument("--tail", "-t", metavar="TOPIC", default=argparse.SUPPRESS,
                      help="open straight into the live tail of TOPIC")
    tail.add_argument("--from", dest="tail_from", metavar="POS", default=argparse.SUPPRESS,
                      help="where the tail starts: end (default), earliest, last:N (per partition), offset:N, "
                           "time:ISO-8601|epoch-ms|-5m")
    tail.add_argument("--partitions", dest="tail_partitions", metavar="LIST", default=argparse.SUPPRESS,
                      help="tail only these partitions: 0,2,5 or 0-3 (default all)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    snap = sub.add_parser("snapshot", parents=[common], help="one full refresh of every source, printed")
    snap.add_argument("--json", action="store_true", help="print one JSON document (the only format)")
    snap.add_argument("--no-processes", action="store_true", help="skip the host process scan")
    sub.add_parser("info", parents=[common], help="print config, theme and log paths")
    return parser


def _fail(message: str) -> int:
    """One line on stderr; escaped, because it may quote the cluster (a group id, a broker's
    error message) or a config file, and stderr is the operator's terminal."""
    from kafkatui.decode import escape_text

    print(f"kafkatui: {escape_text(message)}", file=sys.stderr)
    return EXIT_USAGE


def connect_kafka(settings: Settings) -> KafkaSource:
    """A connected KafkaSource, or SourceError saying in one line why not: the start-up check of
    both `snapshot` and the monitor (without --wait).

    A TCP connect is no answer (a wedged broker, or a port that is not Kafka, accepts one), so
    this is a real Kafka connect: every bootstrap server is probed at once with an ApiVersions
    request, each with the whole connect timeout (a hung one costs the others nothing), then
    kafka-python bootstraps from those that answered. It runs before any UI exists, and the
    monitor goes on with this source instead of connecting a second time."""
    from kafkatui.kafka.source import KafkaSource

    kafka = KafkaSource(settings)
    try:
        kafka.connect()
    except BaseException:
        kafka.close()
        raise
    return kafka


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(vars(args))


def run_info(settings: Settings | None, error: str | None) -> int:
    from kafkatui import config

    lines = {
        "version": __version__,
        "config": str(settings.config_path if settings else config.config_path()),
        "themes": str(config.config_dir() / "themes"),
        "log": str(config.log_path()),
    }
    if settings:
        lines.update(
            cluster=settings.cluster_name,
            bootstrap=settings.bootstrap_str,
            zookeeper=settings.zookeeper or "(none)",
            refresh=f"{settings.refresh_s:g}s",
            theme=settings.theme,
            color=settings.color,
            security=_security_line(settings),
        )
    else:
        lines["settings"] = f"not resolved: {error}"
    for key, value in lines.items():
        print(f"{key:10} {value}")
    return EXIT_OK


def _security_line(settings: Settings) -> str:
    """What `info` says about security: protocol, mechanism, user, where the secret comes from;
    never the password, a token or the digest."""
    sec, zk = settings.security, settings.zk_security
    parts = [sec.protocol]
    if sec.protocol.startswith("SASL"):
        parts.append(sec.sasl_mechanism or "PLAIN")
        if sec.sasl_username:
            parts.append(f"user {sec.sasl_username}")
        if sec.sasl_password is not None:
            parts.append("password set")
        if sec.sasl_oauth_token_command:
            parts.append("token from a command")
    if sec.protocol.endswith("SSL"):
        parts.append("client certificate" if sec.ssl_certfile else "no client certificate")
    if zk.use_ssl:
        parts.append("ZooKeeper TLS")
    if zk.digest:
        parts.append("ZooKeeper digest credentials set")
    return ", ".join(parts)


def _security_or_reason(kafka: Any) -> Any:
    """The SecuritySnapshot, or the one-line reason the whole round failed (a str)."""
    from kafkatui.model import SourceError

    try:
        return kafka.security()
    except SourceError as exc:
        return exc.message


def run_snapshot(settings: Settings, *, processes: bool = True) -> int:
    """One full refresh of every source, as one JSON document on stdout."""
    from kafkatui.model import SourceError
    from kafkatui.refresh.hub import poll_source, source_hub
    from kafkatui.refresh.state import Source
    from kafkatui.snapshot.document import build_document

    connecting = time.perf_counter()
    try:
        kafka = connect_kafka(settings)
    except SourceError as exc:
        return _fail(str(exc))
    connect_s = time.perf_counter() - connecting
    hub = source_hub(settings, kafka=kafka)
    timing: dict[str, float] = {}

    def timed(source: Source, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return poll_source(hub, source, *args)
        finally:
            timing[source.value] = round(time.perf_counter() - start, 4)

    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            cluster_f = pool.submit(timed, Source.CLUSTER)
            zk_f = pool.submit(timed, Source.ZOOKEEPER) if settings.zookeeper else None
            cluster = cluster_f.result()
            timing["kafka"] = round(timing["kafka"] + connect_s, 4)  # the connect counts, as it always did
            groups_f = pool.submit(timed, Source.GROUPS)
            security_f = pool.submit(_security_or_reason, kafka)
            procs = timed(Source.PROCESSES, cluster.brokers) if processes else None
            groups = groups_f.result()
            zk = zk_f.result() if zk_f else None
            security = security_f.result()
    except SourceError as exc:
        return _fail(str(exc))
    finally:
        hub.close()
    document = build_document(cluster, groups, zk, procs, timing, security=security)
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return EXIT_OK


TEXTUAL_COLOR_SYSTEMS = {"auto": "auto", "truecolor": "truecolor", "256": "256", "16": "standard"}


def apply_color_choice(color: str) -> None:
    """Textual reads its colour system from the environment at import time, so set it first."""
    import os

    if color == "none":
        os.environ["NO_COLOR"] = "1"
    else:
        os.environ["TEXTUAL_COLOR_SYSTEM"] = TEXTUAL_COLOR_SYSTEMS[color]


def tail_request(args: argparse.Namespace) -> tuple[str, tuple[int, ...] | None, object] | None:
    """(topic, partitions, StartSpec) from --tail/--from/--partitions; ValueError -> one line, exit 2."""
    from kafkatui.tail.start import parse_partitions, parse_start

    topic = getattr(args, "tail", None)
    if topic is None:
        if hasattr(args, "tail_from") or hasattr(args, "tail_partitions"):
            raise ValueError("--from and --partitions need --tail TOPIC")
        return None
    if not topic.strip():
        raise ValueError("--tail needs a topic name")
    start = parse_start(getattr(args, "tail_from", "end"))
    partitions = parse_partitions(getattr(args, "tail_partitions", "all"))
    return topic, partitions, start


def run_tui(settings: Settings, *, wait: bool, tail: tuple[str, tuple[int, ...] | None, object] | None = None) -> int:
    from kafkatui.logging_setup import configure_logging

    configure_logging()
    kafka = None
    if not wait:  # with --wait the app connects in its own worker and keeps retrying
        from kafkatui.model import SourceError

        try:
            kafka = connect_kafka(settings)
        except SourceError as exc:
            return _fail(f"{exc}; use --wait to open the monitor anyway and keep retrying")
    apply_color_choice(settings.color)
    from kafkatui.ui.app import KafkaTuiApp

    app = KafkaTuiApp(settings, tail=tail, kafka=kafka)
    app.run(mouse=settings.mouse)
    return app.return_code or EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = getattr(args, "command", None)
    try:
        settings = _settings(args)
    except ConfigError as exc:
        if command == "info":
            return run_info(None, str(exc))
        return _fail(str(exc))
    for warning in settings.warnings:
        print(f"kafkatui: {warning}", file=sys.stderr)
    try:
        if command == "info":
            return run_info(settings, None)
        if command == "snapshot":
            if not getattr(args, "json", False):
                return _fail("snapshot needs --json (JSON is the only output format)")
            return run_snapshot(settings, processes=not getattr(args, "no_processes", False))
        try:
            tail = tail_request(args)
        except ValueError as exc:
            return _fail(str(exc))
        return run_tui(settings, wait=bool(getattr(args, "wait", False)), tail=tail)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """`kafkatui snapshot --json | head` closed our stdout: that is the reader's choice, not an error.

    Why dup2 onto /dev/null: Python flushes stdout again at exit, and that second write would
    print a BrokenPipeError traceback after we returned (see the `signal` module's docs).
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK
