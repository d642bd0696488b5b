"""File logging under the XDG state directory; never to the screen.

Why: Textual owns the terminal, so a stray log line on stderr would corrupt the display. The
client libraries are chatty on reconnects (kafka-python logs every failed connection), so they
go to the same file at WARNING only.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from kafkatui.config import log_path

CLIENT_LOGGERS = ("kafka", "kazoo", "urllib3")
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


def configure_logging(path: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Send all logging to a rotating file; returns its path, or None when it cannot be opened.

    Safe to call twice (handlers are replaced, not stacked). When the state directory is not
    writable, logging is silenced rather than allowed to fall back to stderr.
    """
    target = path or log_path()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handler: logging.Handler
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=5_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        handler, target = logging.NullHandler(), None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    logging.lastResort = None  # never print "No handlers could be found" to the terminal
    for name in CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return target
