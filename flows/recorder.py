"""The recorder interface: the hooks flows call so that a recording (video, trace, screenshots) can follow them safely.

Flows never know whether they are being recorded: they announce each step with `await recorder.chapter(...)`, and
wrap every moment where a secret is typed or shown in `async with recorder.secret_input(...)` /
`async with recorder.secret_on_screen(...)`. `NullRecorder` does nothing; the video recorder
(provisioner/recording/recorder.py) implements the same Protocol: it stops tracing and covers secrets on screen in
those moments, and captions a typed secret as dots. Controls (flows/controls.py) caption what they do through
`recorder_of(page)`.

Lifecycle: attach -> (chapter | caption | screenshot | follow | secret_input | secret_on_screen)* -> await stop()
before the context closes -> finish(result) (sync) once the run's result is known, on success and on failure.
Every attribute a caller reads is declared here, so no caller needs getattr: `active` (does it record at all),
`viewport` (the browser context's viewport while it records, the video's size; None keeps the default), `out_dir`
(where the recording goes; None when nothing is recorded).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Protocol, Sequence, runtime_checkable
from weakref import WeakKeyDictionary

#: chapter titles: the steps of the manual procedure, in order ("Find the app", "Compare with the spec" and "Update
#: the app" when the app already exists). A chapter named like the one before it is a sub-step: its description
#: becomes a caption, not a new chapter. "Verify" is added by the recording itself once the token exchange is done.
STEPS = ("Log in", "Find the app", "Create the app", "Compare with the spec", "Update the app", "OAuth settings",
         "Certificate", "Policies", "Consumer key and secret", "Verify")


@runtime_checkable
class ScreenCover(Protocol):
    """What `secret_on_screen` yields: the flow refits the cover as secrets appear, or lifts it for a prompt."""

    async def cover(self, *locators) -> None:  # noqa: ANN002 - Playwright locators
        """Cover these (the whole viewport while any is not on screen): before a click that may reveal secrets,
        and again once they show (then exactly their boxes)."""

    async def uncover(self) -> None:
        """No secret is on screen now (a verification prompt): let viewers see the page."""


@runtime_checkable
class Recorder(Protocol):
    """What a flow (and the engine around it) may ask of a recorder."""

    #: True when something is recorded (then finish() writes files)
    active: bool
    #: the browser context's viewport while recording ({"width", "height"}), None for the usual one
    viewport: dict | None
    #: the recording's folder, None when nothing is recorded
    out_dir: Path | None

    async def attach(self, context, page) -> None:  # noqa: ANN001 - Playwright objects
        """Called once a page exists in the org's browser context."""

    async def chapter(self, page, title: str, description: str = "") -> None:  # noqa: ANN001
        """A new step begins: a chapter card in the video, a chapter entry in index.html (titles: STEPS)."""

    async def caption(self, page, text: str, target=None) -> None:  # noqa: ANN001
        """Say what was just done, in the admin's words ("Contact Email: admin@acme.example"), with `target` (the
        field acted on, a Locator) highlighted; returns once viewers had time to read it. Never pass a secret's
        value: secret fills go through secret_input, which captions them as dots."""

    async def screenshot(self, page, name: str, mask: Sequence = ()) -> None:  # noqa: ANN001
        """A masked screenshot for the recording's index."""

    def secret_input(self, page, locators: Sequence = ()) -> AbstractAsyncContextManager[None]:  # noqa: ANN001
        """Around typing a secret (password, TOTP, verification code): actions hidden, tracing stopped.

        `locators`: inputs whose typed value is readable on screen (a TOTP or emailed code field); they are covered
        in the video too. Password fields show dots and need not be passed. The recording captions the field by
        its label with dots for the value ("Password: ••••"), never the value.
        """

    async def follow(self, page) -> None:  # noqa: ANN001
        """The flow works on `page` now (a tab it opened, or the main page again): the video follows it.
        Call it again with the main page before closing the tab."""

    def secret_on_screen(self, page, locators: Sequence = ()) -> AbstractAsyncContextManager[ScreenCover]:  # noqa: ANN001
        """While secrets can be visible (consumer key/secret page): covered in the video, tracing stopped.

        Enter before the secrets can appear (before the click that reveals them) and leave once they are gone.
        With no locators (or ones not on screen yet) the whole viewport is covered; the block gets a ScreenCover to
        refit (`await cover.cover(*locators)`) or lift while only a prompt shows (`await cover.uncover()`).
        """

    def add_secrets(self, *values: str | None) -> None:
        """Secrets learned during the run (the consumer secret), so the recording is scanned for them too."""

    async def stop(self) -> None:
        """Save video and trace: call before the browser context closes (Playwright drops them on close)."""

    def finish(self, result: dict | None = None) -> list[str]:
        """After stop(), once the run's result is known: write the recording's index, scan it; returns the files.

        Synchronous (ffmpeg conversions and file scans, no browser). Raises RecordingLeakError if a file held a secret.
        """


class NullScreenCover(ScreenCover):
    """What `secret_on_screen` yields when nothing is recorded: the same calls, doing nothing."""

    async def cover(self, *locators) -> None:  # noqa: ANN002
        return None

    async def uncover(self) -> None:
        return None


class NullRecorder(Recorder):
    """The recorder used when nothing is recorded."""

    active = False
    viewport = None
    out_dir = None

    async def attach(self, context, page) -> None:  # noqa: ANN001
        return None

    async def chapter(self, page, title: str, description: str = "") -> None:  # noqa: ANN001
        return None

    async def caption(self, page, text: str, target=None) -> None:  # noqa: ANN001
        return None

    async def screenshot(self, page, name: str, mask: Sequence = ()) -> None:  # noqa: ANN001
        return None

    @asynccontextmanager
    async def secret_input(self, page, locators: Sequence = ()) -> AsyncIterator[None]:  # noqa: ANN001
        yield

    async def follow(self, page) -> None:  # noqa: ANN001
        return None

    @asynccontextmanager
    async def secret_on_screen(self, page, locators: Sequence = ()) -> AsyncIterator[ScreenCover]:  # noqa: ANN001
        yield NullScreenCover()

    def add_secrets(self, *values: str | None) -> None:
        return None

    async def stop(self) -> None:
        return None

    def finish(self, result: dict | None = None) -> list[str]:
        return []


#: the recorder of each browser context being recorded: flows/controls.py captions what it does through the page's
#: recorder without every caller passing one (a context per org, so concurrent orgs never mix)
_RECORDERS: "WeakKeyDictionary[object, Recorder]" = WeakKeyDictionary()
_NULL = NullRecorder()


def register(context, recorder: Recorder | None) -> None:  # noqa: ANN001 - a Playwright BrowserContext
    """`recorder` records `context` from now on (None: no longer)."""
    if recorder is None:
        _RECORDERS.pop(context, None)
    else:
        _RECORDERS[context] = recorder


def recorder_of(page) -> Recorder:  # noqa: ANN001 - a Playwright Page
    """The recorder recording `page`'s browser context, NullRecorder when none."""
    try:
        return _RECORDERS.get(page.context, _NULL)
    except TypeError:  # not a Playwright page (test doubles): nothing records it
        return _NULL


__all__ = ["STEPS", "NullRecorder", "NullScreenCover", "Recorder", "ScreenCover", "recorder_of", "register"]
