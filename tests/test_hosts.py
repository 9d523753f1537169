"""Where credentials may go: http only to this machine, passwords only to Salesforce's hosts (issue 17, items 2-3)."""

from __future__ import annotations

import pytest

from provisioner.errors import ConfigError
from provisioner.hosts import check_login_url, is_loopback, is_trusted_login_host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "localhost.", "::1", "[::1]",
                                  "::ffff:127.0.0.1"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["", "10.0.0.1", "0.0.0.0", "::", "example.com", "localhost.example.com",
                                  "127.0.0.1.nip.io", "evil.localhost", "login.salesforce.com"])
def test_not_loopback(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("url, expected", [
    ("https://login.salesforce.com/", "https://login.salesforce.com"),
    ("HTTPS://Acme.My.Salesforce.com", "https://acme.my.salesforce.com"),
    ("https://any-host.example:8443/", "https://any-host.example:8443"),
    ("http://127.0.0.1:8443/", "http://127.0.0.1:8443"),
    ("http://localhost:1717", "http://localhost:1717"),
    ("http://[::1]:8080/", "http://[::1]:8080"),
    ("  https://test.salesforce.com  ", "https://test.salesforce.com"),
])
def test_accepted_login_urls_come_back_normalised(url, expected):
    assert check_login_url(url, "--login-url") == expected


@pytest.mark.parametrize("url, why", [
    ("http://login.salesforce.com", "https"),
    ("http://10.0.0.5:8443", "https"),
    ("http://127.0.0.1.nip.io", "https"),
    ("ftp://login.salesforce.com", "http(s)"),
    ("login.salesforce.com", "http(s)"),
    ("https://", "http(s)"),
    ("javascript:alert(1)", "http(s)"),
])
def test_refused_login_urls_name_the_setting_in_one_line(url, why):
    with pytest.raises(ConfigError) as info:
        check_login_url(url, "--login-url / SALESFORCE_LOGIN_URL")
    message = str(info.value)
    assert message.startswith("--login-url / SALESFORCE_LOGIN_URL") and why in message and "\n" not in message


def test_credentials_in_the_url_are_refused_without_echoing_them():
    # "https://login.salesforce.com@evil.example" logs in at evil.example: never accept a user part
    for url in ("https://login.salesforce.com@evil.example", "https://admin:S3cret-pw@login.salesforce.com"):
        with pytest.raises(ConfigError) as info:
            check_login_url(url, "login_url")
        assert "S3cret-pw" not in str(info.value) and "user name or password" in str(info.value)


def test_http_is_allowed_for_a_host_the_user_named():
    assert check_login_url("http://sim.lab.test:8443", "--login-url", extra_hosts=["SIM.lab.test"]) == \
        "http://sim.lab.test:8443"
    with pytest.raises(ConfigError):
        check_login_url("http://other.lab.test:8443", "--login-url", extra_hosts=["sim.lab.test"])


@pytest.mark.parametrize("host", [
    "login.salesforce.com", "test.salesforce.com", "acme.my.salesforce.com", "acme--uat.sandbox.my.salesforce.com",
    "acme-dev-ed.develop.my.salesforce.com", "acme.lightning.force.com", "acme.my.salesforce-setup.com",
    "acme.my.site.com", "na1.salesforce.com", "acme.cloudforce.com", "login.database.com", "acme.vf.force.com",
    "acme--c.visualforce.com", "acme.my.sfcrmproducts.cn", "acme.my.sfcrmapps.cn", "Login.Salesforce.COM.",
    "127.0.0.1", "localhost",
])
def test_salesforce_and_loopback_hosts_are_trusted_for_the_password(host):
    assert is_trusted_login_host(host)


@pytest.mark.parametrize("host", [
    "", "evil.example", "salesforce.com.evil.example", "evilsalesforce.com", "login-salesforce.com",
    "login.salesforce.co", "mysite.com", "force.com.cn", "sfcrmproducts.cn.evil.example", "10.0.0.1",
])
def test_other_hosts_are_not_trusted(host):
    assert not is_trusted_login_host(host)


def test_hosts_the_user_named_are_trusted_exactly():
    assert is_trusted_login_host("sso.acme.example", extra=["SSO.acme.example"])
    assert not is_trusted_login_host("evil.sso.acme.example", extra=["sso.acme.example"])
    assert not is_trusted_login_host("acme.example", extra=["sso.acme.example"])
