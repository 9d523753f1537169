"""Waiting for emailed verification codes, against a real Dovecot (messages delivered over LMTP)."""

from __future__ import annotations

import smtplib
import threading
import time
from email.message import EmailMessage

import imapclient
import pytest

from provisioner.config import MailboxSettings
from provisioner.errors import ImapLoginError, MailConnectionError, NoVerificationEmailError
from provisioner.mail import CodeWaiter

ORG = "Acme Widgets"


def salesforce_email(
    to: str,
    code: str,
    *,
    org: str = ORG,
    sender: str = "noreply@salesforce.com",
    subject: str = "Verify your identity in Salesforce",
    html: bool = True,
    label: str = "Verification Code:",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Salesforce <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    text = (
        f"You're trying to access Salesforce from a new device or browser ({org}).\n\n"
        f"{label} {code}\n\nIf you didn't try to log in, contact your Salesforce administrator.\n"
    )
    msg.set_content(text, cte="quoted-printable")
    if html:
        msg.add_alternative(
            f"<html><body><p>You're trying to access <b>{org}</b>.</p>"
            f"<p>{label} <strong>{code}</strong></p></body></html>",
            subtype="html",
            cte="quoted-printable",
        )
    return msg.as_bytes()


def deliver(mailbox, raw: bytes, rcpt: str | None = None) -> None:
    with smtplib.LMTP(mailbox.imap_host, mailbox.lmtp_port) as lmtp:
        lmtp.sendmail("bounce@salesforce.com", [rcpt or mailbox.address], raw)


def deliver_later(mailbox, raw: bytes, delay: float = 0.5) -> threading.Thread:
    # Test-only delay: lets wait() enter IDLE before the message lands, so the wake-up path is exercised.
    timer = threading.Timer(delay, deliver, args=(mailbox, raw))
    timer.start()
    return timer


# --- the fixture itself --------------------------------------------------------------------------------------------


def test_dovecot_delivers_over_lmtp_and_serves_imap_with_idle(mailbox):
    deliver(mailbox, salesforce_email(mailbox.address, "111111"))
    client = imapclient.IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=False)
    try:
        client.login(mailbox.address, mailbox.password)
        client.select_folder("INBOX")
        assert len(client.search(["ALL"])) == 1
        client.idle()
        timer = deliver_later(mailbox, salesforce_email(mailbox.address, "222222"), delay=0.2)
        started = time.monotonic()
        responses = client.idle_check(timeout=10)
        client.idle_done()
        timer.join()
        assert time.monotonic() - started < 5
        assert any(r[1] == b"EXISTS" for r in responses if isinstance(r, tuple) and len(r) > 1)
    finally:
        client.logout()


def test_each_mailbox_is_a_separate_user(dovecot, mailbox):
    assert mailbox.address.endswith("@example.test")
    with pytest.raises(imapclient.exceptions.LoginError):
        c = imapclient.IMAPClient(dovecot.imap_host, port=dovecot.imap_port, ssl=False)
        try:
            c.login(mailbox.address, "not-" + mailbox.password)
        finally:
            c.shutdown()


# --- CodeWaiter ----------------------------------------------------------------------------------------------------


def test_returns_code_delivered_while_waiting_via_idle(mailbox):
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG, idle_refresh=60) as waiter:
        timer = deliver_later(mailbox, salesforce_email(mailbox.address, "482913"))
        started = time.monotonic()
        assert waiter.wait(timeout=20) == "482913"
        # woken by IDLE, not by the 60 s re-issue
        assert time.monotonic() - started < 10
        timer.join()


def test_ignores_codes_sent_before_the_waiter_opened(mailbox):
    deliver(mailbox, salesforce_email(mailbox.address, "000001"))
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "654321"))
        assert waiter.wait(timeout=10) == "654321"


def test_picks_the_newest_matching_code(mailbox):
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "100001"))
        deliver(mailbox, salesforce_email(mailbox.address, "100002"))
        deliver(mailbox, salesforce_email(mailbox.address, "100003", sender="phish@example.com"))
        assert waiter.wait(timeout=10) == "100002"


def test_ignores_other_senders_recipients_subjects_and_orgs(mailbox):
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "900001", sender="noreply@example.com"))
        deliver(mailbox, salesforce_email("someone.else@example.test", "900002"))
        deliver(mailbox, salesforce_email(mailbox.address, "900003", org="Other Org"))
        deliver(mailbox, salesforce_email(mailbox.address, "900004", subject="Your password was reset"))
        with pytest.raises(NoVerificationEmailError):
            waiter.wait(timeout=1.5)
        deliver(mailbox, salesforce_email(mailbox.address.upper(), "123456", html=False, label="Verification code:"))
        assert waiter.wait(timeout=10) == "123456"


def test_rebase_waits_for_a_code_newer_than_the_last_one(mailbox):
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "300001"))
        assert waiter.wait(timeout=10) == "300001"
        waiter.rebase()  # e.g. the code was rejected and the user clicks "Resend Code"
        with pytest.raises(NoVerificationEmailError):
            waiter.wait(timeout=0.5)
        deliver(mailbox, salesforce_email(mailbox.address, "300002"))
        assert waiter.wait(timeout=10) == "300002"


def test_sandbox_subject_prefix(mailbox):
    sandbox_subject = "Sandbox: Verify your identity in Salesforce"
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, subject_prefix="Sandbox: ") as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "200001"))  # production subject: not this org
        deliver(mailbox, salesforce_email(mailbox.address, "200002", subject=sandbox_subject))
        assert waiter.wait(timeout=10) == "200002"
    # Without a prefix either form is accepted.
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "200003", subject=sandbox_subject))
        assert waiter.wait(timeout=10) == "200003"


def test_times_out_cleanly_naming_mailbox_and_recipient(mailbox):
    settings = mailbox.settings()
    started = time.monotonic()
    with CodeWaiter(settings, recipient=mailbox.address, org_name=ORG) as waiter:
        with pytest.raises(NoVerificationEmailError) as info:
            waiter.wait(timeout=1)
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert mailbox.address in message and settings.host in message
    assert mailbox.password not in message


def test_wrong_imap_password_is_an_imap_login_error_without_the_password(mailbox):
    wrong = MailboxSettings(
        host=mailbox.imap_host, port=mailbox.imap_port, user=mailbox.address, password="Wr0ng-Pa55word", ssl=False
    )
    with pytest.raises(ImapLoginError) as info:
        with CodeWaiter(wrong, recipient=mailbox.address):
            pass
    assert mailbox.address in str(info.value) and mailbox.imap_host in str(info.value)
    assert "Wr0ng-Pa55word" not in str(info.value)


def test_connection_refused_is_a_mail_connection_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens here
    settings = MailboxSettings(host="127.0.0.1", port=port, user="u", password="p", ssl=False)
    with pytest.raises(MailConnectionError):
        with CodeWaiter(settings, recipient="u@example.test"):
            pass


def _drop(waiter) -> None:
    """The network drops under us: reads see EOF, writes fail."""
    import socket

    waiter._client.socket().shutdown(socket.SHUT_RDWR)


def test_reconnects_once_after_a_dropped_connection(mailbox):
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        _drop(waiter)
        deliver(mailbox, salesforce_email(mailbox.address, "777777"))
        assert waiter.wait(timeout=10) == "777777"
        _drop(waiter)
        with pytest.raises(MailConnectionError) as info:
            waiter.wait(timeout=5)
    assert mailbox.password not in str(info.value)


def test_connection_dropped_during_idle_is_recovered(mailbox):
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG, idle_refresh=60) as waiter:
        timer = threading.Timer(0.3, _drop, args=(waiter,))
        timer.start()
        later = deliver_later(mailbox, salesforce_email(mailbox.address, "313131"), delay=0.8)
        assert waiter.wait(timeout=15) == "313131"
        timer.join()
        later.join()
