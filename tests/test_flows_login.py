"""The login flow types the admin's password only into a page on a trusted host (issue 17, item 3): a Salesforce
domain, loopback, the configured login URL's host, or a host the user named. Real Chromium; the pages are served
by Playwright routes, so no network is needed."""

from __future__ import annotations

import asyncio

import pytest

from provisioner.config import OrgSettings
from provisioner.errors import LoginError
from provisioner.flows.login import _check_host_before_password, log_in
from provisioner.flows.session import FlowSession, Timeouts

from .support.async_browser import with_page

FAST = Timeouts(page_ms=10_000, mail_s=5, settle_ms=10_000)
PASSWORD = "Pw-never-typed-elsewhere-7731"
LOGIN_FORM = """<!doctype html><title>Login</title><form method=post action=/login>
<input id=username name=username><input id=password name=pw type=password><button id=Login>Log In</button></form>"""


def org(login_url: str, trusted_hosts: tuple[str, ...] = ()) -> OrgSettings:
    return OrgSettings(login_url=login_url, username="admin@example.com", password=PASSWORD,
                       trusted_hosts=trusted_hosts)


def serve(page, routes: dict):  # noqa: ANN001, ANN201
    """Answer every request from `routes` ({url prefix: (302, location) or (200, html)}) and record POST bodies.
    A redirect is a page that moves on by script (Chromium does not follow a redirect fulfilled by a route)."""
    posted: list[str] = []

    async def handle(route):  # noqa: ANN001
        request = route.request
        if request.method == "POST":
            posted.append(request.post_data or "")
        for prefix, (status, body) in routes.items():
            if request.url.startswith(prefix):
                if status == 302:
                    body = f"<!doctype html><script>location.replace({body!r})</script>"
                await route.fulfill(status=200, content_type="text/html", body=body)
                return
        await route.abort()

    return handle, posted


def test_a_redirect_to_another_host_never_gets_the_password():
    async def scenario(page):  # noqa: ANN001
        handle, posted = serve(page, {"https://login.salesforce.com/": (302, "https://login.evil.example/"),
                                      "https://login.evil.example/": (200, LOGIN_FORM)})
        await page.route("**/*", handle)
        with pytest.raises(LoginError) as failure:
            await log_in(FlowSession(page=page, timeouts=FAST), org("https://login.salesforce.com"))
        return str(failure.value), await page.locator("#password").input_value(), posted

    message, typed, posted = with_page(scenario)
    assert "login.evil.example" in message and PASSWORD not in message
    assert typed == "" and posted == []


def test_the_configured_login_hosts_own_page_gets_the_password():
    home = "<!doctype html><title>Home</title><h1>Lightning</h1>"

    async def scenario(page):  # noqa: ANN001
        handle, posted = serve(page, {"https://sso.acme.example/login": (302, "https://sso.acme.example/lightning/page/home"),
                                      "https://sso.acme.example/lightning/": (200, home),
                                      "https://sso.acme.example/": (200, LOGIN_FORM)})
        await page.route("**/*", handle)
        instance = await log_in(FlowSession(page=page, timeouts=FAST), org("https://sso.acme.example"))
        return instance, posted

    instance, posted = with_page(scenario)
    assert instance == "https://sso.acme.example"
    assert len(posted) == 1 and PASSWORD in posted[0]


def test_the_host_rule_salesforce_loopback_login_host_or_named():
    settings = org("https://login.salesforce.com", trusted_hosts=("login.corp.example",))
    for url in ("https://acme.my.salesforce.com/", "https://test.salesforce.com/?x=1", "http://127.0.0.1:8080/login",
                "http://localhost:9/", "https://login.salesforce.com/", "https://login.corp.example/"):
        _check_host_before_password(url, settings)
    for url in ("https://salesforce.com.evil.example/", "https://evil.example/login", "https://127.0.0.1.nip.io/"):
        with pytest.raises(LoginError, match="was not typed"):
            _check_host_before_password(url, settings)


def test_an_internal_error_page_answering_the_login_is_named_as_such_and_retried():
    """Salesforce's error page (title "Error | Salesforce") answers the submit: the run says so and the job retries
    it, rather than waiting out the page timeout and calling it a login that did not finish."""
    from provisioner.errors import OrgUnavailableError
    from provisioner.job.runner import is_transient
    from provisioner.sim import messages

    error_page = (f"<!doctype html><title>Error | Salesforce</title><div id=errorTitle>{messages.SERVER_ERROR_TITLE}"
                  f"</div><div id=errorDesc>{messages.SERVER_ERROR}</div><p>Error ID: 1234567890-12345</p>")

    async def scenario(page):  # noqa: ANN001
        handle, posted = serve(page, {"https://acme.my.salesforce.com/login": (200, error_page),
                                      "https://acme.my.salesforce.com/": (200, LOGIN_FORM)})
        await page.route("**/*", handle)
        # the page timeout is far away: the error page must be recognised when it shows, not when a wait gives up
        # (the outer bound only keeps a regression from hanging the suite for ten minutes)
        patient = Timeouts(page_ms=600_000, mail_s=5, settle_ms=600_000)
        with pytest.raises(OrgUnavailableError) as failure:
            await asyncio.wait_for(log_in(FlowSession(page=page, timeouts=patient),
                                          org("https://acme.my.salesforce.com")), timeout=120)
        return failure.value, posted

    error, posted = with_page(scenario)
    assert len(posted) == 1 and is_transient(error)
    assert "An internal server error has occurred" in str(error) and "did not finish" not in str(error), str(error)
    assert PASSWORD not in str(error)
