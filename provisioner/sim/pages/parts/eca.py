"""What the External Client App pages share: finding the app an action names, and the form's choices."""

from __future__ import annotations

from ... import messages
from ...http.aura import ActionError
from ...model import ExternalClientApp
from ...org import SimOrg
from . import catalog


def app_of(org: SimOrg, params: dict) -> ExternalClientApp:
    """The External Client App an action's `id` names (a Connected App's id is not one)."""
    app = org.apps.get(str(params.get("id", "")))
    if app is None or app.kind != "external_client_app":
        raise ActionError(messages.NO_SUCH_ECA)
    return app


def form_options(app: ExternalClientApp) -> dict[str, bool]:
    """The app's other Settings options (catalog.FORM_OPTIONS: fields of ExternalClientApp) by field name."""
    return {option.field: getattr(app, option.field) for option in catalog.FORM_OPTIONS}


def options(choices: list[tuple[str, str]]) -> list[dict]:
    return [{"label": label, "value": value} for label, value in choices]


def form_meta(org: SimOrg) -> dict:
    """The choices of the Settings and Policies forms: picklists, the org's profiles and permission sets, the
    form's other options, and how the org shows collapsible sections."""
    with org.lock:
        profiles = sorted(p.name for p in org.profiles.values())
        permsets = sorted(((p.label, p.name) for p in org.permission_sets.values()), key=lambda x: x[0])
    return {
        "scopes": options(catalog.oauth_scopes(org.config.release)),
        "formOptions": [{"name": o.field, "label": o.label, "section": o.section, "default": o.default}
                        for o in catalog.FORM_OPTIONS],
        # collapsible sections ("API (Enable OAuth Settings)", "OAuth Policies") start collapsed in some orgs
        "collapsedSections": bool(org.config.collapsed_sections),
        "distributionStates": options(catalog.DISTRIBUTION_STATES),
        "permittedUsers": options(catalog.PERMITTED_USERS),
        **policies_meta(org),
        "profiles": [{"label": p, "value": p} for p in profiles],
        "permissionSets": [{"label": label, "value": name} for label, name in permsets],
    }


def policies_meta(org: SimOrg) -> dict:
    """The Edit Policies page's choices as this org offers them (its idle refresh-token limit, its release's
    wording)."""
    config = org.config
    return {
        "refreshTokenPolicies": options(catalog.refresh_token_choices(config.idle_refresh_token_limit)),
        "refreshTokenUnits": options(catalog.REFRESH_TOKEN_UNITS),
        "ipRelaxation": options(catalog.ip_relaxation_choices(config.release)),
        "idleRefreshTokenLimit": {"on": bool(config.idle_refresh_token_limit), "days": catalog.IDLE_LIMIT_DAYS},
        "sessionTimeoutMax": catalog.ECA_SESSION_TIMEOUT_MAX,
    }


def fields_of(params: dict) -> dict:
    """A form action's submitted fields (anything but an object counts as none)."""
    return params.get("fields") if isinstance(params.get("fields"), dict) else {}
