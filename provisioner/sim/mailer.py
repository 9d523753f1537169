"""Verification emails: composed like Salesforce's, delivered over SMTP or LMTP in the background.

Mail is asynchronous in real life: `send` returns at once and a thread delivers after the latency profile's
mail delay. The simulator never writes into a mailbox directory; a real mail server does the delivery.
"""

from __future__ import annotations

import html
import smtplib
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from ..errors import ConfigError
from .faults import NO_FAULTS, FaultProfile, profile_of

SENDER_ADDRESS = "noreply@salesforce.com"
SENDER = f"Salesforce <{SENDER_ADDRESS}>"
SUBJECT = "Verify your identity in Salesforce"


def compose_verification(org, user, code: str) -> tuple[str, str, str]:
    """(subject, text, html) of the verification email; installed as `org.compose_verification`."""
    config = org.config
    subject = ("Sandbox: " if config.sandbox else "") + SUBJECT
    greeting = user.first_name or user.name or user.username
    # Username and org name let a mailbox shared by several orgs tell the codes apart.
    text = (
        f"Hi {greeting},\n\n"
        "You're trying to access Salesforce. To make sure your Salesforce account is secure, we have to verify "
        "your identity.\n\n"
        "Enter the verification code where prompted by Salesforce.\n\n"
        f"Verification Code: {code}\n\n"
        f"Username: {user.username}\n"
        f"Org: {config.name}\n\n"
        "If you didn't recently try to access Salesforce, contact your Salesforce admin.\n\n"
        "Thanks,\nSalesforce Customer Support\n"
    )
    esc = html.escape
    body_html = (
        "<html><body style=\"font-family: Arial, sans-serif;\">"
        f"<p>Hi {esc(greeting)},</p>"
        "<p>You're trying to access Salesforce. To make sure your Salesforce account is secure, we have to "
        "verify your identity.</p>"
        "<p>Enter the verification code where prompted by Salesforce.</p>"
        f"<p><b>Verification Code: {esc(code)}</b></p>"
        f"<p>Username: {esc(user.username)}<br>Org: {esc(config.name)}</p>"
        "<p>If you didn't recently try to access Salesforce, contact your Salesforce admin.</p>"
        "<p>Thanks,<br>Salesforce Customer Support</p>"
        "</body></html>"
    )
    return subject, text, body_html


def build_message(to_address: str, subject: str, text: str, body_html: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = to_address
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="sfdc.net")
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(body_html, subtype="html", cte="quoted-printable")
    return msg


def parse_target(target: str) -> tuple[str, str, int]:
    """'smtp://host:port' or 'lmtp://host:port' -> (scheme, host, port)."""
    parts = urlsplit(target)
    if parts.scheme not in ("smtp", "lmtp") or not parts.hostname or not parts.port:
        raise ConfigError(f"mail target must be smtp://host:port or lmtp://host:port, not {target!r}")
    return parts.scheme, parts.hostname, parts.port


class Mailer:
    def __init__(self, target: str, latency, log=None, faults: FaultProfile = NO_FAULTS):
        self.scheme, self.host, self.port = parse_target(target)
        self.latency = latency
        self.faults = faults
        self._log = log or (lambda kind, **details: None)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        #: the last message sent to each address (the `mail_after_newer` fault sends it again)
        self._last: dict[str, EmailMessage] = {}

    def send(self, to_address: str, subject: str, text: str, body_html: str) -> None:
        """Queue one message; it is delivered after the mail delay by a background thread. The fault profile may
        make it late, send it twice, let a later mail overtake it, or send the previous code's mail after it."""
        msg = build_message(to_address, subject, text, body_html)
        delay = self.latency.mail_delay()
        faults = self.faults
        if faults.hit("mail_late"):
            delay += faults.draw(faults.shape.mail_late_seconds)
            self._log("fault", fault="mail_late", to=to_address)
        if faults.hit("mail_out_of_order"):
            delay += faults.draw(faults.shape.mail_out_of_order_seconds)
            self._log("fault", fault="mail_out_of_order", to=to_address)
        self._start(msg, to_address, delay, on_floor=True)
        if faults.hit("mail_twice"):
            self._log("fault", fault="mail_twice", to=to_address)
            self._start(msg, to_address, delay + self.latency.mail_delay())
        with self._lock:
            previous, self._last[to_address.lower()] = self._last.get(to_address.lower()), msg
        if previous is not None and faults.hit("mail_after_newer"):
            self._log("fault", fault="mail_after_newer", to=to_address)
            self._start(previous, to_address, delay + self.latency.mail_delay())

    def _start(self, msg: EmailMessage, to_address: str, delay: float, *, on_floor: bool = False) -> None:
        """`on_floor`: the message the client waits for (not a fault's extra copy): its delay counts on the floor."""
        floor = getattr(self.latency, "floor", None) if on_floor else None
        if floor is not None:
            now = time.time()
            floor.add("mail", now, now + delay)
        thread = threading.Thread(target=self._deliver, args=(msg, to_address, delay), name="sim-mail", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _deliver(self, msg: EmailMessage, to_address: str, delay: float) -> None:
        time.sleep(delay)
        client_class = smtplib.LMTP if self.scheme == "lmtp" else smtplib.SMTP
        try:
            with client_class(self.host, self.port, timeout=30) as client:
                client.send_message(msg, from_addr=SENDER_ADDRESS, to_addrs=[to_address])
        except (OSError, smtplib.SMTPException) as exc:
            # The message body holds a code: log only where it was going and why it failed.
            self._log("mail_failed", to=to_address, error=type(exc).__name__)
            return
        self._log("mail_delivered", to=to_address, message_id=msg["Message-ID"])

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait for queued deliveries (used when stopping, so a test's last mail is not cut off)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def install(org, target: str) -> Mailer:
    """Wire `org.send_mail` and `org.compose_verification` to deliver to `target`."""
    mailer = Mailer(target, org.latency, org.log, faults=profile_of(org))
    org.compose_verification = compose_verification
    org.send_mail = mailer.send
    return mailer
