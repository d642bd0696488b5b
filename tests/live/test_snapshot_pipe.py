"""`kafkatui snapshot --json | head`: a reader that stops early is not an error.

Why: operators pipe the snapshot into `head`, `jq -e … | head` or a pager they quit early. The
closed pipe used to end in a BrokenPipeError traceback on stderr (Python's own flush at exit).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(cluster: Any, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte, as `head -0` would be
    with open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.run(
            [sys.executable, "-m", "kafkatui", "snapshot", "--json", "--no-processes",
             "--bootstrap", cluster.bootstrap],
            stdout=write_end, stderr=err, timeout=60, env=env,
        )
    os.close(write_end)
    stderr = (tmp_path / "stderr").read_text()
    assert "Traceback" not in stderr, stderr
    assert "BrokenPipeError" not in stderr, stderr
    assert proc.returncode == 0, stderr
