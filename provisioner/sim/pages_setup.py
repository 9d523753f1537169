"""Lightning Setup: the HTML shell, the /aura endpoint its JavaScript talks to, and the External Client App actions.

Every page under /lightning/setup/ is the same shell; static/lightning.js renders it client-side from JSON that it
POSTs to /aura, as Lightning Experience does (form body `message` + `aura.token`, answer `{"actions": [...]}`).
Everything a page submits is validated here again (pages_setup_validation); the browser's checks count for nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from . import pages_setup_catalog as catalog
from .http import Request, Response, Router
from .model import ExternalClientApp
from .pages_classic import app_manager_links as classic_links
from .pages_setup_validation import Problems, validate_policies, validate_settings

STATIC_DIR = Path(__file__).parent / "static"
STATIC_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
#: how long a verified session may see an app's consumer secret ([none]: modelled)
CONSUMER_GRANT_SECONDS = 5 * 60
ECA_BASE = "/lightning/setup/ManageExternalClientApplication"
WRONG_CODE = "The verification code you entered isn't valid. Check the code and try again."  # as pages_login [none]
TIMED_OUT = "Your verification attempt has timed out. Try again."  # FIDELITY [doc, unconfirmed]

SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Setup | Salesforce</title>
<link rel="stylesheet" href="/static/lightning.css">
</head>
<body class="desktop">
<div class="viewport" id="oneApp" aria-busy="true"><lightning-spinner alternative-text="Loading"></lightning-spinner></div>
<script>window.$SIM = {config};</script>
<script src="/static/lightning.js" defer></script>
<script src="/static/setup-eca.js" defer></script>
</body></html>
"""


class ActionError(Exception):
    """An action's ERROR state: a message, plus field errors for forms."""

    def __init__(self, message: str, problems: Problems | None = None):
        super().__init__(message)
        self.problems = problems


def register(router: Router, org) -> None:
    pages = SetupPages(org)
    router.add("GET", r"/static/(?P<name>lightning\.(?:js|css)|setup-eca\.js)", pages.static)
    router.add("GET", r"/lightning/setup(?:/.*)?", pages.shell)
    router.add("POST", r"/aura", pages.aura)


class SetupPages:
    def __init__(self, org):
        self.org = org
        self._token_key = secrets.token_bytes(32)
        #: (session id, app id) -> when the identity verification for the consumer details passed
        self._consumer_grants: dict[tuple[str, str], float] = {}
        self.actions: dict[str, Callable[[Any, dict], Any]] = {
            "appManager.list": self.app_manager_list,
            "eca.list": self.eca_list,
            "eca.meta": self.eca_meta,
            "eca.get": self.eca_get,
            "eca.create": self.eca_create,
            "eca.updateSettings": self.eca_update_settings,
            "eca.updatePolicies": self.eca_update_policies,
            "consumer.start": self.consumer_start,
            "consumer.resend": self.consumer_resend,
            "consumer.verify": self.consumer_verify,
        }

    # --- plumbing -------------------------------------------------------------------------------
    def _latency(self, kind: str) -> None:
        latency = getattr(self.org, "latency", None)
        if latency is not None:
            getattr(latency, kind)()

    def _token(self, sid: str) -> str:
        return hmac.new(self._token_key, sid.encode(), hashlib.sha256).hexdigest()[:40]

    def static(self, request: Request) -> Response:
        path = STATIC_DIR / request.params["name"]
        return Response(200, path.read_bytes(), [("Content-Type", STATIC_TYPES[path.suffix])])

    def shell(self, request: Request) -> Response:
        session = self.org.session(request.cookies.get("sid"))
        if session is None:
            target = request.path + ("?" + "&".join(f"{k}={quote(v[0])}" for k, v in request.query.items())
                                     if request.query else "")
            return Response.redirect("/?ec=302&startURL=" + quote(target, safe=""))
        self._latency("page")
        user = self.org.user(session.username)
        config = {
            "token": self._token(session.id),
            "userName": user.name if user else session.username,
            "orgName": self.org.config.name,
            "sandbox": self.org.config.sandbox,
            "connectedAppsAllowed": bool(getattr(self.org.config, "connected_apps_allowed", False)),
        }
        # </script> can't occur in JSON we build, but escape "<" anyway: names come from org data
        return Response.html(SHELL.replace("{config}", json.dumps(config).replace("<", "\\u003c")))

    def aura(self, request: Request) -> Response:
        form = request.form()
        session = self.org.session(request.cookies.get("sid"))
        token = (form.get("aura.token") or [""])[0]
        if session is None or not hmac.compare_digest(token, self._token(session.id)):
            return Response.json({"exceptionEvent": True, "event": {
                "descriptor": "markup://aura:invalidSession", "attributes": {"values": {"newToken": None}}},
                "message": "Your session has ended. Log in again to continue."}, 401)
        self._latency("api")
        try:
            message = json.loads((form.get("message") or ["{}"])[0])
            actions = message["actions"]
        except (ValueError, KeyError, TypeError):
            return Response.json({"message": "Bad request"}, 400)
        results = [self._run(session, action) for action in actions if isinstance(action, dict)]
        return Response.json({"actions": results, "context": {"mode": "PROD", "app": "one:one"}})

    def _run(self, session, action: dict) -> dict:
        descriptor = str(action.get("descriptor", ""))
        name = descriptor.rpartition("ACTION$")[2]
        result: dict[str, Any] = {"id": action.get("id"), "state": "ERROR", "returnValue": None, "error": []}
        handler = self.actions.get(name)
        if handler is None:
            result["error"] = [{"message": f"Unknown action: {name}"}]
            return result
        params = action.get("params") if isinstance(action.get("params"), dict) else {}
        try:
            result["returnValue"] = handler(session, params)
            result["state"] = "SUCCESS"
        except ActionError as exc:
            error: dict[str, Any] = {"message": str(exc)}
            if exc.problems is not None:
                error["fieldErrors"] = exc.problems.fields
                error["pageErrors"] = exc.problems.page
            result["error"] = [error]
        return result

    def _app(self, params: dict) -> ExternalClientApp:
        app = self.org.apps.get(str(params.get("id", "")))
        if app is None or app.kind != "external_client_app":
            raise ActionError("This External Client App doesn't exist or you don't have access to it.")
        return app

    # --- lists ----------------------------------------------------------------------------------
    def app_manager_list(self, session, params: dict) -> dict:
        rows = [{"name": n, "developerName": d, "description": desc, "appType": t, "lightning": lx,
                 "lastModified": "1/1/2024, 12:00 AM", "id": None}
                for n, d, desc, t, lx in catalog.STANDARD_APPS]
        with self.org.lock:
            apps = list(self.org.apps.values())
        rows += [{"name": a.name, "developerName": a.api_name, "description": a.description,
                  "appType": "External Client App", "lightning": False,
                  "lastModified": _format_time(a.changed_at), "id": a.id}
                 for a in apps if a.kind == "external_client_app"]
        rows += [{"name": a.name, "developerName": a.api_name, "description": a.description, "appType": "Connected",
                  "lightning": False, "lastModified": _format_time(a.changed_at), "id": None,
                  "kind": "connected_app", **classic_links(a)} for a in apps if a.kind == "connected_app"]
        rows.sort(key=lambda r: r["name"].lower())
        return {"rows": rows}

    def eca_list(self, session, params: dict) -> dict:
        with self.org.lock:
            apps = sorted((a for a in self.org.apps.values() if a.kind == "external_client_app"),
                          key=lambda a: a.name.lower())
            return {"rows": [{"id": a.id, "name": a.name, "apiName": a.api_name,
                              "distributionState": a.distribution_state, "createdDate": _format_time(a.created_at),
                              "oauth": a.oauth_enabled} for a in apps]}

    def eca_meta(self, session, params: dict) -> dict:
        with self.org.lock:
            profiles = sorted(p.name for p in self.org.profiles.values())
            permsets = sorted(((p.label, p.name) for p in self.org.permission_sets.values()), key=lambda x: x[0])
        return {
            "scopes": _options(catalog.OAUTH_SCOPES),
            "distributionStates": _options(catalog.DISTRIBUTION_STATES),
            "permittedUsers": _options(catalog.PERMITTED_USERS),
            "refreshTokenPolicies": _options(catalog.REFRESH_TOKEN_POLICIES),
            "refreshTokenUnits": _options(catalog.REFRESH_TOKEN_UNITS),
            "ipRelaxation": _options(catalog.IP_RELAXATION),
            "sessionTimeouts": _options(catalog.SESSION_TIMEOUTS),
            "profiles": [{"label": p, "value": p} for p in profiles],
            "permissionSets": [{"label": label, "value": name} for label, name in permsets],
        }

    def eca_get(self, session, params: dict) -> dict:
        with self.org.lock:
            app = self._app(params)
            return {"app": _app_view(app), "meta": self.eca_meta(session, {})}

    # --- mutations ------------------------------------------------------------------------------
    def eca_create(self, session, params: dict) -> dict:
        fields = params.get("fields") if isinstance(params.get("fields"), dict) else {}
        with self.org.lock:  # uniqueness check and insert in one step
            data, problems = validate_settings(fields, self.org)
            if data is None:
                raise ActionError("Review the errors on this page.", problems)
            app = ExternalClientApp(
                id=self.org.ids.sf_id("0xI"), name=data.name, api_name=data.api_name,
                contact_email=data.contact_email,
                consumer_key="3MVG9" + self.org.ids.token(80, string.ascii_letters + string.digits + "._"),
                consumer_secret=self.org.ids.token(64, "0123456789ABCDEF"),
            )
            _apply_settings(app, data)
            self.org.apps[app.id] = app
        self.org.log("eca_created", api_name=app.api_name, by=session.username)
        return {"id": app.id, "name": app.name}

    def eca_update_settings(self, session, params: dict) -> dict:
        fields = params.get("fields") if isinstance(params.get("fields"), dict) else {}
        with self.org.lock:
            app = self._app(params)
            data, problems = validate_settings(fields, self.org, current=app)
            if data is None:
                raise ActionError("Review the errors on this page.", problems)
            _apply_settings(app, data)
        self.org.log("eca_settings_changed", api_name=app.api_name, by=session.username)
        return {"id": app.id, "name": app.name}

    def eca_update_policies(self, session, params: dict) -> dict:
        fields = params.get("fields") if isinstance(params.get("fields"), dict) else {}
        with self.org.lock:
            app = self._app(params)
            data, problems = validate_policies(fields, self.org)
            if data is None:
                raise ActionError("Review the errors on this page.", problems)
            app.policies = data.to_policies()
            app.changed_at = time.time()
        self.org.log("eca_policies_changed", api_name=app.api_name, by=session.username)
        return {"id": app.id, "name": app.name}

    # --- consumer key and secret, behind an emailed code ------------------------------------------
    def _granted(self, session, app: ExternalClientApp) -> bool:
        with self.org.lock:
            at = self._consumer_grants.get((session.id, app.id))
            return at is not None and time.time() - at < CONSUMER_GRANT_SECONDS

    def _details(self, app: ExternalClientApp) -> dict:
        return {"verified": True, "appName": app.name, "consumerKey": app.consumer_key,
                "consumerSecret": app.consumer_secret}

    def _send_code(self, session) -> dict:
        user = self.org.user(session.username)
        try:
            self.org.issue_code(session.username, "consumer-details")
        except RuntimeError:
            raise ActionError("We can't send you a verification code right now. Try again later.") from None
        return {"verified": False, "email": _mask_email(user.email if user else "")}

    def consumer_start(self, session, params: dict) -> dict:
        app = self._app(params)
        if not app.oauth_enabled:
            raise ActionError("OAuth isn't enabled for this External Client App.")
        if self._granted(session, app):
            return self._details(app)
        return {**self._send_code(session), "appName": app.name}

    def consumer_resend(self, session, params: dict) -> dict:
        app = self._app(params)
        return {**self._send_code(session), "appName": app.name}

    def consumer_verify(self, session, params: dict) -> dict:
        app = self._app(params)
        code = str(params.get("code", "")).strip()
        problems = Problems()
        if not code:
            problems.add("code", "Complete this field.")
            raise ActionError("Complete this field.", problems)
        outcome = self.org.check_code(session.username, "consumer-details", code)
        if outcome == "expired":
            problems.add("code", TIMED_OUT)
            raise ActionError(TIMED_OUT, problems)
        if outcome != "ok":
            problems.add("code", WRONG_CODE)
            raise ActionError(WRONG_CODE, problems)
        with self.org.lock:
            self._consumer_grants[(session.id, app.id)] = time.time()
        self.org.log("consumer_details_viewed", api_name=app.api_name, by=session.username)
        return self._details(app)


def _apply_settings(app: ExternalClientApp, data) -> None:
    for name in ("name", "contact_email", "distribution_state", "info_url", "logo_url", "icon_url", "description",
                 "oauth_enabled", "callback_urls", "scopes", "client_credentials_enabled",
                 "client_credentials_user", "auth_code_credentials_enabled", "jwt_enabled",
                 "require_secret_web_server", "require_secret_refresh", "pkce_required"):
        setattr(app, name, getattr(data, name))
    if data.certificate_pem is not None:
        app.certificate_pem = data.certificate_pem
    app.changed_at = time.time()


def _app_view(app: ExternalClientApp) -> dict:
    """What the pages may show: everything but the consumer key and secret (those sit behind verification)."""
    data = app.to_json()
    data.pop("consumer_key", None)
    data.pop("consumer_secret", None)
    data.pop("certificate_pem", None)
    data["certificate"] = _certificate_summary(app.certificate_pem)
    data["scopeLabels"] = [catalog.label_of(catalog.OAUTH_SCOPES, s) for s in app.scopes]
    p = app.policies
    data["policyLabels"] = {
        "permittedUsers": catalog.label_of(catalog.PERMITTED_USERS, p.permitted_users),
        "refreshTokenPolicy": catalog.label_of(catalog.REFRESH_TOKEN_POLICIES, p.refresh_token_policy),
        "refreshTokenUnit": catalog.label_of(catalog.REFRESH_TOKEN_UNITS, p.refresh_token_unit),
        "ipRelaxation": catalog.label_of(catalog.IP_RELAXATION, p.ip_relaxation),
        "sessionTimeout": catalog.label_of(catalog.SESSION_TIMEOUTS,
                                           str(p.session_timeout_minutes) if p.session_timeout_minutes else ""),
    }
    return data


def _certificate_summary(pem: str | None) -> dict | None:
    summary = catalog.certificate_summary(pem)
    return None if summary is None else {"subject": summary[0], "expires": summary[1]}


def _options(choices: list[tuple[str, str]]) -> list[dict]:
    return [{"label": label, "value": value} for label, value in choices]


def _format_time(ts: float) -> str:
    return time.strftime("%m/%d/%Y, %I:%M %p", time.localtime(ts))


def _mask_email(email: str) -> str:
    """ja****@**na.com, as the verification pages print it."""
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:2]}****@**{host[-2:]}.{tld}" if host else email


__all__ = ["register", "SetupPages", "ECA_BASE"]
