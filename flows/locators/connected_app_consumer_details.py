"""What "Manage Consumer Details" on a Connected App's detail page leads to: the emailed-code step (same tab), then
the "Consumer Details" section with the key and secret.
[doc: the emailed code; code: the secret's id, the key's id modelled on it; none: the verification page's markup]"""

from . import any_of, css, label, role, words

#: the identity verification in between (same tab)
CODE_INPUT = any_of(css("#emc"), label("Verification Code"))
VERIFY = any_of(css("#save"), role("button", words("Verify")))

#: "Consumer Details"
CONSUMER_KEY = css('[id$=":consumerKeySection:consumerKey"]')
CONSUMER_SECRET = css('[id$=":consumerSecretSection:consumerSecret"]')
