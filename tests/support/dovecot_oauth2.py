"""A small OAuth2 authorization server for the tests, on loopback HTTP, in a thread: it issues access tokens and
answers the test Dovecot's token introspection (RFC 7662), so IMAP log-ins by XOAUTH2 / OAUTHBEARER are checked
against tokens from a real token exchange.

Grants, as Microsoft's identity platform and Google's answer them:
- client_credentials, the client proving itself with a secret (client_secret_post or HTTP Basic) or with a JWT
  signed by its certificate's key (private_key_jwt, `x5t#S256` / `x5t` naming the certificate); the token is for
  the one mailbox granted to the app;
- refresh_token, for the user the refresh token was issued to (a new refresh token comes back each time, and the old
  one stays valid, as Microsoft does).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

#: the scope an IMAP token must carry here (Microsoft's is https://outlook.office365.com/.default)
IMAP_SCOPE = "https://imap.test/.default"


@dataclass
class App:
    """An app registration: a confidential client (secret or certificate), or a public one (neither)."""

    client_id: str
    secret: str | None = None
    certificate_pem: bytes | None = None
    #: the mailbox an administrator granted this app (client credentials tokens are for it)
    mailbox: str | None = None


@dataclass
class Issued:
    user: str
    client_id: str
    grant: str
    expires_at: float
    revoked: bool = False


@dataclass
class AuthorizationServer:
    host: str = "127.0.0.1"
    port: int = 0
    #: lifetime of the access tokens it issues (a test shortens it to see a token renewed)
    token_lifetime: float = 3600.0
    apps: dict[str, App] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (client_id, user)
    tokens: dict[str, Issued] = field(default_factory=dict)
    #: every token request: (grant_type, client_id, "ok" or the OAuth2 error code)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    #: every introspection: (token's user or None, active)
    introspections: list[tuple[str | None, bool]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth2/v2.0/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    # --- registrations ---------------------------------------------------------------------------------------------

    def register_app(self, *, mailbox: str | None = None, secret: bool = False,
                     certificate_pem: bytes | None = None) -> App:
        app = App(client_id=f"app-{secrets.token_hex(4)}", secret=secrets.token_urlsafe(24) if secret else None,
                  certificate_pem=certificate_pem, mailbox=mailbox.lower() if mailbox else None)
        with self._lock:
            self.apps[app.client_id] = app
        return app

    def issue_refresh_token(self, app: App, user: str) -> str:
        """What a user's one-time consent (authorization code flow) would leave behind."""
        token = "rt-" + secrets.token_urlsafe(32)
        with self._lock:
            self.refresh_tokens[token] = (app.client_id, user.lower())
        return token

    def issued(self, grant: str | None = None) -> list[Issued]:
        with self._lock:
            return [t for t in self.tokens.values() if grant is None or t.grant == grant]

    def expire_all(self) -> None:
        """Every access token issued so far is past its lifetime (a long job outliving its token)."""
        with self._lock:
            for issued in self.tokens.values():
                issued.expires_at = min(issued.expires_at, time.time() - 1)

    def is_active(self, token: str) -> bool:
        with self._lock:
            issued = self.tokens.get(token)
            return bool(issued and not issued.revoked and issued.expires_at > time.time())

    # --- endpoints -------------------------------------------------------------------------------------------------

    def _token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict]:
        grant = form.get("grant_type", "")
        client_id, error = self._authenticate_client(form, authorization)
        if error:
            return self._refuse(grant, client_id, 401, "invalid_client", error)
        app = self.apps[client_id]
        if grant == "client_credentials":
            if app.secret is None and app.certificate_pem is None:
                return self._refuse(grant, client_id, 400, "unauthorized_client", "a public client has no app-only access")
            if IMAP_SCOPE not in form.get("scope", "").split():
                return self._refuse(grant, client_id, 400, "invalid_scope", f"scope must be {IMAP_SCOPE}")
            if not app.mailbox:
                return self._refuse(grant, client_id, 400, "unauthorized_client", "no mailbox granted to the app")
            user = app.mailbox
            body: dict = {}
        elif grant == "refresh_token":
            held = self.refresh_tokens.get(form.get("refresh_token", ""))
            if held is None or held[0] != client_id:
                return self._refuse(grant, client_id, 400, "invalid_grant", "refresh token unknown or not this app's")
            user = held[1]
            rotated = "rt-" + secrets.token_urlsafe(32)
            self.refresh_tokens[rotated] = held
            body = {"refresh_token": rotated}
        else:
            return self._refuse(grant, client_id, 400, "unsupported_grant_type", grant)
        access = "at-" + secrets.token_urlsafe(32)
        self.tokens[access] = Issued(user=user, client_id=client_id, grant=grant,
                                     expires_at=time.time() + self.token_lifetime)
        self.requests.append((grant, client_id, "ok"))
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": int(self.token_lifetime), **body}

    def _refuse(self, grant: str, client_id: str | None, status: int, error: str, description: str) -> tuple[int, dict]:
        self.requests.append((grant, client_id or "", error))
        return status, {"error": error, "error_description": description}

    def _authenticate_client(self, form: dict[str, str], authorization: str | None) -> tuple[str | None, str | None]:
        """(client_id, None) when the client proved itself (or is public and asked for nothing secret)."""
        if authorization and authorization.lower().startswith("basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            form = {**form, "client_id": urllib.parse.unquote_plus(user),
                    "client_secret": urllib.parse.unquote_plus(password)}
        assertion = form.get("client_assertion")
        client_id = form.get("client_id")
        if assertion:
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return client_id, "wrong client_assertion_type"
            client_id = client_id or jwt.decode(assertion, options={"verify_signature": False}).get("iss")
        app = self.apps.get(client_id or "")
        if app is None:
            return client_id, "unknown client"
        if assertion:
            return client_id, self._check_assertion(app, assertion)
        if app.secret is not None:
            given = form.get("client_secret")
            if given is None or not secrets.compare_digest(given, app.secret):
                return client_id, "invalid client secret"
        elif app.certificate_pem is not None:
            return client_id, "this client authenticates with a certificate (client_assertion)"
        return client_id, None

    def _check_assertion(self, app: App, assertion: str) -> str | None:
        if app.certificate_pem is None:
            return "no certificate registered for this client"
        certificate = x509.load_pem_x509_certificate(app.certificate_pem)
        der = certificate.public_bytes(serialization.Encoding.DER)
        header = jwt.get_unverified_header(assertion)
        thumbprints = {header.get("x5t#S256"): hashlib.sha256(der).digest(), header.get("x5t"): hashlib.sha1(der).digest()}
        if not any(name and base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)) == digest
                   for name, digest in thumbprints.items()):
            return "the assertion names no registered certificate (x5t#S256 / x5t)"
        try:
            claims = jwt.decode(assertion, certificate.public_key(), algorithms=["RS256", "PS256", "ES256"],
                                audience=self.token_url, options={"require": ["exp", "iss", "sub", "aud", "jti"]})
        except jwt.PyJWTError as exc:
            return f"client assertion refused: {exc}"
        if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
            return "client assertion iss/sub must be the client id"
        return None

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict]:
        token = form.get("token", "")
        with self._lock:
            issued = self.tokens.get(token)
        active = self.is_active(token)
        self.introspections.append((issued.user if issued else None, active))
        if not active:
            return 200, {"active": False}
        return 200, {"active": True, "username": issued.user, "client_id": issued.client_id,
                     "scope": IMAP_SCOPE, "exp": int(issued.expires_at)}

    # --- serving ---------------------------------------------------------------------------------------------------

    def start(self) -> "AuthorizationServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path == urllib.parse.urlsplit(server.token_url).path:
                    with server._lock:
                        status, body = server._token(form, self.headers.get("Authorization"))
                elif self.path == "/introspect":
                    status, body = server._introspect(form)
                else:
                    status, body = 404, {"error": "not_found"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # quiet: tokens would otherwise land in the test output
                pass

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="test-oauth2-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd = getattr(self, "_httpd", None)
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            self._thread.join(timeout=5)
