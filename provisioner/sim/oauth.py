"""The OAuth endpoints: POST /services/oauth2/token (JWT bearer, client credentials), userinfo, identity URL.

Strict on purpose (EVIDENCE.md "OAuth and REST"): a JWT is accepted only when
Salesforce would accept it, with the same error codes and descriptions, so `verify` and the real `sf` CLI meet the
same refusals here as against a real org. Checks run in this order: client id, the generic login host (External
Client Apps are not served there), propagation, flow enabled and signature, audience, expiry, user, approval.

Two hosts answer: the org's My Domain (`register`) and, when the org logs in at a generic login host,
that host (`register_login_host`), which refuses External Client Apps with `app_not_found`.
"""

from __future__ import annotations

import base64
import secrets
import string
import time
import weakref
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from cryptography import x509

from . import messages
from .faults import profile_of
from .http import Request, Response, Router
from .model import ExternalClientApp, User
from .org import AccessToken, FrontdoorCode, SimOrg

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_CREDENTIALS = "client_credentials"
PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
#: an `exp` this far in the past still counts: clocks of CI runners drift [none: Salesforce does not publish it]
CLOCK_SKEW_SECONDS = 60
#: `exp` above this is milliseconds (the sf CLI sends Date.now() + 300); seconds stay below it until year 5138
MILLISECONDS_THRESHOLD = 1e11

NOT_APPROVED = messages.NOT_APPROVED
_TOKEN_CHARS = string.ascii_letters + string.digits + "._"
ECA = "external_client_app"

#: what a real org answers while a just-saved app (or its policies) propagates, by app kind and grant: the answers
#: are served in turn, so a client that polls meets every one of them (EVIDENCE.md: which one when is not public)
PROPAGATION_ANSWERS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    (ECA, "jwt"): (("invalid_client_id", messages.UNKNOWN_CLIENT), ("app_not_found", messages.APP_NOT_INSTALLED),
                   ("invalid_grant", NOT_APPROVED)),
    ("connected_app", "jwt"): (("invalid_client_id", messages.UNKNOWN_CLIENT), ("invalid_grant", NOT_APPROVED)),
    (ECA, "client_credentials"): (("invalid_client_id", messages.UNKNOWN_CLIENT),
                                  ("app_not_found", messages.APP_NOT_INSTALLED),
                                  ("invalid_grant", messages.NO_RUN_AS_USER)),
    ("connected_app", "client_credentials"): (("invalid_client_id", messages.UNKNOWN_CLIENT),
                                              ("invalid_grant", messages.NO_RUN_AS_USER)),
}
#: per org: app id -> how many propagation answers it has given (picks the next one)
_propagation_counts: "weakref.WeakKeyDictionary[SimOrg, dict[str, int]]" = weakref.WeakKeyDictionary()


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return Response.json({"error": error, "error_description": description}, status)


def invalid_session() -> Response:
    """What every API answers to a missing, expired or unknown access token."""
    return Response.json([{"message": messages.SESSION_INVALID, "errorCode": "INVALID_SESSION_ID"}], 401)


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else url.strip().lower()


def accepted_audiences(org: SimOrg) -> set[str]:
    """The org's My Domain URL, its login host (the sim's stand-in for the generic host), and test.salesforce.com
    for sandboxes or login.salesforce.com for production (EVIDENCE.md: which `aud` values are accepted)."""
    own = {_origin(org.base_url)} if org.base_url else set()
    if org.login_url:  # app.py may serve the login pages on their own origin
        own.add(_origin(org.login_url))
    # scratch orgs log in at test.salesforce.com, as sandboxes do [doc: "Authorize a Scratch Org" with JWT]
    sandbox_like = org.config.sandbox or getattr(org.config, "scratch", False)
    return own | {SANDBOX_LOGIN if sandbox_like else PRODUCTION_LOGIN}


def _public_key(app: ExternalClientApp):
    try:
        return x509.load_pem_x509_certificate(app.certificate_pem.encode()).public_key()
    except (ValueError, AttributeError):
        return None


def _is_pre_authorised(org: SimOrg, app: ExternalClientApp, user: User) -> bool:
    policies = app.policies
    # "All users can self-authorize": JWT needs an earlier interactive approval, which nobody gave here.
    if policies.permitted_users != "AdminApprovedPreAuthorized":
        return False
    profiles = {p.lower() for p in policies.profiles}
    permission_sets = {p.lower() for p in policies.permission_sets}
    return user.profile.lower() in profiles or any(p.lower() in permission_sets for p in user.permission_sets)


def _issue_token(org: SimOrg, app: ExternalClientApp, user: User) -> Response:
    minutes = app.policies.session_timeout_minutes
    lifetime = minutes * 60 if minutes else org.config.session_timeout_seconds
    # Not from the seeded id factory: a `--seed` run must not make tokens guessable.
    token = f"{org.org_id[:15]}!" + "".join(secrets.choice(_TOKEN_CHARS) for _ in range(96))
    scopes = list(app.scopes)
    with org.lock:
        org.access_tokens[token] = AccessToken(user.username.lower(), time.time() + lifetime, app.id, scopes)
        app.oauth_used_at = time.time()  # the app now has OAuth usage data (Connect REST "OAuth Usage" lists it)
    org.log("oauth_token_issued", username=user.username, app=app.api_name)
    base = org.base_url.rstrip("/")
    return Response.json({
        "access_token": token,
        "scope": " ".join(scopes),
        "instance_url": base,
        "id": f"{base}/id/{org.org_id}/{user.id}",
        "token_type": "Bearer",
    })


def _propagating(org: SimOrg, app: ExternalClientApp) -> bool:
    # the fault profile's `propagation_long` makes some apps propagate several times longer (sim/faults.py)
    seconds = profile_of(org).propagation_seconds(f"{app.id}@{app.changed_at}", org.config.propagation_seconds)
    if org.latency is not None:  # a token was asked for: its propagation is on the client's path (latency.Floor)
        org.latency.floor.add("propagation", app.changed_at, app.changed_at + seconds,
                              once=(app.id, app.changed_at))
    return time.time() - app.changed_at < seconds


def _propagation_answer(org: SimOrg, app: ExternalClientApp, grant: str) -> Response:
    """The next of the answers a real org gives while `app` propagates (the same ones, in a shorter time)."""
    answers = PROPAGATION_ANSWERS[(app.kind if app.kind == ECA else "connected_app", grant)]
    with org.lock:
        counts = _propagation_counts.setdefault(org, {})
        turn = counts.get(app.id, 0)
        counts[app.id] = turn + 1
    error, description = answers[turn % len(answers)]
    org.log("oauth_refused", app=app.api_name, grant=grant, reason="propagating", error=error)
    if grant == "jwt":  # the event the earlier tests and tools look for
        org.log("oauth_jwt_refused", app=app.api_name, reason="propagating")
    return _oauth_error(error, description)


def _not_at_login_host(org: SimOrg, app: ExternalClientApp, login_host: bool) -> Response | None:
    """A generic login host does not serve External Client Apps: the org's My Domain does (forcedotcom/cli#3482)."""
    if login_host and app.kind == ECA:
        org.log("oauth_refused", app=app.api_name, reason="generic login host", error="app_not_found")
        return _oauth_error("app_not_found", messages.APP_NOT_INSTALLED)
    return None


def _signature_mismatch(app: ExternalClientApp) -> Response:
    """An assertion the app's certificate does not verify: ECAs and Connected Apps word it differently."""
    if app.kind == ECA:
        return _oauth_error("invalid_client", messages.BAD_CLIENT_CREDENTIALS)
    return _oauth_error("invalid_grant", messages.INVALID_ASSERTION)


def app_for_key(org: SimOrg, key: str) -> tuple[ExternalClientApp, str] | None:
    """The app a consumer key belongs to and the secret that goes with that key: the primary pair, else a staged
    pair that still works (Active, or Rotated = the former primary after a rotate, until deleted or expired;
    EVIDENCE.md "Connect REST credentials")."""
    app = org.app_by_consumer_key(key)
    if app is not None:
        return app, app.consumer_secret
    if not key:
        return None
    now = time.time()
    with org.lock:
        for candidate in org.apps.values():
            for staged in candidate.staged_credentials:
                if staged.key == key and staged.expires_at > now:
                    return candidate, staged.secret
    return None


def _jwt_bearer(org: SimOrg, form: dict[str, list[str]], *, login_host: bool = False) -> Response:
    assertion = (form.get("assertion") or [""])[0]
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return _oauth_error("invalid_grant", messages.INVALID_ASSERTION)
    found = app_for_key(org, str(claims.get("iss", "")))
    app = found[0] if found else None
    if app is None or not app.oauth_enabled:
        return _oauth_error("invalid_client_id", messages.UNKNOWN_CLIENT)
    refused = _not_at_login_host(org, app, login_host)
    if refused is not None:
        return refused
    if _propagating(org, app):
        # A real org refuses logins for minutes after the app or its policies are saved (EVIDENCE.md).
        return _propagation_answer(org, app, "jwt")
    public_key = _public_key(app) if app.jwt_enabled else None
    if public_key is None or header.get("alg") != "RS256":
        return _oauth_error("invalid_grant", messages.INVALID_ASSERTION)
    try:
        jwt.decode(assertion, public_key, algorithms=["RS256"],
                   options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False})
    except jwt.PyJWTError:
        org.log("oauth_jwt_refused", app=app.api_name, reason="certificate mismatch")
        return _signature_mismatch(app)

    if _origin(str(claims.get("aud", ""))) not in accepted_audiences(org):
        return _oauth_error("invalid_grant", messages.BAD_AUDIENCE)

    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return _oauth_error("invalid_grant", messages.EXPIRED_ASSERTION)
    exp_seconds = exp / 1000 if exp > MILLISECONDS_THRESHOLD else exp
    if exp_seconds + CLOCK_SKEW_SECONDS < time.time():
        return _oauth_error("invalid_grant", messages.EXPIRED_ASSERTION)

    user = org.user(str(claims.get("sub", "")))
    if user is None or not user.active or app.policies.permitted_users != "AdminApprovedPreAuthorized":
        # "All users can self-authorize": JWT needs an earlier interactive approval, which nobody gave here.
        org.log("oauth_jwt_refused", app=app.api_name, reason="not approved")
        return _oauth_error("invalid_grant", NOT_APPROVED)
    if not _is_pre_authorised(org, app, user):
        # Admin-approved app, user outside its profiles and permission sets (jetstreamapp/jetstream#656).
        org.log("oauth_jwt_refused", app=app.api_name, reason="not pre-authorised")
        return _oauth_error("invalid_app_access", messages.NOT_ADMIN_APPROVED)
    return _issue_token(org, app, user)


def _client_credentials(org: SimOrg, request: Request, form: dict[str, list[str]], *,
                        login_host: bool = False) -> Response:
    client_id = (form.get("client_id") or [""])[0]
    client_secret = (form.get("client_secret") or [""])[0]
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):  # RFC 6749 allows the pair in a Basic header too
        try:
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return _oauth_error("invalid_client", messages.BAD_CLIENT_CREDENTIALS)
    found = app_for_key(org, client_id)
    app, secret = found if found else (None, "")
    if app is None or not app.oauth_enabled:
        return _oauth_error("invalid_client_id", messages.UNKNOWN_CLIENT)
    refused = _not_at_login_host(org, app, login_host)
    if refused is not None:
        return refused
    if _propagating(org, app):
        return _propagation_answer(org, app, "client_credentials")
    if not client_secret or not secrets.compare_digest(client_secret.encode(), secret.encode()):
        return _oauth_error("invalid_client", messages.BAD_CLIENT_CREDENTIALS)
    run_as = org.user(app.client_credentials_user or "")
    if not app.client_credentials_enabled or run_as is None or not run_as.active:
        return _oauth_error("invalid_grant", messages.NO_RUN_AS_USER)
    return _issue_token(org, app, run_as)


def token_endpoint(org: SimOrg, request: Request, *, login_host: bool = False) -> Response:
    """`login_host`: answering on the generic login host rather than on the org's My Domain."""
    # Only a form body is read; anything else has no grant_type, as on a real org.
    is_form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    form = request.form() if is_form else {}
    grant_type = (form.get("grant_type") or [""])[0]
    if grant_type == JWT_BEARER:
        return _jwt_bearer(org, form, login_host=login_host)
    if grant_type == CLIENT_CREDENTIALS:
        return _client_credentials(org, request, form, login_host=login_host)
    return _oauth_error("unsupported_grant_type", messages.UNSUPPORTED_GRANT)


# --- using a token ---------------------------------------------------------------------------------------
def authenticate(org: SimOrg, request: Request) -> tuple[User, AccessToken] | None:
    """The user and token behind `Authorization: Bearer <token>`, or None (answer with `invalid_session()`)."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() not in ("bearer", "oauth"):
        return None
    return token_grant(org, token)


def token_grant(org: SimOrg, token: str) -> tuple[User, AccessToken] | None:
    """The user and grant of a live access token, or None."""
    token = token.strip()
    if not token:
        return None
    with org.lock:
        grant = org.access_tokens.get(token)
        # A token names its org: after a sandbox refresh (new org id) old tokens stop working.
        if grant is None or not token.startswith(org.org_id[:15] + "!"):
            return None
        if grant.expires_at < time.time():
            del org.access_tokens[token]
            return None
    user = org.user(grant.username)
    if user is None or not user.active:
        return None
    return user, grant


def _urls(org: SimOrg, user: User) -> dict[str, str]:
    base = org.base_url.rstrip("/")
    return {
        "enterprise": f"{base}/services/Soap/c/{{version}}/{org.org_id}",
        "metadata": f"{base}/services/Soap/m/{{version}}/{org.org_id}",
        "partner": f"{base}/services/Soap/u/{{version}}/{org.org_id}",
        "rest": f"{base}/services/data/v{{version}}/",
        "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
        "search": f"{base}/services/data/v{{version}}/search/",
        "query": f"{base}/services/data/v{{version}}/query/",
        "recent": f"{base}/services/data/v{{version}}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{{version}}/{org.org_id}",
        "tooling_rest": f"{base}/services/data/v{{version}}/tooling/",
        "profile": f"{base}/{user.id}",
        "feeds": f"{base}/services/data/v{{version}}/chatter/feeds",
        "groups": f"{base}/services/data/v{{version}}/chatter/groups",
        "users": f"{base}/services/data/v{{version}}/chatter/users",
        "feed_items": f"{base}/services/data/v{{version}}/chatter/feed-items",
        "feed_elements": f"{base}/services/data/v{{version}}/chatter/feed-elements",
        "custom_domain": base,
    }


def _userinfo(org: SimOrg, user: User) -> dict[str, Any]:
    base = org.base_url.rstrip("/")
    return {
        "sub": f"{base}/id/{org.org_id}/{user.id}",
        "user_id": user.id,
        "organization_id": org.org_id,
        "preferred_username": user.username,
        "nickname": user.username.split("@")[0],
        "name": user.name,
        "email": user.email,
        "email_verified": True,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "zoneinfo": "America/Los_Angeles",
        "profile": f"{base}/{user.id}",
        "urls": _urls(org, user),
        "active": user.active,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28800000,
        "is_app_installed": True,
    }


def userinfo(org: SimOrg, request: Request) -> Response:
    auth = authenticate(org, request)
    if auth is None:
        return invalid_session()
    return Response.json(_userinfo(org, auth[0]))


def identity(org: SimOrg, request: Request) -> Response:
    auth = authenticate(org, request)
    if auth is None:
        return invalid_session()
    user = next((u for u in org.users.values() if u.id == request.params["user_id"]), None)
    if request.params["org_id"] != org.org_id or user is None:
        return Response.text(messages.BAD_ID, 403)
    info = _userinfo(org, user)
    return Response.json({
        "id": info["sub"],
        "asserted_user": user.id == auth[0].id,
        "user_id": user.id,
        "organization_id": org.org_id,
        "username": user.username,
        "nick_name": info["nickname"],
        "display_name": user.name,
        "email": user.email,
        "email_verified": True,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": info["zoneinfo"],
        "active": user.active,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": info["utcOffset"],
        "urls": info["urls"],
        "is_app_installed": True,
    })


# --- a session from a token (EVIDENCE.md "Session from a token") -----------------------------------------------
#: the Salesforce CLI's own connected app: `sf org login web` gets its tokens from it [code: @salesforce/core]
CLI_CLIENT_ID = "PlatformCLI"
#: what `sf org login web` asks for [code: @salesforce/core's default OAuth scopes]
CLI_SCOPES = ("refresh_token", "api", "web")
#: scopes that let a token open a browser session (frontdoor.jsp) [doc]
BROWSER_SCOPES = {"web", "full"}
#: how long a single-access front door link works, once [none: not public; modelled short]
FRONTDOOR_CODE_SECONDS = 60


def issue_cli_token(org: SimOrg, username: str, *, lifetime: float | None = None,
                    scopes: tuple[str, ...] = CLI_SCOPES) -> str:
    """An access token as the Salesforce CLI holds one after `sf org login web` (tests hand it to
    `sf org login access-token`). Not from the seeded id factory: tokens must not be guessable."""
    user = org.user(username)
    if user is None:
        raise KeyError(username)
    token = f"{org.org_id[:15]}!" + "".join(secrets.choice(_TOKEN_CHARS) for _ in range(96))
    seconds = org.config.session_timeout_seconds if lifetime is None else lifetime
    with org.lock:
        org.access_tokens[token] = AccessToken(user.username.lower(), time.time() + seconds, CLI_CLIENT_ID,
                                               list(scopes))
    org.log("oauth_token_issued", username=user.username, app=CLI_CLIENT_ID)
    return token


def expire_tokens(org: SimOrg, username: str) -> None:
    """Every access token of `username` times out now (a session the CLI holds goes stale)."""
    with org.lock:
        for grant in org.access_tokens.values():
            if grant.username == username.lower():
                grant.expires_at = time.time() - 1


def browser_user(org: SimOrg, token: str) -> User | None:
    """The user a token may open a browser session for: a live token of this org with the web (or full) scope."""
    with org.lock:
        grant = org.access_tokens.get(token)
        if grant is None or not token.startswith(org.org_id[:15] + "!") or grant.expires_at < time.time():
            return None
        scopes = set(grant.scopes)
    user = org.user(grant.username)
    if user is None or not user.active or not BROWSER_SCOPES & scopes:
        return None
    return user


def single_access(org: SimOrg, request: Request) -> Response:
    """GET /services/oauth2/singleaccess: a single-use front door link for the caller's token, as `sf org open`
    asks for one. An expired or unknown token gets 403, not 401 (the CLI refreshes first for that reason)."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    user = browser_user(org, token) if token else None
    if user is None:
        org.log("single_access_refused", reason="invalid token")
        return Response.json([{"message": messages.SESSION_INVALID, "errorCode": "INVALID_SESSION_ID"}], 403)
    start_url = request.arg("redirect_uri") or ""
    code = secrets.token_urlsafe(32)
    with org.lock:
        org.frontdoor_codes[code] = FrontdoorCode(user.username.lower(), start_url,
                                                  time.time() + FRONTDOOR_CODE_SECONDS)
    org.log("single_access_issued", username=user.username)
    query = urlencode({"otp": code, **({"startURL": start_url} if start_url else {})})
    return Response.json({"frontdoor_uri": f"{org.base_url.rstrip('/')}/secur/frontdoor.jsp?{query}"})


def take_frontdoor_code(org: SimOrg, code: str) -> FrontdoorCode | None:
    """The link's grant, once: a reused, expired or unknown (another org's) code gives None."""
    with org.lock:
        grant = org.frontdoor_codes.pop(code, None)
    if grant is None or grant.expires_at < time.time():
        return None
    return grant


def register_login_host(router: Router, org: SimOrg) -> None:
    """The generic login host's token endpoint (login.salesforce.com / test.salesforce.com in a real org's case)."""
    router.add("POST", "/services/oauth2/token", lambda r: token_endpoint(org, r, login_host=True))


def register(router: Router, org: SimOrg) -> None:
    """The org's own (My Domain) OAuth endpoints."""
    router.add("POST", "/services/oauth2/token", lambda r: token_endpoint(org, r))
    router.add("GET", "/services/oauth2/userinfo", lambda r: userinfo(org, r))
    router.add("POST", "/services/oauth2/userinfo", lambda r: userinfo(org, r))
    router.add("GET", r"/id/{org_id:00D\w+}/{user_id:005\w+}", lambda r: identity(org, r))
    router.add("GET", "/services/oauth2/singleaccess", lambda r: single_access(org, r))
