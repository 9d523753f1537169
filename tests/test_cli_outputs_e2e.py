"""What users rely on from the command line and nothing else tested: `provisioner demo` itself, the plain-text
result of `setup` (secret masked), `--format`, `--credentials-env` / `--credentials-json`, and a shard assignment
that is the same on every machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from provisioner.job.shard import assign

ROOT = Path(__file__).resolve().parent.parent


def cli(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "provisioner.cli", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.e2e
def test_demo_runs_end_to_end_and_prints_no_secret(tmp_path, secrets_scan):
    proc = cli(tmp_path, "demo", "--latency", "fast", "--json", "--out-dir", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)["result"]
    assert result["status"] == "created" and result["verified"] is True
    saved = json.loads((tmp_path / "demo" / "credentials.json").read_text())
    assert saved["consumer_key"] == result["consumer_key"]
    secret = saved["consumer_secret"]
    assert secret and secret not in proc.stdout and secret not in proc.stderr
    for name in ("credentials.json", "credentials.env", "server.key"):
        assert (tmp_path / "demo" / name).stat().st_mode & 0o777 == 0o600


@pytest.mark.e2e
def test_setup_text_output_masks_the_secret_and_writes_where_asked(sim_factory, tmp_path, secrets_scan):
    info = sim_factory(mail="embedded").info()
    env_file = tmp_path / "org.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in {
        "SALESFORCE_LOGIN_URL": info["login_url"], "SALESFORCE_USERNAME": info["username"],
        "SALESFORCE_PASSWORD": info["password"], "SALESFORCE_TOTP_SECRET": info["totp_secret"] or "",
        "IMAP_HOST": info["imap_host"], "IMAP_PORT": info["imap_port"], "IMAP_USER": info["imap_user"],
        "IMAP_PASSWORD": info["imap_password"], "IMAP_SSL": "false"}.items()))
    ci_env, ci_json = tmp_path / "ci" / "sf.env", tmp_path / "ci" / "sf.json"
    secrets_scan.allow(ci_env), secrets_scan.allow(ci_json)  # the credentials go here: no other file may hold them
    ci_env.parent.mkdir()
    ci_env.write_text("# kept\nOTHER=1\n")
    proc = cli(tmp_path, "setup", "--env-file", str(env_file), "--out-dir", str(tmp_path / "out"),
               "--credentials-env", str(ci_env), "--credentials-json", str(ci_json), "--mail-timeout", "20",
               "--page-timeout", "20", "--verify-seconds", "120")
    assert proc.returncode == 0, proc.stderr[-2000:]
    values = dotenv_values(ci_env)
    secret = values["SALESFORCE_CONSUMER_SECRET"]
    assert values["OTHER"] == "1" and "# kept" in ci_env.read_text()
    assert json.loads(ci_json.read_text())["consumer_secret"] == secret
    assert not (tmp_path / "out" / "credentials.env").exists(), "named files replace the default ones"
    assert secret not in proc.stdout and secret not in proc.stderr
    assert "consumer secret:" in proc.stdout and "verified:         yes" in proc.stdout
    assert info["password"] not in proc.stdout + proc.stderr


def test_an_org_lands_on_the_same_shard_on_every_machine():
    # a fixed expectation: the split depends on the names alone (sha256), never on the machine or Python's hash seed
    assert assign(["uat", "qa", "partner-dev", "prod-eu"], 4) == {"uat": 1, "qa": 3, "partner-dev": 4, "prod-eu": 2}
