"""The front door: /secur/frontdoor.jsp turns a token into a browser session (EVIDENCE.md "Session from a token").

Two kinds of token open it: `sid`, an OAuth access token with the web (or full) scope, and `otp`, the single-use
link of /services/oauth2/singleaccess (oauth.py hands those out). As strict as the login page: an expired token, one
of another org, a used or stale link, or an org that refuses token-based browser logins (phishing-resistant MFA)
lands on the login page and opens no session. GET and POST both work (Salesforce recommends a POST form).
"""

from __future__ import annotations

from .. import oauth, paths
from ..http import Request, Response, Router
from ..org import SESSION_COOKIE, SimOrg


def register(router: Router, org: SimOrg) -> None:
    def value(request: Request, name: str) -> str:
        return (request.arg(name) or (request.form_value(name) if request.method == "POST" else "") or "").strip()

    def enter(request: Request) -> Response:
        sid, code = value(request, "sid"), value(request, "otp")
        username, start_url = None, value(request, "retURL") or value(request, "startURL")
        if code:
            grant = oauth.take_frontdoor_code(org, code)
            if grant is not None:
                username, start_url = grant.username, grant.start_url or start_url
        elif sid:
            user = oauth.browser_user(org, sid)
            username = user.username if user is not None else None
        if username is None or not org.config.token_browser_login:
            reason = "refused by policy" if username else "invalid token"
            org.log("frontdoor_refused", reason=reason, token="otp" if code else "sid")
            # a real org shows its login page: whatever session the browser had is not the token's
            return Response.redirect(paths.LOGIN).set_cookie(SESSION_COOKIE, "", max_age=0)
        session = org.new_session(username, None)
        org.log("frontdoor_login", username=username, token="otp" if code else "sid")
        return Response.redirect(paths.safe_ret_url(start_url)).set_cookie(SESSION_COOKIE, session.id)

    router.add("GET", paths.FRONTDOOR, enter, latency="page")
    router.add("POST", paths.FRONTDOOR, enter, latency="page")
