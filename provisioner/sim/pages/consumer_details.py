"""An External Client App's "Consumer Key and Secret": an emailed code first, then both values, for a few minutes
without asking again (org.consumer_details_granted)."""

from __future__ import annotations

from .. import messages
from ..http import Router
from ..http.aura import ActionError
from ..model import ExternalClientApp
from ..org import SimOrg
from .parts import eca
from .parts.text import mask_email
from .parts.validation import Problems

PURPOSE = "consumer-details"  # of the emailed code


def _details(app: ExternalClientApp) -> dict:
    return {"verified": True, "appName": app.name, "consumerKey": app.consumer_key,
            "consumerSecret": app.consumer_secret}


def register(router: Router, org: SimOrg) -> None:
    def send_code(session) -> dict:  # noqa: ANN001
        user = org.user(session.username)
        try:
            org.issue_code(session.username, PURPOSE)
        except RuntimeError:
            raise ActionError(messages.CANNOT_SEND_CODE) from None
        return {"verified": False, "email": mask_email(user.email if user else "")}

    def start(session, params: dict) -> dict:  # noqa: ANN001
        app = eca.app_of(org, params)
        if not app.oauth_enabled:
            raise ActionError(messages.ECA_OAUTH_OFF)
        if org.consumer_details_granted(session, app.id):
            return _details(app)
        return {**send_code(session), "appName": app.name}

    def resend(session, params: dict) -> dict:  # noqa: ANN001
        app = eca.app_of(org, params)
        return {**send_code(session), "appName": app.name}

    def verify(session, params: dict) -> dict:  # noqa: ANN001
        app = eca.app_of(org, params)
        code = str(params.get("code", "")).strip()
        problems = Problems()
        if not code:
            problems.add("code", messages.REQUIRED)
            raise ActionError(messages.REQUIRED, problems)
        outcome = org.check_code(session.username, PURPOSE, code)
        if outcome == "expired":
            problems.add("code", messages.TIMED_OUT)
            raise ActionError(messages.TIMED_OUT, problems)
        if outcome != "ok":
            problems.add("code", messages.WRONG_CODE)
            raise ActionError(messages.WRONG_CODE, problems)
        org.grant_consumer_details(session, app.id)
        org.log("consumer_details_viewed", api_name=app.api_name, by=session.username)
        return _details(app)

    router.add_action("consumer.start", start)
    router.add_action("consumer.resend", resend)
    router.add_action("consumer.verify", verify)
