"""Reveal a Connected App's Consumer Key and Secret: "Manage Consumer Details" on its detail page, the emailed-code
verification in the same tab, then the "Consumer Details" section (read from the page, never the clipboard)."""

from __future__ import annotations

import re

from provisioner.errors import SetupPageError

from . import classic, waits
from .connected_app_form import open_detail
from .locators import connected_app_consumer_details as C
from .locators import connected_app_pages as D
from .session import FlowSession
from .types import AppRef, ConsumerCredentials


async def reveal(session: FlowSession, ref: AppRef) -> ConsumerCredentials:
    page = session.page
    await session.chapter("Consumer Key and Secret",
                          "Manage Consumer Details, verify with the emailed code, read the key and secret")
    scope = await open_detail(session, ref)
    button = D.MANAGE_CONSUMER_DETAILS.on(scope).first
    values = C.CONSUMER_KEY.on(scope), C.CONSUMER_SECRET.on(scope)
    session.mark_sensitive(*values)  # masked in any failure screenshot from now on
    # Listen before clicking: the code is mailed at once. The secret moment starts before the click too: a recent
    # verification shows the key and secret straight away.
    async with session.expecting_code("consumer-details") as mail:
        async with session.recorder.secret_on_screen(page) as screen:
            await screen.cover(*values)
            await button.click()
            try:
                if await _needs_code(session, scope, values):
                    await screen.uncover()  # only the code prompt is on screen: viewers see that step
                    await _verify(session, scope, await mail.code(), values, screen)
                for value in values:
                    await value.first.wait_for(state="visible")
                await screen.cover(*values)  # exactly the key and secret: the rest of the page shows
                key = await _read(values[0], "Consumer Key")
                secret = await _read(values[1], "Consumer Secret")
                session.keep_secret(secret)  # masked everywhere before anything else can fail
                return ConsumerCredentials(key, secret)
            finally:  # inside the secret moment: the values are gone before the cover comes down
                await page.goto(ref.url, wait_until="domcontentloaded")


async def _needs_code(session: FlowSession, scope, values) -> bool:  # noqa: ANN001
    """Is a verification code asked for, or are the values shown already (a recent verification)?"""
    code = C.CODE_INPUT.on(scope)
    await classic.outcome(session, scope, code.or_(values[0]), where="Manage Consumer Details")
    return await code.first.is_visible()


async def _verify(session: FlowSession, scope, code: str, values, screen) -> None:  # noqa: ANN001
    await session.chapter("Verify identity", "Enter the code Salesforce emailed (read over IMAP)")
    code_input = C.CODE_INPUT.on(scope).first
    async with session.recorder.secret_input(session.page, [code_input]):
        await code_input.fill(code)
        await screen.cover(*values)  # Verify reveals them: the whole page is covered before the click
        await C.VERIFY.on(scope).first.click()
    await classic.outcome(session, scope, values[0], where="verifying the emailed code for the consumer details")


async def _read(value, what: str) -> str:  # noqa: ANN001
    text = waits.squash(await value.first.inner_text())
    if not text or re.search(r"\s", text):
        raise SetupPageError(f"could not read the {what} from the page")
    return text


__all__ = ["reveal"]
