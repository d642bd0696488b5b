"""OAUTHBEARER tokens from a command (`--sasl-oauth-token-command`), the way kubectl's credential
plugins work: kafkatui knows no identity provider; the command (a cloud CLI, an AWS MSK IAM
signer, a script) prints a token and kafkatui runs it again before the token expires.

The command's output is either the token on its first line, optionally followed by a line with
the expiry (Unix seconds or an RFC 3339 time), or JSON: `{"token": ..., "expiry": ...}` or a
kubectl ExecCredential (`{"status": {"token": ..., "expirationTimestamp": ...}}`). Without a
printed expiry, a JWT's `exp` claim is used; with neither, the token is fetched again after
DEFAULT_LIFETIME_S.

The command runs on a thread of its own with a timeout (never on the UI's thread): the first
time when a connection first authenticates, then REFRESH_AT (80 %) into each token's life, so a
new connection always finds an unexpired token without waiting. The command's output is never
logged: it is a credential.
"""

from __future__ import annotations

import base64
import binascii
import json
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kafka.net.sasl.oauth import AbstractTokenProvider

COMMAND_TIMEOUT_S = 20.0
DEFAULT_LIFETIME_S = 300.0
REFRESH_AT = 0.8
RETRY_S = 5.0
MIN_REFRESH_S = 1.0


class TokenCommandError(Exception):
    """The token command failed, timed out or printed no token; `str()` is one line."""


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # Unix seconds


def _parse_expiry(raw: object) -> float | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            return float(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (signed or unsecured), or None when the token is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return _parse_expiry(claims.get("exp")) if isinstance(claims, dict) else None


def parse_output(output: str, now: float) -> Token:
    """A Token from what the command printed (see the module doc)."""
    text = output.strip()
    if not text:
        raise TokenCommandError("the token command printed nothing")
    token, expiry = None, None
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise TokenCommandError("the token command printed JSON that does not parse") from None
        status = doc.get("status") if isinstance(doc.get("status"), dict) else doc
        token = status.get("token") or status.get("access_token")
        expiry = _parse_expiry(status.get("expirationTimestamp") or status.get("expiry") or status.get("expires_at"))
        if expiry is None and isinstance(status.get("expires_in"), int | float):
            expiry = now + float(status["expires_in"])
        if not isinstance(token, str) or not token:
            raise TokenCommandError("the token command's JSON has no token")
    else:
        lines = text.splitlines()
        token = lines[0].strip()
        expiry = _parse_expiry(lines[1]) if len(lines) > 1 else None
    expiry = expiry or jwt_expiry(token) or now + DEFAULT_LIFETIME_S
    return Token(token, expiry)


def run_command(command: str, timeout_s: float = COMMAND_TIMEOUT_S) -> str:
    """Run the command (no shell) and return its stdout; TokenCommandError says why not."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise TokenCommandError(f"cannot parse the token command: {exc}") from None
    if not argv:
        raise TokenCommandError("the token command is empty")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
                              check=False)
    except FileNotFoundError:
        raise TokenCommandError(f"token command not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise TokenCommandError(f"the token command did not finish within {timeout_s:g} s") from None
    except OSError as exc:
        raise TokenCommandError(f"cannot run the token command: {exc.strerror or exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise TokenCommandError(f"the token command failed: {last[:200]}")
    return done.stdout


class TokenCommandProvider(AbstractTokenProvider):
    """kafka-python's token provider, backed by a command; refreshes before expiry on a thread."""

    def __init__(self, command: str, timeout_s: float = COMMAND_TIMEOUT_S,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.command = command
        self.timeout_s = timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # completed runs that gave a token

    def _fetch(self) -> Token:
        token = parse_output(run_command(self.command, self.timeout_s), self._clock())
        with self._lock:
            self._token, self._error = token, None
            self.runs += 1  # completed runs that gave a token
        return token

    def token(self) -> str:
        """The current token; the first call (a connection authenticating) runs the command."""
        with self._lock:
            current = self._token
        if current is None or current.expires_at <= self._clock():
            try:
                current = self._fetch()
            except TokenCommandError as exc:  # kafka-python only sees a failed connection: keep why
                with self._lock:
                    self._error = str(exc)
                raise
        self._start_refresher()
        return current.value

    def _start_refresher(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._refresh_loop, name="kafkatui-oauth-token", daemon=True)
        self._thread.start()

    def _refresh_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                current = self._token
            now = self._clock()
            left = RETRY_S if current is None else (current.expires_at - now) * REFRESH_AT
            wait = max(MIN_REFRESH_S, left)
            if self._stop.wait(wait):
                return
            try:
                self._fetch()
            except TokenCommandError as exc:
                with self._lock:
                    self._error = str(exc)
                self._stop.wait(RETRY_S)

    @property
    def last_error(self) -> str | None:
        return self._error

    def close(self) -> None:
        self._stop.set()


_PROVIDERS: dict[str, TokenCommandProvider] = {}
_PROVIDERS_LOCK = threading.Lock()


def command_error(command: str | None) -> str | None:
    """Why the token command last failed (None if it has not, or there is none): a connect that
    failed for this reason must say so, not "cannot reach"."""
    with _PROVIDERS_LOCK:
        provider = _PROVIDERS.get(command or "")
    return provider.last_error if provider is not None else None


def provider_for(command: str) -> TokenCommandProvider:
    """One provider per command for the whole process, so the admin client and the tail's
    consumer share one token (and one refresher) instead of each running the command."""
    with _PROVIDERS_LOCK:
        if command not in _PROVIDERS:
            _PROVIDERS[command] = TokenCommandProvider(command)
        return _PROVIDERS[command]
