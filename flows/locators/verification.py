"""Identity verification: during login (TOTP, emailed code, SMS, phone registration) [code], and the texts of
Salesforce's verification errors wherever a code is asked for (login, consumer details) [doc]."""

import re

from . import any_of, css, role, words

URL_PART = "/_ui/identity/verification/"
#: every identity page met during login: the verification pages and "Register Your Mobile Phone", which lives
#: at /_ui/identity/phone/AddPhoneNumber [code], outside URL_PART
IDENTITY_URL_PART = "/_ui/identity/"
TOTP_INPUT = css("#tc")
EMAIL_CODE_INPUT = css("#emc")
SMS_CODE_INPUT = css("#smc")
SUBMIT = css("#save")
RESEND_CODE = any_of(role("link", words("Resend Code")), role("button", words("Resend Code")))
ERROR = css("#error, .errorMsg, .pbError, [role=alert]")
#: the "Register Your Mobile Phone" interstitial can be skipped
SKIP_PHONE_REGISTRATION = role("link", words("I Don't Want to Register My Phone", "Remind Me Later"))
#: where a successful login lands
SUCCESS_URL_PART = "/lightning/"

#: "Error: The allowed number of attempts has been exceeded." (help article 000395187) or "You've exceeded the
#: allowed number of attempts." (000395009): the user's verification is locked for about an hour [doc]
ATTEMPTS_EXCEEDED_TEXT = re.compile(r"allowed number of attempts", re.I)
