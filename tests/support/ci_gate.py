"""In CI (CI=true) a skipped test fails the run: a green CI must never hide a real part that did not run.

On a developer's machine a missing part skips with its reason (tests/support/missing.py); `.ci/run` sets CI=true.
"""

from __future__ import annotations

import os


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ANN001 - pytest hook
    """In CI a skipped test is a failed run: a green CI must never hide a real part that did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped and _in_ci():
        terminalreporter.write_line(f"CI: {len(skipped)} test(s) skipped; every test must run in CI (reasons above)",
                                    red=True)
        terminalreporter._session.exitstatus = 1  # noqa: SLF001 - the session's exit status is what CI reads


def pytest_sessionfinish(session, exitstatus):  # noqa: ANN001 - pytest hook
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and _in_ci() and exitstatus == 0:
        session.exitstatus = 1
