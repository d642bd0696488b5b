"""A private tmux server for one benchmark process.

Why not the default socket: there a benchmark shares the operator's own tmux server (its
environment, its sessions), and it races with the previous benchmark's server shutting down.
Killing a server's last session makes it exit, and a `new-session` that reaches the socket in
that moment fails with "server exited unexpectedly" (it did, in an unattended `make bench`). A
private socket (`tmux -L`) holding one idle keep-alive session for the whole run avoids both.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from types import TracebackType


class TmuxServer:
    """`with TmuxServer() as tmux: tmux.run("new-session", ...)`; the server is killed on exit."""

    def __init__(self) -> None:
        self.socket = f"kafkatui-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        """One tmux command on this server; its stdout. TMUX is cleared so that running the
        benchmark from inside tmux does not make tmux refuse or nest."""
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check,
                              env={**os.environ, **(env or {}), "TMUX": ""}).stdout

    def __enter__(self) -> TmuxServer:
        self.run("new-session", "-d", "-s", "keep-alive", "-x", "80", "-y", "24", "exec sleep 86400")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.run("kill-server", check=False)
        # tmux leaves the socket file behind when its server is killed
        (Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}" / self.socket).unlink(missing_ok=True)
