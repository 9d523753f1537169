"""App specs (TOML + flags) and org / mailbox settings (flags > environment > .env > defaults)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provisioner.config import resolve_mailbox_settings, resolve_org_settings
from provisioner.spec import AppSpec, derive_api_name, load_spec
from provisioner.errors import ConfigError, InvalidCallbackUrlError, SpecFileError, UnknownSpecKeyError

SPECS = Path(__file__).resolve().parents[1] / "provisioner" / "specs"


def write(tmp_path: Path, text: str, name: str = "app.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- app spec ------------------------------------------------------------------------------------------------------


def test_defaults_are_the_standard_cli_jwt_app():
    spec = load_spec(default_contact_email="admin@example.com")
    assert spec.name == "Salesforce CLI JWT" and spec.api_name == "Salesforce_CLI_JWT"
    assert spec.contact_email == "admin@example.com" and spec.distribution == "Local"
    assert spec.callback_urls == ("http://localhost:1717/OauthRedirect",)
    assert spec.scopes == ("api", "web", "refresh_token offline_access")
    assert spec.jwt_bearer and not spec.client_credentials and not spec.auth_code_credentials
    assert spec.require_secret_web_server and spec.require_secret_refresh and spec.pkce
    p = spec.policies
    assert p.permitted_users == "admin_approved" and p.profiles == ("System Administrator",) and p.permission_sets == ()
    assert (p.refresh_token.policy, p.refresh_token.period, p.refresh_token.unit) == ("expire_after", 90, "days")
    assert p.session_timeout_minutes == 15 and p.ip_relaxation == "enforce"


def test_example_specs_load_and_the_cli_one_equals_the_defaults():
    defaults = load_spec(default_contact_email="a@example.com")
    assert load_spec(SPECS / "sf-cli-jwt.toml", default_contact_email="a@example.com") == defaults
    cc = load_spec(SPECS / "integration-client-credentials.toml", default_contact_email="a@example.com")
    assert cc.client_credentials and not cc.jwt_bearer and cc.run_as and cc.scopes == ("api",)


def test_file_values_override_defaults_and_flags_override_the_file(tmp_path):
    path = write(tmp_path, """
name = "CI Deploy"
contact_email = "ops@example.com"
scopes = ["api", "refresh_token, offline_access"]
[policies]
session_timeout_minutes = 30
[policies.refresh_token]
period = 7
""")
    spec = load_spec(path, {"name": "CI Deploy 2", "policies.refresh_token.unit": "hours", "description": None})
    assert spec.name == "CI Deploy 2" and spec.api_name == "CI_Deploy_2"
    assert spec.contact_email == "ops@example.com"
    assert spec.scopes == ("api", "refresh_token offline_access")
    assert spec.policies.session_timeout_minutes == 30
    assert spec.policies.refresh_token.period == 7 and spec.policies.refresh_token.unit == "hours"
    assert spec.description == AppSpec().description  # None means "flag not given"


@pytest.mark.parametrize(
    "name, api",
    [("Salesforce CLI JWT", "Salesforce_CLI_JWT"), ("  My--App!! v2 ", "My_App_v2"), ("2fa helper", "X2fa_helper")],
)
def test_api_name_is_derived_from_the_name(name, api):
    assert derive_api_name(name) == api


def test_unknown_key_names_the_key_and_the_file(tmp_path):
    path = write(tmp_path, 'name = "x"\ncontact_email = "a@b.co"\n[policies]\nsesion_timeout = 5\n')
    with pytest.raises(UnknownSpecKeyError) as info:
        load_spec(path)
    assert "policies.sesion_timeout" in str(info.value) and str(path) in str(info.value)
    with pytest.raises(UnknownSpecKeyError, match="colour"):
        load_spec(None, {"colour": "red"}, default_contact_email="a@b.co")


def test_invalid_or_missing_file_is_a_spec_file_error(tmp_path):
    with pytest.raises(SpecFileError, match="not valid TOML"):
        load_spec(write(tmp_path, "name = \n"))
    with pytest.raises(SpecFileError, match="cannot read"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(SpecFileError, match="jwt_bearer"):
        load_spec(write(tmp_path, 'jwt_bearer = "yes"\ncontact_email = "a@b.co"\n'))
    with pytest.raises(SpecFileError, match="ip_relaxation"):
        load_spec(write(tmp_path, 'contact_email = "a@b.co"\n[policies]\nip_relaxation = "sometimes"\n'))
    with pytest.raises(SpecFileError, match="run_as"):
        load_spec(write(tmp_path, 'contact_email = "a@b.co"\nclient_credentials = true\n'))


@pytest.mark.parametrize(
    "url",
    ["http://example.com/callback", "javascript:alert(1)", "not a url", "https://", "https://x.test/cb#frag", ""],
)
def test_invalid_callback_url(tmp_path, url):
    with pytest.raises(InvalidCallbackUrlError):
        load_spec(None, {"callback_urls": [url]}, default_contact_email="a@b.co")


def test_valid_callback_urls():
    spec = load_spec(
        None,
        {"callback_urls": ["https://app.example.com/oauth", "http://127.0.0.1:1717/OauthRedirect", "myapp://done"]},
        default_contact_email="a@b.co",
    )
    assert len(spec.callback_urls) == 3


def test_contact_email_is_required_when_no_default(tmp_path):
    with pytest.raises(ConfigError, match="contact"):
        load_spec()


# --- org and mailbox settings -------------------------------------------------------------------------------------


def test_precedence_flags_over_env_over_dotenv_over_defaults(tmp_path):
    env_file = write(tmp_path, "SALESFORCE_USERNAME=dotenv@example.com\nSALESFORCE_PASSWORD=dotenv-pw\n"
                               "SALESFORCE_LOGIN_URL=https://test.salesforce.com\n", ".env")
    org = resolve_org_settings({}, env={}, env_file=env_file)
    assert (org.username, org.password, org.login_url) == ("dotenv@example.com", "dotenv-pw", "https://test.salesforce.com")
    org = resolve_org_settings({}, env={"SALESFORCE_USERNAME": "env@example.com"}, env_file=env_file)
    assert org.username == "env@example.com" and org.password == "dotenv-pw"
    org = resolve_org_settings({"username": "flag@example.com", "password": None},
                               env={"SALESFORCE_USERNAME": "env@example.com"}, env_file=env_file)
    assert org.username == "flag@example.com" and org.password == "dotenv-pw"
    org = resolve_org_settings({"username": "u@example.com", "password": "p"}, env={}, env_file=write(tmp_path, "", "empty"))
    assert org.login_url == "https://login.salesforce.com" and org.totp_secret is None


def test_dotenv_does_not_touch_os_environ(tmp_path):
    env_file = write(tmp_path, "SALESFORCE_USERNAME=dotenv@example.com\nSALESFORCE_PASSWORD=x\n", ".env")
    before = dict(os.environ)
    resolve_org_settings({}, env={}, env_file=env_file)
    assert dict(os.environ) == before


def test_dotenv_in_the_working_directory_is_read_only_when_named(tmp_path, monkeypatch):
    write(tmp_path, "IMAP_HOST=imap.example.com\nIMAP_USER=me\nIMAP_PASSWORD=pw\nIMAP_SSL=false\n", ".env")
    monkeypatch.chdir(tmp_path)
    # a .env that came with a cloned repository is not read unless the user names it (security review, item 3)
    with pytest.raises(ConfigError, match="IMAP_HOST"):
        resolve_mailbox_settings({}, env={})
    mailbox = resolve_mailbox_settings({}, env={}, env_file=".env")
    assert (mailbox.host, mailbox.port, mailbox.ssl, mailbox.folder) == ("imap.example.com", 143, False, "INBOX")


def test_missing_setting_names_flag_and_env_var():
    with pytest.raises(ConfigError) as info:
        resolve_org_settings({"username": "u@example.com"}, env={}, env_file=False)
    assert "--password" in str(info.value) and "SALESFORCE_PASSWORD" in str(info.value)
    with pytest.raises(ConfigError) as info:
        resolve_mailbox_settings({}, env={"IMAP_HOST": "h"}, env_file=False)
    assert "--imap-user" in str(info.value) and "IMAP_USER" in str(info.value)


def test_mailbox_settings_parse_ports_and_booleans():
    env = {"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_PASSWORD": "p"}
    assert resolve_mailbox_settings({}, env=env, env_file=False).port == 993
    assert resolve_mailbox_settings({"imap_port": "1143", "imap_ssl": False}, env=env, env_file=False).port == 1143
    with pytest.raises(ConfigError, match="IMAP_SSL"):
        resolve_mailbox_settings({}, env={**env, "IMAP_SSL": "maybe"}, env_file=False)
    with pytest.raises(ConfigError, match="IMAP port"):
        resolve_mailbox_settings({}, env={**env, "IMAP_PORT": "imap"}, env_file=False)


def test_settings_never_show_passwords_in_repr():
    org = resolve_org_settings({"username": "u@example.com", "password": "Sup3r-Secret", "totp_secret": "JBSWY3DPEHPK3PXP"},
                               env={}, env_file=False)
    mailbox = resolve_mailbox_settings({"imap_host": "h", "imap_user": "u", "imap_password": "Imap-Secret"},
                                       env={}, env_file=False)
    assert "Sup3r-Secret" not in repr(org) and "JBSWY3DPEHPK3PXP" not in repr(org)
    assert "Imap-Secret" not in repr(mailbox)


def test_session_timeout_follows_each_app_types_rule():
    """External Client Apps take a whole number of minutes; a Connected App only its Timeout Value picklist's values."""
    from provisioner.spec import load_spec
    from provisioner.errors import SpecFileError

    def spec(minutes, app_type="external_client_app"):
        return load_spec(overrides={"policies.session_timeout_minutes": minutes, "app_type": app_type},
                         default_contact_email="a@b.example")

    assert spec(45).policies.session_timeout_minutes == 45  # not a picklist value: fine on an External Client App
    assert spec(1).policies.session_timeout_minutes == 1 and spec(1440).policies.session_timeout_minutes == 1440
    assert spec(0).policies.session_timeout_minutes is None  # 0: the org's default
    for bad in (-5, 1441):
        with pytest.raises(SpecFileError, match=r"whole number of minutes from 1 to 1440.*not " + str(bad)):
            spec(bad)

    assert spec(30, "connected_app").policies.session_timeout_minutes == 30
    with pytest.raises(SpecFileError, match="15, 30, 60"):
        spec(45, "connected_app")


def test_run_as_may_be_given_in_the_policies_and_names_one_user(tmp_path):
    from provisioner.spec import load_spec
    from provisioner.errors import SpecFileError

    both = load_spec(write(tmp_path, 'contact_email = "a@b.co"\nclient_credentials = true\n[policies]\n'
                                     'run_as = "api@acme.example"\n'))
    assert both.run_as == both.policies.run_as == "api@acme.example"
    top = load_spec(overrides={"client_credentials": True, "run_as": "api@acme.example"}, default_contact_email="a@b.co")
    assert top.policies.run_as == "api@acme.example"
    # without the flow the Policies page's box stays off, whatever user is named
    assert load_spec(overrides={"run_as": "api@acme.example"}, default_contact_email="a@b.co").policies.run_as is None
    with pytest.raises(SpecFileError, match="different users"):
        load_spec(overrides={"client_credentials": True, "run_as": "a@acme.example", "policies.run_as": "b@acme.example"},
                  default_contact_email="a@b.co")