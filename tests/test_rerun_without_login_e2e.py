"""A re-run whose stored credentials prove themselves checks the app over the API with their own token: no browser
login (no password, no authenticator code), no browser at all. Real Chromium makes the app; the re-runs get a
browser that fails the test if a page is ever asked for. Where the token cannot do the job (the pages are asked for,
the user has no API access) the run logs in as always and says why."""

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


def test_the_pages_asked_for_still_log_in(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    task = task_for(handle.info(), tmp_path, "auto")

    async def scenario(browser):  # noqa: ANN001
        created = await run_org(browser, task, Steps(), secrets=SecretSet())
        before = logins(handle)
        on_pages = await run_org(browser, replace(task, via="browser"), Steps(), secrets=SecretSet())
        return created, before, on_pages

    created, before, on_pages = with_browser(scenario)
    assert created.status == "created"
    assert on_pages.status == "unchanged" and on_pages.via == "browser" and not on_pages.revealed
    assert logins(handle) == before + 1


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
