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


def options(choices: list[tuple[str, str]]) -> list[dict]:
    return [{"label": label, "value": value} for label, value in choices]


def form_meta(org: SimOrg) -> dict:
    """The choices of the Settings and Policies forms: picklists, and the org's profiles and permission sets."""
    with org.lock:
        profiles = sorted(p.name for p in org.profiles.values())
        permsets = sorted(((p.label, p.name) for p in org.permission_sets.values()), key=lambda x: x[0])
    return {
        "scopes": options(catalog.OAUTH_SCOPES),
        "distributionStates": options(catalog.DISTRIBUTION_STATES),
        "permittedUsers": options(catalog.PERMITTED_USERS),
        "refreshTokenPolicies": options(catalog.REFRESH_TOKEN_POLICIES),
        "refreshTokenUnits": options(catalog.REFRESH_TOKEN_UNITS),
        "ipRelaxation": options(catalog.IP_RELAXATION),
        "sessionTimeouts": options(catalog.SESSION_TIMEOUTS),
        "profiles": [{"label": p, "value": p} for p in profiles],
        "permissionSets": [{"label": label, "value": name} for label, name in permsets],
    }


def fields_of(params: dict) -> dict:
    """A form action's submitted fields (anything but an object counts as none)."""
    return params.get("fields") if isinstance(params.get("fields"), dict) else {}
