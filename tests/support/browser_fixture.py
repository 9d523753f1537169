"""Fixtures: `browser` (one real Chromium per test session, via provisioner.browser) and `page` (fresh context)."""

from __future__ import annotations

import pytest

from provisioner.browser import launch_browser
from provisioner.errors import BrowserUnavailableError


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    try:
        browser = launch_browser(playwright_instance, headless=True)
    except BrowserUnavailableError as exc:
        pytest.skip(f"no browser: {exc}")
    try:
        yield browser
    finally:
        browser.close()


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
