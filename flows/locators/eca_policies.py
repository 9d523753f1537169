"""Edit Policies of an External Client App: OAuth Policies (Plugin Policies, App Policies, App Authorization),
Session Policies. [doc: Permitted Users wording; none: exact labels of the refresh token and timeout controls]"""

import re

from . import any_of, label, role, words

EDIT_URL = re.compile(r"/editPolicies\b")

PERMITTED_USERS = label("Permitted Users")
PERMITTED_USERS_CHOICES = {
    "admin_approved": "Admin approved users are pre-authorized",
    "self_authorized": "All users can self-authorize",
}
#: changing Permitted Users asks for confirmation in a modal [doc]; its confirming button [none]
DIALOG = any_of(role("dialog"), role("alertdialog"))
CONFIRM = role("button", words("OK", "Continue", "Confirm", "Yes"))

#: App Policies: dual list boxes [doc: "select profiles and permission sets"]
PROFILES = role("group", re.compile(r"Profiles", re.I))
PERMISSION_SETS = role("group", re.compile(r"Permission Sets", re.I))

REFRESH_TOKEN_POLICY = label("Refresh Token Policy")
REFRESH_TOKEN_CHOICES = {
    "valid_until_revoked": "Refresh token is valid until revoked",
    "expire_immediately": "Immediately expire refresh token",
    "expire_if_unused": "Expire refresh token if not used for",
    "expire_after": "Expire refresh token after",
}
REFRESH_TOKEN_PERIOD = any_of(label("Refresh Token Validity Period"), label("Period", exact=True))
REFRESH_TOKEN_UNIT = any_of(label("Refresh Token Validity Unit"), label("Unit", exact=True))
REFRESH_TOKEN_UNITS = {"hours": "Hour(s)", "days": "Day(s)", "months": "Month(s)"}

IP_RELAXATION = label("IP Relaxation")
IP_RELAXATION_CHOICES = {
    "enforce": "Enforce IP restrictions",
    "relax_with_second_factor": "Relax IP restrictions with second factor",
    "relax": "Relax IP restrictions",
}
SESSION_TIMEOUT = any_of(label("Timeout Value"), label("Session Timeout"))
NO_TIMEOUT = "--None--"

SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
