"""The classic Connected App path (Dev Hub orgs) end to end: real Chromium on the simulated org's classic Setup pages
inside Lightning's iframe, verification mail through a real Dovecot, a real key pair and a real JWT token exchange.
The org's own state is the judge."""

from __future__ import annotations

import pytest

from provisioner.errors import ConnectedAppsDisabledError, UnknownProfileError
from provisioner.verify import verify_with_retry

from .test_provision_e2e import key_pair, make_request, run  # noqa: F401 - key_pair is a fixture

pytestmark = pytest.mark.e2e

CALLBACK = "http://localhost:1717/OauthRedirect"


@pytest.fixture
def devhub(sim_factory, mailbox):
    """A simulated Dev Hub whose admin's verification mail goes to a real Dovecot mailbox."""
    return sim_factory(mail=f"lmtp://{mailbox.imap_host}:{mailbox.lmtp_port}", admin_email=mailbox.address,
                       connected_apps_allowed=True)


def test_provision_creates_the_connected_app_verifies_and_a_second_run_changes_nothing(devhub, mailbox, key_pair,
                                                                                      tmp_path):
    request = make_request(devhub, mailbox, key_pair, tmp_path, app_type="connected_app",
                           **{"policies.permission_sets": ["CI_Integration"]})
    first, second = run(request, request)

    app = devhub.org.app_by_api_name("CI_JWT")
    assert app is not None and app.kind == "connected_app" and app.id.startswith("0H4")
    assert app.definition_id.startswith("06P")
    assert first.created and first.status == "created"
    assert app.oauth_enabled and app.callback_urls == [CALLBACK]
    assert set(app.scopes) == {"api", "web", "refresh_token offline_access"}
    assert app.jwt_enabled and app.certificate_pem.strip() == key_pair[1].read_text().strip()
    p = app.policies
    assert p.permitted_users == "AdminApprovedPreAuthorized"
    assert p.profiles == ["System Administrator"] and p.permission_sets == ["CI_Integration"]
    assert (p.refresh_token_policy, p.refresh_token_period, p.refresh_token_unit) == ("SpecificLifetime", 90, "Days")
    assert p.session_timeout_minutes == 15 and p.ip_relaxation == "Enforce"
    # read from "Consumer Details" behind the emailed code
    assert (first.consumer_key, first.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert not any(a.kind == "external_client_app" for a in devhub.org.apps.values())

    # the token endpoint accepts a JWT signed with the key whose certificate was uploaded
    token = verify_with_retry(first.login_url, first.consumer_key, first.username, key_pair[0].read_text(),
                              budget_seconds=30, first_delay=0.5, instance_url=first.instance_url)
    assert token.access_token and token.instance_url == devhub.base_url

    assert not second.created and second.changes == [] and second.status == "unchanged"
    assert (second.consumer_key, second.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert len(devhub.org.apps) == 1


def test_drift_is_repaired(devhub, mailbox, key_pair, tmp_path):
    request = make_request(devhub, mailbox, key_pair, tmp_path, app_type="connected_app")
    request.reveal = False
    run(request)
    app = devhub.org.app_by_api_name("CI_JWT")
    with devhub.org.lock:
        app.callback_urls = ["https://evil.example/cb"]
        app.scopes = ["api", "full"]
        app.policies.permitted_users = "AllSelfAuthorized"
        app.policies.profiles = ["Standard User"]

    (result,) = run(request)
    assert app.callback_urls == [CALLBACK] and set(app.scopes) == {"api", "web", "refresh_token offline_access"}
    assert app.policies.permitted_users == "AdminApprovedPreAuthorized"
    assert app.policies.profiles == ["System Administrator"]
    text = "\n".join(result.changes)
    assert result.status == "updated" and len(result.changes) == 4, text
    assert "Callback URL" in text and "Selected OAuth Scopes" in text and "Permitted Users" in text
    assert "Profiles" in text


def test_new_connected_apps_off_in_the_org_is_one_clear_line(sim_factory, mailbox, key_pair, tmp_path):
    org = sim_factory(mail=f"lmtp://{mailbox.imap_host}:{mailbox.lmtp_port}", admin_email=mailbox.address,
                      connected_apps_allowed=False)
    request = make_request(org, mailbox, key_pair, tmp_path, app_type="connected_app")
    with pytest.raises(ConnectedAppsDisabledError) as failure:
        run(request)
    message = str(failure.value)
    assert "\n" not in message and "Allow creation of connected apps" in message and "setting" in message
    assert org.org.apps == {}


def test_dry_run_plans_and_an_unknown_permission_set_is_named(devhub, mailbox, key_pair, tmp_path):
    request = make_request(devhub, mailbox, key_pair, tmp_path, app_type="connected_app",
                           **{"policies.permission_sets": ["Chief_Button_Pushers"]})
    request.dry_run = True
    (plan,) = run(request)
    assert devhub.org.apps == {} and plan.status == "planned"
    assert any("Create the Connected App CI JWT" in line for line in plan.plan)

    request.dry_run, request.reveal = False, False
    with pytest.raises(UnknownProfileError, match="Chief_Button_Pushers"):
        run(request)
    app = devhub.org.app_by_api_name("CI_JWT")  # created, but no policy was saved half-way
    assert app.policies.permitted_users == "AllSelfAuthorized" and app.policies.profiles == []
