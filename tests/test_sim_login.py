"""The simulated login as a browser sees it: real Chromium against the simulated org."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from provisioner.sim.messages import (ATTEMPTS_EXCEEDED, INVALID_OR_EXPIRED_CODE, INVALID_PHONE, LOCKED_OUT,
                                      WRONG_CREDENTIALS)
from provisioner.sim.pages.parts import verification_codes
from provisioner.sim.paths import PHONE as PHONE_PATH
from provisioner.sim.paths import SMS as SMS_PATH
from provisioner.sim.paths import TOTP as TOTP_PATH
from tests.support.sim_fixture import inspect_api

pytestmark = pytest.mark.e2e

WRONG_TEXT = ("Please check your username and password. If you still can't log in, contact your Salesforce "
              "administrator.")


def submit_login(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#Login").click()


def test_login_page_has_the_real_form(sim, page):
    page.goto(sim.login_url)
    expect(page.locator("#username")).to_have_attribute("name", "username")
    expect(page.locator("#password")).to_have_attribute("name", "pw")
    expect(page.locator("#Login")).to_have_attribute("name", "Login")
    expect(page.locator("#Login")).to_have_value("Log In")
    expect(page.locator("#error")).to_be_hidden()


def test_login_with_totp_lands_in_setup(sim, page):
    info = sim.info()
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(re.escape(TOTP_PATH)))
    expect(page.locator("#tc")).to_have_attribute("maxlength", "6")
    page.locator("#tc").fill(pyotp.TOTP(info["totp_secret"]).now())
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/setup/SetupOneHome/home"))
    assert inspect_api(sim, "/state")["sessions"] == 1


def test_wrong_totp_code_is_refused(sim, page):
    info = sim.info()
    submit_login(page, sim.login_url, info["username"], info["password"])
    good = pyotp.TOTP(info["totp_secret"]).now()
    page.locator("#tc").fill(f"{(int(good) + 500000) % 1000000:06d}")
    page.locator("#save").click()
    expect(page.locator("#error")).to_have_text(INVALID_OR_EXPIRED_CODE)
    expect(page).to_have_url(re.compile(re.escape(TOTP_PATH)))
    assert inspect_api(sim, "/state")["sessions"] == 0


def test_a_totp_code_is_good_once(sim, page):
    """A second login with the code the first one used (same 30 s step) is refused (RFC 6238 section 5.2)."""
    info = sim.info()
    totp = pyotp.TOTP(info["totp_secret"])
    step = int(time.time()) // 30
    code = totp.at(step * 30)
    submit_login(page, sim.login_url, info["username"], info["password"])
    page.locator("#tc").fill(code)
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/"))
    page.context.clear_cookies()
    submit_login(page, sim.login_url, info["username"], info["password"])
    page.locator("#tc").fill(code)
    page.locator("#save").click()
    expect(page.locator("#error")).to_have_text(INVALID_OR_EXPIRED_CODE)
    # the code of a later step than the used one is good (the sim accepts one step of drift)
    page.locator("#tc").fill(totp.at((step + 1) * 30))
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/"))


def test_too_many_wrong_authenticator_codes_lock_verification(sim_factory, page):
    """The wrong code that reaches the limit answers the help article's text, and the user stays locked: even the
    right code is refused on the next login, until the lock is lifted."""
    sim = sim_factory()
    sim.org.config.verification_attempts = 3
    info = sim.info()
    totp = pyotp.TOTP(info["totp_secret"])
    wrong = f"{(int(totp.now()) + 500000) % 1000000:06d}"
    submit_login(page, sim.login_url, info["username"], info["password"])
    for _ in range(2):
        page.locator("#tc").fill(wrong)
        page.locator("#save").click()
        expect(page.locator("#error")).to_have_text(INVALID_OR_EXPIRED_CODE)
    page.locator("#tc").fill(wrong)
    page.locator("#save").click()
    expect(page.locator("#error")).to_have_text(ATTEMPTS_EXCEEDED)
    submit_login(page, sim.login_url, info["username"], info["password"])
    page.locator("#tc").fill(totp.now())
    page.locator("#save").click()
    expect(page.locator("#error")).to_have_text(ATTEMPTS_EXCEEDED)
    verification_codes.unlock(sim.org, info["username"])
    submit_login(page, sim.login_url, info["username"], info["password"])
    page.locator("#tc").fill(totp.at(int(time.time()) + 30))  # a step not used yet
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/"))


def test_login_without_totp_goes_straight_in(sim_factory, page):
    sim = sim_factory(admin_totp=False)
    info = sim.info()
    assert info["totp_secret"] is None
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(r"/lightning/setup/SetupOneHome/home"))


def test_wrong_password_shows_the_salesforce_error(sim, page):
    info = sim.info()
    submit_login(page, sim.login_url, info["username"], info["password"] + "x")
    error = page.locator("div#error.loginError")
    expect(error).to_be_visible()
    expect(error).to_contain_text(WRONG_TEXT)
    assert error.inner_text().strip() == WRONG_CREDENTIALS
    expect(page.locator("#username")).to_have_value(info["username"])


def test_too_many_failures_lock_the_account(sim_factory, page):
    sim = sim_factory(admin_totp=False, lockout_attempts=3)
    info = sim.info()
    for _ in range(2):
        submit_login(page, sim.login_url, info["username"], "wrong-password-1")
        expect(page.locator("#error")).to_contain_text(WRONG_TEXT)
    submit_login(page, sim.login_url, info["username"], "wrong-password-1")
    expect(page.locator("#error")).to_have_text(LOCKED_OUT)
    # Even the right password is refused while locked.
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page.locator("#error")).to_have_text(LOCKED_OUT)
    # An admin unlocks the user; the login works again.
    inspect_api(sim, f"/users/{info['username']}", {"locked": False})
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(r"/lightning/"))


def test_setup_without_session_redirects_to_login_and_back(sim_factory, page):
    sim = sim_factory(admin_totp=False)
    info = sim.info()
    target = "/lightning/setup/ManageExternalClientApplication/home"
    page.goto(sim.base_url + target)
    expect(page).to_have_url(re.compile(r"/\?ec=302&startURL=%2Flightning%2Fsetup%2FManageExternalClientApplication"))
    page.locator("#username").fill(info["username"])
    page.locator("#password").fill(info["password"])
    page.locator("#Login").click()
    expect(page).to_have_url(sim.base_url + target)


def test_logout_ends_the_session(sim_factory, page):
    sim = sim_factory(admin_totp=False)
    info = sim.info()
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(r"/lightning/"))
    page.goto(sim.base_url + "/secur/logout.jsp")
    page.goto(sim.base_url + "/lightning/setup/SetupOneHome/home")
    expect(page).to_have_url(re.compile(r"ec=302"))


def test_sandbox_login_page_and_username(sim_factory, page):
    sim = sim_factory(sandbox_name="uat", admin_totp=False)
    info = sim.info()
    assert info["username"].endswith(".uat") and info["sandbox"] is True
    page.goto(sim.login_url)
    expect(page.locator("#Login")).to_have_value("Log In to Sandbox")
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(r"/lightning/"))


def test_maintenance_and_server_error_faults(sim, page):
    inspect_api(sim, "/faults", {"maintenance": True})
    page.goto(sim.login_url)
    expect(page).to_have_url(re.compile(r"/msg/maintenanceandavailable\.jsp"))
    inspect_api(sim, "/faults", {"maintenance": False, "server_error": True})
    response = page.goto(sim.login_url)
    assert response.status == 500
    expect(page.get_by_text("An internal server error has occurred")).to_be_visible()
    inspect_api(sim, "/faults", {"server_error": False})
    page.goto(sim.login_url)
    expect(page.locator("#Login")).to_be_visible()


# --- login variants real orgs show: My Domain two-step login, SMS challenge, phone registration ----------

def latest_code(sim, purpose: str) -> str:
    """The newest code of a purpose; SMS codes are never sent anywhere, so tests read them from the org."""
    with sim.org.lock:
        return [c for c in sim.org.codes if c.purpose == purpose][-1].code


def test_two_step_login_asks_for_the_password_on_a_second_page(sim_factory, page):
    sim = sim_factory(login_style="two_step")
    info = sim.info()
    page.goto(sim.login_url)
    expect(page.locator("#password")).to_have_count(0)
    page.locator("#username").fill(info["username"])
    page.locator("#Login").click()
    # The second page: the username as an identity card, the password, and the same #Login button.
    expect(page.locator("#idcard-identity")).to_have_text(info["username"])
    expect(page.get_by_role("link", name="Not you?")).to_be_visible()
    expect(page.locator("#Login")).to_have_value("Log In")
    page.locator("#password").fill(info["password"] + "x")
    page.locator("#Login").click()
    expect(page.locator("#error")).to_have_text(WRONG_CREDENTIALS)
    expect(page.locator("#idcard-identity")).to_have_text(info["username"])
    # The password page is tied to the username page server-side: a forged step token is refused.
    page.locator("input[name=loginStep]").evaluate("e => e.value = 'forged'")
    page.locator("#password").fill(info["password"])
    page.locator("#Login").click()
    expect(page.get_by_text("The page you submitted was invalid for your session")).to_be_visible()
    # Start again: the right password leads to the authenticator challenge, as on the classic page.
    page.goto(sim.login_url)
    page.locator("#username").fill(info["username"])
    page.locator("#Login").click()
    page.locator("#password").fill(info["password"])
    page.locator("#Login").click()
    expect(page).to_have_url(re.compile(re.escape(TOTP_PATH)))


def test_sms_challenge_asks_for_a_code_the_sim_never_sends(sim_factory, page):
    sim = sim_factory(admin_mfa="sms")
    info = sim.info()
    assert info["totp_secret"] is None
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(re.escape(SMS_PATH)))
    expect(page.locator("#smc")).to_have_attribute("maxlength", "6")
    expect(page.get_by_text(re.compile(r"we sent to \(\*\*\*\) \*\*\*-\*\*\d\d"))).to_be_visible()
    code = latest_code(sim, "sms-login")
    page.locator("#smc").fill(f"{(int(code) + 1) % 1000000:06d}")
    page.locator("#save").click()
    expect(page.locator("#error")).to_contain_text("isn't valid")
    page.locator("#smc").fill(code)
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/setup/SetupOneHome/home"))
    assert not any(e["kind"] == "verification_code_sent" for e in sim.org.events)  # no mail for an SMS code


def test_phone_registration_prompt_can_be_declined(sim_factory, page):
    sim = sim_factory(admin_totp=False, phone_registration_prompt=True)
    info = sim.info()
    submit_login(page, sim.login_url, info["username"], info["password"])
    expect(page).to_have_url(re.compile(re.escape(PHONE_PATH)))
    expect(page.locator("div#header")).to_have_text("Register Your Mobile Phone")
    page.get_by_role("link", name="I Don't Want to Register My Phone").click()
    expect(page).to_have_url(re.compile(r"/lightning/setup/SetupOneHome/home"))
    assert sim.admin.phone_registration_prompt  # declining does not stop the prompt


def test_registering_a_phone_proves_it_with_an_sms_code(sim_factory, page):
    sim = sim_factory(admin_totp=False, phone_registration_prompt=True)
    info = sim.info()
    submit_login(page, sim.login_url, info["username"], info["password"])
    # Setup stays closed while the interstitial is pending.
    page.goto(sim.base_url + "/lightning/setup/SetupOneHome/home")
    expect(page).to_have_url(re.compile(r"ec=302"))
    page.goto(sim.base_url + PHONE_PATH)
    page.get_by_label("Mobile Phone").fill("12")
    page.locator("#save").click()
    expect(page.locator("#error")).to_have_text(INVALID_PHONE)
    page.get_by_label("Mobile Phone").fill("415 555 0199")
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(re.escape(SMS_PATH)))
    expect(page.get_by_text(re.compile(r"\*\*99\."))).to_be_visible()
    page.locator("#smc").fill(latest_code(sim, "phone-registration"))
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/lightning/setup/SetupOneHome/home"))
    assert sim.admin.mobile_phone == "415 555 0199" and not sim.admin.phone_registration_prompt
