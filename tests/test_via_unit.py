"""The --via decision and the API session a login yields, without a browser: the session from a browser context's
cookies (a stand-in context) or the Salesforce CLI (a stand-in `sf`), the cheapest check against the simulated org's
REST API (an OAuth token, a browser login's session, a user without "API Enabled"), the inventory key and the flag."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from provisioner import sf_cli
from provisioner.api import from_login, via
from provisioner.api.login import ApiLogin
from provisioner.api.session import ApiSession
from provisioner.errors import ApiUnavailableError, ConfigError, LoginError, OrgUnavailableError
from provisioner.job.inventory import load_inventory
from provisioner.redact import SecretSet


@pytest.mark.parametrize("lightning, my_domain", [
    ("https://acme.lightning.force.com", "https://acme.my.salesforce.com"),
    ("https://acme--uat.sandbox.lightning.force.com", "https://acme--uat.sandbox.my.salesforce.com"),
    ("https://acme-dev-ed.develop.lightning.force.com", "https://acme-dev-ed.develop.my.salesforce.com"),
    ("https://acme.my.salesforce-setup.com", "https://acme.my.salesforce.com"),
    ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
    ("http://127.0.0.1:8443", "http://127.0.0.1:8443"),
])
def test_the_api_session_is_the_my_domain_s_not_the_lightning_domain_s(lightning, my_domain):
    assert from_login.my_domain_url(lightning) == my_domain


class Context:
    """The part of a Playwright BrowserContext from_browser uses."""

    def __init__(self, cookies):
        self._cookies = cookies
        self.asked: list[str] = []

    async def cookies(self, url):
        self.asked.append(url)
        return self._cookies


def test_the_browser_session_is_the_my_domain_sid_and_becomes_a_secret_at_once():
    context = Context([{"name": "oid", "value": "00D", "domain": "acme.my.salesforce.com"},
                       {"name": "sid", "value": "00D!parent", "domain": ".salesforce.com"},
                       {"name": "sid", "value": "00D!own", "domain": "acme.my.salesforce.com"}])
    secrets = SecretSet()
    api = asyncio.run(from_login.from_browser(context, "https://acme.lightning.force.com", secrets))
    assert context.asked == ["https://acme.my.salesforce.com"]
    assert api == ApiSession("https://acme.my.salesforce.com", "00D!own")
    assert "00D!own" not in repr(api)
    assert secrets.mask("token 00D!own") != "token 00D!own"


def test_no_session_cookie_is_api_unavailable_naming_the_host():
    with pytest.raises(ApiUnavailableError, match="acme.my.salesforce.com") as caught:
        asyncio.run(from_login.from_browser(Context([]), "https://acme.lightning.force.com", SecretSet()))
    assert caught.value.exit_code == 37


def test_the_cli_path_uses_the_cli_s_access_token(monkeypatch):
    calls = []

    def run_sf(*args, timeout=180):
        calls.append(args)
        return {"accessToken": "00D!cli-token"}

    monkeypatch.setattr(sf_cli, "run_sf", run_sf)
    secrets = SecretSet()
    api = from_login.from_cli("uat", "https://acme--uat.sandbox.my.salesforce.com", secrets)
    assert calls == [("org", "auth", "show-access-token", "--target-org", "uat")]
    assert api.session_id == "00D!cli-token" and api.instance_url == "https://acme--uat.sandbox.my.salesforce.com"
    assert "00D!cli-token" not in secrets.mask("00D!cli-token")


@pytest.mark.parametrize("answer", [{"accessToken": "[REDACTED] Use 'sf org auth show-access-token' to view"}, {}])
def test_a_cli_without_a_token_is_one_login_line(monkeypatch, answer):
    monkeypatch.setattr(sf_cli, "run_sf", lambda *args, timeout=180: answer)
    with pytest.raises(LoginError, match="sf org login web -o uat"):
        from_login.from_cli("uat", "https://x.my.salesforce.com", SecretSet())


# --- the cheapest check, against the simulated org's REST API ---------------------------------------------------
def test_the_check_passes_for_a_token_and_for_a_browser_login_s_session(sim_factory):
    handle = sim_factory(mail="embedded")
    via.probe(ApiSession(handle.base_url, handle.cli_token()), "admin")
    session = handle.org.new_session(handle.org.config.admin_username, None)
    via.probe(ApiSession(handle.base_url, session.id), "admin")


def test_a_user_without_api_enabled_is_api_unavailable_with_salesforce_s_code(sim_factory):
    handle = sim_factory(mail="embedded", variant="no-api-user")
    session = handle.org.new_session(handle.org.config.admin_username, None)
    with pytest.raises(ApiUnavailableError) as caught:
        via.probe(ApiSession(handle.base_url, session.id), "admin@acme.example")
    line = str(caught.value)
    assert "admin@acme.example" in line and "API Enabled" in line and "API_CURRENTLY_DISABLED" in line


def test_an_unknown_session_is_api_unavailable_and_an_unreachable_org_is_transient(sim_factory):
    handle = sim_factory(mail="embedded")
    with pytest.raises(ApiUnavailableError, match="INVALID_SESSION_ID"):
        via.probe(ApiSession(handle.base_url, "00Dnot!a-session"), "admin")
    base = handle.base_url
    handle.stop()
    with pytest.raises(OrgUnavailableError):
        via.probe(ApiSession(base, "00D!x"), "admin", timeout=5)


# --- the decision ---------------------------------------------------------------------------------------------------
def test_api_for_a_connected_app_is_refused_before_the_browser_and_auto_takes_the_pages():
    with pytest.raises(ApiUnavailableError, match="connected_app has no API path") as caught:
        via.check_requested("api", "connected_app")
    assert caught.value.exit_code == 37
    via.check_requested("auto", "connected_app")
    chosen = via.browser_only("auto", "connected_app")
    assert chosen.path == "browser" and "connected_app has no API path" in chosen.reason
    assert via.browser_only("browser", "external_client_app").path == "browser"
    assert via.browser_only("auto", "external_client_app") is None
    recorded = via.browser_only("auto", "external_client_app", recording=True)
    assert recorded.path == "browser" and "recorded" in recorded.reason
    assert via.browser_only("api", "external_client_app", recording=True) is None
    with pytest.raises(ConfigError):
        via.check_requested("sideways", "external_client_app")


def test_auto_falls_back_and_says_why_api_has_no_fallback():
    error = ApiUnavailableError("admin cannot use the API: no\nsecond line")
    chosen = via.fall_back("auto", error)
    assert chosen.path == "browser" and chosen.api is None
    assert chosen.reason == "auto: the API is not available (admin cannot use the API: no): the Setup pages"
    with pytest.raises(ApiUnavailableError):
        via.fall_back("api", error)
    api = ApiSession("https://acme.my.salesforce.com", "s")
    assert via.api_chosen("auto", api).path == "api" and via.api_chosen("api", api).reason.startswith("--via api")


# --- where the choice is made: the flag and the inventory -----------------------------------------------------------
def test_setup_offers_via_with_auto_as_default():
    from provisioner.cli import main

    result = CliRunner().invoke(main, ["setup", "--help"])
    assert result.exit_code == 0 and "--via [auto|api|browser]" in result.output
    assert "default: auto" in result.output
    bad = CliRunner().invoke(main, ["setup", "--via", "sideways"])
    assert bad.exit_code == 2 and "sideways" in bad.output


def inventory(tmp_path, defaults: str = "", org: str = ""):
    (tmp_path / "app.toml").write_text('name = "CI"\napi_name = "CI"\ncontact_email = "ci@acme.example"\n')
    path = tmp_path / "fleet.toml"
    path.write_text(f'[defaults]\nspec = "app.toml"\n{defaults}\n'
                    f'[[org]]\nname = "a"\ntarget_org = "a"\n{org}\n[[org]]\nname = "b"\ntarget_org = "b"\n')
    return load_inventory(path)


def test_the_inventory_key_via_defaults_to_auto_and_an_org_may_name_its_own(tmp_path):
    assert [o.via for o in inventory(tmp_path).orgs] == ["auto", "auto"]
    assert [o.via for o in inventory(tmp_path, 'via = "browser"', 'via = "api"').orgs] == ["api", "browser"]


def test_a_bad_via_in_the_inventory_names_the_entry_and_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"org 'a'.*key 'via' must be one of auto, api, browser"):
        inventory(tmp_path, org='via = "pages"')


def test_an_inventory_org_s_via_reaches_its_task(tmp_path, monkeypatch):
    from provisioner.job.org_attempt import OrgAttempts

    inv = inventory(tmp_path, org='via = "api"')
    monkeypatch.setattr(sf_cli, "describe", lambda target: sf_cli.CliOrg(target, "ci@acme.example",
                                                                         "https://acme.my.salesforce.com"))
    attempts = OrgAttempts(inv, dry_run=True)
    assert attempts.task(inv.org("a")).via == "api" and attempts.task(inv.org("b")).via == "auto"


def test_the_job_report_says_which_path_made_each_org_s_app(tmp_path):
    from provisioner.one_org import OrgOutcome

    from .test_job_unit import inventory_of, run_job

    async def work(browser, org, events, deadline):  # noqa: ANN001
        if org.name == "a":
            return OrgOutcome(status="created", verified=True, via="api", via_reason="auto: the org's API ...")
        return OrgOutcome(status="unchanged", verified=True, via="browser", via_reason="auto: the API is not ...")

    report, _, _ = run_job(inventory_of(tmp_path, "a", "b"), work)
    by_name = {org.name: org for org in report.orgs}
    assert (by_name["a"].via, by_name["b"].via) == ("api", "browser")
    assert by_name["b"].via_reason.startswith("auto: the API is not")
    saved = {org["name"]: org for org in report.to_dict()["orgs"]}
    assert saved["a"]["via"] == "api" and saved["b"]["via_reason"] == by_name["b"].via_reason


# --- a session that ends under a step: log in again, once ----------------------------------------------------------
ORG = type("Org", (), {"username": "admin@acme.example", "sf_target_org": None, "login_url": ""})()


class FlowStub:
    class timeouts:  # noqa: N801 - FlowSession.timeouts' shape
        page_ms = 5_000

    def __init__(self, url="https://acme.my.salesforce.com/?ec=302&startURL=%2Flightning"):
        class Page:
            pass

        self.page = Page()
        self.page.url = url


def test_an_api_step_whose_session_ended_logs_in_again_takes_the_new_session_and_runs_once_more(monkeypatch):
    from provisioner import provision
    from provisioner.api import from_login as fl

    logins, sessions = [], iter(["00D!first", "00D!second"])

    async def enter_org(session, org):  # noqa: ANN001
        logins.append(org)
        return "https://acme.lightning.force.com"

    async def api_session(context, org, instance_url, secrets):  # noqa: ANN001
        return ApiSession(fl.my_domain_url(instance_url), next(sessions))

    monkeypatch.setattr(fl, "api_session", api_session)
    monkeypatch.setattr(via, "probe", lambda api, username, timeout=30: (_ for _ in ()).throw(
        ApiUnavailableError("the org refused the API session")))
    login = ApiLogin(None, ORG, SecretSet(), relogin=lambda: enter_org(None, ORG), final=provision._FINAL,
                     timeout=30)
    used = []

    async def step():
        used.append(login.session.session_id)
        if len(used) == 1:
            raise ApiUnavailableError("the org refused the API session (expired or not valid for the API)")
        return "done"

    async def scenario():
        await login.connect("https://acme.lightning.force.com")
        return await login.again_after_login(step)

    assert asyncio.run(scenario()) == "done"
    assert used == ["00D!first", "00D!second"] and logins == [ORG]


def test_an_api_step_failing_while_the_session_still_works_is_not_retried(monkeypatch):
    from provisioner import provision
    from provisioner.errors import MetadataDeployError

    monkeypatch.setattr(via, "probe", lambda api, username, timeout=30: None)
    login = ApiLogin(None, ORG, SecretSet(), relogin=lambda: None, final=provision._FINAL, timeout=30)
    login.session = ApiSession("https://acme.my.salesforce.com", "00D!s")
    calls = []

    async def step():
        calls.append(1)
        raise ApiUnavailableError("INSUFFICIENT_ACCESS: use of the Metadata API requires ModifyMetadata")

    with pytest.raises(ApiUnavailableError, match="INSUFFICIENT_ACCESS"):
        asyncio.run(login.again_after_login(step))

    async def failed_deploy():
        calls.append(2)
        raise MetadataDeployError("the metadata deploy failed: bad callback URL")

    with pytest.raises(MetadataDeployError):
        asyncio.run(login.again_after_login(failed_deploy))
    assert calls == [1, 2]


def test_a_page_step_cut_short_by_the_login_page_logs_in_again(monkeypatch):
    from provisioner import provision

    logins = []

    async def enter_org(session, org):  # noqa: ANN001
        logins.append(org)
        return "https://acme.lightning.force.com"

    monkeypatch.setattr(provision, "enter_org", enter_org)
    tries = []

    async def step():
        tries.append(1)
        if len(tries) == 1:
            raise OrgUnavailableError("the page went away")
        return "saved"

    assert asyncio.run(provision._again_after_login(FlowStub(), "org", step)) == "saved"
    assert logins == ["org"] and len(tries) == 2
