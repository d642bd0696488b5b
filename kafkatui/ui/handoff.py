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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.dom import DOMNode

In = TypeVar("In")
Out = TypeVar("Out")


class Handoff(Generic[In, Out]):
    """One worker's inputs and result, each handed over once."""

    __slots__ = ("_closed", "_inputs", "_result")

    def __init__(self, inputs: In) -> None:
        self._inputs: In | None = inputs
        self._result: Out | None = None
        self._closed = False

    def take_inputs(self) -> In:
        """The worker, when it starts: its inputs, no longer held here."""
        inputs, self._inputs = self._inputs, None
        if inputs is None:
            raise RuntimeError("a handoff's inputs are taken once")
        return inputs

    def put(self, result: Out) -> None:
        """The worker, when it is done. Dropped once the handler has taken (a cancelled worker's
        thread runs on, and its result would stay in the worker's cycle until a sweep)."""
        if not self._closed:
            self._result = result

    def take(self) -> Out | None:
        """The handler: the result (None if the worker left none), no longer held here."""
        result, self._result = self._result, None
        self._inputs = None
        self._closed = True
        return result


class Handoffs:
    """A widget's running thread workers, each with its handoff until the handler takes the result.

    One place for the rule (the worker holds only the handoff; the handler forgets the worker
    when it takes the result), so no widget keeps a finished worker's handoff by mistake."""

    __slots__ = ("_by_worker",)

    def __init__(self) -> None:
        self._by_worker: dict[Worker[None], Handoff[Any, Any]] = {}

    def run(self, node: DOMNode, build: Callable[[In], Out], inputs: In, **options: Any) -> Worker[None]:
        """Run `build(inputs)` in a thread worker of `node` (options go to `run_worker`).

        `build` must not capture what it is handed: it is held by the Worker."""
        handoff: Handoff[In, Out] = Handoff(inputs)

        def work() -> None:
            handoff.put(build(handoff.take_inputs()))

        worker: Worker[None] = node.run_worker(work, thread=True, **options)
        self._by_worker[worker] = handoff
        return worker

    def take(self, event: Worker.StateChanged) -> Any:
        """The result of the worker whose state changed, once it ended (`ended`); None before, or
        if it left none, and the worker is forgotten. The event's state, not the worker's: a
        RUNNING message handled after the thread ended must not take the result SUCCESS brings."""
        if not ended(event):
            return None
        handoff = self._by_worker.pop(event.worker, None)
        return handoff.take() if handoff is not None else None


def ended(event: Worker.StateChanged) -> bool:
    """Whether this state change is the worker's last (success, error or cancelled)."""
    return event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
