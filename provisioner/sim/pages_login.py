"""Login, the identity verification challenges (TOTP, emailed code, SMS), logout, and the session guard.

Classic HTML like the real login pages (no web components there). Element ids, names, paths and texts follow
FIDELITY.md "Login" and "Identity verification during login"; texts not found in public sources are marked
[none] in EVIDENCE.md. The hidden tokens of the challenge forms are checked server-side.

Variants an org's data can switch on: the My Domain two-step login (`login_style = "two_step"`: a username page,
then a password page reusing `#Login`), an SMS code challenge (`mfa = "sms"`), and the "Register Your Mobile
Phone" interstitial after login (`phone_registration_prompt = true`).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pyotp

from .http import Request, Response, Router
from .org import SESSION_COOKIE, Session, SimOrg

HOME_PATH = "/lightning/setup/SetupOneHome/home"
TOTP_PATH = "/_ui/identity/verification/method/TotpVerificationUi/e"
EMAIL_FINISH_PATH = "/_ui/identity/verification/method/EmailVerificationFinishUi/e"
EMAIL_START_PATH = "/_ui/identity/verification/method/EmailVerificationStartUi/e"
SMS_PATH = "/_ui/identity/verification/method/SmsVerificationFinishUi/e"  # [none]: named after the email page
PHONE_PATH = "/_ui/identity/phone/AddPhoneNumber"  # [code]: outside /_ui/identity/verification/
LOGOUT_PATH = "/secur/logout.jsp"
MAINTENANCE_PATH = "/msg/maintenanceandavailable.jsp"
DEVICE_COOKIE = "sfdc_lv2"  # [none] which cookie marks an activated browser; the name is a guess

# Paths that need a logged-in session; anything else (login, challenges, OAuth, static files) does not.
PROTECTED_PREFIXES = ("/lightning/", "/setup/", "/app/mgmt/", "/one/", "/home/", "/_ui/common/", "/_ui/setup/")
_ASSET_SUFFIXES = (".js", ".css", ".png", ".svg", ".ico", ".gif", ".jpg", ".woff", ".woff2", ".map")

WRONG_CREDENTIALS = ("Error: Please check your username and password. If you still can't log in, "
                     "contact your Salesforce administrator.")
LOCKED_OUT = "Your account is locked. Contact your Salesforce administrator or try again later."  # [none]
WRONG_CODE = "The verification code you entered isn't valid. Check the code and try again."  # [none]
EXPIRED_CODE = "Your verification code has expired. Click Resend Code to get a new one."  # [none]
TOO_MANY_ATTEMPTS = "You've exceeded the maximum number of verification attempts. Log in again."  # [none]
INVALID_PAGE = ("The page you submitted was invalid for your session. Please refresh your page and try again.")
ENTER_USERNAME = "Enter your username."  # [none]: the two-step login's first page submitted empty
INVALID_PHONE = "Enter a valid mobile phone number."  # [none]
PHONE_SKIP_TEXT = "I Don't Want to Register My Phone"  # [code]


@dataclass
class _Challenge:
    """One pending identity verification, keyed by the pending session id."""

    kind: str  # "totp" | "email" | "sms" | "phone" (the registration interstitial)
    ret_url: str
    vcsrf: str
    vpol: str
    vflid: str
    confirm_token: str = ""
    purpose: str = "login"  # of the code: "login", or for SMS "sms-login" | "phone-registration"
    phone: str = ""  # the number being registered (phone-registration)
    attempts: int = 0
    started_at: float = field(default_factory=time.time)


def safe_ret_url(value: str | None) -> str:
    """Only same-site relative URLs; anything else lands on Setup home (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return HOME_PATH


def mask_email(address: str) -> str:
    """jane@acme-na.com -> ja****@**na.com, as the emailed-code page shows it."""
    local, _, domain = address.partition("@")
    label, dot, rest = domain.partition(".")
    return f"{local[:2]}****@**{label[-2:]}{dot}{rest}"


def mask_phone(number: str) -> str:
    """+1 415 555 0142 -> (***) ***-**42: only the last two digits show."""
    digits = "".join(c for c in number if c.isdigit())
    return f"(***) ***-**{digits[-2:]}"


def is_page_request(request: Request) -> bool:
    return not request.path.startswith("/services/") and not request.path.endswith(_ASSET_SUFFIXES)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


# --- HTML ---------------------------------------------------------------------------------------------

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


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response.html(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><div id=\"wrap\"><div id=\"logo\" aria-label=\"Salesforce\">salesforce</div>{body}</div></body></html>",
        status,
    )


def _log_in_label(org: SimOrg) -> str:
    return "Log In to Sandbox" if org.config.sandbox else "Log In"


def login_page(org: SimOrg, *, username: str = "", start_url: str = "", error: str = "") -> Response:
    """The login page; with login_style "two_step" only the username (the password comes on a second page)."""
    two_step = org.config.login_style == "two_step"
    button = "Continue" if two_step else _log_in_label(org)  # [none] the first step's label; the id is #Login
    password_html = "" if two_step else """
  <label for="password" class="label">Password</label>
  <input class="input r4 wide mb16 mt8 password" type="password" id="password" name="pw" aria-describedby="error"
    autocomplete="off">
  <div id="pwcaps" class="mb16" style="display:none">Caps Lock is on.</div>"""
    error_html = (f'<div id="error" class="loginError" aria-live="polite">{_esc(error)}</div>' if error
                  else '<div id="error" class="loginError" aria-live="polite" style="display:none"></div>')
    body = f"""
<div id="content">
{error_html}
<form name="login" id="login_form" method="post" action="/" target="_top" autocomplete="off" novalidate>
  <input type="hidden" name="un" value="">
  <input type="hidden" name="width" value="">
  <input type="hidden" name="height" value="">
  <input type="hidden" name="hasRememberUn" value="true">
  <input type="hidden" name="startURL" value="{_esc(start_url)}">
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
    <input class="input r4 wide mb16 mt8 username" type="email" value="{_esc(username)}" name="username"
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
    return _page(title, body)


def password_page(org: SimOrg, username: str, start_url: str, step_token: str, error: str = "") -> Response:
    """The two-step login's second page: the username as an identity card, the password, the same #Login."""
    error_html = (f'<div id="error" class="loginError" aria-live="polite">{_esc(error)}</div>' if error
                  else '<div id="error" class="loginError" aria-live="polite" style="display:none"></div>')
    not_you = "/?" + urlencode({"startURL": start_url}) if start_url else "/"
    body = f"""
<div id="content">
{error_html}
<div id="idcard-container" class="mb16"><div id="idcard">
  <span id="idcard-identity">{_esc(username)}</span>
  <a id="clear_link" href="{_esc(not_you)}">Not you?</a>
</div></div>
<form name="login" id="login_form" method="post" action="/" target="_top" autocomplete="off" novalidate>
  <input type="hidden" name="username" value="{_esc(username)}">
  <input type="hidden" name="startURL" value="{_esc(start_url)}">
  <input type="hidden" name="loginStep" value="{_esc(step_token)}">
  <input type="hidden" name="display" value="page">
  <label for="password" class="label">Password</label>
  <input class="input r4 wide mb16 mt8 password" type="password" id="password" name="pw" aria-describedby="error"
    autocomplete="off">
  <input class="button r4 wide primary" type="submit" id="Login" name="Login" value="{_log_in_label(org)}">
</form>
<div class="w0 pr mb16"><a id="forgot_password_link" class="fl small" href="/secur/forgotpassword.jsp">Forgot Your Password?</a></div>
</div>
"""
    return _page("Login | Salesforce", body)


def _hidden_fields(chal: _Challenge) -> str:
    return (
        f'<input type="hidden" name="_CONFIRMATIONTOKEN" id="_CONFIRMATIONTOKEN" value="{_esc(chal.confirm_token)}">'
        f'<input type="hidden" name="vcsrf" id="vcsrf" value="{_esc(chal.vcsrf)}">'
        f'<input type="hidden" name="vpol" id="vpol" value="{_esc(chal.vpol)}">'
        f'<input type="hidden" name="vflid" id="vflid" value="{_esc(chal.vflid)}">'
        f'<input type="hidden" name="retURL" id="retURL" value="{_esc(chal.ret_url)}">'
    )


def _error_div(error: str) -> str:
    return f'<div id="error" class="loginError" role="alert">{_esc(error)}</div>' if error else ""


def totp_page(chal: _Challenge, error: str = "") -> Response:
    body = f"""
<h2 id="header" class="mb12">Verify Your Identity</h2>
{_error_div(error)}
<form id="editPage" name="editPage" method="POST" action="{TOTP_PATH}" autocomplete="off">
  {_hidden_fields(chal)}
  <p>Enter the verification code from your authenticator app.</p>
  <label for="tc">Verification Code</label>
  <input id="tc" name="tc" type="text" maxlength="6" inputmode="numeric" autocomplete="off"
    class="input wide mb16 mt8">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Verify">
</form>
"""
    return _page("Verify Your Identity | Salesforce", body)


def email_page(chal: _Challenge, masked: str, error: str = "") -> Response:
    resend = f"{EMAIL_START_PATH}?{urlencode({'vflid': chal.vflid, 'retURL': chal.ret_url})}"
    body = f"""
<h2 id="header" class="mb12">Verify Your Identity</h2>
{_error_div(error)}
<form id="editPage" name="editPage" method="POST" action="{EMAIL_FINISH_PATH}" autocomplete="off">
  {_hidden_fields(chal)}
  <p>You're trying to <b>Log In to Salesforce</b>. To make sure your Salesforce account is secure, we have to
  verify your identity.</p>
  <p>Enter the verification code we emailed to {_esc(masked)}.</p>
  <label for="emc">Verification Code</label>
  <input id="emc" name="emc" type="text" maxlength="6" inputmode="numeric" autocomplete="off"
    class="input wide mb16 mt8">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Verify">
  <a id="resend" href="{_esc(resend)}">Resend Code</a>
</form>
"""
    return _page("Verify Your Identity | Salesforce", body)


def sms_page(chal: _Challenge, masked: str, error: str = "") -> Response:
    lead = ("To finish registering your mobile phone, enter the verification code we sent to"
            if chal.purpose == "phone-registration" else "Enter the verification code we sent to")
    body = f"""
<h2 id="header" class="mb12">Verify Your Identity</h2>
{_error_div(error)}
<form id="editPage" name="editPage" method="POST" action="{SMS_PATH}" autocomplete="off">
  {_hidden_fields(chal)}
  <p>{lead} {_esc(masked)}.</p>
  <label for="smc">Verification Code</label>
  <input id="smc" name="smc" type="text" maxlength="6" inputmode="numeric" autocomplete="one-time-code"
    class="input wide mb16 mt8">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Verify">
</form>
"""
    return _page("Verify Your Identity | Salesforce", body)


def phone_page(chal: _Challenge, error: str = "") -> Response:
    """The "Register Your Mobile Phone" interstitial; the skip link continues to retURL. [code; form fields none]"""
    action = f"{PHONE_PATH}?{urlencode({'d': 'm', 'retURL': chal.ret_url})}"
    skip = f"{PHONE_PATH}?{urlencode({'retURL': chal.ret_url, 'skip': '1', 'vflid': chal.vflid})}"
    body = f"""
<div id="header" class="mb24">Register Your Mobile Phone</div>
{_error_div(error)}
<div id="content">
<form id="editPage" name="editPage" method="POST" action="{_esc(action)}" autocomplete="off">
  <input type="hidden" name="_CONFIRMATIONTOKEN" id="_CONFIRMATIONTOKEN" value="{_esc(chal.confirm_token)}">
  <input type="hidden" name="cancelURL" id="cancelURL" value="{_esc(chal.ret_url)}">
  <input type="hidden" name="retURL" id="retURL" value="{_esc(chal.ret_url)}">
  <p>Register your mobile phone so you can verify your identity with a text message if you need to.</p>
  <label for="countryCode">Country</label>
  <select id="countryCode" name="countryCode" class="input mb16 mt8">
    <option value="US" selected>United States (+1)</option><option value="CA">Canada (+1)</option>
    <option value="GB">United Kingdom (+44)</option><option value="DE">Germany (+49)</option>
    <option value="FR">France (+33)</option>
  </select>
  <label for="phoneNumber">Mobile Phone</label>
  <input id="phoneNumber" name="phoneNumber" type="tel" class="input wide mb16 mt8" autocomplete="tel">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Register">
</form>
<p><a id="skipPhoneRegistration" href="{_esc(skip)}">{_esc(PHONE_SKIP_TEXT)}</a></p>
</div>
"""
    return _page("Register Your Mobile Phone | Salesforce", body)


def invalid_page() -> Response:
    return _page("Error | Salesforce", f'<div id="errorTitle">Error</div><div id="errorDesc" class="errorMsg">'
                                       f"{_esc(INVALID_PAGE)}</div><p><a href=\"/\">Log In</a></p>")


def maintenance_page() -> Response:
    # [none] beyond the URL: wording modelled on Salesforce's planned-maintenance notices.
    return _page("Salesforce - Maintenance", '<h2 id="header">Salesforce is down for maintenance</h2>'
                 "<p>This Salesforce org is temporarily unavailable while we perform scheduled maintenance. "
                 "Please try again later.</p>", 503)


def server_error_page(org: SimOrg) -> Response:
    error_id = f"{org.ids.digits(10)}-{org.ids.digits(5)} ({org.ids.digits(10)})"
    return _page("Error | Salesforce", '<div id="errorTitle">An internal server error has occurred</div>'
                 '<div id="errorDesc">An error has occurred while processing your request. The salesforce.com '
                 "support team has been notified of the problem. If you believe you have additional information "
                 "that may be of help in reproducing or correcting the error, please contact Salesforce Support."
                 f"</div><p>Error ID: {error_id}</p>", 500)


# --- routes -------------------------------------------------------------------------------------------

def register(router: Router, org: SimOrg) -> None:
    challenges: dict[str, _Challenge] = {}  # pending session id -> challenge
    #: two-step login: the password page's token -> (username lower-case, issued at); one use each
    steps: dict[str, tuple[str, float]] = {}

    def delay() -> None:
        if org.latency is not None:
            org.latency.page()

    def clear_challenges() -> None:
        challenges.clear()
        steps.clear()

    org.on_refresh.append(clear_challenges)

    # Faults first (maintenance / error page), then the session guard.
    def faults(request: Request) -> Response | None:
        if not is_page_request(request):
            return None
        if request.path == MAINTENANCE_PATH:
            return None
        if org.faults.get("maintenance"):
            return Response.redirect(MAINTENANCE_PATH)
        with org.lock:
            window = org.faults.get("maintenance_pages", 0)
            if window:
                org.faults["maintenance_pages"] = window - 1
        if window:
            return Response.redirect(MAINTENANCE_PATH)
        if org.faults.get("server_error"):
            return server_error_page(org)
        return None

    def guard(request: Request) -> Response | None:
        if not request.path.startswith(PROTECTED_PREFIXES):
            return None
        if org.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return None
        target = request.path + (f"?{urlencode(request.query, doseq=True)}" if request.query else "")
        return Response.redirect(f"/?ec=302&startURL={quote(target, safe='')}")

    router.before.append(faults)
    router.before.append(guard)

    def complete_login(pending_session: Session | None, username: str, ret_url: str, *,
                       device: str | None = None, prompt: bool = True) -> Response:
        """End a login: the phone registration interstitial if the user gets one, else a full session.

        Either way under a new session id (no session fixation); the interstitial's session is still pending, so
        Setup stays closed until the user registers a phone or declines.
        """
        if pending_session is not None:
            with org.lock:
                org.sessions.pop(pending_session.id, None)
                challenges.pop(pending_session.id, None)
        user = org.user(username)
        if prompt and user is not None and user.phone_registration_prompt:
            session = org.new_session(username, "phone")
            chal = new_challenge(session, "phone", ret_url)
            org.log("phone_registration_prompted", username=username)
            target = f"{PHONE_PATH}?{urlencode({'d': 'm', 'retURL': chal.ret_url})}"
            response = Response.redirect(target).set_cookie(SESSION_COOKIE, session.id)
        else:
            fresh = org.new_session(username, None)
            org.log("login_succeeded", username=username)
            response = Response.redirect(safe_ret_url(ret_url)).set_cookie(SESSION_COOKIE, fresh.id)
        if device:
            response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 24 * 3600)
        return response

    def new_challenge(session: Session, kind: str, ret_url: str) -> _Challenge:
        chal = _Challenge(kind, safe_ret_url(ret_url), vcsrf=org.ids.token(40), vpol=org.ids.token(8),
                          vflid=org.ids.token(24))
        with org.lock:
            challenges[session.id] = chal
        return chal

    def pending(request: Request, kind: str) -> tuple[Session, _Challenge] | None:
        session = org.session(request.cookies.get(SESSION_COOKIE), allow_pending=True)
        if session is None or session.pending_challenge != kind:
            return None
        chal = challenges.get(session.id)
        if chal is None or time.time() - chal.started_at > org.config.code_ttl_seconds:
            return None
        return session, chal

    def tokens_match(request: Request, chal: _Challenge) -> bool:
        form = request.form()

        def value(name: str) -> str:
            return (form.get(name) or [""])[0]

        return (bool(chal.confirm_token) and value("_CONFIRMATIONTOKEN") == chal.confirm_token
                and value("vcsrf") == chal.vcsrf and value("vpol") == chal.vpol
                and value("vflid") == chal.vflid and value("retURL") == chal.ret_url)

    def end_challenge(session: Session) -> Response:
        with org.lock:
            org.sessions.pop(session.id, None)
            challenges.pop(session.id, None)
        org.log("verification_attempts_exceeded", username=session.username)
        return login_page(org, username=session.username, error=TOO_MANY_ATTEMPTS)

    def challenge_page(method: str, path: str, kind: str, *, form: bool = False):
        """Route a page of one challenge: latency, then the session's pending challenge of that `kind` (else back
        to the login page), and for a submitted verification form its hidden tokens; the handler gets
        (request, session, challenge)."""

        def wrap(handler):
            def route(request: Request) -> Response:
                delay()
                found = pending(request, kind)
                if found is None:
                    return Response.redirect("/")
                if form and not tokens_match(request, found[1]):
                    return invalid_page()
                return handler(request, *found)

            router.add(method, path, route)
            return handler

        return wrap

    def refused(session: Session, chal: _Challenge, event: str, **details: object) -> Response | None:
        """A wrong code: count it, and end the challenge after too many (None: show the form again)."""
        chal.attempts += 1
        org.log(event, username=session.username, **details)
        if chal.attempts >= org.config.verification_attempts:
            return end_challenge(session)
        return None

    def render(chal: _Challenge, page, *args, error: str = "") -> Response:
        chal.confirm_token = org.ids.token(48)  # a new one per rendered form
        return page(chal, *args, error=error)

    # -- login ---------------------------------------------------------------------------------------
    @router.route("GET", "/")
    def login_get(request: Request) -> Response:
        delay()
        start_url = request.arg("startURL", "") or ""
        if org.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return Response.redirect(safe_ret_url(start_url))
        return login_page(org, start_url=start_url)

    def new_step(username: str) -> str:
        token = org.ids.token(40)
        with org.lock:
            steps[token] = (username.lower(), time.time())
        return token

    @router.route("POST", "/")
    def login_post(request: Request) -> Response:
        delay()
        form = request.form()
        username = (form.get("username") or [""])[0].strip()
        password = (form.get("pw") or [""])[0]
        start_url = (form.get("startURL") or [""])[0]
        if org.config.login_style != "two_step":
            return check_password(request, username, password, start_url, lambda error: login_page(
                org, username=username, start_url=start_url, error=error))
        # Two-step: the first post carries only the username; the second the password and the step token that
        # ties it to the first (one use; a password post without it is refused like a forged form).
        step = (form.get("loginStep") or [""])[0]
        if not step:
            if not username:
                return login_page(org, start_url=start_url, error=ENTER_USERNAME)
            return password_page(org, username, start_url, new_step(username))
        with org.lock:
            issued = steps.pop(step, None)
        if issued is None or issued[0] != username.lower() or time.time() - issued[1] > org.config.code_ttl_seconds:
            return invalid_page()
        return check_password(request, username, password, start_url, lambda error: password_page(
            org, username, start_url, new_step(username), error=error))

    def check_password(request: Request, username: str, password: str, start_url: str,
                       again) -> Response:  # noqa: ANN001
        """Check the credentials (lockout included); `again(error)` renders the page that shows an error."""
        user = org.user(username) if username else None
        now = time.time()
        with org.lock:
            if user is not None and user.locked and user.locked_at is not None \
                    and now - user.locked_at > org.config.lockout_minutes * 60:
                user.locked, user.locked_at, user.failed_logins = False, None, 0
            if user is not None and user.locked:
                org.log("login_refused_locked", username=user.username)
                return again(LOCKED_OUT)
            if user is None or not user.active or password != user.password:
                if user is not None:
                    user.failed_logins += 1
                    if user.failed_logins >= org.config.lockout_attempts:
                        user.locked, user.locked_at = True, now
                        org.log("user_locked_out", username=user.username)
                        return again(LOCKED_OUT)
                org.log("login_failed", username=username)
                return again(WRONG_CREDENTIALS)
            user.failed_logins = 0

        ret_url = safe_ret_url(start_url)
        if user.totp_secret:
            session = org.new_session(user.username, "totp")
            new_challenge(session, "totp", ret_url)
            return Response.redirect(f"{TOTP_PATH}?{urlencode({'retURL': ret_url})}").set_cookie(
                SESSION_COOKIE, session.id)
        if user.sms_mfa:
            session = org.new_session(user.username, "sms")
            chal = new_challenge(session, "sms", ret_url)
            chal.purpose = "sms-login"
            org.issue_code(user.username, chal.purpose, mail=False)  # "sent by SMS": nothing leaves the sim
            return Response.redirect(f"{SMS_PATH}?{urlencode({'retURL': ret_url})}").set_cookie(
                SESSION_COOKIE, session.id)
        device = request.cookies.get(DEVICE_COOKIE, "")
        if user.unrecognised_device and device not in org.recognised_devices.get(user.username.lower(), set()):
            session = org.new_session(user.username, "email")
            new_challenge(session, "email", ret_url)
            org.issue_code(user.username, "login")
            return Response.redirect(f"{EMAIL_FINISH_PATH}?{urlencode({'retURL': ret_url})}").set_cookie(
                SESSION_COOKIE, session.id)
        return complete_login(None, user.username, ret_url)

    # -- authenticator app (TOTP) ------------------------------------------------------------------------
    @challenge_page("GET", TOTP_PATH, "totp")
    def totp_get(request: Request, session: Session, chal: _Challenge) -> Response:
        return render(chal, totp_page)

    @challenge_page("POST", TOTP_PATH, "totp", form=True)
    def totp_post(request: Request, session: Session, chal: _Challenge) -> Response:
        entered = request.form_value("tc").strip()
        user = org.user(session.username)
        ok = (user is not None and user.totp_secret and len(entered) == 6 and entered.isdigit()
              and pyotp.TOTP(user.totp_secret).verify(entered, valid_window=1))
        if ok:
            return complete_login(session, session.username, chal.ret_url)
        return refused(session, chal, "totp_rejected") or render(chal, totp_page, error=WRONG_CODE)

    # -- emailed code -----------------------------------------------------------------------------------
    def masked_for(session: Session) -> str:
        user = org.user(session.username)
        return mask_email(user.email if user else "")

    @challenge_page("GET", EMAIL_FINISH_PATH, "email")
    def email_get(request: Request, session: Session, chal: _Challenge) -> Response:
        return render(chal, email_page, masked_for(session))

    @challenge_page("GET", EMAIL_START_PATH, "email")
    def email_resend(request: Request, session: Session, chal: _Challenge) -> Response:
        if request.arg("vflid") != chal.vflid:
            return invalid_page()
        org.issue_code(session.username, "login")  # the older code stops working
        return Response.redirect(f"{EMAIL_FINISH_PATH}?{urlencode({'retURL': chal.ret_url})}")

    @challenge_page("POST", EMAIL_FINISH_PATH, "email", form=True)
    def email_post(request: Request, session: Session, chal: _Challenge) -> Response:
        entered = request.form_value("emc").strip()
        result = org.check_code(session.username, "login", entered) if len(entered) == 6 else "invalid"
        if result == "ok":
            device = org.ids.token(32)
            with org.lock:
                org.recognised_devices.setdefault(session.username.lower(), set()).add(device)
            return complete_login(session, session.username, chal.ret_url, device=device)
        error = EXPIRED_CODE if result == "expired" else WRONG_CODE
        return (refused(session, chal, "email_code_rejected", reason=result)
                or render(chal, email_page, masked_for(session), error=error))

    # -- code sent by SMS (the sim sends none: tests read it from org.codes) ---------------------------------
    def masked_phone_for(session: Session, chal: _Challenge) -> str:
        user = org.user(session.username)
        return mask_phone(chal.phone or (user.mobile_phone if user else ""))

    @challenge_page("GET", SMS_PATH, "sms")
    def sms_get(request: Request, session: Session, chal: _Challenge) -> Response:
        return render(chal, sms_page, masked_phone_for(session, chal))

    @challenge_page("POST", SMS_PATH, "sms", form=True)
    def sms_post(request: Request, session: Session, chal: _Challenge) -> Response:
        entered = request.form_value("smc").strip()
        result = org.check_code(session.username, chal.purpose, entered) if len(entered) == 6 else "invalid"
        if result == "ok":
            user = org.user(session.username)
            if chal.purpose == "phone-registration" and user is not None:
                with org.lock:
                    user.mobile_phone, user.phone_registration_prompt = chal.phone, False
                org.log("phone_registered", username=session.username)
            return complete_login(session, session.username, chal.ret_url)
        error = EXPIRED_CODE if result == "expired" else WRONG_CODE
        return (refused(session, chal, "sms_code_rejected", reason=result)
                or render(chal, sms_page, masked_phone_for(session, chal), error=error))

    # -- "Register Your Mobile Phone" ------------------------------------------------------------------
    @challenge_page("GET", PHONE_PATH, "phone")
    def phone_get(request: Request, session: Session, chal: _Challenge) -> Response:
        if request.arg("skip") is not None:
            if request.arg("vflid") != chal.vflid:
                return invalid_page()
            # [none] declining does not stop the prompt: it comes back on the next login
            org.log("phone_registration_declined", username=session.username)
            return complete_login(session, session.username, chal.ret_url, prompt=False)
        return render(chal, phone_page)

    @challenge_page("POST", PHONE_PATH, "phone")  # its form has its own token set, checked here
    def phone_post(request: Request, session: Session, chal: _Challenge) -> Response:
        if not chal.confirm_token or request.form_value("_CONFIRMATIONTOKEN") != chal.confirm_token \
                or request.form_value("retURL") != chal.ret_url:
            return invalid_page()
        number = request.form_value("phoneNumber").strip()
        digits = "".join(c for c in number if c.isdigit())
        if not 7 <= len(digits) <= 15 or any(c not in "0123456789 +-()." for c in number):
            return render(chal, phone_page, error=INVALID_PHONE)
        # Registering means proving the phone: a code "sent by SMS" (the sim sends none)
        with org.lock:
            session.pending_challenge = "sms"
        sms = new_challenge(session, "sms", chal.ret_url)
        sms.purpose, sms.phone = "phone-registration", number
        org.issue_code(session.username, sms.purpose, mail=False)
        return Response.redirect(f"{SMS_PATH}?{urlencode({'retURL': sms.ret_url})}")

    # -- logout, maintenance ----------------------------------------------------------------------------
    @router.route("GET", LOGOUT_PATH)
    def logout(request: Request) -> Response:
        delay()
        sid = request.cookies.get(SESSION_COOKIE)
        if sid:
            with org.lock:
                org.sessions.pop(sid, None)
                challenges.pop(sid, None)
        return Response.redirect("/").set_cookie(SESSION_COOKIE, "", max_age=0)

    @router.route("GET", MAINTENANCE_PATH)
    def maintenance(request: Request) -> Response:
        return maintenance_page()  # served whenever asked for, as the real page is
