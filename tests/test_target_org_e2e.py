"""`setup -o ALIAS`: the org's session comes from the real Salesforce CLI, Setup opens through the front door.

The simulated org hands out an access token as `sf org login web` would get one; the real `sf` stores it
(`sf org login access-token`), and provisioner asks `sf org open --url-only` for the single-use link. No password,
TOTP seed or login page is used to log in; the consumer details still ask for the emailed code, read over IMAP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from provisioner.sim import oauth

from .test_sf_cli import sf  # noqa: F401 - fixture: the real Salesforce CLI

pytestmark = [pytest.mark.e2e, pytest.mark.sfcli]
ROOT = Path(__file__).resolve().parent.parent


def authorise(sf, handle, alias: str, token: str | None = None) -> None:  # noqa: F811
    """`sf org login access-token` with a token the simulated org issued for its admin."""
    env = dict(sf.env, SF_ACCESS_TOKEN=token or handle.cli_token())
    proc = subprocess.run(["sf", "org", "login", "access-token", "--instance-url", handle.base_url, "--no-prompt",
                           "--alias", alias, "--json"], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:]


def mailbox_env(info: dict) -> dict[str, str]:
    """Only the mailbox: the emailed code of the consumer details. No Salesforce password, seed or login URL."""
    return {"IMAP_HOST": info["imap_host"], "IMAP_PORT": str(info["imap_port"]), "IMAP_USER": info["imap_user"],
            "IMAP_PASSWORD": info["imap_password"], "IMAP_SSL": "false", "SALESFORCE_EMAIL": info["email"]}


def provisioner(tmp_path: Path, sf, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:  # noqa: F811
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_", "SF_"))}
    env.update(sf.env)
    env.update(extra_env or {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "provisioner.cli", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


def setup(tmp_path: Path, sf, info: dict, *args: str) -> subprocess.CompletedProcess:  # noqa: F811
    return provisioner(tmp_path, sf, "setup", "--out-dir", str(tmp_path / "out"), "--mail-timeout", "20",
                       "--page-timeout", "20", "--verify-seconds", "120", *args, extra_env=mailbox_env(info))


@pytest.fixture
def org(sim_factory):
    """An org whose admin would need a password and an emailed code at its login page."""
    handle = sim_factory(mail="embedded", admin_totp=False, unrecognised_device=True)
    return handle, handle.info()


def kinds(handle) -> list[str]:
    return [event["kind"] for event in handle.org.events]


def test_setup_with_target_org_provisions_through_the_front_door_without_a_password(org, sf, tmp_path):  # noqa: F811
    handle, info = org
    authorise(sf, handle, "simorg")
    proc = setup(tmp_path, sf, info, "-o", "simorg", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    answer = json.loads(proc.stdout)
    assert answer["status"] == 0 and isinstance(answer["warnings"], list)
    result = answer["result"]
    assert result["status"] == "created" and result["verified"] is True
    assert result["username"] == info["username"] and result["instance_url"] == handle.base_url
    app = handle.org.app_by_api_name(result["api_name"])
    assert app is not None and result["consumer_key"] == app.consumer_key
    # in through the single-use link: no password login, no authenticator challenge at a login page
    events = kinds(handle)
    assert "single_access_issued" in events and "frontdoor_login" in events
    assert "login_succeeded" not in events and "login_failed" not in events
    assert info["password"] not in proc.stdout + proc.stderr
    assert "otp=" not in proc.stdout + proc.stderr  # the link is the session: never printed


def test_an_expired_cli_session_says_which_command_logs_in_again(org, sf, tmp_path):  # noqa: F811
    handle, info = org
    authorise(sf, handle, "stale")
    oauth.expire_tokens(handle.org, info["username"])
    proc = setup(tmp_path, sf, info, "-o", "stale")
    assert proc.returncode == 10, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert last.startswith("error: ") and "expired" in last and "`sf org login web -o stale`" in last
    assert "frontdoor_login" not in kinds(handle) and not handle.org.apps
    assert not (tmp_path / "out" / "credentials.env").exists()


def test_an_org_that_refuses_token_browser_sessions_is_named_in_one_line(sim_factory, sf, tmp_path):  # noqa: F811
    handle = sim_factory(mail="embedded", token_browser_login=False)
    info = handle.info()
    authorise(sf, handle, "strict")
    proc = setup(tmp_path, sf, info, "-o", "strict")
    assert proc.returncode == 10, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert "login page" in last and "phishing-resistant" in last and "sf org login web -o strict" in last
    assert "frontdoor_refused" in kinds(handle) and not handle.org.apps


def test_an_org_the_cli_does_not_know_is_a_setting_error(org, sf, tmp_path):  # noqa: F811
    _, info = org
    proc = setup(tmp_path, sf, info, "-o", "nosuch", "--json")
    assert proc.returncode == 2
    answer = json.loads(proc.stdout)
    assert answer["status"] == 2 and answer["exitCode"] == 2 and answer["name"] == "ConfigError"
    assert "has no org 'nosuch'" in answer["message"] and "sf org login web -o nosuch" in answer["message"]


def test_target_org_with_a_password_flag_is_refused_before_anything_runs(org, sf, tmp_path):  # noqa: F811
    _, info = org
    proc = setup(tmp_path, sf, info, "-o", "simorg", "--password-file", str(tmp_path / "pw"))
    assert proc.returncode == 2 and "--password-file is not used with it" in proc.stderr


def test_setup_updates_the_dx_project_and_hands_off_as_the_default_org(org, sf, tmp_path):  # noqa: F811
    handle, info = org
    authorise(sf, handle, "simorg")
    project = tmp_path / "crm"
    project.mkdir()
    original = '{\n    "packageDirectories": [{"path": "force-app", "default": true}],\n    "name": "crm"\n}\n'
    (project / "sfdx-project.json").write_text(original)
    proc = setup(tmp_path, sf, info, "-o", "simorg", "--json", "--project-dir", str(project),
                 "--callback-url", "http://localhost:1818/OauthRedirect",
                 "--sf-login", "--alias", "ci-jwt", "--set-default")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["result"]
    # the login URL is the org's own host here (not login.salesforce.com), the callback port is not 1717
    assert result["sfdx_project"]["changed"] == {"sfdcLoginUrl": handle.base_url, "oauthLocalPort": 1818}
    assert (project / "sfdx-project.json").read_text() == original.replace(
        '    "name": "crm"\n', f'    "name": "crm",\n    "sfdcLoginUrl": "{handle.base_url}",\n'
                              '    "oauthLocalPort": 1818\n')
    assert result["sf_login"] == "ok"
    code, out = sf("config", "get", "target-org")
    assert code == 0 and out["result"][0]["value"] == "ci-jwt", out
