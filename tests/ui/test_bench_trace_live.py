"""The benchmark's trace hook (KAFKATUI_BENCH_TRACE, kafkatui/ui/polling.py), against the real cluster.

Why: bench/bench_scale_ui.py reads the UI thread's cost per refresh from this file; if the hook
stopped writing, or wrote while unset, the benchmark would report nothing or the app would write a
file nobody asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kafkatui.refresh.state import Source
from kafkatui.ui import polling

pytestmark = pytest.mark.live


async def test_the_trace_gets_one_line_per_applied_poll_only_when_set(make_app: Any, wait_until: Any,
                                                                     tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    trace = tmp_path / "trace.jsonl"
    app = make_app(refresh=1.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.state.health[Source.CLUSTER].last_ok_at, 60, "the first cluster poll")
        assert not trace.exists()  # off by default: BENCH_TRACE is empty unless the env var is set
        monkeypatch.setattr(polling, "BENCH_TRACE", str(trace))
        await wait_until(pilot, lambda: trace.exists() and '"kafka"' in trace.read_text(), 30, "a traced poll")
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    kafka = [r for r in records if r["source"] == "kafka"]
    assert kafka and all(r["ok"] and r["ui_cpu_ms"] >= 0 and r["painted_at"] >= r["handled_at"] for r in kafka)
