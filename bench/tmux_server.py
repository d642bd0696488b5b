"""A private tmux server for one benchmark or test run, and the panes launched in it.

Why not the default socket: there a benchmark shares the operator's own tmux server (its
environment, its sessions), and it races with the previous benchmark's server shutting down.
Killing a server's last session makes it exit, and a `new-session` that reaches the socket in
that moment fails with "server exited unexpectedly" (it did, in an unattended `make bench`). A
private socket (`tmux -L`) holding one idle keep-alive session for the whole run avoids both.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType


def kafkatui_command() -> str | None:
    """The installed console script: next to the running interpreter (a venv's bin), or on PATH."""
    return shutil.which("kafkatui", path=str(Path(sys.executable).parent)) or shutil.which("kafkatui")


class TmuxServer:
    """`with TmuxServer() as tmux: tmux.run("new-session", ...)`; the server is killed on exit."""

    def __init__(self) -> None:
        self.socket = f"kafkatui-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        """One tmux command on this server; its stdout. TMUX is cleared so that running the
        benchmark from inside tmux does not make tmux refuse or nest."""
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check,
                              env={**os.environ, **(env or {}), "TMUX": ""}).stdout

    def launch(self, args: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24), *,
               exit_file: Path | None = None, name: str = "kafkatui") -> Pane:
        """Run `args` in a new detached session of `size` with `env` added.

        With `exit_file` the pane outlives the command (its exit code is written there, and the
        last screen stays readable); without it the command is exec'd, so the pane's pid is the
        app's and the session ends with it."""
        session = f"{name}-{uuid.uuid4().hex[:8]}"
        command = f"env {' '.join(f'{k}={shlex.quote(v)}' for k, v in env.items())} {shlex.join(args)}"
        if exit_file is None:
            shell = f"exec {command}"
        else:
            shell = f"{command}; echo $? > {shlex.quote(str(exit_file))}; sleep 600"
        self.run("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]), shell)
        return Pane(self, session, exit_file)

    def __enter__(self) -> TmuxServer:
        self.run("new-session", "-d", "-s", "keep-alive", "-x", "80", "-y", "24", "exec sleep 86400")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.run("kill-server", check=False)
        # tmux leaves the socket file behind when its server is killed
        (Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}" / self.socket).unlink(missing_ok=True)


class Pane:
    """One session's screen (capture-pane) and keyboard (send-keys)."""

    def __init__(self, tmux: TmuxServer, session: str, exit_file: Path | None = None) -> None:
        self.tmux = tmux
        self.session = session
        self.exit_file = exit_file

    def text(self, *, joined: bool = False) -> str:
        """The visible screen; `joined` (-J) undoes the wrapping of long lines."""
        return self.tmux.run("capture-pane", "-p", *(["-J"] if joined else []), "-t", self.session, check=False)

    def raw(self) -> str:
        """The screen with its escape sequences (-e), to prove no record byte arrived unescaped."""
        return self.tmux.run("capture-pane", "-p", "-e", "-t", self.session, check=False)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def pid(self) -> int:
        return int(self.tmux.run("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def wait_for(self, check: Callable[[str], bool] | str, timeout: float = 30.0, what: str = "", *,
                 joined: bool = False) -> str:
        """Poll the screen until `check` (a predicate, or text that must appear) holds; the
        AssertionError carries the last screen, which is what a failure report needs."""
        predicate = (lambda s: check in s) if isinstance(check, str) else check
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text(joined=joined)
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or check!r}; the pane shows:\n{screen}")
            time.sleep(0.2)

    def exit_code(self, timeout: float = 15) -> int:
        """The launched command's exit code, once it has quit (needs `exit_file`)."""
        assert self.exit_file is not None, "launched without an exit_file"
        deadline = time.monotonic() + timeout
        while not self.exit_file.exists() or not self.exit_file.read_text().strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"the command did not exit; the pane shows:\n{self.text()}")
            time.sleep(0.1)
        return int(self.exit_file.read_text().strip())

    def close(self) -> None:
        self.tmux.run("kill-session", "-t", self.session, check=False)
