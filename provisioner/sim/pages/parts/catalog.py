"""Fixed choices on the Setup pages (External Client Apps, and classic Connected Apps at the end): scope labels,
picklists, the App Manager's standard apps.

Labels follow Salesforce's wording where it is public (FIDELITY.md); the rest is modelled on the Connected App
equivalents and listed in EVIDENCE.md ("Lightning Setup pages").
"""

from __future__ import annotations

#: (label shown in the OAuth Scopes dual list, scope value stored on the app and granted in tokens)
OAUTH_SCOPES: list[tuple[str, str]] = [
    ("Access Connect REST API resources (chatter_api)", "chatter_api"),
    ("Access Lightning applications (lightning)", "lightning"),
    ("Access Visualforce applications (visualforce)", "visualforce"),
    ("Access all Data Cloud API resources (cdp_api)", "cdp_api"),
    ("Access Analytics REST API resources (wave_api)", "wave_api"),
    ("Access chatbot services (chatbot_api)", "chatbot_api"),
    ("Access content resources (content)", "content"),
    ("Access custom permissions (custom_permissions)", "custom_permissions"),
    ("Access the identity URL service (id, profile, email, address, phone)", "id profile email address phone"),
    ("Access unique user identifiers (openid)", "openid"),
    ("Full access (full)", "full"),
    ("Manage Data Cloud Ingestion API data (cdp_ingest_api)", "cdp_ingest_api"),
    ("Manage Data Cloud profile data (cdp_profile_api)", "cdp_profile_api"),
    ("Manage user data via APIs (api)", "api"),
    ("Manage user data via Web browsers (web)", "web"),
    ("Perform ANSI SQL queries on Data Cloud data (cdp_query_api)", "cdp_query_api"),
    ("Perform requests at any time (refresh_token, offline_access)", "refresh_token offline_access"),
    ("Perform segmentation on Data Cloud data (cdp_segment_api)", "cdp_segment_api"),
]
SCOPE_VALUES = {value for _, value in OAUTH_SCOPES}

DISTRIBUTION_STATES = [("Local", "Local"), ("Packaged", "Packaged")]

#: Plugin Policies > Permitted Users (Metadata permittedUsersPolicyType)
PERMITTED_USERS = [
    ("All users can self-authorize", "AllSelfAuthorized"),
    ("Admin approved users are pre-authorized", "AdminApprovedPreAuthorized"),
]

#: App Authorization > Refresh Token Policy (Metadata refreshTokenPolicyType)
REFRESH_TOKEN_POLICIES = [
    ("Refresh token is valid until revoked", "Infinite"),
    ("Immediately expire refresh token", "Zero"),
    ("Expire refresh token if not used for", "SpecificInactivity"),
    ("Expire refresh token after", "SpecificLifetime"),
]
REFRESH_TOKEN_UNITS = [("Hour(s)", "Hours"), ("Day(s)", "Days"), ("Month(s)", "Months")]

#: App Authorization > IP Relaxation (Metadata ipRelaxationPolicyType)
IP_RELAXATION = [
    ("Enforce IP restrictions", "Enforce"),
    ("Enforce IP restrictions, but relax for refresh tokens", "Enforce_RelaxRefresh"),
    ("Relax IP restrictions with second factor", "Bypass_2factor"),
    ("Relax IP restrictions", "Bypass"),
]

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
#: the older scope labels of the classic page [code: FIDELITY]; the rest follow the same pattern [none]
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
