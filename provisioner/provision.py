"""The provisioning engine: log in, ensure the External Client App (or, for `app_type = "connected_app"`, the classic
Connected App) and its policies, reveal its credentials.

After the login, `request.via` chooses the path (provisioner/api/via.py): the Setup pages (the flows' areas), or the
Metadata API with the login's own session (provisioner/api/areas.py), reconciled by the same loop with the same
plan and change lines; with the API path the credentials come over Connect REST where the org allows it, else from
the page as always.

One org per call, in its own browser context (closed in `finally`), on Playwright's async API so the nightly job
can run several orgs in one browser. It writes no files and verifies nothing: the setup command does that with the
result. With `dry_run` it logs in and reads, and returns the plan instead of changing anything.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Iterator, Sequence, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from provisioner.flows.app_kinds import app_kind
from provisioner.flows.locators import registry
from provisioner.flows.login import enter_with_session, log_in
from provisioner.flows.reconcile import reconcile
from provisioner.flows.recorder import NullRecorder, Recorder
from provisioner.flows.session import FlowSession, Timeouts
from provisioner.flows.types import AppRef, ConsumerCredentials

from .browser import blank_password_values, write_private
from .certs import certificate_pem_for_upload
from .config import MailboxSettings, OrgSettings
from .spec import AppSpec
from .errors import (ApiUnavailableError, AppNameTakenError, BrowserUnavailableError, ConfigError, ConnectedAppsDisabledError,
                     CredentialsApiDisabledError, LoginError, MetadataDeployError, OrgSettingConflictError,
                     OrgUnavailableError, ProvisionerError, UnknownProfileError, VerificationLockedError)
from .api import via as via_path
from .api.login import ApiLogin
from .api.session import ApiSession
from .progress import StepSetAside
from .redact import SecretSet

T = TypeVar("T")

#: the steps, as progress reports them
STEP_LOGIN = "login"
STEP_APP = "create app"
STEP_POLICIES = "policies"
STEP_CREDENTIALS = "consumer credentials"
STEPS = [STEP_LOGIN, STEP_APP, STEP_POLICIES, STEP_CREDENTIALS]

#: the browser's viewport when nothing is recorded (Setup pages lay out comfortably at this size)
DEFAULT_VIEWPORT = {"width": 1366, "height": 900}


@dataclass
class ProvisionRequest:
    org: OrgSettings
    spec: AppSpec
    cert_path: str | os.PathLike
    key_path: str | os.PathLike | None = None  # not used here (verify signs with it); carried for the result
    mailbox: MailboxSettings | None = None  # needed when Salesforce emails a code (device check, consumer details)
    #: the address Salesforce mails codes to (the user's email); default: the IMAP user if it is an address,
    #: else the Salesforce username
    mail_recipient: str | None = None
    dry_run: bool = False  # plan only: log in and read, touch nothing
    reveal: bool = True  # open "Consumer Key and Secret" and read them (False: ensure the app only)
    artifacts_dir: str | os.PathLike | None = None  # failure screenshot + HTML (secrets masked)
    timeouts: Timeouts = field(default_factory=Timeouts)
    #: the run's secrets, shared by reference: the consumer secret joins it the moment a page shows it, so the
    #: recording, the progress lines and the error line mask it even if the run fails right after
    secrets: SecretSet = field(default_factory=SecretSet, repr=False)
    #: "auto" | "api" | "browser": which path makes the app (provisioner/api/via.py)
    via: str = via_path.DEFAULT_VIA
    #: the stored credentials' token as an API session (a re-run whose credentials proved themselves): the API path
    #: can then check the app with no browser login at all; a secret, never shown
    stored_session: ApiSession | None = field(default=None, repr=False)


@dataclass
class ProvisionResult:
    app_name: str
    api_name: str
    username: str
    login_url: str
    instance_url: str = ""
    consumer_key: str = ""
    consumer_secret: str = field(default="", repr=False)
    created: bool = False
    changes: list[str] = field(default_factory=list)  # human lines; empty when nothing changed
    plan: list[str] = field(default_factory=list)  # dry run: what would change
    artifacts: list[str] = field(default_factory=list)
    dry_run: bool = False
    via: str = ""  # "browser" | "api": the path that made the app
    via_reason: str = ""
    credentials_via: str = ""  # "rest" | "browser" when revealed
    credentials_reason: str = ""  # the API path revealing on the page: what would allow REST
    #: the login's API session when one was made (the nightly job's rotation reuses it); a secret, never shown
    api_session: ApiSession | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        if self.dry_run:
            return "planned"
        return "created" if self.created else ("updated" if self.changes else "unchanged")

    def secrets(self) -> list[str]:
        return [s for s in (self.consumer_secret,) if s]


async def provision(browser, request: ProvisionRequest, progress,  # noqa: ANN001
                    recorder: Recorder | None = None) -> ProvisionResult:
    """Bring the org's External Client App in line with `request.spec`; returns what was done and the credentials."""
    recorder = recorder or NullRecorder()
    spec, org = request.spec, request.org
    kind = app_kind(spec.app_type)
    via_path.check_requested(request.via, spec.app_type)  # before the browser: `api` for a kind it cannot make
    certificate_pem = _read_certificate(request.cert_path) if spec.jwt_bearer else None
    secrets = request.secrets
    secrets.update([*org.secrets(), *(request.mailbox.secrets() if request.mailbox else [])])
    result = ProvisionResult(app_name=spec.name, api_name=spec.api_name, username=org.username,
                             login_url=org.login_url, dry_run=request.dry_run)
    if await _without_login(request, result, progress, recorder, certificate_pem):
        return result
    # a recorder records at its own size: the page is laid out at exactly that size, nothing cut or scaled
    viewport = recorder.viewport or DEFAULT_VIEWPORT
    context = await open_context(browser, viewport=dict(viewport), accept_downloads=False)
    page = session = None
    try:
        page = await context.new_page()
        page.set_default_timeout(request.timeouts.page_ms)
        await recorder.attach(context, page)
        session = FlowSession(page=page, recorder=recorder, timeouts=request.timeouts,
                              code_waiter=_code_waiter_factory(request), secrets=secrets)

        result.instance_url = await _enter(session, request, progress, recording=recorder.active)
        api = ApiLogin(context, org, secrets, relogin=lambda: enter_org(session, org), final=_FINAL,
                       timeout=request.timeouts.page_ms / 1000)
        chosen = await api.choose(request.via, spec.app_type, result.instance_url, recording=recorder.active)
        result.api_session = api.session
        _info(progress, f"via {chosen.path}: {chosen.reason}")

        with _step(progress, STEP_APP, spec.name):
            if chosen.path == via_path.VIA_API:
                try:
                    app = await api.again_after_login(lambda: reconcile(api.app_area(spec, certificate_pem), session,
                                                                        dry_run=request.dry_run))
                except ApiUnavailableError as exc:  # e.g. no metadata permission: found by the first retrieve
                    chosen = via_path.fall_back(request.via, exc)
                    _info(progress, f"via {chosen.path}: {chosen.reason}")
            if chosen.path == via_path.VIA_BROWSER:
                app_area = kind.app(spec, certificate_pem)
                app = await _again_after_login(session, org, lambda: reconcile(app_area, session,
                                                                               dry_run=request.dry_run))
        result.via, result.via_reason = chosen.path, chosen.reason
        result.created = app.created
        result.changes += app.changes
        result.plan += app.plan

        with _step(progress, STEP_POLICIES, spec.name):
            if chosen.path == via_path.VIA_API:
                pol = await api.again_after_login(lambda: reconcile(
                    api.policies_area(app.ref, spec.policies), session,
                    dry_run=request.dry_run))
            else:
                policies_area = kind.policies(app.ref, spec.policies)
                pol = await _again_after_login(session, org, lambda: reconcile(policies_area, session,
                                                                               dry_run=request.dry_run))
        # a new app's policies are part of creating it, not "changes"
        result.changes += [] if app.created else pol.changes
        result.plan += pol.plan

        if request.reveal and not request.dry_run:
            with _step(progress, STEP_CREDENTIALS, spec.name):
                # the secret joins `secrets` as it is read
                credentials = await _credentials(request, result, session, api if chosen.api else None, app.ref,
                                                 certificate_pem, progress)
            result.consumer_key = credentials.consumer_key
            result.consumer_secret = credentials.consumer_secret
        return result
    except ProvisionerError as exc:
        exc.artifacts += await _failure_artifacts(page, request, secrets, result, session)
        raise
    except PlaywrightError as exc:
        # A Playwright failure we did not turn into our own error: a wait for a locator that never showed up (named:
        # page and locator, maybe relabelled), else a page that never came or a closed browser.
        error = registry.failure_of(exc) or OrgUnavailableError(
            f"the browser step failed: {secrets.mask(_first_line(exc))}")
        error.artifacts += await _failure_artifacts(page, request, secrets, result, session)
        raise error from None
    finally:
        try:
            await recorder.stop()  # video and trace are lost once the context closes
        finally:
            try:
                await context.close()
            except PlaywrightError:
                pass  # the browser is already gone


async def _without_login(request: ProvisionRequest, result: ProvisionResult, progress, recorder: Recorder,  # noqa: ANN001
                         certificate_pem: str | None) -> bool:
    """A re-run whose stored credentials proved themselves holds their token: an API session of the same user. The
    API path checks (and repairs) the app and its policies with it, with no browser login: no password, no
    authenticator code, no browser. False, and the run logs in as always, when there is no such session, the secret
    is to be revealed, the pages are asked for (or recorded), or the API does not take the session; the steps find
    the app first, so what was done here is never done twice."""
    spec, api = request.spec, request.stored_session
    if api is None or request.reveal or via_path.browser_only(request.via, spec.app_type, recording=recorder.active):
        return False
    from .api.areas import MetadataAppArea, MetadataPoliciesArea

    try:
        await asyncio.to_thread(via_path.probe, api, request.org.username, timeout=request.timeouts.page_ms / 1000)
    except ProvisionerError as exc:
        _info(progress, f"the stored credentials' session cannot use the API ({_first_line(exc)}): logging in")
        return False
    chosen = via_path.stored_session_chosen(request.via, api)
    _info(progress, f"via {chosen.path}: {chosen.reason}")
    step = STEP_APP
    try:
        with _step(progress, STEP_APP, spec.name):
            app = await _or_set_aside(reconcile(MetadataAppArea(api, spec, certificate_pem), None,
                                                dry_run=request.dry_run))
        step = STEP_POLICIES
        with _step(progress, STEP_POLICIES, spec.name):
            pol = await _or_set_aside(reconcile(MetadataPoliciesArea(api, app.ref, spec.policies), None,
                                                dry_run=request.dry_run))
    except StepSetAside as aside:
        _info(progress, f"{step} with the stored credentials' session did not work ({_first_line(aside.cause)}): "
                        "logging in")
        return False
    result.via, result.via_reason, result.api_session = chosen.path, chosen.reason, api
    result.instance_url = api.instance_url
    result.created = app.created
    result.changes += app.changes + ([] if app.created else pol.changes)
    result.plan += app.plan + pol.plan
    return True


async def _or_set_aside(work: Awaitable[T]) -> T:
    """A step on the stored credentials' session: an error a login could change sets the step aside (the run logs
    in and does it again); a final one (a name owned by another app, a refused deploy) stands."""
    try:
        return await work
    except ProvisionerError as exc:
        if isinstance(exc, _FINAL) and not isinstance(exc, ApiUnavailableError):
            raise  # the login's session would meet the same answer
        raise StepSetAside(exc) from exc


#: a live browser opens a context in well under a second; one killed a moment ago may still say it is connected
#: and never answer
CONTEXT_OPEN_SECONDS = 30.0


async def open_context(browser, **options):  # noqa: ANN001, ANN201
    """A new browser context, or BrowserUnavailableError when the browser does not answer (the nightly job then
    launches another)."""
    started = getattr(browser, "started", None)
    if started is not None:  # browser.BrowserOnFirstUse: launched only now that a page is needed
        browser = await started()
    try:
        return await asyncio.wait_for(browser.new_context(**options), timeout=CONTEXT_OPEN_SECONDS)
    except TimeoutError:
        raise BrowserUnavailableError(f"the browser did not open a page context within {CONTEXT_OPEN_SECONDS:g} s "
                                      "(it may have died)") from None


async def enter_org(session: FlowSession, org: OrgSettings) -> str:
    """The login page with the password, or the front door with the Salesforce CLI's session (--target-org): its
    single-use link is asked for right here, just before the browser opens it. Every engine logs in through this."""
    if not org.sf_target_org:
        return await log_in(session, org)
    from . import sf_cli

    link = await asyncio.to_thread(sf_cli.frontdoor_url, org.sf_target_org)
    return await enter_with_session(session, org.login_url, link, target_org=org.sf_target_org,
                                    trusted_hosts=org.trusted_hosts, totp_secret=org.totp_secret)


async def _enter(session: FlowSession, request: ProvisionRequest, progress, *, recording: bool) -> str:  # noqa: ANN001
    """Into Setup: through the front door with the stored credentials' token when a re-run holds one (no password,
    no authenticator code), else the login. A recording shows the login; a token the org will not make a browser
    session of means the login, with a line saying why."""
    org, api = request.org, request.stored_session
    if api is not None and not recording and not org.sf_target_org:
        from .api.frontdoor import frontdoor_link
        from .sf_cli import SETUP_HOME

        # one step either way: a refused front door is not a failure, only the longer way in
        with _step(progress, STEP_LOGIN, f"{org.username}: the stored credentials' session, by the front door"):
            try:
                link = await asyncio.to_thread(frontdoor_link, api, SETUP_HOME,
                                               timeout=request.timeouts.page_ms / 1000)
                return await enter_with_session(session, api.instance_url, link, trusted_hosts=org.trusted_hosts,
                                                totp_secret=org.totp_secret, whose="the stored credentials'")
            except LoginError as exc:
                _info(progress, f"the stored credentials' session does not open Setup ({_first_line(exc)}): "
                                f"logging in at {org.login_url}")
            return await enter_org(session, org)
    with _step(progress, STEP_LOGIN, f"{org.username} at {org.login_url}"):
        return await enter_org(session, org)


#: failures that say something final about the org or the spec: never tried again, even from a fresh login
_FINAL = (LoginError, VerificationLockedError, AppNameTakenError, UnknownProfileError, ConfigError,
          ConnectedAppsDisabledError, OrgSettingConflictError, ApiUnavailableError, MetadataDeployError,
          CredentialsApiDisabledError)

async def _credentials(request: ProvisionRequest, result: ProvisionResult, session: FlowSession,
                       api: ApiLogin | None, ref: AppRef, certificate_pem: str | None,
                       progress=None) -> ConsumerCredentials:  # noqa: ANN001
    """Over Connect REST when the API path was taken and the org allows it; else revealed on the app's page."""
    kind = app_kind(request.spec.app_type)
    if api is not None:
        from .api import credentials as rest_credentials

        app_id = api.app_id(ref) or None  # a new app has no OAuth usage yet: found by the id the metadata gave
        allowed, why_not = await api.again_after_login(
            lambda: asyncio.to_thread(rest_credentials.credentials_allowed, api.session, ref.api_name, app_id))
        if allowed:
            try:
                found = await api.again_after_login(
                    lambda: asyncio.to_thread(rest_credentials.read_credentials, api.session, ref.api_name, app_id))
            except (CredentialsApiDisabledError, ApiUnavailableError) as exc:
                why_not = _first_line(exc)
            else:
                request.secrets.add(found.consumer_secret)
                result.credentials_via = "rest"
                return found
        result.credentials_reason = why_not
        _info(progress, f"the consumer secret is read on the app's page, not over REST: {why_not}")
        if not ref.url:  # the API names no page: the browser area finds it
            ref = await _again_after_login(session, request.org,
                                           lambda: kind.app(request.spec, certificate_pem).find(session)) or ref
    result.credentials_via = "browser"
    return await _again_after_login(session, request.org, lambda: kind.reveal(session, ref))


def _info(progress, text: str) -> None:  # noqa: ANN001
    info = getattr(progress, "info", None) if progress is not None else None
    if info is not None:
        info(text)


async def _again_after_login(session: FlowSession, org: OrgSettings, step: Callable[[], Awaitable[T]]) -> T:
    """Run one step (an area's reconcile, the reveal); when it fails because the session ended under it (the page
    is the login page now: Salesforce's session timeout, an admin's "log out all sessions"), log in again and run
    the step once more, as a person would. Reconciling starts by finding the app, so a step cut short after its
    save never saves twice. Anything else, and a second failure, is the step's error."""
    try:
        return await step()
    except (ProvisionerError, PlaywrightError) as exc:
        if isinstance(exc, _FINAL) or not await _on_login_page(session.page):
            raise
    await enter_org(session, org)
    return await step()


async def _on_login_page(page) -> bool:  # noqa: ANN001
    """Salesforce sends a browser whose session ended to its login page (`/?ec=302&startURL=...`)."""
    try:
        url = page.url
        parts = urlsplit(url)
        if "ec=30" in parts.query and parts.path in ("", "/"):
            return True
        return parts.path in ("", "/") and await page.locator("input[type=password]").count() > 0
    except PlaywrightError:
        return False


def _code_waiter_factory(request: ProvisionRequest):  # noqa: ANN202
    """Opens a CodeWaiter for the org user's verification emails, or None when no mailbox is configured."""
    if request.mailbox is None:
        return None
    from .mail import CodeWaiter

    mailbox = request.mailbox
    # Salesforce mails the user's email address; the mailbox's login is that address in every set-up we know of.
    recipient = (request.mail_recipient or request.org.email
                 or (mailbox.user if "@" in mailbox.user else request.org.username))
    # username: several orgs' users may share one mailbox (and one address); their codes must not cross
    return lambda purpose: CodeWaiter(mailbox, recipient=recipient, username=request.org.username)


def _read_certificate(cert_path: str | os.PathLike) -> str:
    """Only the certificate, parsed and re-encoded: never the raw file (a private key in it is refused)."""
    return certificate_pem_for_upload(cert_path)


@contextmanager
def _step(progress, name: str, detail: str = "") -> Iterator[None]:  # noqa: ANN001
    """Report a step through provisioner/progress.py's reporter (any object with step(name, detail) works)."""
    step = getattr(progress, "step", None) if progress is not None else None
    if step is None:
        yield
        return
    with step(name, detail):
        yield


async def _failure_artifacts(page, request: ProvisionRequest, secrets: SecretSet, result: ProvisionResult,  # noqa: ANN001
                             session: FlowSession | None) -> list[str]:
    if page is None or request.artifacts_dir is None:
        return []
    saved = await save_failure_artifacts_async(page, request.artifacts_dir, secrets,
                                               mask=session.sensitive if session is not None else ())
    result.artifacts += saved
    return saved


async def save_failure_artifacts_async(page, out_dir: str | os.PathLike, secrets: SecretSet,  # noqa: ANN001
                                       name: str = "failure", mask: Sequence = ()) -> list[str]:
    """The async twin of browser.save_failure_artifacts: screenshot (password inputs and `mask`, the boxes that may
    show a secret, covered), HTML with secrets replaced; both 0600. Best effort: a dead page must not hide the
    original error."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    screenshot = out / f"{name}.png"
    try:
        masks = [page.locator("input[type=password]"), *(m for m in mask if m.page is page)]
        png = await page.screenshot(full_page=True, mask=masks, timeout=10_000)
        write_private(screenshot, png)
        saved.append(str(screenshot))
    except Exception:  # noqa: BLE001 - best effort
        pass
    html_path = out / f"{name}.html"
    try:
        html = await page.content()
        write_private(html_path, secrets.mask(blank_password_values(html)).encode("utf-8"))
        saved.append(str(html_path))
    except Exception:  # noqa: BLE001 - best effort
        pass
    return saved


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
