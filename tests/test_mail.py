"""Waiting for emailed verification codes, against a real Dovecot (messages delivered over LMTP)."""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import imapclient
import pytest

from provisioner.config import MailboxSettings
from provisioner import mail
from provisioner.errors import ConfigError, ImapLoginError, MailConnectionError, NoVerificationEmailError
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
    sent_at: float | None = None,
    message_id: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Salesforce <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    if sent_at is not None:  # Salesforce's own Date (when it sent the mail), as real mail has
        msg["Date"] = formatdate(sent_at, localtime=True)
        msg["Message-ID"] = message_id or make_msgid(domain="sfdc.net")
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


def test_each_mailbox_is_a_separate_user(dovecot, mailbox, make_mailbox):
    other = make_mailbox()
    assert mailbox.address.endswith("@example.test") and other.address != mailbox.address
    with pytest.raises(imapclient.exceptions.LoginError):
        c = imapclient.IMAPClient(dovecot.imap_host, port=dovecot.imap_port, ssl=False)
        try:
            c.login(mailbox.address, "not-" + mailbox.password)
        finally:
            c.shutdown()
    with pytest.raises(imapclient.exceptions.LoginError):  # one user's password does not open another's mailbox
        c = imapclient.IMAPClient(dovecot.imap_host, port=dovecot.imap_port, ssl=False)
        try:
            c.login(mailbox.address, other.password)
        finally:
            c.shutdown()
    deliver(mailbox, salesforce_email(mailbox.address, "515151"))
    deliver(other, salesforce_email(other.address, "626262"))
    for box, own, foreign in ((mailbox, b"515151", b"626262"), (other, b"626262", b"515151")):
        c = imapclient.IMAPClient(box.imap_host, port=box.imap_port, ssl=False)
        try:
            c.login(box.address, box.password)
            c.select_folder("INBOX", readonly=True)
            bodies = [m[b"BODY[]"] for m in c.fetch(c.search(["ALL"]), ["BODY.PEEK[]"]).values()]
            assert len(bodies) == 1 and own in bodies[0] and foreign not in bodies[0]
            # no other user's folders are visible either (no shared namespace)
            assert all(box.address in f[2] or not any(u in f[2] for u in (mailbox.address, other.address))
                       for f in c.list_folders())
        finally:
            c.logout()
    # and a waiter for one user never sees the other's code, even one addressed to them by mistake
    with CodeWaiter(other.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "737373"))
        with pytest.raises(NoVerificationEmailError):
            waiter.wait(timeout=1)


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


# --- which code when mail is late, twice or out of order (the soak's mail faults) -------------------------------------


def test_a_late_mail_of_an_earlier_request_does_not_win_over_the_newest(mailbox):
    """An earlier login's code (sent a minute ago, never used) arrives after the request, before this login's own
    mail: a person skips it and waits for the code sent for this login."""
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "700001", sent_at=time.time() - 60))
        timer = deliver_later(mailbox, salesforce_email(mailbox.address, "700002", sent_at=time.time()), delay=1.0)
        assert waiter.wait(timeout=10) == "700002"
        timer.join()


def test_after_a_refused_code_the_next_wait_hands_only_a_newer_one(mailbox):
    """The code handed over was refused: its duplicate, and a mail sent before it that arrives late (out of order),
    never come back; the next mail sent after it does."""
    now = time.time()
    first = salesforce_email(mailbox.address, "710002", sent_at=now + 2, message_id="<a@sfdc.net>")
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, first)
        assert waiter.wait(timeout=10) == "710002"
        deliver(mailbox, first)  # delivered twice
        deliver(mailbox, salesforce_email(mailbox.address, "710001", sent_at=now))  # overtaken on the way
        timer = deliver_later(mailbox, salesforce_email(mailbox.address, "710003", sent_at=now + 5), delay=1.0)
        assert waiter.wait(timeout=10) == "710003"
        timer.join()


def test_a_mail_dated_before_the_request_is_typed_when_nothing_newer_comes(mailbox, monkeypatch):
    """A clock ahead of Salesforce's makes the right mail look old: after the grace it is still typed."""
    monkeypatch.setattr(mail, "STALE_GRACE_SECONDS", 1.0)
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "720001", sent_at=time.time() - 40))
        deliver(mailbox, salesforce_email(mailbox.address, "720000", sent_at=time.time() - 50))
        started = time.monotonic()
        assert waiter.wait(timeout=10) == "720001"
        assert 0.5 <= time.monotonic() - started < 5


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


def test_reconnects_after_dropped_connections_up_to_a_limit(mailbox):
    from provisioner.mail import MAX_RECONNECTS

    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG) as waiter:
        _drop(waiter)
        deliver(mailbox, salesforce_email(mailbox.address, "777777"))
        assert waiter.wait(timeout=10) == "777777"
        for n in range(MAX_RECONNECTS - 1):
            _drop(waiter)
            deliver(mailbox, salesforce_email(mailbox.address, f"77777{n}"))  # arrives while the connection is down
            assert waiter.wait(timeout=10) == f"77777{n}"  # reopened from the same UID: the code is still there
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


# --- transport security: TLS, STARTTLS, and no plaintext password to another machine (issue 17, item 4) ------------


class LoginSpy:
    """Records whether the password was ever sent (IMAPClient.login called), keeping the real behaviour."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        real = imapclient.IMAPClient.login

        def login(client, username, password):
            self.calls.append(username)
            return real(client, username, password)

        monkeypatch.setattr(imapclient.IMAPClient, "login", login)


def _is_tls(waiter) -> bool:
    return isinstance(waiter._client.socket(), ssl.SSLSocket)


def test_imap_over_tls_trusting_the_servers_ca(tls_mailbox):
    with CodeWaiter(tls_mailbox.settings(ssl=True), recipient=tls_mailbox.address, org_name=ORG,
                    ca_file=tls_mailbox.ca_file) as waiter:
        assert _is_tls(waiter)
        deliver(tls_mailbox, salesforce_email(tls_mailbox.address, "404404"))
        assert waiter.wait(timeout=10) == "404404"


def test_starttls_is_used_when_the_server_offers_it(tls_mailbox):
    with CodeWaiter(tls_mailbox.settings(ssl=False), recipient=tls_mailbox.address, org_name=ORG,
                    ca_file=tls_mailbox.ca_file) as waiter:
        assert _is_tls(waiter)  # upgraded before LOGIN, though the setting said "no ssl"
        deliver(tls_mailbox, salesforce_email(tls_mailbox.address, "505505"))
        assert waiter.wait(timeout=10) == "505505"


@pytest.mark.parametrize("use_ssl", [True, False], ids=["imaps", "starttls"])
def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(tls_mailbox, monkeypatch, use_ssl):
    spy = LoginSpy(monkeypatch)
    with pytest.raises(ConfigError) as info:
        with CodeWaiter(tls_mailbox.settings(ssl=use_ssl), recipient=tls_mailbox.address):
            pass
    message = str(info.value)
    assert "certificate" in message and "not trust" in message and "\n" not in message
    assert f"{tls_mailbox.imap_host}:" in message and tls_mailbox.password not in message
    assert spy.calls == []  # no fallback to a plaintext login after a failed STARTTLS


def test_tls_to_a_port_that_speaks_plain_text_is_one_line_naming_imap_ssl(tls_mailbox, monkeypatch):
    spy = LoginSpy(monkeypatch)
    settings = MailboxSettings(host=tls_mailbox.imap_host, port=tls_mailbox.imap_port, user=tls_mailbox.address,
                               password=tls_mailbox.password, ssl=True)
    with pytest.raises(ConfigError) as info:
        with CodeWaiter(settings, recipient=tls_mailbox.address, ca_file=tls_mailbox.ca_file):
            pass
    message = str(info.value)
    assert f"{tls_mailbox.imap_host}:{tls_mailbox.imap_port} answered in plain text, not TLS" in message
    assert "IMAP_SSL=false" in message and "\n" not in message and spy.calls == []


def test_plain_imap_to_a_tls_only_port_is_one_line_naming_imap_ssl(tls_mailbox, monkeypatch):
    spy = LoginSpy(monkeypatch)
    settings = MailboxSettings(host=tls_mailbox.imap_host, port=tls_mailbox.imaps_port, user=tls_mailbox.address,
                               password=tls_mailbox.password, ssl=False)
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        with CodeWaiter(settings, recipient=tls_mailbox.address, ca_file=tls_mailbox.ca_file, connect_timeout=1):
            pass
    message = str(info.value)
    assert f"{tls_mailbox.imap_host}:{tls_mailbox.imaps_port} sent no IMAP greeting on a plain connection" in message
    assert "expects TLS from the first byte" in message and "IMAP_SSL=true" in message and "\n" not in message
    assert spy.calls == [] and time.monotonic() - started < 8


def test_a_ca_bundle_that_cannot_be_read_is_named(tls_mailbox, tmp_path):
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(ConfigError, match=f"{missing}"):
        with CodeWaiter(tls_mailbox.settings(ssl=True), recipient=tls_mailbox.address, ca_file=str(missing)):
            pass


def test_plaintext_login_to_another_machine_is_refused_unless_allowed(mailbox, monkeypatch):
    # The test Dovecot offers no TLS; make its loopback address count as another machine.
    monkeypatch.setattr(mail, "is_loopback", lambda host: False)
    spy = LoginSpy(monkeypatch)
    with pytest.raises(ConfigError) as info:
        with CodeWaiter(mailbox.settings(), recipient=mailbox.address):
            pass
    message = str(info.value)
    assert "IMAP_ALLOW_PLAINTEXT" in message and mailbox.imap_host in message and "\n" not in message
    assert spy.calls == []
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address, org_name=ORG, allow_plaintext=True) as waiter:
        assert not _is_tls(waiter)
        deliver(mailbox, salesforce_email(mailbox.address, "606606"))
        assert waiter.wait(timeout=10) == "606606"
    assert spy.calls == [mailbox.address]


def test_plaintext_login_to_this_machine_needs_no_permission(mailbox, monkeypatch):
    spy = LoginSpy(monkeypatch)
    with CodeWaiter(mailbox.settings(), recipient=mailbox.address) as waiter:
        assert not _is_tls(waiter)
    assert spy.calls == [mailbox.address]


# --- the folder setting (issue 17, item 12) -------------------------------------------------------------------------


def test_a_folder_that_does_not_exist_is_one_clear_line(mailbox):
    with pytest.raises(ConfigError) as info:
        with CodeWaiter(mailbox.settings(folder="Verification Codes"), recipient=mailbox.address):
            pass
    message = str(info.value)
    assert message.startswith("cannot open IMAP folder 'Verification Codes' for " + mailbox.address)
    assert f"{mailbox.imap_host}:{mailbox.imap_port}" in message and "\n" not in message
    assert mailbox.password not in message
    assert ConfigError.exit_code == 2


def test_a_folder_that_exists_is_watched(mailbox):
    c = imapclient.IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=False)
    try:
        c.login(mailbox.address, mailbox.password)
        c.create_folder("Codes")
    finally:
        c.logout()
    with CodeWaiter(mailbox.settings(folder="Codes"), recipient=mailbox.address, org_name=ORG) as waiter:
        deliver(mailbox, salesforce_email(mailbox.address, "818181"))  # lands in INBOX, not in Codes
        with pytest.raises(NoVerificationEmailError):
            waiter.wait(timeout=1)
        c = imapclient.IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=False)
        try:
            c.login(mailbox.address, mailbox.password)
            c.select_folder("INBOX")
            c.move(c.search(["ALL"]), "Codes")  # a mail rule filing it into Codes
        finally:
            c.logout()
        assert waiter.wait(timeout=10) == "818181"
