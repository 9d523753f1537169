"""How a user's identity verification codes are asked for and checked, wherever Salesforce verifies identity
(the authenticator step of a login, the consumer details of an app).

- The method: the strongest one the user registered. "Prevent identity verification by email when other methods
  are registered" is on in every new org [doc]: an admin with an authenticator app (TOTP) is asked for its code and
  mailed nothing; one with a verified phone gets an SMS; only a user with neither gets an email.
- A TOTP code is accepted once: a code of a time step at or before the last accepted one is refused (RFC 6238
  section 5.2; [none] for Salesforce itself). One step of clock drift either way is accepted.
- Wrong codes count per user; the one that reaches `verification_attempts` answers "The allowed number of attempts
  has been exceeded." and locks the user's verifications for about an hour [doc: KB 000395187, 000395009];
  a right code resets the count.

The state lives here, per org, so the login pages and the consumer details pages share it.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Literal

import pyotp

from ...org import SimOrg

#: how long a user stays locked out of identity verification ([doc] "approximately one hour")
LOCK_SECONDS = 3600
TOTP_STEP_SECONDS = 30  # what every authenticator app uses

Method = Literal["totp", "sms", "email"]
#: ok; invalid (wrong, expired, superseded or already used); locked (too many wrong codes: now or before)
Outcome = Literal["ok", "invalid", "locked"]


@dataclass
class _UserState:
    wrong: int = 0
    locked_until: float = 0.0
    last_totp_step: int = -1


_STATES: "weakref.WeakKeyDictionary[SimOrg, dict[str, _UserState]]" = weakref.WeakKeyDictionary()


def _state(org: SimOrg, username: str) -> _UserState:
    with org.lock:
        return _STATES.setdefault(org, {}).setdefault(username.lower(), _UserState())


def method_for(org: SimOrg, username: str) -> Method:
    user = org.user(username)
    if user is not None and user.totp_secret:
        return "totp"
    if user is not None and user.sms_mfa:
        return "sms"
    return "email"


def send(org: SimOrg, username: str, method: Method, purpose: str) -> None:
    """Deliver a code for `method`: mail it, "text" it (the sim sends no SMS: tests read org.codes), or nothing for
    an authenticator app. A new code replaces the older ones of the same purpose."""
    if method != "totp":
        org.issue_code(username, purpose, mail=method == "email")


def is_locked(org: SimOrg, username: str) -> bool:
    return _state(org, username).locked_until > time.time()


def check(org: SimOrg, username: str, method: Method, purpose: str, entered: str) -> Outcome:
    """Check a code the user entered for `method`, counting it towards the lock when it is wrong."""
    state = _state(org, username)
    entered = entered.strip()
    with org.lock:
        if state.locked_until > time.time():
            org.log("verification_refused_locked", username=username)
            return "locked"
        ok = _totp_ok(org, username, entered, state) if method == "totp" else (
            len(entered) == 6 and org.check_code(username, purpose, entered) == "ok")
        if ok:
            state.wrong = 0
            return "ok"
        state.wrong += 1
        org.log("verification_code_refused", username=username, method=method, purpose=purpose)
        if state.wrong >= org.config.verification_attempts:
            state.wrong, state.locked_until = 0, time.time() + LOCK_SECONDS
            org.log("verification_attempts_exceeded", username=username)
            return "locked"
        return "invalid"


def unlock(org: SimOrg, username: str) -> None:
    """What an admin (or the hour passing) does: the user may verify again."""
    with org.lock:
        state = _state(org, username)
        state.wrong, state.locked_until = 0, 0.0


def _totp_ok(org: SimOrg, username: str, entered: str, state: _UserState) -> bool:
    user = org.user(username)
    if user is None or not user.totp_secret or len(entered) != 6 or not entered.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret, interval=TOTP_STEP_SECONDS)
    now_step = int(time.time()) // TOTP_STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if totp.at(step * TOTP_STEP_SECONDS) == entered:
            if step <= state.last_totp_step:
                org.log("totp_code_reused", username=username)
                return False
            state.last_totp_step = step
            return True
    return False
