"""Where: the org's and the mailbox's settings (OrgSettings / MailboxSettings), from flags > environment > a named
.env file > defaults. What to build is the app spec (provisioner/spec.py)."""

from __future__ import annotations

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

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.totp_secret) if s]


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    ssl: bool = True
    folder: str = "INBOX"
    #: log in without TLS to a host that is not loopback (only when the user asks: IMAP_ALLOW_PLAINTEXT)
    allow_plaintext: bool = False
    #: CA bundle (PEM) that signs a private mail server's certificate; None: the system's trust store
    ca_file: str | None = None

    def secrets(self) -> list[str]:
        return [self.password] if self.password else []

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
}
#: settings that say where secrets may go: a .env file (which may come with a cloned repository) cannot set them
NOT_FROM_DOTENV = {"trusted_hosts", "imap_allow_plaintext", "imap_ca_file"}


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
        if env_file not in (None, False):
            path = Path(env_file)
            if not path.exists():
                raise ConfigError(f"env file {path} not found (--env-file)")
            if path.is_dir():
                raise ConfigError(f"env file {path} is a folder (--env-file)")
            self.dotenv = _read_dotenv(path)

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
            raise ConfigError(f"missing {what}: set {env_name} (environment or --env-file) or pass {flag}")
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
                      where: str = "--login-url / SALESFORCE_LOGIN_URL") -> OrgSettings:
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
    return OrgSettings(
        login_url=login_url, username=username.strip(), password=password,
        totp_secret=str(totp_secret).replace(" ", "") if totp_secret else None,
        email=(email or "").strip() or None, trusted_hosts=tuple(trusted_hosts),
    )


def mailbox_settings_from(*, host: str, port: int | None, user: str, password: str | None, ssl: bool = True,
                          folder: str | None = None, allow_plaintext: bool = False,
                          ca_file: str | os.PathLike | None = None) -> MailboxSettings:
    """The one way MailboxSettings are made."""
    if port is None:
        port = 993 if ssl else 143
    if not 0 < port < 65536:
        raise ConfigError(f"IMAP port {port} is out of range (--imap-port / IMAP_PORT)")
    if not password:
        raise ConfigError(f"the IMAP password for {user} on {host} is empty")
    if ca_file is not None and not Path(ca_file).is_file():
        raise ConfigError(f"IMAP CA bundle {ca_file} not found (--imap-ca-file / IMAP_CA_FILE)")
    return MailboxSettings(host=host.strip(), port=port, user=user.strip(), password=password, ssl=ssl,
                           folder=folder or "INBOX", allow_plaintext=allow_plaintext,
                           ca_file=str(ca_file) if ca_file is not None else None)


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
    return mailbox_settings_from(
        host=str(src.require("imap_host", MAILBOX_SETTINGS, "IMAP host")),
        port=port,
        user=str(src.require("imap_user", MAILBOX_SETTINGS, "IMAP user")),
        password=str(src.require("imap_password", MAILBOX_SETTINGS, "IMAP password")),
        ssl=ssl,
        folder=str(src.get("imap_folder", MAILBOX_SETTINGS) or "INBOX"),
        allow_plaintext=allow_plaintext,
        ca_file=src.get("imap_ca_file", MAILBOX_SETTINGS),
    )
