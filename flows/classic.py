"""Classic Setup pages, wherever they are: inside Lightning's iframe (`force-aloha-page iframe[name^=vfFrameId]`), or
served on their own URL. Flows ask `scope_of(session)` for where to look and locate everything there; waits race
the expected element against the classic error elements, whose texts become ProvisionerErrors.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from playwright.async_api import TimeoutError as PlaywrightTimeout

from provisioner.errors import OrgUnavailableError

from . import waits
from .locators import classic as C
from .session import FlowSession

_FIELD_LABEL = """e => {
  const row = e.closest('tr');
  const label = row && row.querySelector('.labelCol, th');
  return label && !label.contains(e) ? label.textContent : '';
}"""


async def scope_of(session: FlowSession):  # noqa: ANN201 - a FrameLocator or the Page
    """Where the classic page is: the Lightning frame once its document is there, else the page itself."""
    page, timeout = session.page, session.timeouts.page_ms
    try:
        winner = await waits.first_of({
            "frame": lambda: page.locator(C.FRAME).first.wait_for(state="attached", timeout=timeout),
            "direct": lambda: C.CLASSIC_PAGE.on(page).first.wait_for(state="attached", timeout=timeout),
        }, timeout)
    except PlaywrightTimeout:
        await waits.ensure_available(page)
        raise OrgUnavailableError(f"no classic Setup page showed up within {timeout / 1000:.0f}s "
                                  f"({page.url.split('?')[0]})") from None
    if winner == "direct":
        return page
    frame = page.frame_locator(C.FRAME).first
    await C.CLASSIC_PAGE.on(frame).first.wait_for(state="attached", timeout=timeout)
    await waits.settled(page, session.timeouts.settle_ms)
    return frame


async def open_page(session: FlowSession, url: str):  # noqa: ANN201
    """Go to a (Lightning or classic) URL; returns where its classic content is."""
    await session.page.goto(url, wait_until="domcontentloaded")
    await waits.ensure_available(session.page)
    return await scope_of(session)


def classic_url(page) -> str:  # noqa: ANN001
    """The URL of the classic document: the Lightning frame's, else the page's (Lightning's `isdtp` dropped)."""
    url = next((f.url for f in page.frames if f.name.startswith(C.FRAME_NAME_PREFIX)), page.url)
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "isdtp"])
    return parts.path + (f"?{query}" if query else "")


def in_lightning(session: FlowSession, classic: str) -> str:
    """The Lightning address that shows a classic page (`/lightning/setup/ConnectedApplication/page`; EVIDENCE.md
    "Classic Connected App pages")."""
    from .locators.connected_app_pages import CLASSIC_IN_LIGHTNING_PATH

    return session.url(f"{CLASSIC_IN_LIGHTNING_PATH}?address={quote(classic, safe='')}")


async def error_texts(scope) -> list[str]:  # noqa: ANN001
    """What the classic page says is wrong: "<field label>: <message>" for field errors, else the page's errors."""
    texts: list[str] = []
    fields = C.FIELD_ERROR.on(scope).filter(visible=True)
    for index in range(await fields.count()):
        error = fields.nth(index)
        message = re.sub(r"^\s*Error:\s*", "", waits.squash(await error.inner_text()))
        label = waits.squash(await error.evaluate(_FIELD_LABEL)).lstrip("*").strip()
        text = f"{label}: {message}" if label else message
        if message and text not in texts:
            texts.append(text)
    if texts:
        return texts
    pages = C.PAGE_ERROR.on(scope).filter(visible=True)
    for index in range(await pages.count()):
        text = waits.squash(await pages.nth(index).inner_text())
        if text and not any(text in t for t in texts):
            texts.append(text)
    return texts


async def outcome(session: FlowSession, scope, success, *, where: str) -> None:  # noqa: ANN001
    """Wait for `success` (a locator in `scope`) or raise what the classic page reports instead."""
    timeout = session.timeouts.page_ms
    errors = C.ANY_ERROR.on(scope).filter(visible=True).filter(has_text=re.compile(r"\S"))
    try:
        winner = await waits.first_of({
            "success": lambda: success.first.wait_for(state="visible", timeout=timeout),
            "error": lambda: errors.first.wait_for(state="visible", timeout=timeout),
        }, timeout)
    except PlaywrightTimeout:
        await waits.ensure_available(session.page)
        raise OrgUnavailableError(f"{where}: Salesforce did not answer within {timeout / 1000:.0f}s") from None
    if winner == "error":
        raise waits.classify("; ".join(await error_texts(scope)), where=where)


__all__ = ["scope_of", "open_page", "classic_url", "in_lightning", "error_texts", "outcome"]
