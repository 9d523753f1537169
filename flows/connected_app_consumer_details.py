"""Reveal a Connected App's Consumer Key and Secret: "Manage Consumer Details" on its detail page, the identity
verification in the same tab ("using one of your registered methods": the authenticator app's code for an admin with
one, else the emailed code; flows/identity.py), then the "Consumer Details" section (read from the page, never the
clipboard)."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

from provisioner.errors import SetupPageError

from . import classic, identity, waits
from .connected_app_form import open_detail
from .locators import connected_app_consumer_details as C
from .locators import connected_app_pages as D
from .session import CodeWait, FlowSession
from .types import AppRef, ConsumerCredentials

WHERE = "Manage Consumer Details"


def _prompt() -> identity.Prompt:
    """Read at call time: a locator override replaces the module's attribute."""
    return identity.Prompt(C.TOTP_INPUT, C.EMAIL_INPUT, C.SMS_INPUT, C.AUTHENTICATOR_PROMPT, C.EMAIL_PROMPT,
                           C.SMS_PROMPT)


async def reveal(session: FlowSession, ref: AppRef) -> ConsumerCredentials:
    page = session.page
    await session.chapter("Consumer key and secret",
                          "Manage Consumer Details, verify your identity, read the key and secret")
    scope = await open_detail(session, ref)
    button = D.MANAGE_CONSUMER_DETAILS.on(scope).first
    values = C.CONSUMER_KEY.on(scope), C.CONSUMER_SECRET.on(scope)
    session.mark_sensitive(*values)  # masked in any failure screenshot from now on
    # With a mailbox, listen before clicking: an emailed code is sent at once. The secret moment starts before the
    # click too: a recent verification shows the key and secret straight away.
    async with AsyncExitStack() as stack:
        mail = (await stack.enter_async_context(session.expecting_code("consumer-details"))
                if session.code_waiter is not None else None)
        async with session.recorder.secret_on_screen(page) as screen:
            await screen.cover(*values)
            await button.click()
            try:
                if await _needs_code(session, scope, values):
                    await screen.uncover()  # only the code prompt is on screen: viewers see that step
                    await _verify(session, scope, mail, values, screen)
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
    await _outcome(session, scope, code.or_(values[0]))
    return await code.first.is_visible()


async def _verify(session: FlowSession, scope, mail: CodeWait | None, values, screen) -> None:  # noqa: ANN001
    has_authenticator = identity.authenticator_of(session) is not None
    method = await identity.prompt_method(scope, _prompt(), has_authenticator=has_authenticator)

    async def enter(code: str) -> str | None:
        code_input = C.CODE_INPUT.on(scope).first
        async with session.recorder.secret_input(session.page, [code_input]):
            await code_input.fill(code)
            await screen.cover(*values)  # Verify reveals them: the whole page is covered before the click
            await code_input.evaluate("input => input.setAttribute('data-answered', '')")
            await C.VERIFY.on(scope).first.click()
        # the form posts: its page (and any earlier error) goes before the answer is looked at
        await scope.locator("[data-answered]").wait_for(state="detached")
        try:
            await _outcome(session, scope, values[0])
        except SetupPageError as refused:
            return str(refused).removeprefix(f"{WHERE}: ")
        return None

    await identity.answer(session, method, enter, mail, where=WHERE)


async def _outcome(session: FlowSession, scope, success) -> None:  # noqa: ANN001
    """`success` shows, or the page's error: a verification lock as its own error, others as the classic page's."""
    try:
        await classic.outcome(session, scope, success, where=WHERE)
    except SetupPageError as exc:
        raise identity.lock_error(str(exc).removeprefix(f"{WHERE}: "), where=WHERE) or exc from None


async def _read(value, what: str) -> str:  # noqa: ANN001
    text = waits.squash(await value.first.inner_text())
    if not text or re.search(r"\s", text):
        raise SetupPageError(f"could not read the {what} from the page")
    return text


__all__ = ["reveal"]
