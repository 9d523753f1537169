"""Wait for Salesforce's emailed verification code over IMAP IDLE.

Usage: open the waiter *before* clicking the button that sends the code (it remembers where the mailbox ended),
click, then `wait()`:

    with CodeWaiter(mailbox, recipient="admin@example.com", org_name="Acme") as waiter:
        page.click("Send code")
        code = waiter.wait(timeout=180)

Only messages that arrived after `__enter__` count, so a code from an earlier login can never be reused;
`rebase()` moves that point to "now" (before clicking "Resend Code").

Which code, when several came (late, twice, out of order, a superseded code's mail again after the new one): the one a
person would type, the newest Salesforce sent for this request. A mail whose own Date is before the request (an earlier
login's or verification's code that arrived only now) counts only when nothing sent after the request came within
STALE_GRACE_SECONDS (a clock ahead of Salesforce's must not make every login fail). Each `wait()` hands over a code
sent after every code it handed over before: after Salesforce refused one, call `wait()` again for the next mail.

The IMAP password (or OAuth2 token) never crosses a network in clear text: with `ssl` the connection is TLS from
the first byte; without it, STARTTLS is used whenever the server offers it, and a plaintext login is made only to
this machine (loopback) or when `allow_plaintext` says so. Certificates are verified against the system's CAs, or
`ca_file`. The log-in itself (password, or OAuth2 token over XOAUTH2 / OAUTHBEARER) is provisioner/mail_auth.py; an
OAuth2 token that nears its expiry while waiting is replaced by reconnecting with a new one, from the same UID on,
so a code that arrived meanwhile still counts.
"""

from __future__ import annotations

import email
import email.policy
import functools
import html
import imaplib
import logging
import re
import socket
import ssl as ssl_module
import os
import time
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from .config import MailboxSettings
from .errors import ConfigError, ImapLoginError, MailConnectionError, NoVerificationEmailError
from .hosts import is_loopback
from .mail_auth import log_in, server_text as _server_text
from .mail_tokens import AccessToken
from .redact import SecretSet

log = logging.getLogger(__name__)

SENDER = "noreply@salesforce.com"
SUBJECT = "Verify your identity in Salesforce"
SANDBOX_PREFIX = "Sandbox: "
CODE_PATTERN = re.compile(r"Verification\s+code\s*:\s*(\d{6})\b", re.IGNORECASE)
_USERNAME_LINE = re.compile(r"Username\s*:\s*(\S+@\S+?)(?=\s|<|$)", re.IGNORECASE)

#: Message-IDs of the mails whose code this process has used: a copy delivered twice, or again after a newer code,
#: never hands the same (now spent) code to a later wait
_USED_MESSAGE_IDS: set[str] = set()

#: how often one wait reopens a dropped connection (a flaky network or server restarts), and how long it keeps
#: trying while the server refuses logins for a while ([UNAVAILABLE] / [INUSE]: "try again later")
MAX_RECONNECTS = 5
LOGIN_UNAVAILABLE_SECONDS = 60.0

#: a mail whose Date is this much before the request was sent for an earlier one (the Date has whole seconds, and
#: this machine's clock may be a little ahead of Salesforce's)
DATE_SKEW_SECONDS = 3.0
#: how long a mail sent for an earlier request is held back while the newest one may still come (mail is late by
#: seconds, rarely by more); after that it is typed, in case this machine's clock is ahead of Salesforce's
STALE_GRACE_SECONDS = 30.0

#: Servers drop an IDLE after ~30 minutes (RFC 2177 says re-issue before 29); we re-issue much sooner.
IDLE_REFRESH_SECONDS = 240.0

# Errors that mean the connection is gone (as opposed to the server refusing a command).
_DROPPED = (OSError, EOFError, imaplib.IMAP4.abort, IMAPClientAbortError, ssl_module.SSLError)


@functools.lru_cache(maxsize=8)
def _verifying_context(ca_file: str | None) -> ssl_module.SSLContext:
    """One verifying client context per CA bundle for the whole process: loading the system's CAs costs a few
    hundred ms of CPU, and the nightly job opens a mailbox per org (a client context may be shared by threads)."""
    return ssl_module.create_default_context(cafile=ca_file)


class CodeWaiter:
    def __init__(
        self,
        mailbox: MailboxSettings,
        recipient: str,
        org_name: str | None = None,
        subject_prefix: str = "",
        *,
        username: str | None = None,
        idle_refresh: float = IDLE_REFRESH_SECONDS,
        connect_timeout: float = 20.0,
        allow_plaintext: bool | None = None,
        ca_file: str | os.PathLike | None = None,
    ):
        """`allow_plaintext`: log in without TLS to a non-loopback server that offers no STARTTLS (default: the
        mailbox's `allow_plaintext`, else refused). `ca_file`: PEM bundle of CAs to trust for the server's
        certificate instead of the system's (default: the mailbox's `ca_file`)."""
        self.mailbox = mailbox
        self.recipient = recipient.strip().lower()
        self.org_name = org_name
        self.subject_prefix = subject_prefix
        #: a mailbox shared by several orgs' users: skip mail that names another Salesforce username
        self.username = username.strip().lower() if username else None
        self.idle_refresh = idle_refresh
        self.connect_timeout = connect_timeout
        # Settings objects that predate these fields (or the lead's MailboxSettings) simply lack them: off / system.
        self.allow_plaintext = bool(getattr(mailbox, "allow_plaintext", False) if allow_plaintext is None
                                    else allow_plaintext)
        self.ca_file = ca_file if ca_file is not None else getattr(mailbox, "ca_file", None)
        self._tls: ssl_module.SSLContext | None = None
        self._secrets = SecretSet(mailbox.secrets())
        self._client: IMAPClient | None = None
        self._baseline_uid = 1  # first UID that counts
        self._uidvalidity: int | None = None
        self._entered_at = 0.0
        self._rejected: set[int] = set()  # UIDs already examined that do not match
        #: matching mails sent before the request (UID -> (sent_at, code, Message-ID)): typed only after the grace
        self._stale: dict[int, tuple[float, str, str]] = {}
        #: (sent_at, UID) of the last code handed over: the next one must be newer (that one was used or refused)
        self._handed: tuple[float, int] | None = None
        self._reconnects = 0
        #: the OAuth2 token of the current connection (None: password log-in)
        self._token: AccessToken | None = None

    # --- connection ----------------------------------------------------------------------------------------------

    def __enter__(self) -> "CodeWaiter":
        self._entered_at = time.time()
        status = self._connect()
        self._uidvalidity = status.get(b"UIDVALIDITY")
        self._baseline_uid = int(status[b"UIDNEXT"])
        log.debug("waiting for mail to %s from UID %s in %s", self.recipient, self._baseline_uid, self.mailbox.describe())
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # already gone: nothing to clean up
            try:
                client.shutdown()
            except Exception:
                pass

    def _where(self) -> str:
        return f"{self.mailbox.host}:{self.mailbox.port}"

    def _tls_context(self) -> ssl_module.SSLContext:
        """Verifying context (certificate chain and host name): the system's CAs, or only those in `ca_file`."""
        if self._tls is None:
            try:
                self._tls = _verifying_context(os.fspath(self.ca_file) if self.ca_file else None)
            except (OSError, ssl_module.SSLError) as exc:
                raise ConfigError(f"IMAP CA bundle {self.ca_file} cannot be used: {_reason(exc)}") from None
        return self._tls

    def _untrusted(self, exc: ssl_module.SSLCertVerificationError) -> ConfigError:
        reason = getattr(exc, "verify_message", None) or _reason(exc)
        return ConfigError(
            f"IMAP server {self._where()} presented a certificate this machine does not trust ({reason}); "
            "nothing was sent. If the server is yours, give the CA that signed it as the IMAP CA bundle"
        )

    def _not_tls(self, exc: ssl_module.SSLError) -> ConfigError | MailConnectionError:
        """TLS from the first byte failed before any certificate was seen."""
        reason = (getattr(exc, "reason", None) or "").upper()
        if reason in _PLAINTEXT_REPLIES:
            return ConfigError(
                f"IMAP server {self._where()} answered in plain text, not TLS (IMAP_SSL is on): this port expects "
                "STARTTLS; nothing was sent. Use --no-imap-ssl / IMAP_SSL=false for this port, or the server's "
                "TLS port (usually 993)"
            )
        return MailConnectionError(f"TLS with IMAP server {self._where()} failed: {_reason(exc)}; nothing was sent")

    def _no_greeting(self, exc: BaseException) -> ConfigError | MailConnectionError:
        """A plain connection that never got an IMAP greeting: the server waits for a TLS handshake?"""
        mb = self.mailbox
        if not mb.ssl and _port_answers(mb.host, mb.port, self.connect_timeout):
            return ConfigError(
                f"IMAP server {self._where()} sent no IMAP greeting on a plain connection: this port expects TLS "
                "from the first byte; nothing was sent. Use --imap-ssl / IMAP_SSL=true for this port, or the "
                "server's STARTTLS port (usually 143)"
            )
        return MailConnectionError(f"cannot connect to IMAP server {self._where()}: {_reason(exc)}")

    def _connect(self) -> dict:
        """`_connect_once`, again while the server says its logins are unavailable for now ([UNAVAILABLE], [INUSE]:
        a restarting authentication backend), with growing pauses, for up to LOGIN_UNAVAILABLE_SECONDS. A refusal
        of the password itself ([AUTHENTICATIONFAILED]) is final at once: repeating it could lock the mailbox."""
        give_up = time.monotonic() + LOGIN_UNAVAILABLE_SECONDS
        pause = 0.25
        while True:
            try:
                return self._connect_once()
            except ImapLoginError as exc:
                if not _temporary_refusal(str(exc)):
                    raise
                if time.monotonic() + pause > give_up:
                    raise MailConnectionError(f"{exc} (still refused after {LOGIN_UNAVAILABLE_SECONDS:g} s)") from None
                log.info("IMAP server %s refuses logins for now; trying again in %.1f s", self._where(), pause)
                time.sleep(pause)  # the server asked us to come back later: a backoff, not a wait on state
                pause = min(pause * 2, 5.0)

    def _connect_once(self) -> dict:
        """Connect (TLS, or STARTTLS where offered), log in, select the folder; returns the SELECT response."""
        mb = self.mailbox
        context = self._tls_context()
        try:
            client = IMAPClient(
                mb.host,
                port=mb.port,
                ssl=mb.ssl,
                ssl_context=context if mb.ssl else None,
                use_uid=True,
                timeout=SocketTimeout(connect=self.connect_timeout, read=max(60.0, self.idle_refresh + 30)),
            )
        except (socket.gaierror, socket.herror) as exc:
            raise MailConnectionError(f"cannot resolve IMAP host {mb.host}: {exc.strerror or exc}") from None
        except ssl_module.SSLCertVerificationError as exc:
            raise self._untrusted(exc) from None
        except ssl_module.SSLError as exc:
            raise self._not_tls(exc) from None
        except TimeoutError as exc:
            raise self._no_greeting(exc) from None
        except _DROPPED as exc:
            raise MailConnectionError(f"cannot connect to IMAP server {self._where()}: {_reason(exc)}") from None
        except imaplib.IMAP4.error as exc:  # a first line that is no IMAP greeting
            raise self._no_greeting(exc) from None
        if not mb.ssl:
            try:
                self._secure_before_login(client, context)
            except BaseException:
                _quietly_close(client)
                raise
        try:
            self._token = log_in(client, mb, self._where(), self._secrets)
        except BaseException as exc:
            _quietly_close(client)
            if isinstance(exc, _DROPPED):
                raise MailConnectionError(
                    f"IMAP server {self._where()} dropped the connection at login: {_reason(exc)}") from None
            raise
        try:
            status = client.select_folder(mb.folder, readonly=True)
            if b"UIDNEXT" not in status:  # optional in SELECT before IMAP4rev2; STATUS always has it
                status = {**status, **client.folder_status(mb.folder, [b"UIDNEXT", b"UIDVALIDITY"])}
        except _DROPPED as exc:
            _quietly_close(client)
            raise MailConnectionError(f"IMAP server {self._where()} dropped the connection: {_reason(exc)}") from None
        except IMAPClientError as exc:
            _quietly_close(client)
            raise ConfigError(f"cannot open IMAP folder {mb.folder!r} for {mb.user} on {self._where()}: {_server_text(exc)}") from None
        self._client = client
        return status

    def _secure_before_login(self, client: IMAPClient, context: ssl_module.SSLContext) -> None:
        """On a plain connection: STARTTLS if offered (a failed upgrade never falls back to plaintext); otherwise
        a plaintext login only to loopback or when allowed. An attacker can strip STARTTLS from the capability
        list, so "not offered" on another machine is refused, not trusted."""
        try:
            offered = client.has_capability("STARTTLS")
        except _DROPPED as exc:
            raise MailConnectionError(f"IMAP server {self._where()} dropped the connection: {_reason(exc)}") from None
        if offered:
            try:
                client.starttls(context)
            except ssl_module.SSLCertVerificationError as exc:
                raise self._untrusted(exc) from None
            except (*_DROPPED, IMAPClientError) as exc:
                raise MailConnectionError(
                    f"IMAP server {self._where()} offered STARTTLS but the upgrade failed ({_reason(exc)}); "
                    "nothing was sent"
                ) from None
            return
        if is_loopback(self.mailbox.host):
            return  # this machine: the password does not cross a network
        if not self.allow_plaintext:
            what = "access token" if getattr(self.mailbox, "oauth2", None) is not None else "password"
            raise ConfigError(
                f"IMAP server {self._where()} offers no TLS (no STARTTLS on this port): refusing to send the "
                f"{what} in clear text. Use IMAP over TLS (--imap-ssl, port 993), or, on a network you trust, "
                "allow it with --imap-allow-plaintext / IMAP_ALLOW_PLAINTEXT"
            )
        log.warning("logging in to IMAP server %s without TLS (plaintext allowed by the settings)", self._where())

    def _reconnect(self, exc: BaseException) -> None:
        # Servers may end a session when its OAuth2 token expires (Exchange Online does): expected, not a failure.
        expired = self._renew_due()
        if self._reconnects >= MAX_RECONNECTS and not expired:
            raise MailConnectionError(
                f"lost the IMAP connection to {self._where()} {self._reconnects + 1} times while waiting for the "
                f"code: {_reason(exc)}"
            ) from None
        self._reconnects += 0 if expired else 1
        log.info("IMAP connection to %s dropped (%s); reconnecting", self._where(), _reason(exc))
        self._reopen()  # from the same UID on: a code that arrived while the connection was down still counts

    def _renew_due(self) -> bool:
        return self._token is not None and self._token.due()

    def _seconds_until_renewal(self) -> float:
        renew_at = self._token.renew_at() if self._token is not None else None
        return float("inf") if renew_at is None else max(0.0, renew_at - time.monotonic())

    def _renew(self) -> None:
        """The OAuth2 token nears its expiry: a new connection with a new token, waiting from the same UID."""
        log.info("IMAP OAuth2 token for %s nears its expiry; reconnecting with a new one", self._where())
        self._reopen()

    def _reopen(self) -> None:
        _quietly_close(self._client)
        self._client = None
        status = self._connect()
        if status.get(b"UIDVALIDITY") != self._uidvalidity:
            # UIDs were renumbered: fall back to every message, filtered by arrival time.
            self._uidvalidity = status.get(b"UIDVALIDITY")
            self._baseline_uid = 1
            self._rejected.clear()
            self._stale.clear()
            self._handed = None if self._handed is None else (self._handed[0], 0)

    # --- waiting -------------------------------------------------------------------------------------------------

    def wait(self, timeout: float = 180.0) -> str:
        """Block until a matching message arrives (IMAP IDLE); return its 6-digit code (the newest one)."""
        if self._client is None:
            raise RuntimeError("CodeWaiter.wait() outside its `with` block")
        deadline = time.monotonic() + timeout
        while True:
            try:
                code = self._check()
                if code:
                    return code
                grace_left = self._entered_at + STALE_GRACE_SECONDS - time.time()
                if self._stale and grace_left <= 0:
                    return self._hand_stale()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if self._renew_due():
                    self._renew()
                    continue  # check again at once: mail may have come while the old token was ending
                wake = min(remaining, self.idle_refresh, self._seconds_until_renewal())
                self._idle(min(wake, max(grace_left, 0.05)) if self._stale else wake)
            except _DROPPED as exc:
                self._reconnect(exc)
        if self._stale:
            return self._hand_stale()
        raise NoVerificationEmailError(
            f"no verification email for {self.recipient} arrived in {self.mailbox.describe()} within {timeout:g}s"
        )

    def rebase(self) -> None:
        """Only messages from now on count (call it before clicking "Resend Code", then `wait()` again)."""
        if self._client is None:
            raise RuntimeError("CodeWaiter.rebase() outside its `with` block")
        try:
            status = self._client.folder_status(self.mailbox.folder, [b"UIDNEXT", b"UIDVALIDITY"])
        except _DROPPED as exc:
            self._reconnect(exc)
            status = self._client.folder_status(self.mailbox.folder, [b"UIDNEXT", b"UIDVALIDITY"])
        self._uidvalidity = status.get(b"UIDVALIDITY", self._uidvalidity)
        self._baseline_uid = int(status[b"UIDNEXT"])
        self._entered_at = time.time()
        self._rejected.clear()
        self._stale.clear()

    def _idle(self, seconds: float) -> None:
        """One IDLE round: returns on any mailbox event or after `seconds` (then the caller re-checks)."""
        client = self._client
        client.idle()
        try:
            responses = client.idle_check(timeout=seconds)
            if any(isinstance(r, tuple) and len(r) > 1 and r[1] == b"BYE" for r in responses):
                raise EOFError("server said BYE")
        finally:
            client.idle_done()

    def _check(self) -> str | None:
        """UID SEARCH above the baseline; return the code of the newest matching message sent for this request.

        Newest by the message's own Date (the time Salesforce sent it), then by UID: mail can arrive out of order,
        and a superseded code's mail can come after the new one. A message whose code this process already used
        (the same Message-ID, delivered twice or again later) never counts again, nor one sent before the code this
        waiter handed over last. One sent before the request waits in `_stale` (see STALE_GRACE_SECONDS)."""
        client = self._client
        # Servers (Dovecot) run a command against the mailbox view from before it; NOOP makes new mail visible.
        client.noop()
        uids = [uid for uid in client.search(["UID", f"{self._baseline_uid}:*"]) if uid >= self._baseline_uid]
        fresh = sorted(uid for uid in uids if uid not in self._rejected and uid not in self._stale)
        if not fresh:
            return None
        fetched = client.fetch(fresh, ["BODY.PEEK[]", "INTERNALDATE"])
        best: tuple[float, int, str, str] | None = None
        for uid in fresh:
            data = fetched.get(uid) or {}
            raw = data.get(b"BODY[]")
            if raw is None:
                continue
            found = self._candidate(raw) if self._arrived_after_enter(data) else None
            if found is None or found[2] in _USED_MESSAGE_IDS or not self._after_handed(found[1], uid):
                self._rejected.add(uid)
                continue
            code, sent_at, message_id = found
            if sent_at and sent_at < self._entered_at - DATE_SKEW_SECONDS:
                self._stale[uid] = (sent_at, code, message_id)  # sent for an earlier request
                continue
            if best is None or (sent_at, uid) > best[:2]:
                best = (sent_at, uid, code, message_id)
        if best is None:
            return None
        return self._hand(*best)

    def _after_handed(self, sent_at: float, uid: int) -> bool:
        """Sent after the code handed over last (that one was used or refused: an older one is older still)."""
        if self._handed is None:
            return True
        handed_at, handed_uid = self._handed
        if sent_at and handed_at:
            return sent_at >= handed_at  # the Date has whole seconds: the same second may still be the newer mail
        return uid > handed_uid  # no usable Date: arrival order

    def _hand(self, sent_at: float, uid: int, code: str, message_id: str) -> str:
        if message_id:
            _USED_MESSAGE_IDS.add(message_id)
        self._handed = (sent_at, uid)
        self._stale = {u: c for u, c in self._stale.items() if u != uid and self._after_handed(c[0], u)}
        return code

    def _hand_stale(self) -> str:
        """Nothing sent after the request came within the grace: the newest of those sent before it."""
        uid, (sent_at, code, message_id) = max(self._stale.items(), key=lambda item: (item[1][0], item[0]))
        log.warning("the only verification mail for %s is dated before the code was requested; typing it (this "
                    "machine's clock may be ahead of Salesforce's)", self.recipient)
        return self._hand(sent_at, uid, code, message_id)

    def _candidate(self, raw: bytes) -> tuple[str, float, str] | None:
        """(code, when it was sent, Message-ID) of a matching message; None for any other message."""
        code = self._code_from(raw)
        if code is None:
            return None
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        try:
            sent_at = parsedate_to_datetime(str(message.get("Date", ""))).timestamp()
        except (TypeError, ValueError, IndexError):
            sent_at = 0.0  # no usable Date: ordered by arrival (UID) alone
        return code, sent_at, str(message.get("Message-ID", "")).strip()

    def _arrived_after_enter(self, data: dict) -> bool:
        if self._baseline_uid > 1:
            return True  # the UID baseline already guarantees it
        arrived = data.get(b"INTERNALDATE")
        # INTERNALDATE has whole seconds; allow that rounding.
        return arrived is None or arrived.timestamp() >= self._entered_at - 1

    # --- matching ------------------------------------------------------------------------------------------------

    def _code_from(self, raw: bytes) -> str | None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not self.matches_headers(message):
            return None
        text = message_text(message)
        if self.org_name and _squash(self.org_name).lower() not in _squash(text).lower():
            return None
        if self.username:
            named = _USERNAME_LINE.search(text)
            if named and named.group(1).lower() != self.username:
                return None  # another user's code (mail without a Username line is still accepted)
        found = CODE_PATTERN.findall(text)
        return found[-1] if found else None

    def accepted_subjects(self) -> set[str]:
        if self.subject_prefix:
            return {_squash(self.subject_prefix + SUBJECT).lower()}
        # Caller does not know whether the org is a sandbox: accept both; the org name check tells orgs apart.
        return {_squash(SUBJECT).lower(), _squash(SANDBOX_PREFIX + SUBJECT).lower()}

    def matches_headers(self, message: EmailMessage) -> bool:
        sender = parseaddr(str(message.get("From", "")))[1].lower()
        if sender != SENDER:
            return False
        if _squash(str(message.get("Subject", ""))).lower() not in self.accepted_subjects():
            return False
        recipients = {addr.lower() for _, addr in getaddresses([str(v) for v in message.get_all("To", [])])}
        return self.recipient in recipients


def message_text(message: EmailMessage) -> str:
    """All text of a message: text/plain parts, and text/html parts with tags removed (decoded QP/base64/charset)."""
    chunks = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError):  # unknown charset: decode leniently
            content = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
        if part.get_content_subtype() == "html":
            content = _html_to_text(content)
        chunks.append(content)
    return "\n".join(chunks)


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


#: OpenSSL's reasons when the peer's first bytes are not a TLS record (an IMAP greeting in plain text)
_PLAINTEXT_REPLIES = {"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG",
                      "UNKNOWN_PROTOCOL", "WRONG_SSL_VERSION"}


def _temporary_refusal(text: str) -> bool:
    """The server's NO to a login says "later", not "wrong" (RFC 5530 response codes)."""
    upper = text.upper()
    return "[UNAVAILABLE]" in upper or "[INUSE]" in upper


def _port_answers(host: str, port: int, timeout: float) -> bool:
    """True when a TCP connection to host:port opens (so a missing greeting is not a dead network)."""
    try:
        socket.create_connection((host, port), timeout=min(timeout, 5.0)).close()
        return True
    except OSError:
        return False


def _quietly_close(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.shutdown()
    except Exception:  # closing a dead socket: nothing to report
        pass
