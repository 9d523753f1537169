"""Launching Chromium with Playwright's async API (the job runs many orgs on one event loop).

Same executable and arguments as provisioner/browser.py's sync launcher, so both behave alike.
"""

from __future__ import annotations

from ..browser import INSTALL_HINT, _own_executable, find_chromium, launch_args
from ..errors import BrowserUnavailableError


async def launch_browser_async(playwright, headless: bool = True, slow_mo: float = 0):
    executable = find_chromium(playwright)
    if executable is None:
        raise BrowserUnavailableError(INSTALL_HINT)
    kwargs = dict(headless=headless, slow_mo=slow_mo, args=launch_args())
    if executable != _own_executable(playwright):
        kwargs["executable_path"] = executable
    try:
        return await playwright.chromium.launch(**kwargs)
    except Exception as exc:  # Playwright's Error: keep only its first line, it can be pages long
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserUnavailableError(f"Chromium at {executable} failed to start: {first_line}") from None
