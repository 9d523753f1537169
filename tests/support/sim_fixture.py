"""Fixtures: `sim_factory` (start simulated orgs with options; all stopped at teardown) and `sim` (a fast org with
its embedded mailbox). Plus helpers tests use to read verification mail and poke the inspection API."""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
import urllib.request

import pytest
from imapclient import IMAPClient

from provisioner.sim.app import SimHandle, SimOptions, start_sim

CODE_PATTERN = re.compile(r"Verification Code: (\d{6})")


@pytest.fixture
def sim_factory():
    handles: list[SimHandle] = []

    def start(**options) -> SimHandle:
        options.setdefault("latency", "fast")
        handle = start_sim(SimOptions(**options))
        handles.append(handle)
        for watch in start.on_start:
            watch(handle)
        return handle

    start.handles = handles  # the orgs this test started (the secrets scan reads their secrets)
    start.on_start = []  # called with each org as it starts (the secrets scan remembers its sessions and tokens)
    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def sim(sim_factory) -> SimHandle:
    return sim_factory(mail="embedded")


def imap_client(info: dict) -> IMAPClient:
    client = IMAPClient(info["imap_host"], info["imap_port"], ssl=bool(info.get("imap_ssl")), timeout=30)
    client.login(info["imap_user"], info["imap_password"])
    client.select_folder(info.get("imap_folder") or "INBOX")
    return client


def wait_for_mail(info: dict, *, after_uid: int = 0, timeout: float = 20.0) -> tuple[int, email.message.EmailMessage]:
    """The first message with a UID above `after_uid`, waiting with IMAP IDLE (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    client = imap_client(info)
    try:
        while True:
            uids = [uid for uid in client.search(["UID", f"{after_uid + 1}:*"]) if uid > after_uid]
            if uids:
                uid = min(uids)
                raw = client.fetch([uid], ["RFC822"])[uid][b"RFC822"]
                return uid, email.message_from_bytes(raw, policy=email.policy.default)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no new mail after UID {after_uid} within {timeout} s")
            client.idle()
            client.idle_check(timeout=min(remaining, 5))
            client.idle_done()
    finally:
        client.logout()


def code_from(message: email.message.EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = CODE_PATTERN.search(text)
    assert match, "no verification code in the mail"
    return match.group(1)


def inspect_api(handle: SimHandle, path: str, body: dict | None = None) -> dict:
    """GET (body None) or POST JSON to the sim's inspection API."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(handle.inspect_url + path, data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
