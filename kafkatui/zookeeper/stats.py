"""ZooKeeper server stats: the ensemble's servers and the `srvr`/`mntr` four-letter words.

Why it is its own module: stats come from four-letter words over a raw socket with a timeout,
not `KazooClient.command`, because a raw socket still answers while the session is suspended
and never queues behind the session's requests. So this module owns the connect string's
server list (the servers are asked one by one, directly), the bounded socket exchange, and the
pure parsing of the replies (including a whitelist refusal, which arrives as an ordinary reply).
"""

from __future__ import annotations

import socket
import ssl
import time

from kafkatui.config import ZkSecurity, split_host_port
from kafkatui.model import ZkServerStats

FOUR_LETTER_REPLY_CAP = 256 * 1024  # a `mntr` reply is ~2 KB; never read unbounded
DEFAULT_PORT = 2181


def split_hosts(hosts: str) -> list[tuple[str, int]]:
    """`host:port[,host:port...][/chroot]` -> [(host, port)], the way kazoo reads it.

    IPv6 literals come bracketed (`[::1]:2181`); a missing port means 2181.
    """
    parts = (part.strip() for part in hosts.split("/", 1)[0].split(","))
    return [split_host_port(part, default_port=DEFAULT_PORT) for part in parts if part]


def not_whitelisted(reply: str, command: str) -> bool:
    """True for ZooKeeper's refusal text, e.g. 'mntr is not executed because it is not in the whitelist.'

    The refusal arrives as an ordinary reply, so without this check it would be parsed as data.
    """
    return reply.strip().startswith(f"{command} is not executed because it is not in the whitelist")


def parse_srvr(reply: str) -> dict[str, str]:
    """`srvr` reply -> {label: value}, e.g. {'Mode': 'standalone', 'Node count': '5'}."""
    fields: dict[str, str] = {}
    for line in reply.splitlines():
        label, sep, value = line.partition(":")
        if sep:
            fields[label.strip()] = value.strip()
    return fields


def parse_mntr(reply: str) -> dict[str, str]:
    """`mntr` reply (tab-separated `zk_key value` lines) -> {key: value}."""
    fields: dict[str, str] = {}
    for line in reply.splitlines():
        key, sep, value = line.partition("\t")
        if sep and key.startswith("zk_"):
            fields[key.strip()] = value.strip()
    return fields


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        try:
            return int(float(value))  # some versions print counters as "12.0"
        except (TypeError, ValueError):
            return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _short_version(value: str | None) -> str | None:
    """'3.8.4-9316c2a..., built on 2024-02-12 22:16 UTC' -> '3.8.4-9316c2a...'."""
    return value.split(",", 1)[0].strip() if value else None


def _srvr_latency(srvr: dict[str, str]) -> tuple[float | None, float | None, float | None]:
    parts = srvr.get("Latency min/avg/max", "").split("/")
    if len(parts) != 3:
        return None, None, None
    low, avg, high = (_float(p) for p in parts)
    return low, avg, high


NOT_SERVING = "This ZooKeeper instance is not currently serving requests"


def server_stats(srvr_reply: str | None, mntr_reply: str | None, host: str | None = None) -> ZkServerStats:
    """Combine the two replies into ZkServerStats; `mntr` wins where both know a value.

    A reply of None means the command was not asked or got no answer. A whitelist refusal is
    recorded in `missing_whitelist` and contributes no data.
    """
    missing: list[str] = []
    srvr: dict[str, str] = {}
    mntr: dict[str, str] = {}
    not_serving = False
    for command, reply in (("srvr", srvr_reply), ("mntr", mntr_reply)):
        if reply is None:
            continue
        if not_whitelisted(reply, command):
            missing.append(command)
        elif reply.strip().startswith(NOT_SERVING):
            not_serving = True
        elif command == "srvr":
            srvr = parse_srvr(reply)
        else:
            mntr = parse_mntr(reply)
    low, avg, high = _srvr_latency(srvr)
    mode = mntr.get("zk_server_state") or srvr.get("Mode") or ("not serving requests" if not_serving else None)
    return ZkServerStats(
        version=_short_version(mntr.get("zk_version") or srvr.get("Zookeeper version")),
        mode=mode,
        latency_min_ms=_float(mntr.get("zk_min_latency")) if "zk_min_latency" in mntr else low,
        latency_avg_ms=_float(mntr.get("zk_avg_latency")) if "zk_avg_latency" in mntr else avg,
        latency_max_ms=_float(mntr.get("zk_max_latency")) if "zk_max_latency" in mntr else high,
        znode_count=_int(mntr.get("zk_znode_count") or srvr.get("Node count")),
        connections=_int(mntr.get("zk_num_alive_connections") or srvr.get("Connections")),
        outstanding_requests=_int(mntr.get("zk_outstanding_requests") or srvr.get("Outstanding")),
        watch_count=_int(mntr.get("zk_watch_count")),
        ephemerals_count=_int(mntr.get("zk_ephemerals_count")),
        approximate_data_size=_int(mntr.get("zk_approximate_data_size")),
        zxid=srvr.get("Zxid"),
        missing_whitelist=tuple(missing),
        host=host,
    )


# --------------------------------------------------------------------------- four-letter words


def _wrap(sock: socket.socket, host: str, security: ZkSecurity | None) -> socket.socket:
    if security is None or not security.use_ssl:
        return sock
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # as kazoo: ZooKeeper certificates rarely name the host
    if security.ssl_cafile:
        context.load_verify_locations(security.ssl_cafile)
    else:
        context.verify_mode = ssl.CERT_NONE
    if security.ssl_certfile:
        context.load_cert_chain(security.ssl_certfile, security.ssl_keyfile)
    return context.wrap_socket(sock, server_hostname=host)


def four_letter_word(host: str, port: int, command: str, timeout_s: float, security: ZkSecurity | None = None) -> str:
    """Send one four-letter word on a fresh socket and read the reply to EOF, bounded in time and size.
    With ZooKeeper TLS configured, over TLS (a secureClientPort answers four-letter words too)."""
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    received = 0
    with socket.create_connection((host, port), timeout=timeout_s) as raw, _wrap(raw, host, security) as sock:
        sock.sendall(command.encode("ascii"))
        while received < FOUR_LETTER_REPLY_CAP:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{command} reply took longer than {timeout_s:g} s")
            sock.settimeout(remaining)
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
    return b"".join(chunks).decode("utf-8", "replace")
