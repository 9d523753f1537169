"""Waiting on page state, never on the clock: spinners gone, the expected outcome raced against error elements.

Every error a Setup page shows becomes a ProvisionerError subclass with the page's own words, so the user reads
what Salesforce said (never a Playwright timeout traceback).
"""

from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable, Pattern, Union

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import expect

from provisioner.errors import InvalidCallbackUrlError, OrgUnavailableError, ProvisionerError, SetupPageError

from .locators import common

UrlPart = Union[str, Pattern[str]]


def _matches(url: str, part: UrlPart) -> bool:
    return bool(part.search(url)) if isinstance(part, re.Pattern) else part in url


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def classify(message: str, *, where: str = "") -> ProvisionerError:
    """The page's error text as the error a user can act on."""
    message = squash(message) or "Salesforce reported an error"
    prefix = f"{where}: " if where else ""
    lowered = message.lower()
    if any(text.lower() in lowered for text in common.UNAVAILABLE_TEXTS):
        return OrgUnavailableError(f"{prefix}the org is unavailable: {message}")
    if any(word in lowered for word in common.CALLBACK_ERROR_WORDS):
        return InvalidCallbackUrlError(f"{prefix}Salesforce rejected the callback URL: {message}")
    return SetupPageError(f"{prefix}{message}")


def unavailable_notice(page: Page) -> Locator:
    """The heading or text of Salesforce's internal error or maintenance page, as soon as it is on screen (its
    title is only "Error | Salesforce"): a wait can race it against the page it hoped for."""
    pattern = re.compile("|".join(re.escape(text) for text in common.UNAVAILABLE_TEXTS), re.IGNORECASE)
    return page.get_by_text(pattern).filter(visible=True)


async def ensure_available(page: Page) -> None:
    """The maintenance page or an internal server error page: a transient failure worth a retry."""
    if common.MAINTENANCE_PATH in page.url:
        raise OrgUnavailableError(f"the org is down for maintenance ({page.url.split('?')[0]})")
    title = notice = ""
    try:
        title = await page.title()
        notices = unavailable_notice(page)
        if await notices.count():
            notice = await notices.first.inner_text(timeout=2000)
    except PlaywrightError:
        pass
    for text in (title, notice):
        if any(known.lower() in text.lower() for known in common.UNAVAILABLE_TEXTS):
            raise OrgUnavailableError(f"the org is unavailable: {squash(text)}")


async def settled(page: Page, timeout_ms: float) -> None:
    """Until no spinner or busy region is visible."""
    try:
        await expect(page.locator(common.SPINNERS).filter(visible=True)).to_have_count(0, timeout=timeout_ms)
    except AssertionError as exc:
        await ensure_available(page)
        raise OrgUnavailableError(f"the page kept loading for {timeout_ms / 1000:.0f}s ({_path(page.url)})") from exc


def errors_on(scope) -> Locator:  # noqa: ANN001 - Page or Locator
    """Visible error elements with some text in them."""
    return common.ERRORS.on(scope).filter(visible=True).filter(has_text=re.compile(r"\S"))


async def error_text(error: Locator) -> str:
    """The message of an error element; for a field in error, "<label>: <message>"."""
    try:
        helper = common.FIELD_ERROR_HELP.on(error).filter(visible=True)
        if await helper.count():
            message = squash(" ".join(await helper.all_inner_texts()))
            labels = common.FIELD_ERROR_LABEL.on(error)
            label = squash(await labels.first.inner_text(timeout=2000)).lstrip("*").strip() if await labels.count() else ""
            return f"{label}: {message}" if label else message
        return squash(await error.inner_text(timeout=2000))
    except PlaywrightError:
        return ""


async def all_error_texts(scope) -> list[str]:  # noqa: ANN001
    """What the page says is wrong: the fields in error if there are any (most precise), else every error text."""
    fields = common.FIELD_ERROR.on(scope).filter(visible=True)
    found = fields if await fields.count() else errors_on(scope)
    texts = []
    for index in range(await found.count()):
        text = await error_text(found.nth(index))
        if text and text not in texts:
            texts.append(text)
    return texts


async def first_of(outcomes: dict[str, Callable[[], Awaitable[object]]], timeout_ms: float) -> str:
    """Run the waits together; the name of the first one to finish. The others are cancelled (Playwright aborts them)."""
    tasks = {asyncio.ensure_future(make()): name for name, make in outcomes.items()}
    pending = set(tasks)
    failures: list[BaseException] = []
    try:
        while pending:
            done, pending = await asyncio.wait(pending, timeout=timeout_ms / 1000 + 5,
                                               return_when=asyncio.FIRST_COMPLETED)
            if not done:
                break
            for task in done:
                if task.exception() is None:
                    return tasks[task]
                failures.append(task.exception())
        real = [f for f in failures if not isinstance(f, PlaywrightTimeout)]
        if real:
            raise real[0]
        raise PlaywrightTimeout(f"none of {', '.join(outcomes)} happened within {timeout_ms / 1000:.0f}s")
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def outcome(page: Page, *, success: Locator | None = None, url: UrlPart | None = None,
                  timeout_ms: float, where: str, errors: Locator | None = None) -> None:
    """Wait for the expected state (an element, or a URL) or raise the error the page shows instead."""
    waits: dict[str, Callable[[], Awaitable[object]]] = {}
    if success is not None:
        waits["success"] = lambda: success.first.wait_for(state="visible", timeout=timeout_ms)
    if url is not None:
        waits["url"] = lambda: page.wait_for_url(lambda u: _matches(u, url), timeout=timeout_ms)
    error_locator = errors if errors is not None else errors_on(page)
    waits["error"] = lambda: error_locator.first.wait_for(state="visible", timeout=timeout_ms)
    waits["maintenance"] = lambda: page.wait_for_url(f"**{common.MAINTENANCE_PATH}*", timeout=timeout_ms)
    try:
        winner = await first_of(waits, timeout_ms)
    except PlaywrightTimeout as exc:
        await ensure_available(page)
        raise OrgUnavailableError(f"{where}: Salesforce did not answer within {timeout_ms / 1000:.0f}s "
                                  f"({_path(page.url)})") from exc
    if winner == "maintenance":
        await ensure_available(page)
    if winner == "error":
        texts = await all_error_texts(page) or [await error_text(error_locator.first)]
        raise classify("; ".join(texts), where=where)


def _path(url: str) -> str:
    """A URL without its query (which may carry tokens) for messages."""
    return url.split("?")[0]
