"""Routes by path template, matched by specificity, never by the order they were added in.

Templates: `/exact/path`; `{name}` for one path segment or part of one (`/services/data/v{version}`), `{name:regex}`
to narrow it; a trailing `/?` for an optional slash; a trailing `/**` for the path and everything below it. An exact
path beats any template; among templates the longest literal text wins (`/lightning/setup/ConnectedApplication/home`
beats `/lightning/setup/**`). Two templates that match one path equally well are a bug, reported as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .messages import Handler, Request, Response

#: runs before the handler; returns a Response to answer instead (faults, the login redirect) or None
Middleware = Callable[[Request, "Route | None"], "Response | None"]
#: a Lightning /aura action: (session, params) -> its return value
Action = Callable[[Any, dict], Any]

_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^}]+))?\}")


class AmbiguousRoute(LookupError):
    """Two routes match one request equally well: which one answers would be an accident."""


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    #: the page needs a logged-in session; the session middleware sends anyone else to the login page
    session: bool = False
    #: "page" | "api": the latency middleware makes the org answer as slowly as a page load / an XHR
    latency: str | None = None
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)
    literal: int = field(init=False, compare=False, repr=False)  # literal characters: the more, the more specific
    exact: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        pattern, literal, exact = _compile(self.template)
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "literal", literal)
        object.__setattr__(self, "exact", exact)


def _compile(template: str) -> tuple[re.Pattern[str], int, bool]:
    body, tail = template, ""
    if body.endswith("/**"):
        body, tail = body[:-3], r"(?:/.*)?"
    elif body.endswith("/?") and len(body) > 2:
        body, tail = body[:-2], "/?"
    regex, literal, at = [], 0, 0
    for match in _PLACEHOLDER.finditer(body):
        regex.append(re.escape(body[at:match.start()]))
        literal += match.start() - at
        regex.append(f"(?P<{match[1]}>{match[2] or '[^/]+'})")
        at = match.end()
    regex.append(re.escape(body[at:]))
    literal += len(body) - at
    exact = not tail and at == 0
    return re.compile("".join(regex) + tail + r"\Z"), literal, exact


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []
        #: run in this order before every handler (see http/middleware.py)
        self.middleware: list[Middleware] = []
        #: Lightning's /aura actions by name; the /aura endpoint (http/aura.py) runs them
        self.actions: dict[str, Action] = {}

    def add(self, method: str, template: str, handler: Handler, *, session: bool = False,
            latency: str | None = None) -> Route:
        route = Route(method.upper(), template, handler, session, latency)
        if any(r.method == route.method and r.template == template for r in self._routes):
            raise ValueError(f"{method} {template} is already routed")
        self._routes.append(route)
        return route

    def route(self, method: str, template: str, **options: Any) -> Callable[[Handler], Handler]:
        """`add` as a decorator."""

        def deco(fn: Handler) -> Handler:
            self.add(method, template, fn, **options)
            return fn

        return deco

    def add_action(self, name: str, action: Action) -> None:
        if name in self.actions:
            raise ValueError(f"the /aura action {name} already exists")
        self.actions[name] = action

    def routes(self) -> list[Route]:
        return list(self._routes)

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(the route for this method and path, its path parameters, whether any method is routed there)."""
        found: list[tuple[Route, re.Match[str]]] = []
        known = False
        for route in self._routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            known = True
            if route.method == method:
                found.append((route, match))
        if not found:
            return None, {}, known
        found.sort(key=lambda rm: (rm[0].exact, rm[0].literal), reverse=True)
        if len(found) > 1 and (found[0][0].exact, found[0][0].literal) == (found[1][0].exact, found[1][0].literal):
            raise AmbiguousRoute(f"{method} {path}: {found[0][0].template} and {found[1][0].template}")
        route, match = found[0]
        return route, match.groupdict(), True

    def dispatch(self, request: Request) -> Response:
        route, request.params, known = self.resolve(request.method, request.path)
        for hook in self.middleware:
            early = hook(request, route)
            if early is not None:
                return early
        if route is None:
            if known:
                return Response.text("Method Not Allowed", 405)
            return Response.html("<h1>URL No Longer Exists</h1>", 404)
        return route.handler(request)
