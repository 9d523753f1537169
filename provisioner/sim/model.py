"""The simulated org's data: users, profiles, permission sets, External Client Apps and their policies.

Field names follow the Metadata API types where one exists (ExtlClntAppOauthConfigurablePolicies etc.), so the
inspection JSON reads like what a `sf project retrieve` of the app would give.
"""

from __future__ import annotations

import random
import string
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# Salesforce ids: 3-char key prefix + 12 chars (15-char id), then a 3-char suffix that makes the 18-char form
# case-safe (case_safe_suffix).
_ID_CHARS = string.ascii_letters + string.digits
_SUFFIX_CHARS = string.ascii_uppercase + "012345"


def case_safe_suffix(id15: str) -> str:
    """Salesforce's checksum of a 15-char id: per 5-char chunk, a bit per upper-case letter (first char = bit 0),
    read as an index into A-Z0-5. It tells apart ids that differ only in case, where case is lost."""
    if len(id15) != 15:
        raise ValueError("a Salesforce id has 15 characters before its suffix")
    return "".join(_SUFFIX_CHARS[sum(1 << i for i, c in enumerate(id15[k:k + 5]) if "A" <= c <= "Z")]
                   for k in (0, 5, 10))


class IdFactory:
    """Random but seedable ids and secrets, so a `--seed` run is reproducible."""

    def __init__(self, seed: int | None = None):
        self.random = random.Random(seed)
        self._lock = threading.Lock()

    def sf_id(self, prefix: str) -> str:
        with self._lock:
            id15 = prefix + "000" + "".join(self.random.choice(_ID_CHARS) for _ in range(12 - 3))
            return id15 + case_safe_suffix(id15)

    def token(self, n: int, alphabet: str = _ID_CHARS) -> str:
        with self._lock:
            return "".join(self.random.choice(alphabet) for _ in range(n))

    def digits(self, n: int) -> str:
        return self.token(n, string.digits)


@dataclass
class Profile:
    id: str
    name: str


@dataclass
class PermissionSet:
    id: str
    name: str  # API name
    label: str


@dataclass
class User:
    id: str  # 005...
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    profile: str  # profile name
    permission_sets: list[str] = field(default_factory=list)  # permission set API names
    active: bool = True
    totp_secret: str | None = None  # set: the user has an authenticator app registered
    locked: bool = False
    failed_logins: int = 0
    locked_at: float | None = None  # when the lockout began (it ends after lockout_minutes)
    #: device "unrecognised": login asks for an emailed code (cleared per session, not per user)
    unrecognised_device: bool = False
    #: identity verification by a code sent by SMS (the sim sends none; the code is only in org.codes)
    sms_mfa: bool = False
    mobile_phone: str = ""
    #: after login, Salesforce offers "Register Your Mobile Phone" (until a phone is registered)
    phone_registration_prompt: bool = False
    #: the "API Enabled" permission: REST, SOAP and Metadata API calls (and a browser session used as one)
    api_enabled: bool = True
    #: "Modify Metadata Through Metadata API Functions" (or Modify All Data): metadata deploys and retrieves
    modify_metadata: bool = True
    #: the permission to read an External Client App's consumer secret over REST (with the org setting
    #: OrgConfig.eca_secrets_via_rest); see EVIDENCE.md for its name
    view_consumer_secret: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class OAuthPolicies:
    """ExtlClntAppOauthConfigurablePolicies, plus the session timeout of ExtlClntAppConfigurablePolicies."""

    permitted_users: str = "AllSelfAuthorized"  # | "AdminApprovedPreAuthorized"
    profiles: list[str] = field(default_factory=list)  # profile names
    permission_sets: list[str] = field(default_factory=list)  # permission set API names
    refresh_token_policy: str = "Infinite"  # | Zero | SpecificLifetime | SpecificInactivity
    refresh_token_period: int | None = None
    refresh_token_unit: str | None = None  # Hours | Days | Months
    ip_relaxation: str = "Enforce"  # | Enforce_RelaxRefresh | Bypass_2factor | Bypass (Metadata: ipRelaxationPolicyType)
    session_timeout_minutes: int | None = None  # None: the org's default session timeout


@dataclass
class ExternalClientApp:
    id: str  # 0xI... (connected apps: 0H4...)
    name: str  # label, "External Client App Name"
    api_name: str
    contact_email: str
    distribution_state: str = "Local"  # | Packaged
    description: str = ""
    info_url: str = ""
    logo_url: str = ""
    icon_url: str = ""
    oauth_enabled: bool = False
    callback_urls: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)  # scope tokens: api, web, refresh_token offline_access, full...
    jwt_enabled: bool = False
    certificate_pem: str | None = None
    client_credentials_enabled: bool = False  # the Settings form's "Enable Client Credentials Flow"
    #: the Policies page's client credentials flow runs as this user (its own box on, "Run As (Username)"); only
    #: Edit Policies sets it (Metadata clientCredentialsFlowUser of ExtlClntAppOauthConfigurablePolicies)
    client_credentials_user: str | None = None
    auth_code_credentials_enabled: bool = False
    require_secret_web_server: bool = True
    require_secret_refresh: bool = True
    pkce_required: bool = True
    # the Settings form's other options, off on a new app (parts/catalog.FORM_OPTIONS; EVIDENCE.md)
    introspect_all_tokens: bool = False  # "Introspect all Tokens" (Metadata isIntrospectAllTokens)
    id_token_enabled: bool = False  # "Configure ID token" (Metadata idTokenConfig)
    device_flow_enabled: bool = False  # "Enable Device Flow"
    token_exchange_enabled: bool = False  # "Enable Token Exchange Flow"
    refresh_token_rotation: bool = False  # "Enable Refresh Token Rotation"
    named_user_jwt_access_tokens: bool = False  # "Issue JSON Web Token (JWT)-based access tokens for named users"
    consumer_key: str = ""
    consumer_secret: str = ""
    created_at: float = field(default_factory=time.time)
    #: when the app's OAuth settings or policies last changed; JWT logins fail until propagation ends
    changed_at: float = field(default_factory=time.time)
    policies: OAuthPolicies = field(default_factory=OAuthPolicies)
    #: "external_client_app" | "connected_app" (a classic Connected App: id 0H4..., its definition 06P...)
    kind: str = "external_client_app"
    definition_id: str = ""  # connected apps: the 06P... id of App Manager's View / Edit pages
    #: the OAuth consumer's id in the Connect REST credentials resources (sim/app_credentials.py; given on first use)
    consumer_id: str = ""
    #: the consumer's staged credentials (at most one: Active, or Rotated = the former primary after a rotate)
    staged_credentials: list["StagedCredentials"] = field(default_factory=list)
    #: when a token was last issued for the app: the Connect REST "OAuth Usage" lists apps with usage data only
    oauth_used_at: float | None = None

    def to_json(self, include_secrets: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not include_secrets:
            data["consumer_secret"] = "***" if self.consumer_secret else ""
            for staged in data["staged_credentials"]:
                staged["secret"] = "***" if staged["secret"] else ""
        return data


@dataclass
class StagedCredentials:
    """A consumer's second key and secret (Connect REST "OAuth Staged Credentials", API 65; EVIDENCE.md "Connect
    REST credentials"): Active ones work at the token endpoint beside the primary; a rotate swaps them with the
    primary, which stays here as Rotated (still working) until deleted or expired (30 days)."""

    id: str
    key: str
    secret: str
    state: str  # "Active" | "Rotated" (Expired is computed from expires_at)
    created_by: str  # the user's id
    created_at: float
    expires_at: float


@dataclass
class VerificationCode:
    code: str
    purpose: str  # "login" | "consumer-details"
    username: str
    issued_at: float
    used: bool = False
    superseded: bool = False
