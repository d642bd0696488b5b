"""How much disk a broker's or ZooKeeper's data dirs use: a bounded `du`-like walk.

Why it is its own module: a refresh runs every few seconds and a log dir can hold hundreds of
thousands of segment files, so the walk is capped in entries (and reports a lower bound past
the cap) and counts allocated blocks rather than sizes, because Kafka preallocates sparse
index files. The process source caches its results; this module only measures.
"""

from __future__ import annotations

import os
import shutil

from kafkatui.model import DiskUsage

MAX_SCAN_ENTRIES = 20_000  # per log dir and walk; beyond this usage is reported as a lower bound


def walk_usage(path: str, max_entries: int = MAX_SCAN_ENTRIES) -> tuple[int | None, bool]:
    """(bytes on disk under `path`, partial?) like `du`, visiting at most `max_entries` entries.

    Uses allocated blocks, not st_size, because Kafka preallocates sparse index files. Entries
    that vanish mid-walk (segments being deleted) are skipped. None if `path` cannot be read.
    """
    total, seen, stack = 0, 0, [path]
    try:
        os.stat(path)
    except OSError:
        return None, False
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                seen += 1
                if seen > max_entries:
                    return total, True
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                blocks = getattr(st, "st_blocks", None)
                total += blocks * 512 if blocks is not None else st.st_size
    return total, False


def disk_usage(path: str, max_entries: int = MAX_SCAN_ENTRIES) -> DiskUsage:
    """Walked size of `path` plus free/total space of its filesystem; unknowns are None."""
    used, partial = walk_usage(path, max_entries)
    try:
        fs = shutil.disk_usage(path)
        free, total = fs.free, fs.total
    except OSError:
        free = total = None
    return DiskUsage(path=path, used_bytes=used, free_bytes=free, total_bytes=total, partial=partial)
