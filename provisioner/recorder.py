"""The hooks flows call so that a recording (video, trace, screenshots) can follow them safely.

Flows never know whether they are being recorded: they announce each step with `await recorder.chapter(...)`, and
wrap every moment where a secret is typed or shown in `async with recorder.secret_input(...)` /
`async with recorder.secret_on_screen(...)`. `NullRecorder` does nothing; the video recorder
(provisioner/recording/) hides actions, stops tracing and covers secrets on screen in those moments.

The page hooks are async because the real recorder drives Playwright's async API on the same page as the flow.
Lifecycle: attach -> (chapter | screenshot | secret_input | secret_on_screen)* -> await stop() before the context
closes -> finish(result) (sync) once the run's result is known.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, Sequence


class NullRecorder:
    """The recorder used when nothing is recorded."""

    active = False

    async def attach(self, context, page) -> None:  # noqa: ANN001 - Playwright objects
        """Called once a page exists in the org's browser context."""

    async def chapter(self, page, title: str, description: str = "") -> None:  # noqa: ANN001
        """A new step begins: a chapter card in the video, a chapter entry in index.html."""

    async def screenshot(self, page, name: str, mask: Sequence = ()) -> None:  # noqa: ANN001
        """A masked screenshot for the recording's index."""

    @asynccontextmanager
    async def secret_input(self, page, locators: Sequence = ()) -> AsyncIterator[None]:  # noqa: ANN001
        """Around typing a secret (password, TOTP, verification code): actions hidden, tracing stopped.

        `locators`: inputs whose typed value is readable on screen (a TOTP or emailed code field); they are covered
        in the video too. Password fields show dots and need not be passed.
        """
        yield

    @asynccontextmanager
    async def secret_on_screen(self, page, locators: Sequence) -> AsyncIterator[None]:  # noqa: ANN001
        """While secrets are visible (consumer key/secret page): covered in the video, tracing stopped.

        Enter before the secrets appear (before the click that reveals them) and leave once they are gone.
        """
        yield

    def add_secrets(self, *values: str | None) -> None:
        """Secrets learned during the run (the consumer secret), so the recording is scanned for them too."""

    async def stop(self) -> None:
        """Save video and trace: call before the browser context closes (Playwright drops them on close)."""

    def finish(self, result: dict | None = None) -> list[str]:
        """After stop(), once the run's result is known: write the recording's index, scan it; returns the files.

        Synchronous (ffmpeg conversions and file scans, no browser). Raises RecordingLeakError if a file held a secret.
        """
        return []
