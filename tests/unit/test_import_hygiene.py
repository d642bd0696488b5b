"""The sources and the pure modules must not import Textual (DESIGN: sources know no UI).

Checked in a fresh interpreter, since this test process may already have Textual loaded.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

ALWAYS = [
    "kafkatui.sources.kafka",
    "kafkatui.sources.kafka_convert",
    "kafkatui.sources.kafka_convert_groups",
    "kafkatui.sources.kafka_fetch",
    "kafkatui.sources.kafka_wire",
    "kafkatui.model",
    "kafkatui.config",
]
IF_PRESENT = [
    "kafkatui.sources.zookeeper",
    "kafkatui.sources.zookeeper_nodes",
    "kafkatui.sources.zookeeper_readonly",
    "kafkatui.sources.zookeeper_stats",
    "kafkatui.sources.processes",
    "kafkatui.sources.processes_disk",
    "kafkatui.sources.processes_jvm",
    "kafkatui.sources.processes_match",
    "kafkatui.sources.processes_properties",
    "kafkatui.sources.tail",
    "kafkatui.snapshot_json",
    "kafkatui.lag",
    "kafkatui.rates",
    "kafkatui.decode",
    "kafkatui.attention",
]


def modules_to_check() -> list[str]:
    return ALWAYS + [m for m in IF_PRESENT if importlib.util.find_spec(m) is not None]


def test_sources_do_not_import_textual() -> None:
    modules = modules_to_check()
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [], f"Textual imported by one of {modules}"


def test_the_check_would_catch_textual() -> None:
    """Guard against a vacuous pass: importing Textual is visible in sys.modules."""
    if importlib.util.find_spec("textual") is None:
        return
    code = "import sys, textual; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True"
