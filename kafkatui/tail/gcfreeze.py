"""Keep long-lived objects out of the garbage collector's full passes.

A full collection walks every tracked object while the UI thread waits (it holds the GIL, on
whichever thread it runs). Two things fill the oldest generation:

* **A tail flood** allocates records that live just long enough to reach it, so full collections
  came every few seconds; scanning every Textual and client object each time cost key presses
  200-400 ms in the benchmark. `freeze_gc(True)` when a tail opens moves what exists to the
  permanent generation; `freeze_gc(False)` when the last user closes hands it back.
* **Polls at scale** (issue 14): at 10,000 topics every Kafka and groups poll lands hundreds of
  thousands of new objects (the snapshot, its rows), which replace the last poll's. CPython runs
  a full collection once the objects new to the oldest generation reach a quarter of it, so one
  came every poll or two, walking all the data: 150-360 ms each, seen in py-spy profiles as a
  poll's or a key's worst case. `keep_frozen` after each poll lands freezes the new data too, so
  a full pass walks only what changed since. The data is frozen dataclasses and tuples: when a
  later poll replaces them, reference counting frees them, frozen or not.

While frozen, young collections also come less often (`THRESHOLDS`: one per 2,000 new objects,
not 700). `bench/bench_gc.py` builds 12 polls' data at 10,000 topics and 5,000 groups. With
CPython's defaults and one freeze at start: 17 full passes, the collector 187-274 ms per poll,
its longest pass 170-278 ms, 0.79-0.93 s of CPU per poll. With both: no full pass, 59-77 ms,
the longest 22-47 ms (a key press waits for the longest), 0.60-0.66 s of CPU per poll.

What freezing costs: cyclic garbage that was frozen is never collected while frozen. So every
`SWEEP_S` a poll landing unfreezes, collects fully once and freezes again: one full pass every
ten minutes instead of one per poll, and nothing leaks for longer than that.
"""

from __future__ import annotations

import gc

SWEEP_S = 600.0
"""How often frozen objects are handed back for one full collection (cyclic garbage among them
is freed then). One such pass at 10,000 topics: ~0.3 s, every 10 minutes, against one per poll."""

THRESHOLDS = (2_000, 10, 10)
"""`gc.set_threshold` while the heap is frozen. Measured against 700 (more collections, and full
passes again: 11-12 in 12 polls), 1,000 (the same) and 10,000 (one young pass walks up to
100,000 survivors: the longest collection 87-145 ms)."""

_frozen_by = 0  # users (the app after its first data, each open tail) that froze the heap
_swept_at: float | None = None
_thresholds: tuple[int, ...] | None = None  # CPython's, to give back when the last user ends


def freeze_gc(freeze: bool) -> None:
    """Call with True when a user starts and with False when it ends (nesting is counted)."""
    global _frozen_by, _thresholds, _swept_at
    _frozen_by += 1 if freeze else -1
    if freeze and _frozen_by == 1:
        gc.freeze()
        _thresholds = gc.get_threshold()
        gc.set_threshold(*THRESHOLDS)
    elif not freeze and _frozen_by == 0:
        gc.unfreeze()
        _swept_at = None  # the next user's sweep clock starts with its own first data
        if _thresholds is not None:
            gc.set_threshold(*_thresholds)
            _thresholds = None


def keep_frozen(now: float) -> bool:
    """After new long-lived data landed (a poll's snapshot), while the heap is frozen: freeze what
    exists now too, or, once every `SWEEP_S` of `now` (a monotonic clock), first unfreeze and
    collect everything. Returns whether it swept; does nothing when nobody froze the heap."""
    global _swept_at
    if _frozen_by <= 0:
        return False
    if _swept_at is None:
        _swept_at = now
    swept = now - _swept_at >= SWEEP_S
    if swept:
        gc.unfreeze()
        gc.collect()
        _swept_at = now
    gc.freeze()
    return swept
