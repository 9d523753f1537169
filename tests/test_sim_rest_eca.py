"""The simulated org's SOQL knows ExternalClientApplication (a standard object, API 56.0+): credentials.py finds an
app no token was issued for yet (Connect REST's OAuth Usage does not list it) by that object."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace

from provisioner.api import credentials as rest
from provisioner.api.session import ApiSession
from tests.support.eca_app import API_NAME, add_ready_app


def _query(handle, soql: str, token: str) -> tuple[int, object]:  # noqa: ANN001
    url = f"{handle.base_url}/services/data/v65.0/query?{urllib.parse.urlencode({'q': soql})}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_an_app_not_used_yet_is_found_by_its_object(sim_factory, tmp_path) -> None:  # noqa: ANN001
    handle = sim_factory(mail="embedded", variant="rest-secrets")
    ready = add_ready_app(handle, tmp_path / "keys", used=False)
    api = ApiSession(handle.base_url, handle.cli_token())
    assert rest.find_app_id(api, API_NAME) == (ready.app.id, ready.app.name)
    assert rest.find_app_id(api, "No_Such_App") is None
    found = rest.read_credentials(api, API_NAME)  # no app id given: the object gives it
    assert (found.consumer_key, found.consumer_secret) == (ready.app.consumer_key, ready.app.consumer_secret)


def test_the_object_lists_external_client_apps_only(sim_factory, tmp_path) -> None:  # noqa: ANN001
    handle = sim_factory(mail="embedded")
    ready = add_ready_app(handle, tmp_path / "keys", used=False)
    classic = replace(ready.app, id="0H4000000000001AAA", api_name="Classic_App", kind="connected_app")
    with handle.org.lock:
        handle.org.apps[classic.id] = classic
    token = handle.cli_token()
    status, body = _query(handle, "SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication", token)
    assert status == 200, body
    assert [(r["Id"], r["DeveloperName"], r["MasterLabel"]) for r in body["records"]] == \
        [(ready.app.id, API_NAME, ready.app.name)]
    assert body["records"][0]["attributes"]["type"] == "ExternalClientApplication"
    status, body = _query(handle, "SELECT ConsumerSecret FROM ExternalClientApplication", token)
    assert status == 400 and body[0]["errorCode"] == "INVALID_FIELD"  # the secret is no field of the object
