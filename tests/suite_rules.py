"""Rules for the whole suite, enforced by pytest hooks (tests/conftest.py imports them).

Why hooks and not habits: a marker typed by hand drifts from what a test really needs, and a
skip reads as "fine" in a green run. So:

- `live` and `kraft` are derived, never written by hand: a test that uses the `cluster`,
  `kraft_cluster` or `secure_cluster` (tests/live/test_secure_cluster.py) fixture (directly or
  through another fixture) gets `live`; one that uses `kraft_cluster` also gets `kraft`. A
  hand-written `live`/`kraft` on a test that uses no such fixture is an error at collection, so
  `-m live` / `-m "not live"` select exactly the tests that need a cluster.
- Under CI (`CI` set to anything but empty, 0, false or no: `.ci/run` runs with CI=true) a
  skipped test fails the run: CI is where everything the suite claims must run. The only way
  out is `@pytest.mark.allowed_skip(reason=...)` on the test, with the reason stated; keep
  that list tiny and honest. A module skipped at collection fails the run too.
- `make test` runs on two pytest-xdist workers (`-n 2 --dist loadgroup`), and each real cluster
  is one lane: every test that uses a cluster fixture gets that cluster's `xdist_group`, so all
  of them run on one worker, in order, and a fault test never kills a broker under another
  test. Tests that use no cluster (pure code, frozen snapshots) fill the other worker, next to
  the lanes of the KRaft and the secured clusters, which are separate processes on other ports.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping

import pytest

DERIVED_MARKERS: Mapping[str, frozenset[str]] = {
    "live": frozenset({"cluster", "kraft_cluster", "secure_cluster", "secure_kraft"}),
    "kraft": frozenset({"kraft_cluster", "secure_kraft"}),
}
ALLOWED_SKIP = "allowed_skip"
# the xdist_group of the tests that share one real cluster (the first match wins)
LANES: tuple[tuple[str, frozenset[str]], ...] = (
    ("cluster", frozenset({"cluster"})),
    ("kraft-cluster", frozenset({"kraft_cluster"})),
    ("secure-cluster", frozenset({"secure_cluster", "secure_kraft"})),
)


def ci_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """True when the run is CI's: `CI` set to anything but empty, 0, false or no."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: uses the real local cluster (derived from the cluster fixtures; "
                                       "never set by hand)")
    config.addinivalue_line("markers", "kraft: uses a KRaft variant of the local cluster (derived from the "
                                       "kraft_cluster and secure_kraft fixtures; never set by hand)")
    config.addinivalue_line("markers", f"{ALLOWED_SKIP}(reason): may skip even under CI, for the stated reason")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wrong = []
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in DERIVED_MARKERS.items():
            if used & fixtures:
                item.add_marker(marker)
            elif item.get_closest_marker(marker) is not None:
                wrong.append(f"{item.nodeid}: marked `{marker}` by hand but uses none of {sorted(fixtures)}")
        lane = next((name for name, fixtures in LANES if used & fixtures), None)
        if lane is not None:
            item.add_marker(pytest.mark.xdist_group(lane))
        allowed = item.get_closest_marker(ALLOWED_SKIP)
        reason = allowed and allowed.kwargs.get("reason", allowed.args[0] if allowed.args else "")
        if allowed is not None and not str(reason or "").strip():
            wrong.append(f"{item.nodeid}: `{ALLOWED_SKIP}` needs a reason")
    if wrong:
        raise pytest.UsageError("suite rules (tests/suite_rules.py):\n  " + "\n  ".join(wrong))


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_under_ci(report: pytest.TestReport | pytest.CollectReport, what: str) -> None:
    report.outcome = "failed"
    report.longrepr = (f"{what} skipped under CI ({_skip_reason(report)}). In CI every test the suite claims "
                       f"must run; if this skip is right, mark the test "
                       f"@pytest.mark.{ALLOWED_SKIP}(reason=...) and say why.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if (report.skipped and not hasattr(report, "wasxfail") and ci_enabled()
            and item.get_closest_marker(ALLOWED_SKIP) is None):
        _fail_under_ci(report, item.nodeid)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if report.skipped and ci_enabled():
        _fail_under_ci(report, collector.nodeid or "collection")
    return report
