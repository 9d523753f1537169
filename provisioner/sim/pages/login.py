"""The login page (login.salesforce.com, test.salesforce.com, My Domain) and logout.

Element ids, names and texts follow EVIDENCE.md "Login, identity verification, mail, faults".
The My Domain two-step login (`login_style = "two_step"`) asks for the username first, then shows a password page
that reuses `#Login`; its step token ties the two posts together. What happens after a right password (a challenge
or a session) is in parts/logins.py.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from .. import messages, paths
from ..http import Request, Response, Router
from ..org import SESSION_COOKIE, SimOrg
from .parts import logins
from .parts.identity_layout import invalid_page, log_in_label, login_page, page
from .parts.text import esc


def password_page(org: SimOrg, username: str, start_url: str, step_token: str, error: str = "") -> Response:
    """The two-step login's second page: the username as an identity card, the password, the same #Login."""
    error_html = (f'<div id="error" class="loginError" aria-live="polite">{esc(error)}</div>' if error
                  else '<div id="error" class="loginError" aria-live="polite" style="display:none"></div>')
    not_you = "/?" + urlencode({"startURL": start_url}) if start_url else "/"
    body = f"""
<div id="content">
{error_html}
<div id="idcard-container" class="mb16"><div id="idcard">
  <span id="idcard-identity">{esc(username)}</span>
  <a id="clear_link" href="{esc(not_you)}">Not you?</a>
</div></div>
<form name="login" id="login_form" method="post" action="/" target="_top" autocomplete="off" novalidate>
  <input type="hidden" name="username" value="{esc(username)}">
  <input type="hidden" name="startURL" value="{esc(start_url)}">
  <input type="hidden" name="loginStep" value="{esc(step_token)}">
  <input type="hidden" name="display" value="page">
  <label for="password" class="label">Password</label>
  <input class="input r4 wide mb16 mt8 password" type="password" id="password" name="pw" aria-describedby="error"
    autocomplete="off">
  <input class="button r4 wide primary" type="submit" id="Login" name="Login" value="{log_in_label(org)}">
</form>
<div class="w0 pr mb16"><a id="forgot_password_link" class="fl small" href="/secur/forgotpassword.jsp">Forgot Your Password?</a></div>
</div>
"""
    return page("Login | Salesforce", body)


def register(router: Router, org: SimOrg) -> None:
    def login_get(request: Request) -> Response:
        start_url = request.arg("startURL", "") or ""
        if org.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return Response.redirect(paths.safe_ret_url(start_url))
        return login_page(org, start_url=start_url)

    def new_step(username: str) -> str:
        token = org.ids.token(40)
        with org.lock:
            org.login_steps[token] = (username.lower(), time.time())
        return token

    def login_post(request: Request) -> Response:
        username = request.form_value("username").strip()
        password = request.form_value("pw")
        start_url = request.form_value("startURL")
        if org.config.login_style != "two_step":
            return logins.check_password(org, request, username, password, start_url, lambda error: login_page(
                org, username=username, start_url=start_url, error=error))
        # Two-step: the first post carries only the username; the second the password and the step token that
        # ties it to the first (one use; a password post without it is refused like a forged form).
        step = request.form_value("loginStep")
        if not step:
            if not username:
                return login_page(org, start_url=start_url, error=messages.ENTER_USERNAME)
            return password_page(org, username, start_url, new_step(username))
        with org.lock:
            issued = org.login_steps.pop(step, None)
        if issued is None or issued[0] != username.lower() or time.time() - issued[1] > org.config.code_ttl_seconds:
            return invalid_page()
        return logins.check_password(org, request, username, password, start_url, lambda error: password_page(
            org, username, start_url, new_step(username), error=error))

    def logout(request: Request) -> Response:
        sid = request.cookies.get(SESSION_COOKIE)
        if sid:
            org.end_session(sid)
        return Response.redirect(paths.LOGIN).set_cookie(SESSION_COOKIE, "", max_age=0)

    router.add("GET", paths.LOGIN, login_get, latency="page")
    router.add("POST", paths.LOGIN, login_post, latency="page")
    router.add("GET", paths.LOGOUT, logout, latency="page")
