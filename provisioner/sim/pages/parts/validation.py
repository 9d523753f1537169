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
    client_credentials_enabled: bool
    client_credentials_user: str | None
    auth_code_credentials_enabled: bool
    jwt_enabled: bool
    certificate_pem: str | None  # None: keep the app's current certificate
    require_secret_web_server: bool
    require_secret_refresh: bool
    pkce_required: bool


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
    """Check the Settings form (New and Edit Settings). `current` is the app being edited, else None."""
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
    run_as: str | None = None
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
        if cc_enabled:
            run_as = text(fields, "client_credentials_user")
            user = org.user(run_as) if run_as else None
            if not run_as:
                problems.add("client_credentials_user", messages.REQUIRED)
            elif user is None or not user.active:
                problems.add("client_credentials_user", messages.INACTIVE_USER)
            else:
                run_as = user.username
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

    if problems:
        return None, problems
    return SettingsInput(
        name=name, api_name=api_name, contact_email=email, distribution_state=distribution,
        info_url=urls["info_url"], logo_url=urls["logo_url"], icon_url=urls["icon_url"], description=description,
        oauth_enabled=oauth, callback_urls=callback_urls, scopes=scopes,
        client_credentials_enabled=cc_enabled, client_credentials_user=run_as,
        auth_code_credentials_enabled=auth_code, jwt_enabled=jwt, certificate_pem=certificate,
        require_secret_web_server=flag(fields, "require_secret_web_server", True),
        require_secret_refresh=flag(fields, "require_secret_refresh", True),
        pkce_required=flag(fields, "pkce_required", True),
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

    def to_policies(self) -> OAuthPolicies:
        """The validated form as the app's stored policies (the fields are the same)."""
        return OAuthPolicies(**asdict(self))


def validate_policies(fields: dict[str, Any], org) -> tuple[PoliciesInput | None, Problems]:
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

    policy = text(fields, "refresh_token_policy")
    period: int | None = None
    unit: str | None = None
    if policy not in {v for _, v in catalog.REFRESH_TOKEN_POLICIES}:
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

    ip = text(fields, "ip_relaxation")
    if ip not in {v for _, v in catalog.IP_RELAXATION}:
        problems.add("ip_relaxation", messages.BAD_VALUE)
    timeout = text(fields, "session_timeout")
    if timeout not in {v for _, v in catalog.SESSION_TIMEOUTS}:
        problems.add("session_timeout", messages.BAD_VALUE)

    if problems:
        return None, problems
    return PoliciesInput(permitted, profiles, permsets, policy, period, unit, ip,
                         int(timeout) if timeout else None), problems
