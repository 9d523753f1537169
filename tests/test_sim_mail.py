"""Verification mail: composed like Salesforce's, delivered over real SMTP into a real IMAP server, and the
emailed-code login challenge in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from provisioner.sim.paths import EMAIL_FINISH as EMAIL_FINISH_PATH
from tests.support.sim_fixture import code_from, inspect_api, wait_for_mail


def login_to_email_challenge(sim, page) -> None:
    info = sim.info()
    page.goto(sim.login_url)
    page.locator("#username").fill(info["username"])
    page.locator("#password").fill(info["password"])
    page.locator("#Login").click()
    expect(page).to_have_url(re.compile(re.escape(EMAIL_FINISH_PATH)))


def test_verification_mail_format(sim):
    sim.org.issue_code(sim.info()["username"], "login")
    _, message = wait_for_mail(sim.info())
    assert message["Subject"] == "Verify your identity in Salesforce"
    assert message["From"] == "Salesforce <noreply@salesforce.com>"
    assert message["To"] == "admin@acme.example"
    assert message["Date"] and message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p["Content-Transfer-Encoding"] == "quoted-printable" for p in parts)
    text = parts[0].get_content()
    assert re.search(r"Verification Code: \d{6}", text)
    assert "admin@acme.example" in text and "Acme Corporation" in text and "Jane" in text


def test_sandbox_mail_subject(sim_factory):
    sim = sim_factory(sandbox_name="qa")
    sim.org.issue_code(sim.info()["username"], "login")
    _, message = wait_for_mail(sim.info())
    assert message["Subject"] == "Sandbox: Verify your identity in Salesforce"
    assert "admin@acme.example.qa" in code_and_text(message)[1]


def code_and_text(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    return code_from(message), text


@pytest.mark.e2e
def test_emailed_code_challenge(sim_factory, page):
    sim = sim_factory(admin_totp=False, unrecognised_device=True)
    login_to_email_challenge(sim, page)
    expect(page).to_have_title("Verify Your Identity | Salesforce")
    form = page.locator("form#editPage")
    for hidden in ("_CONFIRMATIONTOKEN", "vcsrf", "vpol", "vflid", "retURL"):
        expect(form.locator(f"input[type=hidden][name={hidden}]")).to_have_count(1)
    expect(page.get_by_text("Enter the verification code we emailed to ad****@**me.example.")).to_be_visible()
    expect(page.locator("#emc")).to_have_attribute("maxlength", "6")
    expect(page.locator("#save")).to_have_value("Verify")

    _, message = wait_for_mail(sim.info())
    page.locator("#emc").fill(code_from(message))
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/setup/SetupOneHome/home"))

    # This browser is now recognised: the next login asks for no code.
    page.goto(sim.base_url + "/secur/logout.jsp")
    page.locator("#username").fill(sim.info()["username"])
    page.locator("#password").fill(sim.info()["password"])
    page.locator("#Login").click()
    expect(page).to_have_url(re.compile(r"/lightning/"))


@pytest.mark.e2e
def test_resend_code_invalidates_the_old_one(sim_factory, page):
    sim = sim_factory(admin_totp=False, unrecognised_device=True)
    login_to_email_challenge(sim, page)
    first_uid, first = wait_for_mail(sim.info())
    page.get_by_role("link", name="Resend Code").click()
    expect(page).to_have_url(re.compile(re.escape(EMAIL_FINISH_PATH)))
    _, second = wait_for_mail(sim.info(), after_uid=first_uid)
    old_code, new_code = code_from(first), code_from(second)
    assert old_code != new_code

    page.locator("#emc").fill(old_code)
    page.locator("#save").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(EMAIL_FINISH_PATH)))

    page.locator("#emc").fill(new_code)
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/"))


@pytest.mark.e2e
def test_tampered_hidden_token_is_refused(sim_factory, page):
    sim = sim_factory(admin_totp=False, unrecognised_device=True)
    login_to_email_challenge(sim, page)
    _, message = wait_for_mail(sim.info())
    page.locator("input[name=vcsrf]").evaluate("el => el.value = 'forged'")
    page.locator("#emc").fill(code_from(message))
    page.locator("#save").click()
    expect(page.locator("#errorDesc")).to_contain_text("invalid for your session")
    assert inspect_api(sim, "/state")["sessions"] == 0


def test_two_sims_in_one_process_keep_their_own_state_and_mail(sim_factory):
    first, second = sim_factory(seed=1), sim_factory(seed=1, sandbox_name="uat")
    assert first.base_url != second.base_url and first.inspect_url != second.inspect_url
    assert first.info()["imap_port"] != second.info()["imap_port"]
    second.org.issue_code(second.info()["username"], "login")
    _, message = wait_for_mail(second.info())
    assert message["Subject"].startswith("Sandbox: ")
    assert inspect_api(first, "/state")["codes_issued"] == 0
    with pytest.raises(AssertionError):
        wait_for_mail(first.info(), timeout=1)
