"""One org, start to finish: key pair -> provision (browser) -> write credentials -> verify -> one result.

`setup`, `demo` and the nightly job (`run`) all go through `run_org`, so they write the same credentials format and
report the same result. Files are written only after the browser part succeeded, each atomically (0600), so a
failure leaves no half-written output behind. A dry run writes nothing at all: it plans against a throwaway key
pair in a private temporary folder that is removed before it returns.
"""

from __future__ import annotations

import asyncio
import os
import stat
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Awaitable, Callable

from . import certs, credentials, stored_credentials
from .credential_styles import CredentialFacts, CredentialFormat, env_values, key_value
from .config import MailboxSettings, OrgSettings
from .spec import AppSpec
from .errors import ConfigError, ProvisionerError
from .flows.recorder import NullRecorder, Recorder
from .flows.session import Timeouts
from .redact import SecretSet
from .verify import DEFAULT_BUDGET_SECONDS

#: how long verify may keep retrying while a new app propagates (real orgs: minutes, reported up to 30)
DEFAULT_VERIFY_SECONDS = DEFAULT_BUDGET_SECONDS


@dataclass(frozen=True)
class KeySource:
    """The user's own pair (both paths), else a pair kept in `home` (made once, reused on every later run)."""

    home: Path
    key_path: Path | None = None
    cert_path: Path | None = None
    common_name: str = "provisioner"

    def __post_init__(self) -> None:
        if bool(self.key_path) != bool(self.cert_path):
            raise ConfigError("a private key and its certificate go together (--key with --cert, key_file with "
                              "cert_file): give both, or neither to have a pair generated")


@dataclass(frozen=True)
class CredentialTargets:
    """Where the credentials go: a .env file (merged: other lines kept) and/or a JSON file, and how the .env names
    its variables and carries the key (provisioner/credential_styles.py). See the README."""

    env_file: Path | None = None
    json_file: Path | None = None
    format: CredentialFormat = field(default_factory=CredentialFormat)

    def paths(self) -> list[Path]:
        return [p for p in (self.env_file, self.json_file) if p is not None]

    def check_writable(self) -> None:
        """Before the browser starts: a target we could not write would cost a whole run (and a revealed secret)."""
        for path in self.paths():
            path = Path(path)
            if path.is_dir():
                raise ConfigError(f"credentials file {path} is a folder")
            if path.exists() and not path.stat().st_mode & stat.S_IWUSR:
                # read-only on purpose: respected even by root, who could write it anyway
                raise ConfigError(f"credentials file {path} is read-only: make it writable or choose another file")
            parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
            if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
                raise ConfigError(f"cannot write credentials to {path}: {parent or path.parent} is not a writable "
                                  "folder")


@dataclass(frozen=True)
class OrgTask:
    """Everything one org's run needs, already validated."""

    org: OrgSettings
    spec: AppSpec
    keys: KeySource
    targets: CredentialTargets
    name: str | None = None  # the org's name in an inventory (titles recordings, names lines)
    mailbox: MailboxSettings | None = None
    artifacts_dir: Path | None = None  # failure screenshot + HTML (secrets masked)
    dry_run: bool = False
    verify: bool = True
    verify_seconds: float = DEFAULT_VERIFY_SECONDS
    timeouts: Timeouts = field(default_factory=Timeouts)
    #: "auto" | "api" | "browser": which path makes the app (provisioner/api/via.py; README "Browser or API")
    via: str = "auto"


@dataclass
class OrgOutcome:
    """The one result of one org: what `setup --json` prints and what the job's report records."""

    status: str  # created | updated | unchanged | planned
    app_name: str | None = None
    api_name: str | None = None
    changes: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    consumer_key: str = ""
    consumer_secret: str = field(default="", repr=False)
    username: str = ""
    login_url: str = ""
    instance_url: str = ""
    private_key_path: str | None = None
    certificate_path: str | None = None
    credentials: list[str] = field(default_factory=list)  # the files written
    verified: bool = False
    user_id: str | None = None
    org_id: str | None = None
    artifacts: list[str] = field(default_factory=list)
    recording: str | None = None
    #: False when the stored credentials proved themselves and the secret was not revealed again (files kept)
    revealed: bool = True
    via: str = ""  # "browser" | "api": the path that made the app
    via_reason: str = ""
    credentials_via: str = ""  # "rest" | "browser": where this run read the consumer secret ("" when it did not)
    credentials_reason: str = ""  # the API path reading it on the page: the setting that would allow REST
    #: the login's API session (provisioner/api/session.py) when the run made one: a secret, never serialised
    api_session: Any = field(default=None, repr=False, compare=False)
    rotated: bool = False  # the nightly job rotated the pair after the run (rotate_after_days)
    previous_consumer_key: str = ""  # the key the rotation replaced

    def summary(self) -> dict[str, Any]:
        """The keys `setup --json` prints (README); the consumer secret in clear: callers mask it."""
        result: dict[str, Any] = {
            "app_name": self.app_name, "api_name": self.api_name, "status": self.status, "changes": self.changes,
            "consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret, "username": self.username,
            "login_url": self.login_url, "instance_url": self.instance_url,
            "private_key_path": self.private_key_path, "certificate_path": self.certificate_path,
            "credentials_file": self.credentials[0] if self.credentials else None,
            "credentials_files": list(self.credentials), "verified": self.verified,
        }
        if self.via:
            result["via"], result["via_reason"] = self.via, self.via_reason
        if self.status != "planned":
            result["revealed"] = self.revealed
        if self.credentials_via and self.revealed:
            result["credentials_via"] = self.credentials_via
            if self.credentials_reason:
                result["credentials_reason"] = self.credentials_reason
        if self.verified:
            result["user_id"], result["org_id"] = self.user_id, self.org_id
        if self.status == "planned":
            result["plan"] = self.plan
        if self.recording:
            result["recording"] = self.recording
            result["recording_files"] = [a for a in self.artifacts if a.startswith(self.recording)]
        return result


def credential_values(outcome: OrgOutcome, fmt: CredentialFormat | None = None,
                      key_pem: str | None = None) -> dict[str, str]:
    """The variables CI jobs read, as the .env file holds them (README: "Credentials"; names by `fmt.style`)."""
    from .verify import default_audience

    facts = CredentialFacts(
        consumer_key=outcome.consumer_key, consumer_secret=outcome.consumer_secret, username=outcome.username,
        login_url=outcome.login_url, instance_url=outcome.instance_url, private_key_path=outcome.private_key_path,
        audience=default_audience(outcome.login_url) if outcome.login_url else "")
    return env_values(fmt or CredentialFormat(), facts, key_pem)


def credential_record(outcome: OrgOutcome, fmt: CredentialFormat | None = None,
                      key_pem: str | None = None) -> dict[str, str | None]:
    """The JSON credentials file: the same facts as the .env, with readable keys (README: "Credentials"); with an
    embedded key, `private_key` (PEM) or `private_key_base64` as well."""
    record: dict[str, str | None] = {
        "app_name": outcome.app_name, "api_name": outcome.api_name,
        "consumer_key": outcome.consumer_key, "consumer_secret": outcome.consumer_secret,
        "username": outcome.username, "login_url": outcome.login_url, "instance_url": outcome.instance_url,
        "private_key_path": outcome.private_key_path, "certificate_path": outcome.certificate_path,
    }
    form = (fmt or CredentialFormat()).key_form
    if form and key_pem:
        record["private_key" if form == "pem" else "private_key_base64"] = key_value(form, key_pem)
    return record


def write_credentials(targets: CredentialTargets, outcome: OrgOutcome, key_pem: str | None = None) -> list[str]:
    """Write the .env and/or JSON (each atomic, 0600). `key_pem`: the private key, for an embedded key."""
    written = []
    if targets.format.key_form and key_pem is None and outcome.private_key_path:
        key_pem = Path(outcome.private_key_path).read_text(encoding="utf-8")
    if targets.env_file is not None:
        credentials.write_env(targets.env_file, credential_values(outcome, targets.format, key_pem))
        written.append(str(Path(targets.env_file).resolve()))
    if targets.json_file is not None:
        credentials.write_json(targets.json_file, credential_record(outcome, targets.format, key_pem))
        written.append(str(Path(targets.json_file).resolve()))
    # a new key restarts the clock of a kept issue record (the nightly job's rotate_after_days creates it)
    stored_credentials.note_issued(targets, outcome.consumer_key, create=False)
    return written


def key_pair(keys: KeySource, stack: ExitStack, *, dry_run: bool) -> certs.KeyPair:
    """The pair to upload and sign with. A dry run never writes one where a real run would keep it."""
    if keys.key_path and keys.cert_path:
        return certs.load_pair(keys.key_path, keys.cert_path)
    key, cert = keys.home / "server.key", keys.home / "server.crt"
    if not dry_run:  # a run killed between writing the key and its certificate left half a pair: finish it
        certs.complete_pair(keys.home, common_name=keys.common_name)
    if key.exists() or cert.exists():
        return certs.load_pair(key, cert)  # half a pair is an error naming the missing file
    if dry_run:  # plan against a throwaway pair, as a first real run would upload a new one; removed on exit
        throwaway = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="provisioner-plan-")))
        key, cert = certs.generate_key_and_cert(throwaway, common_name=keys.common_name)
        return certs.load_pair(key, cert)
    certs.generate_key_and_cert(keys.home, common_name=keys.common_name)
    return certs.load_pair(key, cert)


#: (stored credentials, org, spec, key_pem) -> a token when they still prove themselves, else None
#: (provisioner/stored_credentials.py prove; tests inject fakes)
CheckStored = Callable[..., Any]

#: (task, the run's secrets) -> the recorder for that org's run
RecorderFactory = Callable[[OrgTask, SecretSet], Recorder]


def video_recorder_factory(*, trace: bool = False, slow_mo_ms: float = 0) -> RecorderFactory:
    """The one way a run gets recorded: recordings/<date>-<org>-<app>/ (provisioner/recording/)."""

    def make(task: OrgTask, secrets: SecretSet) -> Recorder:
        from .recording import make_recorder

        title = {"title": f"{task.spec.name} in {task.name}", "org_name": task.name} if task.name else {}
        return make_recorder(org=task.org, spec=task.spec, secrets=secrets, trace=trace, slow_mo_ms=slow_mo_ms,
                             **title)

    return make


#: provision(browser, request, progress, recorder) -> ProvisionResult (provisioner.provision; tests inject fakes)
Provision = Callable[..., Awaitable[Any]]
#: verify(login_url, consumer_key, username, key_pem, *, instance_url, budget_seconds, on_attempt) -> TokenResult
#: (blocking; the token request goes to instance_url, the org's My Domain learned at login)
Verify = Callable[..., Any]


async def run_org(browser, task: OrgTask, progress, *, recorder: Recorder | None = None,  # noqa: ANN001
                  secrets: SecretSet | None = None, deadline: float | None = None,
                  provision: Provision | None = None, verify: Verify | None = None,
                  check_stored: CheckStored | None = None,
                  browser_done: Callable[[], None] | None = None) -> OrgOutcome:
    """Provision one org in `browser` and prove the credentials. Raises ProvisionerError (or Playwright's) on failure.

    A re-run whose stored credentials still prove themselves (`check_stored`, by default a JWT exchange when the
    real verify is used) does not reveal the secret again and keeps the files as they are (`revealed: false`).

    `secrets`: the run's SecretSet, kept by reference (the consumer secret joins it as soon as it is known);
    `deadline`: time.monotonic() by which everything must be done (the job's per-org budget).
    A recorded run writes its recording's index whether it succeeds or fails (not when cancelled: a job out of
    time does not wait for the video's conversion).
    `browser_done`: called once the browser part is over (its context closed), before writing and verifying: the
    job hands the browser slot to another org while this one's app propagates.
    """
    secrets = secrets if secrets is not None else SecretSet()
    recorder = recorder or NullRecorder()
    try:
        outcome = await _provision_and_verify(browser, task, progress, recorder=recorder, secrets=secrets,
                                              deadline=deadline, provision=provision, verify=verify,
                                              check_stored=check_stored, browser_done=browser_done)
    except Exception as exc:
        await _finish_failed_recording(recorder, task, exc, secrets, progress)
        raise
    await _finish_recording(recorder, outcome)
    return outcome


async def _provision_and_verify(browser, task: OrgTask, progress, *, recorder: Recorder,  # noqa: ANN001
                                secrets: SecretSet, deadline: float | None, provision: Provision | None,
                                verify: Verify | None, check_stored: CheckStored | None = None,
                                browser_done: Callable[[], None] | None = None) -> OrgOutcome:
    from .provision import ProvisionRequest

    if provision is None:
        from .provision import provision
    if check_stored is None and verify is None:
        from .stored_credentials import prove as check_stored
    if verify is None:
        from .verify import verify_with_retry as verify
    secrets.update([*task.org.secrets(), *(task.mailbox.secrets() if task.mailbox else [])])
    if not task.dry_run:
        task.targets.check_writable()
    if _surely_needs_a_page(task) and hasattr(browser, "warm"):
        browser.warm()  # Chromium starts while the key pair is made, not after
    with ExitStack() as stack:
        # off the event loop: a new RSA key and loading one cost CPU that the job's other orgs' pages are waiting for
        pair = await asyncio.to_thread(key_pair, task.keys, stack, dry_run=task.dry_run)
        secrets.update(pair.secrets())
        key_pem = Path(pair.key_path).read_text()
        kept = await _stored_and_proved(task, key_pem, check_stored, progress, secrets)
        request = ProvisionRequest(org=task.org, spec=task.spec, cert_path=pair.cert_path, key_path=pair.key_path,
                                   mailbox=task.mailbox, dry_run=task.dry_run, reveal=not task.dry_run and kept is None,
                                   artifacts_dir=task.artifacts_dir, timeouts=_within(task.timeouts, deadline),
                                   secrets=secrets, via=task.via, stored_session=_session_of(kept, secrets))
        result = await provision(browser, request, progress, recorder)
        if kept is not None and result.created:
            # the stored pair proved an app, but not the spec's (created just now): reveal the new one's
            progress.info("the stored credentials belong to another app: revealing the new app's")
            kept, request.reveal, request.stored_session = None, True, None
            result = await provision(browser, request, progress, recorder)
        if browser_done is not None:
            browser_done()
        if kept is not None:
            stored, kept_token = kept
            result.consumer_key, result.consumer_secret = stored.consumer_key, stored.consumer_secret
        secrets.add(result.consumer_secret)
        recorder.add_secrets(result.consumer_secret)
        outcome = OrgOutcome(
            status=result.status, app_name=result.app_name, api_name=result.api_name, changes=list(result.changes),
            plan=list(result.plan), consumer_key=result.consumer_key, consumer_secret=result.consumer_secret,
            username=result.username, login_url=result.login_url, instance_url=result.instance_url,
            artifacts=list(getattr(result, "artifacts", []) or []),
            via=getattr(result, "via", ""), via_reason=getattr(result, "via_reason", ""),
            credentials_via=getattr(result, "credentials_via", ""),
            credentials_reason=getattr(result, "credentials_reason", ""),
            api_session=getattr(result, "api_session", None),
            private_key_path=None if task.dry_run else str(Path(pair.key_path).resolve()),
            certificate_path=None if task.dry_run else str(Path(pair.cert_path).resolve()))
    if task.dry_run:
        return outcome
    if kept is not None:
        # proved before the browser and nothing changed since: the files stay as they are, the token is the proof
        outcome.revealed = False
        outcome.credentials = [str(Path(p).resolve()) for p in task.targets.paths()]
        outcome.instance_url = stored.instance_url or outcome.instance_url
        if outcome.status == "unchanged":
            _verified_by(outcome, kept_token)
            return outcome
    else:
        outcome.credentials = write_credentials(task.targets, outcome, key_pem)
    if task.verify:
        with progress.step("verify", f"JWT bearer token exchange as {outcome.username}"):
            token = await asyncio.to_thread(
                verify, outcome.login_url, outcome.consumer_key, outcome.username, key_pem,
                instance_url=outcome.instance_url or None,
                budget_seconds=_verify_budget(task.verify_seconds, deadline),
                on_attempt=lambda attempt, why: _say_refused(progress, attempt, why))
        _verified_by(outcome, token)
    return outcome


def _surely_needs_a_page(task: OrgTask) -> bool:
    """No stored credentials to prove (a create, a lost file) or none to prove with: the run logs in on a page."""
    from . import stored_credentials

    return task.dry_run or not task.verify or stored_credentials.read(task.targets) is None


def _say_refused(progress, attempt: int, why: str | None) -> None:  # noqa: ANN001
    # attempts 1, 2, 4, 8, ...: a half-hour propagation is a handful of lines, not one per attempt
    if attempt & (attempt - 1) == 0:
        progress.info(f"verify attempt {attempt} refused ({why}): the org is still propagating the app")


async def _stored_and_proved(task: OrgTask, key_pem: str, check_stored: CheckStored | None, progress,  # noqa: ANN001
                             secrets: SecretSet):  # noqa: ANN202
    """(stored credentials, their token) when the targets hold credentials that still work, else None."""
    if task.dry_run or not task.verify or check_stored is None:
        return None
    from . import stored_credentials

    stored = stored_credentials.read(task.targets)
    if stored is None:
        return None
    secrets.update([s for s in (stored.consumer_secret,) if s])
    token = await asyncio.to_thread(check_stored, stored, task.org, task.spec, key_pem)
    if token is None:
        progress.info("the stored credentials do not prove themselves: revealing them again")
        return None
    progress.info("the stored credentials still work: the secret is not revealed again")
    return stored, token


def _session_of(kept, secrets: SecretSet):  # noqa: ANN001, ANN202 - ApiSession | None
    """The stored credentials' token as an API session (the engine may then need no login); its token is a secret."""
    if kept is None:
        return None
    from .api.via import session_of_token

    session = session_of_token(kept[1])
    if session is not None:
        secrets.add(session.session_id)
    return session


def _verified_by(outcome: OrgOutcome, token) -> None:  # noqa: ANN001
    outcome.verified = True
    outcome.instance_url = getattr(token, "instance_url", "") or outcome.instance_url
    outcome.user_id, outcome.org_id = getattr(token, "user_id", None), getattr(token, "org_id", None)


async def _finish_recording(recorder: Recorder, outcome: OrgOutcome) -> None:
    """Write the recording's index and scan it (blocking: ffmpeg and file scans, off the event loop)."""
    if not recorder.active:
        return
    public = dict(outcome.summary(), consumer_secret=None, consumer_key=credentials.mask(outcome.consumer_key))
    files = await asyncio.to_thread(recorder.finish, public)
    outcome.recording = str(recorder.out_dir) if recorder.out_dir else None
    outcome.artifacts += [str(f) for f in files or []]


async def _finish_failed_recording(recorder: Recorder, task: OrgTask, error: Exception, secrets: SecretSet,
                                   progress) -> None:  # noqa: ANN001
    """A failed run's recording still gets its index (what happened up to the failure, the error's line, masked).
    The run's own error is what the caller reports: a leak found now is said on the progress (its files are
    deleted) and the recording's folder joins the error's artifacts."""
    if not recorder.active:
        return
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    public = {"status": "failed", "error": secrets.mask(line), "app_name": task.spec.name,
              "api_name": task.spec.api_name, "username": task.org.username, "login_url": task.org.login_url}
    try:
        await asyncio.to_thread(recorder.finish, public)
    except ProvisionerError as leak:
        progress.info(secrets.mask(str(leak)))
    if recorder.out_dir is not None and Path(recorder.out_dir, "index.html").exists() \
            and isinstance(getattr(error, "artifacts", None), list):
        error.artifacts.append(str(recorder.out_dir))


#: leave this much of an org's budget for writing and verifying after the browser part
VERIFY_RESERVE_SECONDS = 20.0


def _within(timeouts: Timeouts, deadline: float | None) -> Timeouts:
    """Waits never outlast the budget: a Playwright call ends by its own timeout, not by cancellation."""
    if deadline is None:
        return timeouts
    left = max(1.0, deadline - time.monotonic() - VERIFY_RESERVE_SECONDS)
    return replace(timeouts, page_ms=min(timeouts.page_ms, left * 1000), settle_ms=min(timeouts.settle_ms, left * 1000),
                   mail_s=min(timeouts.mail_s, left))


def _verify_budget(seconds: float, deadline: float | None) -> float:
    if deadline is None:
        return seconds
    return max(5.0, min(seconds, deadline - time.monotonic() - 5))


def run_org_in_new_browser(task: OrgTask, progress, *, secrets: SecretSet, headless: bool = True,  # noqa: ANN001
                           slow_mo_ms: float = 0, recorder_factory: RecorderFactory | None = None) -> OrgOutcome:
    """`setup` and `demo`: one org in a browser of its own, closed before this returns."""

    async def main() -> OrgOutcome:
        from contextlib import AsyncExitStack

        from .browser import BrowserOnFirstUse, launch_browser_async

        recorder = recorder_factory(task, secrets) if recorder_factory else None
        async with AsyncExitStack() as stack:  # closes the browser and Playwright's driver, if they were started

            async def launch():  # noqa: ANN202
                from playwright.async_api import async_playwright

                playwright = await stack.enter_async_context(async_playwright())
                browser = await launch_browser_async(playwright, headless=headless, slow_mo=slow_mo_ms)
                stack.push_async_callback(browser.close)
                return browser

            # a re-run may need no page at all
            browser = BrowserOnFirstUse(launch)
            try:
                return await run_org(browser, task, progress, recorder=recorder, secrets=secrets)
            finally:
                await browser.settle()  # a launch begun ahead of need ends before the stack closes what it opened

    return asyncio.run(main())
