"""The CI gate itself: with CI=true a run with a skipped test fails and says why; without CI it passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_pytest(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_one.py").write_text("import pytest\n\ndef test_a():\n    pytest.skip('no Dovecot here')\n\n"
                                          "def test_b():\n    assert True\n")
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "tests.support.ci_gate",
                           "-p", "no:cacheprovider", str(tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_skipped_test_fails_the_run_in_ci(tmp_path):
    proc = _run_pytest(tmp_path, "true")
    assert proc.returncode == 1, proc.stdout
    assert "no Dovecot here" in proc.stdout and "every test must run in CI" in proc.stdout


def test_outside_ci_a_skip_is_reported_but_passes(tmp_path):
    proc = _run_pytest(tmp_path, "")
    assert proc.returncode == 0, proc.stdout
    assert "no Dovecot here" in proc.stdout
