"""With --json (or SF_CONTENT_TYPE=JSON) every command prints one object on stdout shaped like the Salesforce CLI's:
{"status": 0, "result": {...}, "warnings": [...]} on success, {"status": N, "name", "message", "exitCode": N,
"warnings"} on failure (N the documented exit code), secrets masked. Each command: a success and a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.errors import ConfigError, VerifyError
from tests.test_oauth_strict import USERNAME, build_oauth_org, ci_keys, stop  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
CLEAN = {name: "" for name in ("SALESFORCE_LOGIN_URL", "SALESFORCE_INSTANCE_URL", "SALESFORCE_USERNAME",
                               "SALESFORCE_PASSWORD", "SALESFORCE_CONSUMER_KEY", "SALESFORCE_JWT_KEY_FILE",
                               "SF_CONTENT_TYPE")}


def assert_success(text: str) -> dict:
    answer = json.loads(text)
    assert set(answer) == {"status", "result", "warnings"} and answer["status"] == 0
    assert isinstance(answer["result"], dict) and isinstance(answer["warnings"], list)
    return answer


def assert_failure(text: str, exit_code: int, name: str) -> dict:
    answer = json.loads(text)
    assert {"status", "name", "message", "exitCode", "warnings"} <= set(answer)
    assert answer["status"] == answer["exitCode"] == exit_code and answer["name"] == name, answer
    assert answer["message"] and "\n" not in answer["message"]
    return answer


def cli(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_", "SF_"))}
    return subprocess.run([sys.executable, "-m", "provisioner.cli", *args], cwd=tmp_path,
                          env={**base, "PYTHONPATH": str(ROOT), **(env or {})}, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def env(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys)
    yield built
    stop(built)


def test_verify_success_and_failure(env):
    runner = CliRunner()
    args = ["verify", "--instance-url", env.url, "--username", USERNAME, "--consumer-key", env.app.consumer_key,
            "--private-key", str(env.key_path), "--retry-seconds", "0"]
    ok = runner.invoke(main, args + ["--json"], env=CLEAN)
    assert ok.exit_code == 0, ok.output
    assert assert_success(ok.stdout)["result"] == {"username": USERNAME, "instance_url": env.url,
                                                   "user_id": env.user.id, "org_id": env.org.org_id}
    env.app.policies.permitted_users = "AllSelfAuthorized"
    refused = runner.invoke(main, args, env={**CLEAN, "SF_CONTENT_TYPE": "JSON"})  # the CLI's switch alone
    assert refused.exit_code == VerifyError.exit_code
    assert "not approved" in assert_failure(refused.stdout, VerifyError.exit_code, "VerifyError")["message"]


def test_setup_failure_masks_the_password_and_a_warning_is_collected(tmp_path):
    password = "Sup3r-secret-pw"
    proc = cli(tmp_path, "setup", "--json", "--username", "admin@acme.example", "--password", password,
               "--login-url", "https://evil.example.com", "--out-dir", str(tmp_path / "out"))
    answer = assert_failure(proc.stdout, ConfigError.exit_code, "ConfigError")
    assert "not a Salesforce domain" in answer["message"]
    assert any("--password is visible" in w for w in answer["warnings"])
    assert password not in proc.stdout + proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1


def test_a_usage_error_is_shaped_too(tmp_path):
    proc = cli(tmp_path, "probe", "--no-such-flag", env={"SF_CONTENT_TYPE": "JSON"})
    assert_failure(proc.stdout, 2, "NoSuchOption")


def test_probe_and_run_failures(tmp_path):
    probe = cli(tmp_path, "probe", "--json", "--bundle", str(tmp_path / "bundle"))
    assert "missing Salesforce username" in assert_failure(probe.stdout, 2, "ConfigError")["message"]
    # probe -o asks the Salesforce CLI for the org; without `sf` on PATH that is one line saying what to install
    with_cli_session = cli(tmp_path, "probe", "--json", "-o", "some-alias", env={"PATH": "/usr/bin:/bin"})
    assert "`sf` is not on PATH" in assert_failure(with_cli_session.stdout, 2, "ConfigError")["message"]
    run = cli(tmp_path, "run", str(tmp_path / "none.toml"), "--json")
    assert "does not exist" in assert_failure(run.stdout, 2, "ConfigError")["message"]


def org_env(info: dict) -> dict[str, str]:
    return {"SALESFORCE_LOGIN_URL": info["login_url"], "SALESFORCE_USERNAME": info["username"],
            "SALESFORCE_PASSWORD": info["password"], "SALESFORCE_TOTP_SECRET": info["totp_secret"] or "",
            "IMAP_HOST": info["imap_host"], "IMAP_PORT": str(info["imap_port"]), "IMAP_USER": info["imap_user"],
            "IMAP_PASSWORD": info["imap_password"], "IMAP_SSL": "false"}


@pytest.mark.e2e
def test_probe_succeeds_with_its_report_as_the_result(sim_factory, tmp_path):
    info = sim_factory(mail="embedded").info()
    probe = cli(tmp_path, "probe", "--json", "--bundle", str(tmp_path / "bundle"), "--page-timeout", "20",
                "--mail-timeout", "20", env=org_env(info))
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = assert_success(probe.stdout)["result"]
    assert report["ok"] is True
    assert report == json.loads((tmp_path / "bundle" / "report.json").read_text())


@pytest.mark.e2e
def test_setup_and_run_succeed_with_one_object_on_stdout(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    info = handle.info()

    setup = cli(tmp_path, "setup", "--json", "--out-dir", str(tmp_path / "out"), "--page-timeout", "20",
                "--mail-timeout", "20", "--verify-seconds", "120", env=org_env(info))
    assert setup.returncode == 0, setup.stderr[-3000:]
    result = assert_success(setup.stdout)["result"]
    for key in ("app_name", "api_name", "status", "changes", "consumer_key", "consumer_secret", "username",
                "login_url", "instance_url", "private_key_path", "certificate_path", "credentials_file",
                "credentials_files", "verified"):
        assert key in result, key
    assert result["verified"] is True
    assert handle.org.app_by_api_name(result["api_name"]).consumer_secret not in setup.stdout

    inventory = tmp_path / "fleet.toml"
    inventory.write_text("\n".join([
        "[defaults]", f'spec = "{ROOT / "provisioner" / "specs" / "sf-cli-jwt.toml"}"',
        f'output_dir = "{tmp_path / "fleet"}"',
        "[[org]]", 'name = "one"', f'login_url = "{info["login_url"]}"', f'username = "{info["username"]}"',
        'password_env = "ONE_PASSWORD"', 'totp_secret_env = "ONE_TOTP"',
        "[org.mailbox]", f'host = "{info["imap_host"]}"', f'port = {info["imap_port"]}', "ssl = false",
        f'user = "{info["imap_user"]}"', 'password_env = "ONE_IMAP_PASSWORD"', ""]))
    run = cli(tmp_path, "run", str(inventory), "--json", "--dry-run",
              env={"ONE_PASSWORD": info["password"], "ONE_TOTP": info["totp_secret"] or "",
                   "ONE_IMAP_PASSWORD": info["imap_password"]})
    assert run.returncode == 0, run.stderr[-3000:]
    answer = assert_success(run.stdout)["result"]
    assert answer["orgs"][0]["name"] == "one" and answer["orgs"][0]["status"] in ("planned", "unchanged")
    assert Path(answer["report"]).exists()
    assert info["password"] not in run.stdout + run.stderr


def test_cert_and_report_merge_speak_the_same_shape(tmp_path):
    made = assert_success(cli(tmp_path, "cert", "--out-dir", "keys", "--json").stdout)
    assert made["result"]["action"] == "created"
    mismatch = cli(tmp_path, "cert", "--key", "keys/server.key", "--cert", "nope.crt", "--json")
    assert_failure(mismatch.stdout, 6, "CertificateError")

    report = {"run_id": "r1", "started_at": "2026-12-01T00:00:00Z", "finished_at": "2026-12-01T00:01:00Z",
              "shard": "1/2", "inventory": "inv.toml", "dry_run": False,
              "orgs": [{"name": "a", "status": "unchanged", "attempts": 1, "duration_seconds": 1.0}]}
    (tmp_path / "r1.json").write_text(json.dumps(report))
    merged = assert_success(cli(tmp_path, "report", "merge", "out.json", "r1.json", "--json").stdout)
    assert merged["result"]["report"] == "out.json" and merged["result"]["inputs"] == ["r1.json"]
    missing = cli(tmp_path, "report", "merge", "out2.json", "nope.json", "--json")
    assert json.loads(missing.stdout)["status"] == missing.returncode != 0


def test_a_warning_belongs_to_the_command_that_gave_it(tmp_path):
    from click.testing import CliRunner

    from provisioner.cli import main

    runner = CliRunner()
    warned = runner.invoke(main, ["setup", "--json", "--password", "pw-123456", "--username", "a@b.example",
                                  "--login-url", "http://login.salesforce.com"])
    assert "visible to every user" in json.loads(warned.stdout)["warnings"][0]
    quiet = runner.invoke(main, ["cert", "--out-dir", str(tmp_path / "keys"), "--json"], catch_exceptions=False)
    assert json.loads(quiet.stdout)["warnings"] == []
