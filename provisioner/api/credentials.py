"""An External Client App's consumer key and secret over Connect REST, and its staged credentials (EVIDENCE.md
"Connect REST credentials").

The app's id comes from `GET apps/oauth/usage` (apps with OAuth usage data: one no token was ever issued for is
absent), else from SOQL on ExternalClientApplication; its one OAuth consumer from `GET apps/oauth/credentials/{appId}`.
Everything under apps/oauth/credentials needs the org setting "Allow access to External Client App consumer secrets
via REST API" and the user's "View Client Secret" permission (staging also "External Client App Developer"): a
refusal is CredentialsApiDisabledError naming what would allow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from ..errors import ApiUnavailableError, CredentialsApiDisabledError, OrgUnavailableError
from ..flows.types import ConsumerCredentials
from . import http
from .session import ApiSession

SETTING = "Allow access to External Client App consumer secrets via REST API"
SETTING_WHERE = "Setup > External Client App Settings"
PERMISSION = "View Client Secret"
STAGING_PERMISSIONS = "External Client App Developer and View Client Secret"
TIMEOUT_SECONDS = 60.0
#: OAuth Usage answers in pages of at most this many apps
PAGE_SIZE = 100

SETTING_OFF = f'the org setting "{SETTING}" is off ({SETTING_WHERE}): turn it on to read credentials over REST'
NO_PERMISSION = (f'the user lacks the "{PERMISSION}" permission (staging and rotating need '
                 f'{STAGING_PERMISSIONS}): grant it to read credentials over REST')


@dataclass(frozen=True)
class Consumer:
    """Where an app's credentials live in Connect REST."""

    app_id: str
    consumer_id: str
    app_name: str = ""  # the app's label


@dataclass(frozen=True)
class StagedCredentials:
    id: str
    key: str
    secret: str = field(repr=False)
    state: str = ""  # Active | Rotated | Expired


class RestError(ApiUnavailableError):
    """A Connect REST answer other than success (its status and errorCode kept, so callers can tell a 404 from a
    refusal); exit 37 when nothing catches it: the API path cannot do this."""

    def __init__(self, message: str, status: int, code: str):
        super().__init__(message)
        self.status = status
        self.code = code


def call(api: ApiSession, method: str, path: str, body: Any = None) -> Any:
    """One REST call under /services/data/vNN.0/; the parsed JSON (None for 204). Refusals become the project's
    errors: the setting or permission (CredentialsApiDisabledError), no API (ApiUnavailableError), the org down
    (OrgUnavailableError), anything else RestError with Salesforce's own errorCode and message."""
    status, parsed = http.rest(api, method, path, json_body=body, timeout=TIMEOUT_SECONDS)
    if 200 <= status < 300:
        return parsed
    code, message = http.rest_error(parsed, status)
    where = f"{method} {path.split('?')[0]}"
    if status >= 500:
        raise OrgUnavailableError(f"{where}: HTTP {status} ({code}: {message})")
    if code == "FUNCTIONALITY_NOT_ENABLED":
        raise CredentialsApiDisabledError(SETTING_OFF)
    if code == "INSUFFICIENT_ACCESS":
        raise CredentialsApiDisabledError(NO_PERMISSION)
    if code == "API_CURRENTLY_DISABLED":
        raise ApiUnavailableError('the user lacks "API Enabled": the org refuses its API calls')
    if code == "INVALID_SESSION_ID":
        raise ApiUnavailableError("the org refused the API session (expired or not valid for the API)")
    raise RestError(f"{where}: HTTP {status} ({code}: {message})", status, code)


def _quoted(value: str) -> str:
    return quote(value, safe="")


def find_app_id(api: ApiSession, app_api_name: str) -> tuple[str, str] | None:
    """(app id, label) of the External Client App with this API name, or None when the org does not list it."""
    page = 0
    while True:
        data = call(api, "GET", f"apps/oauth/usage?{urlencode({'page': page, 'pageSize': PAGE_SIZE})}") or {}
        apps = data.get("apps") or []
        for app in apps:
            if str(app.get("developerName", "")).lower() == app_api_name.lower():
                return str(app.get("identifier")), str(app.get("label") or app.get("developerName") or "")
        if len(apps) < PAGE_SIZE:
            break
        page += 1
    # An app without OAuth usage yet is not in that list: ExternalClientApplication is also a queryable object.
    soql = f"SELECT Id, MasterLabel FROM ExternalClientApplication WHERE DeveloperName = '{_soql(app_api_name)}'"
    try:
        rows = (call(api, "GET", f"query?{urlencode({'q': soql})}") or {}).get("records") or []
    except RestError:  # INVALID_TYPE where the object is not queryable
        return None
    return (str(rows[0]["Id"]), str(rows[0].get("MasterLabel") or "")) if rows else None


def _soql(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def find_consumer(api: ApiSession, app_api_name: str, app_id: str | None = None) -> Consumer:
    """The app's OAuth consumer. `app_id`: the app's id when the caller knows it (a Metadata retrieve's or deploy's;
    an app not used yet is not in OAuth Usage). ApiUnavailableError when the org does not list the app (the
    browser can still reveal it); CredentialsApiDisabledError when the setting or the permission is missing."""
    found = (app_id, "") if app_id else find_app_id(api, app_api_name)
    if found is None:
        raise ApiUnavailableError(f"Connect REST does not list app {app_api_name} (OAuth Usage lists an app once a "
                                  "token was issued for it)")
    app_id, label = found
    consumers = (call(api, "GET", f"apps/oauth/credentials/{_quoted(app_id)}") or {}).get("consumers") or []
    if len(consumers) != 1:
        raise ApiUnavailableError(f"app {app_api_name} has {len(consumers)} OAuth consumers over Connect REST, "
                                  "expected one")
    return Consumer(app_id=app_id, consumer_id=str(consumers[0]["id"]),
                    app_name=label or str(consumers[0].get("name") or ""))


def _consumer_path(consumer: Consumer) -> str:
    return f"apps/oauth/credentials/{_quoted(consumer.app_id)}/{_quoted(consumer.consumer_id)}"


def primary(api: ApiSession, consumer: Consumer) -> ConsumerCredentials:
    """The consumer's primary key and secret (`part=keyandsecret`)."""
    data = call(api, "GET", _consumer_path(consumer) + "?part=keyandsecret") or {}
    key, secret = str(data.get("key") or ""), str(data.get("secret") or "")
    if not key or not secret:
        raise ApiUnavailableError("Connect REST answered without the consumer key and secret")
    return ConsumerCredentials(consumer_key=key, consumer_secret=secret)


def read_credentials(api: ApiSession, app_api_name: str, app_id: str | None = None) -> ConsumerCredentials:
    """The app's consumer key and secret over REST; CredentialsApiDisabledError names what would allow it."""
    return primary(api, find_consumer(api, app_api_name, app_id))


def credentials_allowed(api: ApiSession, app_api_name: str, app_id: str | None = None) -> tuple[bool, str]:
    """(True, "") when this session may read the app's credentials over REST; else (False, the reason in one line,
    naming the setting or permission that would allow it)."""
    try:
        consumer = find_consumer(api, app_api_name, app_id)
        call(api, "GET", _consumer_path(consumer) + "?part=key")
    except (CredentialsApiDisabledError, ApiUnavailableError) as exc:  # RestError included: its line says why
        return False, str(exc)
    return True, ""


# --- staged credentials (API 65.0) ------------------------------------------------------------------------------
def _staged_of(item: dict[str, Any]) -> StagedCredentials:
    return StagedCredentials(id=str(item.get("id") or ""), key=str(item.get("key") or ""),
                             secret=str(item.get("secret") or ""), state=str(item.get("state") or ""))


def staged(api: ApiSession, consumer: Consumer) -> list[StagedCredentials]:
    data = call(api, "GET", _consumer_path(consumer) + "/staged") or {}
    return [_staged_of(item) for item in data.get("stagedCredentials") or []]


def stage(api: ApiSession, consumer: Consumer) -> StagedCredentials:
    """A new key and secret beside the primary (POST takes no body); the consumer may hold one staged set."""
    data = call(api, "POST", _consumer_path(consumer) + "/staged") or {}
    active = [s for s in map(_staged_of, data.get("stagedCredentials") or []) if s.state == "Active"]
    if not active or not active[0].key or not active[0].secret:
        raise ApiUnavailableError("staging answered without new credentials")
    return active[0]


def rotate(api: ApiSession, consumer: Consumer, staged_id: str) -> None:
    """The staged set becomes the primary; the former primary stays staged as Rotated (still valid) until deleted."""
    call(api, "PATCH", f"{_consumer_path(consumer)}/staged/{_quoted(staged_id)}", {"command": "rotate"})


def delete_staged(api: ApiSession, consumer: Consumer, staged_id: str) -> None:
    call(api, "DELETE", f"{_consumer_path(consumer)}/staged/{_quoted(staged_id)}")


__all__ = ["Consumer", "ConsumerCredentials", "RestError", "StagedCredentials", "call", "credentials_allowed",
           "delete_staged", "find_consumer", "primary", "read_credentials", "rotate", "stage", "staged"]
