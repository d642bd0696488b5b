"""The KRaft cluster id the cluster tool makes for `kafka-storage format`.

CI once failed to start the secure KRaft cluster with "argument --cluster-id/-t: expected one
argument": one random id in 64 starts with "-" in URL-safe base64, and the storage tool's
argument parser took it for an option. Kafka's own Uuid.randomUuid() draws again in that case."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import localcluster.cluster as lc


def test_an_id_starting_with_a_dash_is_drawn_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x01" * 16)])  # "-A…", then "AQE…"
    monkeypatch.setattr(lc.uuid, "uuid4", lambda: next(draws))
    (tmp_path / "state").mkdir()
    cid = lc.Cluster(kraft=True, state_dir=tmp_path / "state").cluster_id()
    assert cid == "AQEBAQEBAQEBAQEBAQEBAQ"
    assert (tmp_path / "state" / "cluster-id").read_text().strip() == cid


def test_the_id_is_kept_once_made(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    cluster = lc.Cluster(kraft=True, state_dir=tmp_path / "state")
    first = cluster.cluster_id()
    assert len(first) == 22 and not first.startswith("-")
    assert cluster.cluster_id() == first
