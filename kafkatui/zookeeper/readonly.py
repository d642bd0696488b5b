"""The read-only facade over kazoo: the only view of ZooKeeper the rest of kafkatui gets.

Why it exists: kazoo's `read_only=True` only means "may talk to a read-only server"; it blocks
no writes. So nothing outside the ZooKeeper source ever holds a KazooClient: it gets
`ReadOnlyZk`, which has the four read calls (and a batched `exists`) and nothing else, each
bounded by kazoo's async API plus `.get(timeout=...)`, every failure one SourceError: NotFoundError
when the node does not exist, UnreachableError when the server did not answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import (
    ConnectionClosedError,
    ConnectionLoss,
    KazooException,
    NoAuthError,
    NoNodeError,
    SessionExpiredError,
)
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import ZnodeStat

from kafkatui.model import NotAuthorizedError, NotFoundError, SourceError, UnreachableError

SOURCE = "zookeeper"
STATS_BATCH = 50  # exists_async requests in flight at once in stats()


class ReadOnlyZk:
    """The only view of ZooKeeper the rest of kafkatui gets: reads, each with a timeout.

    It holds the KazooClient privately and has no method that writes, so read-only is a property
    of the type rather than a promise of its callers. Every kazoo failure becomes SourceError.
    """

    __slots__ = ("_client", "_timeout_s")

    def __init__(self, client: KazooClient, timeout_s: float) -> None:
        self._client = client
        self._timeout_s = timeout_s

    def get(self, path: str) -> tuple[bytes, ZnodeStat]:
        """Data and Stat of `path`; SourceError if it does not exist."""
        data, stat = self._wait(lambda: self._client.get_async(path), path, "reading")
        return (data or b""), stat

    def get_children(self, path: str) -> list[str]:
        """Child names of `path` (no data, no stats)."""
        return self._wait(lambda: self._client.get_children_async(path), path, "listing")

    def exists(self, path: str) -> ZnodeStat | None:
        """Stat of `path`, or None when it does not exist."""
        return self._wait(lambda: self._client.exists_async(path), path, "checking")

    def get_acls(self, path: str) -> tuple[list[Any], ZnodeStat]:
        """ACL list and Stat of `path`."""
        return self._wait(lambda: self._client.get_acls_async(path), path, "reading ACLs of")

    def exists_many(self, paths: Sequence[str], batch: int = STATS_BATCH) -> dict[str, ZnodeStat | None]:
        """Stat (or None) of each path, `batch` requests in flight at a time, one overall deadline."""
        deadline = time.monotonic() + self._timeout_s
        found: dict[str, ZnodeStat | None] = {}
        for start in range(0, len(paths), batch):
            chunk = paths[start : start + batch]
            pending = [(p, self._call(lambda p=p: self._client.exists_async(p), p, "checking")) for p in chunk]
            for path, result in pending:
                remaining = max(0.001, deadline - time.monotonic())
                found[path] = self._result(result, path, "checking", remaining)
        return found

    # -- internals

    def _wait(self, start: Callable[[], Any], path: str, what: str) -> Any:
        return self._result(self._call(start, path, what), path, what, self._timeout_s)

    @staticmethod
    def _call(start: Callable[[], Any], path: str, what: str) -> Any:
        try:
            return start()
        except (KazooException, ValueError, TypeError) as exc:  # bad path, closed client
            raise SourceError(SOURCE, f"{what} {path} failed: {exc or type(exc).__name__}") from None

    @staticmethod
    def _result(result: Any, path: str, what: str, timeout_s: float) -> Any:
        try:
            return result.get(timeout=timeout_s)
        except NoNodeError:
            raise NotFoundError(SOURCE, f"node {path} no longer exists") from None
        except NoAuthError:
            raise NotAuthorizedError(SOURCE, f"no permission to read {path} (its ACL)") from None
        except KazooTimeoutError:
            raise UnreachableError(SOURCE, f"{what} {path} timed out after {timeout_s:.3g} s") from None
        except (ConnectionLoss, ConnectionClosedError, SessionExpiredError) as exc:
            raise UnreachableError(SOURCE, f"{what} {path} failed: {type(exc).__name__} {exc}".rstrip()) from None
        except (KazooException, ValueError, TypeError) as exc:
            raise SourceError(SOURCE, f"{what} {path} failed: {type(exc).__name__} {exc}".rstrip()) from None
