"""Answering Salesforce's identity verification with what the org user has: the authenticator app (codes computed from
SALESFORCE_TOTP_SECRET) or the mailbox (an emailed code, read with IMAP IDLE).

Salesforce asks for the strongest method the user registered ("Prevent identity verification by email when other
methods are registered", on in every new org): an admin with an authenticator is asked for its code and mailed
nothing. Which one a page asks for is read from the page (its input, else its words), never assumed.

A refused code: "The allowed number of attempts has been exceeded" is a lock (about an hour): VerificationLockedError,
never retried. A refused authenticator code may have been used already (a code is good once) or have rolled over
while it was typed: one more try with the next step's code, then a clear error. A refused emailed code (a late mail of an
earlier code came first): the next, newer mail, up to EMAILED_CODES codes.
"""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Awaitable, Callable, Literal

import pyotp

from provisioner.errors import (ConfigError, ProvisionerError, SetupPageError, TotpRejectedError,
                                UnknownChallengeError, VerificationLockedError)

from .locators import Loc
from .locators import verification as V
from .session import WAITING_ON_THE_CLOCK, CodeWait, FlowSession

TOTP_STEP_SECONDS = 30  # every authenticator app's step
#: a wait for the next step shorter than this keeps the nightly job's browser slot (lending it is not worth the turn)
LEND_AFTER_SECONDS = 2.0
#: emailed codes typed for one prompt at most (each newer than the last; Salesforce locks after more wrong ones)
EMAILED_CODES = 3
#: Salesforce's words for a code it does not take (wrong, superseded, expired): worth waiting for the next mail
CODE_REFUSED = re.compile(r"isn't valid|invalid or expired|has expired", re.I)
Method = Literal["totp", "email", "sms"]


class Authenticator:
    """The org user's authenticator app: one code per 30-second step, and never a step this run already used (a
    verifier may refuse a code the second time, RFC 6238 section 5.2). Waits are computed from the clock."""

    def __init__(self, secret: str, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self._secret = secret.replace(" ", "")
        self._clock, self._sleep = clock, sleep
        self._last_step: int | None = None

    async def code(self) -> str:
        """A code of the current step, or of the next one once the current one has been used."""
        if self._last_step is not None:
            await self._until_step(self._last_step + 1)
        return self._take(self._step_now())

    async def next_code(self) -> str:
        """After a refusal: the code of the step after the current one (and after any used one)."""
        await self._until_step(max(self._step_now(), self._last_step if self._last_step is not None else -1) + 1)
        return self._take(self._step_now())

    def _take(self, step: int) -> str:
        try:
            code = pyotp.TOTP(self._secret, interval=TOTP_STEP_SECONDS).at(step * TOTP_STEP_SECONDS)
        except Exception:  # a malformed base32 secret: say so without echoing it
            raise ConfigError("SALESFORCE_TOTP_SECRET is not a valid base32 TOTP secret") from None
        self._last_step = step
        return code

    def _step_now(self) -> int:
        return int(self._clock() // TOTP_STEP_SECONDS)

    async def _until_step(self, step: int) -> None:
        lend = WAITING_ON_THE_CLOCK.get()
        if lend is None or step * TOTP_STEP_SECONDS - self._clock() < LEND_AFTER_SECONDS:
            lend = nullcontext
        async with lend():  # the page only waits: the nightly job's other orgs may use the browser meanwhile
            while self._step_now() < step:  # the event loop's timer may wake a hair early: look again
                await self._sleep(max(step * TOTP_STEP_SECONDS - self._clock(), 0.01))


# The login flow knows the org's TOTP secret; the consumer details flows need the same authenticator (with its memory
# of used steps). It rides on the FlowSession as `authenticator`.
def remember_authenticator(session: FlowSession, secret: str | None) -> None:
    session.authenticator = Authenticator(secret) if secret else None


def authenticator_of(session: FlowSession) -> Authenticator | None:
    return session.authenticator


def no_authenticator_error(where: str) -> ConfigError:
    return ConfigError(f"{where}: Salesforce asks for an authenticator app code: set SALESFORCE_TOTP_SECRET")


@dataclass(frozen=True)
class Prompt:
    """How one page's verification prompt names its method: inputs named as on the login pages, or words."""

    totp_input: Loc
    email_input: Loc
    sms_input: Loc
    authenticator_words: Loc
    email_words: Loc
    sms_words: Loc


async def prompt_method(scope, prompt: Prompt, *, has_authenticator: bool) -> Method:  # noqa: ANN001
    """Which code the page asks for. A prompt naming both ("emailed to you or generated by your 2FA app"): the
    authenticator when the user has one (email only when no other method is registered), else email."""

    async def shown(loc: Loc) -> bool:
        return await loc.on(scope).filter(visible=True).count() > 0

    for loc, method in ((prompt.totp_input, "totp"), (prompt.email_input, "email"), (prompt.sms_input, "sms")):
        if await shown(loc):
            return method  # type: ignore[return-value]
    authenticator, emailed = await shown(prompt.authenticator_words), await shown(prompt.email_words)
    if authenticator and (has_authenticator or not emailed):
        return "totp"
    if emailed:
        return "email"
    if await shown(prompt.sms_words):
        return "sms"
    return "totp" if has_authenticator else "email"  # words unknown: the documented rule


def lock_error(message: str, *, where: str) -> VerificationLockedError | None:
    if V.ATTEMPTS_EXCEEDED_TEXT.search(message):
        return VerificationLockedError(
            f"{where}: {message} Salesforce locked identity verification for this user for about an hour; wait "
            f"(or have an admin generate a temporary verification code) before running again")
    return None


#: enter(code) types the code, submits it, and returns None when Salesforce accepted it, else the page's error text
Enter = Callable[[str], Awaitable[str | None]]


async def answer(session: FlowSession, method: Method, enter: Enter, mail: CodeWait | None, *, where: str) -> None:
    """Answer a verification prompt of `method`; raises the error a user can act on when it is refused."""
    if method == "sms":
        raise UnknownChallengeError(f"{where}: Salesforce asks for a code sent by SMS: register an authenticator app "
                                    f"(TOTP) for this user and set SALESFORCE_TOTP_SECRET")
    if method == "email":
        if mail is None:
            raise ConfigError(f"{where}: Salesforce emailed a verification code, but no mailbox is configured "
                              f"(set IMAP_HOST, IMAP_USER, IMAP_PASSWORD)")
        await session.chapter("Consumer key and secret", "Enter the code Salesforce emailed (read over IMAP)")
        for typed in range(1, EMAILED_CODES + 1):
            refused = await enter(await mail.code())  # each one newer than the one refused before
            if refused is None:
                return
            _raise_if_locked(refused, where)
            if typed == EMAILED_CODES or not CODE_REFUSED.search(refused):
                raise SetupPageError(f"{where}: Salesforce refused the emailed verification code ({refused}), "
                                     f"{typed} code(s) typed")
            # a late mail of an earlier code came first: the newer one is on its way
            await session.chapter("Consumer key and secret", "The code was refused: wait for the newer mail")
        return
    authenticator = authenticator_of(session)
    if authenticator is None:
        raise no_authenticator_error(where)
    await session.chapter("Consumer key and secret", "Enter the authenticator app's code (from the TOTP secret)")
    refused = await enter(await authenticator.code())
    if refused is None:
        return
    _raise_if_locked(refused, where)
    # used already, or its step ended while it travelled: the next step's code, once
    await session.chapter("Consumer key and secret", "The code was refused: wait for the authenticator's next code")
    refused = await enter(await authenticator.next_code())
    if refused is not None:
        raise _refused(refused, where, TotpRejectedError(
            f"{where}: the authenticator code was refused twice ({refused}): check SALESFORCE_TOTP_SECRET and "
            f"this machine's clock"))


def _raise_if_locked(message: str, where: str) -> None:
    locked = lock_error(message, where=where)
    if locked is not None:
        raise locked


def _refused(message: str, where: str, otherwise: ProvisionerError) -> ProvisionerError:
    return lock_error(message, where=where) or otherwise


__all__ = ["Authenticator", "Prompt", "answer", "authenticator_of", "lock_error", "no_authenticator_error",
           "prompt_method", "remember_authenticator"]
