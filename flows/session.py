"""What every flow needs: the page, the recorder, the timeouts, a way to wait for an emailed code, and the run's
secrets (so a secret read from a page is masked everywhere the moment it is read)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AsyncIterator, Callable

from playwright.async_api import Locator, Page

from provisioner.redact import SecretSet

from .recorder import NullRecorder, Recorder

if TYPE_CHECKING:
    from .identity import Authenticator


#: how a page waits on the clock alone (the authenticator's next 30-second step): the nightly job lends the org's
#: browser slot to another org meanwhile (provisioner/job/slots.py BrowserSlot.paused); unset, nothing changes
WAITING_ON_THE_CLOCK: ContextVar[Callable[[], AbstractAsyncContextManager[None]] | None] = ContextVar(
    "waiting_on_the_clock", default=None)


@dataclass(frozen=True)
class Timeouts:
    page_ms: float = 30_000  # one page load, save or navigation
    mail_s: float = 180  # one verification email to arrive
    settle_ms: float = 60_000  # spinners on a slow Setup page


class CodeWait:
    """An emailed code being waited for: entered before the code is requested, read after."""

    def __init__(self, waiter, timeout_s: float):  # noqa: ANN001 - provisioner.mail.CodeWaiter
        self._waiter = waiter
        self._timeout_s = timeout_s

    async def code(self) -> str:
        """Block (in a thread: IMAP IDLE) until the code arrives; raises NoVerificationEmailError if it does not."""
        return await asyncio.to_thread(self._waiter.wait, self._timeout_s)


#: opens a (blocking) CodeWaiter for a purpose ("login" | "consumer-details"); it is a context manager whose
#: __enter__ starts listening (only mail arriving after that counts) and whose wait(timeout) returns the code
CodeWaiterFactory = Callable[[str], object]


@dataclass
class FlowSession:
    page: Page
    recorder: Recorder = field(default_factory=NullRecorder)
    timeouts: Timeouts = field(default_factory=Timeouts)
    code_waiter: CodeWaiterFactory | None = None
    #: where Lightning pages live once logged in (scheme://host), set by the login flow
    instance_url: str = ""
    #: the run's secrets (the engine's set, shared by reference: failure artifacts are masked with it)
    secrets: SecretSet = field(default_factory=SecretSet)
    #: elements that may show a secret (consumer key and secret boxes): masked in failure screenshots
    sensitive: list[Locator] = field(default_factory=list)
    #: the admin's authenticator (flows/identity.py), set at login: the consumer details prompt needs the same one,
    #: with its memory of the time steps already used (a code is good once)
    authenticator: "Authenticator | None" = None

    def keep_secret(self, value: str) -> None:
        """A secret was just read from a page: masked in failure artifacts and scanned for in the recording."""
        self.secrets.add(value)
        self.recorder.add_secrets(value)

    def mark_sensitive(self, *locators: Locator) -> None:
        """These elements may show a secret: any failure screenshot masks them."""
        self.sensitive.extend(locators)

    @asynccontextmanager
    async def expecting_code(self, purpose: str) -> AsyncIterator[CodeWait]:
        """Listen for a verification email from now on; the code is read inside the block, after it is requested."""
        from provisioner.errors import ConfigError

        if self.code_waiter is None:
            raise ConfigError("Salesforce asked for an emailed verification code, but no mailbox is configured "
                              "(set IMAP_HOST, IMAP_USER, IMAP_PASSWORD)")
        waiter = self.code_waiter(purpose)
        await asyncio.to_thread(waiter.__enter__)
        try:
            yield CodeWait(waiter, self.timeouts.mail_s)
        finally:
            await asyncio.to_thread(waiter.__exit__, None, None, None)

    async def chapter(self, title: str, description: str = "") -> None:
        await self.recorder.chapter(self.page, title, description)

    async def follow(self, page: Page) -> None:
        """Tell the recorder the flow works on `page` now (a tab, or the main page again): the video follows."""
        await self.recorder.follow(page)

    def url(self, path: str) -> str:
        return self.instance_url.rstrip("/") + path
