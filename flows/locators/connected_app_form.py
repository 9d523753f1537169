"""The classic New / Edit Connected App form (forceAppEdit.apexp) and the page after Save.

Ids from EVIDENCE.md ("Classic Connected App pages") [code], matched by their ending so a changed `appsetup:...`
prefix does not matter. The API Name, PKCE and secret checkboxes have no public ids: labels there [none].
"""

import re

from . import any_of, css, label, role, text, words


def _id(suffix: str):  # noqa: ANN202
    return css(f'[id$="{suffix}"]')


NAME = _id(":nameSection:name")
API_NAME = any_of(_id(":developerName"), label("API Name", exact=True))
CONTACT_EMAIL = _id(":emailSection:contactEmail")
DESCRIPTION = _id(":descriptionSection:description")

ENABLE_OAUTH = _id(":oauth:isOauth")  # "Enable OAuth Settings"
CALLBACK_URL = _id(":multiCallbackUrlSection:callbackUrl")  # a textarea, one URL per line
USE_DIGITAL_SIGNATURES = _id(":digitalSignaturesSection:certUsedOption")
CERTIFICATE_UPLOAD = _id(":digitalSignaturesSection:certFileUpload")
#: what the form says about the certificate already uploaded [none: modelled]
CURRENT_CERTIFICATE = text(re.compile(r"Current certificate", re.I))

#: the scopes "dueling list": Available (backingList_a) and Selected (backingList_s), with Add / Remove arrows
SCOPES_AVAILABLE = _id(":duelingListBox:backingList_a")
SCOPES_SELECTED = _id(":duelingListBox:backingList_s")
ADD = any_of(css('a[title="Add"]'), role("link", words("Add")))
REMOVE = any_of(css('a[title="Remove"]'), role("link", words("Remove")))

PKCE = label("Require Proof Key for Code Exchange")
REQUIRE_SECRET_WEB_SERVER = label("Require Secret for Web Server Flow")
REQUIRE_SECRET_REFRESH = label("Require Secret for Refresh Token Flow")

SAVE = role("button", words("Save"))
CANCEL = role("button", words("Cancel"))
#: after saving a new app: "Allow from 2-10 minutes ..." and a Continue button [code]
CONTINUE = role("button", words("Continue"))
