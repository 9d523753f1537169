"""The simulated classic Connected App pages, driven by hand in real headless Chromium: the form inside Lightning's
iframe, its server-side validation with classic errors, and the org setting that hides "New Connected App"."""

from __future__ import annotations

import re

import pytest

from provisioner.sim.app import build_router
from provisioner.sim.http import serve
from provisioner.sim.model import Profile, User
from provisioner.sim.org import OrgConfig, SimOrg

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.e2e

ADMIN = "admin@acme.example"
NEW_APP = "/lightning/setup/ConnectedApplication/page?address=%2Fapp%2Fmgmt%2Fforceconnectedapps%2FforceAppEdit.apexp"
FRAME = "force-aloha-page iframe[name^=vfFrameId]"


class Sim:
    def __init__(self, allowed: bool):
        self.org = SimOrg(OrgConfig(connected_apps_allowed=allowed), seed=3)
        self.org.profiles["00e000000000001"] = Profile("00e000000000001", "System Administrator")
        self.org.users[ADMIN] = User("005000000000001", ADMIN, "pw", ADMIN, "Ada", "Admin", "System Administrator")
        self.server, _ = serve(build_router(self.org))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def open_org(browser):
    started = []

    def start(allowed: bool = True):
        sim = Sim(allowed)
        context = browser.new_context()
        context.add_cookies([{"name": "sid", "value": sim.org.new_session(ADMIN, None).id, "url": sim.base}])
        context.set_default_timeout(10_000)
        started.append((sim, context))
        return sim, context.new_page()

    yield start
    for sim, context in started:
        context.close()
        sim.stop()


def field_error(frame, label: str):
    """The classic error under a field: in the row whose label cell says `label`."""
    return frame.locator("tr", has=frame.locator("td.labelCol", has_text=label)).locator(".errorMsg")


def test_the_form_is_validated_on_the_server_with_classic_errors(open_org):
    sim, page = open_org()
    page.goto(sim.base + NEW_APP)
    frame = page.frame_locator(FRAME)
    frame.locator('[id$=":emailSection:contactEmail"]').fill("admin@acme.example")
    frame.locator('[id$=":oauth:isOauth"]').check()
    frame.locator('[id$=":multiCallbackUrlSection:callbackUrl"]').fill("not a url")
    frame.locator('[id$=":duelingListBox:backingList_a"]').select_option(label="Access and manage your data (api)")
    frame.get_by_role("link", name="Add").click()
    frame.get_by_role("button", name="Save").first.click()

    expect(frame.locator("#errorDiv_ep")).to_contain_text("Invalid Data")
    expect(field_error(frame, "Connected App Name")).to_have_text("Error: You must enter a value")
    expect(field_error(frame, "Callback URL")).to_contain_text("Invalid URL")
    assert sim.org.apps == {}
    # what was entered is still there, the selected scope too
    expect(frame.locator('[id$=":multiCallbackUrlSection:callbackUrl"]')).to_have_value("not a url")
    expect(frame.locator('[id$=":duelingListBox:backingList_s"] option')).to_have_text(["Access and manage your data (api)"])

    frame.locator('[id$=":nameSection:name"]').fill("Dev Hub CLI")
    frame.locator('[id$=":nameSection:name"]').press("Tab")  # leaving the name fills the API name from it
    expect(frame.locator('[id$=":developerName"]')).to_have_value("Dev_Hub_CLI")
    frame.locator('[id$=":multiCallbackUrlSection:callbackUrl"]').fill("http://localhost:1717/OauthRedirect")
    frame.get_by_role("button", name="Save").first.click()
    expect(frame.get_by_text("Allow from 2-10 minutes")).to_be_visible()
    frame.get_by_role("button", name="Continue").click()
    expect(frame.locator(".pageDescription")).to_have_text("Dev Hub CLI")
    (app,) = sim.org.apps.values()
    assert app.kind == "connected_app" and app.id.startswith("0H4") and app.definition_id.startswith("06P")
    assert app.api_name == "Dev_Hub_CLI" and app.scopes == ["api"] and app.callback_urls == [
        "http://localhost:1717/OauthRedirect"]


def test_new_connected_app_is_offered_only_when_the_org_allows_it(open_org):
    sim, page = open_org(allowed=False)
    page.goto(sim.base + "/lightning/setup/NavigationMenus/home")
    expect(page.get_by_role("button", name="New External Client App")).to_be_visible()
    expect(page.get_by_role("button", name="New Connected App")).to_have_count(0)
    page.goto(sim.base + NEW_APP)  # the form's URL typed in: refused too
    expect(page.frame_locator(FRAME).locator("#errorDesc")).to_contain_text("Allow creation of connected apps")

    sim, page = open_org(allowed=True)
    page.goto(sim.base + "/lightning/setup/NavigationMenus/home")
    page.get_by_role("button", name="New Connected App").click()
    expect(page).to_have_url(re.compile(r"/lightning/setup/ConnectedApplication/page\?address="))
    expect(page.frame_locator(FRAME).locator('[id$=":nameSection:name"]')).to_be_visible()
