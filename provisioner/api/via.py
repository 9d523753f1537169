"""Which path makes the app: the Setup pages in the browser, or the Metadata API with the login's session.

`--via browser`: the pages, as always. `--via api`: the API or ApiUnavailableError (exit 37) saying why not.
`--via auto` (the default): the API where the org lets this login use it, else the pages; either way the reason is
kept for the output. The cheapest question that tells: one GET of the REST API's resource list with the session
(`/services/data/vNN.0/`): a user without "API Enabled" gets 403 API_CURRENTLY_DISABLED there. A user without the
metadata permission is only found out by the first retrieve (provisioner/api/areas.py raises ApiUnavailableError
then, before anything changed), and `auto` falls back at that point too (`fall_back`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ApiUnavailableError, ConfigError, OrgUnavailableError
from . import http
from .session import ApiSession

VIA_BROWSER, VIA_API, VIA_AUTO = "browser", "api", "auto"
VIA_CHOICES = (VIA_AUTO, VIA_API, VIA_BROWSER)
DEFAULT_VIA = VIA_AUTO
#: the OAuth scopes that reach the REST and Metadata APIs
API_SCOPES = frozenset({"api", "full"})
#: the app types the API path covers (a classic Connected App is made on the pages only, in this version)
API_APP_TYPES = ("external_client_app",)
#: what Salesforce answers when the API is off for the user (profile/permission set) or for the org (edition)
_API_OFF = {"API_CURRENTLY_DISABLED": "the user lacks the \"API Enabled\" permission (profile or permission set)",
            "API_DISABLED_FOR_ORG": "the org's edition has no API access"}


@dataclass(frozen=True)
class Via:
    """The path taken ("browser" | "api") and why; `api` is the session the API path uses."""

    path: str
    reason: str
    api: ApiSession | None = None


def check_requested(requested: str, app_type: str) -> None:
    """Before the browser starts: a value we do not know, or `api` for an app type the API path does not make."""
    if requested not in VIA_CHOICES:
        raise ConfigError(f"--via {requested!r} is not one of {', '.join(VIA_CHOICES)}")
    if requested == VIA_API and app_type not in API_APP_TYPES:
        raise ApiUnavailableError(f"--via api: app_type {app_type} has no API path (the API path makes External "
                                  "Client Apps); use --via browser or auto")


def browser_only(requested: str, app_type: str, *, recording: bool = False) -> Via | None:
    """The pages without asking the org anything: asked for, the app type has no API path, or `auto` in a recorded
    run (a recording exists to show the pages; `--via api` is still honoured)."""
    if requested == VIA_BROWSER:
        return Via(VIA_BROWSER, "--via browser: the Setup pages")
    if app_type not in API_APP_TYPES:
        return Via(VIA_BROWSER, f"app_type {app_type} has no API path: the Setup pages")
    if recording and requested == VIA_AUTO:
        return Via(VIA_BROWSER, "auto: a recorded run shows the Setup pages")
    return None


def probe(api: ApiSession, username: str, *, timeout: float = 30.0) -> None:
    """The API's cheapest check with the session (blocking). ApiUnavailableError says why the API cannot be used;
    OrgUnavailableError when the org did not answer (a server error, the network)."""
    try:
        status, answer = http.rest(api, "GET", "", timeout=timeout)
    except OrgUnavailableError as exc:
        raise OrgUnavailableError(f"the org's API did not answer at {api.instance_url}: {exc}") from None
    if status < 300:
        return
    code, message = http.rest_error(answer, status)
    if status >= 500:
        raise OrgUnavailableError(f"the org's API answered {status} at {api.instance_url}: {code or message}")
    if code in _API_OFF:
        raise ApiUnavailableError(f"{username} cannot use the API: {_API_OFF[code]} (Salesforce: {code}: {message})")
    if status == 401:
        raise ApiUnavailableError(f"the login's session is not valid for the API (Salesforce: {code or status}: "
                                  f"{message})")
    raise ApiUnavailableError(f"the org's API refused the login's session ({status} {code}: {message})")


def api_chosen(requested: str, api: ApiSession) -> Via:
    why = "--via api" if requested == VIA_API else "auto: the org's API accepts this login's session"
    return Via(VIA_API, f"{why}: Metadata API", api)


def stored_session_chosen(requested: str, api: ApiSession) -> Via:
    """A re-run whose stored credentials proved themselves: their token is this user's API session, so no login."""
    why = "--via api" if requested == VIA_API else "auto"
    return Via(VIA_API, f"{why}: the stored credentials' own session (JWT bearer), no browser login: Metadata API",
               api)


def session_of_token(token) -> ApiSession | None:  # noqa: ANN001 - verify.TokenResult
    """The API session an OAuth token is, when its scopes reach the APIs (`api` or `full`); else None."""
    scopes = set((getattr(token, "scope", "") or "").split())
    access_token, instance_url = getattr(token, "access_token", ""), getattr(token, "instance_url", "")
    if not access_token or not instance_url or not scopes & API_SCOPES:
        return None
    return ApiSession(instance_url=instance_url, session_id=access_token)


def fall_back(requested: str, error: ApiUnavailableError) -> Via:
    """`auto` after the API said no: the pages, and why. `api` has no fallback: the error is the answer."""
    if requested != VIA_AUTO:
        raise error
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return Via(VIA_BROWSER, f"auto: the API is not available ({line}): the Setup pages")


__all__ = ["API_APP_TYPES", "DEFAULT_VIA", "VIA_API", "VIA_AUTO", "VIA_BROWSER", "VIA_CHOICES", "Via", "api_chosen",
           "browser_only", "check_requested", "fall_back", "probe", "session_of_token", "stored_session_chosen"]
