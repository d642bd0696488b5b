"""What a Kafka or ZooKeeper JVM is, from its command line and its parsed config.

Why it is its own module: these facts (kind, config file, `--override`s, heap flags, KRaft
role, broker id, data dirs) cannot change while a JVM lives, so the process source reads them
once per process; keeping them pure functions of (cmdline, properties) lets unit tests cover
every launcher spelling without starting a JVM or touching psutil.
"""

from __future__ import annotations

from collections.abc import Sequence

KAFKA_MAIN = "kafka.Kafka"
ZOOKEEPER_MAINS = (
    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
    "org.apache.zookeeper.server.ZooKeeperServerMain",
)
CONFIG_SUFFIXES = (".properties", ".cfg")
DEFAULT_KAFKA_LOG_DIR = "/tmp/kafka-logs"  # Kafka's default when neither log.dirs nor log.dir is set


def jvm_kind(cmdline: Sequence[str]) -> str | None:
    """'kafka' or 'zookeeper' when the cmdline runs one of their main classes, else None."""
    if KAFKA_MAIN in cmdline:
        return "kafka"
    if any(main in cmdline for main in ZOOKEEPER_MAINS):
        return "zookeeper"
    return None


def _main_index(cmdline: Sequence[str]) -> int:
    for i, arg in enumerate(cmdline):
        if arg == KAFKA_MAIN or arg in ZOOKEEPER_MAINS:
            return i
    return -1


def config_arg(cmdline: Sequence[str]) -> str | None:
    """The last argument after the main class ending in .properties or .cfg (the server config)."""
    args = cmdline[_main_index(cmdline) + 1 :]
    return next((a for a in reversed(args) if a.endswith(CONFIG_SUFFIXES)), None)


def overrides(cmdline: Sequence[str]) -> dict[str, str]:
    """`kafka.Kafka server.properties --override key=value ...` pairs, which beat the file."""
    args = list(cmdline[_main_index(cmdline) + 1 :])
    found: dict[str, str] = {}
    for flag, value in zip(args, [*args[1:], ""], strict=True):
        if flag == "--override" and "=" in value:
            key, _, val = value.partition("=")
            found[key.strip()] = val.strip()
    return found


def heap_flags(cmdline: Sequence[str]) -> tuple[str | None, str | None]:
    """(-Xmx, -Xms) values as written, e.g. ('384m', '128m'); the JVM honours the last of each."""
    xmx = xms = None
    for arg in cmdline:
        if arg.startswith("-Xmx"):
            xmx = arg[4:] or None
        elif arg.startswith("-Xms"):
            xms = arg[4:] or None
    return xmx, xms


def kafka_role(props: dict[str, str]) -> str:
    """'broker', 'controller' or 'broker+controller' from process.roles; ZooKeeper mode is 'broker'."""
    roles = {r.strip() for r in props.get("process.roles", "").split(",") if r.strip()}
    if roles >= {"broker", "controller"}:
        return "broker+controller"
    if roles == {"controller"}:
        return "controller"
    return "broker"


def config_broker_id(props: dict[str, str]) -> int | None:
    """broker.id (ZooKeeper mode) or node.id (KRaft); None when absent or auto-generated (-1)."""
    for key in ("broker.id", "node.id"):
        value = props.get(key, "").strip()
        if value.lstrip("-").isdigit() and int(value) >= 0:
            return int(value)
    return None


def log_dir_paths(kind: str, props: dict[str, str]) -> tuple[str, ...]:
    """Where the process keeps its data: Kafka log.dirs/log.dir, ZooKeeper dataDir/dataLogDir."""
    if kind == "zookeeper":
        dirs = [props.get("dataDir", ""), props.get("dataLogDir", "")]
    else:
        dirs = (props.get("log.dirs") or props.get("log.dir") or DEFAULT_KAFKA_LOG_DIR).split(",")
    return tuple(dict.fromkeys(d.strip() for d in dirs if d.strip()))
