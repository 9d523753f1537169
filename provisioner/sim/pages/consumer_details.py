"""An External Client App's "Consumer Key and Secret": identity verification first, then both values, for a few
minutes without asking again (org.consumer_details_granted).

The verification uses the admin's strongest registered method (parts/verification_codes.py): the authenticator
app's code for an admin with one (nothing is mailed), an SMS code, or else an emailed code.
"""

from __future__ import annotations

from .. import messages
from ..http import Router
from ..http.aura import ActionError
from ..model import ExternalClientApp
from ..org import SimOrg
from .parts import eca, verification_codes
from .parts.text import mask_email, mask_phone
from .parts.validation import Problems

PURPOSE = "consumer-details"  # of an emailed or texted code


def _details(app: ExternalClientApp) -> dict:
    return {"verified": True, "appName": app.name, "consumerKey": app.consumer_key,
            "consumerSecret": app.consumer_secret}


def _refused(message: str) -> ActionError:
    problems = Problems()
    problems.add("code", message)
    return ActionError(message, problems)


def register(router: Router, org: SimOrg) -> None:
    def prompt(session) -> dict:  # noqa: ANN001
        """Ask for a code by the user's method, delivering one where the method needs it."""
        method = verification_codes.method_for(org, session.username)
        try:
            verification_codes.send(org, session.username, method, PURPOSE)
        except RuntimeError:
            raise ActionError(messages.CANNOT_SEND_CODE) from None
        user = org.user(session.username)
        return {"verified": False, "method": method,
                "email": mask_email(user.email if user else "") if method == "email" else "",
                "phone": mask_phone(user.mobile_phone if user else "") if method == "sms" else ""}

    def start(session, params: dict) -> dict:  # noqa: ANN001
        app = eca.app_of(org, params)
        if not app.oauth_enabled:
            raise ActionError(messages.ECA_OAUTH_OFF)
        if org.consumer_details_granted(session, app.id):
            return _details(app)
        return {**prompt(session), "appName": app.name}

    def resend(session, params: dict) -> dict:  # noqa: ANN001
        app = eca.app_of(org, params)
        if verification_codes.method_for(org, session.username) == "totp":
            raise ActionError(messages.CANNOT_SEND_CODE)  # nothing to send: the code is in the app
        return {**prompt(session), "appName": app.name}

    def verify(session, params: dict) -> dict:  # noqa: ANN001
        app = eca.app_of(org, params)
        code = str(params.get("code", "")).strip()
        if not code:
            raise _refused(messages.REQUIRED)
        method = verification_codes.method_for(org, session.username)
        outcome = verification_codes.check(org, session.username, method, PURPOSE, code)
        if outcome == "locked":
            raise _refused(messages.ATTEMPTS_EXCEEDED)
        if outcome != "ok":
            raise _refused(messages.INVALID_OR_EXPIRED_CODE)
        org.grant_consumer_details(session, app.id)
        org.log("consumer_details_viewed", api_name=app.api_name, by=session.username, method=method)
        return _details(app)

    router.add_action("consumer.start", start)
    router.add_action("consumer.resend", resend)
    router.add_action("consumer.verify", verify)
