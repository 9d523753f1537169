"""Who is calling an API of the simulated org: an OAuth access token, or the session a browser login made.

Salesforce accepts a UI session id (the `sid` cookie of the org's My Domain) wherever it accepts an access token,
as `Authorization: Bearer <sid>` on REST and as the SOAP `SessionHeader`, provided the user has "API Enabled"
(EVIDENCE.md "API session from a browser login"). The metadata and credentials resources (sim/metadata/,
sim/app_credentials.py) and REST (sim/rest.py) ask here, so all three refuse the same callers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import messages
from .http import Request, Response
from .model import User
from .oauth import invalid_session, token_grant
from .org import SimOrg

#: the OAuth scopes that reach the APIs
API_SCOPES = frozenset({"api", "full"})


@dataclass(frozen=True)
class ApiCaller:
    user: User
    #: "token": an OAuth access token; "session": a browser login's session id
    via: str


def caller_from_token(org: SimOrg, token: str) -> ApiCaller | None:
    """The caller behind a bearer token or SOAP session id; None when it is no live token or session."""
    token = token.strip()
    if not token:
        return None
    session = org.session(token)
    if session is not None:
        user = org.user(session.username)
        return ApiCaller(user, "session") if user is not None and user.active else None
    grant = token_grant(org, token)
    if grant is None:
        return None
    user, access = grant
    if not API_SCOPES & set(access.scopes):
        return None
    return ApiCaller(user, "token")


def api_caller(org: SimOrg, request: Request) -> ApiCaller | Response:
    """The caller of a REST request, or the error response Salesforce gives: an unknown or expired session (401
    INVALID_SESSION_ID), a user without "API Enabled" (403 API_CURRENTLY_DISABLED)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in ("bearer", "oauth"):
        return invalid_session()
    caller = caller_from_token(org, token)
    if caller is None:
        return invalid_session()
    if not caller.user.api_enabled:
        return Response.json([{"message": messages.API_DISABLED_FOR_USER, "errorCode": "API_CURRENTLY_DISABLED"}],
                             403)
    return caller


__all__ = ["API_SCOPES", "ApiCaller", "api_caller", "caller_from_token"]
