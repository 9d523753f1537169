"""Manage (the app's policies page), Edit Policies, Manage Profiles, Manage Permission Sets of a Connected App.
[code, doc: FIDELITY for Permitted Users `name="userpolicy"` with a JS confirm; none: the other controls' markup]"""

import re

from . import css, label, role, words

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
REFRESH_TOKEN_POLICY = role("radiogroup", re.compile(r"Refresh Token Policy", re.I))
REFRESH_TOKEN_PERIOD = label("Refresh Token Validity Period")
REFRESH_TOKEN_UNIT = label("Refresh Token Validity Unit")
SESSION_TIMEOUT = label("Timeout Value")

#: Application Profile / Permission Set Assignment: one labelled checkbox per profile or permission set
ASSIGNMENT_CHECKBOXES = css("table.list input[type=checkbox]")

SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
