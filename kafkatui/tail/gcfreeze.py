"""Keep the objects that existed before a tail opened out of full GC passes while it runs.

A flood allocates records that live just long enough to reach the oldest generation, so full
collections come every few seconds; scanning every Textual and client object each time cost
key presses 200-400 ms in the benchmark. `gc.freeze()` moves what exists now to a permanent
generation; `gc.unfreeze()` hands it back when the last open tail closes.
"""

from __future__ import annotations

import gc

_frozen_by = 0  # open tails that froze the GC's view of older objects


def freeze_gc(freeze: bool) -> None:
    """Call with True when a tail opens and with False when it closes (nesting is counted)."""
    global _frozen_by
    _frozen_by += 1 if freeze else -1
    if freeze and _frozen_by == 1:
        gc.freeze()
    elif not freeze and _frozen_by == 0:
        gc.unfreeze()
