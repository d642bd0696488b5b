"""Handoff: what a thread worker reads and returns, kept out of Textual's Worker object.

Why: a finished Worker stays in a reference cycle (its task's context holds the active-worker
variable, and that holds the worker) until CPython's cyclic collector frees it. A worker that
captured a poll's snapshot (a closure over it, or `partial(build, snapshot)`) or returned rows
made from it kept every such snapshot alive until then. With the heap frozen after each poll
(tail/gcfreeze.py) that was the next sweep, minutes away: a headless app on 10,000 topics grew
from 106 to 343 MB in 4 minutes, one ~30 MB snapshot per Kafka poll, all reachable only from
finished workers (found with `gc.DEBUG_SAVEALL`). The worker takes its inputs when it starts and
leaves its result here; the handler takes the result, and the Worker holds nothing of either.
"""

from __future__ import annotations

from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class Handoff(Generic[In, Out]):
    """One worker's inputs and result, each handed over once."""

    __slots__ = ("_inputs", "_result")

    def __init__(self, inputs: In) -> None:
        self._inputs: In | None = inputs
        self._result: Out | None = None

    def take_inputs(self) -> In:
        """The worker, when it starts: its inputs, no longer held here."""
        inputs, self._inputs = self._inputs, None
        if inputs is None:
            raise RuntimeError("a handoff's inputs are taken once")
        return inputs

    def put(self, result: Out) -> None:
        """The worker, when it is done."""
        self._result = result

    def take(self) -> Out | None:
        """The handler: the result (None if the worker left none), no longer held here."""
        result, self._result = self._result, None
        self._inputs = None
        return result
