"""The simulated login as a browser sees it: real Chromium against the simulated org."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from provisioner.sim.pages_login import LOCKED_OUT, TOTP_PATH, WRONG_CREDENTIALS
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
    expect(page.locator("#error")).to_contain_text("isn't valid")
    expect(page).to_have_url(re.compile(re.escape(TOTP_PATH)))
    assert inspect_api(sim, "/state")["sessions"] == 0


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
