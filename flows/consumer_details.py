"""Reveal an External Client App's Consumer Key and Secret: click "Consumer Key and Secret" (a new tab or the same
one), answer the identity verification Salesforce asks for (the authenticator app's code for an admin with one, else
the emailed code; flows/identity.py), read both values from the page (never the clipboard: headless clipboard reads
need permissions and a user gesture, and two orgs in one browser would share it)."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from provisioner.errors import OrgUnavailableError, SetupPageError

from . import identity, waits
from .locators import consumer_details as C
from .locators import eca_detail as D
from .session import CodeWait, FlowSession
from .types import AppRef, ConsumerCredentials

WHERE = "Consumer Key and Secret"


def _prompt() -> identity.Prompt:
    """Read at call time: a locator override replaces the module's attribute."""
    return identity.Prompt(C.TOTP_INPUT, C.EMAIL_INPUT, C.SMS_INPUT, C.AUTHENTICATOR_PROMPT, C.EMAIL_PROMPT,
                           C.SMS_PROMPT)


async def reveal(session: FlowSession, ref: AppRef) -> ConsumerCredentials:
    page = session.page
    await session.chapter("Consumer key and secret",
                          "Open Consumer Key and Secret, verify your identity, read the key and secret")
    if not page.url.startswith(ref.url) or D.VIEW_URL.search(page.url) is None:
        await page.goto(ref.url, wait_until="domcontentloaded")
        await waits.ensure_available(page)
    await D.SETTINGS_TAB.on(page).first.click()
    await waits.settled(page, session.timeouts.settle_ms)
    button = D.CONSUMER_KEY_AND_SECRET.on(page).first
    await button.wait_for(state="visible")

    # With a mailbox, listen before clicking: an emailed code is sent as soon as the page behind the button opens.
    # The secret moment starts before the click too: a recent verification shows the key and secret at once.
    try:
        async with AsyncExitStack() as stack:
            mail = (await stack.enter_async_context(session.expecting_code("consumer-details"))
                    if session.code_waiter is not None else None)
            async with session.recorder.secret_on_screen(page) as screen:
                details = await _click_opening(session, button)
                try:
                    await session.follow(details)  # the video shows the tab (covered whole until refitted)
                    await waits.ensure_available(details)
                    values = _values_on(details)
                    session.mark_sensitive(*values)  # masked in any failure screenshot from now on
                    await screen.cover(*values)  # the whole page until they show, then exactly them
                    if await _needs_code(session, details, values):
                        await screen.uncover()  # only the code prompt is on screen: viewers see that step
                        await _verify(session, details, mail, values, screen)
                    for value in values:
                        await value.first.wait_for(state="visible")
                    await screen.cover(*values)  # exactly the key and secret: the rest of the page shows
                    key = await _read(values[0], "Consumer Key")
                    secret = await _read(values[1], "Consumer Secret")
                    session.keep_secret(secret)  # masked everywhere before anything else can fail
                    return ConsumerCredentials(key, secret)
                finally:  # inside the secret moment: the values are gone before the cover comes down
                    await _leave(session, details)
    finally:
        await session.follow(page)


async def _click_opening(session: FlowSession, button) -> Page:  # noqa: ANN001
    """Click and return the page that shows the result: a new tab if one opens, else the same page."""
    page, context = session.page, session.page.context
    opened: asyncio.Future = asyncio.get_running_loop().create_future()

    def on_page(new_page: Page) -> None:
        if not opened.done():
            opened.set_result(new_page)

    async def new_tab() -> Page:
        return await opened

    context.on("page", on_page)  # listening before the click, so a fast tab is not missed
    try:
        url_before = page.url
        await button.click()
        timeout = session.timeouts.page_ms
        winner = await waits.first_of({
            "tab": new_tab,
            "same": lambda: page.wait_for_url(lambda u: u != url_before, timeout=timeout),
            "inline": lambda: C.CODE_INPUT.on(page).or_(C.CONSUMER_KEY.on(page)).first.wait_for(
                state="visible", timeout=timeout),
        }, timeout)
    finally:
        context.remove_listener("page", on_page)
    if winner == "tab":
        tab = opened.result()
        await tab.wait_for_load_state("domcontentloaded")
        await tab.bring_to_front()
        return tab
    return page


def _values_on(details: Page):  # noqa: ANN202
    return C.CONSUMER_KEY.on(details), C.CONSUMER_SECRET.on(details)


async def _needs_code(session: FlowSession, details: Page, values) -> bool:  # noqa: ANN001
    """Is a verification code asked for, or are the values shown already (a recent verification)?"""
    timeout = session.timeouts.page_ms
    winner = await waits.first_of({
        "code": lambda: C.CODE_INPUT.on(details).first.wait_for(state="visible", timeout=timeout),
        "shown": lambda: values[0].first.wait_for(state="visible", timeout=timeout),
        "error": lambda: waits.errors_on(details).first.wait_for(state="visible", timeout=timeout),
    }, timeout)
    if winner == "error":
        message = "; ".join(await waits.all_error_texts(details))
        raise identity.lock_error(message, where=WHERE) or waits.classify(message, where=WHERE)
    return winner == "code"


async def _verify(session: FlowSession, details: Page, mail: CodeWait | None, values, screen) -> None:  # noqa: ANN001
    has_authenticator = identity.authenticator_of(session) is not None
    method = await identity.prompt_method(details, _prompt(), has_authenticator=has_authenticator)

    async def enter(code: str) -> str | None:
        code_input = C.CODE_INPUT.on(details).first
        async with session.recorder.secret_input(details, [code_input]):
            await code_input.fill(code)
            await screen.cover(*values)  # Verify reveals them: the whole page is covered before the click
            await C.VERIFY.on(details).first.click()
        return await _refusal(session, details, values)

    await identity.answer(session, method, enter, mail, where=WHERE)


async def _refusal(session: FlowSession, details: Page, values) -> str | None:  # noqa: ANN001
    """None once the values show, else what the page says about the code."""
    timeout = session.timeouts.page_ms
    try:
        winner = await waits.first_of({
            "shown": lambda: values[0].first.wait_for(state="visible", timeout=timeout),
            "error": lambda: waits.errors_on(details).first.wait_for(state="visible", timeout=timeout),
        }, timeout)
    except PlaywrightTimeout as exc:
        await waits.ensure_available(details)
        raise OrgUnavailableError(f"{WHERE}: Salesforce did not answer the verification within "
                                  f"{timeout / 1000:.0f}s") from exc
    if winner == "shown":
        return None
    return "; ".join(await waits.all_error_texts(details)) or "the code was refused"


async def _read(group, what: str) -> str:  # noqa: ANN001
    """The value inside a labelled read-only group: its text minus the label and the Copy button."""
    await group.first.wait_for(state="visible")
    # text pieces inside the group, shadow roots included (innerText of a component host would miss them)
    pieces = await group.first.get_by_text(re.compile(r"\S")).all_inner_texts()
    lines = [waits.squash(line) for piece in pieces for line in piece.splitlines()]
    values = [line for line in lines if line and line not in (what, C.COPY_TEXT)]
    value = max(values, key=len) if values else ""
    if not value or re.search(r"\s", value):
        raise SetupPageError(f"could not read the {what} from the page")
    return value


async def _leave(session: FlowSession, details: Page) -> None:
    """Close the consumer details tab, or navigate the main page away from it."""
    if details is not session.page:
        await session.follow(session.page)  # before closing: a closed tab's part of the video is lost
        await details.close()
    else:
        await details.go_back()
