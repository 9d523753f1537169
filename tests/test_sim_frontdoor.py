"""The simulated front door is as strict as its login page: only a live token of this org, with a browser scope,
or an unused single-access link of this org opens a session; everything else lands on the login page."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from provisioner.sim import oauth
from provisioner.sim.app import SimOptions, build_org, build_router
from provisioner.sim.http.messages import Request
from provisioner.sim.org import SESSION_COOKIE

HOME = "/lightning/setup/SetupOneHome/home"


def make_org(**options):
    org = build_org(SimOptions(**options))
    org.base_url = "http://127.0.0.1:9"  # never dialled: requests go straight to the router
    return org, build_router(org)


def call(router, method: str, url: str, headers: dict | None = None):
    parts = urlsplit(url)
    return router.dispatch(Request(method=method, path=parts.path, query=parse_qs(parts.query), headers=headers or {},
                                   body=b"", cookies={}))


def header(response, name: str) -> str:
    return next((v for k, v in response.headers if k.lower() == name.lower()), "")


def session_opened(response) -> bool:
    cookie = header(response, "set-cookie")
    return cookie.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" not in cookie


def single_access(router, token: str, redirect: str = HOME):
    return call(router, "GET", f"/services/oauth2/singleaccess?redirect_uri={redirect}",
                {"authorization": f"Bearer {token}"})


@pytest.fixture
def org():
    return make_org()


def test_a_single_access_link_opens_setup_once(org):
    org, router = org
    answer = single_access(router, oauth.issue_cli_token(org, org.config.admin_username))
    assert answer.status == 200
    link = json.loads(answer.body)["frontdoor_uri"]
    assert link.startswith(org.base_url + "/secur/frontdoor.jsp?otp=")
    first = call(router, "GET", link[len(org.base_url):])
    assert first.status == 302 and header(first, "location") == HOME and session_opened(first)
    again = call(router, "GET", link[len(org.base_url):])
    assert header(again, "location") == "/" and not session_opened(again), "a link works once"


def test_a_link_of_another_org_or_past_its_time_is_refused(org):
    org, router = org
    other, other_router = make_org()
    foreign = json.loads(single_access(other_router, oauth.issue_cli_token(other, other.config.admin_username)).body)
    refused = call(router, "GET", foreign["frontdoor_uri"][len(other.base_url):])
    assert header(refused, "location") == "/" and not session_opened(refused)

    mine = json.loads(single_access(router, oauth.issue_cli_token(org, org.config.admin_username)).body)
    for code in org.frontdoor_codes.values():
        code.expires_at = 0  # the link outlived its minute
    stale = call(router, "GET", mine["frontdoor_uri"][len(org.base_url):])
    assert header(stale, "location") == "/" and not session_opened(stale)


def test_sid_needs_a_live_token_of_this_org_with_a_browser_scope(org):
    org, router = org
    admin = org.config.admin_username
    good = oauth.issue_cli_token(org, admin)
    opened = call(router, "GET", f"/secur/frontdoor.jsp?sid={good}&retURL=%2Flightning%2Fsetup%2FSetupOneHome%2Fhome")
    assert header(opened, "location") == HOME and session_opened(opened)

    api_only = oauth.issue_cli_token(org, admin, scopes=("api", "refresh_token"))
    expired = oauth.issue_cli_token(org, admin, lifetime=-1)
    other, _ = make_org()
    foreign = oauth.issue_cli_token(other, other.config.admin_username)
    for token in (api_only, expired, foreign, "00Dxx!forged"):
        refused = call(router, "GET", f"/secur/frontdoor.jsp?sid={token}")
        assert header(refused, "location") == "/" and not session_opened(refused), token[:20]


def test_an_expired_token_gets_no_link_and_an_open_redirect_goes_home(org):
    org, router = org
    expired = oauth.issue_cli_token(org, org.config.admin_username, lifetime=-1)
    assert single_access(router, expired).status == 403
    assert single_access(router, "nonsense").status == 403

    link = json.loads(single_access(router, oauth.issue_cli_token(org, org.config.admin_username),
                                    redirect="https://evil.example/").body)["frontdoor_uri"]
    landed = call(router, "GET", link[len(org.base_url):])
    assert header(landed, "location") == HOME


def test_an_org_that_refuses_token_browser_logins_opens_no_session():
    org, router = make_org(token_browser_login=False)
    token = oauth.issue_cli_token(org, org.config.admin_username)
    refused = call(router, "GET", f"/secur/frontdoor.jsp?sid={token}")
    assert header(refused, "location") == "/" and not session_opened(refused)
    assert any(e["kind"] == "frontdoor_refused" and e["reason"] == "refused by policy" for e in org.events)
