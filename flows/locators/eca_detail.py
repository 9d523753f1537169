"""An External Client App's page: Settings and Policies tabs, Edit buttons, "Consumer Key and Secret". [doc]"""

import re

from . import any_of, role, words

DETAIL_PATH = re.compile(r"/lightning/setup/ManageExternalClientApplication/[^/]+/(view|detail)")
SETTINGS_TAB = role("tab", words("Settings"))
POLICIES_TAB = role("tab", words("Policies"))
EDIT = role("button", words("Edit"))
EDIT_SETTINGS = any_of(role("button", words("Edit Settings")), role("menuitem", words("Edit Settings")))
EDIT_POLICIES = any_of(role("button", words("Edit Policies")), role("menuitem", words("Edit Policies")))
CONSUMER_KEY_AND_SECRET = any_of(role("button", words("Consumer Key and Secret")),
                                 role("link", words("Consumer Key and Secret")))
#: the toast after a save
SAVED_TOAST = role("status")
