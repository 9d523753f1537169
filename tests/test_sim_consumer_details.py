"""The simulated org's identity verification in front of the consumer key and secret, driven by hand in real
Chromium: the method is the admin's strongest registered one (the authenticator app's code, nothing mailed; else an
emailed code), and refused codes answer with the help articles' texts, up to the attempts-exceeded lock."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from provisioner.sim import paths
from provisioner.sim.messages import (ATTEMPTS_EXCEEDED, CLASSIC_WORDING, INVALID_OR_EXPIRED_CODE, REQUIRED,
                                      TOTP_PROMPT)
from provisioner.sim.model import ExternalClientApp
from provisioner.sim.pages.parts import verification_codes

pytestmark = pytest.mark.e2e

ECA = "/lightning/setup/ManageExternalClientApplication"


def logged_in(page, handle) -> None:
    """A full session cookie, as a finished login leaves it (no authenticator code used yet)."""
    session = handle.org.new_session(handle.admin.username, None)
    page.context.add_cookies([{"name": "sid", "value": session.id, "url": handle.base_url}])


def seed(handle, kind: str) -> ExternalClientApp:
    org = handle.org
    connected = kind == "connected_app"
    app = ExternalClientApp(id=org.ids.sf_id("0H4" if connected else "0xI"), name="CI JWT", api_name="CI_JWT",
                            contact_email=handle.admin.username, oauth_enabled=True, scopes=["api"],
                            consumer_key="3MVG9" + org.ids.token(40), consumer_secret=org.ids.token(64, "0123456789ABCDEF"),
                            kind=kind, definition_id=org.ids.sf_id("06P") if connected else "")
    with org.lock:
        org.apps[app.id] = app
    return app


def open_prompt(page, handle, app: ExternalClientApp):  # noqa: ANN201 - where the prompt is (page or frame)
    if app.kind == "connected_app":
        page.goto(f"{handle.base_url}{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}")
        page.get_by_role("button", name="Manage Consumer Details").click()
    else:
        page.goto(f"{handle.base_url}{ECA}/{app.id}/consumerDetails")
    expect(page.get_by_role("heading", name="Verify Your Identity").first).to_be_visible()
    return page


def submit(page, code: str) -> None:
    page.get_by_label("Verification Code").fill(code)
    page.get_by_role("button", name="Verify").click()


def error_shown(page, app: ExternalClientApp, text: str) -> None:
    if app.kind == "connected_app":
        expect(page.locator("#error")).to_have_text(text)
    else:
        expect(page.get_by_text(text)).to_be_visible()
        expect(page.get_by_label("Verification Code")).to_have_attribute("aria-invalid", "true")


def consumer_mails(handle) -> list[dict]:
    return [e for e in handle.org.events if e["kind"] == "verification_code_sent" and e["purpose"] == "consumer-details"]


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_an_admin_with_an_authenticator_is_asked_for_its_code(sim_factory, page, kind):
    handle = sim_factory()
    app = seed(handle, kind)
    logged_in(page, handle)
    open_prompt(page, handle, app)
    expect(page.get_by_text(TOTP_PROMPT)).to_be_visible()
    expect(page.get_by_role("button", name="Resend Code").or_(page.get_by_role("link", name="Resend Code"))) \
        .to_have_count(0)  # nothing was sent, so nothing to send again
    assert consumer_mails(handle) == []
    totp = pyotp.TOTP(handle.info()["totp_secret"])
    submit(page, f"{(int(totp.now()) + 1) % 1_000_000:06d}")
    error_shown(page, app, INVALID_OR_EXPIRED_CODE)
    used = totp.now()
    submit(page, used)
    expect(page.get_by_text(app.consumer_secret)).to_be_visible()
    # the same code a second time (a second verification within its 30 s): refused, it was used
    with handle.org.lock:
        handle.org.consumer_grants.clear()
    open_prompt(page, handle, app)
    submit(page, used)
    error_shown(page, app, INVALID_OR_EXPIRED_CODE)


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_an_admin_without_one_gets_an_emailed_code_and_an_old_code_is_invalid_or_expired(sim_factory, page, kind):
    handle = sim_factory(variant="email-admin")
    app = seed(handle, kind)
    logged_in(page, handle)
    open_prompt(page, handle, app)
    expect(page.get_by_text("Enter the verification code we emailed to")).to_be_visible()
    assert len(consumer_mails(handle)) == 1
    with handle.org.lock:
        code = handle.org.codes[-1]
        code.issued_at -= 3600  # it grows old
    submit(page, code.code)
    error_shown(page, app, INVALID_OR_EXPIRED_CODE)
    if app.kind == "connected_app":
        submit(page, "")
        error_shown(page, app, CLASSIC_WORDING[REQUIRED])


@pytest.mark.parametrize("kind", ["external_client_app", "connected_app"])
def test_too_many_wrong_codes_lock_verification_even_for_the_right_code(sim_factory, page, kind):
    handle = sim_factory()
    handle.org.config.verification_attempts = 3
    app = seed(handle, kind)
    logged_in(page, handle)
    open_prompt(page, handle, app)
    totp = pyotp.TOTP(handle.info()["totp_secret"])
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    for _ in range(2):
        submit(page, wrong)
        error_shown(page, app, INVALID_OR_EXPIRED_CODE)
    submit(page, wrong)
    error_shown(page, app, ATTEMPTS_EXCEEDED)
    submit(page, totp.now())
    error_shown(page, app, ATTEMPTS_EXCEEDED)
    assert app.consumer_secret not in page.content()
    verification_codes.unlock(handle.org, handle.admin.username)  # an hour later
    submit(page, totp.now())
    expect(page.get_by_text(app.consumer_secret)).to_be_visible()
