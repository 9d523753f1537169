"""The provisioning engine end to end: real Chromium, the simulated org's Setup pages, verification mail through a
real Dovecot (LMTP in, IMAP IDLE out), a real key pair. The org's own state is the judge (SimHandle.org)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from provisioner.flows.session import Timeouts
from provisioner.certs import certificate_pem, generate_key_and_cert, load_certificate
from provisioner.config import OrgSettings
from provisioner.spec import load_spec
from provisioner.errors import AppNameTakenError, CertificateError, UnknownProfileError
from provisioner.provision import ProvisionRequest, provision
from provisioner.sim.model import ExternalClientApp, OAuthPolicies
from provisioner.verify import TokenRefused, exchange_jwt, verify_with_retry

from .support.async_browser import with_browser
from .support.sim_fixture import inspect_api

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)
CALLBACK = "http://localhost:1717/OauthRedirect"
SPECS = Path(__file__).resolve().parents[1] / "provisioner" / "specs"


@pytest.fixture
def org_with_mail(sim_factory, mailbox):
    """A simulated org whose admin's verification mail goes to a real Dovecot mailbox."""
    return sim_factory(mail=f"lmtp://{mailbox.imap_host}:{mailbox.lmtp_port}", admin_email=mailbox.address)


@pytest.fixture
def key_pair(tmp_path):
    return generate_key_and_cert(tmp_path / "keys", common_name="ci-jwt")


def make_request(handle, mailbox, key_pair, tmp_path, **spec_overrides) -> ProvisionRequest:
    info = handle.info()
    org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                      totp_secret=info["totp_secret"])
    spec = load_spec(overrides={"name": "CI JWT", **spec_overrides}, default_contact_email=org.username)
    key, cert = key_pair
    # the Setup pages are what this module tests (the API path: tests/test_via_e2e.py)
    return ProvisionRequest(org=org, spec=spec, cert_path=cert, key_path=key, mailbox=mailbox.settings(),
                            artifacts_dir=tmp_path / "artifacts", timeouts=FAST, via="browser")


def run(*requests: ProvisionRequest):
    """Provision each request in turn in one browser; the results (or the first error)."""

    async def scenario(browser):  # noqa: ANN001
        return [await provision(browser, request, progress=None) for request in requests]

    return with_browser(scenario)


def post_form(url: str, form: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def seed_app(handle, cert_pem: str, **fields) -> ExternalClientApp:
    """An app already in the org (as a previous run would leave it), straight into the org's state."""
    org = handle.org
    app = ExternalClientApp(
        id=org.ids.sf_id("0xI"), name="CI JWT", api_name="CI_JWT", contact_email=handle.admin.username,
        description="JWT bearer login for the Salesforce CLI and CI jobs.", oauth_enabled=True,
        callback_urls=[CALLBACK], scopes=["api", "web", "refresh_token offline_access"], jwt_enabled=True,
        certificate_pem=cert_pem, consumer_key="3MVG9seeded" + org.ids.token(40), consumer_secret=org.ids.token(64),
        policies=OAuthPolicies(permitted_users="AdminApprovedPreAuthorized", profiles=["System Administrator"],
                               refresh_token_policy="SpecificLifetime", refresh_token_period=90,
                               refresh_token_unit="Days", session_timeout_minutes=15),
    )
    for name, value in fields.items():
        setattr(app, name, value)
    with org.lock:
        org.apps[app.id] = app
    return app


def test_provision_creates_the_app_then_a_second_run_changes_nothing(org_with_mail, mailbox, key_pair, tmp_path):
    request = make_request(org_with_mail, mailbox, key_pair, tmp_path)
    first, second = run(request, request)

    app = org_with_mail.org.app_by_api_name("CI_JWT")
    assert app is not None and first.created and first.status == "created"
    assert app.callback_urls == [CALLBACK]
    assert set(app.scopes) == {"api", "web", "refresh_token offline_access"}
    assert app.jwt_enabled and "BEGIN CERTIFICATE" in app.certificate_pem
    assert app.certificate_pem.strip() == key_pair[1].read_text().strip()
    assert app.policies.permitted_users == "AdminApprovedPreAuthorized"
    assert app.policies.profiles == ["System Administrator"]
    assert (app.policies.refresh_token_policy, app.policies.refresh_token_period,
            app.policies.refresh_token_unit) == ("SpecificLifetime", 90, "Days")
    assert app.policies.session_timeout_minutes == 15
    # the credentials were read from the page behind the emailed code
    assert (first.consumer_key, first.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert first.instance_url == org_with_mail.base_url

    assert not second.created and second.changes == [] and second.status == "unchanged"
    assert (second.consumer_key, second.consumer_secret) == (app.consumer_key, app.consumer_secret)
    assert len(org_with_mail.org.apps) == 1


def test_drift_is_repaired_and_reported(org_with_mail, mailbox, key_pair, tmp_path):
    seed_app(org_with_mail, key_pair[1].read_text())
    inspect_api(org_with_mail, "/apps/CI_JWT/drift", {
        "callback_urls": ["https://evil.example/cb"], "scopes": ["api", "full"],
        "policies": {"permitted_users": "AllSelfAuthorized", "session_timeout_minutes": 120}})

    (result,) = run(make_request(org_with_mail, mailbox, key_pair, tmp_path))

    app = org_with_mail.org.app_by_api_name("CI_JWT")
    assert app.callback_urls == [CALLBACK]
    assert set(app.scopes) == {"api", "web", "refresh_token offline_access"}
    assert app.policies.permitted_users == "AdminApprovedPreAuthorized"
    assert app.policies.session_timeout_minutes == 15
    text = "\n".join(result.changes)
    assert result.status == "updated"
    assert "Callback URL" in text and "https://evil.example/cb" in text
    assert "OAuth Scopes" in text and "full" in text
    assert "Permitted Users" in text and "Session Timeout" in text
    assert len(result.changes) == 4
    assert result.consumer_secret == app.consumer_secret


def test_dry_run_reports_the_plan_and_touches_nothing(org_with_mail, mailbox, key_pair, tmp_path):
    request = make_request(org_with_mail, mailbox, key_pair, tmp_path)
    request.dry_run = True
    (missing,) = run(request)
    assert org_with_mail.org.apps == {}
    assert any("Create the External Client App CI JWT" in line for line in missing.plan)
    assert missing.consumer_secret == "" and missing.status == "planned"

    seed_app(org_with_mail, key_pair[1].read_text(), callback_urls=["https://old.example/cb"])
    before = org_with_mail.org.app_by_api_name("CI_JWT").changed_at
    events_before = len(org_with_mail.org.events)
    (drifted,) = run(request)
    app = org_with_mail.org.app_by_api_name("CI_JWT")
    assert app.callback_urls == ["https://old.example/cb"] and app.changed_at == before
    assert any("https://old.example/cb" in line for line in drifted.plan)
    assert not any(e["kind"].startswith(("eca_", "consumer_")) for e in org_with_mail.org.events[events_before:])


def test_unknown_profile_is_named(org_with_mail, mailbox, key_pair, tmp_path):
    seed_app(org_with_mail, key_pair[1].read_text())
    request = make_request(org_with_mail, mailbox, key_pair, tmp_path,
                           **{"policies.profiles": ["System Administrator", "Chief Button Pusher"]})
    with pytest.raises(UnknownProfileError) as failure:
        run(request)
    assert "Chief Button Pusher" in str(failure.value)
    # the failure left a screenshot and the page's HTML, without the password in it
    html = [p for p in failure.value.artifacts if p.endswith(".html")]
    assert html and request.org.password not in open(html[0]).read()


def test_an_app_with_the_same_name_but_another_api_name_is_not_taken_over(org_with_mail, mailbox, key_pair, tmp_path):
    seed_app(org_with_mail, key_pair[1].read_text(), api_name="Someone_Elses_App")
    request = make_request(org_with_mail, mailbox, key_pair, tmp_path)
    with pytest.raises(AppNameTakenError, match="Someone_Elses_App"):
        run(request)
    assert [a.api_name for a in org_with_mail.org.apps.values()] == ["Someone_Elses_App"]


# --- the certificate uploaded, rotation, and the client-credentials spec (issue 17, items 1 and 12) ---------------


def test_a_certificate_file_holding_a_private_key_is_refused_before_anything_is_sent(org_with_mail, mailbox,
                                                                                    key_pair, tmp_path):
    key, cert = key_pair
    combined = tmp_path / "combined.pem"
    combined.write_text(key.read_text() + cert.read_text())
    request = make_request(org_with_mail, mailbox, key_pair, tmp_path)
    request.cert_path = combined
    with pytest.raises(CertificateError) as failure:
        run(request)
    assert "private key" in str(failure.value) and "BEGIN" not in str(failure.value)
    assert org_with_mail.org.apps == {}


def test_the_certificate_is_uploaded_parsed_and_re_encoded(org_with_mail, mailbox, key_pair, tmp_path):
    """Whatever else the file holds (notes, a chain), Salesforce gets the certificate's own PEM only."""
    key, cert = key_pair
    noisy = tmp_path / "noisy.crt"
    noisy.write_text("Issued for CI on the build host; do not edit.\n" + cert.read_text())
    request = make_request(org_with_mail, mailbox, key_pair, tmp_path)
    request.cert_path, request.reveal = noisy, False
    run(request)
    uploaded = org_with_mail.org.app_by_api_name("CI_JWT").certificate_pem
    assert uploaded == certificate_pem(load_certificate(cert)) and "build host" not in uploaded


def test_certificate_rotation_uploads_the_new_certificate_and_the_new_key_signs_in(org_with_mail, mailbox,
                                                                                   key_pair, tmp_path):
    first, = run(make_request(org_with_mail, mailbox, key_pair, tmp_path))
    old_key = key_pair[0].read_text()
    verify_with_retry(first.login_url, first.consumer_key, first.username, old_key, budget_seconds=30,
                      first_delay=0.5, instance_url=first.instance_url)

    # a new key and a new certificate for it (a later expiry: what the page shows of a certificate)
    new_pair = generate_key_and_cert(tmp_path / "rotated", common_name="ci-jwt", days=400)
    rotated, = run(make_request(org_with_mail, mailbox, new_pair, tmp_path))

    app = org_with_mail.org.app_by_api_name("CI_JWT")
    assert rotated.status == "updated" and not rotated.created
    assert [line for line in rotated.changes if line.startswith("Certificate")], rotated.changes
    assert app.certificate_pem.strip() == new_pair[1].read_text().strip()
    assert rotated.consumer_key == first.consumer_key  # the same app: its consumer key did not change
    token = verify_with_retry(rotated.login_url, rotated.consumer_key, rotated.username, new_pair[0].read_text(),
                              budget_seconds=30, first_delay=0.5, instance_url=rotated.instance_url)
    assert token.access_token
    with pytest.raises(TokenRefused):  # the old key no longer signs in
        exchange_jwt(rotated.login_url, rotated.consumer_key, rotated.username, old_key,
                     instance_url=rotated.instance_url)


def test_the_client_credentials_spec_end_to_end(org_with_mail, mailbox, key_pair, tmp_path):
    info = org_with_mail.info()
    org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                      totp_secret=info["totp_secret"])
    spec = load_spec(SPECS / "integration-client-credentials.toml", {"run_as": "integration@acme.example"},
                     default_contact_email=org.username)
    request = ProvisionRequest(org=org, spec=spec, cert_path=key_pair[1], key_path=key_pair[0],
                               mailbox=mailbox.settings(), artifacts_dir=tmp_path / "artifacts", timeouts=FAST,
                               via="browser")
    first, second = run(request, request)

    app = org_with_mail.org.app_by_api_name(spec.api_name)
    assert first.created and app.client_credentials_enabled and not app.jwt_enabled
    assert app.client_credentials_user == "integration@acme.example"
    assert app.policies.refresh_token_policy == "Zero" and app.policies.session_timeout_minutes == 15
    assert second.status == "unchanged" and second.changes == []

    # the token endpoint gives the integration user a token for the consumer key and secret read from the page
    form = {"grant_type": "client_credentials", "client_id": first.consumer_key, "client_secret": first.consumer_secret}
    with org_with_mail.org.lock:  # past the moment a saved app takes to propagate (modelled by the sim)
        app.changed_at -= org_with_mail.org.config.propagation_seconds
    status, body = post_form(first.instance_url + "/services/oauth2/token", form)  # the My Domain's endpoint
    assert status == 200, body
    assert body["access_token"] and body["instance_url"] == org_with_mail.base_url
    assert body["id"].endswith(org_with_mail.org.user("integration@acme.example").id)
