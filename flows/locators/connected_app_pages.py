"""Finding a Connected App and its pages: App Manager's "New Connected App", the Manage Connected Apps list, the
app's detail page (View) with "Manage Consumer Details" (what follows it: connected_app_consumer_details.py).
[doc, code: EVIDENCE.md "Classic Connected App pages"; none: the list's columns, so those are tolerant]"""

import re

from . import any_of, css, role, words

APP_MANAGER_PATH = "/lightning/setup/NavigationMenus/home"
#: the Lightning pages around the classic ones [doc: EVIDENCE.md "Classic Connected App pages"]
MANAGE_CONNECTED_APPS_PATH = "/lightning/setup/ConnectedApplication/home"
CLASSIC_IN_LIGHTNING_PATH = "/lightning/setup/ConnectedApplication/page"

#: App Manager: gone unless the org allows new Connected Apps (off by default since Spring '26) [doc, issues]
NEW_CONNECTED_APP = any_of(role("button", words("New Connected App")), role("link", words("New Connected App")))
APP_MANAGER_LIST = any_of(role("grid"), role("table"))
ORG_SETTING = "Allow creation of connected apps"

#: Manage Connected Apps: a classic list table; which column holds what [none]
LIST_TABLE = css("table.list")
NAME_COLUMN = re.compile(r"^\s*(Master Label|Connected App Name|App Name|Name)\s*$", re.I)
API_NAME_COLUMN = re.compile(r"(API Name|Developer Name)", re.I)

#: the app's detail page (App Manager's View), ids 06P... [code]
DETAIL_URL = re.compile(r"forceAppDetail\.apexp\?(?:[^#]*&)?applicationId=06P", re.I)
EDIT = role("button", words("Edit"))
MANAGE = role("button", words("Manage"))
MANAGE_CONSUMER_DETAILS = any_of(css('[id$=":manageConsumerKeySecretSection:manageConsumer"]'),
                                 role("button", words("Manage Consumer Details")))
