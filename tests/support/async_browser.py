"""Running async Playwright flows from plain (sync) pytest tests: a fresh event loop in its own thread per call,
so the sync Playwright fixtures other tests use in this process never share a loop with us."""

from __future__ import annotations

import asyncio
import threading
from typing import Awaitable, Callable, TypeVar

from playwright.async_api import async_playwright

from provisioner.browser import launch_browser_async

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="flow-test")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def with_browser(scenario: Callable[[object], Awaitable[T]]) -> T:
    """Launch Chromium, run `scenario(browser)`, close the browser."""

    async def main() -> T:
        async with async_playwright() as playwright:
            browser = await launch_browser_async(playwright)
            try:
                return await scenario(browser)
            finally:
                await browser.close()

    return run_async(main)


def with_page(scenario: Callable[[object], Awaitable[T]]) -> T:
    """A fresh context and page in a fresh browser: `scenario(page)`."""

    async def in_browser(browser) -> T:  # noqa: ANN001
        context = await browser.new_context()
        try:
            return await scenario(await context.new_page())
        finally:
            await context.close()

    return with_browser(in_browser)
