"""What runs before every page's handler, in this order: faults the inspection API switched on (the maintenance
page, the internal error page), the fault profile's draws (sim/faults.py), the session guard (a logged-out visitor
meets the login page), then latency; last, the filters that rewrite the handler's answer: a success toast the fault
profile hides, and for an org configured with `relabel`, the relabelled labels (a relabelled release).

A page states what it needs when it registers (`router.add(..., session=True, latency="page")`); no handler checks
the session or sleeps on its own, except /aura, whose session check answers in its own protocol (http/aura.py).
"""

from __future__ import annotations

import json
import time
from typing import Callable

from .. import messages, paths
from ..faults import profile_of
from ..org import SESSION_COOKIE, SimOrg
from .messages import Request, Response
from .router import Middleware, Route, Router


def is_page_request(request: Request) -> bool:
    return not request.path.startswith("/services/") and not request.path.endswith(paths.ASSET_SUFFIXES)


def faults(org: SimOrg, *, server_error_page: Callable[[SimOrg], Response]) -> Middleware:
    """Page requests meet the maintenance page (while switched on, or for the next N requests) or the error page."""

    def hook(request: Request, route: Route | None) -> Response | None:
        if not is_page_request(request) or request.path == paths.MAINTENANCE:
            return None
        if org.faults.get("maintenance"):
            return Response.redirect(paths.MAINTENANCE)
        with org.lock:
            window = org.faults.get("maintenance_pages", 0)
            if window:
                org.faults["maintenance_pages"] = window - 1
        if window:
            return Response.redirect(paths.MAINTENANCE)
        if org.faults.get("server_error"):
            return server_error_page(org)
        return None

    return hook


#: Lightning actions that change something: the saves a `save_fails` fault may fail
_SAVING_ACTIONS = ("create", "update", "save", "delete")


def _aura_actions(request: Request) -> list[dict]:
    try:
        actions = json.loads((request.form().get("message") or ["{}"])[0]).get("actions", [])
    except (ValueError, AttributeError, TypeError):
        return []
    return [a for a in actions if isinstance(a, dict)]


def _aura_server_error(actions: list[dict]) -> Response:
    """What Lightning answers when the server failed an action: each action in ERROR with the server's message."""
    return Response.json({"actions": [{"id": a.get("id"), "state": "ERROR", "returnValue": None,
                                       "error": [{"message": messages.SERVER_ERROR_TITLE}]} for a in actions],
                          "context": {"mode": "PROD", "app": "one:one"}})


def fault_profile(org: SimOrg, *, server_error_page: Callable[[SimOrg], Response]) -> Middleware:
    """The fault profile's draws for this request (sim/faults.py): each a page or answer Salesforce itself gives."""

    def hook(request: Request, route: Route | None) -> Response | None:
        profile = profile_of(org)
        if not profile or request.path == paths.MAINTENANCE or not is_page_request(request):
            return None
        if request.path == paths.AURA and request.method == "POST":
            actions = _aura_actions(request)
            saving = [str(a.get("descriptor", "")).rpartition("ACTION$")[2] for a in actions]
            saving = [name for name in saving if name.rpartition(".")[2].startswith(_SAVING_ACTIONS)]
            if saving and profile.save_fails("aura:" + ",".join(saving)):
                org.log("fault", fault="save_fails", actions=saving)
                return _aura_server_error(actions)
            if profile.hit("spinner"):
                org.log("fault", fault="spinner")
                _sleep_on_floor(org, profile.draw(profile.shape.spinner_seconds))
            return None
        if request.method == "POST":
            protected = request.path.startswith(paths.PROTECTED_PREFIXES) or (route is not None and route.session)
            if protected and profile.save_fails(request.path):
                org.log("fault", fault="save_fails", path=request.path)
                return server_error_page(org)
            return None
        if profile.hit("maintenance"):
            org.log("fault", fault="maintenance", path=request.path)
            return Response.redirect(paths.MAINTENANCE)
        if profile.hit("server_error"):
            org.log("fault", fault="server_error", path=request.path)
            return server_error_page(org)
        needs_session = (route is not None and route.session) or request.path.startswith(paths.PROTECTED_PREFIXES)
        sid = request.cookies.get(SESSION_COOKIE)
        if needs_session and org.session(sid) is not None and profile.hit("session_expired"):
            org.end_session(sid)  # the session guard now sends the browser to the login page
            org.log("fault", fault="session_expired", path=request.path)
        if route is not None and route.latency == "page" and profile.hit("page_tail"):
            org.log("fault", fault="page_tail", path=request.path)
            _sleep_on_floor(org, profile.draw(profile.shape.page_tail_seconds))
        return None

    return hook


def _sleep_on_floor(org: SimOrg, seconds: float) -> None:
    """A wait the fault profile imposes: slept, and counted on the floor (sim/latency.py Floor)."""
    time.sleep(seconds)
    if org.latency is not None:
        org.latency.floor.waited("fault", seconds)


def session_guard(org: SimOrg) -> Middleware:
    """Pages that need a session, and everything under the protected prefixes, send a logged-out visitor to log in."""

    def hook(request: Request, route: Route | None) -> Response | None:
        needed = (route is not None and route.session) or request.path.startswith(paths.PROTECTED_PREFIXES)
        if not needed:
            return None
        request.session = org.session(request.cookies.get(SESSION_COOKIE))
        if request.session is not None:
            return None
        return Response.redirect(paths.login_redirect(request.path, request.query))

    return hook


def latency(org: SimOrg) -> Middleware:
    """As slow as the org's latency profile: a page load or an XHR, before the handler runs."""

    def hook(request: Request, route: Route | None) -> Response | None:
        if route is not None and route.latency and org.latency is not None:
            # a page visit is an HTML navigation; the floor counts them beside the waits (bench/)
            org.latency.floor.visit(page=route.latency == "page" and request.method == "GET")
            getattr(org.latency, route.latency)()
        return None

    return hook


#: answers whose text a release's wording lives in: pages, their scripts, and the /aura answers the scripts render
_RELABELLED_TYPES = ("text/html", "application/javascript", "text/javascript", "application/json")


def _relabelled(org: SimOrg, response: Response) -> Response:
    renames = org.config.relabel
    content_type = next((v for k, v in response.headers if k.lower() == "content-type"), "")
    if not renames or not content_type.startswith(_RELABELLED_TYPES) or not response.body:
        return response
    text = response.body.decode("utf-8")
    for old, new in renames.items():
        text = text.replace(old, new)
    response.body = text.encode("utf-8")
    return response


#: a page whose success toasts never show (the save itself still happens)
_NO_SUCCESS_TOAST = b"<style>.slds-notify_toast.slds-theme_success{display:none !important}</style>"


def hidden_toast(org: SimOrg) -> Middleware:
    """The `toast_missing` fault: the page's success toast never shows. Answers in the handler's place (relabelled
    too), so it runs just before the relabel filter."""

    def hook(request: Request, route: Route | None) -> Response | None:
        profile = profile_of(org)
        if (route is None or request.method != "GET" or not profile or not is_page_request(request)
                or not profile.hit("toast_missing")):
            return None
        response = route.handler(request)
        content_type = next((v for k, v in response.headers if k.lower() == "content-type"), "")
        if content_type.startswith("text/html") and response.body and b"</head>" in response.body:
            org.log("fault", fault="toast_missing", path=request.path)
            response.body = response.body.replace(b"</head>", _NO_SUCCESS_TOAST + b"</head>", 1)
        return _relabelled(org, response)

    return hook


def relabel(org: SimOrg) -> Middleware:
    """Every label in `org.config.relabel` replaced in the pages, their scripts and the /aura answers: what a release
    that renames a label does to the flows' locators. It answers in the handler's place (the router has no hook after
    the handler), so it runs last and only when a relabel is configured."""

    def hook(request: Request, route: Route | None) -> Response | None:
        if not org.config.relabel or route is None:
            return None
        return _relabelled(org, route.handler(request))

    return hook


def install(router: Router, org: SimOrg, *, server_error_page: Callable[[SimOrg], Response]) -> None:
    """`server_error_page` comes from the pages (this module draws nothing)."""
    router.middleware += [faults(org, server_error_page=server_error_page),
                          fault_profile(org, server_error_page=server_error_page), session_guard(org), latency(org),
                          hidden_toast(org), relabel(org)]
