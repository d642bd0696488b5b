"""Messages that thread workers post to the app; each carries a result or an error, never both.

Why dataclass messages: a worker must not touch widgets or shared state, so everything the UI
thread needs to update AppState travels inside one message. (The dataclass `__init__` runs
Textual's `Message.__post_init__`, so no explicit super call is needed.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message

from kafkatui.model import SourceError
from kafkatui.refresh.policy import Ahead
from kafkatui.refresh.state import Source


@dataclass
class SourcePolled(Message):
    """One poll of one source finished. Exactly one of `snapshot` / `error` is set."""

    source: Source
    snapshot: object | None
    error: SourceError | None
    started_at: float
    finished_at: float
    cpu_s: float = 0.0  # CPU the worker thread itself used (the benchmark's trace; not the IO thread's)
    ahead: Ahead | None = None  # its history, folded in the worker thread (refresh.policy.fold_ahead)
    timed_out: bool = False  # it ran into its request deadline (grows it: refresh/deadline.py)
    poll_cpu_s: float | None = None  # CPU of its worker and of the Kafka client's IO thread (paces it: refresh/pace.py)


@dataclass
class RequestDone(Message):
    """An on-demand `app.request(...)` finished; `result` is the value or a SourceError."""

    kind: str
    result: object
    on_done: Callable[[object], None]
