"""The per-test secrets scan (tests/support/secrets_scan.py) can fail: a secret planted in any artifact a run writes,
in any encoding, is found and named; a clean run passes; the files whose job is to hold secrets are skipped but lend
their secrets to the scan; and a test that opts in fails when it leaks."""

from __future__ import annotations

import base64
import io
import json
import textwrap
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from .support.secrets_scan import SecretsScan, watch_sim

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Pl4nted/Secret+Value=\"quoted\" & more"
#: the encodings a secret takes on its way into an artifact -> the name the scanner gives it
ENCODINGS = {
    "raw": lambda s: s,
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "url-encoded": lambda s: urllib.parse.quote(s, safe=""),
    "json-escaped": lambda s: json.dumps(s)[1:-1],
    "html-escaped": lambda s: s.replace("&", "&amp;").replace('"', "&quot;"),
}


def zipped(member: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, text)
    return buffer.getvalue()


#: where a run's artifacts live -> how a text is written there
ARTIFACTS = {
    "log": lambda root, text: (root / "out" / "run.log", f"12:00 step login ok {text}\n"),
    "report": lambda root, text: (root / "reports" / "report.json", json.dumps({"detail": "x"})[:-1]
                                  + f', "note": "{text}"}}'),
    "screenshot html": lambda root, text: (root / "out" / "artifacts" / "failure.html",
                                           f"<html><body><input value=\"{text}\"></body></html>"),
    "trace": lambda root, text: (root / "recordings" / "run" / "trace.zip",
                                 zipped("trace.network", f"Cookie: sid={text}")),
    "probe bundle": lambda root, text: (root / "bundle.zip", zipped("report.json", f'{{"page": "{text}"}}')),
    "recording index": lambda root, text: (root / "recordings" / "run" / "index.html", f"<p>{text}</p>"),
    "captions": lambda root, text: (root / "recordings" / "run" / "video.vtt",
                                    f"WEBVTT\n\n00:01.000 --> 00:02.000\n{text}\n"),
}


def plant(root: Path, artifact: str, text: str) -> Path:
    path, content = ARTIFACTS[artifact](root, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def a_clean_run(root: Path) -> SecretsScan:
    """Artifacts of every kind, none holding a secret; the credentials written (which do)."""
    for artifact in ARTIFACTS:
        plant(root, artifact, "nothing to see")
    (root / "out" / "credentials.json").write_text(json.dumps({
        "consumer_key": "3MVGkey", "consumer_secret": "C0nsumer-Secret-9931",
        "private_key_path": str(root / "out" / "server.key")}))  # a path: printed, and no secret
    plant(root, "log", f"private key: {root / 'out' / 'server.key'}")
    scan = SecretsScan([root])
    scan.add_secrets(SECRET)
    scan.add_output("stdout", "app created\n")
    return scan


def test_a_clean_run_passes(tmp_path):
    assert a_clean_run(tmp_path).findings() == []


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("artifact", list(ARTIFACTS))
def test_a_planted_secret_is_found_in_each_artifact_and_encoding(tmp_path, artifact, encoding):
    scan = a_clean_run(tmp_path)
    leaked = plant(tmp_path, artifact, ENCODINGS[encoding](SECRET))
    found = scan.findings()
    assert [f.where.split("!")[0] for f in found] == [str(leaked)], found
    assert found[0].encoding == encoding
    assert SECRET not in str(found[0])  # the finding names the file, never the secret


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_planted_secret_is_found_in_what_a_command_printed(tmp_path, stream, encoding):
    scan = a_clean_run(tmp_path)
    scan.add_output(stream, f"error: refused {ENCODINGS[encoding](SECRET)}\n")
    found = scan.findings()
    assert len(found) == 1 and found[0].where.startswith(stream) and found[0].encoding == encoding


def test_credentials_files_are_skipped_but_their_secrets_are_searched_for(tmp_path):
    scan = a_clean_run(tmp_path)
    scan.secrets = type(scan.secrets)()  # the test names no secret: the credentials file alone knows it
    report = plant(tmp_path, "report", base64.b64encode(b"C0nsumer-Secret-9931").decode())
    found = scan.findings()
    assert [f.where for f in found] == [str(report)], found


def test_a_private_key_in_an_artifact_is_found(tmp_path):
    from provisioner.certs import generate_key_and_cert

    scan = a_clean_run(tmp_path)
    key, _ = generate_key_and_cert(tmp_path / "out")
    leaked = plant(tmp_path, "log", json.dumps(key.read_text()))
    assert [f.where for f in scan.findings()] == [str(leaked)]


def test_the_orgs_secrets_are_gathered_sessions_and_tokens_included(tmp_path, sim_factory):
    handle = sim_factory(mail="embedded")
    watch_sim(handle)
    session = handle.org.new_session(handle.org.config.admin_username, None)
    handle.org.end_session(session.id)  # an ended session's cookie was a secret all the same
    token = handle.cli_token()
    scan = a_clean_run(tmp_path)
    scan.sims = [handle]
    assert scan.findings() == []
    info = handle.info()
    for secret in (info["password"], info["totp_secret"], info["imap_password"], session.id, token):
        scan.texts.clear()
        scan.add_output("stderr", urllib.parse.quote(secret, safe=""))
        assert len(scan.findings()) == 1, f"{secret[:2]}… not found"


def test_a_test_that_leaks_fails_and_a_clean_one_passes(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.support.sim_fixture", "tests.support.secrets_scan"]\n')
    pytester.makepyfile(test_inner=textwrap.dedent('''
        import base64, subprocess, sys

        def test_leaks_into_a_log(secrets_scan, tmp_path, sim_factory):
            password = sim_factory(mail="embedded").info()["password"]
            (tmp_path / "run.log").write_text(base64.b64encode(password.encode()).decode())

        def test_leaks_on_a_commands_stderr(secrets_scan):
            secrets_scan.add_secrets("Argv-Secret-77123")
            subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write(sys.argv[1])", "Argv-Secret-77123"],
                           capture_output=True, text=True)

        def test_prints_the_secret(secrets_scan):
            secrets_scan.add_secrets("Printed-Secret-4410")
            print("token", "Printed-Secret-4410")

        def test_clean(secrets_scan, tmp_path, sim_factory):
            sim_factory(mail="embedded")
            (tmp_path / "run.log").write_text("login ok")
    '''))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4, errors=3)  # the scan fails at teardown (each test's body passed)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks_into_a_log*",
                                 "a secret of this run was written where it must not be:",
                                 "*/run.log: contains a secret (base64, *"])
    result.stdout.fnmatch_lines(["*stderr of python* #*: contains a secret (raw, Ar… (17 chars))"])
    assert "Argv-Secret-77123" not in result.stdout.str()  # the report names the command, not its arguments
