"""The nightly job's `rotate_after_days`, end to end: `provisioner run` against simulated orgs, real Chromium, real
JWT bearer exchanges. A pair older than the setting is rotated (the new pair written atomically where the old one
was, reported with the key it replaced, and it logs in); a younger one is not; an org whose setting keeps secrets
off REST fails with exit 38's line while the other org goes on; a bad value stops the run at load."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dotenv import dotenv_values

from provisioner.api import credentials as rest
from provisioner.api.session import ApiSession

from .support.eca_app import jwt_bearer

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
API_NAME = "Rotated_CI"
SPEC = f"""
name = "Rotated CI"
api_name = "{API_NAME}"
contact_email = "ci@example.test"
"""
RUN_TIMEOUT = 420


def _org_entry(name: str, handle, env: dict) -> str:  # noqa: ANN001
    info = handle.info()
    upper = name.upper()
    env[f"{upper}_PASSWORD"], env[f"{upper}_IMAP_PASSWORD"] = info["password"], info["imap_password"]
    lines = ["[[org]]", f'name = "{name}"', f'login_url = "{info["login_url"]}"', f'username = "{info["username"]}"',
             f'password_env = "{upper}_PASSWORD"', f'email = "{info["email"]}"',
             'credentials = { env_file = "creds/{name}.env", json_file = "creds/{name}.json" }']
    if info["totp_secret"]:
        env[f"{upper}_TOTP"] = info["totp_secret"]
        lines.append(f'totp_secret_env = "{upper}_TOTP"')
    lines += ["[org.mailbox]", f'host = "{info["imap_host"]}"', f'port = {info["imap_port"]}', "ssl = false",
              f'user = "{info["imap_user"]}"', f'password_env = "{upper}_IMAP_PASSWORD"']
    return "\n".join(lines)


def _run(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "provisioner.cli", "run", str(root / "inventory.toml"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)


def _report(root: Path) -> dict[str, dict]:
    return {o["name"]: o for o in json.loads((root / "out" / "report.json").read_text())["orgs"]}


def _age_back(root: Path, name: str, days: int) -> None:
    """The pair was issued `days` ago: the record beside the credentials says so."""
    record_path = root / "creds" / f"{name}.env.issued.json"
    record = json.loads(record_path.read_text())
    record["issued_at"] = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()
    record_path.write_text(json.dumps(record))


def test_rotate_after_days(sim_factory, tmp_path):  # noqa: ANN001
    open_org = sim_factory(mail="embedded", variant="rest-secrets")  # the REST setting on
    closed_org = sim_factory(mail="embedded")  # the setting off (Salesforce's default)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    (tmp_path / "app.toml").write_text(SPEC)
    (tmp_path / "inventory.toml").write_text(f"""
[defaults]
spec = "app.toml"
concurrency = 2
budget_seconds = 240
retries = 0
output_dir = "out"
rotate_after_days = 30

{_org_entry("open", open_org, env)}

{_org_entry("closed", closed_org, env)}
""")

    # first night: new pairs, issued now: nothing is due
    first = _run(tmp_path, env)
    assert first.returncode == 0, first.stdout + first.stderr
    report = _report(tmp_path)
    assert {o["status"] for o in report.values()} == {"created"}
    assert [o["rotated"] for o in report.values()] == [False, False]
    assert all("previous_consumer_key" not in o for o in report.values())
    creds = tmp_path / "creds"
    old = dotenv_values(creds / "open.env")
    record = json.loads((creds / "open.env.issued.json").read_text())
    assert record["consumer_key"] == old["SALESFORCE_CONSUMER_KEY"]
    assert datetime.now(timezone.utc) - datetime.fromisoformat(record["issued_at"]) < timedelta(minutes=10)
    assert stat.S_IMODE((creds / "open.env.issued.json").stat().st_mode) == 0o600

    # a younger pair is not rotated: 29 days old with rotate_after_days = 30
    _age_back(tmp_path, "open", 29)
    younger = _run(tmp_path, env)
    assert younger.returncode == 0, younger.stdout + younger.stderr
    assert _report(tmp_path)["open"]["rotated"] is False
    assert dotenv_values(creds / "open.env")["SALESFORCE_CONSUMER_KEY"] == old["SALESFORCE_CONSUMER_KEY"]

    # both pairs 31 days old: the open org rotates, the closed one fails with the setting's line, alone
    _age_back(tmp_path, "open", 31)
    _age_back(tmp_path, "closed", 31)
    closed_before = dotenv_values(creds / "closed.env")
    second = _run(tmp_path, env)
    assert second.returncode == 80, second.stdout + second.stderr  # at least one org failed
    report = _report(tmp_path)
    rotated, closed = report["open"], report["closed"]
    assert rotated["status"] != "failed" and rotated["rotated"] is True, rotated
    assert rotated["previous_consumer_key"] == old["SALESFORCE_CONSUMER_KEY"]
    assert closed["status"] == "failed" and closed["exit_code"] == 38, closed
    assert "Allow access to External Client App consumer secrets via REST API" in closed["cause"], closed["cause"]
    assert closed["cause"].startswith("rotating the credentials (rotate_after_days = 30): ")
    assert "\n" not in closed["cause"]
    assert dotenv_values(creds / "closed.env") == closed_before  # nothing half-done to the closed org's files

    new = dotenv_values(creds / "open.env")
    saved = json.loads((creds / "open.json").read_text())
    app = open_org.org.app_by_api_name(API_NAME)
    assert new["SALESFORCE_CONSUMER_KEY"] != old["SALESFORCE_CONSUMER_KEY"]
    assert new["SALESFORCE_CONSUMER_KEY"] == saved["consumer_key"] == app.consumer_key
    assert new["SALESFORCE_CONSUMER_SECRET"] == saved["consumer_secret"] == app.consumer_secret
    for path in (creds / "open.env", creds / "open.json", creds / "open.env.issued.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not [p.name for p in creds.iterdir() if p.name.startswith(".")], "a temporary file left beside them"
    record = json.loads((creds / "open.env.issued.json").read_text())
    assert record["consumer_key"] == new["SALESFORCE_CONSUMER_KEY"]  # the new key's clock starts now
    assert datetime.now(timezone.utc) - datetime.fromisoformat(record["issued_at"]) < timedelta(minutes=10)

    # the new pair logs in; the old one no longer does
    key_pem = (tmp_path / "out" / "open" / "keys" / "server.key").read_text()
    username = open_org.admin.username
    status, answer = jwt_bearer(open_org.base_url, new["SALESFORCE_CONSUMER_KEY"], username, key_pem)
    assert status == 200 and answer.get("access_token"), answer
    status, _ = jwt_bearer(open_org.base_url, old["SALESFORCE_CONSUMER_KEY"], username, key_pem)
    assert status != 200
    assert new["SALESFORCE_CONSUMER_SECRET"] not in second.stdout + second.stderr
    assert new["SALESFORCE_CONSUMER_SECRET"] not in (tmp_path / "out" / "report.json").read_text()

    # a night cut short after staging (killed; the record says a rotation is under way): the next run finishes that
    # rotation (the staged pair becomes the files' pair) instead of starting another, whatever the pair's age
    api = ApiSession(open_org.base_url, open_org.cli_token())
    staged = rest.stage(api, rest.find_consumer(api, API_NAME))
    record = json.loads((creds / "open.env.issued.json").read_text())
    (creds / "open.env.issued.json").write_text(json.dumps({**record, "rotating": True}))
    third = _run(tmp_path, env)
    assert third.returncode == 80, third.stdout + third.stderr  # the closed org still fails
    finished = _report(tmp_path)["open"]
    assert finished["rotated"] is True and finished["previous_consumer_key"] == new["SALESFORCE_CONSUMER_KEY"]
    assert dotenv_values(creds / "open.env")["SALESFORCE_CONSUMER_KEY"] == staged.key == app.consumer_key
    assert rest.staged(api, rest.find_consumer(api, API_NAME)) == []  # the old pair deleted, nothing left staged
    assert json.loads((creds / "open.env.issued.json").read_text()).get("rotating") is None


@pytest.mark.parametrize("value", ["0", "-3", '"30"', "1.5", "true"])
def test_bad_rotate_after_days_stops_the_run_at_load(tmp_path, value):  # noqa: ANN001
    (tmp_path / "app.toml").write_text(SPEC)
    (tmp_path / "inventory.toml").write_text(f"""
[defaults]
spec = "app.toml"
rotate_after_days = {value}

[[org]]
name = "uat"
login_url = "https://test.salesforce.com"
username = "bot@example.test"
password_env = "UAT_PASSWORD"
""")
    proc = _run(tmp_path, dict(os.environ, PYTHONPATH=str(ROOT), UAT_PASSWORD="x"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "rotate_after_days" in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
