"""The bad-input catalogue (issue 11, item 4): every case ends in one clear `error:` line, its documented exit code,
no traceback, no file left behind, and no secret in what was printed.

Each case runs the real command in a subprocess, in its own folder, before any browser starts (the org-state cases
that need an org live in the e2e tests)."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Secret-Pass-4471xyz"
IMAP_PASSWORD = "Imap-Secret-99317abc"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DP"
SECRETS = (PASSWORD, IMAP_PASSWORD, TOTP)

BASE = ["--login-url", "https://test.salesforce.com", "--username", "admin@acme.example.uat"]


@dataclass
class Case:
    name: str
    args: list[str]
    exit_code: int
    says: str  # a part of the one error line
    files: dict[str, str] = field(default_factory=dict)  # relative path -> content, made before the run
    env: dict[str, str] = field(default_factory=dict)
    setup: str = ""  # a named preparation (below)


def _cert(tmp: Path, *, days: int = 30, expired: bool = False, name: str = "c") -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = dt.datetime.now(dt.timezone.utc)
    start, end = (now - dt.timedelta(days=10), now - dt.timedelta(days=1)) if expired else (now, now + dt.timedelta(days=days))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(end).sign(key, hashes.SHA256()))
    key_path, cert_path = tmp / f"{name}.key", tmp / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _spec(body: str) -> dict[str, str]:
    return {"spec.toml": body}


INVENTORY_HEAD = '[defaults]\nspec = "spec.toml"\noutput_dir = "out"\n'
ORG = ('[[org]]\nname = "{name}"\nlogin_url = "https://test.salesforce.com"\nusername = "a@acme.example.uat"\n'
       'password_env = "ORG_PASSWORD"\nsandbox = true\n')
GOOD_SPEC = 'name = "CI App"\n'

CASES = [
    # --- configuration ----------------------------------------------------------------------------------------
    Case("login url over http to another host", ["setup", "--login-url", "http://evil.example", "--username", "a@b.c"],
         2, "use https", env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("login url not a url", ["setup", "--login-url", "not a url", "--username", "a@b.c"], 2, "login",
         env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("missing username", ["setup", "--login-url", "https://test.salesforce.com"], 2, "username"),
    Case("missing password", ["setup", *BASE], 2, "password"),
    Case("empty password file", ["setup", *BASE, "--password-file", "pw.txt"], 2, "password",
         files={"pw.txt": ""}),
    Case("password file missing", ["setup", *BASE, "--password-file", "nope.txt"], 2, "nope.txt"),
    Case("env file missing", ["setup", "--env-file", "missing.env"], 2, "missing.env"),
    Case("env file with an http login url", ["setup", "--env-file", "bad.env"], 2, "use https",
         files={"bad.env": f"SALESFORCE_PASSWORD={PASSWORD}\nSALESFORCE_USERNAME=a@b.c\n"
                           "SALESFORCE_LOGIN_URL=http://evil.example\n"}),
    Case("imap port out of range", ["setup", *BASE, "--imap-port", "70000"], 2, "imap-port"),
    Case("totp seed not base32", ["setup", *BASE, "--totp-secret-file", "totp.txt"], 2, "TOTP",
         files={"totp.txt": "not-base32-!!!\n"}, env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("username with the wrong sandbox suffix", ["setup", "--login-url", "https://test.salesforce.com",
                                                    "--username", "admin@acme.example.prod"],
         2, "sandbox", env={"SALESFORCE_PASSWORD": PASSWORD}, setup="wrong-suffix"),
    # --- spec -------------------------------------------------------------------------------------------------
    Case("spec with an unknown key", ["setup", *BASE, "--spec", "spec.toml"], 4, "colour",
         files=_spec('name = "X"\ncolour = "blue"\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec not TOML", ["setup", *BASE, "--spec", "spec.toml"], 3, "TOML", files=_spec("name = \n"),
         env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec missing", ["setup", *BASE, "--spec", "nope.toml"], 3, "nope.toml", env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("callback url with a fragment", ["setup", *BASE, "--callback-url", "https://x.example/cb#part"], 5,
         "fragment", env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("callback url in the spec with a fragment", ["setup", *BASE, "--spec", "spec.toml"], 5, "fragment",
         files=_spec('name = "X"\ncallback_urls = ["https://x.example/cb#f"]\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("callback url over http", ["setup", *BASE, "--callback-url", "http://x.example/cb"], 5, "callback",
         env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec with an unknown scope", ["setup", *BASE, "--spec", "spec.toml"], 4, "scope",
         files=_spec('name = "X"\nscopes = ["api", "everything"]\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec with a negative session timeout", ["setup", *BASE, "--spec", "spec.toml"], 3, "session",
         files=_spec('name = "X"\n[policies]\nsession_timeout_minutes = -5\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec with an api name that is not one", ["setup", *BASE, "--spec", "spec.toml"], 3, "api",
         files=_spec('name = "X"\napi_name = "9 bad name"\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec with an empty name", ["setup", *BASE, "--spec", "spec.toml"], 3, "name",
         files=_spec('name = ""\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("spec with an unknown policy", ["setup", *BASE, "--spec", "spec.toml"], 4, "refresh_forever",
         files=_spec('name = "X"\n[policies]\nrefresh_forever = true\n'), env={"SALESFORCE_PASSWORD": PASSWORD}),
    # --- inventory --------------------------------------------------------------------------------------------
    Case("inventory missing", ["run", "nope.toml"], 2, "does not exist"),
    Case("inventory not TOML", ["run", "inv.toml"], 2, "TOML", files={"inv.toml": "[[org]\n"}),
    Case("inventory naming the same org twice", ["run", "inv.toml"], 2, "used by another",
         files={"inv.toml": INVENTORY_HEAD + ORG.format(name="a") + ORG.format(name="a"), "spec.toml": GOOD_SPEC},
         setup="twice"),
    Case("inventory with an unknown key", ["run", "inv.toml"], 2, "colour",
         files={"inv.toml": INVENTORY_HEAD + ORG.format(name="a") + 'colour = "red"\n', "spec.toml": GOOD_SPEC}),
    Case("inventory with password_env and password_file both", ["run", "inv.toml"], 2, "password",
         files={"inv.toml": INVENTORY_HEAD + ORG.format(name="a") + 'password_file = "pw.txt"\n',
                "spec.toml": GOOD_SPEC, "pw.txt": PASSWORD}),
    Case("inventory spec missing", ["run", "inv.toml"], 3, "nope.toml",
         files={"inv.toml": INVENTORY_HEAD.replace("spec.toml", "nope.toml") + ORG.format(name="a")}),
    Case("inventory with no orgs", ["run", "inv.toml"], 2, "org", files={"inv.toml": INVENTORY_HEAD,
                                                                        "spec.toml": GOOD_SPEC}),
    Case("inventory concurrency zero", ["run", "inv.toml"], 2, "concurrency",
         files={"inv.toml": INVENTORY_HEAD + "concurrency = 0\n" + ORG.format(name="a"), "spec.toml": GOOD_SPEC}),
    Case("inventory org without a name", ["run", "inv.toml"], 2, "name",
         files={"inv.toml": INVENTORY_HEAD + ORG.format(name="a").replace('name = "a"\n', ""),
                "spec.toml": GOOD_SPEC}),
    Case("inventory mailbox without a password", ["run", "inv.toml"], 2, "password_env",
         files={"inv.toml": INVENTORY_HEAD + ORG.format(name="a") + '[org.mailbox]\nhost = "imap.example"\n'
                'user = "u"\n', "spec.toml": GOOD_SPEC}),
    # --- credentials ------------------------------------------------------------------------------------------
    Case("verify with a key that is not PEM", ["verify", "--login-url", "https://test.salesforce.com", "--username",
                                               "a@b.c", "--consumer-key", "k", "--private-key", "key.pem"], 6, "PEM",
         files={"key.pem": "not a key\n"}),
    Case("verify without a consumer key", ["verify", "--login-url", "https://test.salesforce.com", "--username",
                                           "a@b.c"], 2, "consumer"),
    Case("read-only .env as --credentials-env", ["setup", *BASE, "--credentials-env", "ro.env"], 2, "ro.env",
         files={"ro.env": "KEEP=1\n"}, env={"SALESFORCE_PASSWORD": PASSWORD}, setup="read-only-env"),
    Case("credentials-json is a folder", ["setup", *BASE, "--credentials-json", "adir"], 2, "adir",
         env={"SALESFORCE_PASSWORD": PASSWORD}, setup="folder"),
    # --- certificate ------------------------------------------------------------------------------------------
    Case("expired certificate", ["cert", "--key", "c.key", "--cert", "c.crt"], 6, "expired", setup="expired-cert"),
    Case("key that does not match the certificate", ["cert", "--key", "a.key", "--cert", "b.crt"], 6, "belong",
         setup="mismatch"),
    Case("certificate not PEM", ["cert", "--key", "a.key", "--cert", "junk.crt"], 6, "junk.crt",
         files={"junk.crt": "hello\n"}, setup="one-key"),
    Case("key file missing", ["cert", "--key", "none.key", "--cert", "none.crt"], 6, "none"),
    Case("key with a passphrase", ["cert", "--key", "enc.key", "--cert", "c.crt"], 6, "passphrase",
         setup="encrypted-key"),
    # --- file system ------------------------------------------------------------------------------------------
    Case("unwritable output folder", ["cert", "--out-dir", "/proc/self/keys"], 2, "/proc/self/keys"),
    Case("output folder is a file", ["cert", "--out-dir", "afile"], 2, "afile", files={"afile": "x"}),
    Case("full disk", ["cert", "--out-dir", "full"], 2, "full", setup="full-disk"),
    # --- mailbox ----------------------------------------------------------------------------------------------
    Case("imap oauth2 and password both", ["setup", *BASE, "--imap-host", "imap.example", "--imap-user", "u",
                                           "--imap-password-file", "ip.txt", "--imap-oauth2-client-id", "cid"],
         2, "oauth2", files={"ip.txt": IMAP_PASSWORD + "\n"}, env={"SALESFORCE_PASSWORD": PASSWORD}),
    Case("imap ca file missing", ["setup", *BASE, "--imap-host", "imap.example", "--imap-user", "u",
                                  "--imap-ca-file", "none.pem"], 2, "none.pem",
         env={"SALESFORCE_PASSWORD": PASSWORD, "IMAP_PASSWORD": IMAP_PASSWORD}),
]


def _prepare(case: Case, tmp: Path) -> None:
    for name, content in case.files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(content)
    if case.setup == "read-only-env":
        (tmp / "ro.env").chmod(0o444)
    elif case.setup == "folder":
        (tmp / "adir").mkdir()
    elif case.setup == "expired-cert":
        _cert(tmp, expired=True)
    elif case.setup == "mismatch":
        _cert(tmp, name="a")
        _cert(tmp, name="b")
    elif case.setup == "one-key":
        _cert(tmp, name="a")
    elif case.setup == "encrypted-key":
        key_path, _ = _cert(tmp)
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        (tmp / "enc.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.BestAvailableEncryption(b"pass")))
    elif case.setup == "unwritable":
        (tmp / "locked").mkdir()
        (tmp / "locked").chmod(0o500)


def _run(case: Case, tmp: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_"))}
    env.update(PYTHONPATH=str(ROOT), **case.env)
    preexec = None
    if case.setup == "full-disk":
        # a disk that fills after 1 KiB: RLIMIT_FSIZE makes every longer write fail with EFBIG (no root needed)
        def preexec() -> None:
            import signal

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
    return subprocess.run([sys.executable, "-m", "provisioner.cli", *case.args], cwd=tmp, env=env, text=True,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL, preexec_fn=preexec)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


#: found by the catalogue, not fixed yet (the checks belong in commands/setup.py / config.py, owned elsewhere):
#: strict, so the day they are fixed the mark must go
KNOWN_GAPS = {
    "username with the wrong sandbox suffix": "the suffix is not checked before login",
    "spec with an unknown scope": "scopes are not checked against Salesforce's list",
}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=pytest.mark.xfail(reason=KNOWN_GAPS[c.name],
                                                                                         strict=True))
                                  if c.name in KNOWN_GAPS else pytest.param(c, id=c.name) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    _prepare(case, tmp_path)
    before = _snapshot(tmp_path)
    proc = _run(case, tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == case.exit_code, output
    assert "Traceback" not in output and "internal error" not in output, output
    errors = [line for line in proc.stderr.splitlines() if line.lower().startswith(("error:", "error "))]
    assert len(errors) == 1, output
    assert case.says.lower() in errors[0].lower(), errors[0]
    for secret in SECRETS:
        assert secret not in output
    assert _snapshot(tmp_path) == before, "a file was written, changed or left half-written"


def test_the_catalogue_covers_every_area() -> None:
    assert len(CASES) >= 40
