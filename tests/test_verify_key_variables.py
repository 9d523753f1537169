"""`verify` takes the private key from a variable as well as from a file (issue 14, item 1): what `setup
--embed-key pem|base64` writes is what `verify --env-file` reads; and an empty --env-file says so (item 6)."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.credential_styles import CredentialFormat
from provisioner.errors import CertificateError, ConfigError
from provisioner.one_org import CredentialTargets, OrgOutcome, write_credentials
from tests.test_oauth_strict import USERNAME, build_oauth_org, ci_keys, stop  # noqa: F401 (fixture)

#: the variables a CI job may carry that must not decide this test's outcome
CLEAN = {name: "" for name in ("SALESFORCE_LOGIN_URL", "SALESFORCE_INSTANCE_URL", "SALESFORCE_USERNAME",
                               "SALESFORCE_CONSUMER_KEY", "SALESFORCE_JWT_KEY_FILE", "SALESFORCE_JWT_KEY",
                               "SALESFORCE_JWT_KEY_BASE64")}


@pytest.fixture
def org(tmp_path, ci_keys):
    built = build_oauth_org(tmp_path, keys=ci_keys)
    yield built
    stop(built)


@pytest.mark.parametrize("embed", ["pem", "base64"])
def test_verify_reads_the_key_that_setup_embedded(org, tmp_path, embed):
    outcome = OrgOutcome(status="created", consumer_key=org.app.consumer_key, consumer_secret="s" * 20,
                         username=USERNAME, login_url=org.url, instance_url=org.url,
                         private_key_path=str(org.key_path))
    env_file = tmp_path / "ci.env"
    write_credentials(CredentialTargets(env_file=env_file, format=CredentialFormat(embed_key=embed)), outcome)
    assert "SALESFORCE_JWT_KEY_FILE" not in env_file.read_text(), "the runner's path is no CI secret"
    result = CliRunner().invoke(main, ["verify", "--env-file", str(env_file), "--json", "--retry-seconds", "0"],
                                env=CLEAN)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"]["user_id"] == org.user.id


def test_verify_reads_the_key_from_the_environment(org):
    pem = org.key_path.read_text()
    env = dict(CLEAN, SALESFORCE_JWT_KEY=pem.replace("\n", "\\n"))  # as a CI UI may store it: escaped breaks
    args = ["verify", "--login-url", org.url, "--username", USERNAME, "--consumer-key", org.app.consumer_key,
            "--retry-seconds", "0"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output


def test_a_key_variable_that_is_no_key_is_one_line_naming_the_variable(org):
    value = base64.b64encode(b"not a key at all, but secret-ish").decode()
    args = ["verify", "--login-url", org.url, "--username", USERNAME, "--consumer-key", org.app.consumer_key]
    result = CliRunner().invoke(main, args, env=dict(CLEAN, SALESFORCE_JWT_KEY_BASE64=value))
    assert result.exit_code == CertificateError.exit_code
    assert "SALESFORCE_JWT_KEY_BASE64" in result.output and value not in result.output
    assert result.output.count("\n") == 1


def test_a_missing_key_names_every_way_to_give_it():
    result = CliRunner().invoke(main, ["verify", "--login-url", "https://login.salesforce.com", "--username", "u",
                                       "--consumer-key", "k"], env=CLEAN)
    assert result.exit_code == ConfigError.exit_code
    assert "SALESFORCE_JWT_KEY_FILE" in result.output and "SALESFORCE_JWT_KEY_BASE64" in result.output


def test_an_empty_env_file_says_empty():
    result = CliRunner().invoke(main, ["verify", "--env-file", "/dev/null"], env=CLEAN)
    assert result.exit_code == ConfigError.exit_code
    assert "/dev/null is empty" in result.output and "not found" not in result.output
