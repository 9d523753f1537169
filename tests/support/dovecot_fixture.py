"""Fixtures: `dovecot` (one real Dovecot per test session) and `mailbox` (a fresh user on it per test)."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass

import pytest

from .dovecot import Dovecot, dovecot_installed
from .missing import missing_part

_counter = itertools.count(1)


@dataclass(frozen=True)
class TestMailbox:
    """One user on the test Dovecot: deliver over LMTP to `address`, read over IMAP as `address`/`password`."""

    __test__ = False  # not a test class, despite the name

    address: str
    password: str
    imap_host: str
    imap_port: int
    lmtp_port: int

    def settings(self, folder: str = "INBOX"):
        """The product's MailboxSettings for this user (plain IMAP on loopback)."""
        from provisioner.config import MailboxSettings

        return MailboxSettings(
            host=self.imap_host, port=self.imap_port, user=self.address, password=self.password,
            ssl=False, folder=folder,
        )


@pytest.fixture(scope="session")
def dovecot():
    if not dovecot_installed() and os.geteuid() != 0:
        missing_part("Dovecot is not installed and we are not root (run scripts/install.sh as root to get it)")
    if os.geteuid() != 0:
        missing_part("the test Dovecot must be started as root")
    # Installed and root: any failure from here on is a real failure, not a skip.
    # Not under pytest's tmp_path: pytest resets /tmp/pytest-of-<user> to 0700 whenever any session starts
    # (other test runs on this machine), which locks Dovecot's unprivileged processes out of their mail.
    root = tempfile.mkdtemp(prefix="provisioner-dovecot-")
    server = Dovecot.start(root)
    try:
        yield server
    finally:
        server.stop()
        if not os.environ.get("KEEP_TEST_DOVECOT"):  # set it to read dovecot.log after a failure
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot) -> TestMailbox:
    address = f"user{next(_counter)}-{secrets.token_hex(3)}@example.test"
    password = secrets.token_urlsafe(12)
    dovecot.add_user(address, password)
    return TestMailbox(address, password, dovecot.imap_host, dovecot.imap_port, dovecot.lmtp_port)
