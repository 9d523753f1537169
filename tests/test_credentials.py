"""Writing credentials (.env merge, JSON; atomic, 0600) and keeping secrets out of output, files and traces."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import string
import subprocess
import urllib.parse
import zipfile

import pytest
from dotenv import dotenv_values

from provisioner.credentials import mask, write_env, write_json
from provisioner.errors import ConfigError
from provisioner.progress import Progress
from provisioner.redact import SecretSet, scan_paths

CONSUMER_SECRET = "9F1C0E4B7A2D6E8F1A3B5C7D9E0F2A4B6C8D0E1F3A5B7C9D1E3F5A7B9C1D3E5F"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- .env and JSON ---------------------------------------------------------------------------------------------------


def test_write_env_merges_keeping_other_lines_comments_and_order(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# CI settings\nAPP_ENV=staging\nSALESFORCE_CONSUMER_KEY=old\n\nexport OTHER=1\nSALESFORCE_CONSUMER_KEY=dup\n")
    write_env(path, {"SALESFORCE_CONSUMER_KEY": "3MVG9new", "SALESFORCE_CONSUMER_SECRET": CONSUMER_SECRET})
    lines = path.read_text().splitlines()
    assert lines[:5] == ["# CI settings", "APP_ENV=staging", "SALESFORCE_CONSUMER_KEY=3MVG9new", "", "export OTHER=1"]
    assert lines[5] == f"SALESFORCE_CONSUMER_SECRET={CONSUMER_SECRET}"
    assert len(lines) == 6  # the duplicate assignment is gone
    values = dotenv_values(path)
    assert values["SALESFORCE_CONSUMER_KEY"] == "3MVG9new" and values["OTHER"] == "1"


@pytest.mark.parametrize(
    "value", ["plain", "has space", "it's", 'q"uote', "#not-a-comment", "a=b", "", "back\\slash", PEM, "ünï"]
)
def test_write_env_values_read_back_exactly(tmp_path, value):
    path = write_env(tmp_path / ".env", {"VALUE": value})
    assert dotenv_values(path)["VALUE"] == value


SPECIALS = [c for c in string.punctuation + " \t"] + ["ünï", "€", "\u00a0"]


def _source_in_sh(path, tmp_path) -> str:
    """The value a POSIX shell gets from `set -a; . file` (what CI scripts do), run in tmp_path."""
    done = subprocess.run(["sh", "-c", '. "$1" && printf %s "$VALUE"', "sh", str(path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("char", SPECIALS, ids=[f"U+{ord(c[0]):04X}" for c in SPECIALS])
@pytest.mark.parametrize("shape", ["a{}b", "{}", "it's {}", "back\\{}", "{}\\", "pem\n{}\nline"])
def test_every_special_character_round_trips_through_dotenv_and_the_shell(tmp_path, char, shape):
    value = shape.format(char)
    path = tmp_path / ".env"
    needs_double_quotes = any(c in value for c in "'\\\n\r")
    if needs_double_quotes and char in "`$":
        # No form is both exact for python-dotenv and inert in a shell: refused, never written half-safe.
        with pytest.raises(ValueError, match="VALUE"):
            write_env(path, {"VALUE": value})
        assert not path.exists()
        return
    write_env(path, {"VALUE": value})
    assert dotenv_values(path, interpolate=False)["VALUE"] == value
    assert dotenv_values(path)["VALUE"] == value  # no ${...} here: interpolation changes nothing
    if "\n" not in value:  # dotenv's \n escape is not the shell's; single-line values read back exactly
        assert _source_in_sh(path, tmp_path) == value


@pytest.mark.parametrize("payload", ["`touch pwned`", "$(touch pwned)", "x`touch pwned`y", "\"`touch pwned`\"",
                                     "'$(touch pwned)'", "a\\`touch pwned`"])
def test_sourcing_the_env_file_never_runs_a_command_from_a_value(tmp_path, payload):
    path = tmp_path / ".env"
    try:
        write_env(path, {"VALUE": payload})
    except ValueError:
        assert not path.exists()
        return
    _source_in_sh(path, tmp_path)
    assert not (tmp_path / "pwned").exists()
    assert dotenv_values(path, interpolate=False)["VALUE"] == payload


def test_a_symlink_at_the_target_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("SECRET_OF_SOMEONE_ELSE=1\n")
    os.chmod(victim, 0o644)
    for write in (lambda p: write_env(p, {"A": "1"}), lambda p: write_json(p, {"a": 1})):
        link = tmp_path / "credentials.out"
        link.symlink_to(victim)
        with pytest.raises(ConfigError, match="symbolic link") as info:
            write(link)
        assert str(link) in str(info.value)
        assert victim.read_text() == "SECRET_OF_SOMEONE_ELSE=1\n" and mode_of(victim) == 0o644
        assert link.is_symlink()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials.out", "victim.txt"]  # no temp left
        link.unlink()


def test_files_are_0600_even_if_they_existed_with_another_mode(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\n")
    os.chmod(env, 0o644)
    write_env(env, {"B": "2"})
    assert mode_of(env) == 0o600
    out = tmp_path / "sub" / "credentials.json"
    write_json(out, {"consumer_key": "k", "instance_url": "https://x.my.salesforce.com"})
    assert mode_of(out) == 0o600 and json.loads(out.read_text())["consumer_key"] == "k"


def test_writes_are_atomic_and_leave_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "credentials.json"
    write_json(path, {"v": 1})

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_json(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 1}  # old content intact
    assert [p.name for p in tmp_path.iterdir()] == ["credentials.json"]


def test_a_temp_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    """A writer SIGKILLed between writing its temp file and renaming it leaves the secret beside the output: the next
    write of that file removes it; a temp file whose writer still runs, and other files, are left alone."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = subprocess.Popen(["cat"], stdin=subprocess.PIPE)  # runs until its stdin closes
    try:
        killed = tmp_path / f".credentials.json.{dead.pid}.k1ll3d_x.tmp"
        older_version = tmp_path / ".credentials.json.abcd_123.tmp"  # written before temp names held a pid
        writing = tmp_path / f".credentials.json.{alive.pid}.wr1t1ng_.tmp"
        just_now = tmp_path / ".credentials.json.n0w_0000.tmp"
        others = [tmp_path / ".credentials.env.q1w2e3r4.tmp", tmp_path / ".credentials.json.bak",
                  tmp_path / "notes.txt"]
        for path in (killed, older_version, writing, just_now, *others):
            path.write_text('{"consumer_secret": "S3CRET"}')
        os.utime(older_version, (1, 1))
        write_json(tmp_path / "credentials.json", {"v": 1})
    finally:
        alive.stdin.close()
        alive.wait()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["credentials.json", writing.name, just_now.name, *(p.name for p in others)])


def test_mask_shows_only_a_prefix_and_the_length():
    masked = mask(CONSUMER_SECRET)
    assert masked.startswith("9F1C") and "64" in masked and CONSUMER_SECRET[4:12] not in masked
    assert "hunter2" not in mask("hunter2")


# --- SecretSet and scanning ------------------------------------------------------------------------------------------


def test_secret_set_masks_raw_and_encoded_forms():
    secrets = SecretSet(["p@ss word/+1", None, ""])
    assert len(secrets) == 1
    text = f"raw=p@ss word/+1 url={urllib.parse.quote('p@ss word/+1', safe='')} json={json.dumps('p@ss word/+1')}"
    masked = secrets.mask(text)
    assert "p@ss" not in masked and "p%40ss" not in masked
    assert "hello" not in secrets and "x p@ss word/+1 y" in secrets


def test_scan_finds_secrets_in_files_dirs_and_inside_zips(tmp_path):
    secret = "Sup3r-Secret-Value"
    (tmp_path / "clean.log").write_text("nothing to see")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "run.log").write_text(f"password={urllib.parse.quote(secret)}")
    blob = base64.b64encode(b"xx" + secret.encode() + b"yy").decode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trace.trace", json.dumps({"params": {"value": secret}}))
        archive.writestr("resources/abc.dat", blob)
        archive.writestr("ok.txt", "clean")
    (tmp_path / "trace.zip").write_bytes(buffer.getvalue())
    findings = scan_paths([tmp_path], SecretSet([secret]))
    where = sorted(f.where for f in findings)
    assert where == sorted([
        str(tmp_path / "logs" / "run.log"),
        f"{tmp_path / 'trace.zip'}!resources/abc.dat",
        f"{tmp_path / 'trace.zip'}!trace.trace",
    ])
    assert all(secret not in str(f) for f in findings)
    assert scan_paths([tmp_path / "clean.log"], SecretSet([secret])) == []


# --- progress output -----------------------------------------------------------------------------------------------


def test_progress_json_lines_never_carry_secrets():
    out = io.StringIO()
    progress = Progress("json", stream=out, secrets=SecretSet(["Sup3r-Secret"]))
    with progress.step("login", "as admin with password Sup3r-Secret"):
        progress.info("typed Sup3r-Secret")
    with pytest.raises(RuntimeError):
        with progress.step("verify"):
            raise RuntimeError("token exchange failed for Sup3r-Secret\nsecond line")
    progress.done({"consumer_key": "3MVG…"})
    text = out.getvalue()
    assert "Sup3r-Secret" not in text
    events = [json.loads(line) for line in text.splitlines()]
    assert [(e["event"], e["step"], e["status"]) for e in events] == [
        ("step", "login", "started"), ("info", "login", "info"), ("step", "login", "ok"),
        ("step", "verify", "started"), ("step", "verify", "failed"), ("done", None, "ok"),
    ]
    assert all(isinstance(e["elapsed"], float) for e in events)
    assert events[-1]["result"] == {"consumer_key": "3MVG…"}


def test_progress_plain_lines_when_not_a_tty():
    out = io.StringIO()
    progress = Progress("auto", stream=out, secrets=SecretSet(["pw-123456"]))
    assert progress.mode == "plain"
    with progress.step("create app", "Salesforce CLI JWT"):
        progress.warn("password pw-123456 expires soon")
    lines = out.getvalue().splitlines()
    assert lines[0] == "[..] create app: Salesforce CLI JWT"
    assert lines[1] == "warning: password ******** expires soon"
    assert lines[2].startswith("[ok] create app: Salesforce CLI JWT (")


def test_progress_rich_mode_handles_nested_steps_and_masks():
    out = io.StringIO()
    progress = Progress("rich", stream=out, secrets=SecretSet(["pw-123456"]))
    with progress.step("setup"):
        with progress.step("login", "pw-123456"):
            progress.info("logged in")
    assert "pw-123456" not in out.getvalue() and "[ok] login" in out.getvalue()
