"""The External Client App metadata types as Salesforce documents them: folder, suffix, the elements each file may
hold and the kind of each (EVIDENCE.md "Metadata API"). A deploy is checked against this table before anything
else; an element not listed is an unknown element, a value outside an enum a bad enum value.

Complex elements (custom attributes, IP ranges, ID token configuration) are accepted and ignored: the simulated
org does not model them, and refusing a documented element would be stricter than Salesforce.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"

# element kinds
STRING, BOOLEAN, INT, COMPLEX = "string", "boolean", "int", "complex"

#: enumerations (name -> values), as the types' documentation lists them
ENUMS: dict[str, tuple[str, ...]] = {
    "ExtlClntAppDistState": ("Local", "Packaged"),  # the others are "for internal use only" [doc]
    "PermittedUsersPolicyType": ("AdminApprovedPreAuthorized", "AllSelfAuthorized"),
    "RefreshTokenPolicyType": ("Infinite", "Zero", "SpecificLifetime", "SpecificInactivity"),
    "RefreshTokenValidityUnit": ("Hours", "Days", "Months"),
    "IpRelaxationPolicyType": ("Enforce", "Bypass", "Bypass_2factor", "Enforce_RelaxRefresh"),
    "PolicyAction": ("Block", "RaiseSessionLevel"),
    "SessionSecurityLevel": ("STANDARD", "HIGH_ASSURANCE", "LOW"),
}


@dataclass(frozen=True)
class MetadataType:
    name: str
    folder: str
    suffix: str
    #: element -> kind (STRING, BOOLEAN, INT, COMPLEX, or an ENUMS name)
    fields: dict[str, str]
    required: tuple[str, ...] = ()
    #: the element naming the app a plugin file belongs to (None: the app's own header file)
    links_to_app: bool = True


EXTERNAL_CLIENT_APPLICATION = MetadataType(
    "ExternalClientApplication", "externalClientApps", "eca",
    {"contactEmail": STRING, "contactPhone": STRING, "description": STRING,
     "distributionState": "ExtlClntAppDistState", "iconUrl": STRING, "infoUrl": STRING, "isProtected": BOOLEAN,
     "label": STRING, "logoUrl": STRING, "managedType": STRING, "orgScopedExternalApp": STRING},
    required=("contactEmail", "label"), links_to_app=False)

OAUTH_SETTINGS = MetadataType(
    "ExtlClntAppOauthSettings", "extlClntAppOauthSettings", "ecaOauth",
    {"areAttributesIncludedInAssetToken": BOOLEAN, "areCustomPermsIncludedInAssetToken": BOOLEAN,
     "assetTokenAudiences": STRING, "clientAssertionCertificate": STRING, "commaSeparatedOauthScopes": STRING,
     "customAttributes": COMPLEX, "externalClientApplication": STRING, "isFirstPartyAppEnabled": BOOLEAN,
     "label": STRING, "oauthLink": STRING, "singleLogoutUrl": STRING, "trustedIpRanges": COMPLEX},
    required=("externalClientApplication",))

GLOBAL_OAUTH_SETTINGS = MetadataType(
    "ExtlClntAppGlobalOauthSettings", "extlClntAppGlobalOauthSets", "ecaGlblOauth",
    {"callbackUrl": STRING, "certificate": STRING, "consumerKey": STRING, "consumerSecret": STRING,
     "externalClientApplication": STRING, "idTokenConfig": COMPLEX, "isClientCredentialsFlowEnabled": BOOLEAN,
     "isCodeCredentialFlowEnabled": BOOLEAN, "isConsumerSecretOptional": BOOLEAN, "isDeviceFlowEnabled": BOOLEAN,
     "isIntrospectAllTokens": BOOLEAN, "isNamedUserJwtEnabled": BOOLEAN, "isPkceRequired": BOOLEAN,
     "isRefreshTokenRotationEnabled": BOOLEAN, "isSecretRequiredForRefreshToken": BOOLEAN,
     "isSecretRequiredForTokenExchange": BOOLEAN, "isTokenExchangeEnabled": BOOLEAN, "label": STRING,
     "shouldRotateConsumerKey": BOOLEAN, "shouldRotateConsumerSecret": BOOLEAN},
    required=("externalClientApplication", "callbackUrl"))

OAUTH_POLICIES = MetadataType(
    "ExtlClntAppOauthConfigurablePolicies", "extlClntAppOauthPolicies", "ecaOauthPlcy",
    {"apexHandler": STRING, "clientCredentialsFlowUser": STRING, "commaSeparatedCustomScopes": STRING,
     "commaSeparatedPermissionSet": STRING, "commaSeparatedProfile": STRING, "customAttributes": COMPLEX,
     "executeHandlerAs": STRING, "externalClientApplication": STRING, "guestJwtSessionTimeoutType": STRING,
     "ipRelaxationPolicyType": "IpRelaxationPolicyType", "isClientCredentialsFlowEnabled": BOOLEAN,
     "isGuestCodeCredFlowEnabled": BOOLEAN, "isTokenExchangeFlowEnabled": BOOLEAN, "label": STRING,
     "namedUserJwtSessionTimeoutType": STRING, "permittedUsersPolicyType": "PermittedUsersPolicyType",
     "policyAction": "PolicyAction", "refreshTokenPolicyType": "RefreshTokenPolicyType",
     "refreshTokenValidityPeriod": INT, "refreshTokenValidityUnit": "RefreshTokenValidityUnit",
     "requiredSessionLevel": "SessionSecurityLevel", "sessionTimeoutInMinutes": INT, "singleLogoutUrl": STRING,
     "startUrl": STRING},
    required=("externalClientApplication",))

PLUGIN_POLICIES = MetadataType(
    "ExtlClntAppConfigurablePolicies", "extlClntAppPolicies", "ecaPlcy",
    {"externalClientApplication": STRING, "isCanvasPluginEnabled": BOOLEAN, "isEnabled": BOOLEAN,
     "isMobilePluginEnabled": BOOLEAN, "isNotificationPluginEnabled": BOOLEAN, "isOauthPluginEnabled": BOOLEAN,
     "isPushPluginEnabled": BOOLEAN, "isSamlPluginEnabled": BOOLEAN, "label": STRING},
    required=("externalClientApplication", "isEnabled"))

TYPES = {t.name: t for t in (EXTERNAL_CLIENT_APPLICATION, OAUTH_SETTINGS, GLOBAL_OAUTH_SETTINGS, OAUTH_POLICIES,
                             PLUGIN_POLICIES)}
BY_FOLDER = {t.folder: t for t in TYPES.values()}

#: the names the org gives the plugin files of an app it made itself (a page-made app retrieves with these);
#: a deploy may name them otherwise, the `externalClientApplication` element is what links them
COMPONENT_NAME_SUFFIX = {
    OAUTH_SETTINGS.name: "_oauth", GLOBAL_OAUTH_SETTINGS.name: "_glbloauth", OAUTH_POLICIES.name: "_oauthPlcy",
    PLUGIN_POLICIES.name: "_plcy",
}

#: commaSeparatedOauthScopes tokens (case-insensitive) -> the scope value the org stores (pages/parts/catalog.py)
SCOPE_TOKENS: dict[str, str] = {
    "api": "api", "web": "web", "full": "full", "refreshtoken": "refresh_token offline_access",
    "offlineaccess": "refresh_token offline_access", "openid": "openid", "basic": "id profile email address phone",
    "profile": "id profile email address phone", "email": "id profile email address phone",
    "address": "id profile email address phone", "phone": "id profile email address phone",
    "custompermissions": "custom_permissions", "customapplications": "visualforce", "content": "content",
    "lightning": "lightning", "chatter": "chatter_api", "wave": "wave_api", "eclair": "eclair_api",
    "pardot": "pardot_api", "interaction": "interaction_api", "forgotpassword": "forgot_password",
    "userregistration": "user_registration_api", "einsteingpt": "einstein_gpt_api", "sfapiplatform": "sfap_api",
    "chatbot": "chatbot_api", "mcp": "mcp_api", "cdp": "cdp_api", "cdpquery": "cdp_query_api",
    "cdpprofile": "cdp_profile_api", "cdpingest": "cdp_ingest_api", "cdpsegment": "cdp_segment_api",
    "cdpidentityresolution": "cdp_identityresolution_api", "cdpcalculatedinsight": "cdp_calculated_insight_api",
}
#: the token a retrieve writes for each stored scope value
SCOPE_OUT: dict[str, str] = {
    "api": "Api", "web": "Web", "full": "Full", "refresh_token offline_access": "RefreshToken,OfflineAccess",
    "openid": "OpenID", "id profile email address phone": "Basic", "custom_permissions": "CustomPermissions",
    "visualforce": "CustomApplications", "content": "Content", "lightning": "Lightning", "chatter_api": "Chatter",
    "wave_api": "Wave", "eclair_api": "Eclair", "pardot_api": "Pardot", "interaction_api": "Interaction",
    "forgot_password": "ForgotPassword", "user_registration_api": "UserRegistration",
    "einstein_gpt_api": "EinsteinGPT", "sfap_api": "SFApiPlatform", "chatbot_api": "Chatbot", "mcp_api": "MCP",
    "cdp_api": "CDP", "cdp_query_api": "CDPQuery", "cdp_profile_api": "CDPProfile", "cdp_ingest_api": "CDPIngest",
    "cdp_segment_api": "CDPSegment", "cdp_identityresolution_api": "CDPIdentityResolution",
    "cdp_calculated_insight_api": "CDPCalculatedInsight",
}
