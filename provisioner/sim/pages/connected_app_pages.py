"""Finding a Connected App and its pages: Lightning's Connected Apps pages (a frame around the classic page), the
Manage Connected Apps list, the app's detail page (View) with "Manage Consumer Details", the identity verification
step ("verify your identity using one of your registered methods": the authenticator app's code for an admin with
one, else SMS or email; parts/verification_codes.py) and the "Consumer Details" section.

`/lightning/setup/ConnectedApplication/home` and `.../page?address=<encoded classic URL>` are Lightning pages whose
content is an iframe (`force-aloha-page iframe[name^=vfFrameId]`) holding the classic page; the classic pages are
also served on their own URLs. Apps are stored in `org.apps` as ExternalClientApp objects with kind
"connected_app", so the token endpoint checks them exactly as it checks External Client Apps.
"""

from __future__ import annotations

from .. import messages, paths
from ..http import Request, Response, Router
from ..model import ExternalClientApp
from ..org import Session, SimOrg
from .parts import catalog, verification_codes
from .parts.classic import (FORM, by_definition, certificate_text, classic_page, hidden_view_state, jid,
                            lightning_frame, missing, posted, show)
from .parts.text import esc, mask_email, mask_phone

MANAGE_CONSUMER_ID = "appsetup:setupForm:details:oauthSettingsSection:manageConsumerKeySecretSection:manageConsumer"
CONSUMER_KEY_ID = "appsetup:setupForm:consumerDetails:oauthConsumerSection:consumerKeySection:consumerKey"
CONSUMER_SECRET_ID = "appsetup:setupForm:consumerDetails:oauthConsumerSection:consumerSecretSection:consumerSecret"
PURPOSE = "consumer-details"  # of an emailed or texted code


def list_page(org: SimOrg) -> Response:
    with org.lock:
        apps = sorted((a for a in org.apps.values() if a.kind == "connected_app"),
                      key=lambda a: a.name.lower())
    rows = "".join(
        f'<tr class="dataRow"><td class="actionColumn"><a href="{paths.CONNECTED_APP_POLICIES}?applicationId={a.id}" '
        f'class="actionLink">Edit</a></td><th scope="row"><a href="{paths.CONNECTED_APP_DETAIL}?applicationId='
        f'{a.definition_id}">{esc(a.name)}</a></th><td>{esc(a.api_name)}</td><td>1</td>'
        f'<td>{"Yes" if a.oauth_enabled else "No"}</td></tr>' for a in apps)
    if not rows:
        rows = f'<tr class="dataRow"><td colspan="5">{esc(messages.NO_RECORDS)}</td></tr>'
    body = (f'<div class="bPageBlock"><div class="pbBody"><table class="list" id="{jid()}">'
            '<tr class="headerRow"><th scope="col">Action</th><th scope="col">Master Label</th>'
            '<th scope="col">API Name</th><th scope="col">Version</th><th scope="col">OAuth Enabled</th></tr>'
            f'{rows}</table></div></div>')
    return classic_page("Connected Apps", "Connected Apps", body)


def detail_page(org: SimOrg, session: Session, app: ExternalClientApp, show_consumer: bool) -> Response:
    edit = f"{paths.CONNECTED_APP_EDIT}?applicationId={app.definition_id}"
    manage = f"{paths.CONNECTED_APP_MANAGE}?applicationId={app.id}"
    buttons = (f'<input type="button" class="btn" id="{FORM}:{jid()}:edit" value="Edit" '
               f'onclick="window.location.href=\'{edit}\'"> '
               f'<input type="button" class="btn" id="{FORM}:{jid()}:manage" value="Manage" '
               f'onclick="window.location.href=\'{manage}\'">')
    scope_labels = [next((label for label, v in catalog.CLASSIC_SCOPES if v == s), s) for s in app.scopes]
    cert = certificate_text(app.certificate_pem) if app.jwt_enabled else None
    consumer = ""
    if show_consumer:
        copy = 'onclick="navigator.clipboard&&navigator.clipboard.writeText(document.getElementById(\'%s\').textContent)"'
        consumer = f"""
<div class="bPageBlock" id="appsetup:setupForm:consumerDetails"><div class="pbHeader"><h2>Consumer Details</h2></div>
<div class="pbBody"><table class="detailList">
<tr><td class="labelCol">Consumer Key</td><td class="dataCol"><span id="{CONSUMER_KEY_ID}">{esc(app.consumer_key)}</span>
 <input type="button" class="btn" value="Copy" {copy % CONSUMER_KEY_ID}></td></tr>
<tr><td class="labelCol">Consumer Secret</td><td class="dataCol"><span id="{CONSUMER_SECRET_ID}">{esc(app.consumer_secret)}</span>
 <input type="button" class="btn" value="Copy" {copy % CONSUMER_SECRET_ID}></td></tr>
</table></div></div>"""
    body = f"""
<form id="appsetup:setupForm" name="appsetup:setupForm" method="post" action="{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}">
<input type="hidden" name="appsetup:setupForm" value="appsetup:setupForm">{hidden_view_state(org, session)}
{consumer}
<div class="bPageBlock bDetailBlock" id="{FORM}">
<div class="pbHeader"><h2 class="mainTitle">Connected App Detail</h2><span class="pbButton">{buttons}</span></div>
<div class="pbBody">
<div class="pbSubheader"><h3>Basic Information</h3></div>
<table class="detailList">
{show("Connected App Name", app.name)}{show("API Name", app.api_name)}{show("Version", "1")}
{show("Contact Email", app.contact_email)}{show("Description", app.description)}
</table>
<div class="pbSubheader"><h3>API (Enable OAuth Settings)</h3></div>
<table class="detailList" id="{FORM}:oauthSettingsSection">
{show("Enable OAuth Settings", "Yes" if app.oauth_enabled else "No")}
{show("Callback URL", "<br>".join(esc(u) for u in app.callback_urls), raw=True)}
{show("Use digital signatures", cert or "")}
{show("Selected OAuth Scopes", "<br>".join(esc(s) for s in scope_labels), raw=True)}
<tr id="{FORM}:oauthSettingsSection:manageConsumerKeySecretSection"><td class="labelCol">Consumer Key and Secret</td>
<td class="dataCol"><input type="submit" class="btn" id="{MANAGE_CONSUMER_ID}" name="{MANAGE_CONSUMER_ID}"
 value="Manage Consumer Details"></td></tr>
</table>
</div></div>
</form>"""
    return classic_page("Connected App", app.name, body)


#: the code input of each verification method, named as on the login pages (#tc, #smc, #emc) [none for this page]
CODE_INPUTS = {"totp": "tc", "sms": "smc", "email": "emc"}


def verify_page(org: SimOrg, session: Session, app: ExternalClientApp, error: str) -> Response:
    """The identity verification in front of the consumer details, in the admin's strongest registered method."""
    user = org.user(session.username)
    method = verification_codes.method_for(org, session.username)
    action = f"{paths.CONNECTED_APP_VERIFY}?applicationId={app.definition_id}"
    error_html = (f'<div id="error" class="errorMsg" role="alert">{esc(error)}</div>' if error else "")
    prompt = (messages.TOTP_PROMPT if method == "totp"
              else messages.SMS_PROMPT.format(phone=mask_phone(user.mobile_phone if user else "")) if method == "sms"
              else messages.EMAIL_PROMPT.format(email=mask_email(user.email if user else "")))
    resend = "" if method == "totp" else f'<a href="{action}&amp;resend=1">Resend Code</a>'
    name = CODE_INPUTS[method]
    body = f"""
<div class="bPageBlock"><div class="pbBody">
<form id="editPage" name="editPage" method="post" action="{action}">{hidden_view_state(org, session)}
<h2 id="header">Verify Your Identity</h2>
<p>{esc(prompt)}</p>
{error_html}
<label for="{name}">Verification Code</label><br>
<input type="text" id="{name}" name="{name}" maxlength="6" autocomplete="off"><br><br>
<input type="submit" id="save" name="save" class="btn" value="Verify">
{resend}
</form></div></div>"""
    return classic_page("Verify Your Identity", "Verify Your Identity", body, title="Verify Your Identity")


def register(router: Router, org: SimOrg) -> None:
    def lightning_home(request: Request) -> Response:
        return lightning_frame("Connected Apps", paths.CONNECTED_APP_LIST)

    def lightning_page(request: Request) -> Response:
        address = request.arg("address", "") or ""
        if not address.startswith("/") or address.startswith("//"):
            address = paths.CONNECTED_APP_LIST  # only same-site pages go into the frame
        return lightning_frame("Connected Apps", address)

    def app_list(request: Request) -> Response:
        return list_page(org)

    def detail_get(request: Request) -> Response:
        app = by_definition(org, request)
        if app is None:
            return missing()
        show_consumer = request.arg("consumerDetails") == "1"
        if show_consumer and not org.consumer_details_granted(request.session, app.id):
            return Response.redirect(f"{paths.CONNECTED_APP_VERIFY}?applicationId={app.definition_id}")
        return detail_page(org, request.session, app, show_consumer)

    def manage_consumer_details(session: Session, app: ExternalClientApp, form: dict) -> Response:
        """"Manage Consumer Details": straight to the details after a recent verification, else mail a code."""
        detail = f"{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}"
        if MANAGE_CONSUMER_ID not in form:
            return Response.redirect(detail)
        if org.consumer_details_granted(session, app.id):
            return Response.redirect(f"{detail}&consumerDetails=1")
        method = verification_codes.method_for(org, session.username)
        verification_codes.send(org, session.username, method, PURPOSE)  # nothing for an authenticator app
        return Response.redirect(f"{paths.CONNECTED_APP_VERIFY}?applicationId={app.definition_id}")

    def verify_get(request: Request) -> Response:
        app = by_definition(org, request)
        if app is None:
            return missing()
        method = verification_codes.method_for(org, request.session.username)
        if request.arg("resend") == "1" and method != "totp":
            verification_codes.send(org, request.session.username, method, PURPOSE)  # the older code stops working
        return verify_page(org, request.session, app, "")

    def check_code(session: Session, app: ExternalClientApp, form: dict) -> Response:
        method = verification_codes.method_for(org, session.username)
        code = (form.get(CODE_INPUTS[method]) or [""])[0].strip()
        if not code:
            return verify_page(org, session, app, messages.CLASSIC_WORDING[messages.REQUIRED])
        outcome = verification_codes.check(org, session.username, method, PURPOSE, code)
        if outcome != "ok":
            return verify_page(org, session, app, messages.ATTEMPTS_EXCEEDED if outcome == "locked"
                               else messages.INVALID_OR_EXPIRED_CODE)
        org.grant_consumer_details(session, app.id)
        org.log("consumer_details_viewed", api_name=app.api_name, by=session.username, method=method)
        return Response.redirect(f"{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}&consumerDetails=1")

    page = {"session": True, "latency": "page"}
    router.add("GET", paths.CLASSIC_HOME, lightning_home, **page)
    router.add("GET", paths.CLASSIC_IN_LIGHTNING, lightning_page, **page)
    router.add("GET", paths.CONNECTED_APP_LIST, app_list, **page)
    router.add("GET", paths.CONNECTED_APP_DETAIL, detail_get, **page)
    router.add("POST", paths.CONNECTED_APP_DETAIL,
               lambda request: posted(org, request, by_definition, manage_consumer_details), **page)
    router.add("GET", paths.CONNECTED_APP_VERIFY, verify_get, **page)
    router.add("POST", paths.CONNECTED_APP_VERIFY, lambda request: posted(org, request, by_definition, check_code),
               **page)
