"""A browser that stops answering while it still says it is connected (killed a moment ago) must not hold up the
rest of the job: opening a context is bounded, and the job launches another browser for the next attempt."""

from __future__ import annotations

import asyncio
import io
from contextlib import asynccontextmanager

import pytest

from provisioner import provision
from provisioner.errors import BrowserUnavailableError
from provisioner.job.events import JobEvents
from provisioner.job.runner import JobRunner, RunOptions
from provisioner.one_org import OrgOutcome

from .test_job_unit import inventory_of


class StuckBrowser:
    """Says it is connected; never opens a context (as a Chromium killed a moment ago can)."""

    def __init__(self, number: int):
        self.number = number

    def is_connected(self) -> bool:
        return True

    async def new_context(self, **options):  # noqa: ANN003
        await asyncio.Event().wait()


def launcher(launched: list):  # noqa: ANN201
    @asynccontextmanager
    async def launch():
        browser = StuckBrowser(len(launched))
        launched.append(browser)
        yield browser

    return launch


def test_opening_a_context_on_a_browser_that_never_answers_is_bounded(monkeypatch):
    monkeypatch.setattr(provision, "CONTEXT_OPEN_SECONDS", 0.05)
    with pytest.raises(BrowserUnavailableError, match="did not open a page context"):
        asyncio.run(provision.open_context(StuckBrowser(0)))


def test_the_job_relaunches_a_browser_that_stopped_answering(tmp_path):
    launched: list[StuckBrowser] = []
    used: list[int] = []

    async def work(browser, org, events, deadline):  # noqa: ANN001
        browser = await browser.started()  # the job hands out its browser when a page is needed
        used.append(browser.number)
        if browser.number == 0:  # the first browser stopped answering: what open_context reports
            raise BrowserUnavailableError("the browser did not open a page context within 30 s (it may have died)")
        return OrgOutcome(status="created", verified=True)

    inv = inventory_of(tmp_path, "o1")
    runner = JobRunner(inv, RunOptions(concurrency=1, budget_seconds=30, retries=0), work=work,
                       launch=launcher(launched), events=JobEvents(stream=io.StringIO()))
    report = asyncio.run(runner.run())
    assert [o.status for o in report.orgs] == ["created"], report.orgs
    assert used == [0, 1], "the second attempt must get a newly launched browser, not the one that stopped answering"
    assert len(launched) == 2


def test_a_job_whose_orgs_need_no_page_launches_no_browser(tmp_path):
    """Orgs that checked their apps with their stored credentials' token never ask for a page: no Chromium."""
    launched: list[StuckBrowser] = []

    async def work(browser, org, events, deadline):  # noqa: ANN001
        return OrgOutcome(status="unchanged", verified=True)

    inv = inventory_of(tmp_path, "o1", "o2")
    runner = JobRunner(inv, RunOptions(concurrency=2, budget_seconds=30, retries=0), work=work,
                       launch=launcher(launched), events=JobEvents(stream=io.StringIO()))
    report = asyncio.run(runner.run())
    assert [o.status for o in report.orgs] == ["unchanged", "unchanged"]
    assert launched == []
