"""`verify`: a real JWT bearer exchange against the simulated org, retried only while the app propagates."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

import provisioner.verify as verify
from provisioner.certs import generate_key_and_cert
from provisioner.cli import main
from provisioner.errors import ConfigError, VerifyError
from provisioner.verify import TokenRefused, default_audience, exchange_jwt, verify_with_retry
from tests.test_oauth_strict import USERNAME, build_oauth_org, ci_keys, stop  # noqa: F401 (fixture)


@pytest.fixture
def env(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys)
    yield built
    stop(built)


def test_exchange_returns_ids_and_hides_the_token(env):
    result = exchange_jwt(env.url, env.app.consumer_key, USERNAME, env.key_pem)
    assert result.instance_url == env.url
    assert result.user_id == env.user.id and result.org_id == env.org.org_id
    assert result.access_token not in repr(result)


def test_default_audience_follows_the_login_host():
    assert default_audience("https://login.salesforce.com") == "https://login.salesforce.com"
    assert default_audience("https://acme.my.salesforce.com") == "https://login.salesforce.com"
    assert default_audience("https://test.salesforce.com") == "https://test.salesforce.com"
    assert default_audience("https://acme--uat.sandbox.my.salesforce.com") == "https://test.salesforce.com"
    assert default_audience("https://power-dream-123.scratch.my.salesforce.com") == "https://test.salesforce.com"
    assert default_audience("http://127.0.0.1:8443/") == "http://127.0.0.1:8443"


def test_retry_succeeds_once_propagation_is_over(env):
    # Still propagating until every propagation answer has been seen; then propagation ends (state, not a clock race).
    env.org.config.propagation_seconds = 3600.0
    env.app.changed_at = time.time()
    answers = []

    def refused(attempt, answer):
        answers.append(answer)
        if len(answers) == 3:
            env.org.config.propagation_seconds = 0.0

    result = verify_with_retry(env.url, env.app.consumer_key, USERNAME, env.key_pem, budget_seconds=30,
                               first_delay=0.01, on_attempt=refused)
    assert result.user_id == env.user.id
    # each answer real orgs give while an app propagates is retried, not only "user hasn't approved this consumer"
    assert answers == ["invalid_client_id: client identifier invalid",
                       "app_not_found: External client app is not installed in this org",
                       "invalid_grant: user hasn't approved this consumer"]


def test_retry_gives_up_when_the_budget_is_spent(env):
    env.org.config.propagation_seconds = 3600.0
    env.app.changed_at = time.time()
    started = time.monotonic()
    with pytest.raises(VerifyError, match="propagate") as info:
        verify_with_retry(env.url, env.app.consumer_key, USERNAME, env.key_pem, budget_seconds=0.5, first_delay=0.2)
    assert time.monotonic() - started < 5
    assert "still refused after" in str(info.value) and "\n" not in str(info.value)


def test_the_default_budget_covers_the_reported_propagation_range():
    import inspect

    from provisioner.job.org_attempt import VERIFY_MAX_SECONDS

    assert verify.DEFAULT_BUDGET_SECONDS >= 30 * 60
    assert inspect.signature(verify_with_retry).parameters["budget_seconds"].default >= 30 * 60
    assert VERIFY_MAX_SECONDS >= 30 * 60


class FakeOrg:
    """Answers from a list (then success) on a fake clock: sleeps advance it, nothing really waits."""

    def __init__(self, monkeypatch, answers):
        self.answers = list(answers)
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.urls: list[str] = []
        self.claims: list[dict] = []
        monkeypatch.setattr(verify.time, "monotonic", lambda: self.now)
        monkeypatch.setattr(verify.time, "sleep", self.sleep)
        monkeypatch.setattr(verify, "_post_form", self.post)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def post(self, url, data, timeout):
        self.urls.append(url)
        self.claims.append(jwt_claims(data["assertion"]))
        if not self.answers:
            return 200, json.dumps({"access_token": "00D!x", "instance_url": url.split("/services")[0],
                                    "id": "https://x/id/00Dx/005x"}).encode()
        error, description = self.answers.pop(0)
        return 400, json.dumps({"error": error, "error_description": description}).encode()


def jwt_claims(assertion: str) -> dict:
    import jwt

    return jwt.decode(assertion, options={"verify_signature": False})


PROPAGATING = [("invalid_client_id", "client identifier invalid"),
               ("app_not_found", "External client app is not installed in this org"),
               ("invalid_grant", "user hasn't approved this consumer")]


class PropagatingFor(FakeOrg):
    """Refuses with the propagation answers until `seconds` after the first attempt, then answers with a token."""

    def __init__(self, monkeypatch, seconds: float):
        super().__init__(monkeypatch, [])
        self.ends_at = self.now + seconds

    def post(self, url, data, timeout):
        if self.now < self.ends_at:
            self.answers = [PROPAGATING[len(self.urls) % len(PROPAGATING)]]
        return super().post(url, data, timeout)


@pytest.mark.parametrize("propagation", [0.5, 5.0, 28.0, 120.0, 600.0, 1750.0])
def test_the_working_answer_is_seen_soon_after_propagation_ends(monkeypatch, env, propagation):
    # what a user waits for beyond Salesforce's own propagation: about a tenth of it, never a fixed step's worth
    fake = PropagatingFor(monkeypatch, propagation)
    verify_with_retry("https://login.salesforce.com", "3MVG9key", USERNAME, env.key_pem,
                      instance_url="https://acme.my.salesforce.com", budget_seconds=1800)
    late = fake.now - fake.ends_at
    assert 0 <= late <= max(1.0, 0.1 * propagation + 0.01)
    # ten early tries, a tenth more each up to 5 min (36), then two a minute: under 100 in the half-hour budget
    assert len(fake.urls) <= 100


def test_propagation_waits_grow_with_the_time_waited_and_are_capped(monkeypatch, env):
    fake = FakeOrg(monkeypatch, PROPAGATING * 30)
    verify_with_retry("https://login.salesforce.com", "3MVG9key", USERNAME, env.key_pem,
                      instance_url="https://acme.my.salesforce.com", budget_seconds=1800)
    assert fake.sleeps[:3] == [1.0, 1.0, 1.0] and max(fake.sleeps) == 30.0
    assert fake.sleeps == sorted(fake.sleeps)  # growing, capped: never a fixed interval


def test_propagation_answers_stop_at_the_budget_with_one_line(monkeypatch, env):
    fake = FakeOrg(monkeypatch, PROPAGATING * 1000)
    with pytest.raises(VerifyError) as info:
        verify_with_retry("https://login.salesforce.com", "3MVG9key", USERNAME, env.key_pem,
                          instance_url="https://acme.my.salesforce.com", budget_seconds=1800)
    assert fake.now - 1000.0 == pytest.approx(1800.0)  # all of the budget, not a second more
    message = str(info.value)
    assert "\n" not in message and "still refused after" in message and "in 1800 s" in message


def test_the_token_request_goes_to_the_instance_with_the_login_host_as_audience(monkeypatch, env):
    fake = FakeOrg(monkeypatch, [])
    verify_with_retry("https://login.salesforce.com", "3MVG9key", USERNAME, env.key_pem,
                      instance_url="https://acme.my.salesforce.com")
    assert fake.urls == ["https://acme.my.salesforce.com/services/oauth2/token"]
    assert fake.claims[0]["aud"] == "https://login.salesforce.com"
    fake = FakeOrg(monkeypatch, [])
    verify_with_retry("https://test.salesforce.com", "3MVG9key", USERNAME, env.key_pem,
                      instance_url="https://acme--uat.sandbox.my.salesforce.com")
    assert fake.urls == ["https://acme--uat.sandbox.my.salesforce.com/services/oauth2/token"]
    assert fake.claims[0]["aud"] == "https://test.salesforce.com"


@pytest.mark.parametrize("answer, expected", [
    (("invalid_app_access", "user is not admin approved to access this app"), "add the user's profile"),
    (("invalid_client", "invalid client credentials"), "certificate does not match this private key"),
    (("invalid_grant", "invalid assertion"), "does not match this private key"),
    (("invalid_grant", "audience is invalid"), "--audience"),
    (("invalid_grant", "expired authorization code"), "clock"),
    (("app_not_found", "External client app is not installed in this org"), "My Domain URL"),
])
def test_final_answers_stop_at_once_each_with_its_own_line(monkeypatch, env, answer, expected):
    fake = FakeOrg(monkeypatch, [answer])
    # app_not_found is final only where it can never change: at a generic login host
    with pytest.raises(VerifyError, match=expected) as info:
        verify_with_retry("https://login.salesforce.com", "3MVG9key", USERNAME, env.key_pem,
                          instance_url=None if answer[0] == "app_not_found" else "https://acme.my.salesforce.com")
    assert fake.sleeps == [] and len(fake.urls) == 1
    message = str(info.value)
    assert "\n" not in message and answer[1] in message and "3MVG9key" not in message


def test_final_answers_from_the_simulated_org_stop_at_once(env, tmp_path):
    """What the org really answers: a user outside the app's policies, a certificate of another key."""
    env.app.policies.profiles = ["System Administrator"]
    attempts = []
    with pytest.raises(VerifyError, match="not pre-authorised"):
        verify_with_retry(env.url, env.app.consumer_key, USERNAME, env.key_pem, budget_seconds=30,
                          on_attempt=lambda n, answer: attempts.append(answer))
    env.app.policies.profiles = ["Integration"]
    other = generate_key_and_cert(tmp_path / "other", "other")[0].read_text()
    with pytest.raises(VerifyError, match="certificate does not match"):
        verify_with_retry(env.url, env.app.consumer_key, USERNAME, other, budget_seconds=30,
                          on_attempt=lambda n, answer: attempts.append(answer))
    assert attempts == []


@pytest.mark.parametrize("change, expected", [
    ("other_key", "does not match this private key"),
    ("audience", "use --audience https://test.salesforce.com for sandboxes"),
])
def test_permanent_errors_fail_fast_with_an_explanation(env, tmp_path, change, expected):
    key, consumer_key, audience = env.key_pem, env.app.consumer_key, None
    if change == "other_key":
        key = generate_key_and_cert(tmp_path / "other", "other")[0].read_text()
    else:
        audience = "https://example.com"
    attempts = []
    started = time.monotonic()
    with pytest.raises(VerifyError, match=expected) as info:
        verify_with_retry(env.url, consumer_key, USERNAME, key, audience=audience, budget_seconds=30,
                          on_attempt=lambda n, err: attempts.append(n))
    assert attempts == [] and time.monotonic() - started < 5
    message = str(info.value)
    assert "\n" not in message and "PRIVATE KEY" not in message and consumer_key not in message


def test_an_unknown_key_is_retried_then_explained(env):
    """invalid_client_id is also what a just-created app answers: retried within the budget, then explained."""
    consumer_key = "3MVG9unknownunknownunknown"
    attempts = []
    with pytest.raises(VerifyError, match="does not know consumer key") as info:
        verify_with_retry(env.url, consumer_key, USERNAME, env.key_pem, budget_seconds=0.3, first_delay=0.1,
                          on_attempt=lambda n, err: attempts.append(n))
    assert attempts and consumer_key not in str(info.value) and "\n" not in str(info.value)


# --- the generic login host and the org's My Domain ---------------------------------------------------------------
@pytest.fixture
def hosts(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys, login_host=True)
    yield built
    stop(built)


def test_verify_posts_to_the_instance_learned_at_login(hosts):
    result = verify_with_retry(hosts.login_url, hosts.app.consumer_key, USERNAME, hosts.key_pem,
                               instance_url=hosts.url, budget_seconds=5)
    assert result.instance_url == hosts.url and result.user_id == hosts.user.id
    # the same exchange at the login host meets what real generic hosts answer for an External Client App
    with pytest.raises(TokenRefused) as info:
        exchange_jwt(hosts.login_url, hosts.app.consumer_key, USERNAME, hosts.key_pem)
    assert info.value.error == "app_not_found"


@pytest.mark.parametrize("url", ["http://login.salesforce.com", "http://10.255.255.1:8443",
                                 "https://login.salesforce.com@evil.example"])
def test_a_login_url_that_would_expose_the_assertion_is_refused_before_sending(env, monkeypatch, url):
    import provisioner.verify as verify

    sent = []
    monkeypatch.setattr(verify, "_post_form", lambda *args, **kwargs: sent.append(args) or (500, b""))
    with pytest.raises(ConfigError, match="login URL") as info:
        exchange_jwt(url, env.app.consumer_key, USERNAME, env.key_pem)
    assert sent == [] and "\n" not in str(info.value)


def test_unreachable_or_wrong_login_url(env):
    with pytest.raises(VerifyError, match="cannot reach"):
        exchange_jwt("http://127.0.0.1:9", env.app.consumer_key, USERNAME, env.key_pem, timeout=5)
    with pytest.raises(VerifyError, match="without an OAuth response"):
        exchange_jwt(env.url + "/nothing-here", env.app.consumer_key, USERNAME, env.key_pem)


def test_verify_command_reads_env_file_and_prints_ids(env, tmp_path):
    env_file = tmp_path / "creds.env"
    env_file.write_text(f"SALESFORCE_LOGIN_URL={env.url}\nSALESFORCE_USERNAME={USERNAME}\n"
                        f"SALESFORCE_CONSUMER_KEY={env.app.consumer_key}\nSALESFORCE_JWT_KEY_FILE={env.key_path}\n")
    runner = CliRunner()
    result = runner.invoke(main, ["verify", "--env-file", str(env_file), "--json"],
                           env={"SALESFORCE_USERNAME": "", "SALESFORCE_INSTANCE_URL": ""})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out == {"status": 0, "warnings": [],
                   "result": {"username": USERNAME, "instance_url": env.url, "user_id": env.user.id,
                              "org_id": env.org.org_id}}
    plain = runner.invoke(main, ["verify", "--env-file", str(env_file)], env={"SALESFORCE_INSTANCE_URL": ""})
    assert plain.exit_code == 0 and env.org.org_id in plain.output


def test_verify_command_sends_the_token_request_to_the_instance_url(hosts, tmp_path):
    """The credentials .env carries SALESFORCE_INSTANCE_URL (the My Domain); the login URL is the generic host."""
    env_file = tmp_path / "creds.env"
    env_file.write_text(f"SALESFORCE_LOGIN_URL={hosts.login_url}\nSALESFORCE_INSTANCE_URL={hosts.url}\n"
                        f"SALESFORCE_USERNAME={USERNAME}\nSALESFORCE_CONSUMER_KEY={hosts.app.consumer_key}\n"
                        f"SALESFORCE_JWT_KEY_FILE={hosts.key_path}\n")
    runner = CliRunner()
    result = runner.invoke(main, ["verify", "--env-file", str(env_file), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"]["instance_url"] == hosts.url
    flags = ["verify", "--login-url", hosts.login_url, "--username", USERNAME, "--consumer-key",
             hosts.app.consumer_key, "--private-key", str(hosts.key_path), "--retry-seconds", "0"]
    assert runner.invoke(main, flags + ["--instance-url", hosts.url], env={"SALESFORCE_INSTANCE_URL": ""}).exit_code == 0
    at_login_host = runner.invoke(main, flags, env={"SALESFORCE_INSTANCE_URL": ""})
    assert at_login_host.exit_code == VerifyError.exit_code
    assert "External client app is not installed in this org" in at_login_host.output


def test_verify_command_warns_when_a_generic_host_gets_the_token_request(monkeypatch, tmp_path, ci_keys):
    key_path = ci_keys[0]
    monkeypatch.setattr(verify, "_post_form", lambda url, data, timeout: (400, json.dumps(
        {"error": "app_not_found", "error_description": "External client app is not installed in this org"}).encode()))
    result = CliRunner().invoke(main, ["verify", "--login-url", "https://login.salesforce.com", "--username", USERNAME,
                                       "--consumer-key", "3MVG9key", "--private-key", str(key_path)],
                                env={"SALESFORCE_INSTANCE_URL": ""})
    assert result.exit_code == VerifyError.exit_code
    assert "SALESFORCE_INSTANCE_URL" in result.output and "My Domain" in result.output


def test_verify_command_failure_is_one_line_with_the_verify_exit_code(env, tmp_path):
    env.app.policies.permitted_users = "AllSelfAuthorized"
    runner = CliRunner()
    args = ["verify", "--login-url", env.url, "--username", USERNAME, "--consumer-key", env.app.consumer_key,
            "--private-key", str(env.key_path), "--retry-seconds", "0"]
    result = runner.invoke(main, args)
    assert result.exit_code == VerifyError.exit_code
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    as_json = runner.invoke(main, args + ["--json"])
    assert as_json.exit_code == VerifyError.exit_code
    failed = json.loads(as_json.stdout)
    assert failed["status"] == failed["exitCode"] == VerifyError.exit_code and failed["name"] == "VerifyError"


def test_verify_command_names_missing_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SALESFORCE_LOGIN_URL", "SALESFORCE_INSTANCE_URL", "SALESFORCE_USERNAME", "SALESFORCE_CONSUMER_KEY",
                 "SALESFORCE_JWT_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["verify", "--username", "x@y.z"])
    assert result.exit_code == 2
    assert "SALESFORCE_CONSUMER_KEY" in result.output and "SALESFORCE_USERNAME" not in result.output
    assert "SALESFORCE_LOGIN_URL or --instance-url / SALESFORCE_INSTANCE_URL" in result.output
