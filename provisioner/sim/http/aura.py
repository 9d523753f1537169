"""Lightning's /aura protocol: the Setup pages' JavaScript POSTs `message` (a JSON list of actions) and
`aura.token`; the answer is `{"actions": [...]}` with each action's state, return value or errors.

Actions are registered by name (`router.add_action("eca.create", fn)`) by the page module of their Setup area.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .. import messages
from ..org import SESSION_COOKIE, SimOrg
from .messages import Request, Response
from .router import Router


class ActionError(Exception):
    """An action's ERROR state: a message, plus field errors for forms (a `Problems` of sim/validation.py)."""

    def __init__(self, message: str, problems: Any = None):
        super().__init__(message)
        self.problems = problems


def token(org: SimOrg, session_id: str) -> str:
    """The `aura.token` the shell hands its scripts: bound to the session, unguessable without the org's key."""
    return hmac.new(org.secret_key, b"aura:" + session_id.encode(), hashlib.sha256).hexdigest()[:40]


def endpoint(router: Router, org: SimOrg):  # noqa: ANN201
    """The /aura handler. Its own session check answers in Aura's shape (an invalidSession event), not a redirect."""

    def aura(request: Request) -> Response:
        form = request.form()
        session = org.session(request.cookies.get(SESSION_COOKIE))
        sent = (form.get("aura.token") or [""])[0]
        if session is None or not hmac.compare_digest(sent, token(org, session.id)):
            return Response.json({"exceptionEvent": True, "event": {
                "descriptor": "markup://aura:invalidSession", "attributes": {"values": {"newToken": None}}},
                "message": messages.SESSION_ENDED}, 401)
        if org.latency is not None:
            org.latency.api()  # after the check: a refused call answers at once, as before
        try:
            actions = json.loads((form.get("message") or ["{}"])[0])["actions"]
        except (ValueError, KeyError, TypeError):
            return Response.json({"message": "Bad request"}, 400)
        results = [_run(router, session, action) for action in actions if isinstance(action, dict)]
        return Response.json({"actions": results, "context": {"mode": "PROD", "app": "one:one"}})

    return aura


def _run(router: Router, session, action: dict) -> dict:  # noqa: ANN001
    name = str(action.get("descriptor", "")).rpartition("ACTION$")[2]
    result: dict[str, Any] = {"id": action.get("id"), "state": "ERROR", "returnValue": None, "error": []}
    handler = router.actions.get(name)
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
