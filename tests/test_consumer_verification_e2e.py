"""Identity verification in front of the consumer key and secret, end to end: real Chromium, the simulated org, the
login and reveal flows. An admin with an authenticator is asked for its code and mailed nothing (the default
variant); one without gets the emailed code (the email-admin variant); both app kinds. Refused codes: an already used
authenticator code waits for the next step and tries once more; the attempts-exceeded lock stops at once, with its
own exit code, and the nightly job does not retry it."""

from __future__ import annotations

import asyncio
import io
import random
import textwrap
import time
from dataclasses import dataclass

import pyotp
import pytest

from provisioner.config import OrgSettings, mailbox_settings_from
from provisioner.errors import ConfigError, TotpRejectedError, VerificationLockedError
from provisioner.flows import identity
from provisioner.flows.connected_app_consumer_details import reveal as reveal_connected_app
from provisioner.flows.consumer_details import reveal as reveal_eca
from provisioner.flows.login import log_in
from provisioner.flows.session import FlowSession, Timeouts
from provisioner.flows.types import AppRef
from provisioner.job.events import JobEvents
from provisioner.job.inventory import load_inventory
from provisioner.job.runner import JobRunner, RunOptions
from provisioner.mail import CodeWaiter
from provisioner.one_org import OrgOutcome
from provisioner.sim import paths
from provisioner.sim.model import ExternalClientApp
from provisioner.sim.pages.parts import verification_codes

from .support.async_browser import run_async, with_browser, with_page

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)
ECA = "/lightning/setup/ManageExternalClientApplication"


def seed_app(handle, kind: str) -> tuple[ExternalClientApp, AppRef]:
    """An app already in the org, as a first run leaves it, and where the flow finds it."""
    org = handle.org
    connected = kind == "connected_app"
    app = ExternalClientApp(
        id=org.ids.sf_id("0H4" if connected else "0xI"), name="CI JWT", api_name="CI_JWT",
        contact_email=handle.admin.username, oauth_enabled=True, callback_urls=["http://localhost:1717/OauthRedirect"],
        scopes=["api", "refresh_token offline_access"], consumer_key="3MVG9seeded" + org.ids.token(40),
        consumer_secret=org.ids.token(64, "0123456789ABCDEF"), kind=kind,
        definition_id=org.ids.sf_id("06P") if connected else "")
    with org.lock:
        org.apps[app.id] = app
    url = (handle.base_url + paths.in_lightning(f"{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}")
           if connected else f"{handle.base_url}{ECA}/{app.id}/view")
    return app, AppRef(app.name, app.api_name, url)


class NoMailWanted:
    """A mailbox that may listen but must never be waited on: nothing is mailed to an admin with an authenticator."""

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        return None

    def wait(self, timeout_s: float) -> str:
        raise AssertionError("the flow waited for mail, but Salesforce asked for the authenticator code")


def mailbox_waiter(info: dict):  # noqa: ANN201
    settings = mailbox_settings_from(host=info["imap_host"], port=int(info["imap_port"]), user=info["imap_user"],
                                     password=info["imap_password"], ssl=bool(info["imap_ssl"]))
    return lambda purpose: CodeWaiter(settings, recipient=info["email"], username=info["username"])


def org_settings(info: dict) -> OrgSettings:
    return OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                       totp_secret=info["totp_secret"])


@dataclass
class Run:
    credentials: object = None
    error: BaseException | None = None
    session: FlowSession | None = None


async def log_in_and_reveal(page, handle, ref: AppRef, *, code_waiter, before_reveal=None) -> Run:  # noqa: ANN001
    session = FlowSession(page=page, timeouts=FAST, code_waiter=code_waiter)
    run = Run(session=session)
    await log_in(session, org_settings(handle.info()))
    if before_reveal is not None:
        prepared = before_reveal(session)
        if asyncio.iscoroutine(prepared):
            await prepared
    reveal = reveal_connected_app if "forceconnectedapps" in ref.url or "ConnectedApplication" in ref.url \
        else reveal_eca
    try:
        run.credentials = await reveal(session, ref)
    except Exception as exc:  # noqa: BLE001 - the test judges it
        run.error = exc
    return run


def events(handle, kind: str, **match) -> list[dict]:
    with handle.org.lock:
        return [e for e in handle.org.events if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())]


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_an_admin_with_an_authenticator_is_asked_for_its_code_and_mailed_nothing(sim_factory, kind):
    handle = sim_factory(mail="embedded")  # the default variant: the admin has an authenticator app
    app, ref = seed_app(handle, kind)
    run = with_page(lambda page: log_in_and_reveal(page, handle, ref, code_waiter=lambda purpose: NoMailWanted()))
    assert run.error is None, run.error
    assert (run.credentials.consumer_key, run.credentials.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert events(handle, "consumer_details_viewed", method="totp")
    assert not events(handle, "verification_code_sent", purpose="consumer-details")
    assert app.consumer_secret in list(run.session.secrets)  # masked from the moment it was read


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_an_admin_without_an_authenticator_gets_the_emailed_code(sim_factory, kind):
    handle = sim_factory(mail="embedded", variant="email-admin")
    app, ref = seed_app(handle, kind)
    run = with_page(lambda page: log_in_and_reveal(page, handle, ref, code_waiter=mailbox_waiter(handle.info())))
    assert run.error is None, run.error
    assert (run.credentials.consumer_key, run.credentials.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert events(handle, "verification_code_sent", purpose="consumer-details")
    assert events(handle, "consumer_details_viewed", method="email")


def test_an_authenticator_prompt_without_a_totp_secret_is_one_line_naming_the_setting(sim_factory):
    handle = sim_factory(mail="embedded")
    _, ref = seed_app(handle, "external_client_app")
    run = with_page(lambda page: log_in_and_reveal(
        page, handle, ref, code_waiter=None,
        before_reveal=lambda session: identity.remember_authenticator(session, None)))
    assert isinstance(run.error, ConfigError)
    assert "SALESFORCE_TOTP_SECRET" in str(run.error) and "\n" not in str(run.error)


def test_an_emailed_code_prompt_without_a_mailbox_is_one_line_naming_the_settings(sim_factory):
    handle = sim_factory(mail="embedded", variant="email-admin")
    _, ref = seed_app(handle, "connected_app")
    run = with_page(lambda page: log_in_and_reveal(page, handle, ref, code_waiter=None))
    assert isinstance(run.error, ConfigError) and "IMAP_HOST" in str(run.error)


def test_an_already_used_authenticator_code_waits_for_the_next_step_and_tries_once_more(sim_factory):
    handle = sim_factory(mail="embedded")
    app, ref = seed_app(handle, "external_client_app")
    started: list[float] = []

    async def someone_used_this_step(session):  # noqa: ANN001 - another run's login took the current code
        if 30 - time.time() % 30 < 10:  # room for the reveal to start within this step (a computed wait)
            await asyncio.sleep(30 - time.time() % 30)
        started.append(time.time())
        totp = pyotp.TOTP(handle.info()["totp_secret"])
        verification_codes.check(handle.org, handle.admin.username, "totp", "login", totp.now())  # used (now or by ours)
        identity.remember_authenticator(session, handle.info()["totp_secret"])  # a fresh memory: it does not know

    run = with_page(lambda page: log_in_and_reveal(page, handle, ref, code_waiter=None,
                                                   before_reveal=someone_used_this_step))
    assert run.error is None, run.error
    assert run.credentials.consumer_secret == app.consumer_secret
    assert len(events(handle, "totp_code_reused")) >= 1
    assert time.time() - started[0] < 30 + 20  # one step's wait, not a fixed long sleep


def test_a_wrong_authenticator_secret_is_refused_twice_then_named(sim_factory):
    handle = sim_factory(mail="embedded")
    _, ref = seed_app(handle, "connected_app")
    run = with_page(lambda page: log_in_and_reveal(
        page, handle, ref, code_waiter=None,
        before_reveal=lambda session: identity.remember_authenticator(session, pyotp.random_base32())))
    assert isinstance(run.error, TotpRejectedError)
    assert "SALESFORCE_TOTP_SECRET" in str(run.error) and "Invalid or expired verification code" in str(run.error)
    assert len(events(handle, "verification_code_refused", purpose="consumer-details")) == 2


def lock_the_admin(handle) -> None:
    """Earlier runs typed wrong codes until Salesforce locked the admin's identity verification."""
    for _ in range(handle.org.config.verification_attempts):
        verification_codes.check(handle.org, handle.admin.username, "totp", "consumer-details", "000000")
    assert verification_codes.is_locked(handle.org, handle.admin.username)


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_attempts_exceeded_stops_at_once_with_its_own_error(sim_factory, kind):
    handle = sim_factory(mail="embedded")
    _, ref = seed_app(handle, kind)
    run = with_page(lambda page: log_in_and_reveal(page, handle, ref, code_waiter=None,
                                                   before_reveal=lambda session: lock_the_admin(handle)))
    assert isinstance(run.error, VerificationLockedError), run.error
    assert run.error.exit_code == VerificationLockedError.exit_code and not run.error.transient
    assert "The allowed number of attempts has been exceeded" in str(run.error) and "hour" in str(run.error)
    assert len(events(handle, "verification_refused_locked")) == 1  # one code entered, no second try


def test_a_locked_admin_is_told_so_at_login_after_one_code(sim_factory):
    handle = sim_factory(mail="embedded")
    lock_the_admin(handle)

    async def scenario(page):  # noqa: ANN001
        session = FlowSession(page=page, timeouts=FAST)
        with pytest.raises(VerificationLockedError) as failure:
            await log_in(session, org_settings(handle.info()))
        return failure.value

    error = with_page(scenario)
    assert "login" in str(error) and "allowed number of attempts" in str(error)
    assert len(events(handle, "verification_refused_locked")) == 1


def test_the_nightly_job_does_not_retry_an_attempts_exceeded_lock(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    _, ref = seed_app(handle, "external_client_app")
    (tmp_path / "app.toml").write_text('name = "CI JWT"\n')
    (tmp_path / "inventory.toml").write_text(textwrap.dedent(f"""
        [defaults]
        spec = "app.toml"
        [[org]]
        name = "locked"
        login_url = "{handle.login_url}"
        username = "{handle.admin.username}"
        password_env = "PW"
        """))
    inventory = load_inventory(tmp_path / "inventory.toml")
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def work(browser, org, events_, deadline) -> OrgOutcome:  # noqa: ANN001 - one attempt: the real flows
        context = await browser.new_context()
        try:
            run = await log_in_and_reveal(await context.new_page(), handle, ref, code_waiter=None,
                                          before_reveal=lambda session: lock_the_admin(handle))
        finally:
            await context.close()
        raise run.error or AssertionError("the locked admin saw the consumer details")

    runner = JobRunner(inventory, RunOptions(concurrency=1, budget_seconds=300, retries=3), work=work,
                       events=JobEvents(stream=io.StringIO()), sleep=fake_sleep, rng=random.Random(1))
    report = run_async(runner.run)
    (result,) = report.orgs
    assert result.status == "failed" and result.attempts == 1 and sleeps == []
    assert result.exit_code == VerificationLockedError.exit_code and result.error == "VerificationLockedError"
    assert "allowed number of attempts" in result.cause


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_a_failure_in_the_secret_moment_leaves_no_secret_in_the_failure_artifacts(sim_factory, tmp_path,
                                                                                   monkeypatch, kind):
    """The key was read, the secret could not be: the flow fails with the values on screen. What provision saves on
    a failure (screenshot and HTML) holds neither the secret nor the code typed."""
    from provisioner.errors import SetupPageError
    from provisioner.flows import connected_app_consumer_details, consumer_details
    from provisioner.provision import save_failure_artifacts_async

    module = consumer_details if kind == "external_client_app" else connected_app_consumer_details
    real_read = module._read

    async def unreadable_secret(value, what):  # noqa: ANN001
        if what == "Consumer Secret":
            raise SetupPageError("could not read the Consumer Secret from the page")
        return await real_read(value, what)

    monkeypatch.setattr(module, "_read", unreadable_secret)
    handle = sim_factory(mail="embedded")
    app, ref = seed_app(handle, kind)

    async def scenario(page):  # noqa: ANN001
        run = await log_in_and_reveal(page, handle, ref, code_waiter=None)
        saved = await save_failure_artifacts_async(page, tmp_path / "artifacts", run.session.secrets,
                                                   mask=run.session.sensitive)
        return run, saved

    run, saved = with_page(scenario)
    assert isinstance(run.error, SetupPageError)
    assert {p.rsplit("/", 1)[-1] for p in saved} == {"failure.png", "failure.html"}
    for path in saved:
        data = open(path, "rb").read()
        assert app.consumer_secret.encode() not in data
    assert events(handle, "consumer_details_viewed")  # the values were on screen when it failed
