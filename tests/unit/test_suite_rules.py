"""The suite's own rules (tests/suite_rules.py), run on tiny test files in a child pytest.

Why a child pytest: the rules are hooks that change outcomes and markers of a whole run, so the
only honest check is a run. The tiny files' `cluster`/`kraft_cluster` fixtures are stand-ins
named like the real ones: what is tested here is which tests the hooks mark and fail, not Kafka.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.suite_rules import ci_enabled

REPO = Path(__file__).resolve().parents[2]

CONFTEST = '''
import pytest

@pytest.fixture
def cluster():
    return "stand-in"

@pytest.fixture
def kraft_cluster():
    return "stand-in"

@pytest.fixture
def via_cluster(cluster):
    return cluster

@pytest.fixture
def skipping_fixture():
    pytest.skip("no such thing here")
'''

SKIPS = '''
import pytest

def test_passes():
    pass

def test_skips_in_the_body():
    pytest.skip("not today")

@pytest.mark.skipif(True, reason="a skipif marker")
def test_skipif_marker():
    pass

def test_skips_in_a_fixture(skipping_fixture):
    pass

@pytest.mark.allowed_skip(reason="stated: this one may skip")
def test_allowed_to_skip():
    pytest.skip("allowed")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False
'''

MODULE_SKIP = '''
import pytest

pytest.skip("the whole module", allow_module_level=True)

def test_never_collected():
    pass
'''

USES = '''
import pytest

def test_uses_cluster(cluster):
    pass

def test_uses_it_through_another_fixture(via_cluster):
    pass

def test_uses_kraft(kraft_cluster):
    pass

def test_uses_none():
    pass
'''


@dataclass(frozen=True)
class Run:
    code: int
    outcomes: dict[str, str]  # test name -> passed | skipped | failed | error
    output: str


def run(tmp_path: Path, files: dict[str, str], *args: str, ci: str | None = None) -> Run:
    """pytest in a child process on `files`, with only the suite rules as a plugin."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "conftest.py").write_text(CONFTEST)
    for name, text in files.items():
        (project / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update(PYTHONPATH=str(REPO), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    if ci is not None:
        env["CI"] = ci
    junit = tmp_path / "junit.xml"
    junit.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.suite_rules", "-p", "no:cacheprovider", "-q", "-rA",
         "-c", str(project / "pytest.ini"), "--rootdir", str(project), f"--junitxml={junit}", *args, str(project)],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )
    outcomes: dict[str, str] = {}
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
            outcomes[case.get("name", "")] = {"failure": "failed"}.get(kinds[0], kinds[0]) if kinds else "passed"
    return Run(proc.returncode, outcomes, proc.stdout + proc.stderr)


def test_ci_flag_values() -> None:
    assert ci_enabled({"CI": "true"}) and ci_enabled({"CI": "1"}) and ci_enabled({"CI": "yes"})
    assert not any(ci_enabled(env) for env in ({}, {"CI": ""}, {"CI": "0"}, {"CI": "false"}, {"CI": "No"}))


def test_outside_ci_a_skip_is_a_skip(tmp_path: Path) -> None:
    result = run(tmp_path, {"test_skips.py": SKIPS}, ci="false")
    assert result.code == 0, result.output
    assert result.outcomes == {
        "test_passes": "passed",
        "test_skips_in_the_body": "skipped",
        "test_skipif_marker": "skipped",
        "test_skips_in_a_fixture": "skipped",
        "test_allowed_to_skip": "skipped",
        "test_expected_failure": "skipped",  # junit's word for xfail
    }, result.output


def test_under_ci_every_skip_fails_the_run_unless_allowed(tmp_path: Path) -> None:
    result = run(tmp_path, {"test_skips.py": SKIPS}, ci="true")
    assert result.code == 1, result.output
    assert result.outcomes == {
        "test_passes": "passed",
        "test_skips_in_the_body": "failed",
        "test_skipif_marker": "error",  # skipped in setup, so failed in setup
        "test_skips_in_a_fixture": "error",
        "test_allowed_to_skip": "skipped",  # marked, with its reason
        "test_expected_failure": "skipped",  # an xfail is not a skip
    }, result.output
    assert "skipped under CI (not today)" in result.output
    assert "skipped under CI (a skipif marker)" in result.output
    assert "skipped under CI (no such thing here)" in result.output


def test_under_ci_a_module_skipped_at_collection_fails_the_run(tmp_path: Path) -> None:
    files = {"test_module_skip.py": MODULE_SKIP}
    assert run(tmp_path, files, ci="0").code == 5  # outside CI: nothing ran, nothing failed
    result = run(tmp_path, files, ci="true")
    assert result.code not in (0, 5), result.output
    assert "skipped under CI (the whole module)" in result.output


def test_an_allowed_skip_must_say_why(tmp_path: Path) -> None:
    result = run(tmp_path, {"test_bare.py": "import pytest\n\n@pytest.mark.allowed_skip\ndef test_x():\n    pass\n"})
    assert result.code == pytest.ExitCode.USAGE_ERROR, result.output
    assert "test_bare.py::test_x: `allowed_skip` needs a reason" in result.output


def collected(tmp_path: Path, files: dict[str, str], marker: str) -> list[str]:
    result = run(tmp_path, files, "--collect-only", "-m", marker)
    assert result.code in (0, 5), result.output
    return sorted(line.split("::")[-1] for line in result.output.splitlines() if "::" in line)


def test_live_and_kraft_markers_follow_the_cluster_fixtures(tmp_path: Path) -> None:
    files = {"test_uses.py": USES}
    assert collected(tmp_path, files, "live") == ["test_uses_cluster", "test_uses_it_through_another_fixture",
                                                  "test_uses_kraft"]
    assert collected(tmp_path, files, "not live") == ["test_uses_none"]
    assert collected(tmp_path, files, "kraft") == ["test_uses_kraft"]


@pytest.mark.parametrize("marker", ["live", "kraft"])
def test_a_hand_written_cluster_marker_without_the_fixture_is_an_error(tmp_path: Path, marker: str) -> None:
    code = f"import pytest\n\n@pytest.mark.{marker}\ndef test_claims_a_cluster():\n    pass\n"
    result = run(tmp_path, {"test_hand.py": code}, "--collect-only")
    assert result.code == pytest.ExitCode.USAGE_ERROR, result.output
    assert f"test_hand.py::test_claims_a_cluster: marked `{marker}` by hand" in result.output
