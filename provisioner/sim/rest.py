"""The REST API, as far as the real `sf org login jwt` / `sf org display` need it (EVIDENCE.md "OAuth and
REST"): the version list, a version's resources, a few SOQL queries, and the User sObject.

Errors use the REST shape, a JSON list of {message, errorCode}. Anything this org cannot answer gets the error
a real org gives for it (INVALID_TYPE, INVALID_FIELD, MALFORMED_QUERY, NOT_FOUND), never a friendly guess.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from . import messages, scratch
from .http import Request, Response, Router
from .model import User
from .api_auth import api_caller
from .oauth import authenticate
from .org import SimOrg

LATEST_API_VERSION = 66  # Spring '26
OLDEST_API_VERSION = 20  # Winter '11
_SEASONS = ("Spring", "Winter", "Summer")  # going back from Spring '26: Winter '26, Summer '25, Spring '25...

# Which token scopes may call the REST API (a token without them is refused like a bad session).
_API_SCOPES = {"api", "full"}


def release_label(version: int) -> str:
    back = LATEST_API_VERSION - version
    return f"{_SEASONS[back % 3]} '{26 - (back + 1) // 3:02d}"


def _rest_error(status: int, error_code: str, message: str) -> Response:
    return Response.json([{"message": message, "errorCode": error_code}], status)


def _not_found() -> Response:
    return _rest_error(404, "NOT_FOUND", messages.RESOURCE_NOT_FOUND)


def versions(org: SimOrg, request: Request) -> Response:
    # Public on a real org: no session needed.
    return Response.json([
        {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(OLDEST_API_VERSION, LATEST_API_VERSION + 1)
    ])


def _api_user(org: SimOrg, request: Request) -> User | Response:
    """The caller, or the error response: a bad session, an unknown API version, a token without API scope, or a
    user without "API Enabled". A browser login's session id is a caller too (api_auth.py)."""
    version = request.params.get("version", "")
    auth = authenticate(org, request)
    if auth is None:
        caller = api_caller(org, request)  # a UI session id, or the 401/403 a real org gives
        if isinstance(caller, Response):
            return caller
        user = caller.user
    else:
        user = auth[0]
    if not re.fullmatch(r"\d+\.0", version) or not OLDEST_API_VERSION <= int(version[:-2]) <= LATEST_API_VERSION:
        return _not_found()
    if auth is not None and not _API_SCOPES & set(auth[1].scopes):
        return _rest_error(403, "INVALID_SESSION_ID", messages.NOT_FOR_REST)
    if not user.api_enabled:
        return _rest_error(403, "API_CURRENTLY_DISABLED", messages.API_DISABLED_FOR_USER)
    return user


def resources(org: SimOrg, request: Request) -> Response:
    caller = _api_user(org, request)
    if isinstance(caller, Response):
        return caller
    prefix = f"/services/data/v{request.params['version']}"
    names = ["tooling", "metadata", "eclair", "folders", "prechatForms", "chatter", "tabs", "appMenu", "quickActions",
             "queryAll", "commerce", "wave", "iot", "analytics", "search", "identity", "composite", "parameterizedSearch",
             "theme", "nouns", "recent", "licensing", "limits", "process", "async-queries", "query", "match",
             "emailConnect", "compactLayouts", "knowledgeManagement", "sobjects", "actions", "support"]
    data = {name: f"{prefix}/{name}" for name in names}
    data["identity"] = f"{org.base_url.rstrip('/')}/id/{org.org_id}/{caller.id}"
    return Response.json(data)


# --- SOQL, the few shapes the CLI sends ---------------------------------------------------------------------
_QUERY = re.compile(
    r"\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<field>\w+)\s*=\s*'(?P<value>(?:[^'\\]|\\.)*)')?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<direction>ASC|DESC))?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*",
    re.IGNORECASE | re.DOTALL,
)


def _organization(org: SimOrg) -> dict[str, Any]:
    config = org.config
    instance = getattr(config, "instance_name", "") or ("USA794S" if config.sandbox else "USA794")
    scratch = getattr(config, "scratch", False)  # a scratch org: a trial that ends, a Developer Edition
    return {
        "Id": org.org_id,
        "Name": config.name,
        "InstanceName": instance,
        "IsSandbox": config.sandbox,
        "TrialExpirationDate": getattr(org, "trial_expiration", None) if scratch else None,
        "NamespacePrefix": None,
        "OrganizationType": "Developer Edition" if scratch else (getattr(config, "edition", "") or "Enterprise Edition"),
    }


def _user_record(org: SimOrg, user: User) -> dict[str, Any]:
    profile = next((p for p in org.profiles.values() if p.name.lower() == user.profile.lower()), None)
    return {
        "Id": user.id,
        "Username": user.username,
        "Name": user.name,
        "FirstName": user.first_name,
        "LastName": user.last_name,
        "Email": user.email,
        "IsActive": user.active,
        "ProfileId": profile.id if profile else None,
        "LanguageLocaleKey": "en_US",
        "TimeZoneSidKey": "America/Los_Angeles",
    }


_SANDBOX_PROCESS_FIELDS = ("Id", "Status", "SandboxName", "SandboxInfoId", "LicenseType", "CreatedDate",
                           "CopyProgress", "SandboxOrganization", "SourceId", "Description", "EndDate", "Features")


def _tooling_records(org: SimOrg, sobject: str) -> tuple[str, list[str], list[dict[str, Any]]] | None:
    """Tooling API objects. The CLI asks SandboxProcess whether the org it logged into is a sandbox of this one:
    a production org knows the object (no rows: it created no sandbox here); a sandbox does not."""
    if sobject.lower() == "sandboxprocess" and not org.config.sandbox:
        return "SandboxProcess", list(_SANDBOX_PROCESS_FIELDS), []
    return None


def _records(org: SimOrg, sobject: str) -> tuple[str, list[str], list[dict[str, Any]]] | None:
    """(canonical name, its fields, rows) for an sObject this org can query; None: a real org's INVALID_TYPE."""
    kind = sobject.lower()
    if kind == "organization":
        row = _organization(org)
        return "Organization", list(row), [row]
    if kind == "user":
        with org.lock:
            rows = [_user_record(org, u) for u in org.users.values()]
        return "User", list(_USER_FIELDS), rows
    if kind == "externalclientapplication":  # a standard object (API 56.0+): the apps, used yet or not
        with org.lock:
            rows = [_eca_record(app) for app in org.apps.values() if app.kind == "external_client_app"]
        return "ExternalClientApplication", list(_ECA_FIELDS), rows
    if getattr(org.config, "is_dev_hub", False):  # a Dev Hub's objects; elsewhere INVALID_TYPE, as on a real org
        if kind == "scratchorginfo":
            with org.lock:
                return "ScratchOrgInfo", list(scratch.SCRATCH_INFO_FIELDS), [dict(r) for r in org.scratch_org_infos]
        if kind == "activescratchorg":
            with org.lock:
                return "ActiveScratchOrg", list(scratch.ACTIVE_SCRATCH_FIELDS), [dict(r) for r in org.active_scratch_orgs]
    return None


_USER_FIELDS = ("Id", "Username", "Name", "FirstName", "LastName", "Email", "IsActive", "ProfileId",
                "LanguageLocaleKey", "TimeZoneSidKey")


#: the ExternalClientApplication object's fields this org serves (Object Reference: ExternalClientApplication)
_ECA_FIELDS = ("Id", "DeveloperName", "MasterLabel", "ContactEmail", "Description", "DistributionState",
               "NamespacePrefix")


def _eca_record(app) -> dict[str, Any]:  # noqa: ANN001 - model.ExternalClientApp
    return {"Id": app.id, "DeveloperName": app.api_name, "MasterLabel": app.name, "ContactEmail": app.contact_email,
            "Description": app.description or None, "DistributionState": app.distribution_state,
            "NamespacePrefix": None}


def _attributes(version: str, sobject: str, record_id: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def _invalid_type(soql: str, sobject: str) -> Response:
    column = soql.lower().find(sobject.lower()) + 1
    return _rest_error(400, "INVALID_TYPE", messages.INVALID_TYPE.format(
        soql=soql, pointer=" " * (column - 1), column=column, sobject=sobject))


def _invalid_field(soql: str, field: str) -> Response:
    column = soql.find(field) + 1
    return _rest_error(400, "INVALID_FIELD", messages.INVALID_FIELD.format(
        soql=soql, pointer=" " * (column - 1), column=column, field=field))


def query(org: SimOrg, request: Request, *, tooling: bool = False) -> Response:
    caller = _api_user(org, request)
    if isinstance(caller, Response):
        return caller
    soql = (request.arg("q") or "").strip()
    match = _QUERY.fullmatch(soql)
    if not match:
        return _rest_error(400, "MALFORMED_QUERY", messages.UNEXPECTED_TOKEN.format(text=soql[:40]) if soql
                           else messages.NO_QUERY)
    found = (_tooling_records if tooling else _records)(org, match["object"])
    if found is None:
        return _invalid_type(soql, match["object"])
    sobject, fields, rows = found
    known = {f.lower(): f for f in fields}
    wanted = [f.strip() for f in match["fields"].split(",")]
    for name in wanted + [f for f in (match["field"], match["order"]) if f]:
        if name.lower() not in known:
            return _invalid_field(soql, name)
    if match["field"]:
        key, value = known[match["field"].lower()], match["value"].replace("\\'", "'")
        # SOQL compares strings case-insensitively
        rows = [r for r in rows if str(r.get(key, "")).lower() == value.lower()]
    if match["order"]:
        key = known[match["order"].lower()]
        descending = (match["direction"] or "").upper() == "DESC"
        rows = sorted(rows, key=lambda r: (r.get(key) is None, str(r.get(key))), reverse=descending)
    if match["limit"]:
        rows = rows[: int(match["limit"])]
    version = request.params["version"]
    records = []
    for row in rows:
        record: dict[str, Any] = {"attributes": _attributes(version, sobject, row["Id"])}
        record.update({known[f.lower()]: row[known[f.lower()]] for f in wanted})
        records.append(record)
    return Response.json({"totalSize": len(records), "done": True, "records": records})


def sobject_user(org: SimOrg, request: Request) -> Response:
    caller = _api_user(org, request)
    if isinstance(caller, Response):
        return caller
    user = next((u for u in org.users.values() if u.id[:15] == request.params["record_id"][:15]), None)
    if user is None:
        return _rest_error(404, "NOT_FOUND", messages.NO_SUCH_RECORD.format(id=request.params["record_id"]))
    record = {"attributes": _attributes(request.params["version"], "User", user.id)}
    record.update(_user_record(org, user))
    return Response.json(record)


def create_scratch_org_info(org: SimOrg, request: Request) -> Response:
    """POST sobjects/ScratchOrgInfo: a Dev Hub makes a scratch org (sim/scratch.py); other orgs do not know it."""
    caller = _api_user(org, request)
    if isinstance(caller, Response):
        return caller
    if not getattr(org.config, "is_dev_hub", False):
        return _not_found()
    fields = request.json()
    if not isinstance(fields, dict):
        return _rest_error(400, "JSON_PARSER_ERROR", messages.SCRATCH_BAD_BODY)
    try:
        info = scratch.create_scratch_org(org, fields)
    except (scratch.ScratchOrgRefused, ValueError) as exc:
        return _rest_error(400, "FIELD_INTEGRITY_EXCEPTION", str(exc))
    return Response.json({"id": info["Id"], "success": True, "errors": []}, 201)


def limits(org: SimOrg, request: Request) -> Response:
    caller = _api_user(org, request)
    if isinstance(caller, Response):
        return caller
    return Response.json({
        "DailyApiRequests": {"Max": 100000, "Remaining": 99990},
        "DataStorageMB": {"Max": 1024, "Remaining": 1020},
        "FileStorageMB": {"Max": 1024, "Remaining": 1024},
    })


def register(router: Router, org: SimOrg) -> None:
    def bind(fn: Callable[[SimOrg, Request], Response]) -> Callable[[Request], Response]:
        return lambda request: fn(org, request)

    version = "/services/data/v{version}"
    router.add("GET", "/services/data/?", bind(versions))
    router.add("GET", version + "/?", bind(resources))
    router.add("GET", version + "/query/?", bind(query))
    router.add("GET", version + "/tooling/query/?", lambda request: query(org, request, tooling=True))
    router.add("GET", version + r"/sobjects/User/{record_id:\w+}", bind(sobject_user))
    router.add("GET", version + "/limits/?", bind(limits))
    router.add("POST", version + "/sobjects/ScratchOrgInfo/?", bind(create_scratch_org_info))
