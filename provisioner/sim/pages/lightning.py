"""Lightning Setup's shell: every page under /lightning/setup/ is the same HTML, rendered client-side by
static/lightning.js and static/setup-eca.js from what they POST to /aura (http/aura.py), as Lightning Experience
does. The Setup areas (app_manager, eca_form, eca_detail, eca_policies, consumer_details) add the /aura actions.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import messages, paths
from ..http import Request, Response, Router, aura
from ..org import SimOrg

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
STATIC_FILES = ("lightning.js", "lightning.css", "setup-eca.js")

SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Setup | Salesforce</title>
<link rel="stylesheet" href="/static/lightning.css">
</head>
<body class="desktop">
<div class="viewport" id="oneApp" aria-busy="true"><lightning-spinner alternative-text="Loading"></lightning-spinner></div>
<script>window.$SIM = {config};</script>
<script src="/static/lightning.js" defer></script>
<script src="/static/setup-eca.js" defer></script>
</body></html>
"""


def register(router: Router, org: SimOrg) -> None:
    def shell(request: Request) -> Response:
        session = request.session
        user = org.user(session.username)
        config = {
            "token": aura.token(org, session.id),
            "userName": user.name if user else session.username,
            "orgName": org.config.name,
            "sandbox": org.config.sandbox,
            "connectedAppsAllowed": bool(org.config.connected_apps_allowed),
            "messages": messages.LIGHTNING,
        }
        # </script> can't occur in JSON we build, but escape "<" anyway: names come from org data
        return Response.html(SHELL.replace("{config}", json.dumps(config).replace("<", "\\u003c")))

    def static(name: str):  # noqa: ANN202
        path = STATIC_DIR / name
        return lambda request: Response(200, path.read_bytes(), [("Content-Type", STATIC_TYPES[path.suffix])])

    for name in STATIC_FILES:
        router.add("GET", f"{paths.STATIC}/{name}", static(name))
    router.add("GET", f"{paths.SETUP}/**", shell, session=True, latency="page")
    router.add("POST", paths.AURA, aura.endpoint(router, org))
