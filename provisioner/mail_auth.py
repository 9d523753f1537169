"""The IMAP log-in, on a connection already secured (provisioner/mail.py): the password (LOGIN), or an OAuth2 access
token over SASL XOAUTH2 or OAUTHBEARER (RFC 7628) from the mailbox's token source (provisioner/mail_tokens.py).

Each refusal is one line naming the cause and the setting to change: the token refused (ImapTokenRefusedError), the
OAuth2 mechanism not offered (ImapMechanismError), a password for a server that takes only tokens
(ImapOAuth2RequiredError, raised before the password is sent).
"""

from __future__ import annotations

import json

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from .config import MailboxSettings
from .errors import ImapLoginError, ImapMechanismError, ImapOAuth2RequiredError, ImapTokenRefusedError
from .mail_tokens import AccessToken, token_source
from .redact import SecretSet

#: SASL mechanisms that carry an OAuth2 bearer token, in the order `auto` picks them: XOAUTH2 is what Microsoft
#: 365 documents (and the only one it offers); Google and Dovecot offer both.
OAUTH2_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")
_OAUTH2_SOURCES_HINT = ("an OAuth2 token source: IMAP_OAUTH2_CLIENT_ID with IMAP_OAUTH2_CLIENT_SECRET, "
                        "IMAP_OAUTH2_CLIENT_CERTIFICATE or IMAP_OAUTH2_REFRESH_TOKEN, or IMAP_TOKEN_COMMAND "
                        "(docs/mailboxes.md)")


def log_in(client: IMAPClient, mailbox: MailboxSettings, where: str, secrets: SecretSet) -> AccessToken | None:
    """Log in as the settings say. Returns the OAuth2 token used (its expiry tells the waiter when to reconnect with
    a new one), or None after a password log-in. `secrets` learns every token, to mask server replies."""
    offered = {c.decode("ascii", "replace").upper() if isinstance(c, bytes) else str(c).upper()
               for c in client.capabilities()}
    mechanisms = {c[len("AUTH="):] for c in offered if c.startswith("AUTH=")}
    if getattr(mailbox, "oauth2", None) is None:
        _password_log_in(client, mailbox, where, secrets, offered, mechanisms)
        return None
    return _oauth2_log_in(client, mailbox, where, secrets, mechanisms)


def _password_log_in(client: IMAPClient, mailbox: MailboxSettings, where: str, secrets: SecretSet,
                     offered: set[str], mechanisms: set[str]) -> None:
    takes_tokens = sorted(mechanisms & set(OAUTH2_MECHANISMS))
    if takes_tokens and ("LOGINDISABLED" in offered or not mechanisms - set(OAUTH2_MECHANISMS)):
        raise ImapOAuth2RequiredError(
            f"IMAP server {where} takes only OAuth2 log-ins ({', '.join(takes_tokens)}), not a password; nothing "
            f"was sent. Replace IMAP_PASSWORD with {_OAUTH2_SOURCES_HINT}"
        )
    try:
        client.login(mailbox.user, mailbox.password)
    except LoginError as exc:
        detail = secrets.mask(server_text(exc))
        hint = (f" (this server also takes OAuth2 log-ins, the only kind Microsoft 365 and Google accept: use "
                f"{_OAUTH2_SOURCES_HINT})" if takes_tokens else "")
        raise ImapLoginError(f"IMAP login refused for user {mailbox.user} on {where}"
                             + (f": {detail}" if detail else "") + hint) from None


def _oauth2_log_in(client: IMAPClient, mailbox: MailboxSettings, where: str, secrets: SecretSet,
                   mechanisms: set[str]) -> AccessToken:
    settings = mailbox.oauth2
    mechanism = _mechanism(settings.mechanism, mechanisms, where)
    source = token_source(settings)
    reused = source.cached()
    token = source.token()
    while True:
        secrets.add(token.value)
        refusal = _authenticate(client, mechanism, mailbox.user, token.value)
        if refusal is None:
            return token
        if reused is not None and token is reused:
            # A token from an earlier connection can be revoked or expire early: one new token, then give up.
            token = source.token(fresh=True)
            continue
        detail = secrets.mask(source.secrets.mask(refusal))
        raise ImapTokenRefusedError(
            f"IMAP server {where} refused the OAuth2 token for {mailbox.user} ({mechanism}"
            + (f": {detail}" if detail else "") + f"); the token is the {source.describe}: {source.setting_hint}"
        )


def _mechanism(wanted: str, mechanisms: set[str], where: str) -> str:
    offered = [m for m in OAUTH2_MECHANISMS if m in mechanisms]
    if wanted != "auto" and wanted.upper() in offered:
        return wanted.upper()
    if wanted == "auto" and offered:
        return offered[0]
    others = ", ".join(sorted(mechanisms)) or "LOGIN only"
    if offered:  # a mechanism was named and the server has only the other one
        raise ImapMechanismError(f"IMAP server {where} does not offer {wanted.upper()} (it offers "
                                 f"{', '.join(offered)}): set IMAP_OAUTH2_MECHANISM=auto")
    raise ImapMechanismError(
        f"IMAP server {where} does not offer an OAuth2 log-in (SASL XOAUTH2 or OAUTHBEARER; it offers {others}): "
        "check IMAP_HOST / IMAP_PORT, or log in with IMAP_PASSWORD instead of the IMAP_OAUTH2_* / "
        "IMAP_TOKEN_COMMAND settings"
    )


def _authenticate(client: IMAPClient, mechanism: str, user: str, token: str) -> str | None:
    """One AUTHENTICATE exchange. None when logged in; else what the server said (its JSON status, if any)."""
    if mechanism == "XOAUTH2":
        first = f"user={user}\x01auth=Bearer {token}\x01\x01"
        # On refusal the server sends a JSON status as a challenge; the client answers it with an empty response.
        answer_to_error = b""
    else:
        gs2 = "n,a=" + user.replace("=", "=3D").replace(",", "=2C") + ","
        first = f"{gs2}\x01auth=Bearer {token}\x01\x01"
        answer_to_error = b"\x01"  # RFC 7628 3.2.3: a dummy response ends a failed exchange
    challenges: list[bytes] = []

    def respond(challenge: bytes) -> bytes | str:
        challenges.append(challenge)
        return first if len(challenges) == 1 else answer_to_error

    try:
        client.sasl_login(mechanism, respond)
        return None
    except LoginError as exc:
        status = _status(challenges[1:])
        text = server_text(exc)
        return f"{text} {status}".strip() if status else text


def _status(challenges: list[bytes]) -> str:
    """The server's error challenge, e.g. {"status":"401","schemes":"bearer","scope":"..."}, as short text."""
    for challenge in challenges:
        try:
            body = json.loads(challenge.decode("utf-8", "replace"))
        except ValueError:
            continue
        if isinstance(body, dict):
            return "(" + ", ".join(f"{k} {v}" for k, v in body.items() if k in ("status", "scope")) + ")"
    return ""


def server_text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.strip()
