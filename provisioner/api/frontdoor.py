"""A browser session from an OAuth token the run already holds (a re-run's stored credentials, proved by a JWT
bearer exchange), so Setup opens with no password and no authenticator code.

The link is the single-use front door of /services/oauth2/singleaccess, as `sf org open` asks for one: the token
itself never goes into a URL. An org without that endpoint (404) gets frontdoor.jsp with the token, the documented
form before it. The token needs the `web` (or `full`) scope; a token refused here, or an org that shows its login page
at the front door (admins under phishing-resistant MFA), means a normal login (EVIDENCE.md "Session from a token").
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from ..errors import LoginError
from . import http
from .session import ApiSession

SINGLE_ACCESS = "/services/oauth2/singleaccess"
FRONTDOOR = "/secur/frontdoor.jsp"


def frontdoor_link(api: ApiSession, path: str, *, timeout: float = http.TIMEOUT_SECONDS) -> str:
    """A link that opens `path` (relative, e.g. Setup's home) in a browser as the token's user. LoginError when the
    org will not make a browser session of this token; OrgUnavailableError when it does not answer."""
    http.check_instance(api)
    base = api.instance_url.rstrip("/")
    status, body = http.send(f"{base}{SINGLE_ACCESS}?{urlencode({'redirect_uri': path})}",
                             headers={**api.headers(), "Accept": "application/json"}, timeout=timeout)
    if status == 404:
        return f"{base}{FRONTDOOR}?sid={quote(api.session_id, safe='')}&retURL={quote(path, safe='')}"
    try:
        link = json.loads(body).get("frontdoor_uri") if status == 200 else None
    except (ValueError, AttributeError):
        link = None
    # which hosts the browser may open is enter_with_session's check, as for the Salesforce CLI's link
    if not isinstance(link, str) or not link.startswith(("https://", "http://")):
        code, message = http.rest_error(_parsed(body), status)
        raise LoginError(f"the org gave no front door link for the token ({code}{': ' + message if message else ''})")
    return link


def _parsed(body: bytes):  # noqa: ANN202
    try:
        return json.loads(body)
    except ValueError:
        return None


__all__ = ["frontdoor_link"]
