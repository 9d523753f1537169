"""Pages every part of the org can lead to: the maintenance page and the internal error page (the fault
middleware sends page requests there while the inspection API has them switched on)."""

from __future__ import annotations

from .. import messages, paths
from ..http import Request, Response, Router
from ..org import SimOrg
from .parts.identity_layout import page
from .parts.text import esc


def maintenance_page() -> Response:
    return page("Salesforce - Maintenance", f'<h2 id="header">{esc(messages.MAINTENANCE_TITLE)}</h2>'
                f"<p>{esc(messages.MAINTENANCE)}</p>", 503)


def server_error_page(org: SimOrg) -> Response:
    error_id = f"{org.ids.digits(10)}-{org.ids.digits(5)} ({org.ids.digits(10)})"
    return page("Error | Salesforce", f'<div id="errorTitle">{esc(messages.SERVER_ERROR_TITLE)}</div>'
                f'<div id="errorDesc">{esc(messages.SERVER_ERROR)}</div><p>Error ID: {error_id}</p>', 500)


def register(router: Router, org: SimOrg) -> None:
    def maintenance(request: Request) -> Response:
        return maintenance_page()  # served whenever asked for, as the real page is

    router.add("GET", paths.MAINTENANCE, maintenance)
