"""The login flow against the simulated org's login pages, in real Chromium (async Playwright)."""

from __future__ import annotations

import pyotp
import pytest

from provisioner.flows.login import log_in
from provisioner.flows.session import FlowSession, Timeouts
from provisioner.config import OrgSettings
from provisioner.errors import (AccountLockedError, ConfigError, LoginError, OrgUnavailableError, TotpRejectedError,
                                UnknownChallengeError)
from provisioner.mail import CodeWaiter

from .support.async_browser import with_page
from .support.sim_fixture import inspect_api

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=15_000, mail_s=30, settle_ms=15_000)


def org_settings(handle, **override) -> OrgSettings:
    info = handle.info()
    values = dict(login_url=info["login_url"], username=info["username"], password=info["password"],
                  totp_secret=info["totp_secret"])
    values.update(override)
    return OrgSettings(**values)


def login(org: OrgSettings, code_waiter=None) -> tuple[str, str]:  # noqa: ANN001
    async def scenario(page):  # noqa: ANN001
        session = FlowSession(page=page, timeouts=FAST, code_waiter=code_waiter)
        instance_url = await log_in(session, org)
        return instance_url, page.url

    return with_page(scenario)


def test_login_answers_the_totp_challenge(sim):
    instance_url, landed = login(org_settings(sim))
    assert instance_url == sim.base_url
    assert "/lightning/" in landed


def test_login_reads_the_emailed_code_from_the_mailbox(sim_factory, mailbox):
    handle = sim_factory(mail=f"lmtp://{mailbox.imap_host}:{mailbox.lmtp_port}", admin_totp=False,
                         unrecognised_device=True, admin_email=mailbox.address)
    settings = mailbox.settings()
    _, landed = login(org_settings(handle, totp_secret=None),
                      code_waiter=lambda purpose: CodeWaiter(settings, recipient=mailbox.address))
    assert "/lightning/" in landed
    assert any(e["kind"] == "verification_code_sent" for e in handle.org.events)


def test_wrong_password_is_a_login_error_with_the_page_text(sim):
    with pytest.raises(LoginError) as failure:
        login(org_settings(sim, password="not-the-password"))
    assert "Please check your username and password" in str(failure.value)
    assert "not-the-password" not in str(failure.value)


def test_wrong_totp_secret_is_rejected(sim):
    with pytest.raises(TotpRejectedError):
        login(org_settings(sim, totp_secret=pyotp.random_base32()))


def test_maintenance_page_is_a_transient_org_unavailable_error(sim):
    inspect_api(sim, "/faults", {"maintenance": True})
    with pytest.raises(OrgUnavailableError) as failure:
        login(org_settings(sim))
    assert failure.value.transient


def test_locked_account_is_named_as_locked_not_as_a_wrong_password(sim):
    inspect_api(sim, f"/users/{sim.admin.username}", {"locked": True})
    with pytest.raises(AccountLockedError) as failure:
        login(org_settings(sim))
    assert not failure.value.transient  # retrying a locked account only keeps it locked


def test_an_emailed_code_challenge_without_a_mailbox_is_a_clear_error(sim_factory):
    handle = sim_factory(mail="embedded", admin_totp=False, unrecognised_device=True)
    with pytest.raises(ConfigError, match="IMAP"):
        login(org_settings(handle, totp_secret=None))


# --- login variants real orgs show ---------------------------------------------------------------------

def test_two_step_my_domain_login_answers_the_totp_challenge(sim_factory):
    handle = sim_factory(login_style="two_step")
    instance_url, landed = login(org_settings(handle))
    assert instance_url == handle.base_url
    assert "/lightning/" in landed


def test_two_step_login_with_a_wrong_password_is_a_login_error_with_the_page_text(sim_factory):
    handle = sim_factory(login_style="two_step")
    with pytest.raises(LoginError) as failure:
        login(org_settings(handle, password="not-the-password"))
    assert "Please check your username and password" in str(failure.value)
    assert "not-the-password" not in str(failure.value)


def test_phone_registration_interstitial_is_skipped(sim_factory):
    handle = sim_factory(phone_registration_prompt=True)  # after the TOTP challenge
    _, landed = login(org_settings(handle))
    assert "/lightning/" in landed
    kinds = [e["kind"] for e in handle.org.events]
    assert "phone_registration_declined" in kinds and "phone_registered" not in kinds


def test_an_sms_challenge_is_an_unknown_challenge_error_in_one_clear_line(sim_factory):
    handle = sim_factory(admin_mfa="sms")
    settings = org_settings(handle)
    with pytest.raises(UnknownChallengeError) as failure:
        login(settings)
    message = str(failure.value)
    assert failure.value.exit_code == 13
    assert "SMS" in message and "\n" not in message
    with handle.org.lock:
        sms_code = handle.org.codes[-1].code
    assert settings.password not in message and sms_code not in message
