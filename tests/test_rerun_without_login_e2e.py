"""A re-run whose stored credentials prove themselves checks the app over the API with their own token: no browser
login (no password, no authenticator code), no browser at all. Real Chromium makes the app; the re-runs get a
browser that fails the test if a page is ever asked for. Where the pages are asked for, the token opens them by the
front door; where the token cannot do the job (the user has no API access, the org refuses token browser sessions)
the run logs in as always and says why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provisioner.one_org import run_org
from provisioner.redact import SecretSet

from .support.async_browser import run_async, with_browser
from .test_via_e2e import Steps, task_for, the_app

pytestmark = pytest.mark.e2e


class NoBrowser:
    """Stands where the browser would be; asking it for a page is the failure this file is about."""

    def __init__(self):
        self.asked = 0

    async def new_context(self, **options):  # noqa: ANN003
        self.asked += 1
        raise AssertionError("the re-run asked for a browser page")


def logins(handle) -> int:  # noqa: ANN001
    return sum(e["kind"] == "login_succeeded" for e in handle.org.events)


def run(browser, task):  # noqa: ANN001, ANN201
    steps = Steps()
    return run_async(lambda: run_org(browser, task, steps, secrets=SecretSet())), steps.lines


def test_a_no_change_re_run_logs_in_nowhere_and_repairs_drift_with_the_stored_credentials(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    task = task_for(handle.info(), tmp_path, "auto")
    created = with_browser(lambda browser: run_org(browser, task, Steps(), secrets=SecretSet()))
    assert created.status == "created" and created.verified
    logins_after_create = logins(handle)

    no_browser = NoBrowser()
    again, lines = run(no_browser, task)
    assert again.status == "unchanged" and again.verified and not again.revealed, again
    assert again.via == "api" and "stored credentials" in again.via_reason, again.via_reason
    assert no_browser.asked == 0 and logins(handle) == logins_after_create
    assert again.consumer_key == created.consumer_key == the_app(handle, task.spec).consumer_key

    # drift made by hand is repaired over the same token, still without a login
    app = the_app(handle, task.spec)
    app.description = "changed by hand on the Setup page"
    repaired, _ = run(no_browser, task)
    assert repaired.status == "updated" and repaired.via == "api", repaired
    assert any("Description" in line for line in repaired.changes), repaired.changes
    assert the_app(handle, task.spec).description == task.spec.description
    assert no_browser.asked == 0 and logins(handle) == logins_after_create
    assert repaired.verified and not repaired.revealed


class StepsSaid(Steps):
    """Keeps each step's name and detail beside the info lines."""

    def step(self, name, detail=""):  # noqa: ANN001, ANN201
        self.lines.append(f"step {name}: {detail}")
        return super().step(name, detail)


def frontdoor_logins(handle) -> int:  # noqa: ANN001
    return sum(e["kind"] == "frontdoor_login" for e in handle.org.events)


def test_the_pages_asked_for_open_by_the_front_door_with_the_stored_token(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    task = task_for(handle.info(), tmp_path, "auto")

    async def scenario(browser):  # noqa: ANN001
        created = await run_org(browser, task, Steps(), secrets=SecretSet())
        before = logins(handle), frontdoor_logins(handle)
        steps = StepsSaid()
        on_pages = await run_org(browser, replace(task, via="browser"), steps, secrets=SecretSet())
        return created, before, on_pages, steps.lines

    created, (logins_before, frontdoor_before), on_pages, lines = with_browser(scenario)
    assert created.status == "created"
    assert on_pages.status == "unchanged" and on_pages.via == "browser" and not on_pages.revealed, on_pages
    # the pages were read in a session made from the stored credentials' token: no password, no authenticator code
    assert logins(handle) == logins_before and frontdoor_logins(handle) == frontdoor_before + 1
    assert "step login: admin@acme.example: the stored credentials' session, by the front door" in lines, lines


def test_an_org_that_refuses_token_browser_sessions_gets_the_login(sim_factory, tmp_path):
    # admins under phishing-resistant MFA: the front door shows the login page; the run logs in and says why
    handle = sim_factory(mail="embedded", token_browser_login=False)
    task = replace(task_for(handle.info(), tmp_path, "auto"), via="browser")

    async def scenario(browser):  # noqa: ANN001
        created = await run_org(browser, task, Steps(), secrets=SecretSet())
        before = logins(handle)
        steps = StepsSaid()
        again = await run_org(browser, task, steps, secrets=SecretSet())
        return created, before, again, steps.lines

    created, before, again, lines = with_browser(scenario)
    assert created.status == "created"
    assert again.status == "unchanged" and again.verified and not again.revealed, again
    assert logins(handle) == before + 1 and frontdoor_logins(handle) == 0
    assert any("does not open Setup" in line and "logging in" in line for line in lines), lines
    assert not any("failed" in line for line in lines), lines


def test_a_user_without_api_access_logs_in_and_says_why(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded", variant="no-api-user")
    task = task_for(handle.info(), tmp_path, "auto")

    async def scenario(browser):  # noqa: ANN001
        created = await run_org(browser, task, Steps(), secrets=SecretSet())
        steps = Steps()
        again = await run_org(browser, task, steps, secrets=SecretSet())
        return created, again, steps.lines

    created, again, lines = with_browser(scenario)
    assert created.status == "created" and created.via == "browser"
    assert again.status == "unchanged" and again.via == "browser" and not again.revealed and again.verified
    assert any("stored credentials' session cannot use the API" in line and "API Enabled" in line
               for line in lines), lines
