"""bench_scale_ui's reading of a py-spy profile and of its own trace (issue 14).

Why: the README's "where the time goes" at the large size comes from `summarize_profile`. py-spy
counts a thread waiting in select() or on a condition as busy, and at the first try the summary
said the UI thread spent 95-99 % in `EpollSelector.select`: waits must be left out, and the
busy samples split by thread (UI, kafka-python's network thread, the workers).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.bench_scale_ui import poll_intervals, summarize_profile


def _frame(name: str, file: str) -> dict[str, object]:
    return {"name": name, "file": file, "line": 1, "col": None}


def _speedscope(tmp_path: Path) -> Path:
    frames = [
        _frame("thread (1): MainThread", ""),                                    # 0
        _frame("main", "/x/.venv/lib/python3.11/site-packages/kafkatui/cli.py"),  # 1
        _frame("EpollSelector.select", "/usr/lib/python3.11/selectors.py"),      # 2
        _frame("FilterTable.set_rows", "/w/kafkatui/ui/widgets/table.py"),        # 3
        _frame("thread (2): kafka-io-kafkatui", ""),                             # 4
        _frame("decode_metadata", "/w/kafkatui/kafka/codec.py"),                  # 5
        _frame("thread (3): kafkatui_0", ""),                                    # 6
        _frame("Thread._bootstrap", "/usr/lib/python3.11/threading.py"),          # 7
        _frame("_worker", "/usr/lib/python3.11/concurrent/futures/thread.py"),    # 8
        _frame("evaluate_partition", "/w/kafkatui/kafka/lag.py"),                 # 9
    ]
    profiles = [
        {"type": "sampled", "name": 'Thread 1 "MainThread"',
         "samples": [[0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 3]], "weights": [0.01, 0.01, 0.01, 0.01]},
        {"type": "sampled", "name": 'Thread 2 "kafka-io-kafkatui"',
         "samples": [[4, 5], [4, 5]], "weights": [0.01, 0.01]},
        {"type": "sampled", "name": 'Thread 3 "kafkatui_0"',
         "samples": [[6, 7, 8], [6, 7, 9], [6, 7, 9], [6, 7, 9]], "weights": [0.01, 0.01, 0.01, 0.01]},
    ]
    path = tmp_path / "p.speedscope.json"
    path.write_text(json.dumps({"shared": {"frames": frames}, "profiles": profiles}))
    return path


def test_waiting_samples_are_left_out_and_busy_ones_split_by_thread(tmp_path: Path) -> None:
    summary = summarize_profile(_speedscope(tmp_path))
    assert summary["busy_samples"] == {"ui": 1, "kafka-io": 2, "workers": 3}
    assert summary["self_pct"]["ui"] == [["FilterTable.set_rows (kafkatui/ui/widgets/table.py)", 100.0]]
    assert ["evaluate_partition (kafkatui/kafka/lag.py)", 100.0] in summary["inclusive_pct"]["workers"]
    assert summary["inclusive_pct"]["kafka-io"] == [["decode_metadata (kafkatui/kafka/codec.py)", 100.0]]
    # the installed package's path is shortened like a checkout's
    assert ["main (kafkatui/cli.py)", 100.0] in summary["inclusive_pct"]["ui"]


def test_poll_intervals_are_the_gaps_between_applied_polls_per_source() -> None:
    polls = [{"source": "kafka", "handled_at": t} for t in (0.0, 40.0, 93.0)]
    polls.append({"source": "zookeeper", "handled_at": 1.0})
    intervals = poll_intervals(polls)
    assert intervals["kafka"]["median"] == 46.5 and intervals["kafka"]["n"] == 2
    assert intervals["zookeeper"] is None  # one poll: no interval
