"""A simulated Dev Hub creates a scratch org (ScratchOrgInfo / ActiveScratchOrg), and the scratch org's admin logs in
with the Dev Hub's Connected App at test.salesforce.com: with the real `sf org login jwt` and with `verify`."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.errors import VerifyError
from provisioner.sim.model import ExternalClientApp, OAuthPolicies
from provisioner.sim.scratch import scratch_org

from .test_oauth_strict import ci_keys  # noqa: F401 - fixture
from .test_sf_cli import sf  # noqa: F401 - fixture: the real Salesforce CLI

pytestmark = [pytest.mark.e2e, pytest.mark.sfcli]
API = "/services/data/v66.0"


def rest(url: str, token: str, body: dict | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {token}",
                                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def query(base: str, token: str, soql: str) -> tuple[int, object]:
    return rest(f"{base}{API}/query?q={urllib.parse.quote(soql)}", token)


@pytest.fixture
def hub(sim_factory, ci_keys):  # noqa: F811
    """A Dev Hub whose Connected App (JWT, System Administrator pre-authorised) already exists, as `setup --spec
    devhub-connected-app-jwt` leaves it."""
    handle = sim_factory(mail="embedded", dev_hub=True)
    org = handle.org
    key_path, cert_path = ci_keys
    app = ExternalClientApp(
        id=org.ids.sf_id("0H4"), name="Dev Hub CLI JWT", api_name="Dev_Hub_CLI_JWT",
        contact_email="admin@acme.example", oauth_enabled=True, callback_urls=["http://localhost:1717/OauthRedirect"],
        scopes=["api", "web", "refresh_token", "offline_access"], jwt_enabled=True,
        certificate_pem=cert_path.read_text(), consumer_key="3MVG9" + org.ids.token(80),
        consumer_secret=org.ids.digits(64), kind="connected_app",
        policies=OAuthPolicies(permitted_users="AdminApprovedPreAuthorized", profiles=["System Administrator"]))
    app.changed_at = time.time() - 60  # propagated
    org.apps[app.id] = app
    return handle, app, key_path


def test_a_scratch_org_of_the_dev_hub_logs_in_with_the_dev_hubs_app(hub, sf, tmp_path):  # noqa: F811
    handle, app, key_path = hub
    token = handle.cli_token()
    status, created = rest(f"{handle.base_url}{API}/sobjects/ScratchOrgInfo", token,
                           {"Edition": "Developer", "OrgName": "Feature X", "DurationDays": 3})
    assert status == 201 and created["success"] is True, created
    status, infos = query(handle.base_url, token, f"SELECT Id, SignupUsername, LoginUrl, Status, ScratchOrg "
                                                  f"FROM ScratchOrgInfo WHERE Id = '{created['id']}'")
    assert status == 200 and infos["totalSize"] == 1, infos
    info = infos["records"][0]
    assert info["Status"] == "Active"
    status, active = query(handle.base_url, token, "SELECT ScratchOrg, ScratchOrgInfoId FROM ActiveScratchOrg")
    assert [r["ScratchOrgInfoId"] for r in active["records"]] == [created["id"]]
    scratch = scratch_org(handle.org, info["SignupUsername"])
    assert scratch is not None and scratch.base_url == info["LoginUrl"] != handle.base_url
    assert scratch.org_id[:15] == info["ScratchOrg"] and not scratch.apps  # the app lives in the Dev Hub only

    env = dict(sf.env, SF_AUDIENCE_URL="https://test.salesforce.com")  # scratch orgs' JWT audience
    proc = subprocess.run(["sf", "org", "login", "jwt", "--client-id", app.consumer_key, "--jwt-key-file",
                           str(key_path), "--username", info["SignupUsername"], "--instance-url", info["LoginUrl"],
                           "--alias", "feature-x", "--json"], env=env, capture_output=True, text=True, timeout=180)
    answer = json.loads(proc.stdout)
    assert proc.returncode == 0, answer.get("message")
    assert answer["result"]["username"] == info["SignupUsername"] and answer["result"]["orgId"] == scratch.org_id

    runner = CliRunner()
    args = ["verify", "--instance-url", info["LoginUrl"], "--username", info["SignupUsername"], "--consumer-key",
            app.consumer_key, "--private-key", str(key_path), "--retry-seconds", "0", "--json"]
    ok = runner.invoke(main, [*args, "--login-url", "https://test.salesforce.com"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["result"]["org_id"] == scratch.org_id
    # a production audience is refused: scratch orgs, like sandboxes, answer to test.salesforce.com
    wrong = runner.invoke(main, [*args, "--login-url", "https://login.salesforce.com"])
    assert wrong.exit_code == VerifyError.exit_code
    assert "audience is invalid" in json.loads(wrong.stdout)["message"]


def test_an_org_that_is_no_dev_hub_creates_no_scratch_org(sim_factory):
    handle = sim_factory(mail="embedded")
    token = handle.cli_token()
    status, _ = rest(f"{handle.base_url}{API}/sobjects/ScratchOrgInfo", token, {"Edition": "Developer"})
    assert status == 404
    status, errors = query(handle.base_url, token, "SELECT Id FROM ScratchOrgInfo")
    assert status == 400 and errors[0]["errorCode"] == "INVALID_TYPE"
    assert not handle.org.scratch_orgs
