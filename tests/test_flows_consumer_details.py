"""Revealing an External Client App's consumer key and secret (flows/consumer_details.py): the secret joins the
run's masked set the moment it is read, before anything else can fail (issue 17, item 6), and its boxes are marked
to be masked in failure screenshots. Real Chromium; the app's page is served by a Playwright route."""

from __future__ import annotations

import pytest

from provisioner.flows.consumer_details import reveal
from provisioner.flows.recorder import NullRecorder
from provisioner.flows.session import FlowSession, Timeouts
from provisioner.flows.types import AppRef
from provisioner.redact import SecretSet

from .support.async_browser import with_page

FAST = Timeouts(page_ms=10_000, mail_s=5, settle_ms=10_000)
APP_URL = "https://acme.my.salesforce.com/lightning/setup/ManageExternalClientApplication/0xI000000000001AAA/view"
KEY = "3MVG9" + "k" * 40
SECRET = "9F1C0E4B7A2D6E8F1A3B5C7D9E0F2A4B6C8D0E1F3A5B7C9D1E3F5A7B9C1D3E5F"
APP_PAGE = f"""<!doctype html><title>CI JWT</title>
<div role=tablist><button role=tab>Settings</button><button role=tab>Policies</button></div>
<button id=reveal>Consumer Key and Secret</button>
<div id=values hidden>
  <div role=group aria-label="Consumer Key"><span>Consumer Key</span> <span>{KEY}</span></div>
  <div role=group aria-label="Consumer Secret"><span>Consumer Secret</span> <span>{SECRET}</span></div>
</div>
<script>reveal.onclick = () => {{ document.getElementById('values').hidden = false; }};</script>"""


class FailsWhenLeaving(NullRecorder):
    """A recorder that breaks when the flow returns to the main page: a failure after the secret was read."""

    def __init__(self) -> None:
        self.follows = 0
        self.learned: list[str] = []

    async def follow(self, page) -> None:  # noqa: ANN001
        self.follows += 1
        if self.follows > 1:
            raise RuntimeError("the recorder broke while leaving the consumer details")

    def add_secrets(self, *values: str | None) -> None:
        self.learned += [v for v in values if v]


class NoMailNeeded:
    """The code waiter: listening is harmless, and no code is ever asked for here (the values show at once)."""

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        return None

    def wait(self, timeout_s: float) -> str:
        raise AssertionError("no code should be needed")


def test_the_secret_is_masked_as_soon_as_it_is_read_even_if_the_flow_then_fails():
    secrets = SecretSet(["Pw-admin-password"])
    recorder = FailsWhenLeaving()

    async def scenario(page):  # noqa: ANN001
        async def handle(route):  # noqa: ANN001
            await route.fulfill(status=200, content_type="text/html", body=APP_PAGE)

        await page.route("**/*", handle)
        await page.goto(APP_URL)
        session = FlowSession(page=page, recorder=recorder, timeouts=FAST, secrets=secrets,
                              code_waiter=lambda purpose: NoMailNeeded())
        with pytest.raises(RuntimeError, match="recorder broke"):
            await reveal(session, AppRef("CI JWT", "CI_JWT", APP_URL))
        return len(session.sensitive)

    sensitive = with_page(scenario)
    assert SECRET in list(secrets) and recorder.learned == [SECRET]
    assert secrets.mask(f"secret={SECRET}") != f"secret={SECRET}"
    assert sensitive == 2  # the key and secret boxes: masked in failure screenshots
