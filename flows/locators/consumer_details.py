"""The page behind "Consumer Key and Secret": identity verification (emailed code), then key and secret.
[doc: the verification; none: new tab or not, URL and DOM, so every locator here is a label, a role or a text]"""

import re

from . import any_of, label, role, words

CODE_INPUT = any_of(label("Verification Code"), role("textbox", re.compile(r"code", re.I)))
VERIFY = role("button", words("Verify", "Submit", "Continue"))
RESEND = any_of(role("link", words("Resend Code")), role("button", words("Resend Code")))

#: each value sits in a labelled read-only group with a Copy button
CONSUMER_KEY = role("group", words("Consumer Key"))
CONSUMER_SECRET = role("group", words("Consumer Secret"))
COPY_TEXT = "Copy"
