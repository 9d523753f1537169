"""Server-side validation of the External Client App forms: the browser's word is never taken for anything.

Each check returns field-level messages keyed by the form field name, worded like Salesforce's own ("Complete this
field.", "The API name already exists."; texts in sim/messages.py). The Lightning pages turn them into an ERROR
action with a page-level summary; the classic pages show them under the fields in classic wording.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from ... import messages
from ...model import OAuthPolicies
from . import catalog

_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}\Z")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")


@dataclass
class Problems:
    fields: dict[str, str] = field(default_factory=dict)  # form field name -> message
    page: list[str] = field(default_factory=list)  # errors not tied to one field

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.page)


@dataclass
class SettingsInput:
    """The Settings form after validation: plain Python values, ready to copy onto an ExternalClientApp."""

    name: str
    api_name: str
    contact_email: str
    distribution_state: str
    info_url: str
    logo_url: str
    icon_url: str
    description: str
    oauth_enabled: bool
    callback_urls: list[str]
    scopes: list[str]
    #: the Settings form's box; its Run As is the Policies page's (validate_policies), never this form's
    client_credentials_enabled: bool
    auth_code_credentials_enabled: bool
    jwt_enabled: bool
    certificate_pem: str | None  # None: keep the app's current certificate
    require_secret_web_server: bool
    require_secret_refresh: bool
    pkce_required: bool
    #: the form's other options (catalog.FORM_OPTIONS) by field name
    form_options: dict[str, bool] = field(default_factory=dict)


def text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def flag(fields: dict[str, Any], name: str, default: bool = False) -> bool:
    value = fields.get(name, default)
    if isinstance(value, str):
        return value.lower() in ("true", "on", "1")
    return bool(value)


def strings(fields: dict[str, Any], name: str) -> list[str]:
    value = fields.get(name) or []
    if isinstance(value, str):
        value = [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def api_name_problem(api_name: str) -> str | None:
    if not api_name:
        return messages.REQUIRED
    if not _API_NAME.match(api_name) or "__" in api_name or api_name.endswith("_") or len(api_name) > 80:
        return messages.BAD_API_NAME
    return None


def is_valid_url(url: str, *, allow_custom_scheme: bool) -> bool:
    if not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    if not parts.scheme or not _SCHEME.match(parts.scheme):
        return False
    if parts.scheme.lower() in ("http", "https"):
        return bool(parts.hostname)
    # custom schemes (mobile apps: myapp://callback, sfdc:...) need something after the colon
    return allow_custom_scheme and len(url) > len(parts.scheme) + 1


def certificate_problem(pem: str) -> str | None:
    try:
        x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, TypeError):
        return messages.BAD_CERTIFICATE
    return None


def validate_settings(fields: dict[str, Any], org, current=None) -> tuple[SettingsInput | None, Problems]:
    """Check the Settings form (New and Edit Settings). `current` is the app being edited, else None. A Run As
    sent with it is ignored: the client credentials flow's user is set on the Policies page only, where it must be
    API only (validate_policies)."""
    problems = Problems()
    name = text(fields, "name")
    if not name:
        problems.add("name", messages.REQUIRED)
    elif len(name) > 80:
        problems.add("name", messages.TOO_LONG.format(max=80))

    if current is not None:
        api_name = current.api_name  # read-only once created: whatever the browser sends is ignored
    else:
        api_name = text(fields, "api_name")
        problem = api_name_problem(api_name)
        if problem is None and org.app_by_api_name(api_name) is not None:
            problem = messages.API_NAME_TAKEN
        if problem:
            problems.add("api_name", problem)

    email = text(fields, "contact_email")
    if not email:
        problems.add("contact_email", messages.REQUIRED)
    elif not _EMAIL.match(email):
        problems.add("contact_email", messages.BAD_EMAIL)

    distribution = text(fields, "distribution_state") or "Local"
    if distribution not in {v for _, v in catalog.DISTRIBUTION_STATES}:
        problems.add("distribution_state", messages.BAD_VALUE)

    urls = {}
    for key in ("info_url", "logo_url", "icon_url"):
        urls[key] = text(fields, key)
        if urls[key] and not is_valid_url(urls[key], allow_custom_scheme=False):
            problems.add(key, messages.BAD_URL)
    description = text(fields, "description")
    if len(description) > 256:
        problems.add("description", messages.TOO_LONG.format(max=256))

    oauth = flag(fields, "oauth_enabled")
    callback_urls: list[str] = []
    scopes: list[str] = []
    cc_enabled = auth_code = jwt = False
    certificate: str | None = None
    if oauth:
        callback_urls = [line.strip() for line in text(fields, "callback_urls").splitlines() if line.strip()]
        if not callback_urls:
            problems.add("callback_urls", messages.REQUIRED)
        elif not all(is_valid_url(u, allow_custom_scheme=True) for u in callback_urls):
            problems.add("callback_urls", messages.BAD_URL)
        scopes = strings(fields, "scopes")
        if not scopes:
            problems.add("scopes", messages.NO_SCOPE)
        elif not set(scopes) <= catalog.SCOPE_VALUES:
            problems.add("scopes", messages.BAD_VALUE)

        cc_enabled = flag(fields, "client_credentials_enabled")
        auth_code = flag(fields, "auth_code_credentials_enabled")
        jwt = flag(fields, "jwt_enabled")
        if jwt:
            uploaded = fields.get("certificate")
            if isinstance(uploaded, str) and uploaded.strip():
                certificate = uploaded.strip() + "\n"
                problem = certificate_problem(certificate)
                if problem:
                    problems.add("certificate", problem)
            elif current is None or not current.certificate_pem:
                problems.add("certificate", messages.NO_CERTIFICATE)

    # the other options: what was sent, else what the app has (Edit) or the new-app default
    form_options = {option.field: flag(fields, option.field,
                                       option.default if current is None else getattr(current, option.field))
                    for option in catalog.FORM_OPTIONS}

    if problems:
        return None, problems
    return SettingsInput(
        name=name, api_name=api_name, contact_email=email, distribution_state=distribution,
        info_url=urls["info_url"], logo_url=urls["logo_url"], icon_url=urls["icon_url"], description=description,
        oauth_enabled=oauth, callback_urls=callback_urls, scopes=scopes,
        client_credentials_enabled=cc_enabled,
        auth_code_credentials_enabled=auth_code, jwt_enabled=jwt, certificate_pem=certificate,
        require_secret_web_server=flag(fields, "require_secret_web_server", True),
        require_secret_refresh=flag(fields, "require_secret_refresh", True),
        pkce_required=flag(fields, "pkce_required", True), form_options=form_options,
    ), problems


@dataclass
class PoliciesInput:
    permitted_users: str
    profiles: list[str]
    permission_sets: list[str]
    refresh_token_policy: str
    refresh_token_period: int | None
    refresh_token_unit: str | None
    ip_relaxation: str
    session_timeout_minutes: int | None
    #: External Client Apps only: the Policies page's own "Enable Client Credentials Flow" and its Run As
    #: (clientCredentialsFlowUser); None: the page does not have them (the classic Connected App's policies)
    client_credentials_user: str | None = None

    def to_policies(self) -> OAuthPolicies:
        """The validated form as the app's stored policies (the Run As is stored on the app, see eca_policies)."""
        data = asdict(self)
        data.pop("client_credentials_user")
        return OAuthPolicies(**data)


def api_only(user) -> bool:  # noqa: ANN001
    """The user has the "API Only User" permission (through one of the standard API-only profiles)."""
    return user.profile in catalog.API_ONLY_PROFILES


def run_as_problem(org, username: str) -> str | None:  # noqa: ANN001
    """Why this user cannot be the client credentials flow's Run As: missing, inactive, or not API only [doc]."""
    if not username:
        return messages.REQUIRED
    user = org.user(username)
    if user is None or not user.active or not api_only(user):
        return messages.INVALID_EXECUTION_USER
    return None


def validate_policies(fields: dict[str, Any], org, *, eca: bool = False) -> tuple[PoliciesInput | None, Problems]:
    """Edit Policies. eca=True: an External Client App's page (its wording and idle refresh-token limit, the
    session timeout as a number of minutes, the client credentials flow's Run As); else the classic page's."""
    problems = Problems()
    permitted = text(fields, "permitted_users")
    if permitted not in {v for _, v in catalog.PERMITTED_USERS}:
        problems.add("permitted_users", messages.BAD_VALUE)

    profile_names = {p.name for p in org.profiles.values()}
    profiles = strings(fields, "profiles")
    unknown = [p for p in profiles if p not in profile_names]
    if unknown:
        problems.add("profiles", messages.NO_SUCH_PROFILE.format(names=", ".join(unknown)))
    permset_names = {p.name for p in org.permission_sets.values()}
    permsets = strings(fields, "permission_sets")
    unknown = [p for p in permsets if p not in permset_names]
    if unknown:
        problems.add("permission_sets", messages.NO_SUCH_PERMISSION_SET.format(names=", ".join(unknown)))

    idle_limit = eca and org.config.idle_refresh_token_limit
    offered = catalog.refresh_token_choices(idle_limit) if eca else catalog.REFRESH_TOKEN_POLICIES
    policy = text(fields, "refresh_token_policy")
    period: int | None = None
    unit: str | None = None
    if policy not in {v for _, v in offered}:
        problems.add("refresh_token_policy", messages.BAD_VALUE)
    elif policy in ("SpecificLifetime", "SpecificInactivity"):
        raw = text(fields, "refresh_token_period")
        if not raw:
            problems.add("refresh_token_period", messages.REQUIRED)
        elif not raw.isdigit() or int(raw) <= 0:
            problems.add("refresh_token_period", messages.NOT_A_POSITIVE_NUMBER)
        else:
            period = int(raw)
        unit = text(fields, "refresh_token_unit")
        if unit not in {v for _, v in catalog.REFRESH_TOKEN_UNITS}:
            problems.add("refresh_token_unit", messages.BAD_VALUE)
        elif (idle_limit and policy == "SpecificInactivity" and period is not None
              and catalog.longer_than_idle_limit(period, unit)):
            problems.add("refresh_token_period", messages.IDLE_PERIOD_TOO_LONG)

    ip = text(fields, "ip_relaxation")
    if ip not in {v for _, v in catalog.IP_RELAXATION}:
        problems.add("ip_relaxation", messages.BAD_VALUE)
    timeout = text(fields, "session_timeout")
    minutes: int | None = None
    if eca:  # a number of minutes; empty: the org's default
        if timeout and not (timeout.isdigit() and 1 <= int(timeout) <= catalog.ECA_SESSION_TIMEOUT_MAX):
            problems.add("session_timeout", messages.TIMEOUT_OUT_OF_RANGE.format(max=catalog.ECA_SESSION_TIMEOUT_MAX))
        elif timeout:
            minutes = int(timeout)
    elif timeout not in {v for _, v in catalog.SESSION_TIMEOUTS}:
        problems.add("session_timeout", messages.BAD_VALUE)
    elif timeout:
        minutes = int(timeout)

    run_as: str | None = None
    if eca and flag(fields, "client_credentials_enabled"):
        run_as = text(fields, "client_credentials_user")
        problem = run_as_problem(org, run_as)
        if problem:
            problems.add("client_credentials_user", problem)
        else:
            run_as = org.user(run_as).username

    if problems:
        return None, problems
    return PoliciesInput(permitted, profiles, permsets, policy, period, unit, ip, minutes, run_as), problems
