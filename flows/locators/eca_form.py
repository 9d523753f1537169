"""The New External Client App form, also the Edit Settings form of an existing app. [doc; details none]"""

import re

from . import any_of, label, role, text, words

# Basic Information [doc]
NAME = label("External Client App Name")
API_NAME = label("API Name")
CONTACT_EMAIL = label("Contact Email")
DISTRIBUTION_STATE = label("Distribution State")
DESCRIPTION = label("Description")
INFO_URL = label("Info URL")

# API (Enable OAuth Settings) [doc]
ENABLE_OAUTH = label("Enable OAuth")
CALLBACK_URL = label("Callback URL")
#: the OAuth Scopes dual list: one listbox of available scopes, one of selected ones
SCOPES_GROUP = any_of(role("group", re.compile(r"OAuth Scopes", re.I)), text(re.compile(r"^OAuth Scopes$", re.I)))
AVAILABLE_SCOPES = role("listbox", re.compile(r"Available", re.I))
SELECTED_SCOPES = role("listbox", re.compile(r"Selected", re.I))
SCOPE_OPTION = role("option")
MOVE_TO_SELECTED = role("button", re.compile(r"(Move selection to Selected|^Add$|Move to Selected)", re.I))
MOVE_TO_AVAILABLE = role("button", re.compile(r"(Move selection to Available|^Remove$|Move to Available)", re.I))

# Flow Enablement and Security [doc]
CLIENT_CREDENTIALS = label("Enable Client Credentials Flow")
RUN_AS = any_of(label("Run As"), label("Run As (Username)"))
AUTH_CODE_CREDENTIALS = label("Enable Authorization Code and Credentials Flow")
JWT_BEARER = label("Enable JWT Bearer Flow")
CERTIFICATE_UPLOAD = any_of(label("Upload Files"), label("Certificate"), role("button", words("Upload Files")))
REQUIRE_SECRET_WEB_SERVER = label("Require secret for Web Server Flow")
REQUIRE_SECRET_REFRESH = label("Require secret for Refresh Token Flow")
PKCE = label("Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows")
PKCE_SHORT = re.compile(r"Require Proof Key for Code Exchange", re.I)

CREATE = role("button", words("Create"))
SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
