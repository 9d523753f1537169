"""An External Client App's page: Settings and Policies tabs with their Edit buttons, "Consumer Key and Secret". [doc]"""

import re

from . import any_of, role, words

#: the app's page (ids start 0xI) in view mode, after Create or Save
VIEW_URL = re.compile(r"/lightning/setup/ManageExternalClientApplication/0xI[A-Za-z0-9]+/(view|detail)\b")
SETTINGS_TAB = role("tab", words("Settings"))
POLICIES_TAB = role("tab", words("Policies"))
#: the active tab's Edit button (or the older "Edit Settings" / "Edit Policies" buttons)
EDIT = role("button", words("Edit"))
EDIT_SETTINGS = any_of(role("button", words("Edit Settings")), role("menuitem", words("Edit Settings")))
EDIT_POLICIES = any_of(role("button", words("Edit Policies")), role("menuitem", words("Edit Policies")))
CONSUMER_KEY_AND_SECRET = any_of(role("button", words("Consumer Key and Secret")),
                                 role("link", words("Consumer Key and Secret")))
