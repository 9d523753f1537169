"""Install by name (issue 14, item 4): a wheel built from the repository installs into a fresh virtualenv, carries
the flows and the built-in specs, and `provisioner demo` runs from it with a built-in spec named, not pathed."""

from __future__ import annotations

import os
import subprocess
import tomllib

import pytest

from .support.fresh_install import ROOT, fresh_install

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return fresh_install(tmp_path_factory.mktemp("fresh-install"))


def test_the_distribution_name_is_not_the_taken_one_and_the_command_stays():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "salesforce-eca-provisioner"  # "provisioner" belongs to someone else on PyPI
    assert project["scripts"] == {"provisioner": "provisioner.cli:main"}


def test_the_wheel_carries_the_flows_and_the_built_in_specs(installed):
    names = installed.names()
    flows = {n for n in names if n.startswith("provisioner/flows/")}
    expected = {f"provisioner/flows/{p.relative_to(ROOT / 'flows')}" for p in (ROOT / "flows").rglob("*.py")}
    assert expected and expected <= flows, sorted(expected - flows)
    assert {f"provisioner/specs/{p.name}" for p in (ROOT / "provisioner" / "specs").glob("*.toml")} <= set(names)
    assert not any(n.startswith("flows/") for n in names), "no top-level 'flows' package to clash with others"


def test_demo_runs_from_the_fresh_install_with_a_built_in_spec_by_name(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([str(installed.bin / "provisioner"), "demo", "--latency", "fast", "--spec", "sf-cli-jwt",
                           "--out-dir", "out", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    result = json.loads(proc.stdout)["result"]
    assert result["status"] == "created" and result["verified"] is True
    assert result["app_name"] == "Salesforce CLI JWT"  # the built-in spec's name, found without a path
    assert (tmp_path / "out" / "credentials.env").stat().st_mode & 0o777 == 0o600
    imported = subprocess.run([str(installed.bin / "python"), "-c", "import provisioner, sys; print(provisioner.__file__)"],
                              cwd=tmp_path, env=env, capture_output=True, text=True)
    assert str(installed.venv) in imported.stdout, "the demo ran the installed copy, not this checkout"
