"""Crash safety (issue 11, item 5): `provisioner setup` killed at each step in turn (SIGKILL: no cleanup, no
`finally`), then run again, converges: exactly one app with the spec's API name, credentials that are the app's own
and log in (a JWT bearer exchange made here, not by provisioner.verify), mode 0600, and nothing stale or temporary
beside them.

The test chooses the step: the simulated org (in this process) kills the command's process group the moment it
logs the event that marks the step, in the request's own thread, so the org has made the change and the command
never hears of it; steps inside the command's own file writes use tests/support/crash_at.py. No fixed sleeps:
every wait is on an event, an exit or a file. The steps are the browser path's (`--via browser`), plus the API
path's deploy (`--via api`).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jwt
import pytest
from dotenv import dotenv_values

from provisioner.spec import load_spec

from .support.crash import KillSwitch, kill_on_event, marked_env, reap

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent
API_NAME = load_spec(default_contact_email="admin@acme.example").api_name
#: what a finished run leaves in --out-dir, and nothing else
OUTPUTS = ["credentials.env", "credentials.json", "server.crt", "server.key"]


@dataclass(frozen=True)
class Step:
    name: str
    #: the org event (kind, and a test on its details) at which the command is killed ...
    event: str = ""
    detail: Callable[[dict], bool] = lambda event: True
    #: ... or the file the command kills itself before renaming into place (tests/support/crash_at.py)
    before_replacing: str = ""
    #: setup's --via: the Setup pages, or the Metadata API with the login's session
    via: str = "browser"
    #: how the simulated org is started (SimOptions)
    org: tuple[tuple[str, object], ...] = ()
    #: a defect the step exposes that is not fixed yet (the test is a strict xfail until it is)
    known_gap: str = ""
    #: the user's own credentials.env before the run (its other lines must survive the merge, and the kill)
    existing_env: str = ""


STEPS = [
    # an admin without an authenticator on a browser the org does not know: the org has mailed a login code that
    # the killed run never used
    Step("before login completes", "verification_code_sent", lambda e: e.get("purpose") == "login",
         org=(("variant", "email-admin"), ("unrecognised_device", True))),
    # the org accepted the authenticator code (it will refuse the same code again); the command never saw Setup
    Step("login answered", "login_succeeded"),
    Step("right after the app was saved", "eca_created"),
    Step("during the policies save", "eca_policies_changed"),
    Step("secret revealed, credentials not written", "consumer_details_viewed"),
    Step("credentials written, verify under way", "oauth_token_issued"),
    Step("while writing the credentials", before_replacing="credentials.json"),
    # the API path (issue 9): the org has the deploy but the command never sees its job; and the deploy done
    Step("API path: deploy sent", "metadata_deploy_started", via="api"),
    Step("API path: deploy applied", "metadata_deploy_done", via="api"),
    Step("while writing the key pair", before_replacing="server.crt"),
    # the user's .env holds lines of their own: the merge is written beside it and the kill comes before the rename
    Step("while merging into the user's .env", before_replacing="credentials.env",
         existing_env="# the user's own settings\nMY_SERVICE_URL=https://keep.example.test\nFEATURE_FLAG=on\n"),
]


def org_env_file(tmp_path: Path, info: dict) -> Path:
    path = tmp_path / "org.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in {
        "SALESFORCE_LOGIN_URL": info["login_url"], "SALESFORCE_USERNAME": info["username"],
        "SALESFORCE_PASSWORD": info["password"], "SALESFORCE_TOTP_SECRET": info["totp_secret"] or "",
        "IMAP_HOST": info["imap_host"], "IMAP_PORT": info["imap_port"], "IMAP_USER": info["imap_user"],
        "IMAP_PASSWORD": info["imap_password"], "IMAP_SSL": "false"}.items()))
    return path


def setup_command(tmp_path: Path, env_file: Path, via: str = "browser") -> list[str]:
    return ["setup", "--via", via, "--env-file", str(env_file), "--out-dir", str(tmp_path / "out"),
            "--format", "both", "--json", "--mail-timeout", "30", "--page-timeout", "20", "--verify-seconds", "120"]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def jwt_login(info: dict, consumer_key: str, username: str, key_pem: str) -> dict:
    """A JWT bearer exchange at the org's My Domain (audience: the login host); the answer, refusals included."""
    assertion = jwt.encode({"iss": consumer_key, "sub": username, "aud": info["login_url"],
                            "exp": int(time.time()) + 120}, key_pem, algorithm="RS256")
    body = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": assertion}).encode()
    try:
        with urllib.request.urlopen(f"{info['instance_url']}/services/oauth2/token", body, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def crash(step: Step, handle, tmp_path: Path, env_file: Path) -> tuple[subprocess.Popen, str, str]:  # noqa: ANN001
    """Run setup until the step kills it: (the process, what it printed on stdout, on stderr)."""
    env, token = marked_env(clean_env())
    args = setup_command(tmp_path, env_file, step.via)
    if step.before_replacing:
        args = ["-m", "tests.support.crash_at", step.before_replacing, "--", *args]
    else:
        args = ["-m", "provisioner.cli", *args]
    switch = KillSwitch()
    stop_watching = kill_on_event(handle.org, switch, lambda e: bool(step.event) and e["kind"] == step.event
                                  and step.detail(e))
    switch.process = subprocess.Popen([sys.executable, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = switch.process.communicate(timeout=300)
    finally:
        stop_watching()
        left = reap(token)
    assert switch.process.returncode == -9, f"the run was not killed at {step.name!r}: {err[-3000:]}"
    assert not step.event or switch.at == step.event
    assert left == [], f"the killed run left processes running: {left}"
    return switch.process, out, err


def state_when_killed(step: Step, handle, out_dir: Path) -> None:  # noqa: ANN001
    """What the kill left, so the step really is the one named (a kill that came early or late proves nothing)."""
    kinds = [e["kind"] for e in handle.org.events]
    app = handle.org.app_by_api_name(API_NAME)
    files = sorted(p.name for p in out_dir.iterdir()) if out_dir.exists() else []
    if step.name == "before login completes":
        assert "login_succeeded" not in kinds and app is None
    elif step.name == "login answered":
        assert app is None
    elif step.event in ("eca_created", "eca_policies_changed", "consumer_details_viewed"):
        assert app is not None and "credentials.json" not in files
    elif step.event == "oauth_token_issued":
        assert "credentials.env" in files and "credentials.json" in files
    elif step.before_replacing == "credentials.json":
        assert "credentials.json" not in files and any(n.startswith(".credentials.json.") for n in files), files
    elif step.before_replacing == "server.crt":
        assert "server.key" in files and "server.crt" not in files, files
    elif step.before_replacing == "credentials.env":
        # the user's file is exactly as it was; the merged one never replaced it
        assert (out_dir / "credentials.env").read_text() == step.existing_env
        assert any(n.startswith(".credentials.env.") for n in files), files


def assert_converged(handle, info: dict, out_dir: Path, result: dict) -> None:  # noqa: ANN001
    apps = [a for a in handle.org.apps.values() if a.api_name == API_NAME]
    assert len(apps) == 1, f"{len(apps)} apps named {API_NAME} in the org"
    app = apps[0]
    assert sorted(p.name for p in out_dir.iterdir()) == OUTPUTS, "a stale or temporary file beside the outputs"
    for name in ("credentials.env", "credentials.json", "server.key"):
        assert stat.S_IMODE((out_dir / name).stat().st_mode) == 0o600, name
    saved = json.loads((out_dir / "credentials.json").read_text())
    env = dotenv_values(out_dir / "credentials.env")
    assert saved["consumer_key"] == env["SALESFORCE_CONSUMER_KEY"] == app.consumer_key
    assert saved["consumer_secret"] == env["SALESFORCE_CONSUMER_SECRET"] == app.consumer_secret
    assert result["verified"] is True and result["consumer_key"] == app.consumer_key
    token = jwt_login(info, saved["consumer_key"], saved["username"], (out_dir / "server.key").read_text())
    assert token.get("token_type") == "Bearer" and token.get("access_token"), token


def _param(step: Step):  # noqa: ANN202
    marks = [pytest.mark.xfail(reason=step.known_gap, strict=True)] if step.known_gap else []
    return pytest.param(step, id=step.name.replace(":", "").replace(",", "").replace(" ", "-"), marks=marks)


@pytest.mark.parametrize("step", [_param(s) for s in STEPS])
def test_setup_killed_at_a_step_converges_when_run_again(step, sim_factory, tmp_path, secrets_scan):
    handle = sim_factory(mail="embedded", **dict(step.org))
    info = handle.info()
    env_file = org_env_file(tmp_path, info)
    out_dir = tmp_path / "out"
    if step.existing_env:
        out_dir.mkdir()
        (out_dir / "credentials.env").write_text(step.existing_env)

    crash(step, handle, tmp_path, env_file)
    state_when_killed(step, handle, out_dir)

    again = subprocess.run([sys.executable, "-m", "provisioner.cli", *setup_command(tmp_path, env_file, step.via)],
                           cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_converged(handle, info, out_dir, json.loads(again.stdout)["result"])
    if step.existing_env:  # the user's lines are still there, beside the credentials
        merged = (out_dir / "credentials.env").read_text()
        assert all(line in merged.splitlines() for line in step.existing_env.splitlines()), merged
