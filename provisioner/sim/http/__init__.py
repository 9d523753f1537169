"""The simulated org's HTTP plumbing, kept apart from its pages: requests and responses, form parsing, the router,
the middleware every page relies on (faults, sessions, latency), Lightning's /aura protocol and the server.

Page modules only `register(router, org)` their routes; nothing here knows what a page shows.
"""

from .messages import Handler, Request, Response
from .router import Route, Router
from .server import serve

__all__ = ["Handler", "Request", "Response", "Route", "Router", "serve"]
