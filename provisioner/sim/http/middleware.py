"""What runs before every page's handler, in this order: faults the inspection API switched on (the maintenance
page, the internal error page), the session guard (a logged-out visitor meets the login page), then latency; last,
for an org configured with `relabel`, the relabel filter that rewrites the handler's answer (a relabelled release).

A page states what it needs when it registers (`router.add(..., session=True, latency="page")`); no handler checks
the session or sleeps on its own, except /aura, whose session check answers in its own protocol (http/aura.py).
"""

from __future__ import annotations

from typing import Callable

from .. import paths
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
            getattr(org.latency, route.latency)()
        return None

    return hook


#: answers whose text a release's wording lives in: pages, their scripts, and the /aura answers the scripts render
_RELABELLED_TYPES = ("text/html", "application/javascript", "text/javascript", "application/json")


def relabel(org: SimOrg) -> Middleware:
    """Every label in `org.config.relabel` replaced in the pages, their scripts and the /aura answers: what a release
    that renames a label does to the flows' locators. It answers in the handler's place (the router has no hook after
    the handler), so it runs last and only when a relabel is configured."""

    def hook(request: Request, route: Route | None) -> Response | None:
        renames = org.config.relabel
        if not renames or route is None:
            return None
        response = route.handler(request)
        content_type = next((v for k, v in response.headers if k.lower() == "content-type"), "")
        if not content_type.startswith(_RELABELLED_TYPES) or not response.body:
            return response
        text = response.body.decode("utf-8")
        for old, new in renames.items():
            text = text.replace(old, new)
        response.body = text.encode("utf-8")
        return response

    return hook


def install(router: Router, org: SimOrg, *, server_error_page: Callable[[SimOrg], Response]) -> None:
    """`server_error_page` comes from the pages (this module draws nothing)."""
    router.middleware += [faults(org, server_error_page=server_error_page), session_guard(org), latency(org),
                          relabel(org)]
