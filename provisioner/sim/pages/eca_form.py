"""The New External Client App form, also the Edit Settings form of an existing app: the /aura actions that give
the form its choices and save it. Everything submitted is validated again here (parts/validation.py)."""

from __future__ import annotations

import time

from .. import messages
from ..http import Router
from ..http.aura import ActionError
from ..model import ExternalClientApp
from ..org import SimOrg
from .parts import eca
from .parts.validation import SettingsInput, validate_settings

#: the validated settings copied onto the app (the certificate only when one was uploaded). Not the client
#: credentials flow's Run As: only Edit Policies sets that (eca_policies.py)
_SETTINGS = ("name", "contact_email", "distribution_state", "info_url", "logo_url", "icon_url", "description",
             "oauth_enabled", "callback_urls", "scopes", "client_credentials_enabled", "auth_code_credentials_enabled",
             "jwt_enabled", "require_secret_web_server", "require_secret_refresh", "pkce_required")


def _apply_settings(app: ExternalClientApp, data: SettingsInput) -> None:
    for name in _SETTINGS:
        setattr(app, name, getattr(data, name))
    if data.certificate_pem is not None:
        app.certificate_pem = data.certificate_pem
    for name, value in data.form_options.items():  # the form's other options (catalog.FORM_OPTIONS)
        setattr(app, name, value)
    app.changed_at = time.time()


def register(router: Router, org: SimOrg) -> None:
    def meta(session, params: dict) -> dict:  # noqa: ANN001
        return eca.form_meta(org)

    def create(session, params: dict) -> dict:  # noqa: ANN001
        with org.lock:  # uniqueness check and insert in one step
            data, problems = validate_settings(eca.fields_of(params), org)
            if data is None:
                raise ActionError(messages.REVIEW_ERRORS, problems)
            app = org.new_external_client_app(data.name, data.api_name, data.contact_email)
            _apply_settings(app, data)
            org.apps[app.id] = app
        org.log("eca_created", api_name=app.api_name, by=session.username)
        return {"id": app.id, "name": app.name}

    def update_settings(session, params: dict) -> dict:  # noqa: ANN001
        with org.lock:
            app = eca.app_of(org, params)
            data, problems = validate_settings(eca.fields_of(params), org, current=app)
            if data is None:
                raise ActionError(messages.REVIEW_ERRORS, problems)
            _apply_settings(app, data)
        org.log("eca_settings_changed", api_name=app.api_name, by=session.username)
        return {"id": app.id, "name": app.name}

    router.add_action("eca.meta", meta)
    router.add_action("eca.create", create)
    router.add_action("eca.updateSettings", update_settings)
