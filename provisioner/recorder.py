"""The hooks flows call so that a recording (video, trace, screenshots) can follow them safely.

Flows never know whether they are being recorded: they announce each step with `chapter`, and wrap every moment
where a secret is typed or shown in `secret_input` / `secret_on_screen`. `NullRecorder` does nothing; the video
recorder (provisioner/recording/) hides actions, stops tracing and covers secrets on screen in those moments.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence


class NullRecorder:
    """The recorder used when nothing is recorded."""

    active = False

    def attach(self, context, page) -> None:  # noqa: ANN001 - Playwright objects
        """Called once a page exists in the org's browser context."""

    def chapter(self, page, title: str, description: str = "") -> None:  # noqa: ANN001
        """A new step begins: a chapter card in the video, a chapter entry in index.html."""

    def screenshot(self, page, name: str, mask: Sequence = ()) -> None:  # noqa: ANN001
        """A masked screenshot for the recording's index."""

    @contextmanager
    def secret_input(self, page) -> Iterator[None]:  # noqa: ANN001
        """Around typing a secret (password, TOTP, verification code): actions hidden, tracing stopped."""
        yield

    @contextmanager
    def secret_on_screen(self, page, locators: Sequence) -> Iterator[None]:  # noqa: ANN001
        """While secrets are visible (consumer key/secret page): covered in the video, tracing stopped."""
        yield

    def finish(self, result: dict | None = None) -> list[str]:
        """Close the recording; returns the files written."""
        return []
