"""The classic Setup pages' look (Visualforce / JSP), Lightning's frame around them, and what their forms share:
the view-state token that ties a form to its session, and finding the Connected App a page is about.

Classic pages are server-rendered HTML forms (no shadow DOM) with the element ids EVIDENCE.md lists ("Classic
Connected App pages") and random `j_id` ids elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from typing import Callable

from ... import messages
from ...http import Request, Response
from ...model import ExternalClientApp
from ...org import Session, SimOrg
from . import catalog
from .text import esc

VIEWSTATE = "com.salesforce.visualforce.ViewState"
#: the element ids of the Connected App form [code: EVIDENCE.md "Classic Connected App pages"]; the API name's and
#: the security checkboxes' [none]
FORM = "appsetup:setupForm:details"

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


def jid() -> str:
    """Visualforce's generated ids (`j_id0`, `j_id41`...): they change between releases and pages [code]."""
    return f"j_id{random.randint(0, 999)}"


def view_state(org: SimOrg, session: Session) -> str:
    return hmac.new(org.secret_key, b"classic:" + session.id.encode(), hashlib.sha256).hexdigest()


def hidden_view_state(org: SimOrg, session: Session) -> str:
    return f'<input type="hidden" name="{VIEWSTATE}" id="{VIEWSTATE}" value="{view_state(org, session)}">'


def token_ok(org: SimOrg, session: Session, form: dict) -> bool:
    return hmac.compare_digest((form.get(VIEWSTATE) or [""])[0], view_state(org, session))


def by_definition(org: SimOrg, request: Request) -> ExternalClientApp | None:
    """The Connected App whose definition id (`06P...`) the page's `applicationId` names: Edit, View, Verify."""
    wanted = request.arg("applicationId", "") or ""
    with org.lock:
        return next((a for a in org.apps.values()
                     if a.kind == "connected_app" and wanted and a.definition_id == wanted), None)


def by_id(org: SimOrg, request: Request) -> ExternalClientApp | None:
    """The Connected App whose app id (`0H4...`) the page's `applicationId` names: Manage and its policy pages."""
    app = org.apps.get(request.arg("applicationId", "") or "")
    return app if app is not None and app.kind == "connected_app" else None


Finder = Callable[[SimOrg, Request], "ExternalClientApp | None"]


def posted(org: SimOrg, request: Request, find: Finder,
           handle: Callable[[Session, ExternalClientApp, dict], Response]) -> Response:
    """A form post on one app's page: the app (`find`), the view-state token, then `handle(session, app, form)`."""
    app = find(org, request)
    if app is None:
        return missing()
    form = request.form()
    if not token_ok(org, request.session, form):
        return invalid_session_page()
    return handle(request.session, app, form)


def certificate_text(pem: str | None) -> str | None:
    """An uploaded certificate as the classic pages print it: subject (expires date)."""
    summary = catalog.certificate_summary(pem)
    if summary is None:
        return None
    subject, expires = summary
    return f"{subject} (expires {expires})" if expires else subject


def classic_errors(problems) -> dict[str, str]:  # noqa: ANN001
    """Validation problems by field, in the classic pages' wording."""
    return {k: messages.CLASSIC_WORDING.get(m, m) for k, m in problems.fields.items()}


def show(label: str, value: str, *, raw: bool = False) -> str:
    """A label / value row of a detail page."""
    shown = value if raw else esc(value)
    return f'<tr><td class="labelCol">{esc(label)}</td><td class="dataCol">{shown}</td></tr>'


def field_error(message: str | None) -> str:
    return f'<div class="errorMsg"><strong>Error:</strong> {esc(message)}</div>' if message else ""


def page_error(errors: dict) -> str:
    return f'<div id="errorDiv_ep" class="pbError">{esc(messages.INVALID_DATA)}</div>' if errors else ""


def classic_page(page_type: str, description: str, body: str, *, title: str | None = None) -> Response:
    return Response.html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title or page_type)} ~ Salesforce</title><style>{_CSS}</style></head>"
        '<body class="hasMotif setupTab sfdcBody"><div id="contentWrapper"><div id="bodyCell" class="oRight">'
        f'<div class="bPageTitle"><div class="ptBody"><div class="content"><h1 class="pageType">{esc(page_type)}</h1>'
        f'<h2 class="pageDescription">{esc(description)}</h2></div></div></div>{body}</div></div></body></html>')


def error_page(title: str, message: str, status: int = 200) -> Response:
    body = (f'<div class="bPageBlock"><div class="pbBody"><div id="error" class="pbError">'
            f'<span id="errorTitle">{esc(title)}</span><div id="errorDesc">{esc(message)}</div></div></div></div>')
    response = classic_page(title, title, body)
    response.status = status
    return response


def missing() -> Response:
    return error_page(messages.NOT_FOUND_TITLE, messages.NOT_FOUND, 404)


def invalid_session_page() -> Response:
    return error_page(messages.INVALID_PAGE_TITLE, messages.INVALID_PAGE)


def lightning_frame(title: str, address: str) -> Response:
    """Lightning's frame around a classic page: the iframe is added by script, as Lightning renders it [code]."""
    src = address + ("&" if "?" in address else "?") + "isdtp=p1"
    name = f"vfFrameId_{int(time.time() * 1000)}"
    return Response.html(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | Salesforce</title>
<link rel="stylesheet" href="/static/lightning.css">
<style>force-aloha-page{{display:block;height:calc(100vh - 110px)}}force-aloha-page iframe{{width:100%;height:100%;border:0;background:#fff}}</style>
</head><body class="desktop"><div class="viewport" id="oneApp">
<header class="slds-global-header" role="banner"><div class="slds-global-header__logo">salesforce</div></header>
<div class="oneAppNavContainer" role="navigation" aria-label="Global"><span class="appName">Setup</span>
<a href="/lightning/setup/SetupOneHome/home">Home</a><a href="/lightning/setup/NavigationMenus/home">App Manager</a></div>
<main class="setup-content" role="main" aria-busy="true">
<div class="slds-spinner_container"><span>Loading...</span></div>
<force-aloha-page data-src="{esc(src)}" data-name="{name}" data-title="{esc(title)}"></force-aloha-page>
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
