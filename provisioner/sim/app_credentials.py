"""Connect REST: an External Client App's consumer key and secret, and its staged credentials (EVIDENCE.md "Connect
REST credentials").

    GET    /services/data/vNN.0/apps/oauth/usage                                  apps with OAuth usage data (59.0)
    GET    .../apps/oauth/credentials/{appId}                                     the app's consumers (60.0)
    GET    .../apps/oauth/credentials/{appId}/{consumerId}?part=key|secret|keyandsecret             (60.0)
    GET    .../apps/oauth/credentials/{appId}/{consumerId}/staged                 staged credentials (65.0)
    POST   .../apps/oauth/credentials/{appId}/{consumerId}/staged                 stage a new key and secret
    GET    .../staged/{stagedId}                                                  one staged set
    PATCH  .../staged/{stagedId}  {"command": "rotate"}                          staged <-> primary
    DELETE .../staged/{stagedId}                                                  204

Everything under /apps/oauth/credentials needs the org setting "Allow access to External Client App consumer
secrets via REST API" (OrgConfig.eca_secrets_via_rest, off by default) and the user's "View Client Secret"
(User.view_consumer_secret). Staged credentials are for local apps only. A staged set works at the token endpoint
at once (oauth.app_for_key); nothing here starts the app's propagation: the documentation says nothing of a delay.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable

from .api_auth import ApiCaller, api_caller
from .http import Request, Response, Router
from .model import ExternalClientApp, StagedCredentials
from .org import SimOrg

#: staged credentials last this long unless deleted before ("valid for 30 days")
STAGED_LIFETIME_SECONDS = 30 * 24 * 3600
#: the API version each resource appeared in
USAGE_SINCE, CREDENTIALS_SINCE, STAGED_SINCE = 59, 60, 65
LATEST_VERSION = 66
PARTS = ("key", "secret", "keyandsecret")
# Salesforce's texts here are not public (EVIDENCE.md "Connect REST credentials", still unknown): modelled.
SETTING_OFF = ("Access to External Client App consumer secrets via REST API is not currently enabled for this org. "
               "Turn on \"Allow access to External Client App consumer secrets via REST API\" in External Client App "
               "Settings.")
NO_PERMISSION = "You don't have the \"View Client Secret\" permission required to access OAuth consumer credentials."
NOT_FOUND = "The requested resource does not exist"
PACKAGED = "Staged credentials are available for local external client apps only."
ALREADY_STAGED = "This OAuth consumer already has staged credentials. Delete them before you stage new ones."
BAD_COMMAND = "Invalid command: {command}. Valid values are: rotate."
NOT_ACTIVE = "Only active staged credentials can be rotated."
BAD_PART = "Invalid value for part: {part}. Valid values are key, secret, keyandsecret."


def _error(status: int, code: str, message: str) -> Response:
    return Response.json([{"errorCode": code, "message": message}], status)


def _not_found() -> Response:
    return _error(404, "NOT_FOUND", NOT_FOUND)


def _caller(org: SimOrg, request: Request, since: int) -> ApiCaller | Response:
    """The caller, or a real org's refusal: a bad session, an unknown or too old API version."""
    caller = api_caller(org, request)
    if isinstance(caller, Response):
        return caller
    version = request.params.get("version", "")
    if not re.fullmatch(r"\d+\.0", version) or not since <= int(version[:-2]) <= LATEST_VERSION:
        return _not_found()
    org.latency.api()
    return caller


def _allowed(org: SimOrg, caller: ApiCaller) -> Response | None:
    """The org setting, then the user's permission (EVIDENCE.md: both are prerequisites of these resources)."""
    if not org.config.eca_secrets_via_rest:
        return _error(403, "FUNCTIONALITY_NOT_ENABLED", SETTING_OFF)
    if not caller.user.view_consumer_secret:
        return _error(403, "INSUFFICIENT_ACCESS", NO_PERMISSION)
    return None


def _ids_match(given: str, actual: str) -> bool:
    """Salesforce ids match in their 15- or 18-character form."""
    return bool(given) and (given == actual or (len(given) == 15 and actual[:15] == given))


def _consumer_id(org: SimOrg, app: ExternalClientApp) -> str:
    with org.lock:
        if not app.consumer_id:
            app.consumer_id = org.ids.sf_id("0Oc")  # the prefix is not public: modelled
        return app.consumer_id


def _app(org: SimOrg, app_id: str) -> ExternalClientApp | None:
    """An External Client App by id (Connected Apps are not in these resources)."""
    with org.lock:
        return next((a for a in org.apps.values() if a.kind == "external_client_app" and _ids_match(app_id, a.id)),
                    None)


def _base(request: Request) -> str:
    return f"/services/data/v{request.params['version']}/apps/oauth/credentials"


def _consumer_json(request: Request, org: SimOrg, app: ExternalClientApp, part: str | None) -> dict[str, Any]:
    consumer_id = _consumer_id(org, app)
    url = f"{_base(request)}/{app.id}/{consumer_id}"
    data: dict[str, Any] = {"id": consumer_id, "name": app.name, "url": url, "stagedCredentialsUrl": url + "/staged"}
    # "If this parameter is excluded ... the key is provided. The secret ... only when specified."
    if part in (None, "key", "keyandsecret"):
        data["key"] = app.consumer_key
    if part in ("secret", "keyandsecret"):
        data["secret"] = app.consumer_secret
    return data


def _state(staged: StagedCredentials) -> str:
    return "Expired" if staged.expires_at <= time.time() else staged.state


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at))


def _staged_json(request: Request, org: SimOrg, app: ExternalClientApp, staged: StagedCredentials) -> dict[str, Any]:
    url = f"{_base(request)}/{app.id}/{_consumer_id(org, app)}"
    return {"id": staged.id, "key": staged.key, "secret": staged.secret, "state": _state(staged),
            "createdBy": staged.created_by, "createdDate": _iso(staged.created_at),
            "expirationDate": _iso(staged.expires_at), "url": url, "stagedCredentialsUrl": f"{url}/staged/{staged.id}"}


def usage(org: SimOrg, request: Request) -> Response:
    """Apps that have OAuth usage data: those a token was issued for (EVIDENCE.md: a new, unused app is absent)."""
    caller = _caller(org, request, USAGE_SINCE)
    if isinstance(caller, Response):
        return caller
    try:
        page = int(request.arg("page") or 0)
        size = int(request.arg("pageSize") or 100)
    except ValueError:
        return _error(400, "INVALID_API_INPUT", "page and pageSize are whole numbers")
    if page < 0 or size < 1:
        return _error(400, "INVALID_API_INPUT", "page and pageSize are whole numbers")
    with org.lock:
        used = sorted((a for a in org.apps.values() if a.kind == "external_client_app" and a.oauth_used_at),
                      key=lambda a: a.name.lower())
        rows = [{"identifier": a.id, "developerName": a.api_name, "label": a.name} for a in used]
    return Response.json({"apps": rows[page * size:(page + 1) * size], "currentPage": page, "pageSize": size,
                          "totalSize": len(rows)})


def _resolve(org: SimOrg, request: Request, since: int, *, consumer: bool = True,
             staged_resource: bool = False) -> tuple[ApiCaller, ExternalClientApp] | Response:
    caller = _caller(org, request, since)
    if isinstance(caller, Response):
        return caller
    refused = _allowed(org, caller)
    if refused is not None:
        return refused
    app = _app(org, request.params["app_id"])
    if app is None:
        return _not_found()
    if consumer and not _ids_match(request.params["consumer_id"], _consumer_id(org, app)):
        return _not_found()
    if staged_resource and app.distribution_state != "Local":
        return _error(400, "INVALID_API_INPUT", PACKAGED)
    return caller, app


def credentials_of_app(org: SimOrg, request: Request) -> Response:
    found = _resolve(org, request, CREDENTIALS_SINCE, consumer=False)
    if isinstance(found, Response):
        return found
    _, app = found
    return Response.json({"consumers": [_consumer_json(request, org, app, "key")]})


def credentials_of_consumer(org: SimOrg, request: Request) -> Response:
    part = request.arg("part")
    if part is not None and part not in PARTS:
        return _error(400, "INVALID_API_INPUT", BAD_PART.format(part=part))
    found = _resolve(org, request, CREDENTIALS_SINCE)
    if isinstance(found, Response):
        return found
    _, app = found
    return Response.json(_consumer_json(request, org, app, part))


def staged_list(org: SimOrg, request: Request) -> Response:
    found = _resolve(org, request, STAGED_SINCE, staged_resource=True)
    if isinstance(found, Response):
        return found
    _, app = found
    with org.lock:
        rows = [_staged_json(request, org, app, s) for s in app.staged_credentials]
    return Response.json({"stagedCredentials": rows})


def stage(org: SimOrg, request: Request) -> Response:
    """POST: a new key and secret beside the primary ones; one staged set per consumer at a time."""
    found = _resolve(org, request, STAGED_SINCE, staged_resource=True)
    if isinstance(found, Response):
        return found
    caller, app = found
    now = time.time()
    with org.lock:
        if app.staged_credentials:
            return _error(400, "INVALID_API_INPUT", ALREADY_STAGED)
        staged = StagedCredentials(id=org.ids.sf_id("0sC"), key=_new_key(org), secret=_new_secret(org),
                                   state="Active", created_by=caller.user.id, created_at=now,
                                   expires_at=now + STAGED_LIFETIME_SECONDS)
        app.staged_credentials.append(staged)
        rows = [_staged_json(request, org, app, s) for s in app.staged_credentials]
    org.log("credentials_staged", app=app.api_name, staged_id=staged.id)
    return Response.json({"stagedCredentials": rows}, 201)


def _new_key(org: SimOrg) -> str:
    # the consumer key's form: 3MVG9 then 80 characters, as the pages give new apps
    return "3MVG9" + org.ids.token(80, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")


def _new_secret(org: SimOrg) -> str:
    return org.ids.token(64, "ABCDEF0123456789")


def _one_staged(org: SimOrg, request: Request) -> tuple[ApiCaller, ExternalClientApp, StagedCredentials] | Response:
    found = _resolve(org, request, STAGED_SINCE, staged_resource=True)
    if isinstance(found, Response):
        return found
    caller, app = found
    with org.lock:
        staged = next((s for s in app.staged_credentials if _ids_match(request.params["staged_id"], s.id)), None)
    if staged is None:
        return _not_found()
    return caller, app, staged


def staged_one(org: SimOrg, request: Request) -> Response:
    found = _one_staged(org, request)
    if isinstance(found, Response):
        return found
    _, app, staged = found
    with org.lock:
        return Response.json(_staged_json(request, org, app, staged))


def rotate(org: SimOrg, request: Request) -> Response:
    """PATCH {"command": "rotate"}: the staged pair becomes the primary; the former primary stays as Rotated."""
    found = _one_staged(org, request)
    if isinstance(found, Response):
        return found
    _, app, staged = found
    body = request.json()
    command = body.get("command") if isinstance(body, dict) else None
    if command != "rotate":
        return _error(400, "INVALID_API_INPUT", BAD_COMMAND.format(command=command))
    with org.lock:
        if _state(staged) != "Active":
            return _error(400, "INVALID_API_INPUT", NOT_ACTIVE)
        app.consumer_key, staged.key = staged.key, app.consumer_key
        app.consumer_secret, staged.secret = staged.secret, app.consumer_secret
        staged.state = "Rotated"
        data = _staged_json(request, org, app, staged)
    org.log("credentials_rotated", app=app.api_name, staged_id=staged.id)
    return Response.json(data)


def delete(org: SimOrg, request: Request) -> Response:
    found = _one_staged(org, request)
    if isinstance(found, Response):
        return found
    _, app, staged = found
    with org.lock:
        app.staged_credentials = [s for s in app.staged_credentials if s is not staged]
    org.log("staged_credentials_deleted", app=app.api_name, staged_id=staged.id)
    return Response(204, b"", [])


def register(router: Router, org: SimOrg) -> None:
    def bind(fn: Callable[[SimOrg, Request], Response]) -> Callable[[Request], Response]:
        return lambda request: fn(org, request)

    base = "/services/data/v{version}/apps/oauth"
    consumer = base + r"/credentials/{app_id:\w+}/{consumer_id:\w+}"
    router.add("GET", base + "/usage/?", bind(usage))
    router.add("GET", base + r"/credentials/{app_id:\w+}/?", bind(credentials_of_app))
    router.add("GET", consumer + "/?", bind(credentials_of_consumer))
    router.add("GET", consumer + "/staged/?", bind(staged_list))
    router.add("POST", consumer + "/staged/?", bind(stage))
    router.add("GET", consumer + r"/staged/{staged_id:\w+}/?", bind(staged_one))
    router.add("PATCH", consumer + r"/staged/{staged_id:\w+}/?", bind(rotate))
    router.add("DELETE", consumer + r"/staged/{staged_id:\w+}/?", bind(delete))


__all__ = ["register", "STAGED_LIFETIME_SECONDS"]
