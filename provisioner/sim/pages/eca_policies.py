"""Edit Policies of an External Client App (OAuth Policies, Session Policies): the /aura action that saves them,
after validating every value against the org (parts/validation.py). The page's own "Enable Client Credentials Flow"
and its Run As (clientCredentialsFlowUser) belong to the policies; the Run As is kept on the app, where the token
endpoint reads it, and is cleared when the box is off."""

from __future__ import annotations

import time

from .. import messages
from ..http import Router
from ..http.aura import ActionError
from ..org import SimOrg
from .parts import eca
from .parts.validation import validate_policies


def register(router: Router, org: SimOrg) -> None:
    def update_policies(session, params: dict) -> dict:  # noqa: ANN001
        with org.lock:
            app = eca.app_of(org, params)
            data, problems = validate_policies(eca.fields_of(params), org, eca=True)
            if data is None:
                raise ActionError(messages.REVIEW_ERRORS, problems)
            app.policies = data.to_policies()
            app.client_credentials_user = data.client_credentials_user
            app.changed_at = time.time()
        org.log("eca_policies_changed", api_name=app.api_name, by=session.username)
        return {"id": app.id, "name": app.name}

    router.add_action("eca.updatePolicies", update_policies)
