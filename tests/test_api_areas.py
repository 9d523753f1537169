"""The API path's areas (provisioner/api/areas.py) reconciled by the browser path's loop (flows/reconcile.py)
against a running simulated org: create, re-run with no change, repair drift made in org.apps, dry run, the
"another app owns this name" guard, and the errors a user meets."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from provisioner.api import eca_metadata as M
from provisioner.api.areas import MetadataAppArea, MetadataPoliciesArea
from provisioner.api.metadata_client import MetadataClient
from provisioner.api.session import ApiSession
from provisioner.certs import generate_key_and_cert
from provisioner.errors import (ApiUnavailableError, AppNameTakenError, MetadataDeployError, OrgSettingConflictError,
                                OrgUnavailableError,
                                UnknownProfileError)
from provisioner.flows.eca_form import ExternalClientAppArea
from provisioner.flows.reconcile import reconcile
from provisioner.spec import AppSpec, Policies

API_NAME = "Acme_CLI"


@pytest.fixture
def org(sim_factory):
    return sim_factory()


@pytest.fixture
def certificate(tmp_path) -> str:
    _, cert = generate_key_and_cert(tmp_path, "api-path")
    return cert.read_text()


def api_of(handle) -> ApiSession:  # noqa: ANN001
    return ApiSession(handle.base_url, handle.org.new_session(handle.admin.username, None).id)


def spec_for(handle, **changes) -> AppSpec:  # noqa: ANN001
    return AppSpec(**{"name": "Acme CLI", "api_name": API_NAME, "contact_email": handle.admin.username, **changes})


def run(handle, spec: AppSpec, certificate: str | None, *, dry_run: bool = False):  # noqa: ANN001, ANN201
    """The app, then its policies, as the setup command's loop runs them."""
    api = api_of(handle)
    app_area = MetadataAppArea(api, spec, certificate)
    app = asyncio.run(reconcile(app_area, None, dry_run=dry_run))
    policies = asyncio.run(reconcile(MetadataPoliciesArea(api, app.ref, spec.policies), None, dry_run=dry_run))
    return app_area, app, policies


def deploys(handle) -> int:  # noqa: ANN001
    return sum(1 for e in handle.org.events if e["kind"] == "metadata_deploy_started")


def the_app(handle):  # noqa: ANN001, ANN201
    return handle.org.app_by_api_name(API_NAME)


def test_create_then_no_change_then_drift_repaired(org, certificate):
    spec = spec_for(org)
    area, app, policies = run(org, spec, certificate)
    assert app.created and app.ref.api_name == API_NAME
    made = the_app(org)
    assert area.app_id(app.ref) == made.id and app.ref.url.endswith(f"/{made.id}/detail")
    assert made.jwt_enabled and made.certificate_pem.strip() == certificate.strip()
    assert sorted(made.scopes) == sorted(spec.scopes) and made.callback_urls == list(spec.callback_urls)
    assert policies.changes and all(line.startswith("Policies: ") for line in policies.changes)
    assert made.policies.permitted_users == "AdminApprovedPreAuthorized"
    assert made.policies.profiles == ["System Administrator"]
    assert made.policies.refresh_token_policy == "SpecificLifetime" and made.policies.refresh_token_period == 90

    count = deploys(org)
    _, again, again_policies = run(org, spec, certificate)
    assert not again.created and again.changes == [] and again_policies.changes == []
    assert deploys(org) == count  # nothing differs, nothing deployed

    with org.org.lock:  # drift made straight in the org's model, as an admin on the pages would
        made.callback_urls = ["https://drifted.example/cb"]
        made.introspect_all_tokens = True  # an option the spec does not decide: must survive the repair
        made.policies.permitted_users = "AllSelfAuthorized"
    _, repaired, repaired_policies = run(org, spec, certificate)
    assert repaired.changes == ["Callback URL: https://drifted.example/cb -> http://localhost:1717/OauthRedirect"]
    assert repaired_policies.changes == ["Policies: Permitted Users: self_authorized -> admin_approved"]
    assert made.callback_urls == ["http://localhost:1717/OauthRedirect"]
    assert made.policies.permitted_users == "AdminApprovedPreAuthorized"
    assert made.introspect_all_tokens is True


def test_a_new_certificate_and_the_client_credentials_flow_are_deployed_and_then_stable(org, certificate, tmp_path):
    run_as = "Integration@Acme.example"  # usernames are not case-sensitive
    spec = spec_for(org, client_credentials=True, policies=Policies(run_as=run_as))
    run(org, spec, certificate)
    made = the_app(org)
    assert made.client_credentials_enabled and made.client_credentials_user == "integration@acme.example"
    _, again, again_policies = run(org, spec, certificate)
    assert again.changes == [] and again_policies.changes == []
    _, new_cert = generate_key_and_cert(tmp_path / "new", "api-path-2")
    _, renewed, _ = run(org, spec, new_cert.read_text())
    assert len(renewed.changes) == 1 and renewed.changes[0].startswith("Certificate: CN=api-path (expires ")
    assert renewed.changes[0].endswith(")") and "upload CN=api-path-2" in renewed.changes[0]
    assert made.certificate_pem.strip() == new_cert.read_text().strip()
    assert made.client_credentials_user == "integration@acme.example"  # the policies file was not touched


def test_the_api_path_names_a_difference_as_the_browser_path_does(org, certificate):
    spec = spec_for(org)
    run(org, spec, certificate)
    with org.org.lock:
        the_app(org).description = "changed by hand"
    api_area = MetadataAppArea(api_of(org), spec, certificate)
    browser_area = ExternalClientAppArea(spec, certificate)
    current = asyncio.run(api_area.retrieve(None, asyncio.run(api_area.find(None))))
    assert api_area.compare(current) == browser_area.compare(current)
    assert [str(c) for c in api_area.compare(current)] == [
        f"Description: changed by hand -> {spec.description}"]


def test_dry_run_plans_and_changes_nothing(org, certificate):
    spec = spec_for(org)
    _, app, policies = run(org, spec, certificate, dry_run=True)
    assert app.ref is None and len(app.plan) == 1
    assert app.plan[0].startswith(f"Create the External Client App Acme CLI ({API_NAME}): OAuth on")
    assert policies.plan == [f"Set the policies: {policies.plan[0].removeprefix('Set the policies: ')}"]
    assert the_app(org) is None and deploys(org) == 0

    run(org, spec, certificate)
    with org.org.lock:
        the_app(org).scopes = ["api"]
    count = deploys(org)
    _, planned, _ = run(org, spec, certificate, dry_run=True)
    assert planned.plan == ["Edit Settings of Acme CLI: OAuth Scopes: add refresh_token offline_access, web"]
    assert the_app(org).scopes == ["api"] and deploys(org) == count


def test_another_app_with_the_spec_name_is_not_taken_over(org, certificate):
    run(org, spec_for(org, api_name="Someone_Elses"), certificate)
    with pytest.raises(AppNameTakenError, match="'Someone_Elses'"):
        run(org, spec_for(org), certificate)
    assert the_app(org) is None


def test_an_unknown_profile_is_refused_before_any_deploy(org, certificate):
    spec = spec_for(org, policies=Policies(profiles=("No Such Profile",)))
    with pytest.raises(UnknownProfileError, match="No Such Profile"):
        run(org, spec, certificate)


def test_a_deploy_salesforce_refuses_names_the_component_and_the_problem(org, certificate):
    spec = spec_for(org, policies=Policies(run_as=org.admin.username))  # the admin is not an API-only user
    with pytest.raises(MetadataDeployError) as refused:
        run(org, spec, certificate)
    assert f"ExtlClntAppOauthConfigurablePolicies {API_NAME}_oauthPlcy" in str(refused.value)
    assert "Enter a valid execution user" in str(refused.value)
    assert refused.value.exit_code == 36


def test_without_metadata_permission_the_api_is_unavailable_and_the_session_stays_secret(org, certificate):
    org.admin.modify_metadata = False
    api = api_of(org)
    with pytest.raises(ApiUnavailableError) as refused:
        asyncio.run(reconcile(MetadataAppArea(api, spec_for(org), certificate), None, dry_run=False))
    assert "INSUFFICIENT_ACCESS" in str(refused.value) and api.session_id not in str(refused.value)
    assert refused.value.exit_code == 37


# --- the client's edges -----------------------------------------------------------------------------------------------

def test_only_loopback_may_use_http():
    with pytest.raises(ApiUnavailableError, match="https"):
        MetadataClient(ApiSession("http://acme.my.salesforce.com", "00Dxx!secret"))


def test_an_org_that_cannot_be_reached_is_a_transient_error_without_the_session(unused_port):
    api = ApiSession(f"http://127.0.0.1:{unused_port}", "00Dxx!secret-session")
    with pytest.raises(OrgUnavailableError) as down:
        MetadataClient(api, request_timeout=5).retrieve({"ExternalClientApplication": ["*"]})
    assert down.value.transient and "secret-session" not in str(down.value)


def test_a_deploy_that_is_not_done_in_time_is_a_transient_error(sim_factory, certificate, monkeypatch):
    from provisioner.sim.metadata import jobs

    # a deploy takes a number of API calls' time, drawn at random: make it far longer than the client's timeout, so
    # a slow machine's first status check cannot find it done already (a draw of three short calls once did)
    monkeypatch.setattr(jobs, "_STEPS", 300)
    handle = sim_factory(latency="realistic")
    client = MetadataClient(api_of(handle), timeout=0.2)
    area = MetadataAppArea(api_of(handle), spec_for(handle), certificate)
    started = time.monotonic()
    with pytest.raises(OrgUnavailableError, match="not done after"):
        client.deploy(area._files(list(M.APP_TYPES)))
    assert time.monotonic() - started < 5  # bounded by the timeout, not by the deploy


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- both paths on one org (real Chromium) ------------------------------------------------------------------------

def browser_run(handle, spec: AppSpec, certificate: str):  # noqa: ANN001, ANN201
    """The browser path's areas on the same org, logged in by a session cookie."""
    from provisioner.flows.eca_policies import ExternalClientAppPoliciesArea
    from provisioner.flows.session import FlowSession, Timeouts

    from .support.async_browser import with_page

    async def scenario(page):  # noqa: ANN001
        session_id = handle.org.new_session(handle.admin.username, None).id
        await page.context.add_cookies([{"name": "sid", "value": session_id, "url": handle.base_url}])
        session = FlowSession(page=page, timeouts=Timeouts(page_ms=15_000, mail_s=30, settle_ms=15_000),
                              instance_url=handle.base_url)
        app = await reconcile(ExternalClientAppArea(spec, certificate), session, dry_run=False)
        policies = await reconcile(ExternalClientAppPoliciesArea(app.ref, spec.policies), session, dry_run=False)
        return app, policies

    return with_page(scenario)


@pytest.mark.e2e
def test_an_app_made_by_either_path_is_unchanged_for_the_other(sim_factory, certificate):
    handle = sim_factory()
    spec = spec_for(handle)
    run(handle, spec, certificate)
    app, policies = browser_run(handle, spec, certificate)
    assert not app.created and app.changes == [] and policies.changes == []

    other = spec_for(handle, name="Acme Browser", api_name="Acme_Browser")
    app, _ = browser_run(handle, other, certificate)
    assert app.created
    _, api_app, api_policies = run(handle, other, certificate)
    assert not api_app.created and api_app.changes == [] and api_policies.changes == []


def test_an_org_limiting_idle_refresh_tokens_gets_the_browser_paths_advice(sim_factory, certificate):
    handle = sim_factory(idle_refresh_token_limit=True)
    spec = spec_for(handle, policies=Policies(refresh_token={"policy": "valid_until_revoked"}))
    with pytest.raises(OrgSettingConflictError, match="expire_if_unused"):
        run(handle, spec, certificate)
