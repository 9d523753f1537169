"""`provisioner setup` as a user runs it: a subprocess against a simulated org, real Chromium, real mail.

Success: credentials that an independent JWT client (written here, not provisioner.verify) and the real
Salesforce CLI both log in with. Failures: one line naming the cause, a distinct exit code, no traceback, and no
credentials file left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import jwt
import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.errors import (AppNameTakenError, CertificateError, ImapLoginError, InvalidCallbackUrlError,
                                LoginError, NoVerificationEmailError, SpecFileError, TotpRejectedError,
                                UnknownProfileError, UnknownSpecKeyError)

from .test_provision_e2e import seed_app
from .test_sf_cli import sf  # noqa: F401 - fixture: the real Salesforce CLI

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent


def write_env(path: Path, info: dict, **override: str) -> Path:
    values = {
        "SALESFORCE_LOGIN_URL": info["login_url"], "SALESFORCE_USERNAME": info["username"],
        "SALESFORCE_PASSWORD": info["password"], "SALESFORCE_TOTP_SECRET": info["totp_secret"] or "",
        "IMAP_HOST": info["imap_host"], "IMAP_PORT": str(info["imap_port"]), "IMAP_USER": info["imap_user"],
        "IMAP_PASSWORD": info["imap_password"], "IMAP_SSL": "false",
    }
    values.update(override)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def setup(tmp_path: Path, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_"))}
    env.update(extra_env or {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "provisioner.cli", "setup", "--out-dir", str(tmp_path / "out"), "--mail-timeout", "8",
         "--page-timeout", "20", "--verify-seconds", "60", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def assert_failed_cleanly(proc: subprocess.CompletedProcess, exit_code: int, *words: str, tmp_path: Path) -> str:
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    assert proc.returncode == exit_code, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert last.startswith("error: ")
    for word in words:
        assert word.lower() in last.lower(), last
    out = tmp_path / "out"
    assert not (out / "credentials.env").exists() and not (out / "credentials.json").exists()
    return last


@pytest.fixture
def org(sim_factory, mailbox):
    """An org whose admin has TOTP and whose verification mail goes to a real Dovecot mailbox over LMTP."""
    handle = sim_factory(mail=f"lmtp://{mailbox.imap_host}:{mailbox.lmtp_port}", admin_email=mailbox.address)
    info = dict(handle.info(), imap_host=mailbox.imap_host, imap_port=mailbox.imap_port, imap_user=mailbox.address,
                imap_password=mailbox.password)
    return handle, info


def independent_jwt_login(token_url: str, consumer_key: str, username: str, key_pem: str, *, audience: str) -> dict:
    """A JWT login at `token_url` (the org's My Domain), `aud` the login host; the answer, refusals included."""
    assertion = jwt.encode({"iss": consumer_key, "sub": username, "aud": audience,
                            "exp": int(time.time()) + 120}, key_pem, algorithm="RS256")
    body = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": assertion}).encode()
    try:
        with urllib.request.urlopen(f"{token_url}/services/oauth2/token", body, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def test_setup_writes_credentials_that_a_jwt_client_and_the_sf_cli_accept(org, tmp_path, sf,  # noqa: F811
                                                                            secrets_scan):
    handle, info = org
    env_file = write_env(tmp_path / "org.env", info)
    proc = setup(tmp_path, "--env-file", str(env_file), "--json", "--format", "both")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["result"]

    for key in ("app_name", "api_name", "consumer_key", "consumer_secret", "username", "login_url", "instance_url",
                "private_key_path", "certificate_path", "credentials_file", "verified"):
        assert key in result, key
    app = handle.org.app_by_api_name(result["api_name"])
    assert result["verified"] is True and result["consumer_key"] == app.consumer_key
    assert app.consumer_secret not in proc.stdout + proc.stderr  # masked without --show-secret
    creds = Path(result["credentials_file"])
    assert creds.stat().st_mode & 0o777 == 0o600
    assert f"SALESFORCE_CONSUMER_SECRET={app.consumer_secret}" in creds.read_text()
    saved = json.loads((tmp_path / "out" / "credentials.json").read_text())
    assert saved["consumer_secret"] == app.consumer_secret

    # the org's login host is a generic one: the credentials name the My Domain, where the token request goes
    assert info["login_url"] != info["instance_url"]
    assert result["login_url"] == info["login_url"] and result["instance_url"] == info["instance_url"]
    assert f"SALESFORCE_INSTANCE_URL={info['instance_url']}" in creds.read_text()
    key_pem = Path(result["private_key_path"]).read_text()
    token = independent_jwt_login(info["instance_url"], result["consumer_key"], result["username"], key_pem,
                                  audience=info["login_url"])
    assert token["token_type"] == "Bearer" and token["instance_url"] == info["instance_url"]
    at_login_host = independent_jwt_login(info["login_url"], result["consumer_key"], result["username"], key_pem,
                                          audience=info["login_url"])
    assert at_login_host == {"error": "app_not_found",
                             "error_description": "External client app is not installed in this org"}

    code, out = sf("org", "login", "jwt", "--client-id", result["consumer_key"], "--jwt-key-file",
                   result["private_key_path"], "--username", result["username"], "--instance-url",
                   info["instance_url"], "--alias", "provisioned")
    assert code == 0, out
    code, out = sf("org", "display", "--target-org", "provisioned")
    assert code == 0 and out["result"]["username"] == result["username"]


def test_a_rerun_changes_nothing_shows_the_secret_and_hands_off_to_sf(org, tmp_path, sf):  # noqa: F811
    handle, info = org
    env_file = write_env(tmp_path / "org.env", info)
    first = setup(tmp_path, "--env-file", str(env_file), "--json", "--no-verify")
    assert first.returncode == 0, first.stderr[-3000:]
    again = setup(tmp_path, "--env-file", str(env_file), "--json", "--show-secret", "--sf-login", "--alias", "again",
                  extra_env=sf.env)
    assert again.returncode == 0, again.stderr[-3000:]
    result = json.loads(again.stdout)["result"]
    app = handle.org.app_by_api_name(result["api_name"])
    assert result["status"] == "unchanged" and result["changes"] == []
    assert result["consumer_secret"] == app.consumer_secret
    assert len(handle.org.apps) == 1
    assert result["sf_login"] == "ok"
    code, out = sf("org", "display", "--target-org", "again")
    assert code == 0 and out["result"]["username"] == result["username"]
    # the hand-off logged in at the org's My Domain, not at the generic login host
    assert out["result"]["instanceUrl"] == info["instance_url"] != info["login_url"]


def test_sf_login_without_sf_on_path_explains_how_to_install_it(org, tmp_path):
    _, info = org
    proc = setup(tmp_path, "--env-file", str(write_env(tmp_path / "org.env", info)), "--no-verify", "--sf-login",
                 extra_env={"PATH": os.path.dirname(sys.executable)})
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "install the Salesforce CLI" in proc.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out").exists()  # refused before anything was done


@pytest.mark.parametrize("override, error, words", [
    ({"SALESFORCE_PASSWORD": "not-the-password"}, LoginError, ["check your username and password"]),
    ({"SALESFORCE_TOTP_SECRET": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}, TotpRejectedError, ["verification code"]),
    ({"IMAP_PASSWORD": "wrong-imap-password"}, ImapLoginError, ["imap"]),
])
def test_login_failures_end_in_one_line(org, tmp_path, override, error, words, secrets_scan):
    _, info = org
    proc = setup(tmp_path, "--env-file", str(write_env(tmp_path / "org.env", info, **override)))
    last = assert_failed_cleanly(proc, error.exit_code, *words, tmp_path=tmp_path)
    for secret in (info["password"], info["imap_password"], info["totp_secret"], *override.values()):
        assert secret not in proc.stderr + proc.stdout


def test_no_verification_email_within_the_timeout(sim_factory, mailbox, dovecot, tmp_path):
    """The org mails the code to one address; the configured mailbox is another's: nothing ever arrives."""
    handle = sim_factory(mail=f"lmtp://{mailbox.imap_host}:{mailbox.lmtp_port}", admin_email=mailbox.address,
                         unrecognised_device=True, admin_totp=False)
    other = f"other-{mailbox.address}"
    dovecot.add_user(other, "other-password")
    info = dict(handle.info(), imap_host=mailbox.imap_host, imap_port=mailbox.imap_port, imap_user=other,
                imap_password="other-password")
    proc = setup(tmp_path, "--env-file", str(write_env(tmp_path / "org.env", info)), "--mail-timeout", "3")
    assert_failed_cleanly(proc, NoVerificationEmailError.exit_code, "verification", tmp_path=tmp_path)


def test_unknown_profile_names_it_and_saves_masked_artifacts(org, tmp_path, secrets_scan):
    _, info = org
    # the policies page's own screenshot is the artifact a user reads: pinned to the pages (auto takes the API)
    proc = setup(tmp_path, "--env-file", str(write_env(tmp_path / "org.env", info)), "--profile", "Astronauts",
                 "--via", "browser")
    last = assert_failed_cleanly(proc, UnknownProfileError.exit_code, "Astronauts", tmp_path=tmp_path)
    html = next((tmp_path / "out" / "artifacts").glob("*.html"))
    assert str(html) in last and info["password"] not in html.read_text()


def test_app_name_taken_by_an_app_that_does_not_match(org, tmp_path, secrets_scan):
    handle, info = org
    keys = generate_key_and_cert(tmp_path / "other-keys")
    seed_app(handle, Path(keys[1]).read_text(), name="Salesforce CLI JWT", api_name="Someone_Elses_App")
    proc = setup(tmp_path, "--env-file", str(write_env(tmp_path / "org.env", info)))
    assert_failed_cleanly(proc, AppNameTakenError.exit_code, "Salesforce CLI JWT", tmp_path=tmp_path)


def test_bad_inputs_fail_before_the_browser(tmp_path):
    """No org needed: these are refused while reading the settings, spec and key pair."""
    env_file = write_env(tmp_path / "org.env", {"login_url": "https://login.salesforce.com", "username": "a@b.c",
                                                 "password": "pw", "totp_secret": "", "imap_host": "127.0.0.1",
                                                 "imap_port": 1, "imap_user": "u", "imap_password": "p"})
    base = ["--env-file", str(env_file)]
    proc = setup(tmp_path, *base, "--callback-url", "not a url")
    assert_failed_cleanly(proc, InvalidCallbackUrlError.exit_code, "callback", tmp_path=tmp_path)

    proc = setup(tmp_path, *base, "--spec", str(tmp_path / "missing.toml"))
    assert_failed_cleanly(proc, SpecFileError.exit_code, "missing.toml", tmp_path=tmp_path)

    spec = tmp_path / "typo.toml"
    spec.write_text('name = "X"\ncolour = "red"\n')
    proc = setup(tmp_path, *base, "--spec", str(spec))
    assert_failed_cleanly(proc, UnknownSpecKeyError.exit_code, "colour", tmp_path=tmp_path)

    key_a, _ = generate_key_and_cert(tmp_path / "a")
    _, cert_b = generate_key_and_cert(tmp_path / "b")
    proc = setup(tmp_path, *base, "--key", str(key_a), "--cert", str(cert_b))
    assert_failed_cleanly(proc, CertificateError.exit_code, "does not belong to the private key", tmp_path=tmp_path)
