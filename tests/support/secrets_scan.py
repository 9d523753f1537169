"""The secrets scan after a test that writes artifacts (issue 11, item 6): fixture `secrets_scan`.

Opt in by the fixture's name (a test argument, or `pytest.mark.usefixtures("secrets_scan")` for a whole module).
When the test has run, every file under its tmp_path (logs, reports, failure screenshots' HTML, traces, probe
bundles, recordings: zips are opened) and everything it printed or read from a command (pytest's captured stdout,
stderr and log, and the output of every subprocess it ran to completion) is searched for every secret of the run,
raw, URL-encoded, JSON- and HTML-escaped and base64 (the project's one scanner: provisioner/redact.py scan_paths).
A find fails the test, naming the file and the encoding, never the secret.

The secrets of the run are gathered, not listed by each test: from every simulated org the test started with
`sim_factory` (its users' passwords and authenticator seeds, the mailbox password, every app's consumer secret,
every session cookie and access token it handed out), from every private key file and every credentials file found
(whose job is to hold secrets: they are the only files skipped), and whatever the test adds with `add_secrets`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Iterable

import pytest
from dotenv import dotenv_values

from provisioner.certs import pem_secret_forms
from provisioner.redact import Finding, SecretSet, scan_paths

#: files whose job is to hold secrets (the test's own input, the credentials written, the key pair): skipped, and
#: read for the secrets they hold
HOLDERS = {"credentials.env", "credentials.json", "org.env", "sim.env", "server.key"}
HOLDER_SUFFIXES = (".key",)
#: the names of values in a holder that are secrets
SECRET_NAME_PARTS = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY")
#: ... unless they name where a secret is (SALESFORCE_PRIVATE_KEY_PATH, IMAP_PASSWORD_FILE)
NOT_SECRET_NAME_ENDS = ("PATH", "FILE")

CALL_SECTIONS = pytest.StashKey[list]()


class RecordingDict(dict):
    """A dict that remembers every key ever set (access tokens stay secrets after they expire and are removed)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ever: set[str] = set(self)

    def __setitem__(self, key, value) -> None:  # noqa: ANN001
        self.ever.add(key)
        super().__setitem__(key, value)


def watch_sim(handle) -> None:  # noqa: ANN001 - SimHandle
    """Remember every session id and access token the org hands out (sessions end; their cookies were secrets)."""
    org = handle.org
    if getattr(org, "secrets_seen", None) is not None:
        return
    org.secrets_seen = set()
    new_session = org.new_session

    def recording_new_session(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        session = new_session(*args, **kwargs)
        org.secrets_seen.add(session.id)
        return session

    org.new_session = recording_new_session
    with org.lock:
        org.access_tokens = RecordingDict(org.access_tokens)


def sim_secrets(handle) -> list[str]:  # noqa: ANN001 - SimHandle
    org = handle.org
    info = handle.info()
    values = [info.get("password"), info.get("totp_secret"), info.get("imap_password")]
    with org.lock:
        values += [u.password for u in org.users.values()] + [u.totp_secret for u in org.users.values()]
        values += [a.consumer_secret for a in org.apps.values()]
        values += list(org.sessions) + list(getattr(org.access_tokens, "ever", org.access_tokens))
        values += list(getattr(org, "secrets_seen", ()))
        values += [cookie for cookies in org.recognised_devices.values() for cookie in cookies]
    return [v for v in values if v]


def is_holder(path: Path) -> bool:
    return path.name in HOLDERS or path.suffix in HOLDER_SUFFIXES


def holder_secrets(path: Path) -> list[str]:
    """The secrets a credentials, .env or key file holds."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if "PRIVATE KEY-----" in text:
        return pem_secret_forms(text)
    if path.suffix == ".json":
        try:
            record = json.loads(text)
        except ValueError:
            return []
        items = record.items() if isinstance(record, dict) else []
    else:
        items = dotenv_values(path, interpolate=False).items()
    values = [str(v) for k, v in items if v and any(part in k.upper() for part in SECRET_NAME_PARTS)
              and not k.upper().endswith(NOT_SECRET_NAME_ENDS)]
    return [form for v in values for form in (pem_secret_forms(v) if "PRIVATE KEY-----" in v else [v])]


class SecretsScan:
    """What one test's scan covers; the fixture runs `findings()` after the test."""

    def __init__(self, roots: Iterable[Path]):
        self.roots = [Path(r) for r in roots]
        self.secrets = SecretSet()
        self.texts: dict[str, str | bytes] = {}
        self.allowed: set[Path] = set()
        self.sims: list = []  # orgs whose secrets count (sim_factory's; a module's own with watch())
        self.factory_sims: list = []  # sim_factory's list of this test's orgs (read, never changed: it stops them)

    def add_secrets(self, *values: str | None) -> None:
        self.secrets.update(values)

    def add_output(self, name: str, text: str | bytes | None) -> None:
        if text:
            self.texts[f"{name} #{len(self.texts) + 1}"] = text

    def add_root(self, path: Path) -> None:
        self.roots.append(Path(path))

    def allow(self, path: Path) -> None:
        """A file whose job is to hold a secret (beyond the usual names), or a folder of such files: skipped, and
        read for their secrets."""
        self.allowed.add(Path(path).resolve())

    def watch(self, handle) -> None:  # noqa: ANN001 - SimHandle
        """An org the test did not start with sim_factory (a module's fleet): its secrets count too."""
        watch_sim(handle)
        self.sims.append(handle)

    def is_allowed(self, path: Path) -> bool:
        resolved = path.resolve()
        return resolved in self.allowed or any(parent in self.allowed for parent in resolved.parents)

    def files(self) -> list[Path]:
        return sorted(p for root in self.roots if root.exists() for p in ([root] if root.is_file() else root.rglob("*"))
                      if p.is_file())

    def mask(self, text: str) -> str:
        """`text` with every secret the scan knows hidden (a file's name could hold one)."""
        return self.gathered().mask(text)

    def gathered(self) -> SecretSet:
        secrets = SecretSet(self.secrets)
        for handle in [*self.factory_sims, *self.sims]:
            secrets.update(sim_secrets(handle))
        for holder in self.holders():
            secrets.update(holder_secrets(holder))
        return secrets

    def holders(self) -> list[Path]:
        return [p for p in self.files() if is_holder(p) or self.is_allowed(p)]

    def findings(self) -> list[Finding]:
        secrets, holders = self.gathered(), self.holders()
        if not secrets:
            return []
        return scan_paths(self.roots, secrets, texts=self.texts, allowed=holders)


def _record_subprocess_output(monkeypatch: pytest.MonkeyPatch, scan: SecretsScan) -> None:
    """Every subprocess the test runs to completion (subprocess.run, Popen.communicate): its stdout and stderr."""
    communicate = subprocess.Popen.communicate

    def recording_communicate(process, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        out, err = communicate(process, *args, **kwargs)
        # the program's name only: its arguments may hold a secret
        program = Path(str(process.args if isinstance(process.args, str) else process.args[0]).split()[0]).name
        scan.add_output(f"stdout of {program}", out)
        scan.add_output(f"stderr of {program}", err)
        return out, err

    monkeypatch.setattr(subprocess.Popen, "communicate", recording_communicate)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    """Keep what pytest captured while the test ran (stdout, stderr, log): the fixture scans it at teardown."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[CALL_SECTIONS] = list(report.sections)


@pytest.fixture
def secrets_scan(request: pytest.FixtureRequest, tmp_path: Path, sim_factory,  # noqa: ANN001
                 monkeypatch: pytest.MonkeyPatch) -> SecretsScan:
    scan = SecretsScan([tmp_path])
    scan.factory_sims = sim_factory.handles  # the same list: orgs the test starts later are in it too
    for handle in scan.factory_sims:
        watch_sim(handle)
    sim_factory.on_start.append(watch_sim)
    _record_subprocess_output(monkeypatch, scan)
    yield scan
    for name, text in request.node.stash.get(CALL_SECTIONS, []):
        scan.add_output(name, text)
    found = scan.findings()
    if found:
        report = "a secret of this run was written where it must not be:\n  " + "\n  ".join(map(str, found))
        pytest.fail(scan.mask(report), pytrace=False)
