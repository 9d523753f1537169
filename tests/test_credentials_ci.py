"""Credentials in the form CI takes (issue 14, item 1): naming presets, the private key itself (PEM or base64), and a
.env that `gh secret set --env-file` reads back to exactly the values written (godotenv v1.5.1's rules, the version
gh pins: tests/support/godotenv.py)."""

from __future__ import annotations

import base64
import os
import re

import pytest
from click.testing import CliRunner
from dotenv import dotenv_values

from provisioner.certs import generate_key_and_cert
from provisioner.cli import main
from provisioner.credential_styles import CredentialFormat, branch_suffix
from provisioner.errors import ConfigError
from provisioner.job.inventory import load_inventory
from provisioner.one_org import CredentialTargets, OrgOutcome, credential_values, write_credentials

from .support import godotenv

#: GitHub's rule for secret names (docs: "Naming your secrets"): letters, digits, _; no digit first; no GITHUB_
GITHUB_SECRET_NAME = re.compile(r"^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$", re.IGNORECASE)


# --- the parser port is godotenv's behaviour, checked against godotenv v1.5.1's own tests ---------------------------

@pytest.mark.parametrize("line, key, value", [
    ("FOO=bar", "FOO", "bar"), ("FOO =bar", "FOO", "bar"), ('FOO="escaped\\"bar"', "FOO", 'escaped"bar'),
    ("OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"), ("export OPTION_B='\\n'", "OPTION_B", "\\n"),
    ("export.FOO= 2", "export.FOO", "2"), ('FOO="bar\\nbaz"', "FOO", "bar\nbaz"), ("FOO=foobar=", "FOO", "foobar="),
    ("FOO=bar # this is foo", "FOO", "bar"), ("FOO='bar#baz' # comment", "FOO", "bar#baz"),
    ('FOO="bar\\n\\ b\\az"', "FOO", "bar\n baz"), ('FOO="bar\\\\\\n\\ b\\az"', "FOO", "bar\\\n baz"),
    ("KEY=value value", "KEY", "value value"), ("\texport OPTION_A=2", "OPTION_A", "2"),
])
def test_the_port_parses_as_godotenv_1_5_1_does(line, key, value):
    assert godotenv.parse(line, environ={}) == {key: value}


def test_the_port_reads_godotenv_quoted_fixture():
    text = ("OPTION_A='1'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\"\n"
            "OPTION_J='line 1\nline 2'\nOPTION_M=\"line one\nthis is \\\"quoted\\\"\none more line\"\n")
    assert godotenv.parse(text, environ={}) == {
        "OPTION_A": "1", "OPTION_C": "", "OPTION_D": "\\n", "OPTION_H": "\n", "OPTION_I": "echo 'asd'",
        "OPTION_J": "line 1\nline 2", "OPTION_M": 'line one\nthis is "quoted"\none more line'}


def test_the_port_expands_variables_as_godotenv_does():
    assert godotenv.parse('A=1\nB="x$A"\nC=\'$A\'\nD=$HOME_X', environ={"HOME_X": "h"}) == {
        "A": "1", "B": "x1", "C": "$A", "D": "h"}


# --- what we write ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> OrgOutcome:
    home = tmp_path_factory.mktemp("keys")
    key, cert = generate_key_and_cert(home)
    return OrgOutcome(status="created", app_name="CI", api_name="CI", consumer_key="3MVG9" + "Ab1_.x" * 12,
                      consumer_secret="F1E2D3C4B5A6" * 5 + "9", username="ci-bot@acme.example.uat",
                      login_url="https://test.salesforce.com",
                      instance_url="https://acme--uat.sandbox.my.salesforce.com",
                      private_key_path=str(key), certificate_path=str(cert))


FORMATS = [CredentialFormat(style, embed, "uat-eu" if style == "sfdx-hardis" else None)
           for style in ("provisioner", "sf-cli", "sfdx-hardis") for embed in (None, "pem", "base64")
           if not (style == "sfdx-hardis" and embed == "base64")]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f"{f.style}-{f.embed_key}")
def test_gh_secret_set_reads_back_exactly_what_was_written(outcome, fmt, tmp_path):
    env_file = tmp_path / "ci.env"
    write_credentials(CredentialTargets(env_file=env_file, format=fmt), outcome)
    key_pem = open(outcome.private_key_path, encoding="utf-8").read()
    expected = credential_values(outcome, fmt, key_pem)
    text = env_file.read_text()
    assert godotenv.parse(text, environ={}) == expected  # gh secret set --env-file
    assert dotenv_values(env_file, interpolate=False) == expected  # `verify --env-file`, python-dotenv
    assert all(GITHUB_SECRET_NAME.match(name) for name in expected)
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    if fmt.key_form == "pem":
        assert any(v == key_pem for v in expected.values())
    if fmt.key_form == "base64":
        assert any(base64.b64decode(v).decode() == key_pem for v in expected.values() if v.startswith("LS0t"))


def test_each_preset_names_what_its_tools_read(outcome):
    pem = open(outcome.private_key_path, encoding="utf-8").read()
    assert list(credential_values(outcome, CredentialFormat())) == [
        "SALESFORCE_CONSUMER_KEY", "SALESFORCE_CONSUMER_SECRET", "SALESFORCE_USERNAME", "SALESFORCE_LOGIN_URL",
        "SALESFORCE_INSTANCE_URL", "SALESFORCE_JWT_KEY_FILE"]
    sf = credential_values(outcome, CredentialFormat("sf-cli", "pem"), pem)
    assert sf == {"SF_CONSUMER_KEY": outcome.consumer_key, "SF_USERNAME": outcome.username,
                  "SF_INSTANCE_URL": outcome.instance_url, "SF_AUDIENCE_URL": "https://test.salesforce.com",
                  "SF_JWT_KEY": pem}
    assert outcome.consumer_secret not in sf.values(), "sf org login jwt needs no consumer secret"
    hardis = credential_values(outcome, CredentialFormat("sfdx-hardis", None, "uat-eu"), pem)
    assert hardis == {"SFDX_CLIENT_ID_UAT_EU": outcome.consumer_key, "SFDX_CLIENT_CERT_UAT_EU": pem}
    assert "-----BEGIN" in hardis["SFDX_CLIENT_CERT_UAT_EU"], "sfdx-hardis takes a value with a PEM header as is"


def test_json_carries_the_embedded_key_too(outcome, tmp_path):
    import json

    target = tmp_path / "c.json"
    write_credentials(CredentialTargets(json_file=target, format=CredentialFormat(embed_key="base64")), outcome)
    record = json.loads(target.read_text())
    assert base64.b64decode(record["private_key_base64"]).decode() == open(outcome.private_key_path).read()
    assert oct(target.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("branch, suffix", [("integration", "INTEGRATION"), ("uat-eu", "UAT_EU"),
                                            ("release/2.0", "RELEASE_2_0")])
def test_sfdx_hardis_branch_suffix(branch, suffix):
    assert branch_suffix(branch) == suffix


@pytest.mark.parametrize("kwargs, message", [
    ({"style": "gitlab"}, "expected one of"), ({"embed_key": "der"}, "pem or base64"),
    ({"style": "sfdx-hardis"}, "--branch"), ({"style": "sfdx-hardis", "branch": "x", "embed_key": "base64"}, "PEM"),
])
def test_bad_formats_are_one_clear_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        CredentialFormat(**kwargs)


# --- where the format is chosen ------------------------------------------------------------------------------------

def _inventory(tmp_path, credentials_line: str, defaults_line: str = ""):
    path = tmp_path / "inventory.toml"
    path.write_text(f'[defaults]\nspec = "app.toml"\n{defaults_line}\n[[org]]\nname = "uat"\n'
                    'login_url = "https://test.salesforce.com"\nusername = "u@x.test"\npassword_env = "P"\n'
                    f"{credentials_line}\n")
    (tmp_path / "app.toml").write_text('name = "X"\n')  # specs are checked at load
    return path


def test_inventory_credentials_table_chooses_the_format(tmp_path):
    org = load_inventory(_inventory(tmp_path, 'credentials = { style = "sfdx-hardis" }')).org("uat")
    assert org.credential_format == CredentialFormat("sfdx-hardis", None, "uat"), "the branch defaults to the name"
    org = load_inventory(_inventory(tmp_path, "", 'credentials = { style = "sf-cli", embed_key = "base64" }')).org("uat")
    assert org.credential_format.style == "sf-cli" and org.credential_format.embed_key == "base64"
    with pytest.raises(ConfigError, match="org 'uat' credentials: .*expected one of"):
        load_inventory(_inventory(tmp_path, 'credentials = { style = "nope" }'))


def test_setup_refuses_sfdx_hardis_without_a_branch_before_any_browser(tmp_path):
    env = {"SALESFORCE_LOGIN_URL": "https://test.salesforce.com", "SALESFORCE_USERNAME": "u@x.test",
           "SALESFORCE_PASSWORD": "pw-" + os.urandom(4).hex()}
    result = CliRunner().invoke(main, ["setup", "--out-dir", str(tmp_path), "--credentials-style", "sfdx-hardis"],
                                env=env)
    assert result.exit_code == 2 and "--branch" in result.output and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_the_example_inventory_loads_with_its_formats_and_pin():
    from pathlib import Path

    inv = load_inventory(Path(__file__).resolve().parents[1] / "examples" / "inventory.toml")
    assert inv.org("uat").credential_format == CredentialFormat("sf-cli", "pem", "uat")
    assert inv.org("qa").credential_format.style == "sfdx-hardis" and inv.org("qa").shard == 1
