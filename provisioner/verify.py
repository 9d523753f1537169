"""Prove the credentials: a JWT bearer token exchange, as any CI job will do it with them.

A freshly saved app is refused for a while ("user hasn't approved this consumer") until Salesforce propagates
it, so `verify_with_retry` keeps asking, with backoff, for as long as that is the answer and the budget lasts.
Every other refusal is permanent and explained in one line. Tokens and keys never appear in messages.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode, urlsplit

import jwt

from .errors import VerifyError
from .hosts import check_login_url

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
ASSERTION_LIFETIME_SECONDS = 180  # Salesforce asks for an `exp` within 3 minutes
NOT_APPROVED = "user hasn't approved this consumer"


@dataclass(frozen=True)
class TokenResult:
    access_token: str = field(repr=False)
    instance_url: str
    id_url: str
    scope: str = ""

    @property
    def org_id(self) -> str:
        return self.id_url.rstrip("/").split("/")[-2]

    @property
    def user_id(self) -> str:
        return self.id_url.rstrip("/").split("/")[-1]


class TokenRefused(VerifyError):
    """The token endpoint answered with an OAuth error (kept apart so the retry loop can tell them apart)."""

    def __init__(self, message: str, error: str, description: str):
        super().__init__(message)
        self.error = error
        self.description = description

    @property
    def propagating(self) -> bool:
        return self.error == "invalid_grant" and self.description == NOT_APPROVED


def default_audience(login_url: str) -> str:
    """What a real org accepts as `aud`: test.salesforce.com for sandboxes, login.salesforce.com for production
    (My Domain logins included); any other host (the simulated org) is its own audience."""
    parts = urlsplit(login_url)
    host = (parts.hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return SANDBOX_LOGIN
    if host == "login.salesforce.com" or host.endswith(".salesforce.com"):
        return PRODUCTION_LOGIN
    return f"{parts.scheme}://{parts.netloc}"


def _explain(error: str, description: str, *, consumer_key: str, username: str, audience: str) -> str:
    key_hint = consumer_key[:6] + "..." if len(consumer_key) > 6 else consumer_key
    if error == "invalid_client_id":
        return (f"the org does not know consumer key {key_hint} (invalid_client_id): check SALESFORCE_CONSUMER_KEY "
                "and the login URL (production vs sandbox)")
    if error == "invalid_grant" and description == NOT_APPROVED:
        return (f"{username} is not pre-authorised for the app (invalid_grant: {description}): set Permitted Users "
                "to 'Admin approved users are pre-authorized' and add the user's profile or a permission set of "
                "theirs; a just-saved app can also take a few minutes to propagate")
    if error == "invalid_grant" and description == "invalid assertion":
        return ("the app rejected the signature (invalid_grant: invalid assertion): the certificate uploaded to the "
                "app does not match this private key, or the app's JWT Bearer Flow is off")
    if error == "invalid_grant" and description == "audience is invalid":
        return (f"the org refused audience {audience} (invalid_grant: audience is invalid): use "
                f"{SANDBOX_LOGIN} for sandboxes and {PRODUCTION_LOGIN} for production orgs")
    if error == "invalid_grant" and description == "expired authorization code":
        return "the org says the assertion expired (invalid_grant: expired authorization code): check this machine's clock"
    if error == "invalid_app_access":
        return f"{username} may not use this app (invalid_app_access: {description}): check the app's policies"
    return f"the token exchange was refused ({error}: {description})"


def _post_form(url: str, data: dict[str, str], timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=urlencode(data).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VerifyError(f"cannot reach {url}: {reason}") from None


def exchange_jwt(login_url: str, consumer_key: str, username: str, private_key_pem: str, audience: str | None = None,
                 timeout: float = 30.0, *, setting_name: str = "login URL") -> TokenResult:
    """One JWT bearer exchange at `<login_url>/services/oauth2/token`; TokenRefused / VerifyError on failure.

    The signed assertion is a credential for a few minutes: it goes over https, or http to loopback only
    (ConfigError naming `setting_name` otherwise, before anything is sent).
    """
    login_url = check_login_url(login_url, setting_name)
    audience = audience or default_audience(login_url)
    now = int(time.time())
    try:
        assertion = jwt.encode({"iss": consumer_key, "sub": username, "aud": audience,
                                "exp": now + ASSERTION_LIFETIME_SECONDS}, private_key_pem, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise VerifyError("the private key cannot sign a JWT: it must be an unencrypted RSA key in PEM form") from None
    url = login_url + "/services/oauth2/token"
    status, body = _post_form(url, {"grant_type": JWT_BEARER, "assertion": assertion}, timeout)
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise VerifyError(f"{url} answered HTTP {status} without an OAuth response: check the login URL")
    if status == 200 and data.get("access_token"):
        return TokenResult(data["access_token"], data.get("instance_url", ""), data.get("id", ""),
                           data.get("scope", ""))
    error, description = str(data.get("error", f"HTTP {status}")), str(data.get("error_description", ""))
    raise TokenRefused(_explain(error, description, consumer_key=consumer_key, username=username, audience=audience),
                       error, description)


def verify_with_retry(login_url: str, consumer_key: str, username: str, private_key_pem: str, *,
                      audience: str | None = None, budget_seconds: float = 300.0, timeout: float = 30.0,
                      on_attempt: Callable[[int, str | None], None] | None = None,
                      first_delay: float = 2.0, max_delay: float = 20.0) -> TokenResult:
    """Exchange until it works, retrying only while the app is still propagating, at most `budget_seconds`.

    `on_attempt(attempt, error)` is called after each refused attempt that will be retried (error: one line).
    """
    deadline = time.monotonic() + budget_seconds
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            return exchange_jwt(login_url, consumer_key, username, private_key_pem, audience, timeout)
        except TokenRefused as refused:
            remaining = deadline - time.monotonic()
            if not refused.propagating or remaining <= 0:
                if refused.propagating:
                    raise VerifyError(f"{refused} (still refused after {attempt} attempts in "
                                      f"{budget_seconds:.0f} s)") from None
                raise
            if on_attempt is not None:
                on_attempt(attempt, str(refused))
            # Waiting on Salesforce's own propagation: there is no state to watch, only the answer to poll.
            time.sleep(min(delay, max(remaining, 0.0)))
            delay = min(delay * 1.5, max_delay)
