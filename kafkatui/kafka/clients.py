"""How kafkatui builds its kafka-python clients (the admin client and the tail's consumer).

Three defaults of kafka-python 3.0.12 that do not suit a monitor, fixed in one place:

* **Bootstrap.** kafka-python picks ONE bootstrap server at random and gives that connection
  the whole `bootstrap_timeout_ms`. A broker that accepts TCP but never answers (stopped with
  SIGSTOP, a wedged JVM, a full accept queue) then fails start-up at random although the other
  brokers are fine. `bootstrap_kwargs()` first probes every bootstrap server in parallel with a
  Kafka ApiVersions request (over TLS, unverified, for SSL listeners: the probe only asks "is a
  Kafka broker answering here?") and hands kafka-python only the servers that answered, with
  what is left of the budget. If none answered but some closed the connection or failed its
  TLS handshake (a TLS or SASL mismatch), kafka-python gets those, so its own error says what
  is wrong; if every server refused, was unknown or hung, `BootstrapUnreachable` names each one
  and why. This is the only bootstrap probe: the command line's start-up check (cli.py
  `connect_kafka`) is a KafkaSource connecting through it.
* **Connection set-up timeout.** `socket_connection_setup_timeout_ms` defaults to 10 s (30 s
  with backoff), longer than our whole connect budget: `client_factory()` caps both at it.
* **Topic auto-creation.** `allow_auto_create_topics=False` is ignored: the client's
  `ClusterMetadata` is built with three settings only, so its `metadata_request()` always asks
  with `allow_auto_topic_creation=True`. After a consumer's `assign()` (or a producer's first
  send) every metadata refresh names the topic, and a broker with
  `auto.create.topics.enable=true` re-creates a topic someone just deleted. `client_factory()`
  (pass it as `kafka_client=`) sets the flag on the client's metadata before its first request;
  `no_auto_create()` does it for a client built elsewhere (tests, benchmarks).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka.net.compat import KafkaNetClient

from kafkatui.config import Security, split_host_port

PROBE_CLIENT_ID = b"kafkatui-probe"
MIN_BOOTSTRAP_S = 1.0  # kafka-python's own bootstrap still needs a moment after a slow probe
VERDICT_GRACE_S = 0.2  # a probe timing out at the deadline still reports why (TCP or Kafka)
_API_VERSIONS = 18
_CORRELATION_ID = 0x6B7475  # "ktu": any answer that echoes it is a Kafka broker


# --------------------------------------------------------------------------- topic auto-creation


def no_auto_create(client: Any) -> Any:
    """Make a built kafka-python client's metadata requests never auto-create a topic.

    Works on a KafkaNetClient, KafkaConsumer, KafkaProducer or KafkaAdminClient; returns it."""
    for path in (("_manager", "cluster"), ("_cluster",), ("_metadata",), ("_client", "_manager", "cluster")):
        target = client
        for attr in path:
            target = getattr(target, attr, None)
            if target is None:
                break
        if target is not None and isinstance(getattr(target, "config", None), dict):
            target.config["allow_auto_create_topics"] = False
            return client
    raise TypeError(f"no cluster metadata found on {type(client).__name__}")


def client_factory(timeout_s: float) -> Callable[..., KafkaNetClient]:
    """`kafka_client=` for KafkaAdminClient and KafkaConsumer: a KafkaNetClient whose metadata
    requests never auto-create a topic and whose connection set-up is bounded by `timeout_s`
    (neither client accepts the socket set-up settings itself: "Unrecognized configs")."""

    def build(**configs: Any) -> KafkaNetClient:
        return no_auto_create(KafkaNetClient(**{**configs, **timeout_kwargs(timeout_s)}))

    return build


def timeout_kwargs(timeout_s: float) -> dict[str, int]:
    """Connection set-up never longer than the connect timeout (kafka-python: 10 s, up to 30 s)."""
    timeout_ms = max(1, int(timeout_s * 1000))
    return {"socket_connection_setup_timeout_ms": timeout_ms, "socket_connection_setup_timeout_max_ms": timeout_ms}


# --------------------------------------------------------------------------- bootstrap


class BootstrapUnreachable(Exception):
    """No bootstrap server could be reached: each refused, was unknown or never answered. The
    message is one line naming every server and why; nothing is left for kafka-python to try."""


def _api_versions_request() -> bytes:
    """ApiVersions v0 (request header v1, empty body): every broker version answers it, also
    before SASL authentication."""
    body = struct.pack(">hhih", _API_VERSIONS, 0, _CORRELATION_ID, len(PROBE_CLIENT_ID)) + PROBE_CLIENT_ID
    return struct.pack(">i", len(body)) + body


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def probe(server: str, deadline: float, security: Security | None = None) -> tuple[str, str]:
    """Ask one server for its API versions; (outcome, detail). Outcomes: "answered";
    "unreachable" (no TCP connection: refused, unknown host, a bad address); "failed" (connected,
    then closed, a TLS error or not Kafka: kafka-python can name a security mismatch); "hung"
    (nothing by `deadline`)."""
    security = security or Security()
    try:
        host, port = split_host_port(server)
        sock = socket.create_connection((host, port), timeout=max(0.01, deadline - time.monotonic()))
    except TimeoutError:
        return "hung", "no TCP connection"
    except socket.gaierror:
        return "unreachable", "unknown host"
    except (OSError, ValueError) as exc:
        return "unreachable", getattr(exc, "strerror", None) or str(exc)
    try:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        if security.protocol.endswith("SSL"):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # liveness only; kafka-python verifies for real
            if security.ssl_certfile:  # a broker may require a client certificate
                with contextlib.suppress(OSError, ssl.SSLError):  # kafka-python reports a bad one
                    context.load_cert_chain(security.ssl_certfile, security.ssl_keyfile)
            sock = context.wrap_socket(sock, server_hostname=host)
        sock.sendall(_api_versions_request())
        _size, correlation_id = struct.unpack(">ii", _recv_exactly(sock, 8))
    except TimeoutError:
        return "hung", "connected, but no Kafka answer"
    except (OSError, ssl.SSLError, ConnectionError) as exc:
        return "failed", str(exc) or type(exc).__name__
    finally:
        sock.close()
    if correlation_id != _CORRELATION_ID:
        return "failed", "not a Kafka broker"
    return "answered", ""


def probe_all(servers: Sequence[str], timeout_s: float, security: Security | None = None) -> dict[str, tuple[str, str]]:
    """Probe every server at once, each on its own thread with the whole `timeout_s`, so a hung
    one costs the others nothing; {server: (outcome, detail)} in the configured order.

    Returns as soon as one answers, with every verdict in by then (a server still being asked
    is left out); else once all are in or the time is up, a server with no verdict being
    "hung"."""
    unique = list(dict.fromkeys(servers))
    deadline = time.monotonic() + timeout_s
    results: queue.Queue[tuple[str, str, str]] = queue.Queue()
    for server in unique:
        threading.Thread(
            target=lambda s=server: results.put((s, *probe(s, deadline, security))),
            name=f"kafkatui-probe-{server}",
            daemon=True,
        ).start()
    verdicts: dict[str, tuple[str, str]] = {}
    while len(verdicts) < len(unique) and not any(outcome == "answered" for outcome, _ in verdicts.values()):
        try:
            server, outcome, detail = results.get(timeout=max(0.0, deadline + VERDICT_GRACE_S - time.monotonic()))
        except queue.Empty:
            break  # the time is up: whatever has not answered hung
        verdicts[server] = (outcome, detail)
    while len(verdicts) < len(unique):  # others that answered at the same moment
        try:
            server, outcome, detail = results.get_nowait()
        except queue.Empty:
            break
        verdicts[server] = (outcome, detail)
    answered = any(outcome == "answered" for outcome, _ in verdicts.values())
    if not answered:
        for server in unique:
            verdicts.setdefault(server, ("hung", "no answer"))
    return {server: verdicts[server] for server in unique if server in verdicts}


def unreachable_reason(verdicts: dict[str, tuple[str, str]], timeout_s: float) -> str:
    """One line for the operator: every server and why it could not be used."""
    parts = [f"{server}: {detail}" + (f" within {timeout_s:g} s" if outcome == "hung" else "")
             for server, (outcome, detail) in verdicts.items()]
    return "cannot reach any bootstrap server (" + "; ".join(parts) + ")"


def usable_bootstrap(servers: Sequence[str], timeout_s: float, security: Security | None = None) -> list[str]:
    """The bootstrap servers worth giving kafka-python, found within `timeout_s` (probe_all).

    The servers that answered; if none did, those that failed after connecting (kafka-python
    then names a TLS or SASL mismatch). Raises BootstrapUnreachable when every server refused,
    was unknown or hung: kafka-python would only wait its timeout out on them and say less."""
    verdicts = probe_all(servers, timeout_s, security)
    for wanted in ("answered", "failed"):
        usable = [server for server, (outcome, _) in verdicts.items() if outcome == wanted]
        if usable:
            return usable
    raise BootstrapUnreachable(unreachable_reason(verdicts, timeout_s))


def bootstrap_kwargs(servers: Sequence[str], timeout_s: float, security: Security | None = None) -> dict[str, Any]:
    """`bootstrap_servers` and `bootstrap_timeout_ms` for a new client: the servers that answered
    a probe, and what is left of the connect budget (at least MIN_BOOTSTRAP_S)."""
    started = time.monotonic()
    usable = usable_bootstrap(servers, timeout_s, security)
    left = max(min(MIN_BOOTSTRAP_S, timeout_s), timeout_s - (time.monotonic() - started))
    return {"bootstrap_servers": usable, "bootstrap_timeout_ms": int(left * 1000)}
