"""An External Client App's page (Settings and Policies tabs): the /aura action that loads it. The consumer key and
secret are never part of it: they sit behind verification (consumer_details.py)."""

from __future__ import annotations

from ..http import Router
from ..model import ExternalClientApp
from ..org import SimOrg
from .parts import catalog, eca


def app_view(app: ExternalClientApp, release: str = "current") -> dict:
    """What the page may show: everything but the consumer key and secret, with the labels of stored values."""
    data = app.to_json()
    data.pop("consumer_key", None)
    data.pop("consumer_secret", None)
    data.pop("certificate_pem", None)
    summary = catalog.certificate_summary(app.certificate_pem)
    data["certificate"] = None if summary is None else {"subject": summary[0], "expires": summary[1]}
    data["scopeLabels"] = [catalog.label_of(catalog.oauth_scopes(release), s) for s in app.scopes]
    return data


def register(router: Router, org: SimOrg) -> None:
    def get(session, params: dict) -> dict:  # noqa: ANN001
        with org.lock:
            app = eca.app_of(org, params)
            return {"app": app_view(app, org.config.release), "meta": eca.form_meta(org)}

    router.add_action("eca.get", get)
