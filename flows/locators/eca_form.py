"""The New External Client App form, also the Edit Settings form of an existing app. [doc: labels; none: markup]"""

import re

from . import any_of, label, role, text, words

NEW_PATH_PART = "/ManageExternalClientApplication/new"

# Basic Information [doc]
NAME = label("External Client App Name")
API_NAME = label("API Name")
CONTACT_EMAIL = label("Contact Email")
DISTRIBUTION_STATE = label("Distribution State")
DESCRIPTION = label("Description")

# API (Enable OAuth Settings) [doc]
#: the section's title: a button (aria-expanded) that opens and closes it; some orgs show it collapsed [code]
OAUTH_SECTION = role("button", re.compile(r"API \(Enable OAuth Settings\)", re.I))
ENABLE_OAUTH = label("Enable OAuth")
CALLBACK_URL = label("Callback URL")  # one URL per line
#: the OAuth Scopes dual list box: a group holding an Available and a Selected list of options
SCOPES = role("group", re.compile(r"OAuth Scopes", re.I))

# Flow Enablement and Security [doc]
#: its Run As is not on this form: the Policies page has its own box and "Run As (Username)" (locators/eca_policies)
CLIENT_CREDENTIALS = label("Enable Client Credentials Flow")
AUTH_CODE_CREDENTIALS = label("Enable Authorization Code and Credentials Flow")
JWT_BEARER = label("Enable JWT Bearer Flow")
#: the certificate file input behind "Upload Files" [doc]
CERTIFICATE_UPLOAD = any_of(label("Upload Files"), label("Certificate", exact=True))
#: what the form says about the certificate already uploaded [none: modelled]
CURRENT_CERTIFICATE = text(re.compile(r"Current certificate", re.I))
REQUIRE_SECRET_WEB_SERVER = label("Require secret for Web Server Flow")
REQUIRE_SECRET_REFRESH = label("Require secret for Refresh Token Flow")
#: the long label [doc]; guides also write it short ("Require PKCE for Supported Authorization Flows") [code]
PKCE = any_of(label("Require Proof Key for Code Exchange"), label("Require PKCE"))

CREATE = role("button", words("Create"))
SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
