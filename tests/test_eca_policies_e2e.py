"""An External Client App's Edit Policies, end to end on every way orgs differ there: real Chromium, the simulated
org's pages, the provisioning engine (flows/eca_policies.py). The org's own state is the judge.

Variants (provisioner/sim/variants.py): the idle refresh-token limit (no "valid until revoked"), the collapsed OAuth
Policies section, the previous release's IP Relaxation wording. The client credentials flow's Run As is set on the
Policies page and must be an API-only user.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.config import OrgSettings
from provisioner.errors import OrgSettingConflictError, SetupPageError
from provisioner.flows.session import Timeouts
from provisioner.provision import ProvisionRequest, provision
from provisioner.spec import load_spec

from .support.async_browser import with_browser

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)
SPECS = Path(__file__).resolve().parents[1] / "provisioner" / "specs"
#: what the tests ask beyond the defaults: a timeout that is no picklist value, the renamed IP Relaxation choice
POLICIES = {"policies.session_timeout_minutes": 45, "policies.ip_relaxation": "relax_with_second_factor"}


def request_for(handle, tmp_path, spec_path=None, **overrides) -> ProvisionRequest:
    info = handle.info()
    org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                      totp_secret=info["totp_secret"])
    spec = load_spec(spec_path, overrides={"name": "Policy Check", **overrides}, default_contact_email=org.username)
    key, cert = generate_key_and_cert(tmp_path / "keys", common_name="policy-check")
    # the admin signs in with an authenticator: no mail; the consumer secret is not read (reveal=False); the Policies
    # page is what this module tests (the API path's policies: tests/test_api_areas.py, tests/test_via_e2e.py)
    return ProvisionRequest(org=org, spec=spec, cert_path=cert, key_path=key, reveal=False,
                            artifacts_dir=tmp_path / "artifacts", timeouts=FAST, via="browser")


def run(*requests: ProvisionRequest):
    async def scenario(browser):  # noqa: ANN001
        return [await provision(browser, request, progress=None) for request in requests]

    return with_browser(scenario)


def app_of(handle, spec):
    return handle.org.app_by_api_name(spec.api_name)


@pytest.mark.parametrize("variant", ["default", "idle-token-limit", "collapsed-sections", "previous-release"])
def test_policies_are_set_then_left_alone_on_each_variant(sim_factory, tmp_path, variant):
    handle = sim_factory(variant=variant)
    request = request_for(handle, tmp_path, **POLICIES)
    first, second = run(request, request)

    assert first.created
    assert second.status == "unchanged" and second.changes == [], second.changes
    p = app_of(handle, request.spec).policies
    assert (p.permitted_users, p.profiles) == ("AdminApprovedPreAuthorized", ["System Administrator"])
    # the default spec's refresh token policy is found in the "... specific time" wording, with or without the limit
    assert (p.refresh_token_policy, p.refresh_token_period, p.refresh_token_unit) == ("SpecificLifetime", 90, "Days")
    assert p.ip_relaxation == "Bypass_2factor" and p.session_timeout_minutes == 45


def test_drift_is_repaired_behind_a_collapsed_section(sim_factory, tmp_path):
    handle = sim_factory(variant="collapsed-sections")
    request = request_for(handle, tmp_path, **POLICIES)
    (first,) = run(request)
    app = app_of(handle, request.spec)
    with handle.org.lock:  # someone changed the policies by hand
        p = app.policies
        p.refresh_token_policy, p.refresh_token_period, p.refresh_token_unit = "Infinite", None, None
        p.ip_relaxation, p.session_timeout_minutes, p.profiles = "Bypass", 120, []

    (repaired,) = run(request)
    assert repaired.status == "updated", repaired
    assert sorted(line.split(":")[1].strip() for line in repaired.changes) == [
        "IP Relaxation", "Profiles", "Refresh Token Policy", "Session Timeout (minutes)"], repaired.changes
    p = app.policies
    assert (p.refresh_token_policy, p.refresh_token_period, p.ip_relaxation) == ("SpecificLifetime", 90, "Bypass_2factor")
    assert p.session_timeout_minutes == 45 and p.profiles == ["System Administrator"]


def test_valid_until_revoked_under_the_idle_limit_is_one_line_and_changes_no_policy(sim_factory, tmp_path):
    handle = sim_factory(variant="idle-token-limit")
    request = request_for(handle, tmp_path, **{"policies.refresh_token.policy": "valid_until_revoked"})
    with pytest.raises(OrgSettingConflictError) as caught:
        run(request)
    message = str(caught.value)
    assert "\n" not in message and "Limit Idle Refresh Token Time-to-Live" in message and "expire_if_unused" in message
    app = app_of(handle, request.spec)  # the app was created; its policies were not touched
    assert app.policies.permitted_users == "AllSelfAuthorized" and app.policies.profiles == []


def test_an_app_valid_until_revoked_reads_as_idle_30_days_under_the_limit(sim_factory, tmp_path):
    """With the limit on, the page shows such an app as "if not used for" 30 days (its metadata unchanged)."""
    handle = sim_factory(variant="idle-token-limit")
    request = request_for(handle, tmp_path, **{"policies.refresh_token.policy": "expire_if_unused",
                                               "policies.refresh_token.period": 30})
    (first,) = run(request)
    app = app_of(handle, request.spec)
    with handle.org.lock:
        app.policies.refresh_token_policy, app.policies.refresh_token_period = "Infinite", None
    (second,) = run(request)
    assert second.status == "unchanged" and second.changes == [], second.changes
    assert app.policies.refresh_token_policy == "Infinite"  # nothing was saved


def post_form(url: str, form: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_client_credentials_run_as_is_set_on_the_policies_page_and_gets_tokens(sim_factory, tmp_path):
    handle = sim_factory(variant="collapsed-sections")
    request = request_for(handle, tmp_path, SPECS / "integration-client-credentials.toml",
                          run_as="integration@acme.example")
    first, second = run(request, request)
    app = app_of(handle, request.spec)
    assert first.created and app.client_credentials_enabled and app.client_credentials_user == "integration@acme.example"
    assert second.status == "unchanged" and second.changes == [], second.changes

    # drift: the Policies page's box turned off by hand -> turned on again (with its confirmation) on the next run
    with handle.org.lock:
        app.client_credentials_user = None
    (third,) = run(request)
    assert [line for line in third.changes if "Run As" in line], third.changes
    assert app.client_credentials_user == "integration@acme.example"

    # the token endpoint at the org's own host gives the Run As user a token, once the change has propagated
    with handle.org.lock:
        app.changed_at -= handle.org.config.propagation_seconds
    with handle.org.lock:
        key, secret = app.consumer_key, app.consumer_secret
    status, body = post_form(first.instance_url + "/services/oauth2/token",
                             {"grant_type": "client_credentials", "client_id": key, "client_secret": secret})
    assert status == 200, body
    assert body["id"].endswith(handle.org.user("integration@acme.example").id)


def test_a_run_as_user_without_api_only_is_refused_with_the_pages_words(sim_factory, tmp_path):
    handle = sim_factory()
    request = request_for(handle, tmp_path, SPECS / "integration-client-credentials.toml",
                          run_as="jdoe@acme.example")  # a Standard User: active, not API only
    with pytest.raises(SetupPageError) as caught:
        run(request)
    message = str(caught.value)
    assert "Enter a valid execution user for the OAuth client credentials flow." in message
    assert "API Only User permission" in message and "\n" not in message and caught.value.exit_code == 32
    policies = app_of(handle, request.spec).policies  # the refused save changed nothing
    assert policies.permitted_users == "AllSelfAuthorized" and policies.refresh_token_policy == "Infinite"
