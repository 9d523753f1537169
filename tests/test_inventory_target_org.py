"""An inventory org may name `target_org`: the Salesforce CLI's session logs it in, no password in the inventory."""

from __future__ import annotations

import pytest

from provisioner import sf_cli
from provisioner.errors import ConfigError
from provisioner.job.inventory import load_inventory

SPEC = 'spec = "app.toml"\n'


def inventory(tmp_path, org: str):
    (tmp_path / "app.toml").write_text('name = "CI"\napi_name = "CI"\ncontact_email = "ci@acme.example"\n')
    path = tmp_path / "fleet.toml"
    path.write_text(f"[defaults]\n{SPEC}\n[[org]]\nname = \"uat\"\n{org}")
    return load_inventory(path)


def test_target_org_needs_no_password_and_takes_who_and_where_from_the_cli(tmp_path, monkeypatch):
    inv = inventory(tmp_path, 'target_org = "uat-alias"\n')
    org = inv.org("uat")
    assert org.target_org == "uat-alias" and org.password_env is None
    secrets = org.resolve_secrets(environ={})
    assert secrets.password == ""
    monkeypatch.setattr(sf_cli, "describe", lambda target: sf_cli.CliOrg(
        target, "admin@acme.example.uat", "https://acme--uat.sandbox.my.salesforce.com", "00D"))
    settings = org.org_settings(secrets, where="inventory org 'uat'")
    assert settings.sf_target_org == "uat-alias" and settings.password == ""
    assert settings.username == "admin@acme.example.uat"
    assert settings.login_url == "https://acme--uat.sandbox.my.salesforce.com"


def test_a_username_that_is_not_the_clis_is_refused(tmp_path, monkeypatch):
    org = inventory(tmp_path, 'target_org = "uat-alias"\nusername = "other@acme.example"\n').org("uat")
    monkeypatch.setattr(sf_cli, "describe", lambda target: sf_cli.CliOrg(target, "admin@acme.example", "https://x"))
    with pytest.raises(ConfigError, match="is not the user of the Salesforce CLI's org uat-alias"):
        org.org_settings(org.resolve_secrets(environ={}), where="inventory org 'uat'")


@pytest.mark.parametrize("extra, words", [
    ('password_env = "UAT_PASSWORD"\n', "'target_org' and 'password_env' both set"),
    ('login_url = "https://test.salesforce.com"\n', "'target_org' and 'login_url' both set"),
])
def test_target_org_with_a_password_or_login_url_is_one_clear_line(tmp_path, extra, words):
    with pytest.raises(ConfigError, match=words):
        inventory(tmp_path, 'target_org = "uat-alias"\n' + extra)


def test_an_org_with_neither_a_password_nor_a_target_org_names_both(tmp_path):
    with pytest.raises(ConfigError, match="or 'target_org'"):
        inventory(tmp_path, 'login_url = "https://test.salesforce.com"\nusername = "a@b.c"\n')
