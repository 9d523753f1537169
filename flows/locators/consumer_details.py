"""The consumer details page behind "Consumer Key and Secret": identity verification, then key and secret.
[doc: the verification; none: new tab or not, URL and DOM — so every locator here is a label or a role]"""

import re

from . import any_of, label, role, text, words

CODE_INPUT = any_of(label("Verification Code"), label(re.compile(r"Code", re.I).pattern), role("textbox", re.compile("code", re.I)))
VERIFY = role("button", words("Verify", "Submit", "Continue"))
RESEND = any_of(role("link", words("Resend Code")), role("button", words("Resend Code")))
TIMED_OUT_TEXT = "Your verification attempt has timed out"

CONSUMER_KEY_LABEL = "Consumer Key"
CONSUMER_SECRET_LABEL = "Consumer Secret"
COPY = role("button", re.compile(r"^Copy", re.I))
