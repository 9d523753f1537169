"""The simulated Lightning Setup pages for External Client Apps, driven by hand in real headless Chromium.

Locators are the ones a real flow would use (labels, roles, button names) and pierce the open shadow roots.
The org is assembled here from its parts (its own users, a mailbox that is a list); logging in = a session cookie.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from provisioner.sim import messages
from provisioner.sim.app import build_router
from provisioner.sim.http import serve
from provisioner.sim.model import PermissionSet, Profile, User
from provisioner.sim.org import OrgConfig, SimOrg

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

ADMIN = "admin@acme.example"
ECA = "/lightning/setup/ManageExternalClientApplication"
CODE_RE = re.compile(r"Verification Code: (\d+)")


def make_certificate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provisioner-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class Sim:
    def __init__(self):
        self.org = SimOrg(OrgConfig(), seed=7)
        org = self.org
        for pid, name in (("00e000000000001", "System Administrator"), ("00e000000000002", "Standard User")):
            org.profiles[pid] = Profile(pid, name)
        org.permission_sets["0PS000000000001"] = PermissionSet("0PS000000000001", "ECA_Users", "ECA Users")
        org.users[ADMIN] = User("005000000000001", ADMIN, "pw", ADMIN, "Ada", "Admin", "System Administrator")
        org.users["integration@acme.example"] = User("005000000000002", "integration@acme.example", "pw",
                                                     "integration@acme.example", "Int", "User", "Standard User")
        # API only: what the client credentials flow's Run As needs
        org.users["api@acme.example"] = User("005000000000003", "api@acme.example", "pw", "api@acme.example", "Api",
                                             "Only", "Minimum Access - API Only Integrations")
        self.mails: list[tuple[str, str, str]] = []
        org.compose_verification = lambda _org, user, code: (
            "Verify your identity in Salesforce", f"Verification Code: {code}", f"<p>Verification Code: {code}</p>")
        org.send_mail = lambda to, subject, text, html: self.mails.append((to, subject, text))
        self.server, _ = serve(build_router(org))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def last_code(self) -> str:
        return CODE_RE.findall(self.mails[-1][2])[-1]


@pytest.fixture(scope="module")
def sim():  # the org's router on a server of its own (the `browser` fixture is the shared session one)
    s = Sim()
    yield s
    s.server.shutdown()
    s.server.server_close()


def logged_in(browser, sim):
    context = browser.new_context()
    session = sim.org.new_session(ADMIN, None)
    context.add_cookies([{"name": "sid", "value": session.id, "url": sim.base}])
    context.set_default_timeout(10_000)
    return context, session


@pytest.fixture
def page(browser, sim):
    context, _ = logged_in(browser, sim)
    yield context.new_page()
    context.close()


def check(locator):
    """SLDS checkboxes: the faux box in the label covers the (1px) input, as on a real org, so click through it."""
    locator.check(force=True)


def select_option(page, combobox_label: str, option: str):
    page.get_by_role("combobox", name=combobox_label).click()
    page.get_by_role("option", name=option, exact=True).click()


def move_to_selected(page, group: str, *options: str):
    box = page.get_by_role("group", name=group)
    for i, option in enumerate(options):
        box.get_by_role("option", name=option, exact=True).click(modifiers=["Control"] if i else None)
    box.get_by_role("button", name="Move selection to Selected").click()


def open_new_form(page, sim):
    page.goto(f"{sim.base}{ECA}/new")
    expect(page.get_by_role("button", name="Create")).to_be_visible()


def enable_oauth(page, callback="https://login.example.com/callback", scopes=("Manage user data via APIs (api)",)):
    check(page.get_by_label("Enable OAuth"))
    page.get_by_label("Callback URL").fill(callback)
    if scopes:
        move_to_selected(page, "OAuth Scopes", *scopes)


@pytest.mark.e2e
def test_create_app_by_hand(page, sim, tmp_path):
    pem = make_certificate_pem()
    (tmp_path / "server.crt").write_text(pem)
    page.goto(f"{sim.base}/lightning/setup/NavigationMenus/home")
    page.get_by_role("button", name="New External Client App").click()
    expect(page).to_have_url(re.compile(r"/ManageExternalClientApplication/new$"))

    page.get_by_label("External Client App Name").fill("CI Deploy App")
    page.get_by_label("Contact Email").fill("admin@acme.example")
    expect(page.get_by_label("API Name")).to_have_value("CI_Deploy_App")
    select_option(page, "Distribution State", "Local")
    page.get_by_label("Description").fill("Deploys from CI")
    enable_oauth(page, callback="https://login.salesforce.com/services/oauth2/callback\nhttp://localhost:1717/OauthRedirect",
                 scopes=("Manage user data via APIs (api)", "Perform requests at any time (refresh_token, offline_access)",
                         "Access the identity URL service (id, profile, email, address, phone)"))
    check(page.get_by_label("Enable Client Credentials Flow"))
    # its Run As is the Policies page's ("Run As (Username)", behind that page's own box): not on this form
    expect(page.get_by_label("Enable Client Credentials Flow")).to_be_checked()
    expect(page.get_by_label("Run As", exact=False)).to_have_count(0)
    check(page.get_by_label("Enable JWT Bearer Flow"))
    page.get_by_label("Upload Files").set_input_files(str(tmp_path / "server.crt"))
    expect(page.get_by_label("Require Proof Key for Code Exchange")).to_be_checked()  # on by default
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_role("status").filter(has_text='"CI Deploy App" was created')).to_be_visible()
    expect(page.get_by_role("tab", name="Settings")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("button", name="Consumer Key and Secret")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/ManageExternalClientApplication/0xI\w+/detail$"))

    app = sim.org.app_by_api_name("CI_Deploy_App")
    assert app is not None and app.id.startswith("0xI")
    assert app.name == "CI Deploy App" and app.description == "Deploys from CI"
    assert app.oauth_enabled and app.jwt_enabled and app.pkce_required
    assert app.callback_urls == ["https://login.salesforce.com/services/oauth2/callback", "http://localhost:1717/OauthRedirect"]
    assert set(app.scopes) == {"api", "refresh_token offline_access", "id profile email address phone"}
    assert app.client_credentials_enabled and app.client_credentials_user is None  # set on Edit Policies only
    expect(page.get_by_text("Run As")).to_have_count(0)  # nor on the Settings tab
    assert x509.load_pem_x509_certificate(app.certificate_pem.encode()).subject == \
        x509.load_pem_x509_certificate(pem.encode()).subject
    assert re.fullmatch(r"3MVG9[A-Za-z0-9._]{80}", app.consumer_key)
    assert re.fullmatch(r"[0-9A-F]{64}", app.consumer_secret)
    assert time.time() - app.changed_at < 60

    # both managers list the new app; the secret never reaches the page
    page.goto(f"{sim.base}{ECA}/home")
    row = page.get_by_role("row", name=re.compile("CI Deploy App"))
    expect(row).to_contain_text("CI_Deploy_App")
    expect(row).to_contain_text("Local")
    page.goto(f"{sim.base}/lightning/setup/NavigationMenus/home")
    expect(page.get_by_role("row", name=re.compile("CI Deploy App"))).to_contain_text("External Client App")
    assert app.consumer_secret not in page.content()


VALIDATION_CASES = {
    "missing name": ("", "No_Name_App", "https://ok.example/cb", True, None,
                     "External Client App Name", "Complete this field."),
    "duplicate API name": ("Another Deploy App", "CI_Deploy_App_Dup", "https://ok.example/cb", True, None,
                           "API Name", "The API name already exists."),
    "malformed callback URL": ("Bad Callback", "Bad_Callback", "not a url", True, None,
                               "Callback URL", "Enter a valid URL."),
    "certificate not X.509": ("Bad Cert", "Bad_Cert", "https://ok.example/cb", True, "-----BEGIN CERTIFICATE-----\nnope\n",
                              "Upload Files", "The certificate isn't valid"),
    "no scope": ("No Scope", "No_Scope", "https://ok.example/cb", False, None,
                 "OAuth Scopes", "Select at least one OAuth scope."),
}


@pytest.mark.e2e
@pytest.mark.parametrize("case", list(VALIDATION_CASES))
def test_validation_errors(page, sim, tmp_path, case):
    name, api_name, callback, with_scope, cert, field, message = VALIDATION_CASES[case]
    if case == "duplicate API name":
        with sim.org.lock:
            from provisioner.sim.model import ExternalClientApp
            sim.org.apps["0xI000000000DUPAAA"] = ExternalClientApp("0xI000000000DUPAAA", "Dup", "CI_Deploy_App_Dup", "a@b.example")
    before = len(sim.org.apps)
    open_new_form(page, sim)
    if name:
        page.get_by_label("External Client App Name").fill(name)
    page.get_by_label("API Name").fill(api_name)
    page.get_by_label("Contact Email").fill("admin@acme.example")
    enable_oauth(page, callback=callback, scopes=("Full access (full)",) if with_scope else ())
    if cert is not None:
        (tmp_path / "bad.crt").write_text(cert)
        check(page.get_by_label("Enable JWT Bearer Flow"))
        page.get_by_label("Upload Files").set_input_files(str(tmp_path / "bad.crt"))
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_role("alert").filter(has_text="Review the errors on this page.")).to_be_visible()
    expect(page.get_by_text("We hit a snag.")).to_be_visible()
    if field == "OAuth Scopes":
        group = page.get_by_role("group", name="OAuth Scopes")
        expect(group).to_contain_text(message)
    else:
        expect(page.get_by_label(field)).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".slds-has-error .slds-form-element__help")).to_contain_text(message)
    assert len(sim.org.apps) == before
    expect(page).to_have_url(re.compile(r"/new$"))


def _aura(sim, sid: str | None, token: str, action: str, params: dict) -> tuple[int, dict]:
    message = {"actions": [{"id": "1;a", "descriptor": f"x/ACTION${action}", "params": params}]}
    body = urllib.parse.urlencode({"message": json.dumps(message), "aura.token": token}).encode()
    request = urllib.request.Request(f"{sim.base}/aura?r=1", data=body, method="POST")
    if sid:
        request.add_header("Cookie", f"sid={sid}")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_server_validates_what_the_browser_sends(sim):
    """A hand-made POST gets the same checks as the form: nothing is trusted from the browser."""
    session = sim.org.new_session(ADMIN, None)
    request = urllib.request.Request(f"{sim.base}{ECA}/new", headers={"Cookie": f"sid={session.id}"})
    token = json.loads(re.search(r"window\.\$SIM = (\{.*?\});", urllib.request.urlopen(request).read().decode()).group(1))["token"]
    fields = {"name": "Sneaky", "api_name": "Sneaky__App_", "contact_email": "nope", "oauth_enabled": True,
              "callback_urls": "javascript alert(1)", "scopes": ["api", "made_up"], "jwt_enabled": True,
              "certificate": "junk", "client_credentials_enabled": True}
    status, data = _aura(sim, session.id, token, "eca.create", {"fields": fields})
    assert status == 200 and data["actions"][0]["state"] == "ERROR"
    errors = data["actions"][0]["error"][0]["fieldErrors"]
    assert set(errors) >= {"api_name", "contact_email", "callback_urls", "scopes", "certificate"}
    assert sim.org.app_by_api_name("Sneaky__App_") is None

    status, data = _aura(sim, None, token, "eca.list", {})
    assert status == 401 and data["event"]["descriptor"] == "markup://aura:invalidSession"
    status, _ = _aura(sim, session.id, "forged", "eca.list", {})
    assert status == 401


def _page_token(sim, sid: str) -> str:
    request = urllib.request.Request(f"{sim.base}{ECA}/new", headers={"Cookie": f"sid={sid}"})
    page = urllib.request.urlopen(request).read().decode()
    return json.loads(re.search(r"window\.\$SIM = (\{.*?\});", page).group(1))["token"]


def test_a_run_as_without_api_only_gets_in_by_no_page(sim):
    """The client credentials flow's Run As is set on Edit Policies only, where it must be API only: a Run As sent
    with New or Edit Settings (as the old form had one) is ignored, the Policies page refuses an active user without
    API Only, and the classic Connected App's policies have no Run As at all."""
    from provisioner.sim.pages.parts.validation import validate_policies

    session = sim.org.new_session(ADMIN, None)
    token = _page_token(sim, session.id)
    not_api_only = "integration@acme.example"  # active, a Standard User
    fields = {"name": "Run As Probe", "api_name": "Run_As_Probe", "contact_email": ADMIN, "oauth_enabled": True,
              "callback_urls": "https://ok.example/cb", "scopes": ["api"], "client_credentials_enabled": True,
              "client_credentials_user": not_api_only}
    status, data = _aura(sim, session.id, token, "eca.create", {"fields": fields})
    assert status == 200 and data["actions"][0]["state"] == "SUCCESS", data
    app = sim.org.app_by_api_name("Run_As_Probe")
    assert app.client_credentials_enabled and app.client_credentials_user is None

    status, data = _aura(sim, session.id, token, "eca.updateSettings", {"id": app.id, "fields": fields})
    assert data["actions"][0]["state"] == "SUCCESS" and app.client_credentials_user is None

    policies = {"permitted_users": "AllSelfAuthorized", "refresh_token_policy": "Infinite",
                "ip_relaxation": "Enforce", "client_credentials_enabled": True}
    for user in (not_api_only, "ghost@acme.example", ""):
        status, data = _aura(sim, session.id, token, "eca.updatePolicies",
                             {"id": app.id, "fields": {**policies, "client_credentials_user": user}})
        action = data["actions"][0]
        assert action["state"] == "ERROR" and "client_credentials_user" in action["error"][0]["fieldErrors"], user
        assert app.client_credentials_user is None
    status, data = _aura(sim, session.id, token, "eca.updatePolicies",
                         {"id": app.id, "fields": {**policies, "client_credentials_user": "API@acme.example"}})
    assert data["actions"][0]["state"] == "SUCCESS" and app.client_credentials_user == "api@acme.example"

    classic, _ = validate_policies({**policies, "session_timeout": "", "client_credentials_user": not_api_only},
                                   sim.org)
    assert classic is not None and classic.client_credentials_user is None


@pytest.mark.e2e
def test_edit_settings_keeps_api_name(page, sim):
    open_new_form(page, sim)
    page.get_by_label("External Client App Name").fill("Editable App")
    page.get_by_label("Contact Email").fill("admin@acme.example")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("tab", name="Settings")).to_be_visible()
    app = sim.org.app_by_api_name("Editable_App")
    changed = app.changed_at

    page.goto(f"{sim.base}{ECA}/home")
    page.get_by_role("row", name=re.compile("Editable App")).get_by_role("button", name="Show actions").click()
    page.get_by_role("menuitem", name="Edit Settings").click()
    expect(page.get_by_label("API Name")).to_have_value("Editable_App")
    expect(page.get_by_label("API Name")).not_to_be_editable()
    page.get_by_label("Description").fill("Now with a description")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="were saved")).to_be_visible()
    expect(page.get_by_role("group", name="Description")).to_contain_text("Now with a description")
    assert app.description == "Now with a description" and app.api_name == "Editable_App"
    assert app.changed_at >= changed


@pytest.mark.e2e
def test_edit_policies_with_permitted_users_confirmation(page, sim):
    open_new_form(page, sim)
    page.get_by_label("External Client App Name").fill("Policy App")
    page.get_by_label("Contact Email").fill("admin@acme.example")
    enable_oauth(page)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("tab", name="Policies")).to_be_visible()
    app = sim.org.app_by_api_name("Policy_App")
    created_changed_at = app.changed_at

    page.goto(f"{sim.base}{ECA}/home")
    page.get_by_role("row", name=re.compile("Policy App")).get_by_role("button", name="Show actions").click()
    page.get_by_role("menuitem", name="Edit Policies").click()
    expect(page.get_by_role("tab", name="Policies")).to_have_attribute("aria-selected", "true")

    permitted = page.get_by_role("combobox", name="Permitted Users")
    expect(permitted).to_have_text("All users can self-authorize")
    select_option(page, "Permitted Users", "Admin approved users are pre-authorized")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(permitted).to_have_text("All users can self-authorize")
    select_option(page, "Permitted Users", "Admin approved users are pre-authorized")
    page.get_by_role("dialog").get_by_role("button", name="OK").click()
    expect(permitted).to_have_text("Admin approved users are pre-authorized")

    move_to_selected(page, "Select Profiles", "System Administrator")
    move_to_selected(page, "Select Permission Sets", "ECA Users")
    # the Policies page's own client credentials box: confirmed before it turns on, then it asks for Run As
    cc = page.get_by_label("Enable Client Credentials Flow")
    cc.click(force=True)  # not check(): the box stays off until the confirmation is answered
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(cc).not_to_be_checked()
    expect(page.get_by_label("Run As (Username)")).to_have_count(0)
    cc.click(force=True)
    page.get_by_role("dialog").get_by_role("button", name="OK").click()
    expect(cc).to_be_checked()
    page.get_by_label("Run As (Username)").fill("integration@acme.example")  # active, but not API only

    # the External Client App wording: "... specific time"; a session timeout of any number of minutes
    expect(page.get_by_role("radiogroup", name="Refresh Token Policy").get_by_role("radio")).to_have_count(4)
    check(page.get_by_label("Expire refresh token after specific time"))
    page.get_by_label("Refresh Token Validity Period").fill("7")
    select_option(page, "Refresh Token Validity Unit", "Day(s)")
    select_option(page, "IP Relaxation", "Relax IP restrictions for activated devices")
    expect(page.get_by_label("Session Timeout in Minutes")).to_have_attribute("type", "number")
    page.get_by_label("Session Timeout in Minutes").fill("2000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Session Timeout in Minutes")).to_have_attribute("aria-invalid", "true")
    run_as = page.get_by_label("Run As (Username)")
    expect(run_as).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter a valid execution user for the OAuth client credentials flow.")).to_be_visible()
    assert app.policies.permitted_users == "AllSelfAuthorized" and app.client_credentials_user is None

    run_as.fill("api@acme.example")
    page.get_by_label("Session Timeout in Minutes").fill("45")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="were saved")).to_be_visible()
    expect(page.get_by_role("group", name="Permitted Users")).to_contain_text("Admin approved users are pre-authorized")
    p = app.policies
    assert p.permitted_users == "AdminApprovedPreAuthorized"
    assert p.profiles == ["System Administrator"] and p.permission_sets == ["ECA_Users"]
    assert (p.refresh_token_policy, p.refresh_token_period, p.refresh_token_unit) == ("SpecificLifetime", 7, "Days")
    assert p.ip_relaxation == "Bypass_2factor" and p.session_timeout_minutes == 45
    assert app.client_credentials_user == "api@acme.example"
    assert app.changed_at > created_changed_at

    # a bad period is refused with a field error, and nothing changes
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Refresh Token Validity Period").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Refresh Token Validity Period")).to_have_attribute("aria-invalid", "true")
    assert p.refresh_token_period == 7


@pytest.mark.e2e
def test_consumer_key_and_secret_behind_emailed_code(browser, sim):
    context, _ = logged_in(browser, sim)
    page = context.new_page()
    open_new_form(page, sim)
    page.get_by_label("External Client App Name").fill("Secret App")
    page.get_by_label("Contact Email").fill("admin@acme.example")
    enable_oauth(page)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("button", name="Consumer Key and Secret")).to_be_visible()
    app = sim.org.app_by_api_name("Secret_App")

    mails_before = len(sim.mails)
    with context.expect_page() as new_tab:
        page.get_by_role("button", name="Consumer Key and Secret").click()
    tab = new_tab.value
    expect(tab.get_by_role("heading", name="Verify Your Identity")).to_be_visible()
    expect(tab.get_by_text("Enter the verification code we emailed to ad****@**me.example.")).to_be_visible()
    assert len(sim.mails) == mails_before + 1
    code = sim.last_code()

    tab.get_by_label("Verification Code").fill("000000" if code != "000000" else "111111")
    tab.get_by_role("button", name="Verify").click()
    expect(tab.get_by_label("Verification Code")).to_have_attribute("aria-invalid", "true")

    sim.org.codes[-1].issued_at -= 3600  # the emailed code grows old
    tab.get_by_label("Verification Code").fill(code)
    tab.get_by_role("button", name="Verify").click()
    expect(tab.get_by_text(messages.INVALID_OR_EXPIRED_CODE)).to_be_visible()

    tab.get_by_role("button", name="Resend Code").click()
    expect(tab.get_by_role("status").filter(has_text="We sent a new verification code")).to_be_visible()
    tab.get_by_label("Verification Code").fill(sim.last_code())
    tab.get_by_role("button", name="Verify").click()
    expect(tab.get_by_role("heading", name="Consumer Details")).to_be_visible()
    key_group = tab.get_by_role("group", name="Consumer Key")
    secret_group = tab.get_by_role("group", name="Consumer Secret")
    expect(key_group.get_by_role("button", name="Copy")).to_be_visible()
    expect(secret_group.get_by_role("button", name="Copy")).to_be_visible()
    # values sit in a shadow root (lightning-formatted-text): read them with a text locator, which pierces it
    assert key_group.get_by_text(re.compile(r"^3MVG9")).inner_text() == app.consumer_key
    assert secret_group.get_by_text(re.compile(r"^[0-9A-F]{64}$")).inner_text() == app.consumer_secret
    context.close()

    # another session (another browser, same user) must verify on its own
    other, _ = logged_in(browser, sim)
    other_page = other.new_page()
    other_page.goto(f"{sim.base}{ECA}/{app.id}/consumerDetails")
    expect(other_page.get_by_role("heading", name="Verify Your Identity")).to_be_visible()
    assert app.consumer_secret not in other_page.content()
    other.close()


@pytest.mark.e2e
def test_missing_session_redirects_and_expired_session_toasts(browser, sim):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{sim.base}{ECA}/home")
    parts = urllib.parse.urlsplit(page.url)
    assert parts.path == "/"
    query = urllib.parse.parse_qs(parts.query)
    assert query["ec"] == ["302"] and query["startURL"] == [f"{ECA}/home"]
    context.close()

    context, session = logged_in(browser, sim)
    page = context.new_page()
    open_new_form(page, sim)
    with sim.org.lock:
        del sim.org.sessions[session.id]  # the session ends while the page is open
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert").filter(has_text="Your session has ended")).to_be_visible()
    context.close()


@pytest.mark.e2e
def test_element_ids_differ_between_renders(page, sim):
    ids = []
    for _ in range(2):
        open_new_form(page, sim)
        ids.append(page.get_by_label("External Client App Name").get_attribute("id"))
    assert ids[0] != ids[1]
    assert all(re.fullmatch(r"input-\d+", i) for i in ids)


@pytest.mark.e2e
def test_quick_find_filters_setup_tree(page, sim):
    page.goto(f"{sim.base}{ECA}/home")
    page.get_by_label("Quick Find").fill("external")
    tree = page.get_by_role("tree", name="Setup")
    expect(tree.get_by_role("link", name="External Client App Manager")).to_be_visible()
    expect(tree.get_by_role("link", name="Profiles")).to_have_count(0)
