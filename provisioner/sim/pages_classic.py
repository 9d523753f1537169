"""Classic Setup pages for Connected Apps, served inside Lightning the way Salesforce serves them.

`/lightning/setup/ConnectedApplication/home` and `.../page?address=<encoded classic URL>` are Lightning pages whose
content is an iframe (`force-aloha-page iframe[name^=vfFrameId]`) holding the classic page; the classic pages are
also served on their own URLs. Classic pages are server-rendered HTML forms (no shadow DOM), with the element ids
FIDELITY.md lists ("Setup: classic Connected Apps") and random `j_id` ids elsewhere. Every submission is validated
here (pages_setup_validation, with classic wording). Apps are stored in `org.apps` as ExternalClientApp objects
with kind "connected_app", so the token endpoint checks them exactly as it checks External Client Apps.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import random
import secrets
import string
import time
from urllib.parse import quote, urlencode

from . import pages_setup_catalog as catalog
from .http import Request, Response, Router
from .model import ExternalClientApp
from .pages_login import mask_email
from .pages_setup_validation import validate_policies, validate_settings

LIGHTNING_HOME = "/lightning/setup/ConnectedApplication/home"
LIGHTNING_PAGE = "/lightning/setup/ConnectedApplication/page"
LIST_PATH = "/app/mgmt/forceconnectedapps/forceAppList.apexp"  # [none]: the Manage Connected Apps list
EDIT_PATH = "/app/mgmt/forceconnectedapps/forceAppEdit.apexp"
DETAIL_PATH = "/app/mgmt/forceconnectedapps/forceAppDetail.apexp"
VERIFY_PATH = "/app/mgmt/forceconnectedapps/forceAppVerify.apexp"  # [none]: URL of the verification step
_UI = "/_ui/core/application/force/connectedapp"
MANAGE_PATH = _UI + "/ForceConnectedApplicationPage/d"  # [none] beyond public screenshots' URLs
POLICIES_PATH = _UI + "/ForceConnectedApplicationPage/e"
PROFILES_PATH = _UI + "/ConnectedAppProfilesPage/e"  # [none]
PERMSETS_PATH = _UI + "/ConnectedAppPermissionSetsPage/e"  # [none]

# Element ids [code: FIDELITY]; the API name's and the security checkboxes' ids are modelled [none].
_D = "appsetup:setupForm:details"
NAME_ID = _D + ":appsection:nameSection:name"
API_NAME_ID = _D + ":appsection:developerNameSection:developerName"
EMAIL_ID = _D + ":appsection:emailSection:contactEmail"
DESCRIPTION_ID = _D + ":appsection:descriptionSection:description"
OAUTH_ID = _D + ":consumersection:oauth:isOauth"
CALLBACK_ID = _D + ":oauthSection:multiCallbackUrlSection:callbackUrl"
CERT_USED_ID = _D + ":oauthSection:digitalSignaturesSection:certUsedOption"
CERT_FILE_ID = _D + ":oauthSection:digitalSignaturesSection:certFileUpload"
SCOPES_A_ID = _D + ":oauthSection:scopesSection:scopes:duelingListBox:backingList_a"
SCOPES_S_ID = _D + ":oauthSection:scopesSection:scopes:duelingListBox:backingList_s"
PKCE_ID = _D + ":oauthSection:pkceSection:isPkceRequired"
SECRET_WEB_ID = _D + ":oauthSection:secretSection:isSecretRequiredForWebServer"
SECRET_REFRESH_ID = _D + ":oauthSection:secretSection:isSecretRequiredForRefresh"
MANAGE_CONSUMER_ID = "appsetup:setupForm:details:oauthSettingsSection:manageConsumerKeySecretSection:manageConsumer"
CONSUMER_KEY_ID = "appsetup:setupForm:consumerDetails:oauthConsumerSection:consumerKeySection:consumerKey"
CONSUMER_SECRET_ID = "appsetup:setupForm:consumerDetails:oauthConsumerSection:consumerSecretSection:consumerSecret"
VIEWSTATE = "com.salesforce.visualforce.ViewState"

#: the older scope labels of the classic page [code: FIDELITY]; the rest follow the same pattern [none]
SCOPES = [
    ("Access and manage your data (api)", "api"),
    ("Access your basic information (id, profile, email, address, phone)", "id profile email address phone"),
    ("Access custom permissions (custom_permissions)", "custom_permissions"),
    ("Access unique user identifiers (openid)", "openid"),
    ("Full access (full)", "full"),
    ("Perform requests on your behalf at any time (refresh_token, offline_access)", "refresh_token offline_access"),
    ("Provide access to your data via the Web (web)", "web"),
    ("Access Lightning applications (lightning)", "lightning"),
    ("Access Visualforce applications (visualforce)", "visualforce"),
]
#: classic Permitted Users wording ("may", where the ECA pages say "can") [doc]
PERMITTED_USERS = [
    ("All users may self-authorize", "AllSelfAuthorized"),
    ("Admin approved users are pre-authorized", "AdminApprovedPreAuthorized"),
]
PERMITTED_USERS_CONFIRM = ("Enabling this option will block all users who are not pre-authorized from using this "
                           "app. Are you sure?")  # [none]: the confirm() text
CONTINUE_TEXT = ("Allow from 2-10 minutes for your changes to take effect on the server before using the "
                 "connected app.")
INVALID_DATA = "Error: Invalid Data. Review all error messages below to correct your data."
CREATION_OFF = ("You can't create connected apps in this org. To create one, turn on \"Allow creation of connected "
                "apps\" in External Client App Settings, or contact Salesforce Support.")  # [none]
WRONG_CODE = "The verification code you entered isn't valid. Check the code and try again."
TIMED_OUT = "Your verification attempt has timed out. Try again."
CONSUMER_GRANT_SECONDS = 5 * 60  # [none]: how long a verified session sees the consumer details
_CLASSIC_MESSAGES = {"Complete this field.": "You must enter a value", "Enter a valid URL.": "Invalid URL",
                     "Select at least one OAuth scope.": "You must select at least one OAuth scope"}

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;font-size:75%;background:#fff;margin:0;color:#222}
#bodyCell{padding:10px 16px}
.bPageTitle h1.pageType{font-size:.9em;color:#4a4a56;margin:0;display:block}
.bPageTitle h2.pageDescription{font-size:1.8em;font-weight:normal;margin:2px 0 12px}
.bPageBlock{border-top:3px solid #1797c0;background:#f8f8f8;border-radius:4px;margin-bottom:12px;padding-bottom:6px}
.pbHeader,.pbBottomButtons{padding:6px 10px}.pbHeader h2{display:inline;margin-right:20px;font-size:1.3em}
.pbSubheader{background:#1797c0;color:#fff;padding:3px 8px;margin:8px 0 4px}.pbSubheader h3{font-size:1.1em;margin:0}
table.detailList{width:100%;border-collapse:collapse}.labelCol{width:18%;text-align:right;font-weight:bold;
padding:4px 10px;color:#4a4a56;vertical-align:top}.dataCol{padding:4px 10px}
.requiredInput{display:inline-block;border-left:3px solid #c00;padding-left:2px}
.btn{padding:4px 6px;margin:0 3px;border:1px solid #b5b5b5;border-radius:3px;background:#e8e8e9;font-weight:bold;cursor:pointer}
.errorMsg{color:#d74c3b}.pbError,#errorDiv_ep{color:#c00;font-weight:bold;padding:6px 10px}
table.list{border-collapse:collapse;width:100%;background:#fff}table.list th,table.list td{border:1px solid #e0e3e5;padding:4px 6px;text-align:left}
textarea{width:380px;height:60px}
.rightArrowIcon,.leftArrowIcon{background:#1797c0;border-radius:3px;margin:3px 0}select[multiple]{min-width:300px}.dueling td{vertical-align:middle;padding:2px 6px}
"""

_FORM_JS = """
function sfMove(from, to){var a=document.getElementById(from),b=document.getElementById(to);
 Array.prototype.slice.call(a.selectedOptions).forEach(function(o){o.selected=false;b.appendChild(o);});return false;}
function sfToggle(box, id){document.getElementById(id).style.display=box.checked?'':'none';}
function sfSubmit(form){var s=document.getElementById('%(selected)s');
 if(s){Array.prototype.forEach.call(s.options,function(o){o.selected=true;});}return true;}
var sfApi=document.getElementById('%(api)s'), sfName=document.getElementById('%(name)s');
if(sfApi&&sfName&&!sfApi.readOnly){sfName.addEventListener('blur',function(){if(!sfApi.value){
 sfApi.value=sfName.value.replace(/[^A-Za-z0-9]+/g,'_').replace(/^_+|_+$/g,'');}});}
""" % {"selected": SCOPES_S_ID, "api": API_NAME_ID, "name": NAME_ID}


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _jid() -> str:
    """Visualforce's generated ids (`j_id0`, `j_id41`...): they change between releases and pages [code]."""
    return f"j_id{random.randint(0, 999)}"


def app_manager_links(app: ExternalClientApp) -> dict:
    """View / Edit / Manage URLs of a connected app in App Manager (Lightning pages around the classic ones)."""
    return {"viewUrl": lightning_url(f"{DETAIL_PATH}?applicationId={app.definition_id}"),
            "editUrl": lightning_url(f"{EDIT_PATH}?applicationId={app.definition_id}"),
            "manageUrl": lightning_url(f"{MANAGE_PATH}?applicationId={app.id}")}


def lightning_url(classic: str) -> str:
    """The Lightning address of a classic page [doc: FIDELITY]."""
    return f"{LIGHTNING_PAGE}?address={quote(classic, safe='')}"


def register(router: Router, org) -> None:
    pages = ClassicPages(org)
    router.add("GET", LIGHTNING_HOME, pages.lightning_home)
    router.add("GET", LIGHTNING_PAGE, pages.lightning_page)
    router.add("GET", LIST_PATH, pages.app_list)
    router.add("GET", EDIT_PATH, pages.edit_get)
    router.add("POST", EDIT_PATH, pages.edit_post)
    router.add("GET", DETAIL_PATH, pages.detail_get)
    router.add("POST", DETAIL_PATH, pages.detail_post)
    router.add("GET", VERIFY_PATH, pages.verify_get)
    router.add("POST", VERIFY_PATH, pages.verify_post)
    router.add("GET", MANAGE_PATH, pages.manage_get)
    router.add("GET", POLICIES_PATH, pages.policies_get)
    router.add("POST", POLICIES_PATH, pages.policies_post)
    router.add("GET", PROFILES_PATH, pages.profiles_get)
    router.add("POST", PROFILES_PATH, pages.profiles_post)
    router.add("GET", PERMSETS_PATH, pages.permsets_get)
    router.add("POST", PERMSETS_PATH, pages.permsets_post)


class ClassicPages:
    def __init__(self, org):
        self.org = org
        self._token_key = secrets.token_bytes(32)
        #: (session id, app id) -> when the identity verification for the consumer details passed
        self._grants: dict[tuple[str, str], float] = {}
        org.on_refresh.append(self._grants.clear)

    # --- plumbing -------------------------------------------------------------------------------
    def _delay(self) -> None:
        if getattr(self.org, "latency", None) is not None:
            self.org.latency.page()

    def _session(self, request: Request):
        return self.org.session(request.cookies.get("sid"))

    def _login(self, request: Request) -> Response:
        target = request.path + ("?" + urlencode({k: v[0] for k, v in request.query.items()}) if request.query else "")
        return Response.redirect("/?ec=302&startURL=" + quote(target, safe=""))

    def _token(self, session) -> str:
        return hmac.new(self._token_key, session.id.encode(), hashlib.sha256).hexdigest()

    def _hidden(self, session) -> str:
        return f'<input type="hidden" name="{VIEWSTATE}" id="{VIEWSTATE}" value="{self._token(session)}">'

    def _token_ok(self, session, form: dict) -> bool:
        return hmac.compare_digest((form.get(VIEWSTATE) or [""])[0], self._token(session))

    def _by_definition(self, request: Request) -> ExternalClientApp | None:
        wanted = request.arg("applicationId", "") or ""
        with self.org.lock:
            return next((a for a in self.org.apps.values()
                         if a.kind == "connected_app" and wanted and a.definition_id == wanted), None)

    def _by_id(self, request: Request) -> ExternalClientApp | None:
        app = self.org.apps.get(request.arg("applicationId", "") or "")
        return app if app is not None and app.kind == "connected_app" else None

    def _guarded(self, request: Request, render):  # noqa: ANN001
        session = self._session(request)
        if session is None:
            return self._login(request)
        self._delay()
        return render(session)

    def _posted(self, request: Request, find, handle) -> Response:  # noqa: ANN001
        """A form post on one app's page: session, the app (`find`), the view-state token, then `handle`."""
        session = self._session(request)
        if session is None:
            return self._login(request)
        self._delay()
        app = find(request)
        if app is None:
            return _missing()
        form = request.form()
        if not self._token_ok(session, form):
            return _invalid_session_page()
        return handle(session, app, form)

    # --- Lightning around the classic pages ------------------------------------------------------------
    def lightning_home(self, request: Request) -> Response:
        return self._guarded(request, lambda s: _lightning_frame("Connected Apps", LIST_PATH))

    def lightning_page(self, request: Request) -> Response:
        address = request.arg("address", "") or ""
        if not address.startswith("/") or address.startswith("//"):
            address = LIST_PATH  # only same-site pages go into the frame
        return self._guarded(request, lambda s: _lightning_frame("Connected Apps", address))

    # --- Manage Connected Apps ---------------------------------------------------------------------
    def app_list(self, request: Request) -> Response:
        def render(session) -> Response:
            with self.org.lock:
                apps = sorted((a for a in self.org.apps.values() if a.kind == "connected_app"),
                              key=lambda a: a.name.lower())
            rows = "".join(
                f'<tr class="dataRow"><td class="actionColumn"><a href="{POLICIES_PATH}?applicationId={a.id}" '
                f'class="actionLink">Edit</a></td><th scope="row"><a href="{DETAIL_PATH}?applicationId='
                f'{a.definition_id}">{_esc(a.name)}</a></th><td>{_esc(a.api_name)}</td><td>1</td>'
                f'<td>{"Yes" if a.oauth_enabled else "No"}</td></tr>' for a in apps)
            if not rows:
                rows = '<tr class="dataRow"><td colspan="5">No records to display.</td></tr>'
            body = (f'<div class="bPageBlock"><div class="pbBody"><table class="list" id="{_jid()}">'
                    '<tr class="headerRow"><th scope="col">Action</th><th scope="col">Master Label</th>'
                    '<th scope="col">API Name</th><th scope="col">Version</th><th scope="col">OAuth Enabled</th></tr>'
                    f'{rows}</table></div></div>')
            return _classic("Connected Apps", "Connected Apps", body)
        return self._guarded(request, render)

    # --- New / Edit ------------------------------------------------------------------------------
    def edit_get(self, request: Request) -> Response:
        def render(session) -> Response:
            app = None
            if request.arg("applicationId"):
                app = self._by_definition(request)
                if app is None:
                    return _missing()
            elif not self.org.config.connected_apps_allowed:
                return _error_page("Insufficient Privileges", CREATION_OFF)
            return self._form(session, app, _values_of(app), {})
        return self._guarded(request, render)

    def edit_post(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return self._login(request)
        self._delay()
        form = request.form()
        app = None
        if request.arg("applicationId"):
            app = self._by_definition(request)
            if app is None:
                return _missing()
        elif not self.org.config.connected_apps_allowed:
            return _error_page("Insufficient Privileges", CREATION_OFF)
        if not self._token_ok(session, form):
            return _invalid_session_page()
        if any(name.endswith(":cancel") for name in form):
            return Response.redirect(f"{DETAIL_PATH}?applicationId={app.definition_id}" if app else LIST_PATH)
        values = _values_from(form, app)
        fields = {
            "name": values["name"], "api_name": values["api_name"], "contact_email": values["contact_email"],
            "description": values["description"], "oauth_enabled": values["oauth"],
            "callback_urls": values["callback"], "scopes": values["scopes"], "jwt_enabled": values["cert_used"],
            "certificate": values["certificate"], "require_secret_web_server": values["secret_web"],
            "require_secret_refresh": values["secret_refresh"], "pkce_required": values["pkce"],
        }
        with self.org.lock:  # uniqueness check and insert in one step
            data, problems = validate_settings(fields, self.org, current=app)
            if data is not None and not set(data.scopes) <= {v for _, v in SCOPES}:
                problems.add("scopes", "Select a valid value.")
                data = None
            if data is None:
                errors = {k: _CLASSIC_MESSAGES.get(v, v) for k, v in problems.fields.items()}
                return self._form(session, app, values, errors)
            created = app is None
            if created:
                app = ExternalClientApp(
                    id=self.org.ids.sf_id("0H4"), name=data.name, api_name=data.api_name,
                    contact_email=data.contact_email, kind="connected_app",
                    definition_id=self.org.ids.sf_id("06P"),
                    consumer_key="3MVG9" + self.org.ids.token(80, string.ascii_letters + string.digits + "._"),
                    consumer_secret=self.org.ids.token(64, "0123456789ABCDEF"),
                )
                self.org.apps[app.id] = app
            for name in ("name", "contact_email", "description", "oauth_enabled", "callback_urls", "scopes",
                         "jwt_enabled", "require_secret_web_server", "require_secret_refresh", "pkce_required"):
                setattr(app, name, getattr(data, name))
            if data.certificate_pem is not None:
                app.certificate_pem = data.certificate_pem
            app.changed_at = time.time()
        self.org.log("connected_app_created" if created else "connected_app_changed", api_name=app.api_name,
                     by=session.username)
        if not created:
            return Response.redirect(f"{DETAIL_PATH}?applicationId={app.definition_id}")
        detail = f"{DETAIL_PATH}?applicationId={app.definition_id}"
        body = (f'<div class="bPageBlock"><div class="pbBody"><p>{_esc(CONTINUE_TEXT)}</p></div>'
                f'<div class="pbBottomButtons"><input type="button" class="btn" id="{_jid()}:continue" value="Continue"'
                f' onclick="window.location.href=\'{detail}\'"></div></div>')
        return _classic("New Connected App", "New Connected App", body)

    def _form(self, session, app, values: dict, errors: dict) -> Response:
        action = EDIT_PATH + (f"?applicationId={app.definition_id}" if app else "")

        def row(label: str, for_id: str, control: str, *, required: bool = False, error_key: str = "") -> str:
            if required:
                control = f'<div class="requiredInput"><div class="requiredBlock"></div>{control}</div>'
            message = errors.get(error_key) if error_key else None
            error = f'<div class="errorMsg"><strong>Error:</strong> {_esc(message)}</div>' if message else ""
            target = f' for="{for_id}"' if for_id else ""
            return (f'<tr><td class="labelCol"><label{target}>{_esc(label)}'
                    f'</label></td><td class="dataCol">{control}{error}</td></tr>')

        def text_input(id_: str, value: str, *, readonly: bool = False, size: int = 40) -> str:
            extra = " readonly" if readonly else ""
            return f'<input type="text" id="{id_}" name="{id_}" value="{_esc(value)}" size="{size}"{extra}>'

        def checkbox(id_: str, on: bool, onclick: str = "") -> str:
            click = f' onclick="{onclick}"' if onclick else ""
            return f'<input type="checkbox" id="{id_}" name="{id_}"{" checked" if on else ""}{click}>'

        selected = [v for v in values["scopes"] if any(v == s for _, s in SCOPES)]
        available_opts = "".join(f'<option value="{_esc(v)}">{_esc(label)}</option>'
                                 for label, v in SCOPES if v not in selected)
        selected_opts = "".join(f'<option value="{_esc(v)}">{_esc(label)}</option>'
                                for label, v in SCOPES if v in selected)
        scopes = (f'<table class="dueling" id="{_D}:oauthSection:scopesSection:scopes:duelingListBox"><tr>'
                  f'<td><label for="{SCOPES_A_ID}">Available OAuth Scopes</label><br>'
                  f'<select multiple size="9" id="{SCOPES_A_ID}">{available_opts}</select></td>'
                  f'<td><a href="#" title="Add" onclick="return sfMove(\'{SCOPES_A_ID}\',\'{SCOPES_S_ID}\')">'
                  '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" class="rightArrowIcon" alt="Add" title="Add"'
                  ' width="24" height="20"></a><br><a href="#" title="Remove" '
                  f'onclick="return sfMove(\'{SCOPES_S_ID}\',\'{SCOPES_A_ID}\')">'
                  '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" class="leftArrowIcon" alt="Remove"'
                  ' title="Remove" width="24" height="20"></a></td>'
                  f'<td><label for="{SCOPES_S_ID}">Selected OAuth Scopes</label><br>'
                  f'<select multiple size="9" id="{SCOPES_S_ID}" name="{SCOPES_S_ID}">{selected_opts}</select></td>'
                  '</tr></table>')
        current_cert = _certificate_summary(app.certificate_pem) if app is not None else None
        cert_note = f'<div class="certInfo">Current certificate: {_esc(current_cert)}</div>' if current_cert else ""
        cert_row_id = f"{_D}:oauthSection:digitalSignaturesSection:certRow"
        oauth_section = f"{_D}:oauthSection"
        page_error = (f'<div id="errorDiv_ep" class="pbError">{_esc(INVALID_DATA)}</div>' if errors else "")
        buttons = (f'<input type="submit" class="btn" name="{_D}:{_jid()}:save" value="Save"> '
                   f'<input type="submit" class="btn" name="{_D}:{_jid()}:cancel" value="Cancel">')
        body = f"""
<form id="appsetup:setupForm" name="appsetup:setupForm" method="post" action="{action}"
      enctype="multipart/form-data" onsubmit="return sfSubmit(this)">
<input type="hidden" name="appsetup:setupForm" value="appsetup:setupForm">{self._hidden(session)}
{page_error}
<div class="bPageBlock bEditBlock" id="{_D}">
<div class="pbHeader"><h2 class="mainTitle">Connected App Edit</h2><span class="pbButton">{buttons}</span></div>
<div class="pbBody">
<div class="pbSubheader"><h3>Basic Information</h3></div>
<table class="detailList">
{row("Connected App Name", NAME_ID, text_input(NAME_ID, values["name"]), required=True, error_key="name")}
{row("API Name", API_NAME_ID, text_input(API_NAME_ID, values["api_name"], readonly=app is not None), required=True,
     error_key="api_name")}
{row("Contact Email", EMAIL_ID, text_input(EMAIL_ID, values["contact_email"]), required=True,
     error_key="contact_email")}
{row("Description", DESCRIPTION_ID,
     f'<textarea id="{DESCRIPTION_ID}" name="{DESCRIPTION_ID}">{_esc(values["description"])}</textarea>',
     error_key="description")}
</table>
<div class="pbSubheader"><h3>API (Enable OAuth Settings)</h3></div>
<table class="detailList">
{row("Enable OAuth Settings", OAUTH_ID, checkbox(OAUTH_ID, values["oauth"], f"sfToggle(this,'{oauth_section}')"))}
</table>
<div id="{oauth_section}"{"" if values["oauth"] else ' style="display:none"'}>
<table class="detailList">
{row("Callback URL", CALLBACK_ID,
     f'<textarea id="{CALLBACK_ID}" name="{CALLBACK_ID}">{_esc(values["callback"])}</textarea>', required=True,
     error_key="callback_urls")}
{row("Use digital signatures", CERT_USED_ID, checkbox(CERT_USED_ID, values["cert_used"], f"sfToggle(this,'{cert_row_id}')"),
     error_key="certificate")}
</table>
<table class="detailList" id="{cert_row_id}"{"" if values["cert_used"] else ' style="display:none"'}>
{row("Certificate", CERT_FILE_ID, f'<input type="file" id="{CERT_FILE_ID}" name="{CERT_FILE_ID}">{cert_note}')}
</table>
<table class="detailList">
{row("Selected OAuth Scopes", "", scopes, required=True, error_key="scopes")}
{row("Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows", PKCE_ID,
     checkbox(PKCE_ID, values["pkce"]))}
{row("Require Secret for Web Server Flow", SECRET_WEB_ID, checkbox(SECRET_WEB_ID, values["secret_web"]))}
{row("Require Secret for Refresh Token Flow", SECRET_REFRESH_ID, checkbox(SECRET_REFRESH_ID, values["secret_refresh"]))}
</table>
</div>
</div>
<div class="pbBottomButtons">{buttons}</div>
</div>
</form>
<script>{_FORM_JS}</script>"""
        title = "Edit Connected App" if app else "New Connected App"
        return _classic("Connected App", title if app is None else app.name, body, title=title)

    # --- detail, consumer details ----------------------------------------------------------------
    def detail_get(self, request: Request) -> Response:
        def render(session) -> Response:
            app = self._by_definition(request)
            if app is None:
                return _missing()
            show_consumer = request.arg("consumerDetails") == "1"
            if show_consumer and not self._granted(session, app):
                return Response.redirect(f"{VERIFY_PATH}?applicationId={app.definition_id}")
            return self._detail(session, app, show_consumer)
        return self._guarded(request, render)

    def _detail(self, session, app: ExternalClientApp, show_consumer: bool) -> Response:
        edit = f"{EDIT_PATH}?applicationId={app.definition_id}"
        manage = f"{MANAGE_PATH}?applicationId={app.id}"
        buttons = (f'<input type="button" class="btn" id="{_D}:{_jid()}:edit" value="Edit" '
                   f'onclick="window.location.href=\'{edit}\'"> '
                   f'<input type="button" class="btn" id="{_D}:{_jid()}:manage" value="Manage" '
                   f'onclick="window.location.href=\'{manage}\'">')
        scope_labels = [next((label for label, v in SCOPES if v == s), s) for s in app.scopes]
        cert = _certificate_summary(app.certificate_pem) if app.jwt_enabled else None
        consumer = ""
        if show_consumer:
            copy = 'onclick="navigator.clipboard&&navigator.clipboard.writeText(document.getElementById(\'%s\').textContent)"'
            consumer = f"""
<div class="bPageBlock" id="appsetup:setupForm:consumerDetails"><div class="pbHeader"><h2>Consumer Details</h2></div>
<div class="pbBody"><table class="detailList">
<tr><td class="labelCol">Consumer Key</td><td class="dataCol"><span id="{CONSUMER_KEY_ID}">{_esc(app.consumer_key)}</span>
 <input type="button" class="btn" value="Copy" {copy % CONSUMER_KEY_ID}></td></tr>
<tr><td class="labelCol">Consumer Secret</td><td class="dataCol"><span id="{CONSUMER_SECRET_ID}">{_esc(app.consumer_secret)}</span>
 <input type="button" class="btn" value="Copy" {copy % CONSUMER_SECRET_ID}></td></tr>
</table></div></div>"""
        body = f"""
<form id="appsetup:setupForm" name="appsetup:setupForm" method="post" action="{DETAIL_PATH}?applicationId={app.definition_id}">
<input type="hidden" name="appsetup:setupForm" value="appsetup:setupForm">{self._hidden(session)}
{consumer}
<div class="bPageBlock bDetailBlock" id="{_D}">
<div class="pbHeader"><h2 class="mainTitle">Connected App Detail</h2><span class="pbButton">{buttons}</span></div>
<div class="pbBody">
<div class="pbSubheader"><h3>Basic Information</h3></div>
<table class="detailList">
{_show("Connected App Name", app.name)}{_show("API Name", app.api_name)}{_show("Version", "1")}
{_show("Contact Email", app.contact_email)}{_show("Description", app.description)}
</table>
<div class="pbSubheader"><h3>API (Enable OAuth Settings)</h3></div>
<table class="detailList" id="{_D}:oauthSettingsSection">
{_show("Enable OAuth Settings", "Yes" if app.oauth_enabled else "No")}
{_show("Callback URL", "<br>".join(_esc(u) for u in app.callback_urls), raw=True)}
{_show("Use digital signatures", cert or "")}
{_show("Selected OAuth Scopes", "<br>".join(_esc(s) for s in scope_labels), raw=True)}
<tr id="{_D}:oauthSettingsSection:manageConsumerKeySecretSection"><td class="labelCol">Consumer Key and Secret</td>
<td class="dataCol"><input type="submit" class="btn" id="{MANAGE_CONSUMER_ID}" name="{MANAGE_CONSUMER_ID}"
 value="Manage Consumer Details"></td></tr>
</table>
</div></div>
</form>"""
        return _classic("Connected App", app.name, body)

    def detail_post(self, request: Request) -> Response:
        return self._posted(request, self._by_definition, self._manage_consumer_details)

    def _manage_consumer_details(self, session, app: ExternalClientApp, form: dict) -> Response:
        """"Manage Consumer Details": straight to the details after a recent verification, else mail a code."""
        if MANAGE_CONSUMER_ID not in form:
            return Response.redirect(f"{DETAIL_PATH}?applicationId={app.definition_id}")
        if self._granted(session, app):
            return Response.redirect(f"{DETAIL_PATH}?applicationId={app.definition_id}&consumerDetails=1")
        self.org.issue_code(session.username, "consumer-details")
        return Response.redirect(f"{VERIFY_PATH}?applicationId={app.definition_id}")

    def _granted(self, session, app: ExternalClientApp) -> bool:
        with self.org.lock:
            at = self._grants.get((session.id, app.id))
            return at is not None and time.time() - at < CONSUMER_GRANT_SECONDS

    def verify_get(self, request: Request) -> Response:
        def render(session) -> Response:
            app = self._by_definition(request)
            if app is None:
                return _missing()
            if request.arg("resend") == "1":
                self.org.issue_code(session.username, "consumer-details")  # the older code stops working
            return self._verify_page(session, app, "")
        return self._guarded(request, render)

    def _verify_page(self, session, app: ExternalClientApp, error: str) -> Response:
        user = self.org.user(session.username)
        action = f"{VERIFY_PATH}?applicationId={app.definition_id}"
        error_html = (f'<div id="error" class="errorMsg" role="alert">{_esc(error)}</div>' if error else "")
        body = f"""
<div class="bPageBlock"><div class="pbBody">
<form id="editPage" name="editPage" method="post" action="{action}">{self._hidden(session)}
<h2 id="header">Verify Your Identity</h2>
<p>Enter the verification code we emailed to {_esc(mask_email(user.email if user else ""))}.</p>
{error_html}
<label for="emc">Verification Code</label><br>
<input type="text" id="emc" name="emc" maxlength="6" autocomplete="off"><br><br>
<input type="submit" id="save" name="save" class="btn" value="Verify">
<a href="{action}&amp;resend=1">Resend Code</a>
</form></div></div>"""
        return _classic("Verify Your Identity", "Verify Your Identity", body, title="Verify Your Identity")

    def verify_post(self, request: Request) -> Response:
        return self._posted(request, self._by_definition, self._check_code)

    def _check_code(self, session, app: ExternalClientApp, form: dict) -> Response:
        code = (form.get("emc") or [""])[0].strip()
        outcome = self.org.check_code(session.username, "consumer-details", code) if code else "invalid"
        if outcome != "ok":
            return self._verify_page(session, app, TIMED_OUT if outcome == "expired" else WRONG_CODE)
        with self.org.lock:
            self._grants[(session.id, app.id)] = time.time()
        self.org.log("consumer_details_viewed", api_name=app.api_name, by=session.username)
        return Response.redirect(f"{DETAIL_PATH}?applicationId={app.definition_id}&consumerDetails=1")

    # --- Manage: policies, profiles, permission sets -----------------------------------------------
    def manage_get(self, request: Request) -> Response:
        def render(session) -> Response:
            app = self._by_id(request)
            if app is None:
                return _missing()
            p = app.policies
            profiles = "".join(f"<tr><td>{_esc(name)}</td></tr>" for name in sorted(p.profiles)) \
                or "<tr><td>No records to display</td></tr>"
            labels = {ps.name: ps.label for ps in self.org.permission_sets.values()}
            permsets = "".join(f"<tr><td>{_esc(labels.get(n, n))}</td></tr>" for n in sorted(p.permission_sets)) \
                or "<tr><td>No records to display</td></tr>"
            go = lambda path: f"window.location.href='{path}?applicationId={app.id}'"  # noqa: E731
            body = f"""
<div class="bPageBlock bDetailBlock"><div class="pbHeader"><h2 class="mainTitle">Connected App Detail</h2>
<span class="pbButton"><input type="button" class="btn" id="{_jid()}:edit" value="Edit Policies" onclick="{go(POLICIES_PATH)}">
<input type="button" class="btn" id="{_jid()}:view" value="View" onclick="window.location.href='{DETAIL_PATH}?applicationId={app.definition_id}'"></span></div>
<div class="pbBody"><div class="pbSubheader"><h3>OAuth Policies</h3></div><table class="detailList">
{_show("Permitted Users", catalog.label_of(PERMITTED_USERS, p.permitted_users))}
{_show("IP Relaxation", catalog.label_of(catalog.IP_RELAXATION, p.ip_relaxation))}
{_show("Refresh Token Policy", _refresh_text(p))}
</table><div class="pbSubheader"><h3>Session Policies</h3></div><table class="detailList">
{_show("Timeout Value", catalog.label_of(catalog.SESSION_TIMEOUTS, str(p.session_timeout_minutes or "")))}
</table></div></div>
<div class="bRelatedList"><div class="bPageBlock"><div class="pbHeader"><h3>Profiles</h3>
<input type="button" class="btn" value="Manage Profiles" onclick="{go(PROFILES_PATH)}"></div>
<div class="pbBody"><table class="list">{profiles}</table></div></div></div>
<div class="bRelatedList"><div class="bPageBlock"><div class="pbHeader"><h3>Permission Sets</h3>
<input type="button" class="btn" value="Manage Permission Sets" onclick="{go(PERMSETS_PATH)}"></div>
<div class="pbBody"><table class="list">{permsets}</table></div></div></div>"""
            return _classic("Connected App", app.name, body)
        return self._guarded(request, render)

    def policies_get(self, request: Request) -> Response:
        def render(session) -> Response:
            app = self._by_id(request)
            if app is None:
                return _missing()
            p = app.policies
            values = {"permitted_users": p.permitted_users, "ip_relaxation": p.ip_relaxation,
                      "refresh_token_policy": p.refresh_token_policy,
                      "refresh_token_period": "" if p.refresh_token_period is None else str(p.refresh_token_period),
                      "refresh_token_unit": p.refresh_token_unit or "Days",
                      "session_timeout": str(p.session_timeout_minutes or "")}
            return self._policies_form(session, app, values, {})
        return self._guarded(request, render)

    def _policies_form(self, session, app: ExternalClientApp, v: dict, errors: dict) -> Response:
        def select(name: str, choices, value: str, extra: str = "") -> str:
            opts = "".join(f'<option value="{_esc(val)}"{" selected" if val == value else ""}>{_esc(label)}</option>'
                           for label, val in choices)
            return f'<select id="{name}" name="{name}"{extra}>{opts}</select>'

        def err(key: str) -> str:
            return f'<div class="errorMsg"><strong>Error:</strong> {_esc(errors[key])}</div>' if key in errors else ""

        radios = "".join(
            f'<div><input type="radio" id="refreshTokenPolicy{i}" name="refreshTokenPolicy" value="{val}"'
            f'{" checked" if val == v["refresh_token_policy"] else ""}><label for="refreshTokenPolicy{i}">'
            f'{_esc(label)}</label></div>' for i, (label, val) in enumerate(catalog.REFRESH_TOKEN_POLICIES))
        confirm = (f' data-previous="{_esc(v["permitted_users"])}" onchange="if(confirm({_esc(repr(PERMITTED_USERS_CONFIRM))}))'
                   '{this.dataset.previous=this.value}else{this.value=this.dataset.previous}"')
        page_error = f'<div id="errorDiv_ep" class="pbError">{_esc(INVALID_DATA)}</div>' if errors else ""
        buttons = ('<input type="submit" class="btn" name="save" value="Save"> '
                   '<input type="submit" class="btn" name="cancel" value="Cancel">')
        body = f"""
<form id="editPage" name="editPage" method="post" action="{POLICIES_PATH}?applicationId={app.id}">{self._hidden(session)}
{page_error}
<div class="bPageBlock bEditBlock"><div class="pbHeader"><h2 class="mainTitle">Connected App Edit</h2>
<span class="pbButton">{buttons}</span></div><div class="pbBody">
<div class="pbSubheader"><h3>OAuth Policies</h3></div><table class="detailList">
<tr><td class="labelCol"><label for="userpolicy">Permitted Users</label></td><td class="dataCol">
{select("userpolicy", PERMITTED_USERS, v["permitted_users"], confirm)}{err("permitted_users")}</td></tr>
<tr><td class="labelCol"><label for="ipRelaxation">IP Relaxation</label></td><td class="dataCol">
{select("ipRelaxation", catalog.IP_RELAXATION, v["ip_relaxation"])}{err("ip_relaxation")}</td></tr>
<tr><td class="labelCol"><span id="refreshTokenPolicyLabel">Refresh Token Policy</span></td><td class="dataCol">
<fieldset role="radiogroup" aria-labelledby="refreshTokenPolicyLabel">{radios}</fieldset>{err("refresh_token_policy")}
<label for="refreshTokenValidityPeriod">Refresh Token Validity Period</label>
<input type="text" id="refreshTokenValidityPeriod" name="refreshTokenValidityPeriod" size="4" value="{_esc(v["refresh_token_period"])}">
<label for="refreshTokenValidityUnit">Refresh Token Validity Unit</label>
{select("refreshTokenValidityUnit", catalog.REFRESH_TOKEN_UNITS, v["refresh_token_unit"])}
{err("refresh_token_period")}{err("refresh_token_unit")}</td></tr>
</table><div class="pbSubheader"><h3>Session Policies</h3></div><table class="detailList">
<tr><td class="labelCol"><label for="sessionTimeout">Timeout Value</label></td><td class="dataCol">
{select("sessionTimeout", catalog.SESSION_TIMEOUTS, v["session_timeout"])}{err("session_timeout")}</td></tr>
</table></div><div class="pbBottomButtons">{buttons}</div></div></form>"""
        return _classic("Connected App Edit", app.name, body)

    def policies_post(self, request: Request) -> Response:
        return self._posted(request, self._by_id, self._save_policies)

    def _save_policies(self, session, app: ExternalClientApp, form: dict) -> Response:
        if "cancel" in form:
            return Response.redirect(f"{MANAGE_PATH}?applicationId={app.id}")
        value = lambda name: (form.get(name) or [""])[0].strip()  # noqa: E731
        v = {"permitted_users": value("userpolicy"), "ip_relaxation": value("ipRelaxation"),
             "refresh_token_policy": value("refreshTokenPolicy"),
             "refresh_token_period": value("refreshTokenValidityPeriod"),
             "refresh_token_unit": value("refreshTokenValidityUnit"), "session_timeout": value("sessionTimeout")}
        with self.org.lock:
            p = app.policies
            data, problems = validate_policies({**v, "profiles": list(p.profiles),
                                                "permission_sets": list(p.permission_sets)}, self.org)
            if data is None:
                errors = {k: _CLASSIC_MESSAGES.get(m, m) for k, m in problems.fields.items()}
                return self._policies_form(session, app, v, errors)
            app.policies = data.to_policies()  # profiles and permission sets were passed in unchanged
            app.changed_at = time.time()
        self.org.log("connected_app_policies_changed", api_name=app.api_name, by=session.username)
        return Response.redirect(f"{MANAGE_PATH}?applicationId={app.id}")

    def _assignment_page(self, session, app, title: str, path: str, choices: list[tuple[str, str, str]],
                         chosen: set[str]) -> Response:
        """A checkbox per (id, label, stored value), as "Application Profile Assignment" shows profiles."""
        rows = "".join(
            f'<tr class="dataRow"><td><input type="checkbox" id="{cid}" name="assigned" value="{_esc(stored)}"'
            f'{" checked" if stored in chosen else ""}></td><td><label for="{cid}">{_esc(label)}</label></td></tr>'
            for cid, label, stored in choices)
        buttons = ('<input type="submit" class="btn" name="save" value="Save"> '
                   '<input type="submit" class="btn" name="cancel" value="Cancel">')
        body = f"""
<form id="editPage" name="editPage" method="post" action="{path}?applicationId={app.id}">{self._hidden(session)}
<div class="bPageBlock bEditBlock"><div class="pbHeader"><h2 class="mainTitle">{_esc(title)}</h2>
<span class="pbButton">{buttons}</span></div><div class="pbBody">
<table class="list" id="{_jid()}"><tr class="headerRow"><th scope="col">Enabled</th><th scope="col">Name</th></tr>{rows}</table>
</div><div class="pbBottomButtons">{buttons}</div></div></form>"""
        return _classic(title, app.name, body)

    def _profile_choices(self):
        with self.org.lock:
            return [(p.id, p.name, p.name) for p in sorted(self.org.profiles.values(), key=lambda p: p.name.lower())]

    def _permset_choices(self):
        with self.org.lock:
            return [(p.id, p.label, p.name)
                    for p in sorted(self.org.permission_sets.values(), key=lambda p: p.label.lower())]

    def profiles_get(self, request: Request) -> Response:
        return self._assignment_get(request, "Application Profile Assignment", PROFILES_PATH,
                                    self._profile_choices, "profiles")

    def permsets_get(self, request: Request) -> Response:
        return self._assignment_get(request, "Application Permission Set Assignment", PERMSETS_PATH,
                                    self._permset_choices, "permission_sets")

    def _assignment_get(self, request: Request, title: str, path: str, choices, attr: str) -> Response:
        def render(session) -> Response:
            app = self._by_id(request)
            if app is None:
                return _missing()
            return self._assignment_page(session, app, title, path, choices(), set(getattr(app.policies, attr)))
        return self._guarded(request, render)

    def profiles_post(self, request: Request) -> Response:
        return self._assignment_post(request, self._profile_choices, "profiles")

    def permsets_post(self, request: Request) -> Response:
        return self._assignment_post(request, self._permset_choices, "permission_sets")

    def _assignment_post(self, request: Request, choices, attr: str) -> Response:
        return self._posted(request, self._by_id, lambda session, app, form: self._assign(session, app, form,
                                                                                         choices, attr))

    def _assign(self, session, app: ExternalClientApp, form: dict, choices, attr: str) -> Response:
        if "cancel" not in form:
            known = {stored for _, _, stored in choices()}
            assigned = [v for v in form.get("assigned", []) if v in known]  # unknown values are ignored, as forged
            with self.org.lock:
                setattr(app.policies, attr, sorted(set(assigned)))
                app.changed_at = time.time()
            self.org.log(f"connected_app_{attr}_changed", api_name=app.api_name, by=session.username)
        return Response.redirect(f"{MANAGE_PATH}?applicationId={app.id}")


# --- page pieces ---------------------------------------------------------------------------------------

def _values_of(app: ExternalClientApp | None) -> dict:
    if app is None:
        return {"name": "", "api_name": "", "contact_email": "", "description": "", "oauth": False, "callback": "",
                "scopes": [], "cert_used": False, "certificate": None, "pkce": True, "secret_web": True,
                "secret_refresh": True}
    return {"name": app.name, "api_name": app.api_name, "contact_email": app.contact_email,
            "description": app.description, "oauth": app.oauth_enabled, "callback": "\n".join(app.callback_urls),
            "scopes": list(app.scopes), "cert_used": app.jwt_enabled, "certificate": None,
            "pkce": app.pkce_required, "secret_web": app.require_secret_web_server,
            "secret_refresh": app.require_secret_refresh}


def _values_from(form: dict, app: ExternalClientApp | None) -> dict:
    def text(name: str) -> str:
        return (form.get(name) or [""])[0]

    upload = text(CERT_FILE_ID).strip()
    return {"name": text(NAME_ID).strip(), "api_name": app.api_name if app else text(API_NAME_ID).strip(),
            "contact_email": text(EMAIL_ID).strip(), "description": text(DESCRIPTION_ID).strip(),
            "oauth": OAUTH_ID in form, "callback": text(CALLBACK_ID), "scopes": list(form.get(SCOPES_S_ID, [])),
            "cert_used": CERT_USED_ID in form, "certificate": upload or None, "pkce": PKCE_ID in form,
            "secret_web": SECRET_WEB_ID in form, "secret_refresh": SECRET_REFRESH_ID in form}


def _show(label: str, value: str, *, raw: bool = False) -> str:
    shown = value if raw else _esc(value)
    return f'<tr><td class="labelCol">{_esc(label)}</td><td class="dataCol">{shown}</td></tr>'


def _refresh_text(p) -> str:  # noqa: ANN001
    label = catalog.label_of(catalog.REFRESH_TOKEN_POLICIES, p.refresh_token_policy)
    if p.refresh_token_policy in ("SpecificLifetime", "SpecificInactivity"):
        unit = catalog.label_of(catalog.REFRESH_TOKEN_UNITS, p.refresh_token_unit)
        return f"{label} {p.refresh_token_period} {unit}"
    return label


def _certificate_summary(pem: str | None) -> str | None:
    summary = catalog.certificate_summary(pem)
    if summary is None:
        return None
    subject, expires = summary
    return f"{subject} (expires {expires})" if expires else subject


def _classic(page_type: str, description: str, body: str, *, title: str | None = None) -> Response:
    return Response.html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title or page_type)} ~ Salesforce</title><style>{_CSS}</style></head>"
        '<body class="hasMotif setupTab sfdcBody"><div id="contentWrapper"><div id="bodyCell" class="oRight">'
        f'<div class="bPageTitle"><div class="ptBody"><div class="content"><h1 class="pageType">{_esc(page_type)}</h1>'
        f'<h2 class="pageDescription">{_esc(description)}</h2></div></div></div>{body}</div></div></body></html>')


def _error_page(title: str, message: str, status: int = 200) -> Response:
    body = (f'<div class="bPageBlock"><div class="pbBody"><div id="error" class="pbError">'
            f'<span id="errorTitle">{_esc(title)}</span><div id="errorDesc">{_esc(message)}</div></div></div></div>')
    response = _classic(title, title, body)
    response.status = status
    return response


def _missing() -> Response:
    return _error_page("Data Not Available", "The data you were trying to access could not be found. It may be due to "
                       "another user deleting the data or a system error.", 404)


def _invalid_session_page() -> Response:
    return _error_page("Invalid Page", "The page you submitted was invalid for your session. Please refresh your page "
                       "and try again.")


def _lightning_frame(title: str, address: str) -> Response:
    """Lightning's frame around a classic page: the iframe is added by script, as Lightning renders it [code]."""
    src = address + ("&" if "?" in address else "?") + "isdtp=p1"
    name = f"vfFrameId_{int(time.time() * 1000)}"
    return Response.html(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)} | Salesforce</title>
<link rel="stylesheet" href="/static/lightning.css">
<style>force-aloha-page{{display:block;height:calc(100vh - 110px)}}force-aloha-page iframe{{width:100%;height:100%;border:0;background:#fff}}</style>
</head><body class="desktop"><div class="viewport" id="oneApp">
<header class="slds-global-header" role="banner"><div class="slds-global-header__logo">salesforce</div></header>
<div class="oneAppNavContainer" role="navigation" aria-label="Global"><span class="appName">Setup</span>
<a href="/lightning/setup/SetupOneHome/home">Home</a><a href="/lightning/setup/NavigationMenus/home">App Manager</a></div>
<main class="setup-content" role="main" aria-busy="true">
<div class="slds-spinner_container"><span>Loading...</span></div>
<force-aloha-page data-src="{_esc(src)}" data-name="{name}" data-title="{_esc(title)}"></force-aloha-page>
</main></div>
<script>
(function () {{
  var host = document.querySelector("force-aloha-page"), main = document.querySelector("main");
  setTimeout(function () {{
    var frame = document.createElement("iframe");
    frame.name = host.dataset.name; frame.title = host.dataset.title;
    frame.addEventListener("load", function () {{
      var spinner = document.querySelector(".slds-spinner_container");
      if (spinner) spinner.remove();
      main.setAttribute("aria-busy", "false");
    }});
    frame.src = host.dataset.src;
    host.appendChild(frame);
  }}, 50);
}})();
</script></body></html>""")


__all__ = ["register", "app_manager_links", "lightning_url", "ClassicPages"]
