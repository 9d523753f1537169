"""Edit Policies of an External Client App: the collapsible OAuth Policies section with Plugin Policies, App Policies,
OAuth Flows (the Policies page's own "Enable Client Credentials Flow" and its Run As), App Authorization (refresh
token, IP relaxation, session timeout in minutes). [doc: Permitted Users, refresh token and IP relaxation wording;
code: the client credentials box and "Run As (Username)", "Session Timeout in Minutes"; none: the markup]"""

import re

from . import any_of, label, role, words

EDIT_URL = re.compile(r"/editPolicies\b")

#: the section holding every policy; some orgs show it collapsed (its title is a button with aria-expanded) [code]
OAUTH_POLICIES_SECTION = role("button", words("OAuth Policies"))

PERMITTED_USERS = label("Permitted Users")
PERMITTED_USERS_CHOICES = {
    "admin_approved": "Admin approved users are pre-authorized",
    "self_authorized": "All users can self-authorize",
}
#: changing Permitted Users, and turning on the client credentials flow, ask for confirmation [doc]; a modal or a
#: native confirm() [none]
DIALOG = any_of(role("dialog"), role("alertdialog"))
CONFIRM = role("button", words("OK", "Continue", "Confirm", "Yes", "Enable"))

#: App Policies: dual list boxes [doc: "select profiles and permission sets"]
PROFILES = role("group", re.compile(r"Profiles", re.I))
PERMISSION_SETS = role("group", re.compile(r"Permission Sets", re.I))

#: OAuth Flows and External Client App Enhancements: unchecked on a new app even when the Settings form's box of
#: the same name is on; checking it shows Run As [code]
CLIENT_CREDENTIALS = label("Enable Client Credentials Flow")
RUN_AS = any_of(label("Run As (Username)"), label("Run As"))

REFRESH_TOKEN_POLICY = label("Refresh Token Policy")
#: the External Client App wording [doc: Spring '26 release notes, help]; the classic Connected App page's is in
#: locators/connected_app_policies.py
REFRESH_TOKEN_CHOICES = {
    "valid_until_revoked": "Refresh token is valid until revoked",
    "expire_immediately": "Immediately expire refresh token",
    "expire_after": "Expire refresh token after specific time",
    "expire_if_unused": "Expire refresh token if not used for specific time",
}
REFRESH_TOKEN_PERIOD = any_of(label("Refresh Token Validity Period"), label("Period", exact=True))
REFRESH_TOKEN_UNIT = any_of(label("Refresh Token Validity Unit"), label("Unit", exact=True))
REFRESH_TOKEN_UNITS = {"hours": "Hour(s)", "days": "Day(s)", "months": "Month(s)"}

IP_RELAXATION = label("IP Relaxation")
#: the current wording [doc: help connected_app_continuous_ip]
IP_RELAXATION_CHOICES = {
    "enforce": "Enforce IP restrictions",
    "relax_with_second_factor": "Relax IP restrictions for activated devices",
    "relax": "Relax IP restrictions",
}
#: every wording a release has used for a choice (the older "...with second factor": the API 198 guide) [doc]
IP_RELAXATION_WORDINGS = {
    **{key: (text,) for key, text in IP_RELAXATION_CHOICES.items()},
    "relax_with_second_factor": ("Relax IP restrictions for activated devices",
                                 "Relax IP restrictions with second factor"),
}

#: a number of minutes on External Client Apps [code: "Session Timeout in Minutes"]; the classic "Timeout Value"
#: picklist is read and set too, should a page show one
SESSION_TIMEOUT = any_of(label("Session Timeout"), label("Timeout Value"))
NO_TIMEOUT = "--None--"

SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
