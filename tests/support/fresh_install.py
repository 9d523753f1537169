"""provisioner as a user gets it: a wheel built from this checkout, installed into a fresh virtualenv.

Built once per test session (both the wheel test and the nightly workflow test use it). The wheel is built from a
copy of the checkout (tracked and new files, not what .gitignore leaves out), so the build never writes into the
working tree. Dependencies are pinned to this machine's .venv (`pip freeze` as constraints): the same Playwright,
whose browser is already installed, and pip's cache instead of fresh downloads.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .missing import missing_part

ROOT = Path(__file__).resolve().parents[2]
_cache: dict[str, "FreshInstall"] = {}


@dataclass(frozen=True)
class FreshInstall:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def names(self) -> list[str]:
        return zipfile.ZipFile(self.wheel).namelist()


def _run(cmd: list[str], cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def fresh_install(workdir: Path) -> FreshInstall:
    if "it" in _cache:
        return _cache["it"]
    source = workdir / "checkout"
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for name in filter(None, listed.stdout.split("\0")):
        src, dst = ROOT / name, source / name
        if src.is_symlink() or src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)
    wheels = workdir / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q",
                  "-w", str(wheels), str(source)])
    if built.returncode != 0:
        missing_part(f"cannot build the wheel (pip wheel needs setuptools from the package index): "
                     f"{built.stderr.strip().splitlines()[-1:]}")
    wheel = next(wheels.glob("*.whl"))
    venv = workdir / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"])
    constraints = workdir / "constraints.txt"
    constraints.write_text("".join(line + "\n" for line in frozen.stdout.splitlines()
                                   if line and not line.startswith(("-e", "salesforce-eca-provisioner", "provisioner"))))
    installed = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                      "-c", str(constraints), str(wheel)])
    if installed.returncode != 0:
        missing_part(f"cannot install the wheel's dependencies (package index unreachable?): "
                     f"{installed.stderr.strip().splitlines()[-1:]}")
    _cache["it"] = FreshInstall(wheel=wheel, venv=venv)
    return _cache["it"]
