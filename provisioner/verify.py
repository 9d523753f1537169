"""Prove the credentials: a JWT bearer token exchange, as any CI job will do it with them.

The assertion goes to the org's own instance (My Domain) URL, learned at login: the generic login hosts
(login.salesforce.com, test.salesforce.com) answer `app_not_found` for External Client Apps. Its `aud` stays the
login host (test.salesforce.com for sandboxes, login.salesforce.com otherwise).

Right after an app or its policies are saved a real org answers `invalid_client_id`, `app_not_found` or
"user hasn't approved this consumer" for minutes (2-10, reported up to 30 for External Client Apps), so
`verify_with_retry` keeps asking while the answer is one of those and the budget lasts, each wait a tenth of the time
waited so far. Every other
answer is final at once, explained in one line naming the cause and the fix. Tokens and keys never appear in messages.
"""

from __future__ import annotations

import functools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, TypeVar
from urllib.parse import urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

from .errors import VerifyError
from .hosts import check_login_url

T = TypeVar("T")

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
#: the hosts that serve every org's login page but not External Client Apps' tokens
GENERIC_LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
ASSERTION_LIFETIME_SECONDS = 180  # Salesforce asks for an `exp` within 3 minutes
#: how long a just-saved app may take to propagate: the top of the reported range (2-10 min, up to 30 for ECAs)
DEFAULT_BUDGET_SECONDS = 1800.0
#: each wait between attempts is this share of the time already waited (within first_delay..max_delay): the attempt
#: that succeeds comes at most about a tenth after propagation ended, whether it took seconds or half an hour. A
#: backoff by a fixed factor overshoots by up to half the wait (e.g. 41.6 s for a 28 s propagation at 1.5x).
WAIT_SHARE = 0.1
NOT_APPROVED = "user hasn't approved this consumer"
NOT_ADMIN_APPROVED = "user is not admin approved to access this app"
APP_NOT_INSTALLED = "External client app is not installed in this org"


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

    def __init__(self, message: str, error: str, description: str, token_url: str = ""):
        super().__init__(message)
        self.error = error
        self.description = description
        self.token_url = token_url

    @property
    def answer(self) -> str:
        """The org's answer in short, e.g. "invalid_client_id: client identifier invalid"."""
        return f"{self.error}: {self.description}" if self.description else self.error

    @property
    def propagating(self) -> bool:
        return is_propagation_answer(self.error, self.description, self.token_url)


def is_propagation_answer(error: str, description: str, token_url: str) -> bool:
    """One of the answers a real org gives while a just-saved app propagates. Each can also be final (a wrong key,
    an app of another org, a self-authorize policy): the retry loop explains the last one when its budget is spent."""
    if error == "app_not_found":
        # ...but a generic login host never serves External Client Apps: waiting there changes nothing.
        return not is_generic_login_host(token_url)
    return error == "invalid_client_id" or (error == "invalid_grant" and description == NOT_APPROVED)


def is_generic_login_host(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in GENERIC_LOGIN_HOSTS


def default_audience(login_url: str) -> str:
    """What a real org accepts as `aud`: test.salesforce.com for sandboxes and scratch orgs, login.salesforce.com for
    production (My Domain logins included); any other host (the simulated org) is its own audience."""
    parts = urlsplit(login_url)
    host = (parts.hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith((".sandbox.my.salesforce.com", ".scratch.my.salesforce.com")):
        return SANDBOX_LOGIN
    if host == "login.salesforce.com" or host.endswith(".salesforce.com"):
        return PRODUCTION_LOGIN
    return f"{parts.scheme}://{parts.netloc}"


def _explain(error: str, description: str, token_url: str, *, consumer_key: str, username: str,
             audience: str) -> str:
    """One line: what the org said, what it means, what to change."""
    answer = f"{error}: {description}" if description else error
    key_hint = consumer_key[:6] + "..." if len(consumer_key) > 6 else consumer_key
    if error == "invalid_client_id":
        return (f"the org does not know consumer key {key_hint} ({answer}): check SALESFORCE_CONSUMER_KEY and that "
                "the instance URL is the org the app was created in; a just-saved app can take up to 30 minutes "
                "to propagate")
    if error == "app_not_found" and is_propagation_answer(error, description, token_url):
        return (f"the org says the app is not installed ({answer}): check the app exists in this org (not only "
                "in production or another sandbox) and the token request goes to the org's My Domain URL "
                "(--instance-url / SALESFORCE_INSTANCE_URL); a just-saved app can take up to 30 minutes to propagate")
    if error == "app_not_found":
        host = urlsplit(token_url).hostname
        return (f"{host} does not serve External Client Apps ({answer}): send the token request to the org's "
                "My Domain URL (--instance-url / SALESFORCE_INSTANCE_URL, e.g. https://yourdomain.my.salesforce.com)")
    if error == "invalid_grant" and description == NOT_APPROVED:
        return (f"{username} has not approved the app ({answer}): set Permitted Users to 'Admin approved users are "
                "pre-authorized' ('All users can self-authorize' needs an interactive approval first); a just-saved "
                "app can take up to 30 minutes to propagate")
    if error == "invalid_app_access":
        return (f"{username} is not pre-authorised for the app ({answer}): add the user's profile or one of their "
                "permission sets to the app's policies (App Policies)")
    if error == "invalid_client" and description == "invalid client credentials":
        return (f"the app's certificate does not match this private key ({answer}): upload the certificate of this "
                "key to the app (setup --cert), or sign with the key of the certificate the app has")
    if error == "invalid_grant" and description == "invalid assertion":
        return (f"the app rejected the signature ({answer}): the certificate uploaded to the app does not match "
                "this private key, or the app's JWT Bearer Flow is off")
    if error == "invalid_grant" and description == "audience is invalid":
        return (f"the org refused audience {audience} ({answer}): use --audience {SANDBOX_LOGIN} for sandboxes "
                f"and {PRODUCTION_LOGIN} for production orgs")
    if error == "invalid_grant" and description == "expired authorization code":
        return f"the org says the assertion expired ({answer}): check this machine's clock"
    return f"the token exchange was refused ({answer})"


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
                 timeout: float = 30.0, *, instance_url: str | None = None,
                 setting_name: str = "login URL") -> TokenResult:
    """One JWT bearer exchange at `<instance_url>/services/oauth2/token` (the login URL when no instance URL is
    known), with `aud` = `audience` or the login host's audience; TokenRefused / VerifyError on failure.

    The signed assertion is a credential for a few minutes: it goes over https, or http to loopback only
    (ConfigError naming `setting_name` otherwise, before anything is sent).
    """
    login_url = check_login_url(login_url, setting_name)
    token_host = check_login_url(instance_url, "instance URL") if instance_url else login_url
    audience = audience or default_audience(login_url)
    now = int(time.time())
    try:
        assertion = jwt.encode({"iss": consumer_key, "sub": username, "aud": audience,
                                "exp": now + ASSERTION_LIFETIME_SECONDS}, _signing_key(private_key_pem),
                               algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise VerifyError("the private key cannot sign a JWT: it must be an unencrypted RSA key in PEM form") from None
    url = token_host + "/services/oauth2/token"
    return _token(url, {"grant_type": JWT_BEARER, "assertion": assertion}, timeout, token_host,
                  lambda error, description: _explain(error, description, token_host, consumer_key=consumer_key,
                                                      username=username, audience=audience))


@functools.lru_cache(maxsize=64)
def _signing_key(private_key_pem: str):  # noqa: ANN202 - cryptography's RSAPrivateKey
    """The PEM loaded once: loading checks the RSA key, which costs tens of ms of CPU per JWT otherwise, and verify
    signs one per attempt while an app propagates (for every org of a nightly run)."""
    return serialization.load_pem_private_key(private_key_pem.encode(), password=None)


def exchange_client_credentials(token_host: str, consumer_key: str, consumer_secret: str,
                                timeout: float = 30.0) -> TokenResult:
    """One client credentials exchange at `<token_host>/services/oauth2/token` (the org's My Domain);
    TokenRefused / VerifyError on failure."""
    token_host = check_login_url(token_host, "instance URL")
    return _token(token_host + "/services/oauth2/token",
                  {"grant_type": "client_credentials", "client_id": consumer_key, "client_secret": consumer_secret},
                  timeout, token_host,
                  lambda error, description: f"the client credentials exchange was refused ({error}: {description})")


def _token(url: str, form: dict[str, str], timeout: float, token_host: str,
           explain: Callable[[str, str], str]) -> TokenResult:
    """Post one token request; the token, or TokenRefused with the org's answer (`explain` words it)."""
    status, body = _post_form(url, form, timeout)
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise VerifyError(f"{url} answered HTTP {status} without an OAuth response: check the instance URL")
    if status == 200 and data.get("access_token"):
        return TokenResult(data["access_token"], data.get("instance_url", ""), data.get("id", ""),
                           data.get("scope", ""))
    error, description = str(data.get("error", f"HTTP {status}")), str(data.get("error_description", ""))
    raise TokenRefused(explain(error, description), error, description, token_host)


def retry_while_propagating(exchange: Callable[[], T], *, budget_seconds: float = DEFAULT_BUDGET_SECONDS,
                            on_attempt: Callable[[int, str | None], None] | None = None,
                            first_delay: float = 1.0, max_delay: float = 30.0) -> T:
    """`exchange()` until it works, retrying only the answers of a propagating app, for at most `budget_seconds`.
    `on_attempt(attempt, answer)` is called after each refused attempt that will be retried."""
    started = time.monotonic()
    deadline = started + budget_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            return exchange()
        except TokenRefused as refused:
            now = time.monotonic()
            remaining = deadline - now
            if not refused.propagating:
                raise
            if remaining <= 0:
                raise VerifyError(f"{refused} (still refused after {attempt} attempts in "
                                  f"{now - started:.0f} s)") from None
            if on_attempt is not None:
                on_attempt(attempt, refused.answer)
            # Waiting on Salesforce's own propagation: there is no state to watch, only the answer to poll.
            time.sleep(min(propagation_wait(now - started, first_delay, max_delay), remaining))


def propagation_wait(waited: float, first_delay: float = 1.0, max_delay: float = 30.0) -> float:
    """Seconds before the next attempt, after `waited` seconds of refusals (WAIT_SHARE of it, within bounds)."""
    return min(max(first_delay, waited * WAIT_SHARE), max_delay)


def verify_with_retry(login_url: str, consumer_key: str, username: str, private_key_pem: str, *,
                      instance_url: str | None = None, audience: str | None = None,
                      budget_seconds: float = DEFAULT_BUDGET_SECONDS, timeout: float = 30.0,
                      on_attempt: Callable[[int, str | None], None] | None = None,
                      first_delay: float = 1.0, max_delay: float = 30.0) -> TokenResult:
    """Exchange until it works, retrying only the answers of a propagating app, for at most `budget_seconds`.

    `instance_url`: the org's My Domain (the token endpoint); `login_url` names the audience and stands in for the
    instance when it is not known. `on_attempt(attempt, answer)` is called after each refused attempt that will be
    retried (answer: the org's error in short).
    """
    return retry_while_propagating(
        lambda: exchange_jwt(login_url, consumer_key, username, private_key_pem, audience, timeout,
                             instance_url=instance_url),
        budget_seconds=budget_seconds, on_attempt=on_attempt, first_delay=first_delay, max_delay=max_delay)
