"""Fixtures: `dovecot` (one real Dovecot per test session), `mailbox` (a fresh user on it per test), `make_mailbox`
(more users on it), `dovecot_tls` / `tls_mailbox` (a Dovecot serving TLS with a certificate from a test CA), and
`oauth2_server` / `dovecot_oauth2` / `oauth2_mailbox` (a TLS Dovecot that takes only OAuth2 tokens, checked against
a test authorization server)."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from .dovecot import Dovecot, OAuth2Passdb, dovecot_installed
from .dovecot_oauth2 import AuthorizationServer
from .dovecot_tls import make_test_ca
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
    imaps_port: int = 0  # the TLS Dovecot only
    ca_file: str | None = None  # the TLS Dovecot only: the test CA that signed its certificate

    def settings(self, folder: str = "INBOX", *, ssl: bool = False):
        """The product's MailboxSettings for this user: plain IMAP (STARTTLS where the server offers it), or with
        `ssl` IMAP over TLS on the imaps port."""
        from provisioner.config import MailboxSettings

        return MailboxSettings(
            host=self.imap_host, port=self.imaps_port if ssl else self.imap_port, user=self.address,
            password=self.password, ssl=ssl, folder=folder,
        )


@contextmanager
def _running(prefix: str, *, tls: bool = False, oauth2: OAuth2Passdb | None = None):
    if not dovecot_installed() and os.geteuid() != 0:
        missing_part("Dovecot is not installed and we are not root (run scripts/install.sh as root to get it)")
    if os.geteuid() != 0:
        missing_part("the test Dovecot must be started as root")
    # Installed and root: any failure from here on is a real failure, not a skip.
    # Not under pytest's tmp_path: pytest resets /tmp/pytest-of-<user> to 0700 whenever any session starts
    # (other test runs on this machine), which locks Dovecot's unprivileged processes out of their mail.
    root = tempfile.mkdtemp(prefix=prefix)
    server = None
    try:
        ca = make_test_ca(os.path.join(root, "tls")) if tls else None
        server = Dovecot.start(os.path.join(root, "dovecot"), tls=ca.server if ca else None, oauth2=oauth2)
        yield server, ca
    finally:
        if server is not None:
            server.stop()
        if not os.environ.get("KEEP_TEST_DOVECOT"):  # set it to read dovecot.log after a failure
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot():
    with _running("provisioner-dovecot-") as (server, _):
        yield server


@pytest.fixture(scope="session")
def dovecot_tls():
    """A second Dovecot: STARTTLS on imap_port, TLS on imaps_port, certificate for 127.0.0.1 from a test CA
    (`dovecot_tls.ca_file`). Started only by the tests that ask for it."""
    with _running("provisioner-dovecot-tls-", tls=True) as (server, ca):
        server.ca_file = str(ca.ca_file)
        yield server


def _new_user(server) -> TestMailbox:
    address = f"user{next(_counter)}-{secrets.token_hex(3)}@example.test"
    password = secrets.token_urlsafe(12)
    server.add_user(address, password)
    return TestMailbox(address, password, server.imap_host, server.imap_port, server.lmtp_port,
                       server.imaps_port, getattr(server, "ca_file", None))


@pytest.fixture
def make_mailbox(dovecot):
    """Another user on the same Dovecot, each call a new one (to show users cannot see each other's mail)."""
    return lambda: _new_user(dovecot)


@pytest.fixture
def mailbox(dovecot) -> TestMailbox:
    return _new_user(dovecot)


@pytest.fixture
def tls_mailbox(dovecot_tls) -> TestMailbox:
    return _new_user(dovecot_tls)


@dataclass(frozen=True)
class OAuth2Mailbox:
    """A mailbox on the OAuth2-only Dovecot: deliver over LMTP to `address`; log in with a token for it."""

    __test__ = False

    address: str
    imap_host: str
    imap_port: int  # STARTTLS
    imaps_port: int  # TLS from the first byte
    lmtp_port: int
    ca_file: str
    server: AuthorizationServer

    def settings(self, oauth2, *, ssl: bool = True):
        """The product's MailboxSettings: log in by token from `oauth2` (OAuth2Settings), trusting the test CA."""
        from provisioner.config import mailbox_settings_from

        return mailbox_settings_from(host=self.imap_host, port=self.imaps_port if ssl else self.imap_port,
                                     user=self.address, password=None, ssl=ssl, ca_file=self.ca_file, oauth2=oauth2)


@pytest.fixture(scope="session")
def _oauth2_server_session():
    server = AuthorizationServer().start()
    yield server
    server.stop()


@pytest.fixture
def oauth2_server(_oauth2_server_session):
    """The test authorization server (token endpoint + introspection); a test may shorten `token_lifetime`."""
    yield _oauth2_server_session
    _oauth2_server_session.token_lifetime = 3600.0


@pytest.fixture(scope="session")
def dovecot_oauth2(_oauth2_server_session):
    """A Dovecot that takes only OAuth2 bearer tokens (XOAUTH2, OAUTHBEARER; its oauth2 passdb asks the test
    authorization server), over TLS (imaps_port) or STARTTLS (imap_port) with a certificate from a test CA."""
    with _running("provisioner-dovecot-oauth2-", tls=True,
                  oauth2=OAuth2Passdb(_oauth2_server_session.introspection_url)) as (server, ca):
        server.ca_file = str(ca.ca_file)
        yield server


@pytest.fixture
def oauth2_mailbox(dovecot_oauth2, oauth2_server) -> OAuth2Mailbox:
    address = f"box{next(_counter)}-{secrets.token_hex(3)}@example.test"
    return OAuth2Mailbox(address, dovecot_oauth2.imap_host, dovecot_oauth2.imap_port, dovecot_oauth2.imaps_port,
                         dovecot_oauth2.lmtp_port, dovecot_oauth2.ca_file, oauth2_server)
