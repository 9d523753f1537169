"""`provisioner rotate` logging in like `setup` (browser, password and authenticator code): the login's own session
is the API session that rotates the app's credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from provisioner.one_org import CredentialTargets, OrgOutcome, write_credentials
from tests.support.eca_app import API_NAME, add_ready_app, client_credentials, jwt_bearer

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent


def test_rotate_after_a_browser_login(sim_factory, tmp_path) -> None:  # noqa: ANN001
    handle = sim_factory(mail="embedded", variant="rest-secrets")
    info = handle.info()
    out = tmp_path / "out"
    ready = add_ready_app(handle, out)
    old_key = ready.app.consumer_key
    env_file = out / "credentials.env"
    write_credentials(CredentialTargets(env_file=env_file, json_file=out / "credentials.json"), OrgOutcome(
        status="created", app_name=ready.app.name, api_name=API_NAME, consumer_key=old_key,
        consumer_secret=ready.app.consumer_secret, username=info["username"], login_url=info["login_url"],
        instance_url=info["instance_url"], private_key_path=str(ready.key_path.resolve())))
    login = tmp_path / "login.env"
    login.write_text(f"SALESFORCE_LOGIN_URL={info['login_url']}\nSALESFORCE_USERNAME={info['username']}\n"
                     f"SALESFORCE_PASSWORD={info['password']}\nSALESFORCE_TOTP_SECRET={info['totp_secret']}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "provisioner.cli", "rotate", "--env-file", str(login),
                           "--out-dir", str(out), "--format", "both", "--api-name", API_NAME, "--page-timeout", "20",
                           "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["result"]
    assert result["consumer_key"] == ready.app.consumer_key != old_key and result["resumed"] is False
    held = dotenv_values(env_file)
    key, secret = held["SALESFORCE_CONSUMER_KEY"], held["SALESFORCE_CONSUMER_SECRET"]
    assert (key, secret) == (ready.app.consumer_key, ready.app.consumer_secret)
    assert held["SALESFORCE_JWT_KEY_FILE"] == str(ready.key_path.resolve())  # the rest of the file kept
    assert jwt_bearer(handle.base_url, key, info["username"], ready.key_pem)[0] == 200
    assert client_credentials(handle.base_url, key, secret)[0] == 200
    assert client_credentials(handle.base_url, old_key, "x")[1]["error"] == "invalid_client_id"
    assert ready.app.staged_credentials == []
    assert json.loads((out / "credentials.json").read_text())["app_name"] == ready.app.name == result["app_name"]
    assert info["password"] not in proc.stderr + proc.stdout and secret not in proc.stderr + proc.stdout
