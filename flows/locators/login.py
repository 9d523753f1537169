"""The login page (login.salesforce.com, test.salesforce.com, My Domain). [code: many Selenium/Playwright suites]"""

from . import css

USERNAME = css("#username")
PASSWORD = css("#password")
LOG_IN = css("#Login")  # "Log In" or "Log In to Sandbox"; reused on the password page of two-step logins
ERROR = css("#error")

#: an error text with any of these words means the account is locked
LOCKED_WORDS = ("locked", "too many")
