"""The simulated token endpoint accepts a JWT only when a real org would, with the real org's error answers."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.sim import oauth, rest
from provisioner.sim.http import Router, serve
from provisioner.sim.model import ExternalClientApp, OAuthPolicies, PermissionSet, Profile, User
from provisioner.sim.org import OrgConfig, SimOrg

USERNAME = "ci@acme.example"


@dataclass
class OAuthOrg:
    org: SimOrg
    app: ExternalClientApp
    user: User
    key_pem: str
    key_path: Path
    cert_path: Path

    @property
    def url(self) -> str:
        """The org's own (My Domain) URL."""
        return self.org.base_url

    @property
    def login_url(self) -> str:
        """The generic login host when the org has one (login_host=True), else the My Domain."""
        return getattr(self.org, "login_url", "") or self.org.base_url


def build_oauth_org(tmp_path: Path, *, sandbox: bool = False, propagation_seconds: float = 0.0,
                    keys: tuple[Path, Path] | None = None, kind: str = "external_client_app",
                    login_host: bool = False) -> OAuthOrg:
    """A served org (OAuth + REST routes only) with one JWT-ready app pre-authorised for the CI user's profile.

    `keys`: an existing (server.key, server.crt) pair, to save generating one per test. `kind`: the app is an
    External Client App or a classic "connected_app". `login_host`: also serve a generic login host's token endpoint
    on a port of its own (`login_url`)."""
    org = SimOrg(OrgConfig(sandbox=sandbox, propagation_seconds=propagation_seconds))
    for name in ("System Administrator", "Integration", "Standard User"):
        org.profiles[name] = Profile(org.ids.sf_id("00e"), name)
    org.permission_sets["CI_Access"] = PermissionSet(org.ids.sf_id("0PS"), "CI_Access", "CI Access")
    user = User(org.ids.sf_id("005"), USERNAME, "pw", "ci@acme.example", "CI", "Bot", "Integration")
    org.users[user.username.lower()] = user
    key_path, cert_path = keys or generate_key_and_cert(tmp_path / "keys", "ci")
    app = ExternalClientApp(
        id=org.ids.sf_id("0xI" if kind == "external_client_app" else "0H4"), name="CI", api_name="CI",
        contact_email="ci@acme.example", oauth_enabled=True,
        callback_urls=["http://localhost:1717/OauthRedirect"], scopes=["api", "refresh_token", "offline_access"],
        jwt_enabled=True, certificate_pem=cert_path.read_text(), consumer_key="3MVG9" + org.ids.token(80),
        consumer_secret=org.ids.digits(64),
        policies=OAuthPolicies(permitted_users="AdminApprovedPreAuthorized", profiles=["Integration"]), kind=kind,
    )
    app.changed_at = time.time()
    org.apps[app.id] = app
    router = Router()
    oauth.register(router, org)
    rest.register(router, org)
    server, _ = serve(router)
    org.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    org._test_servers = [server]  # kept for shutdown
    if login_host:
        login_router = Router()
        oauth.register_login_host(login_router, org)
        login_server, _ = serve(login_router)
        org.login_url = f"http://127.0.0.1:{login_server.server_address[1]}"
        org._test_servers.append(login_server)
    return OAuthOrg(org, app, user, key_path.read_text(), key_path, cert_path)


def stop(built: OAuthOrg) -> None:
    # shutdown() waits for the serve loop's 0.5 s poll; no test needs to wait for that
    for server in built.org._test_servers:
        threading.Thread(target=server.shutdown, daemon=True).start()


@pytest.fixture(scope="session")
def ci_keys(tmp_path_factory) -> tuple[Path, Path]:
    return generate_key_and_cert(tmp_path_factory.mktemp("ci-keys"), "ci")


def post_token(url: str, form: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url + "/services/oauth2/token", data=urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get_json(url: str, token: str | None) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def env(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys)
    yield built
    stop(built)


def assertion(env: OAuthOrg, *, key: str | None = None, **claims) -> str:
    body = {"iss": env.app.consumer_key, "sub": USERNAME, "aud": env.url, "exp": int(time.time()) + 180}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key or env.key_pem, algorithm="RS256")


def jwt_login(env: OAuthOrg, *, at: str | None = None, **kwargs) -> tuple[int, dict]:
    """A JWT login at `at` (default: the org's My Domain)."""
    return post_token(at or env.url, {"grant_type": oauth.JWT_BEARER, "assertion": assertion(env, **kwargs)})


def refused(answer: tuple[int, dict], error: str, description: str) -> bool:
    status, body = answer
    return status == 400 and body == {"error": error, "error_description": description}


def test_signed_jwt_from_pre_authorised_user_gets_a_token(env):
    status, body = jwt_login(env)
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == env.url
    assert body["id"] == f"{env.url}/id/{env.org.org_id}/{env.user.id}"
    assert body["access_token"].startswith(env.org.org_id[:15] + "!")
    assert "refresh_token" not in body
    # the token works on the APIs the CLI calls
    status, info = get_json(env.url + "/services/oauth2/userinfo", body["access_token"])
    assert status == 200 and info["preferred_username"] == USERNAME and info["organization_id"] == env.org.org_id
    status, ident = get_json(body["id"], body["access_token"])
    assert status == 200 and ident["username"] == USERNAME


def test_audience_may_be_login_salesforce_com_for_production(env):
    assert jwt_login(env, aud="https://login.salesforce.com")[0] == 200
    assert refused(jwt_login(env, aud="https://test.salesforce.com"), "invalid_grant", "audience is invalid")


def test_sandbox_takes_test_salesforce_com_not_login(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, sandbox=True, keys=ci_keys)
    try:
        assert jwt_login(built, aud="https://test.salesforce.com")[0] == 200
        assert refused(jwt_login(built, aud="https://login.salesforce.com"), "invalid_grant", "audience is invalid")
    finally:
        stop(built)


def test_wrong_audience_is_refused(env):
    assert refused(jwt_login(env, aud="https://example.com"), "invalid_grant", "audience is invalid")


def test_jwt_signed_by_another_key_is_refused(env, tmp_path):
    # An External Client App words a certificate mismatch as a bad client (frankkessler/salesforce-laravel-oauth2-rest#68)
    other_key, _ = generate_key_and_cert(tmp_path / "other", "other")
    assert refused(jwt_login(env, key=other_key.read_text()), "invalid_client", "invalid client credentials")


def test_a_connected_app_words_a_certificate_mismatch_as_an_invalid_assertion(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys, kind="connected_app")
    try:
        other_key, _ = generate_key_and_cert(tmp_path / "other", "other")
        assert refused(jwt_login(built, key=other_key.read_text()), "invalid_grant", "invalid assertion")
        assert jwt_login(built)[0] == 200
    finally:
        stop(built)


def test_unsigned_or_garbage_assertion_is_refused(env):
    unsigned = jwt.encode({"iss": env.app.consumer_key, "sub": USERNAME, "aud": env.url,
                           "exp": int(time.time()) + 60}, "a-shared-secret-long-enough-for-hs256", algorithm="HS256")
    for bad in (unsigned, "not-a-jwt"):
        answer = post_token(env.url, {"grant_type": oauth.JWT_BEARER, "assertion": bad})
        assert refused(answer, "invalid_grant", "invalid assertion")


def test_unknown_consumer_key_is_refused(env):
    assert refused(jwt_login(env, iss="3MVG9unknown"), "invalid_client_id", "client identifier invalid")


def test_user_whose_profile_is_not_in_the_policies_is_refused(env):
    # Admin-approved app, user outside its profiles and permission sets (jetstreamapp/jetstream#656)
    env.app.policies.profiles = ["System Administrator"]
    assert refused(jwt_login(env), "invalid_app_access", "user is not admin approved to access this app")


def test_permission_set_also_pre_authorises(env):
    env.app.policies.profiles = []
    env.app.policies.permission_sets = ["CI_Access"]
    assert refused(jwt_login(env), "invalid_app_access", "user is not admin approved to access this app")
    env.user.permission_sets.append("CI_Access")
    assert jwt_login(env)[0] == 200


def test_self_authorize_policy_refuses_jwt(env):
    env.app.policies.permitted_users = "AllSelfAuthorized"
    assert refused(jwt_login(env), "invalid_grant", "user hasn't approved this consumer")


def test_unknown_and_inactive_users_are_refused(env):
    assert refused(jwt_login(env, sub="nobody@acme.example"), "invalid_grant", "user hasn't approved this consumer")
    env.user.active = False
    assert refused(jwt_login(env), "invalid_grant", "user hasn't approved this consumer")


def test_expired_or_missing_exp_is_refused(env):
    expired = "expired authorization code"
    assert refused(jwt_login(env, exp=int(time.time()) - 3600), "invalid_grant", expired)
    assert refused(jwt_login(env, exp=None), "invalid_grant", expired)


def test_exp_in_milliseconds_is_accepted_as_the_cli_sends_it(env):
    assert jwt_login(env, exp=int(time.time() * 1000) + 300)[0] == 200
    assert refused(jwt_login(env, exp=int(time.time() * 1000) - 3_600_000), "invalid_grant",
                   "expired authorization code")


def test_jwt_flow_disabled_or_no_certificate_is_refused(env):
    env.app.jwt_enabled = False
    assert refused(jwt_login(env), "invalid_grant", "invalid assertion")
    env.app.jwt_enabled, env.app.certificate_pem = True, None
    assert refused(jwt_login(env), "invalid_grant", "invalid assertion")


def test_oauth_disabled_makes_the_key_unknown(env):
    env.app.oauth_enabled = False
    assert refused(jwt_login(env), "invalid_client_id", "client identifier invalid")


PROPAGATION_ECA = [("invalid_client_id", "client identifier invalid"),
                   ("app_not_found", "External client app is not installed in this org"),
                   ("invalid_grant", "user hasn't approved this consumer")]


def test_refused_while_the_change_propagates_then_accepted(env):
    # A window far longer than any test takes, so the refusal cannot race the clock; then the app's state says the
    # change was saved longer ago than the window (what waiting would have done), and the same login succeeds.
    env.org.config.propagation_seconds = 600
    env.app.changed_at = time.time()
    answers = [jwt_login(env) for _ in range(6)]
    assert {status for status, _ in answers} == {400}
    # every answer real orgs give while an app propagates (pozil/salesforce-react-integration#15, forcedotcom/cli#3638)
    assert [(body["error"], body["error_description"]) for _, body in answers] == PROPAGATION_ECA * 2
    assert env.org.events[-1] == {**env.org.events[-1], "kind": "oauth_jwt_refused", "reason": "propagating"}
    env.app.changed_at = time.time() - 601
    assert jwt_login(env)[0] == 200


def test_a_propagating_connected_app_is_unknown_or_not_approved(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys, kind="connected_app", propagation_seconds=600)
    try:
        seen = {(body["error"], body["error_description"]) for _, body in (jwt_login(built) for _ in range(4))}
        assert seen == {("invalid_client_id", "client identifier invalid"),
                        ("invalid_grant", "user hasn't approved this consumer")}
    finally:
        stop(built)


def test_a_policy_save_propagates_too_and_final_answers_come_after_it(env, tmp_path):
    """While propagating the org answers as for an unknown app, whatever is wrong; afterwards, the final answer."""
    other_key, _ = generate_key_and_cert(tmp_path / "other", "other")
    env.org.config.propagation_seconds = 600
    env.app.changed_at = time.time()  # what eca_policies.py does on Save
    status, body = jwt_login(env, key=other_key.read_text())
    assert status == 400 and (body["error"], body["error_description"]) in PROPAGATION_ECA
    env.app.changed_at = time.time() - 601
    assert refused(jwt_login(env, key=other_key.read_text()), "invalid_client", "invalid client credentials")


def test_client_credentials_propagate_as_well(env):
    env.app.client_credentials_enabled, env.app.client_credentials_user = True, USERNAME
    env.org.config.propagation_seconds = 600
    env.app.changed_at = time.time()
    form = {"grant_type": "client_credentials", "client_id": env.app.consumer_key,
            "client_secret": env.app.consumer_secret}
    errors = {post_token(env.url, form)[1]["error"] for _ in range(3)}
    assert errors == {"invalid_client_id", "app_not_found", "invalid_grant"}
    env.app.changed_at = time.time() - 601
    assert post_token(env.url, form)[0] == 200


# --- the generic login host (login.salesforce.com / test.salesforce.com) -------------------------------------------
@pytest.fixture
def hosts(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys, login_host=True)
    yield built
    stop(built)


def test_the_generic_login_host_does_not_serve_external_client_apps(hosts):
    assert hosts.login_url != hosts.url
    # forcedotcom/cli#3482, #3638: the same JWT the My Domain accepts is refused at the generic host
    for aud in (hosts.login_url, hosts.url, "https://login.salesforce.com"):
        assert refused(jwt_login(hosts, at=hosts.login_url, aud=aud), "app_not_found",
                       "External client app is not installed in this org")
    form = {"grant_type": "client_credentials", "client_id": hosts.app.consumer_key,
            "client_secret": hosts.app.consumer_secret}
    assert refused(post_token(hosts.login_url, form), "app_not_found", "External client app is not installed in this org")
    assert refused(jwt_login(hosts, at=hosts.login_url, iss="3MVG9unknown"), "invalid_client_id",
                   "client identifier invalid")


def test_the_my_domain_accepts_the_login_host_or_its_own_url_as_audience(hosts):
    for aud in (hosts.login_url, hosts.url, "https://login.salesforce.com"):
        status, body = jwt_login(hosts, aud=aud)
        assert status == 200, body
        assert body["instance_url"] == hosts.url and body["id"].startswith(hosts.url + "/id/")
    assert refused(jwt_login(hosts, aud="https://test.salesforce.com"), "invalid_grant", "audience is invalid")


def test_the_generic_login_host_still_serves_connected_apps(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys, kind="connected_app", login_host=True)
    try:
        status, body = jwt_login(built, at=built.login_url, aud=built.login_url)
        assert status == 200, body
        assert body["instance_url"] == built.url  # the token names the org's own host
    finally:
        stop(built)


def test_other_grants_and_bodies(env):
    assert refused(post_token(env.url, {"grant_type": "password", "username": "x"}), "unsupported_grant_type",
                   "grant type not supported")
    assert refused(post_token(env.url, {}), "unsupported_grant_type", "grant type not supported")


def test_client_credentials(env):
    form = {"grant_type": "client_credentials", "client_id": env.app.consumer_key,
            "client_secret": env.app.consumer_secret}
    assert refused(post_token(env.url, form), "invalid_grant", "no client credentials user enabled")
    env.app.client_credentials_enabled, env.app.client_credentials_user = True, USERNAME
    status, body = post_token(env.url, form)
    assert status == 200 and body["id"].endswith(env.user.id)
    assert refused(post_token(env.url, {**form, "client_secret": "wrong"}), "invalid_client",
                   "invalid client credentials")


def test_bad_or_missing_token_is_an_invalid_session(env):
    invalid = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    for token in (None, "00Dxx!nope"):
        assert get_json(env.url + "/services/oauth2/userinfo", token) == (401, invalid)
        assert get_json(env.url + "/services/data/v66.0/", token) == (401, invalid)


def test_rest_answers_the_cli_queries(env):
    token = jwt_login(env)[1]["access_token"]
    status, versions = get_json(env.url + "/services/data", None)
    assert status == 200 and versions[-1] == {"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"}
    status, errors = get_json(env.url + "/services/data/v51.0/query?q=SELECT%20Id%20FROM%20ScratchOrgInfo%20limit%201",
                              token)
    assert status == 400 and errors[0]["errorCode"] == "INVALID_TYPE"
    assert "sObject type 'ScratchOrgInfo' is not supported." in errors[0]["message"]
    q = "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization"
    status, result = get_json(env.url + "/services/data/v66.0/query?" + urlencode({"q": q}), token)
    assert status == 200 and result["totalSize"] == 1
    record = result["records"][0]
    assert record["attributes"]["type"] == "Organization"
    assert record["Name"] == env.org.config.name and record["IsSandbox"] is False
    q = f"SELECT Id, Username FROM User WHERE Username = '{USERNAME.upper()}'"
    status, result = get_json(env.url + "/services/data/v66.0/query?" + urlencode({"q": q}), token)
    assert status == 200 and result["records"][0]["Id"] == env.user.id
    status, errors = get_json(env.url + "/services/data/v66.0/query?q=DELETE%20everything", token)
    assert status == 400 and errors[0]["errorCode"] == "MALFORMED_QUERY"
    status, errors = get_json(env.url + "/services/data/v66.0/query?q=SELECT%20Bogus%20FROM%20User", token)
    assert status == 400 and errors[0]["errorCode"] == "INVALID_FIELD"
