"""What the tool writes by default holds secrets: git must ignore it, so a `git add .` never publishes a key or a
credentials file (issue 17, item 8). Checked with git itself, against the repository's .gitignore."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

IGNORED = [
    "out/credentials.env", "out/credentials.json", "out/server.key", "out/server.crt",
    "credentials.env", "credentials.json", "server.key", "server.crt", "keys/server.crt", "bundle.pem",
    ".env", "prod.env", "config/staging.env", ".env.local",
    "artifacts/failure.png", "out/artifacts/failure.html", "recordings/run.webm", "trace.zip",
    "provisioner-out/uat/credentials.env", "examples/provisioner-out/uat/keys/server.key",
    "inventory.toml.lock",
]
KEPT = [".env.example", "examples/.env.example", "examples/inventory.toml", "recordings/.gitkeep", "README.md",
        "pyproject.toml", "provisioner/credentials.py", "tests/test_credentials.py"]


def _ignored(path: str) -> bool:
    done = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "--no-index", path],
                          capture_output=True, text=True, timeout=10)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


@pytest.fixture(scope="module", autouse=True)
def _git_checkout():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")


@pytest.mark.parametrize("path", IGNORED)
def test_default_outputs_are_ignored(path):
    assert _ignored(path)


@pytest.mark.parametrize("path", KEPT)
def test_sources_and_examples_are_not_ignored(path):
    assert not _ignored(path)
