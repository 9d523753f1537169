"""The look of the login and identity pages (classic HTML, no web components), and their error page."""

from __future__ import annotations

from ... import messages
from ...http import Response
from ...org import SimOrg
from .text import esc

_STYLE = """
body{font-family:'Salesforce Sans',Arial,sans-serif;background:#f3f2f2;margin:0;color:#16325c}
#wrap{max-width:380px;margin:60px auto;background:#fff;border:1px solid #d8dde6;border-radius:4px;padding:24px}
#logo{font-size:28px;font-weight:bold;color:#00a1e0;text-align:center;margin-bottom:20px}
label{font-size:12px;color:#54698d;display:block}
.input{width:100%;box-sizing:border-box;padding:12px;border:1px solid #d8dde6;border-radius:4px;font-size:14px}
.mb16{margin-bottom:16px}.mt8{margin-top:8px}
.button{width:100%;padding:12px;border-radius:4px;border:1px solid #0070d2;background:#0070d2;color:#fff;
font-size:14px;cursor:pointer}
.loginError{color:#c23934;font-size:14px;margin-bottom:16px}
a{color:#0070d2;font-size:13px}
"""


def page(title: str, body: str, status: int = 200) -> Response:
    return Response.html(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><div id=\"wrap\"><div id=\"logo\" aria-label=\"Salesforce\">salesforce</div>{body}</div></body></html>",
        status,
    )


def invalid_page() -> Response:
    """A form posted with tokens that do not belong to this login (forged, replayed or stale)."""
    return page("Error | Salesforce", f'<div id="errorTitle">Error</div><div id="errorDesc" class="errorMsg">'
                                      f"{esc(messages.INVALID_PAGE)}</div><p><a href=\"/\">Log In</a></p>")


def log_in_label(org: SimOrg) -> str:
    return messages.LOG_IN_TO_SANDBOX if org.config.sandbox else messages.LOG_IN


def login_page(org: SimOrg, *, username: str = "", start_url: str = "", error: str = "") -> Response:
    """The login page; with login_style "two_step" only the username (the password comes on a second page)."""
    two_step = org.config.login_style == "two_step"
    button = messages.CONTINUE if two_step else log_in_label(org)
    password_html = "" if two_step else """
  <label for="password" class="label">Password</label>
  <input class="input r4 wide mb16 mt8 password" type="password" id="password" name="pw" aria-describedby="error"
    autocomplete="off">
  <div id="pwcaps" class="mb16" style="display:none">Caps Lock is on.</div>"""
    error_html = (f'<div id="error" class="loginError" aria-live="polite">{esc(error)}</div>' if error
                  else '<div id="error" class="loginError" aria-live="polite" style="display:none"></div>')
    body = f"""
<div id="content">
{error_html}
<form name="login" id="login_form" method="post" action="/" target="_top" autocomplete="off" novalidate>
  <input type="hidden" name="un" value="">
  <input type="hidden" name="width" value="">
  <input type="hidden" name="height" value="">
  <input type="hidden" name="hasRememberUn" value="true">
  <input type="hidden" name="startURL" value="{esc(start_url)}">
  <input type="hidden" name="loginURL" value="">
  <input type="hidden" name="loginType" value="">
  <input type="hidden" name="useSecure" value="true">
  <input type="hidden" name="local" value="">
  <input type="hidden" name="lt" value="standard">
  <input type="hidden" name="qs" value="r=https%3A%2F%2Flogin.salesforce.com%2F">
  <input type="hidden" name="locale" value="">
  <input type="hidden" name="oauth_token" value="">
  <input type="hidden" name="oauth_callback" value="">
  <input type="hidden" name="login" value="">
  <input type="hidden" name="serverid" value="">
  <input type="hidden" name="display" value="page">
  <div id="usernamegroup" class="inputgroup">
    <label for="username" class="label usernamelabel">Username</label>
    <input class="input r4 wide mb16 mt8 username" type="email" value="{esc(username)}" name="username"
      id="username" aria-describedby="error" style="display: block;">
  </div>
{password_html}
  <input class="button r4 wide primary" type="submit" id="Login" name="Login" value="{button}">
  <div class="w0 mt8 mb16"><input type="checkbox" class="r4 fl mr8" id="rememberUn" name="rememberUn">
    <label for="rememberUn" class="fl pr db tn3" style="display:inline">Remember me</label></div>
</form>
<div class="w0 pr mb16"><a id="forgot_password_link" class="fl small" href="/secur/forgotpassword.jsp">Forgot Your Password?</a></div>
<div><a id="mydomainLink" class="small" href="/?mydomain=1">Use Custom Domain</a></div>
</div>
"""
    title = "Login | Salesforce"
    return page(title, body)
