"""`kafkatui snapshot --json` on the real cluster: one sample judges no lag (issue 12, defect 6).

A one-shot snapshot holds one lag sample per partition. That is enough to call a caught-up group
OK, and never enough to call a lagging one OK: the seeded `analytics` group (no members, offsets
committed once at half the end offsets, the demo producer still writing) must come out PENDING,
with a reason that says "not judged yet", and no group with lag may come out OK.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kafkatui.kafka.lag import NOT_JUDGED
from tests.live.test_kip848_groups import snapshot_json

pytestmark = pytest.mark.live


def test_one_shot_snapshot_calls_a_lagging_group_not_judged_yet(cluster: Any, tmp_path: Path) -> None:
    doc = snapshot_json(cluster.bootstrap, tmp_path)
    groups = {g["id"]: g for g in doc["groups"]}
    analytics = groups["analytics"]
    assert analytics["members"] == [] and analytics["total_lag"] > 0
    assert analytics["status"] == "PENDING"
    assert analytics["status_reason"].startswith(f"{NOT_JUDGED}: ")
    assert "1 sample so far" in analytics["status_reason"]
    called_ok = {g["id"]: g["total_lag"] for g in doc["groups"] if g["status"] == "OK"}
    assert all(lag == 0 for lag in called_ok.values()), f"lagging groups called OK on one sample: {called_ok}"
