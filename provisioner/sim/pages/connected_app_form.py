"""The classic New / Edit Connected App form (forceAppEdit.apexp) and the page after Save.

A new app needs the org setting "Allow creation of connected apps" (off by default since Spring '26). Every
submission is validated like the External Client App form (parts/validation.py), with classic wording.
"""

from __future__ import annotations

import string
import time

from .. import messages, paths
from ..http import Request, Response, Router
from ..model import ExternalClientApp
from ..org import Session, SimOrg
from .parts import catalog
from .parts.classic import (FORM, by_definition, certificate_text, classic_errors, classic_page, error_page,
                            field_error, hidden_view_state, invalid_session_page, jid, missing, page_error, token_ok)
from .parts.text import esc
from .parts.validation import validate_settings

#: element ids [code: EVIDENCE.md "Classic Connected App pages"]; the API name's and the security checkboxes' ids
#: are modelled [none]
NAME_ID = FORM + ":appsection:nameSection:name"
API_NAME_ID = FORM + ":appsection:developerNameSection:developerName"
EMAIL_ID = FORM + ":appsection:emailSection:contactEmail"
DESCRIPTION_ID = FORM + ":appsection:descriptionSection:description"
OAUTH_ID = FORM + ":consumersection:oauth:isOauth"
CALLBACK_ID = FORM + ":oauthSection:multiCallbackUrlSection:callbackUrl"
CERT_USED_ID = FORM + ":oauthSection:digitalSignaturesSection:certUsedOption"
CERT_FILE_ID = FORM + ":oauthSection:digitalSignaturesSection:certFileUpload"
SCOPES_A_ID = FORM + ":oauthSection:scopesSection:scopes:duelingListBox:backingList_a"
SCOPES_S_ID = FORM + ":oauthSection:scopesSection:scopes:duelingListBox:backingList_s"
PKCE_ID = FORM + ":oauthSection:pkceSection:isPkceRequired"
SECRET_WEB_ID = FORM + ":oauthSection:secretSection:isSecretRequiredForWebServer"
SECRET_REFRESH_ID = FORM + ":oauthSection:secretSection:isSecretRequiredForRefresh"

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

#: the settings a classic form saves onto the app (the certificate only when one was uploaded)
_SETTINGS = ("name", "contact_email", "description", "oauth_enabled", "callback_urls", "scopes", "jwt_enabled",
             "require_secret_web_server", "require_secret_refresh", "pkce_required")


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


def form_page(org: SimOrg, session: Session, app: ExternalClientApp | None, values: dict, errors: dict) -> Response:
    action = paths.CONNECTED_APP_EDIT + (f"?applicationId={app.definition_id}" if app else "")

    def row(label: str, for_id: str, control: str, *, required: bool = False, error_key: str = "") -> str:
        if required:
            control = f'<div class="requiredInput"><div class="requiredBlock"></div>{control}</div>'
        message = errors.get(error_key) if error_key else None
        error = field_error(message)
        target = f' for="{for_id}"' if for_id else ""
        return (f'<tr><td class="labelCol"><label{target}>{esc(label)}'
                f'</label></td><td class="dataCol">{control}{error}</td></tr>')

    def text_input(id_: str, value: str, *, readonly: bool = False, size: int = 40) -> str:
        extra = " readonly" if readonly else ""
        return f'<input type="text" id="{id_}" name="{id_}" value="{esc(value)}" size="{size}"{extra}>'

    def checkbox(id_: str, on: bool, onclick: str = "") -> str:
        click = f' onclick="{onclick}"' if onclick else ""
        return f'<input type="checkbox" id="{id_}" name="{id_}"{" checked" if on else ""}{click}>'

    selected = [v for v in values["scopes"] if v in catalog.CLASSIC_SCOPE_VALUES]
    available_opts = "".join(f'<option value="{esc(v)}">{esc(label)}</option>'
                             for label, v in catalog.CLASSIC_SCOPES if v not in selected)
    selected_opts = "".join(f'<option value="{esc(v)}">{esc(label)}</option>'
                            for label, v in catalog.CLASSIC_SCOPES if v in selected)
    scopes = (f'<table class="dueling" id="{FORM}:oauthSection:scopesSection:scopes:duelingListBox"><tr>'
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
    current_cert = certificate_text(app.certificate_pem) if app is not None else None
    cert_note = f'<div class="certInfo">Current certificate: {esc(current_cert)}</div>' if current_cert else ""
    cert_row_id = f"{FORM}:oauthSection:digitalSignaturesSection:certRow"
    oauth_section = f"{FORM}:oauthSection"
    buttons = (f'<input type="submit" class="btn" name="{FORM}:{jid()}:save" value="Save"> '
               f'<input type="submit" class="btn" name="{FORM}:{jid()}:cancel" value="Cancel">')
    body = f"""
<form id="appsetup:setupForm" name="appsetup:setupForm" method="post" action="{action}"
      enctype="multipart/form-data" onsubmit="return sfSubmit(this)">
<input type="hidden" name="appsetup:setupForm" value="appsetup:setupForm">{hidden_view_state(org, session)}
{page_error(errors)}
<div class="bPageBlock bEditBlock" id="{FORM}">
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
 f'<textarea id="{DESCRIPTION_ID}" name="{DESCRIPTION_ID}">{esc(values["description"])}</textarea>',
 error_key="description")}
</table>
<div class="pbSubheader"><h3>API (Enable OAuth Settings)</h3></div>
<table class="detailList">
{row("Enable OAuth Settings", OAUTH_ID, checkbox(OAUTH_ID, values["oauth"], f"sfToggle(this,'{oauth_section}')"))}
</table>
<div id="{oauth_section}"{"" if values["oauth"] else ' style="display:none"'}>
<table class="detailList">
{row("Callback URL", CALLBACK_ID,
 f'<textarea id="{CALLBACK_ID}" name="{CALLBACK_ID}">{esc(values["callback"])}</textarea>', required=True,
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
    return classic_page("Connected App", title if app is None else app.name, body, title=title)


def saved_page(app: ExternalClientApp) -> Response:
    """After creating an app: changes take a while to reach the server; Continue opens the app."""
    detail = f"{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}"
    body = (f'<div class="bPageBlock"><div class="pbBody"><p>{esc(messages.CHANGES_TAKE_TIME)}</p></div>'
            f'<div class="pbBottomButtons"><input type="button" class="btn" id="{jid()}:continue" value="Continue"'
            f' onclick="window.location.href=\'{detail}\'"></div></div>')
    return classic_page("New Connected App", "New Connected App", body)


def register(router: Router, org: SimOrg) -> None:
    def target(request: Request) -> tuple[ExternalClientApp | None, Response | None]:
        """The app being edited (None: a new one), or the page that says why this form is not available."""
        if request.arg("applicationId"):
            app = by_definition(org, request)
            return (app, None) if app is not None else (None, missing())
        if not org.config.connected_apps_allowed:
            return None, error_page(messages.NO_PRIVILEGES_TITLE, messages.CREATION_OFF)
        return None, None

    def edit_get(request: Request) -> Response:
        app, refusal = target(request)
        return refusal or form_page(org, request.session, app, _values_of(app), {})

    def edit_post(request: Request) -> Response:
        session = request.session
        form = request.form()
        app, refusal = target(request)
        if refusal is not None:
            return refusal
        if not token_ok(org, session, form):
            return invalid_session_page()
        if any(name.endswith(":cancel") for name in form):
            return Response.redirect(f"{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}" if app
                                     else paths.CONNECTED_APP_LIST)
        values = _values_from(form, app)
        fields = {
            "name": values["name"], "api_name": values["api_name"], "contact_email": values["contact_email"],
            "description": values["description"], "oauth_enabled": values["oauth"],
            "callback_urls": values["callback"], "scopes": values["scopes"], "jwt_enabled": values["cert_used"],
            "certificate": values["certificate"], "require_secret_web_server": values["secret_web"],
            "require_secret_refresh": values["secret_refresh"], "pkce_required": values["pkce"],
        }
        with org.lock:  # uniqueness check and insert in one step
            data, problems = validate_settings(fields, org, current=app)
            if data is not None and not set(data.scopes) <= catalog.CLASSIC_SCOPE_VALUES:
                problems.add("scopes", messages.BAD_VALUE)
                data = None
            if data is None:
                return form_page(org, session, app, values, classic_errors(problems))
            created = app is None
            if created:
                app = ExternalClientApp(
                    id=org.ids.sf_id("0H4"), name=data.name, api_name=data.api_name,
                    contact_email=data.contact_email, kind="connected_app",
                    definition_id=org.ids.sf_id("06P"),
                    consumer_key="3MVG9" + org.ids.token(80, string.ascii_letters + string.digits + "._"),
                    consumer_secret=org.ids.token(64, "0123456789ABCDEF"),
                )
                org.apps[app.id] = app
            for name in _SETTINGS:
                setattr(app, name, getattr(data, name))
            if data.certificate_pem is not None:
                app.certificate_pem = data.certificate_pem
            app.changed_at = time.time()
        org.log("connected_app_created" if created else "connected_app_changed", api_name=app.api_name,
                by=session.username)
        if not created:
            return Response.redirect(f"{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}")
        return saved_page(app)

    router.add("GET", paths.CONNECTED_APP_EDIT, edit_get, session=True, latency="page")
    router.add("POST", paths.CONNECTED_APP_EDIT, edit_post, session=True, latency="page")
