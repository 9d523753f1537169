"""Verification mail out of order, end to end (issue 11's mail faults): real Chromium, the simulated org and its
mailbox. Salesforce mails a code for this login (or this reveal), but the mail of an earlier code, one that this
request superseded, arrives first. A person types it, reads "isn't valid", and types the newer code when its mail
comes; the tool does the same instead of giving up. The lock after too many wrong codes stays final."""

from __future__ import annotations

import threading

import pytest

from provisioner.flows.consumer_details import reveal
from provisioner.flows.login import log_in
from provisioner.flows.session import FlowSession

from .support.async_browser import with_page
from .test_consumer_verification_e2e import FAST, events, mailbox_waiter, org_settings, seed_app

pytestmark = pytest.mark.e2e

#: how much later the request's own mail lands than the superseded code's mail
OWN_MAIL_LATER_S = 2.0


def superseded_mail_first(handle, purpose: str) -> list[threading.Timer]:
    """The next code mailed for `purpose` arrives OWN_MAIL_LATER_S after the mail of a code issued just before it
    (which the new code supersedes, so Salesforce refuses it as not valid)."""
    org, timers = handle.org, []
    real_send = org.send_mail
    user = org.user(handle.admin.username)
    earlier = org.issue_code(handle.admin.username, purpose, mail=False)  # superseded by the request's own code
    stale = org.compose_verification(org, user, earlier.code)

    def send(to_address, subject, text, body_html):  # noqa: ANN001
        org.send_mail = real_send  # once
        real_send(to_address, *stale)
        timer = threading.Timer(OWN_MAIL_LATER_S, real_send, args=(to_address, subject, text, body_html))
        timers.append(timer)
        timer.start()

    org.send_mail = send
    return timers


def test_a_login_code_refused_as_superseded_is_followed_by_the_newer_mail(sim_factory):
    handle = sim_factory(mail="embedded", admin_totp=False, unrecognised_device=True)
    timers = superseded_mail_first(handle, "login")

    async def login(page):  # noqa: ANN001
        session = FlowSession(page=page, timeouts=FAST, code_waiter=mailbox_waiter(handle.info()))
        return await log_in(session, org_settings(handle.info()))

    instance_url = with_page(login)
    for timer in timers:
        timer.join()
    assert instance_url.startswith("http")
    assert [e["reason"] for e in events(handle, "email_code_rejected")] == ["invalid"]  # the stale one, once
    assert events(handle, "login_succeeded")


def test_a_reveal_code_refused_as_superseded_is_followed_by_the_newer_mail(sim_factory):
    handle = sim_factory(mail="embedded", variant="email-admin")
    app, ref = seed_app(handle, "external_client_app")

    async def login_and_reveal(page):  # noqa: ANN001
        session = FlowSession(page=page, timeouts=FAST, code_waiter=mailbox_waiter(handle.info()))
        await log_in(session, org_settings(handle.info()))
        timers.extend(superseded_mail_first(handle, "consumer-details"))
        return await reveal(session, ref)

    timers: list[threading.Timer] = []
    credentials = with_page(login_and_reveal)
    for timer in timers:
        timer.join()
    assert (credentials.consumer_key, credentials.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert events(handle, "consumer_details_viewed", method="email")
    assert len(events(handle, "verification_code_refused", purpose="consumer-details")) == 1  # the stale one
