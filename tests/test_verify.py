"""`verify`: a real JWT bearer exchange against the simulated org, retried only while the app propagates."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from provisioner.certs import generate_key_and_cert
from provisioner.cli import main
from provisioner.errors import ConfigError, VerifyError
from provisioner.verify import default_audience, exchange_jwt, verify_with_retry
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
    assert default_audience("http://127.0.0.1:8443/") == "http://127.0.0.1:8443"


def test_retry_succeeds_once_propagation_is_over(env):
    # Still propagating until the first refusal has been seen; then propagation ends (state, not a clock race).
    env.org.config.propagation_seconds = 3600.0
    env.app.changed_at = time.time()
    attempts = []

    def refused(attempt, error):
        attempts.append(error)
        env.org.config.propagation_seconds = 0.0

    result = verify_with_retry(env.url, env.app.consumer_key, USERNAME, env.key_pem, budget_seconds=30,
                               first_delay=0.05, on_attempt=refused)
    assert result.user_id == env.user.id
    assert len(attempts) == 1 and "not pre-authorised" in attempts[0]


def test_retry_gives_up_when_the_budget_is_spent(env):
    env.app.policies.profiles = ["System Administrator"]
    started = time.monotonic()
    with pytest.raises(VerifyError, match="Permitted Users") as info:
        verify_with_retry(env.url, env.app.consumer_key, USERNAME, env.key_pem, budget_seconds=0.5, first_delay=0.2)
    assert time.monotonic() - started < 5
    assert "attempts" in str(info.value)


@pytest.mark.parametrize("change, expected", [
    ("other_key", "does not match this private key"),
    ("unknown_key", "does not know consumer key"),
    ("audience", "use https://test.salesforce.com for sandboxes"),
])
def test_permanent_errors_fail_fast_with_an_explanation(env, tmp_path, change, expected):
    key, consumer_key, audience = env.key_pem, env.app.consumer_key, None
    if change == "other_key":
        key = generate_key_and_cert(tmp_path / "other", "other")[0].read_text()
    elif change == "unknown_key":
        consumer_key = "3MVG9unknownunknownunknown"
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
    result = runner.invoke(main, ["verify", "--env-file", str(env_file), "--json"], env={"SALESFORCE_USERNAME": ""})
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out == {"ok": True, "username": USERNAME, "instance_url": env.url, "user_id": env.user.id,
                   "org_id": env.org.org_id}
    plain = runner.invoke(main, ["verify", "--env-file", str(env_file)])
    assert plain.exit_code == 0 and env.org.org_id in plain.output


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
    assert json.loads(as_json.output)["ok"] is False


def test_verify_command_names_missing_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SALESFORCE_LOGIN_URL", "SALESFORCE_USERNAME", "SALESFORCE_CONSUMER_KEY", "SALESFORCE_JWT_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["verify", "--username", "x@y.z"])
    assert result.exit_code == 2
    assert "SALESFORCE_CONSUMER_KEY" in result.output and "SALESFORCE_USERNAME" not in result.output
