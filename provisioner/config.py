"""Where: the org's and the mailbox's settings (OrgSettings / MailboxSettings), from flags > environment > a named
.env file > defaults. What to build is the app spec (provisioner/spec.py)."""

from __future__ import annotations

import base64
import binascii
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from dotenv import dotenv_values

from .errors import ConfigError

DEFAULT_LOGIN_URL = "https://login.salesforce.com"


@dataclass(frozen=True)
class OrgSettings:
    login_url: str
    username: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)
    #: the user's email address, where Salesforce sends verification codes (None: see provision._code_waiter_factory)
    email: str | None = None
    #: hosts outside Salesforce's domains the user named (flag or environment, never a .env file) as safe to type
    #: the password into (provisioner/hosts.py)
    trusted_hosts: tuple[str, ...] = ()
    #: the org as the Salesforce CLI knows it (alias or username): Setup opens with the CLI's session through the
    #: front door, no password (provisioner/sf_cli.py); the password is then empty
    sf_target_org: str | None = None

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.totp_secret) if s]


#: OAuth2 log-in mechanisms (SASL): `auto` takes XOAUTH2 where offered (Microsoft 365, Google), else OAUTHBEARER
OAUTH2_MECHANISMS = ("auto", "xoauth2", "oauthbearer")


@dataclass(frozen=True)
class OAuth2Settings:
    """Where the IMAP log-in's OAuth2 access token comes from: one of three sources (`source`), best for unattended
    runs first: the client credentials grant (an app's secret or certificate), a refresh token, a command."""

    client_id: str | None = None
    token_url: str | None = None
    #: space-separated; None: no scope parameter is sent
    scope: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    #: PEM certificate registered with the app (its key in the same file or in `client_key`)
    client_certificate: str | None = None
    client_key: str | None = None
    refresh_token: str | None = field(default=None, repr=False)
    #: where the refresh token was read from: a rotated one is written back there
    refresh_token_file: str | None = None
    token_command: str | None = None
    mechanism: str = "auto"

    @property
    def source(self) -> str:
        if self.token_command:
            return "token_command"
        if self.refresh_token:
            return "refresh_token"
        return "client_credentials"

    def secrets(self) -> list[str]:
        return [s for s in (self.client_secret, self.refresh_token) if s]


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    user: str
    #: empty when the log-in is by OAuth2 token (`oauth2`)
    password: str = field(default="", repr=False)
    ssl: bool = True
    folder: str = "INBOX"
    #: log in without TLS to a host that is not loopback (only when the user asks: IMAP_ALLOW_PLAINTEXT)
    allow_plaintext: bool = False
    #: CA bundle (PEM) that signs a private mail server's certificate; None: the system's trust store
    ca_file: str | None = None
    #: log in with an OAuth2 access token (SASL XOAUTH2 / OAUTHBEARER) instead of the password
    oauth2: OAuth2Settings | None = None

    def secrets(self) -> list[str]:
        return ([self.password] if self.password else []) + (self.oauth2.secrets() if self.oauth2 else [])

    def describe(self) -> str:
        return f"{self.user} on {self.host}:{self.port}/{self.folder}"


#: setting -> (flag, environment variable). Flags dicts use the setting names as keys.
ORG_SETTINGS = {
    "login_url": ("--login-url", "SALESFORCE_LOGIN_URL"),
    "username": ("--username", "SALESFORCE_USERNAME"),
    "password": ("--password-file", "SALESFORCE_PASSWORD"),
    "totp_secret": ("--totp-secret-file", "SALESFORCE_TOTP_SECRET"),
    "email": ("--email", "SALESFORCE_EMAIL"),
    "trusted_hosts": ("--trust-host", "PROVISIONER_TRUSTED_HOSTS"),
}
MAILBOX_SETTINGS = {
    "imap_host": ("--imap-host", "IMAP_HOST"),
    "imap_port": ("--imap-port", "IMAP_PORT"),
    "imap_user": ("--imap-user", "IMAP_USER"),
    "imap_password": ("--imap-password-file", "IMAP_PASSWORD"),
    "imap_ssl": ("--imap-ssl/--no-imap-ssl", "IMAP_SSL"),
    "imap_folder": ("--imap-folder", "IMAP_FOLDER"),
    "imap_allow_plaintext": ("--imap-allow-plaintext", "IMAP_ALLOW_PLAINTEXT"),
    "imap_ca_file": ("--imap-ca-file", "IMAP_CA_FILE"),
    # OAuth2 instead of the password (docs/mailboxes.md)
    "imap_oauth2_client_id": ("--imap-oauth2-client-id", "IMAP_OAUTH2_CLIENT_ID"),
    "imap_oauth2_tenant": ("--imap-oauth2-tenant", "IMAP_OAUTH2_TENANT"),
    "imap_oauth2_token_url": ("--imap-oauth2-token-url", "IMAP_OAUTH2_TOKEN_URL"),
    "imap_oauth2_scope": ("--imap-oauth2-scope", "IMAP_OAUTH2_SCOPE"),
    "imap_oauth2_client_secret": ("--imap-oauth2-client-secret-file", "IMAP_OAUTH2_CLIENT_SECRET"),
    "imap_oauth2_client_certificate": ("--imap-oauth2-client-certificate", "IMAP_OAUTH2_CLIENT_CERTIFICATE"),
    "imap_oauth2_client_key": ("--imap-oauth2-client-key", "IMAP_OAUTH2_CLIENT_KEY"),
    "imap_oauth2_refresh_token": ("--imap-oauth2-refresh-token-file", "IMAP_OAUTH2_REFRESH_TOKEN"),
    "imap_oauth2_refresh_token_file": ("--imap-oauth2-refresh-token-file", "IMAP_OAUTH2_REFRESH_TOKEN_FILE"),
    "imap_token_command": ("--imap-token-command", "IMAP_TOKEN_COMMAND"),
    "imap_oauth2_mechanism": ("--imap-oauth2-mechanism", "IMAP_OAUTH2_MECHANISM"),
}
#: settings that say where secrets may go, or run a program: a .env file (which may come with a cloned repository)
#: cannot set them
NOT_FROM_DOTENV = {"trusted_hosts", "imap_allow_plaintext", "imap_ca_file", "imap_token_command"}


class SettingsSources:
    """Where settings come from, highest first: flags, environment variables, a .env file. Never mutates os.environ.

    A .env file is read only when one is named (`--env-file`): a `.env` that came with a cloned repository must not
    be able to point the admin's password at another server.
    """

    def __init__(
        self,
        flags: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        env_file: str | os.PathLike | None | bool = None,
    ):
        """env_file: a path to read (it must exist); None or False reads none."""
        self.flags = {k: v for k, v in (flags or {}).items() if v is not None and v != "" and v != ()}
        self.env = dict(os.environ if env is None else env)
        self.dotenv: dict[str, str] = {}
        #: a named .env file that held no setting at all (said so when a setting is then missing)
        self.empty_env_file: Path | None = None
        if env_file not in (None, False):
            path = Path(env_file)
            if not path.exists():
                raise ConfigError(f"env file {path} not found (--env-file)")
            if path.is_dir():
                raise ConfigError(f"env file {path} is a folder (--env-file)")
            self.dotenv = _read_dotenv(path)
            self.empty_env_file = None if self.dotenv else path

    def get(self, key: str, table: Mapping[str, tuple[str, str]]) -> Any:
        flag, env_name = table[key]
        if key in self.flags:
            return self.flags[key]
        sources = (self.env,) if key in NOT_FROM_DOTENV else (self.env, self.dotenv)
        for source in sources:
            value = source.get(env_name)
            if value is not None and value != "":
                return value
        return None

    def require(self, key: str, table: Mapping[str, tuple[str, str]], what: str) -> Any:
        value = self.get(key, table)
        if value is None:
            flag, env_name = table[key]
            empty = f" (env file {self.empty_env_file} is empty)" if self.empty_env_file else ""
            raise ConfigError(f"missing {what}: set {env_name} (environment or --env-file) or pass {flag}{empty}")
        return value


def _read_dotenv(path: Path) -> dict[str, str]:
    try:
        return {k: v for k, v in dotenv_values(path).items() if v is not None}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read env file {path}: {exc.strerror if isinstance(exc, OSError) else exc}") from None


def _sources(flags, env, env_file, sources) -> SettingsSources:
    return sources if sources is not None else SettingsSources(flags, env, env_file)


def _host_list(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[\s,]+", str(value or ""))
    return tuple(h.strip().lower() for h in items if h and h.strip())


def org_settings_from(*, login_url: str | None, username: str, password: str, totp_secret: str | None = None,
                      email: str | None = None, trusted_hosts: tuple[str, ...] = (),
                      where: str = "--login-url / SALESFORCE_LOGIN_URL",
                      sf_target_org: str | None = None) -> OrgSettings:
    """The one way OrgSettings are made (flags and files, the inventory, the simulated org): checked alike."""
    from .hosts import check_login_url, is_trusted_login_host

    login_url = check_login_url(str(login_url or DEFAULT_LOGIN_URL).strip().rstrip("/"), where, trusted_hosts)
    host = urllib.parse.urlsplit(login_url).hostname or ""
    if not is_trusted_login_host(host, trusted_hosts):
        raise ConfigError(f"login URL host {host} is not a Salesforce domain ({where}); if it really is your org's "
                          f"login page, name it with --trust-host {host} or PROVISIONER_TRUSTED_HOSTS "
                          "(a .env file cannot)")
    if not username.strip():
        raise ConfigError(f"the Salesforce username is empty ({where})")
    seed = str(totp_secret).replace(" ", "") if totp_secret else None
    if seed is not None and not _is_base32(seed):
        # found here, not at the login page minutes later; the message never shows the seed
        raise ConfigError(f"the authenticator (TOTP) seed is not base32 ({where}: SALESFORCE_TOTP_SECRET or "
                          "--totp-secret-file): copy the key Salesforce showed when the authenticator was connected")
    return OrgSettings(
        login_url=login_url, username=username.strip(), password=password,
        totp_secret=seed,
        email=(email or "").strip() or None, trusted_hosts=tuple(trusted_hosts),
        sf_target_org=(sf_target_org or "").strip() or None,
    )


def _is_base32(seed: str) -> bool:
    try:
        base64.b32decode(seed.upper() + "=" * (-len(seed) % 8))
    except (binascii.Error, ValueError):
        return False
    return True


def mailbox_settings_from(*, host: str, port: int | None, user: str, password: str | None, ssl: bool = True,
                          folder: str | None = None, allow_plaintext: bool = False,
                          ca_file: str | os.PathLike | None = None,
                          oauth2: OAuth2Settings | None = None) -> MailboxSettings:
    """The one way MailboxSettings are made. `oauth2` (from oauth2_settings_from): log in by token, not password."""
    if port is None:
        port = 993 if ssl else 143
    if not 0 < port < 65536:
        raise ConfigError(f"IMAP port {port} is out of range (--imap-port / IMAP_PORT)")
    if oauth2 is not None and password:
        raise ConfigError(f"both an IMAP password and an OAuth2 token source are set for {user} on {host}: choose "
                          "one (unset IMAP_PASSWORD, or the IMAP_OAUTH2_* / IMAP_TOKEN_COMMAND settings)")
    if oauth2 is None and not password:
        raise ConfigError(f"the IMAP password for {user} on {host} is empty")
    if ca_file is not None and not Path(ca_file).is_file():
        raise ConfigError(f"IMAP CA bundle {ca_file} not found (--imap-ca-file / IMAP_CA_FILE)")
    return MailboxSettings(host=host.strip(), port=port, user=user.strip(), password=password or "", ssl=ssl,
                           folder=folder or "INBOX", allow_plaintext=allow_plaintext,
                           ca_file=str(ca_file) if ca_file is not None else None, oauth2=oauth2)


# Token endpoints and scopes of the two providers (docs/mailboxes.md cites their documentation).
MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
#: client credentials: the app permission IMAP.AccessAsApp of "Office 365 Exchange Online"
MICROSOFT_APP_SCOPE = "https://outlook.office365.com/.default"
#: a user's consent (refresh token): the delegated permission IMAP.AccessAsUser.All
MICROSOFT_USER_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
GOOGLE_SCOPE = "https://mail.google.com/"
_MICROSOFT_IMAP_HOSTS = {"outlook.office365.com", "outlook.office.com"}
_GOOGLE_IMAP_HOSTS = {"imap.gmail.com", "imap.googlemail.com"}


def oauth2_settings_from(*, imap_host: str, client_id: str | None = None, tenant: str | None = None,
                         token_url: str | None = None, scope: str | None = None, client_secret: str | None = None,
                         client_certificate: str | os.PathLike | None = None,
                         client_key: str | os.PathLike | None = None, refresh_token: str | None = None,
                         refresh_token_file: str | os.PathLike | None = None, token_command: str | None = None,
                         mechanism: str | None = None, names: Mapping[str, str] | None = None) -> OAuth2Settings:
    """Check one OAuth2 token source and fill in the provider's token URL and scope. `names`: setting -> how the
    user spells it (environment variable or inventory key), for the error lines; default: the variables."""
    def name(key: str) -> str:
        return (names or {}).get(key) or MAILBOX_SETTINGS[f"imap_{key}" if key == "token_command"
                                                          else f"imap_oauth2_{key}"][1]

    mechanism = (mechanism or "auto").strip().lower()
    if mechanism not in OAUTH2_MECHANISMS:
        raise ConfigError(f"{name('mechanism')} must be one of {', '.join(OAUTH2_MECHANISMS)} (got {mechanism!r})")
    token_command = (token_command or "").strip() or None
    if token_command:
        others = [name(k) for k, v in (("client_secret", client_secret), ("client_certificate", client_certificate),
                                      ("refresh_token", refresh_token)) if v]
        if others:
            raise ConfigError(f"{name('token_command')} and {others[0]} are both set: choose one OAuth2 token source")
        return OAuth2Settings(token_command=token_command, mechanism=mechanism)
    if not client_id:
        raise ConfigError(f"IMAP OAuth2 needs the app's client id: set {name('client_id')}")
    if client_secret and client_certificate:
        raise ConfigError(f"{name('client_secret')} and {name('client_certificate')} are both set: choose one way "
                          "for the app to prove itself")
    grant = "refresh_token" if refresh_token else "client_credentials"
    if grant == "client_credentials" and not (client_secret or client_certificate):
        raise ConfigError(f"IMAP OAuth2 has no token source: set {name('client_secret')} or "
                          f"{name('client_certificate')} (an app granted the mailbox), {name('refresh_token')}, "
                          f"or {name('token_command')}")
    provider, token_url = _token_endpoint(imap_host, tenant, token_url, grant, name)
    if scope is None:
        scope = {("microsoft", "client_credentials"): MICROSOFT_APP_SCOPE,
                 ("microsoft", "refresh_token"): MICROSOFT_USER_SCOPE}.get((provider, grant))
        scope = GOOGLE_SCOPE if provider == "google" else scope
    for key, path in (("client_certificate", client_certificate), ("client_key", client_key),
                      ("refresh_token_file", refresh_token_file)):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"{name(key)} {path} not found")
    return OAuth2Settings(
        client_id=client_id.strip(), token_url=token_url, scope=(" ".join(str(scope).split()) or None) if scope else None,
        client_secret=client_secret or None,
        client_certificate=str(client_certificate) if client_certificate else None,
        client_key=str(client_key) if client_key else None, refresh_token=refresh_token or None,
        refresh_token_file=str(refresh_token_file) if refresh_token_file else None, mechanism=mechanism,
    )


def _token_endpoint(imap_host: str, tenant: str | None, token_url: str | None, grant: str, name) -> tuple[str, str]:
    """(provider, token URL): given, or the provider's, known from the tenant or the IMAP host."""
    from .hosts import is_loopback

    host = imap_host.strip().lower()
    provider = ("microsoft" if tenant or host in _MICROSOFT_IMAP_HOSTS
                else "google" if host in _GOOGLE_IMAP_HOSTS else "other")
    if token_url:
        parts = urllib.parse.urlsplit(token_url.strip())
        if not (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or ""))) \
                or not parts.hostname:
            raise ConfigError(f"{name('token_url')} must be an https:// URL (got {token_url!r}): the client secret "
                              "or refresh token is sent there")
        known = ("microsoft" if parts.hostname == "login.microsoftonline.com"
                 else "google" if parts.hostname == "oauth2.googleapis.com" else "other")
        return (known if known != "other" else provider), token_url.strip()
    if provider == "microsoft":
        if not tenant and grant == "client_credentials":
            raise ConfigError(f"Microsoft 365 app access needs the directory: set {name('tenant')} (tenant id or "
                              f"domain, e.g. contoso.onmicrosoft.com) or {name('token_url')}")
        if tenant and not re.fullmatch(r"[A-Za-z0-9.-]+", tenant.strip()):
            raise ConfigError(f"{name('tenant')} must be a tenant id or domain (got {tenant!r})")
        return provider, MICROSOFT_TOKEN_URL.format(tenant=(tenant or "organizations").strip())
    if provider == "google":
        return provider, GOOGLE_TOKEN_URL
    raise ConfigError(f"no OAuth2 token endpoint known for IMAP host {imap_host}: set {name('token_url')}")


def resolve_org_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    env_file: str | os.PathLike | None | bool = None,
    sources: SettingsSources | None = None,
) -> OrgSettings:
    src = _sources(flags, env, env_file, sources)
    return org_settings_from(
        login_url=src.get("login_url", ORG_SETTINGS),
        username=str(src.require("username", ORG_SETTINGS, "Salesforce username")),
        password=str(src.require("password", ORG_SETTINGS, "Salesforce password")),
        totp_secret=src.get("totp_secret", ORG_SETTINGS),
        email=src.get("email", ORG_SETTINGS),
        trusted_hosts=_host_list(src.get("trusted_hosts", ORG_SETTINGS)),
    )


def parse_bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{what} must be true or false (got {value!r})")


def resolve_mailbox_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    env_file: str | os.PathLike | None | bool = None,
    sources: SettingsSources | None = None,
) -> MailboxSettings:
    src = _sources(flags, env, env_file, sources)
    ssl_value = src.get("imap_ssl", MAILBOX_SETTINGS)
    ssl = True if ssl_value is None else parse_bool(ssl_value, "IMAP_SSL / --imap-ssl")
    plain_value = src.get("imap_allow_plaintext", MAILBOX_SETTINGS)
    allow_plaintext = False if plain_value is None else parse_bool(plain_value, "IMAP_ALLOW_PLAINTEXT")
    port_value = src.get("imap_port", MAILBOX_SETTINGS)
    port = None
    if port_value is not None:
        try:
            port = int(port_value)
        except (TypeError, ValueError):
            raise ConfigError(f"IMAP port must be a number (--imap-port / IMAP_PORT, got {port_value!r})") from None
    host = str(src.require("imap_host", MAILBOX_SETTINGS, "IMAP host"))
    user = str(src.require("imap_user", MAILBOX_SETTINGS, "IMAP user"))
    oauth2 = _resolve_oauth2(src, host)
    password = src.get("imap_password", MAILBOX_SETTINGS)
    if oauth2 is None and password is None:
        raise ConfigError("missing IMAP password or OAuth2 token source: set IMAP_PASSWORD (environment or "
                          "--env-file) or pass --imap-password-file; for Microsoft 365 or Google see "
                          "docs/mailboxes.md (IMAP_OAUTH2_CLIENT_ID with a secret, certificate or refresh token, "
                          "or IMAP_TOKEN_COMMAND)")
    return mailbox_settings_from(
        host=host,
        port=port,
        user=user,
        password=str(password) if password is not None else None,
        ssl=ssl,
        folder=str(src.get("imap_folder", MAILBOX_SETTINGS) or "INBOX"),
        allow_plaintext=allow_plaintext,
        ca_file=src.get("imap_ca_file", MAILBOX_SETTINGS),
        oauth2=oauth2,
    )


#: the settings that choose OAuth2 for the IMAP log-in (any one of them does)
OAUTH2_SETTING_KEYS = tuple(k for k in MAILBOX_SETTINGS if k.startswith("imap_oauth2_") or k == "imap_token_command")


def _resolve_oauth2(src: SettingsSources, host: str) -> OAuth2Settings | None:
    values = {key: src.get(key, MAILBOX_SETTINGS) for key in OAUTH2_SETTING_KEYS}
    if all(v is None for v in values.values()):
        return None
    refresh_token, refresh_file = values["imap_oauth2_refresh_token"], values["imap_oauth2_refresh_token_file"]
    if refresh_file is not None:
        if refresh_token is not None and "imap_oauth2_refresh_token_file" not in src.flags:
            raise ConfigError("IMAP_OAUTH2_REFRESH_TOKEN and IMAP_OAUTH2_REFRESH_TOKEN_FILE are both set: choose one")
        refresh_token = read_secret_file(str(refresh_file), "IMAP_OAUTH2_REFRESH_TOKEN_FILE").strip()
    return oauth2_settings_from(
        imap_host=host,
        client_id=_text(values["imap_oauth2_client_id"]), tenant=_text(values["imap_oauth2_tenant"]),
        token_url=_text(values["imap_oauth2_token_url"]), scope=_text(values["imap_oauth2_scope"]),
        client_secret=_text(values["imap_oauth2_client_secret"]),
        client_certificate=_text(values["imap_oauth2_client_certificate"]),
        client_key=_text(values["imap_oauth2_client_key"]), refresh_token=_text(refresh_token),
        refresh_token_file=_text(refresh_file), token_command=_text(values["imap_token_command"]),
        mechanism=_text(values["imap_oauth2_mechanism"]),
    )


def _text(value: Any) -> str | None:
    return None if value is None else (str(value).strip() or None)


def read_secret_file(path: str | os.PathLike, what: str) -> str:
    """A secret kept in a file (one line; the line break after it is not part of it), or ConfigError naming the
    file and the setting, never its content."""
    try:
        value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {path} is not UTF-8 text") from None
    if not value:
        raise ConfigError(f"{what} {path} is empty")
    return value
