"""The External Client App form (New and Edit Settings) end to end: the settings flow against the simulated org's
pages in real Chromium, on the org variants that change the form (a collapsed "API (Enable OAuth Settings)" section,
the previous release's scope labels). The org's own state is the judge."""

from __future__ import annotations

import pytest

from provisioner.certs import certificate_pem, generate_key_and_cert
from provisioner.config import OrgSettings
from provisioner.flows.eca_form import ExternalClientAppArea
from provisioner.flows.login import log_in
from provisioner.flows.reconcile import reconcile
from provisioner.flows.session import FlowSession, Timeouts
from provisioner.sim.pages.parts import catalog, eca
from provisioner.spec import load_spec

from .support.async_browser import with_page

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)
DEFAULT_SCOPES = {"api", "web", "refresh_token offline_access"}


@pytest.fixture(scope="module")
def cert_pem(tmp_path_factory) -> str:
    _, cert = generate_key_and_cert(tmp_path_factory.mktemp("keys"), common_name="eca-form-test")
    return certificate_pem(cert)


def settings_runs(handle, spec, cert_pem: str, runs: int = 2, between=None) -> list:  # noqa: ANN001
    """Log in once, then reconcile the app's settings `runs` times; `between(run_index)` may change the org."""
    info = handle.info()
    org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                      totp_secret=info["totp_secret"])

    async def scenario(page):  # noqa: ANN001
        session = FlowSession(page=page, timeouts=FAST)
        await log_in(session, org)
        outcomes = []
        for index in range(runs):
            if between is not None:
                between(index)
            outcomes.append(await reconcile(ExternalClientAppArea(spec, cert_pem), session, dry_run=False))
        return outcomes

    return with_page(scenario)


def default_spec(handle):  # noqa: ANN001
    return load_spec(default_contact_email=handle.admin.username)


@pytest.mark.parametrize("variant", ["default", "collapsed-sections", "previous-release"])
def test_create_then_rerun_changes_nothing_and_keeps_the_other_options_at_their_defaults(sim_factory, cert_pem,
                                                                                          variant):
    handle = sim_factory(variant=variant)
    spec = default_spec(handle)
    first, second = settings_runs(handle, spec, cert_pem)

    assert first.created and second.changes == [] and not second.created
    app = handle.org.app_by_api_name(spec.api_name)
    assert app is not None and len(handle.org.apps) == 1
    assert set(app.scopes) == DEFAULT_SCOPES and app.jwt_enabled and app.oauth_enabled
    assert app.certificate_pem.strip() == cert_pem.strip()
    # options the spec does not name keep Salesforce's defaults
    assert eca.form_options(app) == catalog.FORM_OPTION_DEFAULTS
    # the re-run opened Edit Settings and left with Cancel: nothing saved
    assert [e["kind"] for e in handle.org.events].count("eca_settings_changed") == 0


def test_a_collapsed_section_is_opened_on_create_and_on_rerun(sim_factory, cert_pem):
    handle = sim_factory(collapsed_sections=True)
    spec = default_spec(handle)
    app_ref = {}

    def drift(index: int) -> None:
        if index == 1:  # before the re-run: a callback URL to repair, which needs the (collapsed) section open
            with handle.org.lock:
                app = handle.org.app_by_api_name(spec.api_name)
                app.callback_urls = ["https://drifted.example/cb"]
                app_ref["app"] = app

    first, second = settings_runs(handle, spec, cert_pem, between=drift)
    assert first.created
    assert second.changes and "Callback URL" in second.changes[0]
    assert app_ref["app"].callback_urls == list(spec.callback_urls)


def test_previous_release_scope_labels_are_shown_and_matched_by_value(sim_factory, cert_pem):
    handle = sim_factory(release="previous")
    labels = dict((value, label) for label, value in catalog.oauth_scopes("previous"))
    assert labels["api"] == "Access and manage your data (api)"  # the sim really shows the older wording
    spec = default_spec(handle)
    first, second = settings_runs(handle, spec, cert_pem)
    assert first.created and second.changes == []
    assert set(handle.org.app_by_api_name(spec.api_name).scopes) == DEFAULT_SCOPES


@pytest.mark.parametrize("variant", ["default", "collapsed-sections"])
def test_other_options_an_admin_set_survive_a_rerun_and_a_repair(sim_factory, cert_pem, variant):
    """Drift on options the spec does not name is not "repaired" away, even when the flow saves another change."""
    handle = sim_factory(variant=variant)
    spec = default_spec(handle)
    chosen = {"device_flow_enabled": True, "introspect_all_tokens": True, "named_user_jwt_access_tokens": True}

    def admin_changes(index: int) -> None:
        with handle.org.lock:
            app = handle.org.app_by_api_name(spec.api_name)
            if index == 1:
                for name, value in chosen.items():
                    setattr(app, name, value)
            if index == 2:
                app.scopes = ["api"]  # a difference the spec does name: the third run saves the form

    first, unchanged, repaired = settings_runs(handle, spec, cert_pem, runs=3, between=admin_changes)
    app = handle.org.app_by_api_name(spec.api_name)
    assert first.created and unchanged.changes == []
    assert repaired.changes and any("OAuth Scopes" in c for c in repaired.changes)
    assert set(app.scopes) == DEFAULT_SCOPES
    options = eca.form_options(app)
    assert {name: options[name] for name in chosen} == chosen
    assert options == {**catalog.FORM_OPTION_DEFAULTS, **chosen}


def test_the_spec_s_own_security_options_are_still_set(sim_factory, cert_pem):
    handle = sim_factory(collapsed_sections=True)
    spec = load_spec(overrides={"pkce": False, "require_secret_refresh": False},
                     default_contact_email=handle.admin.username)
    (first,) = settings_runs(handle, spec, cert_pem, runs=1)
    app = handle.org.app_by_api_name(spec.api_name)
    assert first.created and not app.pkce_required and not app.require_secret_refresh
    assert app.require_secret_web_server


def test_the_settings_area_turns_on_the_flow_but_never_sets_or_compares_run_as(sim_factory, cert_pem):
    """The Settings form has the client credentials box but no Run As: that is the Policies page's (the policies
    area sets it); a Run As changed there is no difference to this area."""
    handle = sim_factory()
    spec = load_spec(overrides={"client_credentials": True, "run_as": "integration@acme.example"},
                     default_contact_email=handle.admin.username)

    created_with = {}

    def policies_changed_run_as(index: int) -> None:
        if index == 1:  # the Policies page's Run As (not this area's) now names a user
            with handle.org.lock:
                app = handle.org.app_by_api_name(spec.api_name)
                created_with["run_as"] = app.client_credentials_user
                app.client_credentials_user = handle.admin.username

    first, second = settings_runs(handle, spec, cert_pem, between=policies_changed_run_as)
    app = handle.org.app_by_api_name(spec.api_name)
    assert first.created and app.client_credentials_enabled and created_with["run_as"] is None
    assert second.changes == []  # the settings area leaves Run As to the policies area
    assert app.client_credentials_user == handle.admin.username
