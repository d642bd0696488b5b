"""Settings: where kafkatui connects and how it behaves, resolved once at start-up.

Precedence, highest first: command-line flags, `KAFKATUI_*` environment variables, the chosen
profile in the TOML config file, then built-in defaults. Everything is validated here so a
bad value becomes one clear line and exit code 2 before any client or UI exists.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kafkatui.refresh.pace import DEFAULT_SHARE

T = TypeVar("T")
MIN_REFRESH_S = 1.0
DEFAULT_REFRESH_S = 5.0
DEFAULT_TAIL_BUFFER = 5000
DEFAULT_CONNECT_TIMEOUT_S = 4.0
DEFAULT_THEME = "kafkatui-dark"
COLOR_CHOICES = ("auto", "truecolor", "256", "16", "none")
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER")


class ConfigError(Exception):
    """A user-facing configuration problem; `str()` is the one line we print before exit 2."""


@dataclass(frozen=True)
class Security:
    """Options passed through to kafka-python clients; defaults mean plain TCP."""

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    # repr=False: a Settings printed in a log line or a traceback never shows the password
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_check_hostname: bool = True
    sasl_oauth_token_command: str | None = None

    def client_kwargs(self) -> dict[str, Any]:
        """kafka-python keyword arguments; only non-default ones, so PLAINTEXT stays minimal."""
        kwargs: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol.startswith("SASL"):
            kwargs["sasl_mechanism"] = self.sasl_mechanism or "PLAIN"
            if self.sasl_username is not None:
                kwargs["sasl_plain_username"] = self.sasl_username
            if self.sasl_password is not None:
                kwargs["sasl_plain_password"] = self.sasl_password
            if kwargs["sasl_mechanism"] == "OAUTHBEARER" and self.sasl_oauth_token_command:
                from kafkatui.kafka.oauth import provider_for  # one provider per command, shared

                kwargs["sasl_oauth_token_provider"] = provider_for(self.sasl_oauth_token_command)
        if self.protocol.endswith("SSL"):
            kwargs["ssl_check_hostname"] = self.ssl_check_hostname
            for key in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
                if getattr(self, key):
                    kwargs[key] = getattr(self, key)
        return kwargs


@dataclass(frozen=True)
class SchemaRegistry:
    """A Confluent-compatible Schema Registry for decoding Avro, Protobuf and JSON Schema records.

    `url` is the base under which `/schemas/ids/{id}` and `/subjects` live (Confluent's root, or
    Apicurio's `/apis/ccompat/v7`); None means no registry: framed records show as today."""

    url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None


@dataclass(frozen=True)
class ZkSecurity:
    """How kazoo reaches a secured ZooKeeper: TLS (CA, client certificate and key) and digest
    credentials (`user:password`, added to the session with `addauth digest`)."""

    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    digest: str | None = field(default=None, repr=False)

    @property
    def use_ssl(self) -> bool:
        return bool(self.ssl_cafile or self.ssl_certfile)

    def kazoo_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.use_ssl:
            kwargs.update(use_ssl=True, ca=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile,
                          verify_certs=bool(self.ssl_cafile))
        if self.digest:
            kwargs["auth_data"] = [("digest", self.digest)]
        return kwargs


@dataclass(frozen=True)
class Settings:
    bootstrap: tuple[str, ...] = ()
    zookeeper: str | None = None
    cluster_name: str = "default"
    refresh_s: float = DEFAULT_REFRESH_S
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    refresh_share: float = DEFAULT_SHARE  # all polls together may use this share of a core (refresh/pace.py)
    theme: str = DEFAULT_THEME
    color: str = "auto"
    mouse: bool = True
    tail_buffer: int = DEFAULT_TAIL_BUFFER
    security: Security = field(default_factory=Security)
    zk_security: ZkSecurity = field(default_factory=ZkSecurity)
    config_path: Path | None = None
    schema_registry: SchemaRegistry = field(default_factory=SchemaRegistry)
    warnings: tuple[str, ...] = ()  # one line each, printed on stderr at start-up (secrets exposed)

    @property
    def bootstrap_str(self) -> str:
        return ",".join(self.bootstrap)


# --------------------------------------------------------------------------- paths


def xdg_dir(kind: str, fallback: str) -> Path:
    base = os.environ.get(f"XDG_{kind}_HOME")
    return Path(base) if base else Path.home() / fallback


def config_dir() -> Path:
    return xdg_dir("CONFIG", ".config") / "kafkatui"


def config_path() -> Path:
    return config_dir() / "config.toml"


def state_dir() -> Path:
    return xdg_dir("STATE", ".local/state") / "kafkatui"


def log_path() -> Path:
    return state_dir() / "kafkatui.log"


# --------------------------------------------------------------------------- validation

_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9_.\-]+))(?::(?P<port>[^:]*))?$")


def split_host_port(server: str, default_port: int | None = None) -> tuple[str, int]:
    """`host:port` or `[IPv6]:port` -> (host, port), the brackets removed.

    The one split for every address kafkatui dials (bootstrap servers, the bootstrap probe,
    ZooKeeper's servers), so they all agree on IPv6. Without a port, `default_port` (ZooKeeper's
    2181); with none given that is an error. ValueError says what is wrong, for a caller to
    name the bad part."""
    match = _HOST_PORT.match(server.strip())
    if match is None:
        raise ValueError("expected HOST:PORT")
    host, port = match.group("v6") or match.group("host"), match.group("port")
    if port is None:
        if default_port is None:
            raise ValueError("expected HOST:PORT")
        return host, default_port
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"port {port!r} is not a number 1-65535")
    return host, int(port)


def parse_bootstrap(value: str) -> tuple[str, ...]:
    """Split and check `host:port[,host:port...]`; raises ConfigError naming the bad part."""
    if value is None or not value.strip():
        raise ConfigError("bootstrap servers are empty; give --bootstrap HOST:PORT[,HOST:PORT...]")
    servers = []
    for raw in value.split(","):
        part = raw.strip()
        if not part:
            raise ConfigError(f"malformed bootstrap {value!r}: empty entry between commas")
        try:
            split_host_port(part)
        except ValueError as exc:
            raise ConfigError(f"malformed bootstrap server {part!r}: {exc}") from None
        servers.append(part)
    return tuple(servers)


def parse_zookeeper(value: str) -> str:
    """Check `host:port[,host:port][/chroot]` the way kazoo expects it."""
    hosts, _, chroot = value.strip().partition("/")
    parse_bootstrap(hosts)  # same host:port grammar; its message names the bad part
    return hosts + (f"/{chroot}" if chroot else "")


def parse_refresh(value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError("a bool is not a number of seconds")
        refresh = float(value)
        if not math.isfinite(refresh):
            raise ValueError("not finite")
    except (TypeError, ValueError):
        raise ConfigError(f"refresh must be a number of seconds, got {value!r}") from None
    if refresh < MIN_REFRESH_S:
        raise ConfigError(f"refresh must be at least {MIN_REFRESH_S:g} s, got {refresh:g}")
    return refresh


def parse_color(value: str) -> str:
    if value not in COLOR_CHOICES:
        raise ConfigError(f"color must be one of {', '.join(COLOR_CHOICES)}, got {value!r}")
    return value


# --------------------------------------------------------------------------- loading

_TOP_KEYS = {"default_cluster", "refresh", "theme", "color", "mouse", "tail_buffer", "connect_timeout",
             "refresh_share", "clusters"}
_PROFILE_KEYS = {
    "bootstrap",
    "zookeeper",
    "security_protocol",
    "sasl_mechanism",
    "sasl_username",
    "sasl_password",
    "sasl_password_file",
    "sasl_oauth_token_command",
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_check_hostname",
    "refresh",
    "schema_registry",
    "schema_registry_username",
    "schema_registry_password",
    "schema_registry_cafile",
    "zookeeper_ssl_cafile",
    "zookeeper_ssl_certfile",
    "zookeeper_ssl_keyfile",
    "zookeeper_digest",
    "zookeeper_digest_file",
}


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse and shape-check the TOML file; every problem names the file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"bad config file {path}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"bad config file {path}: unknown key {unknown[0]!r}")
    clusters = data.get("clusters", {})
    if not isinstance(clusters, dict):
        raise ConfigError(f"bad config file {path}: [clusters] must be a table of profiles")
    for name, profile in clusters.items():
        if not isinstance(profile, dict):
            raise ConfigError(f"bad config file {path}: clusters.{name} must be a table")
        bad = sorted(set(profile) - _PROFILE_KEYS)
        if bad:
            raise ConfigError(f"bad config file {path}: unknown key clusters.{name}.{bad[0]}")
    _check_types(path, data)
    return data


# What each key's value must be; TOML's own types, so `refresh = "5"` or `mouse = "no"` is an
# error instead of a crash or a silent surprise later. A bool is never a number here (in Python
# it is an int: `connect_timeout = true` used to mean 1 s).
_STR = ("a string", (str,))
_NUMBER = ("a number", (int, float))
_BOOL = ("true or false", (bool,))
_TOP_TYPES = {
    "default_cluster": _STR, "refresh": _NUMBER, "theme": _STR, "color": _STR, "mouse": _BOOL,
    "tail_buffer": ("an integer", (int,)), "connect_timeout": _NUMBER,
    "refresh_share": _NUMBER,
}
_PROFILE_TYPES = {
    **{key: _STR for key in _PROFILE_KEYS},
    "bootstrap": ("a string or a list of strings", (str, list)),
    "ssl_check_hostname": _BOOL,
    "refresh": _NUMBER,
}


def _check_types(path: Path, data: Mapping[str, Any]) -> None:
    """ConfigError naming the file and the key whose value has the wrong type."""

    def check(key: str, value: Any, want: tuple[str, tuple[type, ...]]) -> None:
        what, types = want
        ok = isinstance(value, types) and (bool in types or not isinstance(value, bool))
        if ok and isinstance(value, list):
            ok = bool(value) and all(isinstance(item, str) for item in value)
        if not ok:
            raise ConfigError(f"bad config file {path}: {key} must be {what}, got {value!r}")

    for key, want in _TOP_TYPES.items():
        if key in data:
            check(key, data[key], want)
    for name, profile in data.get("clusters", {}).items():
        for key, value in profile.items():
            check(f"clusters.{name}.{key}", value, _PROFILE_TYPES[key])


def _picker(profile: Mapping[str, Any], env: Mapping[str, str], args: Mapping[str, Any]) -> Callable[[str], Any]:
    """Flag, then KAFKATUI_<KEY>, then the profile's key."""

    def pick(key: str) -> Any:
        if args.get(key) is not None:
            return args[key]
        env_key = f"KAFKATUI_{key.upper()}"
        if env.get(env_key):
            return env[env_key]
        return profile.get(key)

    return pick


def read_secret_file(path: str, what: str) -> str:
    """The first line of a secret file (a trailing newline is not part of the password)."""
    try:
        text = Path(path).expanduser().read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {path}: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise ConfigError(f"{what} file {path} is empty")
    return lines[0]


def _security(profile: Mapping[str, Any], env: Mapping[str, str], args: Mapping[str, Any]) -> Security:
    pick = _picker(profile, env, args)

    protocol = (pick("security_protocol") or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise ConfigError(f"security protocol must be one of {', '.join(SECURITY_PROTOCOLS)}, got {protocol!r}")
    mechanism = pick("sasl_mechanism")
    if mechanism is not None and mechanism.upper() not in SASL_MECHANISMS:
        raise ConfigError(f"SASL mechanism must be one of {', '.join(SASL_MECHANISMS)}, got {mechanism!r}")
    if (mechanism or "").upper() == "OAUTHBEARER" and not pick("sasl_oauth_token_command"):
        raise ConfigError("SASL mechanism OAUTHBEARER needs --sasl-oauth-token-command CMD (it prints a token)")
    check = profile.get("ssl_check_hostname", True)
    if args.get("ssl_no_check_hostname"):
        check = False
    return Security(
        protocol=protocol,
        sasl_mechanism=mechanism.upper() if mechanism else None,
        sasl_username=pick("sasl_username"),
        sasl_password=_sasl_password(pick),
        sasl_oauth_token_command=pick("sasl_oauth_token_command"),
        ssl_cafile=pick("ssl_cafile"),
        ssl_certfile=pick("ssl_certfile"),
        ssl_keyfile=pick("ssl_keyfile"),
        ssl_check_hostname=bool(check),
    )


def parse_registry_url(value: str) -> str:
    """An http(s) URL, trailing slashes removed; ConfigError otherwise."""
    url = value.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        raise ConfigError(f"schema registry must be an http:// or https:// URL, got {value!r}")
    return url


def _schema_registry(path: Path, name: str | None, profile: Mapping[str, Any], env: Mapping[str, str],
                     args: Mapping[str, Any]) -> SchemaRegistry:
    def pick(key: str, env_key: str) -> Any:
        if args.get(key) is not None:
            return args[key]
        if env.get(env_key):
            return env[env_key]
        return profile.get(key)

    raw = pick("schema_registry", "KAFKATUI_SCHEMA_REGISTRY")
    from_file = args.get("schema_registry") is None and not env.get("KAFKATUI_SCHEMA_REGISTRY")
    url = _checked(path, f"[clusters.{name}] schema_registry" if from_file else None,
                   lambda: parse_registry_url(str(raw))) if raw else None
    return SchemaRegistry(
        url=url,
        username=pick("schema_registry_username", "KAFKATUI_SCHEMA_REGISTRY_USERNAME"),
        password=pick("schema_registry_password", "KAFKATUI_SCHEMA_REGISTRY_PASSWORD"),
        cafile=pick("schema_registry_cafile", "KAFKATUI_SCHEMA_REGISTRY_CAFILE"),
    )


def _sasl_password(pick: Callable[[str], Any]) -> str | None:
    """The password itself, or read from --sasl-password-file / KAFKATUI_SASL_PASSWORD_FILE /
    `sasl_password_file`; the inline value wins when both are given."""
    password = pick("sasl_password")
    if password is None and pick("sasl_password_file"):
        password = read_secret_file(pick("sasl_password_file"), "SASL password")
    return password


def _zk_security(profile: Mapping[str, Any], env: Mapping[str, str], args: Mapping[str, Any]) -> ZkSecurity:
    pick = _picker(profile, env, args)
    digest = pick("zookeeper_digest")
    if digest is None and pick("zookeeper_digest_file"):
        digest = read_secret_file(pick("zookeeper_digest_file"), "ZooKeeper digest")
    if digest is not None and ":" not in digest:
        raise ConfigError("ZooKeeper digest credentials must be USER:PASSWORD")
    return ZkSecurity(
        ssl_cafile=pick("zookeeper_ssl_cafile"),
        ssl_certfile=pick("zookeeper_ssl_certfile"),
        ssl_keyfile=pick("zookeeper_ssl_keyfile"),
        digest=digest,
    )


def secret_warnings(path: Path, profile: Mapping[str, Any], args: Mapping[str, Any]) -> tuple[str, ...]:
    """One line per way a secret is exposed: on the command line (`ps` shows every process's
    arguments) or in a config file that others may read."""
    out = []
    if args.get("sasl_password") is not None:
        out.append("warning: --sasl-password is visible to every user in `ps`; "
                   "use --sasl-password-file or KAFKATUI_SASL_PASSWORD instead")
    if args.get("schema_registry_password") is not None:
        out.append("warning: --schema-registry-password is visible to every user in `ps`; "
                   "use KAFKATUI_SCHEMA_REGISTRY_PASSWORD instead")
    if any(profile.get(key) for key in ("sasl_password", "zookeeper_digest", "schema_registry_password")):
        try:
            mode = path.stat().st_mode
        except OSError:
            mode = 0
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            out.append(f"warning: {path} holds a password and is readable by others (mode "
                       f"{stat.S_IMODE(mode):o}); chmod 600 it or use sasl_password_file")
    return tuple(out)


def load_settings(
    args: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Resolve Settings from flags (`args`, None meaning not given), env and the config file."""
    args = dict(args or {})
    env = os.environ if env is None else env
    path = Path(args["config"]) if args.get("config") else (path or Path(env.get("KAFKATUI_CONFIG", "")
                                                                          or config_path()))
    data = read_config_file(path)
    clusters: dict[str, Any] = data.get("clusters", {})
    name = args.get("cluster") or env.get("KAFKATUI_CLUSTER") or data.get("default_cluster")
    if name and name not in clusters:
        known = ", ".join(sorted(clusters)) or "none defined"
        raise ConfigError(f"unknown cluster profile {name!r} in {path} (known: {known})")
    profile: dict[str, Any] = clusters.get(name, {}) if name else {}

    bootstrap_raw = args.get("bootstrap")
    if bootstrap_raw is None:
        bootstrap_raw = env.get("KAFKATUI_BOOTSTRAP") or profile.get("bootstrap")
    if bootstrap_raw is None:
        raise ConfigError(
            "no Kafka cluster given: use --bootstrap HOST:PORT, set KAFKATUI_BOOTSTRAP, "
            f"or define a profile in {path}"
        )
    if isinstance(bootstrap_raw, list):
        bootstrap_raw = ",".join(str(b) for b in bootstrap_raw)
    from_file = args.get("bootstrap") is None and not env.get("KAFKATUI_BOOTSTRAP")
    bootstrap = _checked(path, f"[clusters.{name}] bootstrap" if from_file else None,
                         lambda: parse_bootstrap(str(bootstrap_raw)))

    zk_raw = args.get("zookeeper")
    if zk_raw is None:
        zk_raw = env.get("KAFKATUI_ZOOKEEPER") if "KAFKATUI_ZOOKEEPER" in env else profile.get("zookeeper")
    from_file = args.get("zookeeper") is None and "KAFKATUI_ZOOKEEPER" not in env
    zookeeper = _checked(path, f"[clusters.{name}] zookeeper" if from_file else None,
                         lambda: parse_zookeeper(zk_raw)) if zk_raw else None
    # `is not None` / `in`, not `or`: `--refresh 0` is a value to reject, not "not given"
    refresh_flag = args.get("refresh")
    refresh_where = None if refresh_flag is not None or env.get("KAFKATUI_REFRESH") else (
        f"[clusters.{name}] refresh" if "refresh" in profile else "refresh")

    if refresh_flag is not None:
        refresh_raw = refresh_flag
    else:
        refresh_raw = env.get("KAFKATUI_REFRESH") or (
            profile["refresh"] if "refresh" in profile else data.get("refresh", DEFAULT_REFRESH_S))
    color = args.get("color") or ("none" if env.get("NO_COLOR") else None) or env.get("KAFKATUI_COLOR") or data.get(
        "color", "auto"
    )
    mouse = data.get("mouse", True)
    if args.get("no_mouse"):
        mouse = False
    tail_flag = args.get("tail_buffer")
    tail_buffer = tail_flag if tail_flag is not None else data.get("tail_buffer", DEFAULT_TAIL_BUFFER)
    if not isinstance(tail_buffer, int) or isinstance(tail_buffer, bool) or not 100 <= tail_buffer <= 1_000_000:
        problem = f"tail_buffer must be an integer between 100 and 1000000, got {tail_buffer!r}"
        raise ConfigError(problem if tail_flag is not None else f"bad config file {path}: {problem}")
    timeout = data.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT_S)
    if not isinstance(timeout, int | float) or not 0.5 <= timeout <= 60:
        raise ConfigError(f"bad config file {path}: connect_timeout must be 0.5-60 seconds, got {timeout!r}")
    share = data.get("refresh_share", DEFAULT_SHARE)
    if not 0.01 <= share <= 1:
        raise ConfigError(f"bad config file {path}: refresh_share must be 0.01-1, got {share!r}")
    refresh_s = _checked(path, refresh_where, lambda: parse_refresh(refresh_raw))
    color_where = None if args.get("color") or env.get("NO_COLOR") or env.get("KAFKATUI_COLOR") else "color"
    color = _checked(path, color_where, lambda: parse_color(str(color)))
    return Settings(
        bootstrap=bootstrap,
        zookeeper=zookeeper,
        cluster_name=name or (bootstrap[0] if bootstrap else "default"),
        refresh_s=refresh_s,
        connect_timeout_s=float(timeout),
        refresh_share=float(share),
        theme=args.get("theme") or env.get("KAFKATUI_THEME") or data.get("theme", DEFAULT_THEME),
        color=color,
        mouse=bool(mouse),
        tail_buffer=tail_buffer,
        security=_security(profile, env, args),
        zk_security=_zk_security(profile, env, args),
        config_path=path,
        schema_registry=_schema_registry(path, name, profile, env, args),
        warnings=secret_warnings(path, profile, args),
    )


def _checked(path: Path, key: str | None, check: Callable[[], T]) -> T:
    """Run a validator; when the value came from the config file (`key` given), say which file and key,
    so "refresh must be a number" does not send the operator hunting through flags and env vars."""
    try:
        return check()
    except ConfigError as exc:
        if key is None:
            raise
        raise ConfigError(f"bad config file {path}: {key}: {exc}") from None

