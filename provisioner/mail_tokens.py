"""OAuth2 access tokens for the IMAP log-in, from one of three sources (config.OAuth2Settings.source):

- `client_credentials`: the app's own grant (RFC 6749 4.4), proving itself with a client secret or with a JWT signed
  by its certificate's key (RFC 7523 client assertion, as Microsoft's identity platform takes it);
- `refresh_token`: a user's one-time consent, refreshed as needed (a rotated refresh token replaces the old one in
  memory, and in its file when it came from one);
- `token_command`: a command that prints a token (run again whenever a token is needed: it does its own caching).

A token is reused until shortly before it expires; `token(fresh=True)` asks for a new one (a server refused the old
one). Tokens, secrets and refresh tokens never reach a log line or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .config import OAuth2Settings
from .errors import ConfigError, MailConnectionError, OAuth2TokenError
from .redact import SecretSet

log = logging.getLogger(__name__)

#: a token this close to its expiry is renewed before use (a connection made with it must still log in)
RENEW_MARGIN_SECONDS = 60.0
HTTP_TIMEOUT_SECONDS = 30.0
COMMAND_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    #: time.monotonic() when it stops working; None: unknown (a command's token)
    expires_at: float | None = None
    lifetime: float | None = None

    def renew_at(self) -> float | None:
        """When to stop using it: a minute before expiry, or a fifth of its life for short-lived tokens."""
        if self.expires_at is None:
            return None
        return self.expires_at - min(RENEW_MARGIN_SECONDS, 0.2 * (self.lifetime or 0))

    def usable(self) -> bool:
        """Fit to reuse for a new log-in (a token of unknown lifetime never is: ask its source again)."""
        renew_at = self.renew_at()
        return renew_at is not None and time.monotonic() < renew_at

    def due(self) -> bool:
        """Known to be at (or past) its renewal time."""
        renew_at = self.renew_at()
        return renew_at is not None and time.monotonic() >= renew_at


class TokenSource:
    """One source's tokens, cached; thread-safe (the nightly job runs several orgs at once)."""

    #: what the token is, in error lines ("client credentials of app X")
    describe: str = ""
    #: the setting to change when the IMAP server refuses this source's tokens
    setting_hint: str = ""

    def __init__(self, settings: OAuth2Settings):
        self.settings = settings
        self.secrets = SecretSet(settings.secrets())
        self._cached: AccessToken | None = None
        self._lock = threading.Lock()

    def cached(self) -> AccessToken | None:
        """The token `token()` would hand out without asking anyone, if there is one."""
        with self._lock:
            return self._cached if self._cached is not None and self._cached.usable() else None

    def token(self, *, fresh: bool = False) -> AccessToken:
        with self._lock:
            if fresh or self._cached is None or not self._cached.usable():
                self._cached = self._fetch()
                self.secrets.add(self._cached.value)
            return self._cached

    def _fetch(self) -> AccessToken:
        raise NotImplementedError


class _TokenEndpoint(TokenSource):
    """The two grants that POST to the token endpoint."""

    grant = ""

    def _form(self) -> dict[str, str]:
        raise NotImplementedError

    def _refused_hint(self, error: str) -> str:
        raise NotImplementedError

    def _fetch(self) -> AccessToken:
        settings = self.settings
        form = {"grant_type": self.grant, "client_id": settings.client_id or "", **self._form()}
        if settings.scope:
            form["scope"] = settings.scope
        host = urllib.parse.urlsplit(settings.token_url or "").hostname
        request = urllib.request.Request(settings.token_url or "", data=urllib.parse.urlencode(form).encode(),
                                         headers={"Accept": "application/json",
                                                  "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                body = _json(response.read())
        except urllib.error.HTTPError as exc:
            body = _json(exc.read())
            error = str(body.get("error") or f"HTTP {exc.code}")
            if exc.code >= 500 or exc.code == 429:
                raise MailConnectionError(f"the OAuth2 token endpoint {host} is failing ({error}); try again "
                                          "later") from None
            description = self.secrets.mask(_first_sentence(str(body.get("error_description") or "")))
            raise OAuth2TokenError(
                f"the OAuth2 token endpoint {host} refused the {self.describe} ({error}"
                + (f": {description}" if description else "") + f"); {self._refused_hint(error)}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise MailConnectionError(f"cannot reach the OAuth2 token endpoint {host}: {reason}") from None
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise OAuth2TokenError(f"the OAuth2 token endpoint {host} answered without an access token "
                                   f"({settings.token_url} is not a token endpoint?): check IMAP_OAUTH2_TOKEN_URL")
        self._received(body)
        lifetime = _seconds(body.get("expires_in"))
        return AccessToken(value, time.monotonic() + lifetime if lifetime else None, lifetime)

    def _received(self, body: dict) -> None:
        """Hook: what else the answer carries (a rotated refresh token)."""


class ClientCredentials(_TokenEndpoint):
    grant = "client_credentials"

    def __init__(self, settings: OAuth2Settings):
        super().__init__(settings)
        by = "certificate" if settings.client_certificate else "client secret"
        self.describe = f"client credentials ({by}) of app {settings.client_id}"
        self.setting_hint = ("check that the app has the IMAP permission with admin consent and was granted this "
                             "mailbox, and IMAP_OAUTH2_SCOPE / IMAP_USER (docs/mailboxes.md)")
        self._signer = _CertificateSigner(settings) if settings.client_certificate else None

    def _form(self) -> dict[str, str]:
        if self._signer is not None:
            return {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": self._signer.assertion()}
        return {"client_secret": self.settings.client_secret or ""}

    def _refused_hint(self, error: str) -> str:
        if error in ("invalid_client", "unauthorized_client"):
            what = ("IMAP_OAUTH2_CLIENT_CERTIFICATE (is it uploaded to the app?)" if self._signer
                    else "IMAP_OAUTH2_CLIENT_SECRET (expired?)")
            return f"check IMAP_OAUTH2_CLIENT_ID and {what}"
        if error == "invalid_scope":
            return "check IMAP_OAUTH2_SCOPE"
        return "check the IMAP_OAUTH2_* settings (docs/mailboxes.md)"


class RefreshToken(_TokenEndpoint):
    grant = "refresh_token"

    def __init__(self, settings: OAuth2Settings):
        super().__init__(settings)
        self.describe = f"refresh token (app {settings.client_id})"
        self.setting_hint = ("the refresh token's consent may lack IMAP access: get a new one with the IMAP scope "
                             "and set IMAP_OAUTH2_REFRESH_TOKEN (docs/mailboxes.md)")
        self._refresh_token = settings.refresh_token or ""

    def _form(self) -> dict[str, str]:
        form = {"refresh_token": self._refresh_token}
        if self.settings.client_secret:
            form["client_secret"] = self.settings.client_secret
        return form

    def _refused_hint(self, error: str) -> str:
        if error == "invalid_grant":
            return ("the refresh token expired or was revoked: get a new one (docs/mailboxes.md) and set "
                    "IMAP_OAUTH2_REFRESH_TOKEN")
        if error in ("invalid_client", "unauthorized_client"):
            return "check IMAP_OAUTH2_CLIENT_ID and IMAP_OAUTH2_CLIENT_SECRET"
        return "check the IMAP_OAUTH2_* settings (docs/mailboxes.md)"

    def _received(self, body: dict) -> None:
        rotated = body.get("refresh_token")
        if not isinstance(rotated, str) or not rotated or rotated == self._refresh_token:
            return
        self.secrets.add(rotated)
        self._refresh_token = rotated
        if self.settings.refresh_token_file:
            self._save(Path(self.settings.refresh_token_file), rotated)

    def _save(self, path: Path, token: str) -> None:
        """Keep the newest refresh token (Microsoft's slide their 90-day lifetime forward with each use)."""
        from .credentials import atomic_write

        try:
            atomic_write(path, token + "\n")
        except (OSError, ConfigError) as exc:
            log.warning("could not save the renewed IMAP refresh token to %s (%s); the one there still works "
                        "until it expires", path, getattr(exc, "strerror", None) or exc)


class TokenCommand(TokenSource):
    def __init__(self, settings: OAuth2Settings):
        super().__init__(settings)
        program = ((settings.token_command or "").split() or ["?"])[0]
        self.describe = f"token from the command {program}"
        self.setting_hint = "check what --imap-token-command / IMAP_TOKEN_COMMAND prints (an access token for IMAP)"

    def _fetch(self) -> AccessToken:
        command = self.settings.token_command or ""
        try:
            # A shell, as mail clients run their password/token commands: pipes and quoting work as typed.
            proc = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise OAuth2TokenError(f"the IMAP token command did not finish within {COMMAND_TIMEOUT_SECONDS:g}s "
                                   "(--imap-token-command / IMAP_TOKEN_COMMAND)") from None
        except OSError as exc:
            raise OAuth2TokenError(f"the IMAP token command cannot run: {exc.strerror} "
                                   "(--imap-token-command / IMAP_TOKEN_COMMAND)") from None
        output = proc.stdout.strip()
        if proc.returncode != 0 or not output:
            for line in output.splitlines():
                self.secrets.add(line.strip())  # whatever it printed may be a token
            why = (proc.stderr.strip().splitlines() or [""])[-1]
            why = self.secrets.mask(why)[:200]
            status = f"exit {proc.returncode}" if proc.returncode != 0 else "printed nothing"
            raise OAuth2TokenError(f"the IMAP token command failed ({status})" + (f": {why}" if why else "")
                                   + " (--imap-token-command / IMAP_TOKEN_COMMAND)")
        return _command_token(output)


def _command_token(output: str) -> AccessToken:
    """The command's output: the token alone, or JSON with `access_token` (and `expires_in`) as token endpoints
    answer."""
    if output.startswith("{"):
        body = _json(output.encode())
        value = body.get("access_token")
        if isinstance(value, str) and value:
            lifetime = _seconds(body.get("expires_in"))
            return AccessToken(value, time.monotonic() + lifetime if lifetime else None, lifetime)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if len(lines) != 1 or " " in lines[0]:
        raise OAuth2TokenError("the IMAP token command must print only the access token (one line), or JSON with "
                               "access_token (--imap-token-command / IMAP_TOKEN_COMMAND)")
    return AccessToken(lines[0])


class _CertificateSigner:
    """Client assertions (a short JWT) signed with the key of the certificate registered with the app."""

    def __init__(self, settings: OAuth2Settings):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        self.settings = settings
        cert_path = Path(settings.client_certificate or "")
        key_path = Path(settings.client_key or cert_path)
        try:
            cert_pem = cert_path.read_bytes()
            key_pem = key_path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"IMAP OAuth2 certificate or key cannot be read: {exc.filename}: {exc.strerror}") from None
        try:
            certificate = x509.load_pem_x509_certificate(cert_pem)
        except ValueError:
            raise ConfigError(f"IMAP_OAUTH2_CLIENT_CERTIFICATE {cert_path} holds no PEM certificate") from None
        try:
            self._key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError):
            raise ConfigError(f"{'IMAP_OAUTH2_CLIENT_KEY' if settings.client_key else 'IMAP_OAUTH2_CLIENT_CERTIFICATE'} "
                              f"{key_path} holds no unencrypted PEM private key") from None
        if self._key.public_key().public_numbers() != certificate.public_key().public_numbers():
            raise ConfigError(f"the IMAP OAuth2 private key {key_path} does not belong to the certificate {cert_path}")
        if isinstance(self._key, rsa.RSAPrivateKey):
            self._algorithm = "RS256"
        elif isinstance(self._key, ec.EllipticCurvePrivateKey):
            self._algorithm = "ES256"
        else:
            raise ConfigError(f"the IMAP OAuth2 key {key_path} must be RSA (or EC)")
        der = certificate.public_bytes(serialization.Encoding.DER)
        # Microsoft's identity platform names the certificate by its thumbprint: x5t#S256 (SHA-256), or x5t (SHA-1)
        self._headers = {"x5t#S256": _b64url(certificate.fingerprint(hashes.SHA256())),
                         "x5t": _b64url(hashlib.sha1(der).digest())}  # noqa: S324 - a name, not a security check

    def assertion(self) -> str:
        import jwt

        now = int(time.time())
        claims = {"aud": self.settings.token_url, "iss": self.settings.client_id, "sub": self.settings.client_id,
                  "jti": str(uuid.uuid4()), "nbf": now, "iat": now, "exp": now + 300}
        return jwt.encode(claims, self._key, algorithm=self._algorithm, headers=self._headers)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _seconds(value) -> float | None:  # noqa: ANN001 - JSON: number or numeric string
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _first_sentence(text: str) -> str:
    """Microsoft's descriptions run on ("AADSTS7000215: Invalid client secret provided. Trace ID: ..."): the first
    line, up to its first full stop, is the part a user acts on."""
    line = (text.strip().splitlines() or [""])[0]
    head, dot, _ = line.partition(". ")
    return (head + ("." if dot else ""))[:240]


_SOURCES: dict[OAuth2Settings, TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def token_source(settings: OAuth2Settings) -> TokenSource:
    """The one source for these settings in this process: a token fetched for one org's wait serves the next."""
    with _SOURCES_LOCK:
        source = _SOURCES.get(settings)
        if source is None:
            kind = {"client_credentials": ClientCredentials, "refresh_token": RefreshToken,
                    "token_command": TokenCommand}[settings.source]
            source = _SOURCES[settings] = kind(settings)
        return source
