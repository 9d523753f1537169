"""Fixed choices on the Setup pages (External Client Apps, and classic Connected Apps at the end): scope labels,
picklists, the App Manager's standard apps.

Labels follow Salesforce's wording where it is public (EVIDENCE.md); the rest is modelled on the Connected App
equivalents and listed in EVIDENCE.md ("Lightning Setup pages").
"""

from __future__ import annotations

from dataclasses import dataclass

#: (label shown in the OAuth Scopes dual list, scope value stored on the app and granted in tokens), by label.
#: Labels from public setup guides (EVIDENCE.md "External Client App form"); the list an org offers depends on its
#: licences: this is the union seen in public guides.
OAUTH_SCOPES: list[tuple[str, str]] = sorted([
    ("Access Analytics REST API Charts Geodata resources (eclair_api)", "eclair_api"),
    ("Access Analytics REST API resources (wave_api)", "wave_api"),
    ("Access Connect REST API resources (chatter_api)", "chatter_api"),
    ("Access Einstein GPT services (einstein_gpt_api)", "einstein_gpt_api"),
    ("Access Headless Forgot Password API (forgot_password)", "forgot_password"),
    ("Access Headless Registration API (user_registration_api)", "user_registration_api"),
    ("Access Interaction API resources (interaction_api)", "interaction_api"),
    ("Access Lightning applications (lightning)", "lightning"),
    ("Access MCP servers (mcp_api)", "mcp_api"),
    ("Access Visualforce applications (visualforce)", "visualforce"),
    ("Access all Data Cloud API resources (cdp_api)", "cdp_api"),
    ("Access chatbot services (chatbot_api)", "chatbot_api"),
    ("Access content resources (content)", "content"),
    ("Access custom permissions (custom_permissions)", "custom_permissions"),
    ("Access the Salesforce API Platform (sfap_api)", "sfap_api"),
    ("Access the identity URL service (id, profile, email, address, phone)", "id profile email address phone"),
    ("Access unique user identifiers (openid)", "openid"),
    ("Full access (full)", "full"),
    ("Manage Data Cloud Calculated Insight data (cdp_calculated_insight_api)", "cdp_calculated_insight_api"),
    ("Manage Data Cloud Identity Resolution (cdp_identityresolution_api)", "cdp_identityresolution_api"),
    ("Manage Data Cloud Ingestion API data (cdp_ingest_api)", "cdp_ingest_api"),
    ("Manage Data Cloud profile data (cdp_profile_api)", "cdp_profile_api"),
    ("Manage Pardot services (pardot_api)", "pardot_api"),
    ("Manage user data via APIs (api)", "api"),
    ("Manage user data via Web browsers (web)", "web"),
    ("Perform ANSI SQL queries on Data Cloud data (cdp_query_api)", "cdp_query_api"),
    ("Perform requests at any time (refresh_token, offline_access)", "refresh_token offline_access"),
    ("Perform segmentation on Data Cloud data (cdp_segment_api)", "cdp_segment_api"),
], key=lambda choice: choice[0].lower())
SCOPE_VALUES = {value for _, value in OAUTH_SCOPES}

#: the previous release's wording of the scopes whose labels changed (the older labels, still on classic pages and
#: in older guides) [code]; the others kept their labels [none: assumed]
PREVIOUS_SCOPE_LABELS = {
    "api": "Access and manage your data (api)",
    "web": "Provide access to your data via the Web (web)",
    "refresh_token offline_access": "Perform requests on your behalf at any time (refresh_token, offline_access)",
    "id profile email address phone": "Access your basic information (id, profile, email, address, phone)",
}


def oauth_scopes(release: str = "current") -> list[tuple[str, str]]:
    """The OAuth Scopes dual list's choices in a release's wording ("current" | "previous")."""
    if release != "previous":
        return OAUTH_SCOPES
    return sorted(((PREVIOUS_SCOPE_LABELS.get(value, label), value) for label, value in OAUTH_SCOPES),
                  key=lambda choice: choice[0].lower())


@dataclass(frozen=True)
class FormOption:
    """A checkbox of the Settings form beyond what the first model had; the flows leave it alone unless a spec
    names it. `field` is the form field and the ExternalClientApp field that stores it."""

    field: str
    label: str
    section: str  # "App Settings" | "Flow Enablement" | "Security": where the form shows it
    default: bool = False


#: the form's other options, with their defaults on a new app (EVIDENCE.md "External Client App form")
FORM_OPTIONS: tuple[FormOption, ...] = (
    FormOption("introspect_all_tokens", "Introspect all Tokens", "App Settings"),
    FormOption("id_token_enabled", "Configure ID token", "App Settings"),
    FormOption("device_flow_enabled", "Enable Device Flow", "Flow Enablement"),
    FormOption("token_exchange_enabled", "Enable Token Exchange Flow", "Flow Enablement"),
    FormOption("refresh_token_rotation", "Enable Refresh Token Rotation", "Security"),
    FormOption("named_user_jwt_access_tokens", "Issue JSON Web Token (JWT)-based access tokens for named users",
               "Security"),
)
FORM_OPTION_DEFAULTS = {option.field: option.default for option in FORM_OPTIONS}

DISTRIBUTION_STATES = [("Local", "Local"), ("Packaged", "Packaged")]

#: Plugin Policies > Permitted Users (Metadata permittedUsersPolicyType)
PERMITTED_USERS = [
    ("All users can self-authorize", "AllSelfAuthorized"),
    ("Admin approved users are pre-authorized", "AdminApprovedPreAuthorized"),
]

#: App Authorization > Refresh Token Policy (Metadata refreshTokenPolicyType), the classic Connected App wording
#: ("Expire refresh token after" {n} {unit}) [doc]
REFRESH_TOKEN_POLICIES = [
    ("Refresh token is valid until revoked", "Infinite"),
    ("Immediately expire refresh token", "Zero"),
    ("Expire refresh token if not used for", "SpecificInactivity"),
    ("Expire refresh token after", "SpecificLifetime"),
]
#: the same choices on an External Client App's Edit Policies ("... specific time", then a period and a unit) [doc]
ECA_REFRESH_TOKEN_POLICIES = [
    ("Refresh token is valid until revoked", "Infinite"),
    ("Immediately expire refresh token", "Zero"),
    ("Expire refresh token after specific time", "SpecificLifetime"),
    ("Expire refresh token if not used for specific time", "SpecificInactivity"),
]
REFRESH_TOKEN_UNITS = [("Hour(s)", "Hours"), ("Day(s)", "Days"), ("Month(s)", "Months")]
#: with the org's idle refresh-token limit on: "valid until revoked" is not offered, an app that has it shows
#: "if not used for" this many days, and "if not used for" cannot be longer [doc: Spring '26 release notes]
IDLE_LIMIT_DAYS = 30
_UNIT_DAYS = {"Hours": 1 / 24, "Days": 1, "Months": 30}


def refresh_token_choices(idle_limit: bool) -> list[tuple[str, str]]:
    return [c for c in ECA_REFRESH_TOKEN_POLICIES if not (idle_limit and c[1] == "Infinite")]


def longer_than_idle_limit(period: int, unit: str) -> bool:
    return period * _UNIT_DAYS.get(unit, 1) > IDLE_LIMIT_DAYS


#: App Authorization > IP Relaxation (Metadata ipRelaxationPolicyType), current wording [doc]
IP_RELAXATION = [
    ("Enforce IP restrictions", "Enforce"),
    ("Enforce IP restrictions, but relax for refresh tokens", "Enforce_RelaxRefresh"),
    ("Relax IP restrictions for activated devices", "Bypass_2factor"),
    ("Relax IP restrictions", "Bypass"),
]
#: the older wording of Bypass_2factor (the API 198 packaging guide) [doc]
IP_RELAXATION_PREVIOUS = [(("Relax IP restrictions with second factor" if v == "Bypass_2factor" else label), v)
                          for label, v in IP_RELAXATION]


def ip_relaxation_choices(release: str) -> list[tuple[str, str]]:
    return IP_RELAXATION_PREVIOUS if release == "previous" else IP_RELAXATION


#: Session Policies > Timeout Value: the Connected App picklist, value in minutes ("" = --None--)
SESSION_TIMEOUTS = [
    ("--None--", ""),
    ("15 minutes", "15"),
    ("30 minutes", "30"),
    ("1 hour", "60"),
    ("2 hours", "120"),
    ("4 hours", "240"),
    ("8 hours", "480"),
    ("12 hours", "720"),
    ("24 hours", "1440"),
]
#: External Client Apps take the session timeout as a number of minutes (Metadata sessionTimeoutInMinutes) [code];
#: the accepted range is not public: modelled as the org's longest session timeout, 24 hours [none]
ECA_SESSION_TIMEOUT_MAX = 1440

#: standard profiles carrying the "API Only User" permission a client credentials Run As user needs [doc]
API_ONLY_PROFILES = frozenset({"Minimum Access - API Only Integrations", "Salesforce API Only System Integrations"})

#: Lightning and Classic apps every org has; App Manager lists them next to the org's External Client Apps.
STANDARD_APPS = [
    ("All Tabs", "AllTabSet", "", "Classic", False),
    ("Analytics Studio", "Insights", "Build CRM Analytics dashboards and apps", "Lightning", True),
    ("App Launcher", "AppLauncher", "App Launcher tabs", "Classic", False),
    ("Bolt Solutions", "LightningBolt", "Discover and manage business solutions designed for your industry.", "Lightning", True),
    ("Community", "Community", "Salesforce CRM Communities", "Classic", False),
    ("Content", "Content", "Salesforce CRM Content", "Classic", False),
    ("Data Manager", "DataManager", "Use Data Manager to view limits, monitor usage, and manage recipes.", "Lightning", True),
    ("Lightning Usage App", "LightningInstrumentation", "View Adoption and Usage Metrics for Lightning Experience", "Lightning", True),
    ("Marketing CRM Classic", "Marketing", "Track sales and marketing efforts with CRM objects.", "Classic", False),
    ("Platform", "Platform", "The fundamental Lightning Platform", "Classic", False),
    ("Sales", "LightningSales", "Manage your sales process with accounts, leads, opportunities, and more", "Lightning", True),
    ("Sales Console", "LightningSalesConsole", "(Lightning Experience) Lets sales reps work with multiple records on one screen", "Lightning", True),
    ("Salesforce Chatter", "Chatter", "The Salesforce Chatter social network, including profiles and feeds", "Classic", False),
    ("Service", "Service", "Manage customer service with accounts, contacts, cases, and more", "Classic", False),
    ("Service Console", "LightningService", "(Lightning Experience) Lets support agents work with multiple records across customer service channels on one screen", "Lightning", True),
]


def label_of(choices: list[tuple[str, str]], value: str | None) -> str:
    return next((label for label, v in choices if v == (value or "")), value or "")


def certificate_summary(pem: str | None) -> tuple[str, str] | None:
    """(subject, expiry date as Setup prints it) of an uploaded certificate; None when there is none."""
    if not pem:
        return None
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return "(unreadable)", ""
    return cert.subject.rfc4514_string(), cert.not_valid_after_utc.strftime("%m/%d/%Y")


# --- the classic Connected App pages' wording of the same choices -------------------------------------------------
#: the older scope labels of the classic page [code: EVIDENCE.md "Classic Connected App pages"]; the rest follow
#: the same pattern [none]
CLASSIC_SCOPES = [
    ("Access and manage your data (api)", "api"),
    ("Access your basic information (id, profile, email, address, phone)", "id profile email address phone"),
    ("Access custom permissions (custom_permissions)", "custom_permissions"),
    ("Access unique user identifiers (openid)", "openid"),
    ("Full access (full)", "full"),
    ("Perform requests on your behalf at any time (refresh_token, offline_access)", "refresh_token offline_access"),
    ("Provide access to your data via the Web (web)", "web"),
    ("Access Lightning applications (lightning)", "lightning"),
    ("Access Visualforce applications (visualforce)", "visualforce"),
]
CLASSIC_SCOPE_VALUES = {value for _, value in CLASSIC_SCOPES}
#: classic Permitted Users wording ("may", where the ECA pages say "can") [doc]
CLASSIC_PERMITTED_USERS = [
    ("All users may self-authorize", "AllSelfAuthorized"),
    ("Admin approved users are pre-authorized", "AdminApprovedPreAuthorized"),
]
