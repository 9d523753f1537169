"""External Client App Manager (the list of the org's ECAs) and App Manager (where "New External Client App" is). [doc]"""

import re

from . import any_of, role, words

ECA_MANAGER_PATH = "/lightning/setup/ManageExternalClientApplication/home"
APP_MANAGER_PATH = "/lightning/setup/NavigationMenus/home"

NEW_APP = any_of(role("button", words("New External Client App")), role("link", words("New External Client App")))
#: the list itself; its rows, column headers and cells
TABLE = any_of(role("grid"), role("table"))
ROW = role("row")
COLUMN_HEADER = role("columnheader")
CELL = any_of(role("gridcell"), role("cell"), role("rowheader"))
#: which column holds what [none for ECAs: modelled on App Manager's columns]
NAME_COLUMN = re.compile(r"^\s*(External Client App Name|App Name|Name|Label)\b", re.I)
API_NAME_COLUMN = re.compile(r"(API Name|Developer Name)", re.I)
#: the row menu ("Show actions") and its items
ROW_MENU = role("button", re.compile(r"(Show (more )?actions|actions for)", re.I))
EDIT_SETTINGS = role("menuitem", words("Edit Settings"))
EDIT_POLICIES = role("menuitem", words("Edit Policies"))
VIEW = role("menuitem", words("View"))
#: an empty list says so
EMPTY = role("status")
