"""Fixtures: `browser` (a real Chromium via provisioner.browser, shared by consecutive tests), `browser_context`
and `page` (fresh per test), `playwright_instance` (the sync Playwright behind them).

Why not simply session-scoped: the sync Playwright API runs an asyncio loop on the main thread for as long as it
is started, and `asyncio.run()` then fails in every other test ("cannot be called from a running event loop").
So one browser serves a run of consecutive tests that use it (tests of a module run together), and it is
stopped before the first test that does not use it.
"""

from __future__ import annotations

import pytest

from provisioner.browser import launch_browser
from provisioner.errors import BrowserUnavailableError
from .missing import missing_part

_SYNC_FIXTURES = {"browser", "browser_context", "page", "playwright_instance"}


class _SharedBrowser:
    def __init__(self):
        self.playwright = None
        self.browser = None

    def start(self) -> None:
        if self.playwright is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()

    def get(self):
        if self.browser is not None and not self.browser.is_connected():
            self.browser = None  # crashed: launch a new one
        if self.browser is None:
            self.start()
            self.browser = launch_browser(self.playwright, headless=True)
        return self.browser

    def stop(self) -> None:
        browser, self.browser = self.browser, None
        playwright, self.playwright = self.playwright, None
        if browser is not None:
            try:
                browser.close()
            except Exception:  # already gone
                pass
        if playwright is not None:
            playwright.stop()


_shared = _SharedBrowser()


def pytest_runtest_setup(item):
    if not _SYNC_FIXTURES & set(getattr(item, "fixturenames", ())):
        _shared.stop()  # frees the main thread's event loop for tests that use asyncio


def pytest_sessionfinish(session):
    _shared.stop()


@pytest.fixture
def playwright_instance():
    _shared.start()
    return _shared.playwright


@pytest.fixture
def browser():
    try:
        return _shared.get()
    except BrowserUnavailableError as exc:
        missing_part(f"no browser: {exc}")


@pytest.fixture
def browser_context(browser):
    context = browser.new_context()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()
