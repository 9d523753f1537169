"""The inspection API: tests look into the org and change it behind the flows' back (drift, refresh, faults).

It lives on its own router and its own loopback port; the org's port never serves these routes. It answers only
requests addressed to a loopback name or address: a web page whose own name was re-pointed at 127.0.0.1 (DNS
rebinding) sends its own Host header and is refused, so it can neither read the org's secrets nor change it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import time
from urllib.parse import urlsplit

from .http import Request, Response, Router
from .http.router import Route
from .model import OAuthPolicies
from .faults import profile_of
from .org import SimOrg

_APP_FIELDS = {f.name for f in dataclasses.fields(OAuthPolicies)}
_USER_FIELDS = {"password", "locked", "unrecognised_device", "email", "active", "totp_secret"}


def _user_json(user) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "profile": user.profile,
        "permission_sets": list(user.permission_sets),
        "active": user.active,
        "locked": user.locked,
        "failed_logins": user.failed_logins,
        "has_totp": bool(user.totp_secret),
        "unrecognised_device": user.unrecognised_device,
        "password": "***",
    }


def org_state(org: SimOrg) -> dict:
    with org.lock:
        return {
            "org": {
                "id": org.org_id,
                "name": org.config.name,
                "sandbox": org.config.sandbox,
                "sandbox_name": org.config.sandbox_name,
                "base_url": org.base_url,
                "propagation_seconds": org.config.propagation_seconds,
                "faults": dict(org.faults),
                "fault_profile": profile_of(org).as_json(),
            },
            "profiles": [{"id": p.id, "name": p.name} for p in org.profiles.values()],
            "permission_sets": [{"id": p.id, "name": p.name, "label": p.label} for p in org.permission_sets.values()],
            "users": [_user_json(u) for u in org.users.values()],
            "apps": [a.to_json() for a in org.apps.values()],
            "sessions": sum(1 for s in org.sessions.values() if not s.pending_challenge),
            "codes_issued": len(org.codes),
            "events": list(org.events[-200:]),
        }


def is_loopback_host(host_header: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1, with or without a port; anything else (or nothing) is not."""
    try:
        host = urlsplit(f"//{host_header.strip()}").hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_only(request: Request, route: Route | None) -> Response | None:
    if is_loopback_host(request.headers.get("host", "")):
        return None
    return Response.json({"error": "the inspection API answers only requests addressed to a loopback host"}, 403)


def register(router: Router, org: SimOrg) -> None:
    router.middleware.append(loopback_only)

    @router.route("GET", "/state")
    def state(request: Request) -> Response:
        return Response.json(org_state(org))

    @router.route("GET", "/apps/{api_name}")
    def get_app(request: Request) -> Response:
        app = org.app_by_api_name(request.params["api_name"])
        if app is None:
            return Response.json({"error": "no such app"}, 404)
        with org.lock:
            return Response.json(app.to_json(include_secrets=request.arg("secrets") in ("1", "true")))

    @router.route("POST", "/apps/{api_name}/drift")
    def drift(request: Request) -> Response:
        changes = request.json()
        if not isinstance(changes, dict):
            return Response.json({"error": "send a JSON object of fields to overwrite"}, 400)
        app = org.app_by_api_name(request.params["api_name"])
        if app is None:
            return Response.json({"error": "no such app"}, 404)
        app_fields = {f.name for f in dataclasses.fields(app)} - {"id", "policies"}
        policies = changes.get("policies", {})
        unknown = (set(changes) - app_fields - {"policies"}) | (set(policies) - _APP_FIELDS)
        if unknown:
            return Response.json({"error": f"unknown fields: {', '.join(sorted(unknown))}"}, 400)
        with org.lock:
            for name, value in changes.items():
                if name != "policies":
                    setattr(app, name, value)
            for name, value in policies.items():
                setattr(app.policies, name, value)
        org.log("app_drifted", app=app.api_name, fields=sorted(set(changes) | {f"policies.{p}" for p in policies}))
        return Response.json(app.to_json())

    @router.route("POST", "/refresh")
    def refresh(request: Request) -> Response:
        org.refresh()
        return Response.json({"org_id": org.org_id})

    @router.route("POST", "/users/{username}")
    def update_user(request: Request) -> Response:
        changes = request.json()
        if not isinstance(changes, dict) or set(changes) - _USER_FIELDS:
            return Response.json({"error": f"send a JSON object with any of {sorted(_USER_FIELDS)}"}, 400)
        user = org.user(request.params["username"])
        if user is None:
            return Response.json({"error": "no such user"}, 404)
        with org.lock:
            for name, value in changes.items():
                setattr(user, name, value)
            if "locked" in changes:
                user.locked_at = time.time() if user.locked else None
                if not user.locked:
                    user.failed_logins = 0
        org.log("user_changed", username=user.username, fields=sorted(changes))
        return Response.json(_user_json(user))

    @router.route("GET", "/floor")
    def floor(request: Request) -> Response:
        """The waits the org imposed since the last reset (sim/latency.py Floor): what a run cannot go below."""
        if org.latency is None:
            return Response.json({"error": "this org has no latency profile"}, 404)
        return Response.json(dict(org.latency.floor.report(), profile=org.latency.profile))

    @router.route("POST", "/floor/reset")
    def floor_reset(request: Request) -> Response:
        if org.latency is None:
            return Response.json({"error": "this org has no latency profile"}, 404)
        org.latency.floor.reset()
        return Response.json(dict(org.latency.floor.report(), profile=org.latency.profile))

    @router.route("POST", "/faults")
    def faults(request: Request) -> Response:
        changes = request.json()
        if not isinstance(changes, dict) or set(changes) - set(org.faults):
            return Response.json({"error": f"send a JSON object with any of {sorted(org.faults)}"}, 400)
        # maintenance_pages counts requests; the others are switches
        changes = {k: (max(0, int(v)) if k == "maintenance_pages" else bool(v)) for k, v in changes.items()}
        with org.lock:
            org.faults.update(changes)
        org.log("faults_changed", **changes)
        return Response.json(dict(org.faults))
