"""Manage (the app's policies page), Edit Policies, Manage Profiles, Manage Permission Sets of a Connected App.
[code, doc: EVIDENCE.md "Classic Connected App pages" for Permitted Users `name="userpolicy"` with a JS confirm;
none: the other controls' markup]"""

import re

from . import css, eca_policies, label, role, words

EDIT_POLICIES = role("button", words("Edit Policies"))
MANAGE_PROFILES = role("button", words("Manage Profiles"))
MANAGE_PERMISSION_SETS = role("button", words("Manage Permission Sets"))

PERMITTED_USERS = css('select[name="userpolicy"]')
#: the classic wording says "may" where External Client Apps say "can"
PERMITTED_USERS_CHOICES = {
    "admin_approved": "Admin approved users are pre-authorized",
    "self_authorized": "All users may self-authorize",
}
IP_RELAXATION = label("IP Relaxation")
#: the same choices and release wordings as External Client Apps ("...for activated devices", earlier "...with
#: second factor"): both wordings are the Connected App's own [doc: help connected_app_continuous_ip, the API 198
#: packaging guide]
IP_RELAXATION_WORDINGS = eca_policies.IP_RELAXATION_WORDINGS
REFRESH_TOKEN_POLICY = role("radiogroup", re.compile(r"Refresh Token Policy", re.I))
#: the classic wording: "Expire refresh token after" {n} {unit}, where External Client Apps say "... specific time"
#: [doc: Spring '26 release notes, "after specific time (ECA) / after {number}{unit} (connected app)"]
REFRESH_TOKEN_CHOICES = {
    "valid_until_revoked": "Refresh token is valid until revoked",
    "expire_immediately": "Immediately expire refresh token",
    "expire_if_unused": "Expire refresh token if not used for",
    "expire_after": "Expire refresh token after",
}
REFRESH_TOKEN_PERIOD = label("Refresh Token Validity Period")
REFRESH_TOKEN_UNIT = label("Refresh Token Validity Unit")
REFRESH_TOKEN_UNITS = {"hours": "Hour(s)", "days": "Day(s)", "months": "Month(s)"}
SESSION_TIMEOUT = label("Timeout Value")

#: Application Profile / Permission Set Assignment: one labelled checkbox per profile or permission set
ASSIGNMENT_CHECKBOXES = css("table.list input[type=checkbox]")

SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
