"""App Manager (every app of the org, where "New External Client App" and "New Connected App" are) and the External
Client App Manager (the org's External Client Apps): the /aura actions behind their lists."""

from __future__ import annotations

import time

from .. import paths
from ..http import Router
from ..org import SimOrg
from .parts import catalog


def _format_time(ts: float) -> str:
    return time.strftime("%m/%d/%Y, %I:%M %p", time.localtime(ts))


def register(router: Router, org: SimOrg) -> None:
    def app_manager_list(session, params: dict) -> dict:  # noqa: ANN001
        rows = [{"name": n, "developerName": d, "description": desc, "appType": t, "lightning": lx,
                 "lastModified": "1/1/2024, 12:00 AM", "id": None}
                for n, d, desc, t, lx in catalog.STANDARD_APPS]
        with org.lock:
            apps = list(org.apps.values())
        rows += [{"name": a.name, "developerName": a.api_name, "description": a.description,
                  "appType": "External Client App", "lightning": False,
                  "lastModified": _format_time(a.changed_at), "id": a.id}
                 for a in apps if a.kind == "external_client_app"]
        rows += [{"name": a.name, "developerName": a.api_name, "description": a.description, "appType": "Connected",
                  "lightning": False, "lastModified": _format_time(a.changed_at), "id": None,
                  "kind": "connected_app", **paths.connected_app_links(a)} for a in apps if a.kind == "connected_app"]
        rows.sort(key=lambda r: r["name"].lower())
        return {"rows": rows}

    def eca_list(session, params: dict) -> dict:  # noqa: ANN001
        with org.lock:
            apps = sorted((a for a in org.apps.values() if a.kind == "external_client_app"),
                          key=lambda a: a.name.lower())
            return {"rows": [{"id": a.id, "name": a.name, "apiName": a.api_name,
                              "distributionState": a.distribution_state, "createdDate": _format_time(a.created_at),
                              "oauth": a.oauth_enabled} for a in apps]}

    router.add_action("appManager.list", app_manager_list)
    router.add_action("eca.list", eca_list)
