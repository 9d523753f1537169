"""An External Client App as metadata files, both ways: the spec turned into the files a deploy sends, and the
files a retrieve gives turned into the values the browser areas compare (flows/app_settings.AppSettings,
flows/policy_settings.PolicySettings), so both paths name the same differences the same way.

The vocabulary is Salesforce's (EVIDENCE.md "Metadata API"): the types, their folders and suffixes, the names the
org gives an app's plugin files (`<api name>_oauth` ...), the scope tokens of commaSeparatedOauthScopes and the
policy enums. XML is read and written with xml.etree in the namespace http://soap.sforce.com/2006/04/metadata.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from provisioner.flows.app_settings import AppSettings, certificate_summary
from provisioner.flows.policy_settings import PolicySettings, refresh_token_value

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
_NS = "{" + NAMESPACE + "}"


@dataclass(frozen=True)
class MetadataType:
    name: str
    folder: str
    suffix: str
    component_suffix: str  # the org's name for an app's file of this type: <api name><component_suffix>

    def component(self, api_name: str) -> str:
        return api_name + self.component_suffix

    def path(self, full_name: str) -> str:
        return f"{self.folder}/{full_name}.{self.suffix}"


APP = MetadataType("ExternalClientApplication", "externalClientApps", "eca", "")
OAUTH_SETTINGS = MetadataType("ExtlClntAppOauthSettings", "extlClntAppOauthSettings", "ecaOauth", "_oauth")
GLOBAL_OAUTH = MetadataType("ExtlClntAppGlobalOauthSettings", "extlClntAppGlobalOauthSets", "ecaGlblOauth",
                            "_glbloauth")
OAUTH_POLICIES = MetadataType("ExtlClntAppOauthConfigurablePolicies", "extlClntAppOauthPolicies", "ecaOauthPlcy",
                              "_oauthPlcy")
PLUGIN_POLICIES = MetadataType("ExtlClntAppConfigurablePolicies", "extlClntAppPolicies", "ecaPlcy", "_plcy")
APP_TYPES = (APP, OAUTH_SETTINGS, GLOBAL_OAUTH)
POLICY_TYPES = (OAUTH_POLICIES, PLUGIN_POLICIES)
TYPES = {t.name: t for t in APP_TYPES + POLICY_TYPES}

#: spec scope value -> commaSeparatedOauthScopes tokens
SCOPE_TOKENS = {
    "api": ("Api",), "web": ("Web",), "full": ("Full",), "refresh_token offline_access": ("RefreshToken",
                                                                                           "OfflineAccess"),
    "openid": ("OpenID",), "id profile email address phone": ("Basic", "Profile", "Email", "Address", "Phone"),
    "custom_permissions": ("CustomPermissions",), "visualforce": ("CustomApplications",), "content": ("Content",),
    "lightning": ("Lightning",), "chatter_api": ("Chatter",), "wave_api": ("Wave",), "eclair_api": ("Eclair",),
    "pardot_api": ("Pardot",), "interaction_api": ("Interaction",), "forgot_password": ("ForgotPassword",),
    "user_registration_api": ("UserRegistration",), "einstein_gpt_api": ("EinsteinGPT",),
    "sfap_api": ("SFApiPlatform",), "chatbot_api": ("Chatbot",), "mcp_api": ("MCP",), "cdp_api": ("CDP",),
    "cdp_query_api": ("CDPQuery",), "cdp_profile_api": ("CDPProfile",), "cdp_ingest_api": ("CDPIngest",),
    "cdp_segment_api": ("CDPSegment",), "cdp_identityresolution_api": ("CDPIdentityResolution",),
    "cdp_calculated_insight_api": ("CDPCalculatedInsight",),
}
_SCOPE_OF_TOKEN = {token.lower(): scope for scope, tokens in SCOPE_TOKENS.items() for token in tokens}

PERMITTED_USERS = {"admin_approved": "AdminApprovedPreAuthorized", "self_authorized": "AllSelfAuthorized"}
REFRESH_TOKEN = {"valid_until_revoked": "Infinite", "expire_immediately": "Zero", "expire_after": "SpecificLifetime",
                 "expire_if_unused": "SpecificInactivity"}
REFRESH_UNITS = {"hours": "Hours", "days": "Days", "months": "Months"}
IP_RELAXATION = {"enforce": "Enforce", "relax_with_second_factor": "Bypass_2factor", "relax": "Bypass"}


def _key(mapping: dict[str, str], value: str) -> str:
    return next((k for k, v in mapping.items() if v == value), value)


# --- XML ------------------------------------------------------------------------------------------------------

Values = dict[str, object]


def parse(data: bytes) -> Values:
    """A component file's elements (simple ones) as text."""
    root = ET.fromstring(data)
    return {child.tag.replace(_NS, ""): (child.text or "") for child in root if len(child) == 0}


def render(mtype: MetadataType, values: Values) -> bytes:
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_NS + mtype.name)
    for name in sorted(values):
        value = values[name]
        if value is None:
            continue
        ET.SubElement(root, _NS + name).text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    ET.indent(root, space="    ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


def package_xml(members: dict[str, list[str]], api_version: str) -> bytes:
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_NS + "Package")
    for type_name, names in members.items():
        types = ET.SubElement(root, _NS + "types")
        for name in names:
            ET.SubElement(types, _NS + "members").text = name
        ET.SubElement(types, _NS + "name").text = type_name
    ET.SubElement(root, _NS + "version").text = api_version
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)


def flag(values: Values, name: str, default: bool = False) -> bool:
    value = values.get(name)
    if isinstance(value, bool):
        return value
    return default if value in (None, "") else str(value).strip() == "true"


# --- spec -> files --------------------------------------------------------------------------------------------

def header_values(spec) -> Values:  # noqa: ANN001 - provisioner.spec.AppSpec
    return {"contactEmail": spec.contact_email or "", "description": spec.description or None,
            "distributionState": spec.distribution, "isProtected": False, "label": spec.name}


def oauth_values(spec) -> Values:  # noqa: ANN001
    tokens = [token for scope in sorted(spec.scopes) for token in SCOPE_TOKENS.get(scope, (scope,))]
    return {"commaSeparatedOauthScopes": ",".join(tokens), "externalClientApplication": spec.api_name,
            "label": OAUTH_SETTINGS.component(spec.api_name)}


def global_values(spec, certificate_pem: str | None) -> Values:  # noqa: ANN001
    """What the spec decides of the global OAuth settings; the certificate goes here (it turns the JWT flow on).
    JWT wanted but no certificate at hand (a dry run, a re-run without the key pair): the app's certificate stays."""
    values: Values = {} if spec.jwt_bearer and not certificate_pem else {
        "certificate": certificate_pem.strip() if spec.jwt_bearer else None}
    return {**values, "callbackUrl": "\n".join(spec.callback_urls), "externalClientApplication": spec.api_name,
            "isClientCredentialsFlowEnabled": spec.client_credentials,
            "isCodeCredentialFlowEnabled": spec.auth_code_credentials,
            "isConsumerSecretOptional": not spec.require_secret_web_server,
            "isSecretRequiredForRefreshToken": spec.require_secret_refresh, "isPkceRequired": spec.pkce,
            "label": GLOBAL_OAUTH.component(spec.api_name)}


def policy_values(api_name: str, desired: PolicySettings, policies) -> Values:  # noqa: ANN001 - spec.policies
    """The OAuth policies file for `desired` (profiles and permission sets already resolved to the org's names)."""
    refresh = policies.refresh_token
    timed = refresh.policy in ("expire_after", "expire_if_unused")
    return {"clientCredentialsFlowUser": desired.run_as or None,
            "commaSeparatedPermissionSet": ",".join(sorted(desired.permission_sets)) or None,
            "commaSeparatedProfile": ",".join(sorted(desired.profiles)) or None,
            "externalClientApplication": api_name,
            "ipRelaxationPolicyType": IP_RELAXATION.get(desired.ip_relaxation, desired.ip_relaxation),
            "isClientCredentialsFlowEnabled": bool(desired.run_as), "label": OAUTH_POLICIES.component(api_name),
            "permittedUsersPolicyType": PERMITTED_USERS.get(desired.permitted_users, desired.permitted_users),
            "refreshTokenPolicyType": REFRESH_TOKEN[refresh.policy],
            "refreshTokenValidityPeriod": refresh.period if timed else None,
            "refreshTokenValidityUnit": REFRESH_UNITS[refresh.unit] if timed else None,
            "sessionTimeoutInMinutes": desired.session_timeout_minutes or None}


def merged(current: Values | None, wanted: Values) -> Values:
    """A deploy replaces a whole component: keep what the spec does not decide (an admin's other options), change
    what it does. Elements the spec leaves empty (None) are removed."""
    values = dict(current or {})
    for name, value in wanted.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


# --- files -> what the browser areas compare -------------------------------------------------------------------

def scopes_of(text: str) -> frozenset[str]:
    return frozenset(_SCOPE_OF_TOKEN.get(t.strip().lower(), t.strip()) for t in text.split(",") if t.strip())


def app_settings(header: Values, oauth: Values | None, glbl: Values | None) -> AppSettings:
    """The app as the Settings form would show it: OAuth is on when the app has its OAuth plugin files."""
    on = glbl is not None
    glbl, oauth = glbl or {}, oauth or {}
    pem = str(glbl.get("certificate") or "").strip()
    jwt = on and bool(pem)
    return AppSettings(
        name=str(header.get("label", "")), contact_email=str(header.get("contactEmail", "")),
        description=str(header.get("description", "")), oauth_enabled=on,
        callback_urls=tuple(u.strip() for u in str(glbl.get("callbackUrl", "")).replace(",", "\n").splitlines()
                            if u.strip()) if on else (),
        scopes=scopes_of(str(oauth.get("commaSeparatedOauthScopes", ""))) if on else frozenset(),
        client_credentials=on and flag(glbl, "isClientCredentialsFlowEnabled"),
        auth_code_credentials=on and flag(glbl, "isCodeCredentialFlowEnabled"), jwt_bearer=jwt,
        certificate=certificate_summary(pem + "\n") if jwt else None,
        require_secret_web_server=not flag(glbl, "isConsumerSecretOptional") if on else True,
        require_secret_refresh=flag(glbl, "isSecretRequiredForRefreshToken", True) if on else True,
        pkce=flag(glbl, "isPkceRequired", True) if on else True)


def policy_settings(values: Values) -> PolicySettings:
    policy = _key(REFRESH_TOKEN, str(values.get("refreshTokenPolicyType") or "Infinite"))
    period = str(values.get("refreshTokenValidityPeriod") or "")
    unit = _key(REFRESH_UNITS, str(values.get("refreshTokenValidityUnit") or ""))
    timeout = str(values.get("sessionTimeoutInMinutes") or "0")
    return PolicySettings(
        permitted_users=_key(PERMITTED_USERS, str(values.get("permittedUsersPolicyType") or "AllSelfAuthorized")),
        profiles=frozenset(n.strip() for n in str(values.get("commaSeparatedProfile") or "").split(",") if n.strip()),
        permission_sets=frozenset(n.strip() for n in str(values.get("commaSeparatedPermissionSet") or "").split(",")
                                  if n.strip()),
        refresh_token=refresh_token_value(policy, int(period) if period.isdigit() else period, unit),
        ip_relaxation=_key(IP_RELAXATION, str(values.get("ipRelaxationPolicyType") or "Enforce")),
        session_timeout_minutes=int(timeout) if timeout.isdigit() else 0,
        run_as=str(values.get("clientCredentialsFlowUser") or "") if flag(values, "isClientCredentialsFlowEnabled")
        else "")


__all__ = ["APP", "APP_TYPES", "GLOBAL_OAUTH", "NAMESPACE", "OAUTH_POLICIES", "OAUTH_SETTINGS", "PLUGIN_POLICIES",
           "POLICY_TYPES", "TYPES", "MetadataType", "app_settings", "global_values", "header_values", "merged",
           "oauth_values", "package_xml", "parse", "policy_settings", "policy_values", "render"]
