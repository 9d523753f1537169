"""Identity verification during login: the authenticator app (TOTP), the emailed code, the code "sent by SMS",
and the "Register Your Mobile Phone" interstitial.

Element ids, names, paths and texts follow EVIDENCE.md "Login, identity verification, mail, faults"; the authenticator
page's errors are the help articles' texts (000395187), other texts not found in public sources are marked [none]
in EVIDENCE.md. Every page needs the pending login of its kind (else back to the
login page); the hidden tokens of a submitted form are checked before the code is.
"""

from __future__ import annotations

from urllib.parse import urlencode

from .. import messages, paths
from ..http import Request, Response, Router
from ..org import Challenge, Session, SimOrg
from .parts import logins, verification_codes
from .parts.identity_layout import invalid_page, login_page, page
from .parts.text import esc, mask_email, mask_phone


def _hidden_fields(chal: Challenge) -> str:
    return (
        f'<input type="hidden" name="_CONFIRMATIONTOKEN" id="_CONFIRMATIONTOKEN" value="{esc(chal.confirm_token)}">'
        f'<input type="hidden" name="vcsrf" id="vcsrf" value="{esc(chal.vcsrf)}">'
        f'<input type="hidden" name="vpol" id="vpol" value="{esc(chal.vpol)}">'
        f'<input type="hidden" name="vflid" id="vflid" value="{esc(chal.vflid)}">'
        f'<input type="hidden" name="retURL" id="retURL" value="{esc(chal.ret_url)}">'
    )


def _error_div(error: str) -> str:
    return f'<div id="error" class="loginError" role="alert">{esc(error)}</div>' if error else ""


def totp_page(chal: Challenge, error: str = "") -> Response:
    body = f"""
<h2 id="header" class="mb12">Verify Your Identity</h2>
{_error_div(error)}
<form id="editPage" name="editPage" method="POST" action="{paths.TOTP}" autocomplete="off">
  {_hidden_fields(chal)}
  <p>Enter the verification code from your authenticator app.</p>
  <label for="tc">Verification Code</label>
  <input id="tc" name="tc" type="text" maxlength="6" inputmode="numeric" autocomplete="off"
    class="input wide mb16 mt8">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Verify">
</form>
"""
    return page("Verify Your Identity | Salesforce", body)


def email_page(chal: Challenge, masked: str, error: str = "") -> Response:
    resend = f"{paths.EMAIL_START}?{urlencode({'vflid': chal.vflid, 'retURL': chal.ret_url})}"
    body = f"""
<h2 id="header" class="mb12">Verify Your Identity</h2>
{_error_div(error)}
<form id="editPage" name="editPage" method="POST" action="{paths.EMAIL_FINISH}" autocomplete="off">
  {_hidden_fields(chal)}
  <p>You're trying to <b>Log In to Salesforce</b>. To make sure your Salesforce account is secure, we have to
  verify your identity.</p>
  <p>Enter the verification code we emailed to {esc(masked)}.</p>
  <label for="emc">Verification Code</label>
  <input id="emc" name="emc" type="text" maxlength="6" inputmode="numeric" autocomplete="off"
    class="input wide mb16 mt8">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Verify">
  <a id="resend" href="{esc(resend)}">Resend Code</a>
</form>
"""
    return page("Verify Your Identity | Salesforce", body)


def sms_page(chal: Challenge, masked: str, error: str = "") -> Response:
    lead = ("To finish registering your mobile phone, enter the verification code we sent to"
            if chal.purpose == "phone-registration" else "Enter the verification code we sent to")
    body = f"""
<h2 id="header" class="mb12">Verify Your Identity</h2>
{_error_div(error)}
<form id="editPage" name="editPage" method="POST" action="{paths.SMS}" autocomplete="off">
  {_hidden_fields(chal)}
  <p>{lead} {esc(masked)}.</p>
  <label for="smc">Verification Code</label>
  <input id="smc" name="smc" type="text" maxlength="6" inputmode="numeric" autocomplete="one-time-code"
    class="input wide mb16 mt8">
  <input type="submit" id="save" name="save" class="button primary wide mb16" value="Verify">
</form>
"""
    return page("Verify Your Identity | Salesforce", body)


def phone_page(chal: Challenge, error: str = "") -> Response:
    """The "Register Your Mobile Phone" interstitial; the skip link continues to retURL. [code; form fields none]"""
    action = f"{paths.PHONE}?{urlencode({'d': 'm', 'retURL': chal.ret_url})}"
    skip = f"{paths.PHONE}?{urlencode({'retURL': chal.ret_url, 'skip': '1', 'vflid': chal.vflid})}"
    body = f"""
<div id="header" class="mb24">Register Your Mobile Phone</div>
{_error_div(error)}
<div id="content">
<form id="editPage" name="editPage" method="POST" action="{esc(action)}" autocomplete="off">
  <input type="hidden" name="_CONFIRMATIONTOKEN" id="_CONFIRMATIONTOKEN" value="{esc(chal.confirm_token)}">
  <input type="hidden" name="cancelURL" id="cancelURL" value="{esc(chal.ret_url)}">
  <input type="hidden" name="retURL" id="retURL" value="{esc(chal.ret_url)}">
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
<p><a id="skipPhoneRegistration" href="{esc(skip)}">{esc(messages.PHONE_SKIP)}</a></p>
</div>
"""
    return page("Register Your Mobile Phone | Salesforce", body)


def register(router: Router, org: SimOrg) -> None:
    def challenge_page(method: str, path: str, kind: str, *, form: bool = False):
        """Route a page of one challenge: the session's pending challenge of that `kind` (else back to the login
        page), and for a submitted verification form its hidden tokens; the handler gets (request, session,
        challenge)."""

        def wrap(handler):
            def route(request: Request) -> Response:
                found = logins.pending(org, request, kind)
                if found is None:
                    return Response.redirect(paths.LOGIN)
                if form and not logins.tokens_match(request, found[1]):
                    return invalid_page()
                return handler(request, *found)

            router.add(method, path, route, latency="page")
            return handler

        return wrap

    def render(chal: Challenge, draw, *args, error: str = "") -> Response:  # noqa: ANN001
        return draw(logins.next_form_token(org, chal), *args, error=error)

    def refused(session: Session, chal: Challenge, event: str, again, **details: object) -> Response:  # noqa: ANN001
        """A wrong code: the form again with the error, or the login page once there were too many."""
        if logins.refused(org, session, chal, event, **details):
            return login_page(org, username=session.username, error=messages.TOO_MANY_ATTEMPTS)
        return again()

    # -- authenticator app (TOTP) ------------------------------------------------------------------------
    @challenge_page("GET", paths.TOTP, "totp")
    def totp_get(request: Request, session: Session, chal: Challenge) -> Response:
        return render(chal, totp_page)

    @challenge_page("POST", paths.TOTP, "totp", form=True)
    def totp_post(request: Request, session: Session, chal: Challenge) -> Response:
        # each code once; wrong codes count per user and lock verification for a while (parts/verification_codes.py)
        outcome = verification_codes.check(org, session.username, "totp", "login", request.form_value("tc"))
        if outcome == "ok":
            return logins.complete(org, session, session.username, chal.ret_url)
        org.log("totp_rejected", username=session.username, reason=outcome)
        if outcome == "locked":
            org.end_session(session.id)  # this login is over; the lock outlives it
            return render(chal, totp_page, error=messages.ATTEMPTS_EXCEEDED)
        return render(chal, totp_page, error=messages.INVALID_OR_EXPIRED_CODE)

    # -- emailed code -----------------------------------------------------------------------------------
    def masked_for(session: Session) -> str:
        user = org.user(session.username)
        return mask_email(user.email if user else "")

    @challenge_page("GET", paths.EMAIL_FINISH, "email")
    def email_get(request: Request, session: Session, chal: Challenge) -> Response:
        return render(chal, email_page, masked_for(session))

    @challenge_page("GET", paths.EMAIL_START, "email")
    def email_resend(request: Request, session: Session, chal: Challenge) -> Response:
        if request.arg("vflid") != chal.vflid:
            return invalid_page()
        org.issue_code(session.username, "login")  # the older code stops working
        return Response.redirect(logins.challenge_url(paths.EMAIL_FINISH, chal))

    @challenge_page("POST", paths.EMAIL_FINISH, "email", form=True)
    def email_post(request: Request, session: Session, chal: Challenge) -> Response:
        entered = request.form_value("emc").strip()
        result = org.check_code(session.username, "login", entered) if len(entered) == 6 else "invalid"
        if result == "ok":
            device = org.ids.token(32)
            with org.lock:
                org.recognised_devices.setdefault(session.username.lower(), set()).add(device)
            return logins.complete(org, session, session.username, chal.ret_url, device=device)
        error = messages.EXPIRED_CODE if result == "expired" else messages.WRONG_CODE
        return refused(session, chal, "email_code_rejected",
                       lambda: render(chal, email_page, masked_for(session), error=error), reason=result)

    # -- code sent by SMS (the sim sends none: tests read it from org.codes) ---------------------------------
    def masked_phone_for(session: Session, chal: Challenge) -> str:
        user = org.user(session.username)
        return mask_phone(chal.phone or (user.mobile_phone if user else ""))

    @challenge_page("GET", paths.SMS, "sms")
    def sms_get(request: Request, session: Session, chal: Challenge) -> Response:
        return render(chal, sms_page, masked_phone_for(session, chal))

    @challenge_page("POST", paths.SMS, "sms", form=True)
    def sms_post(request: Request, session: Session, chal: Challenge) -> Response:
        entered = request.form_value("smc").strip()
        result = org.check_code(session.username, chal.purpose, entered) if len(entered) == 6 else "invalid"
        if result == "ok":
            user = org.user(session.username)
            if chal.purpose == "phone-registration" and user is not None:
                with org.lock:
                    user.mobile_phone, user.phone_registration_prompt = chal.phone, False
                org.log("phone_registered", username=session.username)
            return logins.complete(org, session, session.username, chal.ret_url)
        error = messages.EXPIRED_CODE if result == "expired" else messages.WRONG_CODE
        return refused(session, chal, "sms_code_rejected",
                       lambda: render(chal, sms_page, masked_phone_for(session, chal), error=error), reason=result)

    # -- "Register Your Mobile Phone" ------------------------------------------------------------------
    @challenge_page("GET", paths.PHONE, "phone")
    def phone_get(request: Request, session: Session, chal: Challenge) -> Response:
        if request.arg("skip") is not None:
            if request.arg("vflid") != chal.vflid:
                return invalid_page()
            # [none] declining does not stop the prompt: it comes back on the next login
            org.log("phone_registration_declined", username=session.username)
            return logins.complete(org, session, session.username, chal.ret_url, prompt=False)
        return render(chal, phone_page)

    @challenge_page("POST", paths.PHONE, "phone")  # its form has its own token set, checked here
    def phone_post(request: Request, session: Session, chal: Challenge) -> Response:
        if not chal.confirm_token or request.form_value("_CONFIRMATIONTOKEN") != chal.confirm_token \
                or request.form_value("retURL") != chal.ret_url:
            return invalid_page()
        number = request.form_value("phoneNumber").strip()
        digits = "".join(c for c in number if c.isdigit())
        if not 7 <= len(digits) <= 15 or any(c not in "0123456789 +-()." for c in number):
            return render(chal, phone_page, error=messages.INVALID_PHONE)
        # Registering means proving the phone: a code "sent by SMS" (the sim sends none)
        with org.lock:
            session.pending_challenge = "sms"
        sms = logins.new_challenge(org, session, "sms", chal.ret_url)
        sms.purpose, sms.phone = "phone-registration", number
        org.issue_code(session.username, sms.purpose, mail=False)
        return Response.redirect(logins.challenge_url(paths.SMS, sms))
