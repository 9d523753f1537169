"""The simulated New External Client App / Edit Settings form by hand, in real Chromium, on the org variants that
change it: the collapsible "API (Enable OAuth Settings)" section, the form's other options and their defaults, the
previous release's scope labels."""

from __future__ import annotations

import pytest

from provisioner.sim.inspect import org_state
from provisioner.sim.model import ExternalClientApp
from provisioner.sim.pages.parts import catalog, eca

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect


ECA = "/lightning/setup/ManageExternalClientApplication"
SECTION = "API (Enable OAuth Settings)"
OTHER_OPTIONS = ("Introspect all Tokens", "Configure ID token", "Enable Device Flow", "Enable Token Exchange Flow",
                 "Enable Refresh Token Rotation", "Issue JSON Web Token (JWT)-based access tokens for named users")


@pytest.fixture
def open_page(browser):
    contexts = []

    def at(handle, path: str):  # noqa: ANN001 - a SimHandle
        context = browser.new_context()
        contexts.append(context)
        session = handle.org.new_session(handle.admin.username, None)
        context.add_cookies([{"name": "sid", "value": session.id, "url": handle.base_url}])
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(handle.base_url + path)
        return page

    yield at
    for context in contexts:
        context.close()


def seeded_app(handle) -> ExternalClientApp:  # noqa: ANN001
    org = handle.org
    app = ExternalClientApp(id=org.ids.sf_id("0xI"), name="Seeded", api_name="Seeded",
                            contact_email=handle.admin.username, oauth_enabled=True,
                            callback_urls=["http://localhost:1717/OauthRedirect"], scopes=["api"])
    with org.lock:
        org.apps[app.id] = app
    return app


@pytest.mark.e2e
def test_the_api_section_is_open_by_default_and_shows_the_other_options_at_their_defaults(sim_factory, open_page):
    page = open_page(sim_factory(), f"{ECA}/new")
    section = page.get_by_role("button", name=SECTION)
    expect(section).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Enable OAuth").check(force=True)
    for label in OTHER_OPTIONS:
        expect(page.get_by_label(label, exact=True)).not_to_be_checked()
    expect(page.get_by_label("Require secret for Web Server Flow")).to_be_checked()
    expect(page.get_by_label("Require secret for Refresh Token Flow")).to_be_checked()
    expect(page.get_by_label("Require Proof Key for Code Exchange")).to_be_checked()
    scopes = page.get_by_role("group", name="OAuth Scopes")
    for label in ("Access the Salesforce API Platform (sfap_api)", "Manage user data via APIs (api)"):
        expect(scopes.get_by_role("option", name=label, exact=True)).to_have_count(1)


@pytest.mark.e2e
def test_a_collapsed_section_hides_everything_until_opened_and_keeps_its_values(sim_factory, open_page):
    page = open_page(sim_factory(variant="collapsed-sections"), f"{ECA}/new")
    section = page.get_by_role("button", name=SECTION)
    expect(section).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Enable OAuth")).to_have_count(0)
    section.click()
    expect(section).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Enable OAuth").check(force=True)
    page.get_by_label("Enable Device Flow").check(force=True)
    section.click()  # closed again: nothing inside is there, and reopening keeps what was set
    expect(page.get_by_label("Enable OAuth")).to_have_count(0)
    section.click()
    expect(page.get_by_label("Enable OAuth")).to_be_checked()
    expect(page.get_by_label("Enable Device Flow")).to_be_checked()


@pytest.mark.e2e
def test_edit_settings_starts_collapsed_and_shows_the_app_s_other_options(sim_factory, open_page):
    handle = sim_factory(collapsed_sections=True)
    app = seeded_app(handle)
    app.token_exchange_enabled = True
    page = open_page(handle, f"{ECA}/{app.id}/editSettings")
    section = page.get_by_role("button", name=SECTION)
    expect(section).to_have_attribute("aria-expanded", "false")
    section.click()
    expect(page.get_by_label("Enable Token Exchange Flow")).to_be_checked()
    expect(page.get_by_label("Enable Device Flow")).not_to_be_checked()
    page.get_by_label("Description").fill("changed by hand")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="were saved")).to_be_visible()  # saved, not just clicked
    expect(page.get_by_role("tab", name="Settings")).to_have_attribute("aria-selected", "true")
    assert app.description == "changed by hand"
    assert app.token_exchange_enabled is True  # saved with the rest of the form, unchanged
    assert eca.form_options(app) == {**catalog.FORM_OPTION_DEFAULTS, "token_exchange_enabled": True}


@pytest.mark.e2e
def test_the_previous_release_shows_the_older_scope_labels(sim_factory, open_page):
    handle = sim_factory(variant="previous-release")
    app = seeded_app(handle)
    page = open_page(handle, f"{ECA}/{app.id}/editSettings")
    scopes = page.get_by_role("group", name="OAuth Scopes")
    expect(scopes.get_by_role("option", name="Access and manage your data (api)", exact=True)).to_have_count(1)
    expect(scopes.get_by_role("option", name="Manage user data via APIs (api)", exact=True)).to_have_count(0)
    expect(scopes.get_by_role("option", name="Provide access to your data via the Web (web)", exact=True)) \
        .to_have_count(1)


@pytest.mark.e2e
def test_the_form_has_no_run_as_the_policies_page_has_it(sim_factory, open_page):
    """Run As belongs to Edit Policies (behind that page's own box), not to New / Edit Settings."""
    handle = sim_factory()
    page = open_page(handle, f"{ECA}/new")
    page.get_by_label("Enable OAuth").check(force=True)
    page.get_by_label("Enable Client Credentials Flow").check(force=True)
    expect(page.get_by_label("Enable Client Credentials Flow")).to_be_checked()
    expect(page.get_by_label("Run As", exact=False)).to_have_count(0)
    app = seeded_app(handle)
    app.client_credentials_enabled = True
    page = open_page(handle, f"{ECA}/{app.id}/editPolicies")
    page.get_by_label("Enable Client Credentials Flow").click(force=True)
    page.get_by_role("dialog").get_by_role("button", name="OK").click()
    expect(page.get_by_label("Run As (Username)")).to_be_visible()


def test_the_other_options_are_fields_of_the_app_and_shown_by_the_inspection_api(sim_factory):
    assert set(catalog.FORM_OPTION_DEFAULTS) <= set(ExternalClientApp.__dataclass_fields__)
    handle = sim_factory()
    app = seeded_app(handle)
    assert eca.form_options(app) == catalog.FORM_OPTION_DEFAULTS  # a new app: every option at its default
    app.device_flow_enabled = True
    shown = next(a for a in org_state(handle.org)["apps"] if a["id"] == app.id)
    assert {name: shown[name] for name in catalog.FORM_OPTION_DEFAULTS} == {**catalog.FORM_OPTION_DEFAULTS,
                                                                           "device_flow_enabled": True}
