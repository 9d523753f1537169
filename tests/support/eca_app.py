"""A JWT- and client-credentials-ready External Client App put straight into a simulated org, and the token
exchanges a CI job makes with it: for the Connect REST credentials and `rotate` tests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import jwt

from provisioner.certs import generate_key_and_cert
from provisioner.sim.model import ExternalClientApp, OAuthPolicies

API_NAME = "CI_Rotation"
RUN_AS = "integration@acme.example"


@dataclass
class ReadyApp:
    app: ExternalClientApp
    key_path: Path
    cert_path: Path

    @property
    def key_pem(self) -> str:
        return self.key_path.read_text()


def add_ready_app(handle, keys_dir: Path, *, used: bool = True, api_name: str = API_NAME) -> ReadyApp:  # noqa: ANN001
    """An app with JWT bearer (admin pre-authorised; the certificate of a new pair in `keys_dir`) and client
    credentials (Run As the API-only user), past its propagation. `used`: a token was issued for it already, so
    Connect REST's OAuth Usage lists it."""
    org = handle.org
    admin = handle.admin
    key_path, cert_path = generate_key_and_cert(keys_dir, "ci")
    app = org.new_external_client_app("CI Rotation", api_name, admin.email)
    app.oauth_enabled, app.jwt_enabled, app.certificate_pem = True, True, cert_path.read_text()
    app.scopes = ["api", "refresh_token", "offline_access"]
    app.callback_urls = ["http://localhost:1717/OauthRedirect"]
    app.client_credentials_enabled, app.client_credentials_user = True, RUN_AS
    app.policies = OAuthPolicies(permitted_users="AdminApprovedPreAuthorized", profiles=[admin.profile])
    app.changed_at = app.created_at = time.time() - 3600  # propagated long ago
    app.oauth_used_at = time.time() if used else None
    with org.lock:
        org.apps[app.id] = app
    return ReadyApp(app, key_path, cert_path)


def _post(url: str, form: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def client_credentials(base_url: str, key: str, secret: str) -> tuple[int, dict]:
    return _post(base_url.rstrip("/") + "/services/oauth2/token",
                 {"grant_type": "client_credentials", "client_id": key, "client_secret": secret})


def jwt_bearer(base_url: str, key: str, username: str, key_pem: str) -> tuple[int, dict]:
    assertion = jwt.encode({"iss": key, "sub": username, "aud": base_url.rstrip("/"), "exp": int(time.time()) + 120},
                           key_pem, algorithm="RS256")
    return _post(base_url.rstrip("/") + "/services/oauth2/token",
                 {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion})
