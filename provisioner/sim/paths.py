"""Every address the simulated org serves, in one place: pages link to each other through these, never by importing
each other. [none] marks addresses not found in public sources (EVIDENCE.md)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

# --- login and identity verification (EVIDENCE.md "Login, identity verification, mail, faults") ------------------
LOGIN = "/"
HOME = "/lightning/setup/SetupOneHome/home"
TOTP = "/_ui/identity/verification/method/TotpVerificationUi/e"
EMAIL_FINISH = "/_ui/identity/verification/method/EmailVerificationFinishUi/e"
EMAIL_START = "/_ui/identity/verification/method/EmailVerificationStartUi/e"
SMS = "/_ui/identity/verification/method/SmsVerificationFinishUi/e"  # [none]: named after the email page
PHONE = "/_ui/identity/phone/AddPhoneNumber"  # [code]: outside /_ui/identity/verification/
LOGOUT = "/secur/logout.jsp"
MAINTENANCE = "/msg/maintenanceandavailable.jsp"
FRONTDOOR = "/secur/frontdoor.jsp"  # a session from a token (EVIDENCE.md "Session from a token") [doc]

#: paths that need a logged-in session even where no route answers; login, challenges, OAuth, static files do not
PROTECTED_PREFIXES = ("/lightning/", "/setup/", "/app/mgmt/", "/one/", "/home/", "/_ui/common/", "/_ui/setup/")
ASSET_SUFFIXES = (".js", ".css", ".png", ".svg", ".ico", ".gif", ".jpg", ".woff", ".woff2", ".map")

# --- Lightning Setup (External Client Apps): one shell, rendered by static/*.js from /aura answers --------------
SETUP = "/lightning/setup"
ECA_BASE = "/lightning/setup/ManageExternalClientApplication"
AURA = "/aura"
STATIC = "/static"

# --- classic Connected Apps, also served inside Lightning's frame ------------------------------------------------
CLASSIC_HOME = "/lightning/setup/ConnectedApplication/home"
CLASSIC_IN_LIGHTNING = "/lightning/setup/ConnectedApplication/page"
CONNECTED_APP_LIST = "/app/mgmt/forceconnectedapps/forceAppList.apexp"  # [none]: the Manage Connected Apps list
CONNECTED_APP_EDIT = "/app/mgmt/forceconnectedapps/forceAppEdit.apexp"
CONNECTED_APP_DETAIL = "/app/mgmt/forceconnectedapps/forceAppDetail.apexp"
CONNECTED_APP_VERIFY = "/app/mgmt/forceconnectedapps/forceAppVerify.apexp"  # [none]: the verification step
_UI = "/_ui/core/application/force/connectedapp"
CONNECTED_APP_MANAGE = _UI + "/ForceConnectedApplicationPage/d"  # [none] beyond public screenshots' URLs
CONNECTED_APP_POLICIES = _UI + "/ForceConnectedApplicationPage/e"
CONNECTED_APP_PROFILES = _UI + "/ConnectedAppProfilesPage/e"  # [none]
CONNECTED_APP_PERMSETS = _UI + "/ConnectedAppPermissionSetsPage/e"  # [none]


def login_redirect(path: str, query: dict[str, list[str]]) -> str:
    """The login page that comes back to `path` afterwards, as Salesforce sends a logged-out visitor."""
    target = path + (f"?{urlencode(query, doseq=True)}" if query else "")
    return f"{LOGIN}?ec=302&startURL={quote(target, safe='')}"


def safe_ret_url(value: str | None) -> str:
    """Only same-site relative URLs; anything else lands on Setup home (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return HOME


def in_lightning(classic: str) -> str:
    """The Lightning address of a classic page [doc: EVIDENCE.md "Classic Connected App pages"]."""
    return f"{CLASSIC_IN_LIGHTNING}?address={quote(classic, safe='')}"


def connected_app_links(app) -> dict:  # noqa: ANN001
    """View / Edit / Manage URLs of a connected app in App Manager (Lightning pages around the classic ones)."""
    return {"viewUrl": in_lightning(f"{CONNECTED_APP_DETAIL}?applicationId={app.definition_id}"),
            "editUrl": in_lightning(f"{CONNECTED_APP_EDIT}?applicationId={app.definition_id}"),
            "manageUrl": in_lightning(f"{CONNECTED_APP_MANAGE}?applicationId={app.id}")}
