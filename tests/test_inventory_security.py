"""The inventory refuses what would leak a credential: http login URLs, a certificate file holding a key
(issue 17, items 1, 2, 4, 8)."""

from __future__ import annotations

import textwrap

import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.errors import CertificateError, ConfigError
from provisioner.job.inventory import OrgSecrets, load_inventory


def inventory(tmp_path, org_extra: str = "", login_url: str = "https://login.salesforce.com", defaults: str = ""):
    path = tmp_path / "inventory.toml"
    path.write_text(textwrap.dedent(f"""
        [defaults]
        spec = "app.toml"
        {defaults}

        [[org]]
        name = "prod"
        login_url = "{login_url}"
        username = "admin@acme.example"
        password_env = "PROD_PW"
        """) + textwrap.dedent(org_extra))
    (tmp_path / "app.toml").write_text('name = "X"\n')  # specs are checked at load
    return path


@pytest.fixture
def pair(tmp_path):
    return generate_key_and_cert(tmp_path / "keys", "inventory")


# --- cert_file (item 1) ----------------------------------------------------------------------------------------------


def test_a_good_cert_file_loads(tmp_path, pair):
    inv = load_inventory(inventory(tmp_path, f'key_file = "{pair[0]}"\ncert_file = "{pair[1]}"\n'))
    assert inv.orgs[0].cert_file == pair[1]


@pytest.mark.parametrize("where", ["org", "defaults"])
def test_a_cert_file_holding_the_private_key_is_refused_at_load(tmp_path, pair, where):
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(pair[0].read_text() + pair[1].read_text())
    line = f'cert_file = "{bundle}"'
    path = inventory(tmp_path, org_extra=line + "\n" if where == "org" else "",
                     defaults=line if where == "defaults" else "")
    with pytest.raises(CertificateError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "inventory.toml" in message and "cert_file" in message and str(bundle) in message
    assert "private key" in message and "\n" not in message
    assert pair[0].read_text().splitlines()[1] not in message


def test_a_missing_or_wrong_cert_file_is_refused_at_load(tmp_path, pair):
    with pytest.raises(CertificateError, match="not found"):
        load_inventory(inventory(tmp_path, f'cert_file = "{tmp_path / "nope.crt"}"\n'))
    junk = tmp_path / "junk.crt"
    junk.write_text("not a certificate")
    with pytest.raises(CertificateError, match="not a PEM X.509 certificate"):
        load_inventory(inventory(tmp_path, f'cert_file = "{junk}"\n'))


# --- login_url (item 2) ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://login.salesforce.com", "http://10.1.2.3:8443",
                                 "https://login.salesforce.com@evil.example"])
def test_login_urls_that_would_expose_the_password_are_refused(tmp_path, url):
    with pytest.raises(ConfigError) as info:
        load_inventory(inventory(tmp_path, login_url=url))
    assert "org 'prod'" in str(info.value) and "login_url" in str(info.value)


def test_http_login_url_on_loopback_is_accepted_and_normalised(tmp_path):
    inv = load_inventory(inventory(tmp_path, login_url="http://127.0.0.1:8443/"))
    assert inv.orgs[0].login_url == "http://127.0.0.1:8443"


# --- mailbox transport (item 4) --------------------------------------------------------------------------------------


def test_mailbox_plaintext_and_ca_file_keys(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("ca")
    inv = load_inventory(inventory(tmp_path, f"""
        [org.mailbox]
        host = "imap.example.test"
        ssl = false
        allow_plaintext = true
        ca_file = "{ca}"
        user = "bot@example.test"
        password_env = "IMAP_PW"
        """))
    box = inv.orgs[0].mailbox
    assert box.allow_plaintext is True and box.ca_file == ca and box.port == 143
    default = load_inventory(inventory(tmp_path, """
        [org.mailbox]
        host = "imap.example.test"
        user = "bot@example.test"
        password_env = "IMAP_PW"
        """)).orgs[0].mailbox
    assert default.allow_plaintext is False and default.ca_file is None and default.ssl is True
    with pytest.raises(ConfigError, match="allow_plaintext"):
        load_inventory(inventory(tmp_path, """
            [org.mailbox]
            host = "imap.example.test"
            allow_plaintext = "yes"
            user = "bot@example.test"
            password_env = "IMAP_PW"
            """))


# --- OrgSecrets (item 8) ---------------------------------------------------------------------------------------------


def test_org_secrets_never_show_their_values():
    secrets = OrgSecrets("Pa55-word-xyz", "JBSWY3DPEHPK3PXP", "imap-Pa55-abc")
    for text in (repr(secrets), str(secrets), f"{secrets!r}"):
        assert "Pa55-word-xyz" not in text and "JBSWY3DPEHPK3PXP" not in text and "imap-Pa55-abc" not in text
    assert secrets.values() == ["Pa55-word-xyz", "JBSWY3DPEHPK3PXP", "imap-Pa55-abc"]
