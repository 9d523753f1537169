"""The simulated org's Connect REST credentials resources: the org setting and the permission, `part`, the staged
credentials' lifecycle, and what the token endpoint accepts at each stage (EVIDENCE.md "Connect REST credentials")."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from provisioner.api import credentials as rest
from provisioner.api.session import ApiSession
from provisioner.errors import ApiUnavailableError, CredentialsApiDisabledError
from tests.support.eca_app import API_NAME, add_ready_app, client_credentials, jwt_bearer


def _raw(handle, method: str, path: str, token: str, body: bytes | None = None,  # noqa: ANN001
         version: str = "65.0") -> tuple[int, object]:
    request = urllib.request.Request(f"{handle.base_url}/services/data/v{version}/{path}", data=body, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


@pytest.fixture
def org(sim_factory, tmp_path):  # noqa: ANN001, ANN201
    handle = sim_factory(mail="embedded", variant="rest-secrets")
    ready = add_ready_app(handle, tmp_path / "keys")
    api = ApiSession(handle.base_url, handle.cli_token())
    return handle, ready, api


def test_setting_off_by_default_refuses_and_names_the_setting(sim_factory, tmp_path) -> None:  # noqa: ANN001
    handle = sim_factory(mail="embedded")
    assert handle.org.config.eca_secrets_via_rest is False
    add_ready_app(handle, tmp_path / "keys")
    api = ApiSession(handle.base_url, handle.cli_token())
    app_id = rest.find_app_id(api, API_NAME)[0]  # OAuth Usage needs no setting
    status, body = _raw(handle, "GET", f"apps/oauth/credentials/{app_id}", api.session_id)
    assert status == 403 and body[0]["errorCode"] == "FUNCTIONALITY_NOT_ENABLED"
    allowed, why = rest.credentials_allowed(api, API_NAME)
    assert not allowed and rest.SETTING in why
    with pytest.raises(CredentialsApiDisabledError, match="Allow access to External Client App consumer secrets"):
        rest.read_credentials(api, API_NAME)


def test_user_without_view_client_secret_is_refused(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    handle.admin.view_consumer_secret = False
    allowed, why = rest.credentials_allowed(api, API_NAME)
    assert not allowed and "View Client Secret" in why
    with pytest.raises(CredentialsApiDisabledError, match="View Client Secret"):
        rest.read_credentials(api, API_NAME)


def test_user_without_api_enabled_is_refused(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    handle.admin.api_enabled = False
    with pytest.raises(ApiUnavailableError, match="API Enabled"):
        rest.read_credentials(api, API_NAME)


def test_usage_lists_an_app_only_once_it_has_usage(sim_factory, tmp_path) -> None:  # noqa: ANN001
    handle = sim_factory(mail="embedded", variant="rest-secrets")
    ready = add_ready_app(handle, tmp_path / "keys", used=False)
    api = ApiSession(handle.base_url, handle.cli_token())
    status, body = _raw(handle, "GET", "apps/oauth/usage", api.session_id)
    assert status == 200 and body["apps"] == []
    # not in OAuth Usage: the client finds it by SOQL on ExternalClientApplication instead
    assert rest.find_app_id(api, API_NAME)[0] == ready.app.id
    assert rest.credentials_allowed(api, API_NAME)[0] is True
    # and the id a Metadata retrieve gives finds it without asking
    found = rest.read_credentials(api, API_NAME, app_id=ready.app.id)
    assert found.consumer_secret == ready.app.consumer_secret
    assert client_credentials(handle.base_url, ready.app.consumer_key, ready.app.consumer_secret)[0] == 200
    status, body = _raw(handle, "GET", "apps/oauth/usage", api.session_id)
    assert [(a["identifier"], a["developerName"]) for a in body["apps"]] == [(ready.app.id, API_NAME)]


def test_part_key_secret_keyandsecret(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    consumer = rest.find_consumer(api, API_NAME)
    path = f"apps/oauth/credentials/{consumer.app_id}/{consumer.consumer_id}"
    shown = {}
    for part in (None, "key", "secret", "keyandsecret"):
        status, body = _raw(handle, "GET", path + (f"?part={part}" if part else ""), api.session_id)
        assert status == 200 and body["id"] == consumer.consumer_id
        shown[part] = (body.get("key"), body.get("secret"))
    app = ready.app
    assert shown == {None: (app.consumer_key, None), "key": (app.consumer_key, None),
                     "secret": (None, app.consumer_secret), "keyandsecret": (app.consumer_key, app.consumer_secret)}
    status, body = _raw(handle, "GET", path + "?part=everything", api.session_id)
    assert status == 400
    # the collection gives keys, never secrets
    status, body = _raw(handle, "GET", f"apps/oauth/credentials/{consumer.app_id}", api.session_id)
    assert [c.get("secret") for c in body["consumers"]] == [None] and body["consumers"][0]["key"] == app.consumer_key
    found = rest.read_credentials(api, API_NAME)
    assert (found.consumer_key, found.consumer_secret) == (app.consumer_key, app.consumer_secret)


def test_staged_resources_need_api_65(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    consumer = rest.find_consumer(api, API_NAME)
    status, _ = _raw(handle, "GET", f"apps/oauth/credentials/{consumer.app_id}/{consumer.consumer_id}/staged",
                     api.session_id, version="64.0")
    assert status == 404


def test_staged_lifecycle_and_the_token_endpoint_at_each_stage(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    base, app, admin = handle.base_url, ready.app, handle.admin.username
    old_key, old_secret = app.consumer_key, app.consumer_secret
    consumer = rest.find_consumer(api, API_NAME)

    def works(key: str, secret: str) -> tuple[bool, bool]:
        return (client_credentials(base, key, secret)[0] == 200,
                jwt_bearer(base, key, admin, ready.key_pem)[0] == 200)

    assert rest.staged(api, consumer) == []
    new = rest.stage(api, consumer)
    assert new.state == "Active" and new.key != old_key and new.secret != old_secret
    # one staged set at a time
    status, body = _raw(handle, "POST", f"apps/oauth/credentials/{consumer.app_id}/{consumer.consumer_id}/staged",
                        api.session_id)
    assert status == 400
    # staged: both pairs work; the staged secret does not go with the old key
    assert works(old_key, old_secret) == (True, True)
    assert works(new.key, new.secret) == (True, True)
    assert client_credentials(base, old_key, new.secret)[0] == 400
    assert [(s.id, s.state) for s in rest.staged(api, consumer)] == [(new.id, "Active")]

    status, _ = _raw(handle, "PATCH", f"apps/oauth/credentials/{consumer.app_id}/{consumer.consumer_id}/staged/"
                     f"{new.id}", api.session_id, body=json.dumps({"command": "promote"}).encode())
    assert status == 400
    rest.rotate(api, consumer, new.id)
    # rotated: the new pair is the primary, the old one is staged as Rotated and still works
    assert rest.primary(api, consumer).consumer_key == new.key
    assert [(s.key, s.state) for s in rest.staged(api, consumer)] == [(old_key, "Rotated")]
    assert works(new.key, new.secret) == (True, True)
    assert works(old_key, old_secret) == (True, True)
    with pytest.raises(rest.RestError):  # a Rotated set cannot be rotated again
        rest.rotate(api, consumer, new.id)

    rest.delete_staged(api, consumer, new.id)
    assert rest.staged(api, consumer) == []
    assert works(new.key, new.secret) == (True, True)
    assert works(old_key, old_secret) == (False, False)
    assert client_credentials(base, old_key, old_secret)[1]["error"] == "invalid_client_id"


def test_deleting_an_active_staged_set_leaves_the_primary(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    consumer = rest.find_consumer(api, API_NAME)
    new = rest.stage(api, consumer)
    rest.delete_staged(api, consumer, new.id)
    assert client_credentials(handle.base_url, new.key, new.secret)[0] == 400
    assert client_credentials(handle.base_url, ready.app.consumer_key, ready.app.consumer_secret)[0] == 200
    with pytest.raises(rest.RestError) as gone:
        rest.delete_staged(api, consumer, new.id)
    assert gone.value.status == 404


def test_packaged_apps_have_no_staged_credentials(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    ready.app.distribution_state = "Packaged"
    consumer = rest.find_consumer(api, API_NAME)
    with pytest.raises(rest.RestError) as refused:
        rest.stage(api, consumer)
    assert refused.value.status == 400


def test_staged_secrets_stay_out_of_the_inspection_json(org) -> None:  # noqa: ANN001
    handle, ready, api = org
    new = rest.stage(api, rest.find_consumer(api, API_NAME))
    shown = json.dumps(ready.app.to_json())
    assert new.secret not in shown and new.key in shown
