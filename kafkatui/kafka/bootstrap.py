"""Why a Kafka bootstrap failed, in words an operator can act on.

kafka-python retries a failing bootstrap connection until `bootstrap_timeout_ms` and then raises
only `KafkaTimeoutError("Unable to bootstrap ...")`, whatever the cause. So SASL configured
against a PLAINTEXT listener used to read "cannot reach ... (KafkaTimeoutError)", although the
brokers answered at once. The cause is logged on every attempt (`kafka.net.manager`: "Bootstrap
connection to %s failed: %s"); `bootstrap_failures()` collects those records while a client is
being built, and `explain()` turns the last one into a sentence.

All kafkatui clients share one Settings, so a record from another kafkatui client building at
the same moment names the same cause; records from other failures (a refused connection) are
left to the generic "cannot reach" message.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

MANAGER_LOGGER = "kafka.net.manager"
PREFIX = "Bootstrap connection to"
KEEP = 20  # a 4 s bootstrap makes a handful of attempts; never grow without bound


class BootstrapFailures(logging.Handler):
    """Keeps the exception of each failed bootstrap connection attempt (the newest last)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        ours = isinstance(record.msg, str) and record.msg.startswith(PREFIX) and len(args) >= 2
        if ours and isinstance(args[1], BaseException) and len(self.errors) < KEEP:
            self.errors.append(args[1])


@contextlib.contextmanager
def bootstrap_failures() -> Iterator[BootstrapFailures]:
    logger = logging.getLogger(MANAGER_LOGGER)
    handler = BootstrapFailures()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def tls_failure(detail: str) -> str:
    """What failed in a TLS handshake, in the operator's terms: the three usual causes first."""
    low = detail.lower()
    if "mismatch" in low or "doesn't match" in low or "hostname" in low:
        return (f"TLS hostname mismatch: the broker's certificate does not name the address dialled ({detail}); "
                "use an address its certificate names (--ssl-no-check-hostname turns the check off)")
    if "certificate verify failed" in low:
        return (f"TLS: the broker's certificate is signed by an unknown CA ({detail}); "
                "give the CA that signed it with --ssl-cafile")
    if "bad certificate" in low or "certificate required" in low or "handshake failure" in low:
        return (f"TLS: the broker requires a client certificate and rejected ours or its absence ({detail}); "
                "give --ssl-certfile and --ssl-keyfile")
    return f"the TLS handshake failed ({detail}); check --security-protocol and the --ssl-* files"


def explain(errors: list[BaseException], protocol: str, mechanism: str | None) -> str | None:
    """One line naming a security mismatch among the bootstrap errors, or None for anything else."""
    for exc in reversed(errors):
        name = type(exc).__name__
        if name == "IllegalSaslStateError":
            return (f"the broker answered but rejected the SASL handshake ({name}): its listener is probably "
                    f"not SASL; check --security-protocol (now {protocol})")
        if name == "UnsupportedSaslMechanismError":
            return f"the broker does not enable SASL mechanism {mechanism or 'PLAIN'} ({name}); check --sasl-mechanism"
        if name in ("SaslAuthenticationFailedError", "AuthenticationFailedError"):
            return f"SASL authentication failed ({name}): check --sasl-username and the password"
        if "SSL" in name or "ssl" in str(exc).lower():
            return tls_failure(str(exc).rsplit("Error: ", 1)[-1])
    if protocol.startswith("SASL") and errors and "disconnected" in str(errors[-1]):
        # the probe got an ApiVersions answer (TLS and Kafka are fine), then every SASL attempt
        # ended with the broker hanging up: how a broker rejects SCRAM credentials or a token
        return (f"the broker closed the connection during SASL {mechanism or 'PLAIN'} authentication: most "
                "likely it rejected the credentials; check --sasl-username and the password (or the token)")
    return None
