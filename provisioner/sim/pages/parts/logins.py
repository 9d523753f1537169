"""A login between the password and a full session: the pending challenge, how a refused code counts, and how a
login ends (a new session, or the phone registration interstitial). Shared by pages/login.py (which starts
logins) and pages/verification.py (which finishes them); the state itself lives on the org's sessions."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from ... import messages, paths
from ...http import Request, Response
from ...org import SESSION_COOKIE, Challenge, Session, SimOrg

DEVICE_COOKIE = "sfdc_lv2"  # [none] which cookie marks an activated browser; the name is a guess


def new_challenge(org: SimOrg, session: Session, kind: str, ret_url: str) -> Challenge:
    chal = Challenge(kind, paths.safe_ret_url(ret_url), vcsrf=org.ids.token(40), vpol=org.ids.token(8),
                     vflid=org.ids.token(24))
    with org.lock:
        session.challenge = chal
    return chal


def pending(org: SimOrg, request: Request, kind: str) -> tuple[Session, Challenge] | None:
    """The request's pending login and its challenge, if it is of `kind` and not too old."""
    session = org.session(request.cookies.get(SESSION_COOKIE), allow_pending=True)
    if session is None or session.pending_challenge != kind:
        return None
    chal = session.challenge
    if chal is None or time.time() - chal.started_at > org.config.code_ttl_seconds:
        return None
    return session, chal


def tokens_match(request: Request, chal: Challenge) -> bool:
    """The hidden tokens of a submitted verification form are the ones this challenge rendered."""
    value = request.form_value
    return (bool(chal.confirm_token) and value("_CONFIRMATIONTOKEN") == chal.confirm_token
            and value("vcsrf") == chal.vcsrf and value("vpol") == chal.vpol
            and value("vflid") == chal.vflid and value("retURL") == chal.ret_url)


def refused(org: SimOrg, session: Session, chal: Challenge, event: str, **details: object) -> bool:
    """Count a wrong code; True when that was one too many and the login has ended."""
    chal.attempts += 1
    org.log(event, username=session.username, **details)
    if chal.attempts >= org.config.verification_attempts:
        org.end_session(session.id)
        org.log("verification_attempts_exceeded", username=session.username)
        return True
    return False


def next_form_token(org: SimOrg, chal: Challenge) -> Challenge:
    """A new confirmation token for each rendered verification form."""
    chal.confirm_token = org.ids.token(48)
    return chal


def challenge_url(path: str, chal: Challenge) -> str:
    return f"{path}?{urlencode({'retURL': chal.ret_url})}"


def complete(org: SimOrg, pending_session: Session | None, username: str, ret_url: str, *,
             device: str | None = None, prompt: bool = True) -> Response:
    """End a login: the phone registration interstitial if the user gets one, else a full session.

    Either way under a new session id (no session fixation); the interstitial's session is still pending, so
    Setup stays closed until the user registers a phone or declines.
    """
    if pending_session is not None:
        org.end_session(pending_session.id)
    user = org.user(username)
    if prompt and user is not None and user.phone_registration_prompt:
        session = org.new_session(username, "phone")
        chal = new_challenge(org, session, "phone", ret_url)
        org.log("phone_registration_prompted", username=username)
        target = f"{paths.PHONE}?{urlencode({'d': 'm', 'retURL': chal.ret_url})}"
        response = Response.redirect(target).set_cookie(SESSION_COOKIE, session.id)
    else:
        fresh = org.new_session(username, None)
        org.log("login_succeeded", username=username)
        response = Response.redirect(paths.safe_ret_url(ret_url)).set_cookie(SESSION_COOKIE, fresh.id)
    if device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 24 * 3600)
    return response


def check_password(org: SimOrg, request: Request, username: str, password: str, start_url: str,
                   again) -> Response:  # noqa: ANN001
    """Check the credentials (lockout included), then start the user's verification or finish the login.
    `again(error)` renders the page that shows an error."""
    user = org.user(username) if username else None
    now = time.time()
    with org.lock:
        if user is not None and user.locked and user.locked_at is not None \
                and now - user.locked_at > org.config.lockout_minutes * 60:
            user.locked, user.locked_at, user.failed_logins = False, None, 0
        if user is not None and user.locked:
            org.log("login_refused_locked", username=user.username)
            return again(messages.LOCKED_OUT)
        if user is None or not user.active or password != user.password:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= org.config.lockout_attempts:
                    user.locked, user.locked_at = True, now
                    org.log("user_locked_out", username=user.username)
                    return again(messages.LOCKED_OUT)
            org.log("login_failed", username=username)
            return again(messages.WRONG_CREDENTIALS)
        user.failed_logins = 0

    ret_url = paths.safe_ret_url(start_url)
    if user.totp_secret:
        session = org.new_session(user.username, "totp")
        chal = new_challenge(org, session, "totp", ret_url)
        return Response.redirect(challenge_url(paths.TOTP, chal)).set_cookie(SESSION_COOKIE, session.id)
    if user.sms_mfa:
        session = org.new_session(user.username, "sms")
        chal = new_challenge(org, session, "sms", ret_url)
        chal.purpose = "sms-login"
        org.issue_code(user.username, chal.purpose, mail=False)  # "sent by SMS": nothing leaves the sim
        return Response.redirect(challenge_url(paths.SMS, chal)).set_cookie(SESSION_COOKIE, session.id)
    device = request.cookies.get(DEVICE_COOKIE, "")
    if user.unrecognised_device and device not in org.recognised_devices.get(user.username.lower(), set()):
        session = org.new_session(user.username, "email")
        chal = new_challenge(org, session, "email", ret_url)
        org.issue_code(user.username, "login")
        return Response.redirect(challenge_url(paths.EMAIL_FINISH, chal)).set_cookie(SESSION_COOKIE, session.id)
    return complete(org, None, user.username, ret_url)
