"""`--via api|browser|auto` end to end: real Chromium logs in, then the Metadata API (or the Setup pages) makes the
app of the default spec in the simulated org; the credentials are proved with a real JWT bearer exchange (and, in
the last test, by the real `sf org login jwt`). One model behind both paths: what one path made, the other reports
unchanged."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import replace

import pytest

from provisioner.config import mailbox_settings_from, org_settings_from
from provisioner.credentials import mask
from provisioner.flows.session import Timeouts
from provisioner.one_org import CredentialTargets, KeySource, OrgTask, run_org
from provisioner.redact import SecretSet
from provisioner.sim.variants import VARIANTS
from provisioner.spec import load_spec

from .support.async_browser import with_browser
from .test_setup_cli import setup, write_env
from .test_sf_cli import sf  # noqa: F401 - fixture: the real Salesforce CLI

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)
REST_SETTING = "Allow access to External Client App consumer secrets via REST API"


class Steps:
    """A progress that keeps the info lines (the path's reason is one)."""

    def __init__(self):
        self.lines: list[str] = []

    @contextmanager
    def step(self, name, detail=""):
        yield

    def info(self, text):
        self.lines.append(text)


def task_for(info: dict, tmp_path, via: str, spec=None) -> OrgTask:  # noqa: ANN001
    org = org_settings_from(login_url=info["login_url"], username=info["username"], password=info["password"],
                            totp_secret=info["totp_secret"], email=info["email"], where="the simulated org")
    mailbox = mailbox_settings_from(host=info["imap_host"], port=int(info["imap_port"]), user=info["imap_user"],
                                    password=info["imap_password"], ssl=bool(info["imap_ssl"]))
    return OrgTask(org=org, mailbox=mailbox, spec=spec or load_spec(default_contact_email=org.username),
                   keys=KeySource(home=tmp_path / "out"),
                   targets=CredentialTargets(env_file=tmp_path / "out" / "credentials.env"),
                   artifacts_dir=tmp_path / "out" / "artifacts", timeouts=FAST, verify_seconds=120, via=via)


async def timed(browser, task: OrgTask, times: dict, name: str):  # noqa: ANN001, ANN201
    started = time.monotonic()
    outcome = await run_org(browser, task, Steps(), secrets=SecretSet())
    times[name] = round(time.monotonic() - started, 2)
    return outcome


def the_app(handle, spec):  # noqa: ANN001, ANN201
    apps = [a for a in handle.org.apps.values() if a.api_name == spec.api_name]
    assert len(apps) == 1, "one app, whichever path made or changed it"
    return apps[0]


def test_via_api_creates_changes_nothing_and_repairs_drift_made_on_the_pages(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    info = handle.info()
    api = task_for(info, tmp_path, "api")
    spec = api.spec
    drifted = load_spec(None, {"description": "changed by hand on the Setup page",
                               "policies.session_timeout_minutes": 120}, default_contact_email=info["username"])
    times: dict[str, float] = {}

    async def scenario(browser):  # noqa: ANN001
        created = await timed(browser, api, times, "api create")
        again = await timed(browser, api, times, "api no change")
        on_pages = await timed(browser, replace(api, via="browser"), times, "browser no change (app made via api)")
        drift = await run_org(browser, replace(api, via="browser", spec=drifted), Steps(), secrets=SecretSet())
        planned = await run_org(browser, replace(api, dry_run=True), Steps(), secrets=SecretSet())
        still_drifted = the_app(handle, spec).description
        repaired = await run_org(browser, api, Steps(), secrets=SecretSet())
        return created, again, on_pages, drift, (planned, still_drifted), repaired

    created, again, on_pages, drift, (planned, still_drifted), repaired = with_browser(scenario)
    print(f"\nvia timings (fast profile): {json.dumps(times)}")
    assert created.status == "created" and created.verified, created
    assert created.via == "api" and "--via api" in created.via_reason
    # the default org keeps consumer secrets away from REST: read on the page, and the output says what would allow it
    assert created.credentials_via == "browser" and REST_SETTING in created.credentials_reason
    summary = created.summary()
    assert summary["via"] == "api" and summary["credentials_via"] == "browser"
    assert REST_SETTING in summary["credentials_reason"]

    assert again.status == "unchanged" and again.changes == [] and again.via == "api" and again.verified
    assert on_pages.status == "unchanged" and on_pages.changes == [] and on_pages.via == "browser"

    assert drift.status == "updated" and drift.via == "browser"
    assert any("Description" in line for line in drift.changes), drift.changes
    # a dry run via the API plans the repair and changes nothing
    assert planned.status == "planned" and planned.via == "api" and not planned.credentials
    assert any("Description" in line for line in planned.plan), planned.plan
    assert still_drifted == "changed by hand on the Setup page"
    assert repaired.status == "updated" and repaired.via == "api", repaired
    assert any("Description" in line for line in repaired.changes), repaired.changes
    assert any("timeout" in line.lower() for line in repaired.changes), repaired.changes
    app = the_app(handle, spec)
    assert app.description == spec.description
    assert app.policies.session_timeout_minutes == spec.policies.session_timeout_minutes
    assert created.consumer_key == again.consumer_key == repaired.consumer_key == app.consumer_key


def test_an_app_made_on_the_pages_is_unchanged_for_the_api(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    browser_task = task_for(handle.info(), tmp_path, "browser")
    times: dict[str, float] = {}

    async def scenario(browser):  # noqa: ANN001
        created = await timed(browser, browser_task, times, "browser create")
        again = await timed(browser, browser_task, times, "browser no change")
        via_api = await timed(browser, replace(browser_task, via="api"), times, "api no change (app made on pages)")
        return created, again, via_api

    created, again, via_api = with_browser(scenario)
    print(f"\nvia timings (fast profile): {json.dumps(times)}")
    assert created.status == "created" and created.via == "browser" and created.verified
    assert again.status == "unchanged" and again.via == "browser"
    assert via_api.status == "unchanged" and via_api.changes == [] and via_api.via == "api" and via_api.verified
    assert via_api.consumer_key == created.consumer_key == the_app(handle, browser_task.spec).consumer_key


def test_auto_falls_back_to_the_pages_for_a_user_without_api_access_and_says_why(sim_factory, tmp_path):
    assert "no-api-user" in VARIANTS
    handle = sim_factory(mail="embedded", variant="no-api-user")
    task = task_for(handle.info(), tmp_path, "auto")

    async def scenario(browser):  # noqa: ANN001
        steps = Steps()
        return await run_org(browser, task, steps, secrets=SecretSet()), steps

    outcome, steps = with_browser(scenario)
    assert outcome.status == "created" and outcome.verified
    assert outcome.via == "browser"
    assert "API Enabled" in outcome.via_reason and "API_CURRENTLY_DISABLED" in outcome.via_reason
    assert outcome.summary()["via_reason"] == outcome.via_reason
    assert any(line.startswith("via browser: auto: the API is not available") for line in steps.lines), steps.lines
    assert "credentials_via" in outcome.summary() and outcome.credentials_reason == ""
    the_app(handle, task.spec)


def test_via_api_for_a_user_without_api_access_exits_37_with_one_line(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded", variant="no-api-user")
    env_file = write_env(tmp_path / "org.env", handle.info())
    proc = setup(tmp_path, "--env-file", str(env_file), "--via", "api", "-q")
    assert proc.returncode == 37, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.startswith("error")]
    assert len(lines) == 1 and "API Enabled" in lines[0] and "API_CURRENTLY_DISABLED" in lines[0], proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == lines[0]
    assert not (tmp_path / "out" / "credentials.env").exists()
    assert not handle.org.apps, "nothing made"


@pytest.mark.sfcli
def test_sf_org_login_jwt_works_with_credentials_read_over_rest_by_the_api_path(sim_factory, tmp_path,
                                                                                sf):  # noqa: F811
    handle = sim_factory(mail="embedded", variant="rest-secrets")
    info = handle.info()
    env_file = write_env(tmp_path / "org.env", info)
    proc = setup(tmp_path, "--env-file", str(env_file), "--via", "api", "--json", "--sf-login", "--alias", "via-api",
                 extra_env=sf.env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["result"]
    assert result["via"] == "api" and result["credentials_via"] == "rest" and "credentials_reason" not in result
    assert result["status"] == "created" and result["verified"] is True and result["sf_login"] == "ok"
    app = handle.org.app_by_api_name(result["api_name"])
    assert result["consumer_key"] == app.consumer_key
    assert app.consumer_secret not in proc.stdout + proc.stderr
    assert mask(app.consumer_secret, keep=0) == result["consumer_secret"]
    code, out = sf("org", "display", "--target-org", "via-api")
    assert code == 0 and out["result"]["username"] == info["username"], out
    # the session id the API path used is masked like any secret: no browser session id in the output
    for session_id in handle.org.sessions:
        assert session_id not in proc.stdout + proc.stderr


@pytest.mark.sfcli
def test_with_target_org_the_api_path_uses_the_salesforce_cli_s_token(sim_factory, tmp_path, sf):  # noqa: F811
    from .test_target_org_e2e import authorise
    from .test_target_org_e2e import setup as setup_with_cli

    handle = sim_factory(mail="embedded", admin_totp=False, unrecognised_device=True)
    info = handle.info()
    authorise(sf, handle, "viaorg")
    proc = setup_with_cli(tmp_path, sf, info, "-o", "viaorg", "--via", "api", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["result"]
    assert result["via"] == "api" and result["status"] == "created" and result["verified"] is True
    assert result["consumer_key"] == handle.org.app_by_api_name(result["api_name"]).consumer_key
    events = [event["kind"] for event in handle.org.events]
    assert "frontdoor_login" in events and "login_succeeded" not in events


def test_a_user_without_modify_metadata_auto_falls_back_at_the_first_retrieve_and_api_exits_37(sim_factory,
                                                                                                tmp_path):
    from provisioner.errors import ApiUnavailableError

    handle = sim_factory(mail="embedded", variant="email-admin")
    handle.admin.modify_metadata = False  # API Enabled, but no Modify Metadata / Modify All Data
    auto = task_for(handle.info(), tmp_path, "auto")

    async def scenario(browser):  # noqa: ANN001
        with pytest.raises(ApiUnavailableError) as refused:
            await run_org(browser, replace(auto, via="api"), Steps(), secrets=SecretSet())
        assert not handle.org.apps, "the API path stopped before deploying anything"
        return refused.value, await run_org(browser, auto, Steps(), secrets=SecretSet())

    refused, fell_back = with_browser(scenario)
    assert refused.exit_code == 37 and "INSUFFICIENT_ACCESS" in str(refused)
    assert fell_back.status == "created" and fell_back.verified and fell_back.via == "browser"
    assert "auto: the API is not available" in fell_back.via_reason and "INSUFFICIENT_ACCESS" in fell_back.via_reason
    the_app(handle, auto.spec)
