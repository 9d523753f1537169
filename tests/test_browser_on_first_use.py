"""BrowserOnFirstUse: a browser launched when a page is first needed, or started ahead (`warm`) for a run that will
surely need one, so Chromium starts while the key pair is made. The launch is a stand-in here; the e2e tests use
real Chromium through the same class."""

from __future__ import annotations

import asyncio

import pytest

from provisioner.browser import BrowserOnFirstUse
from provisioner.errors import BrowserUnavailableError


class Launches:
    def __init__(self, fail: bool = False):
        self.count = 0
        self.fail = fail
        self.release = asyncio.Event()

    async def __call__(self):  # noqa: ANN204
        self.count += 1
        await self.release.wait()
        if self.fail:
            raise BrowserUnavailableError("Chromium failed to start")
        return f"browser {self.count}"


def test_a_warmed_launch_runs_while_other_work_does_and_is_the_one_used():
    async def scenario():  # noqa: ANN202
        launches = Launches()
        browser = BrowserOnFirstUse(launches)
        browser.warm()
        browser.warm()  # warming twice starts one launch
        await asyncio.sleep(0)  # other work of the run: the launch has begun without being awaited
        assert launches.count == 1
        launches.release.set()
        return await browser.started(), await browser.started(), launches.count

    first, again, count = asyncio.run(scenario())
    assert first == again == "browser 1" and count == 1


def test_without_warming_nothing_launches_until_a_page_is_needed():
    async def scenario():  # noqa: ANN202
        launches = Launches()
        launches.release.set()
        browser = BrowserOnFirstUse(launches)
        await asyncio.sleep(0)
        before = launches.count
        await browser.settle()  # nothing warmed: nothing to wait for, nothing launched
        return before, launches.count, await browser.started(), launches.count

    assert asyncio.run(scenario()) == (0, 0, "browser 1", 1)


def test_a_warmed_launch_that_fails_fails_the_page_that_needs_it_and_nothing_else():
    async def needed():  # noqa: ANN202
        launches = Launches(fail=True)
        launches.release.set()
        browser = BrowserOnFirstUse(launches)
        browser.warm()
        await browser.started()

    with pytest.raises(BrowserUnavailableError, match="failed to start"):
        asyncio.run(needed())

    async def never_needed():  # noqa: ANN202
        launches = Launches(fail=True)
        launches.release.set()
        browser = BrowserOnFirstUse(launches)
        browser.warm()
        await browser.settle()  # the run ended before any page: the failure is nobody's
        return browser.browser

    assert asyncio.run(never_needed()) is None


def test_settle_keeps_a_warmed_browser_for_its_owner_to_close():
    async def scenario():  # noqa: ANN202
        launches = Launches()
        launches.release.set()
        browser = BrowserOnFirstUse(launches)
        browser.warm()
        await browser.settle()
        return browser.browser

    assert asyncio.run(scenario()) == "browser 1"
