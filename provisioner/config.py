"""What to build (AppSpec, from TOML + flags) and where (OrgSettings / MailboxSettings, from flags > env > .env).

The defaults of AppSpec reproduce the standard set-up: an External Client App for the Salesforce CLI's JWT login
(`sf org login jwt`), admin-approved users only, System Administrator profile.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
import urllib.parse
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from dotenv import dotenv_values

from .errors import ConfigError, InvalidCallbackUrlError, SpecFileError, UnknownSpecKeyError

# --- app spec ----------------------------------------------------------------------------------------------------

PERMITTED_USERS = ("admin_approved", "self_authorized")
REFRESH_TOKEN_POLICIES = ("expire_after", "expire_if_unused", "valid_until_revoked", "expire_immediately")
REFRESH_TOKEN_UNITS = ("hours", "days", "months")
IP_RELAXATION = ("enforce", "relax", "relax_with_second_factor")
DISTRIBUTION_STATES = ("Local", "Packaged")
#: external_client_app: an External Client App (Lightning Setup); connected_app: the classic Connected App that
#: Dev Hub orgs still need ("Manage Consumer Details")
APP_TYPES = ("external_client_app", "connected_app")
#: the "Timeout Value" picklist of the app's session policy, in minutes (15 minutes ... 24 hours)
SESSION_TIMEOUT_CHOICES = (15, 30, 60, 120, 240, 480, 720, 1440)


@dataclass(frozen=True)
class RefreshTokenPolicy:
    policy: str = "expire_after"  # expire_after | expire_if_unused | valid_until_revoked | expire_immediately
    period: int = 90
    unit: str = "days"  # hours | days | months


@dataclass(frozen=True)
class Policies:
    permitted_users: str = "admin_approved"  # admin_approved | self_authorized
    profiles: tuple[str, ...] = ("System Administrator",)
    permission_sets: tuple[str, ...] = ()
    refresh_token: RefreshTokenPolicy = field(default_factory=RefreshTokenPolicy)
    session_timeout_minutes: int | None = 15  # None: the org's default
    ip_relaxation: str = "enforce"  # enforce | relax | relax_with_second_factor


@dataclass(frozen=True)
class AppSpec:
    app_type: str = "external_client_app"  # | "connected_app" (APP_TYPES)
    name: str = "Salesforce CLI JWT"
    api_name: str = ""  # derived from name when empty
    contact_email: str | None = None  # required; `load_spec(default_contact_email=username)` fills it
    distribution: str = "Local"
    description: str = "JWT bearer login for the Salesforce CLI and CI jobs."
    callback_urls: tuple[str, ...] = ("http://localhost:1717/OauthRedirect",)
    scopes: tuple[str, ...] = ("api", "web", "refresh_token offline_access")
    jwt_bearer: bool = True
    client_credentials: bool = False
    run_as: str | None = None  # username the client credentials flow runs as (required when it is on)
    auth_code_credentials: bool = False
    require_secret_web_server: bool = True
    require_secret_refresh: bool = True
    pkce: bool = True
    policies: Policies = field(default_factory=Policies)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, not tuples), e.g. for JSON output or a plan."""
        return _to_plain(self)


def _to_plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    return value


def derive_api_name(name: str) -> str:
    """Salesforce API names: letters, digits and single underscores, starting with a letter, no trailing '_'."""
    api = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    if not api:
        return "App"
    if not api[0].isalpha():
        api = "X" + api
    return api[:80]


_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def check_callback_url(url: str) -> str:
    """Salesforce accepts https, http only for localhost, or a custom scheme (mobile apps); never script schemes."""
    if not isinstance(url, str) or not url.strip() or any(c.isspace() for c in url.strip()):
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it must be a URL without spaces")
    url = url.strip()
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if not scheme:
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it needs a scheme such as https://")
    if scheme in ("javascript", "data", "file", "vbscript"):
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: the {scheme}: scheme is not allowed")
    if parsed.fragment:
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it must not contain a #fragment")
    if scheme in ("http", "https"):
        if not parsed.hostname:
            raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it has no host")
        if scheme == "http" and parsed.hostname.lower() not in _LOOPBACK_HOSTS:
            raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: use https (http is only for localhost)")
    return url


# Keys a spec file may contain, with their expected types (checked so a typo fails early, naming the key).
_TOP_KEYS = {f.name for f in fields(AppSpec)} - {"policies"}
_POLICY_KEYS = {f.name for f in fields(Policies)} - {"refresh_token"}
_REFRESH_KEYS = {f.name for f in fields(RefreshTokenPolicy)}
_BOOL_KEYS = {
    "jwt_bearer", "client_credentials", "auth_code_credentials",
    "require_secret_web_server", "require_secret_refresh", "pkce",
}
_LIST_KEYS = {"callback_urls", "scopes", "profiles", "permission_sets"}


def load_spec(
    path: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    default_contact_email: str | None = None,
) -> AppSpec:
    """Read an app spec: defaults, then the TOML file (if any), then `overrides` (flags; None values ignored).

    Override keys are spec keys, dotted for nested ones: {"name": ..., "policies.session_timeout_minutes": 30,
    "policies.refresh_token.period": 30}. `default_contact_email` (usually the org username) fills a missing
    contact_email.
    """
    data: dict[str, Any] = {}
    source = "the built-in defaults"
    if path is not None:
        source = str(path)
        data = _read_toml(Path(path))
    data = copy.deepcopy(data)
    _check_keys(data, source)
    if overrides:
        for dotted, value in overrides.items():
            if value is None:
                continue
            _set_dotted(data, dotted, value)
        _check_keys(data, "command-line flags" if path is None else f"{source} or command-line flags")
    return _build(data, source, default_contact_email)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecFileError(f"cannot read app spec {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecFileError(f"app spec {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecFileError(f"app spec {path} is not valid TOML: {exc}") from None


def _check_keys(data: Mapping[str, Any], source: str) -> None:
    for key, value in data.items():
        if key == "policies":
            if not isinstance(value, Mapping):
                raise SpecFileError(f"{source}: 'policies' must be a table ([policies])")
            for pkey, pvalue in value.items():
                if pkey == "refresh_token":
                    if not isinstance(pvalue, Mapping):
                        raise SpecFileError(f"{source}: 'policies.refresh_token' must be a table")
                    for rkey in pvalue:
                        if rkey not in _REFRESH_KEYS:
                            raise UnknownSpecKeyError(f"unknown key 'policies.refresh_token.{rkey}' in {source}")
                elif pkey not in _POLICY_KEYS:
                    raise UnknownSpecKeyError(f"unknown key 'policies.{pkey}' in {source}")
        elif key not in _TOP_KEYS:
            raise UnknownSpecKeyError(f"unknown key '{key}' in {source}")


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.replace("-", "_").split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise UnknownSpecKeyError(f"unknown key '{dotted}' in command-line flags")
    node[parts[-1]] = list(value) if isinstance(value, tuple) else value


def _typed(source: str, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    if key in _LIST_KEYS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SpecFileError(f"{source}: '{key}' must be a list of strings")
        return tuple(v.strip() for v in value if v.strip())
    if kind is bool and not isinstance(value, bool):
        raise SpecFileError(f"{source}: '{key}' must be true or false")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SpecFileError(f"{source}: '{key}' must be a whole number")
    if kind is str and not isinstance(value, str):
        raise SpecFileError(f"{source}: '{key}' must be a string")
    return value


def _choice(source: str, key: str, value: str, allowed: tuple[str, ...]) -> str:
    normalised = value.strip().lower().replace("-", "_").replace(" ", "_")
    for option in allowed:
        if normalised == option.lower():
            return option
    raise SpecFileError(f"{source}: '{key}' must be one of {', '.join(allowed)} (got {value!r})")


def _build(data: Mapping[str, Any], source: str, default_contact_email: str | None) -> AppSpec:
    top: dict[str, Any] = {}
    for key, value in data.items():
        if key == "policies":
            continue
        kind = bool if key in _BOOL_KEYS else str
        top[key] = _typed(source, key, value, kind)

    pol_data = dict(data.get("policies", {}))
    refresh_data = dict(pol_data.pop("refresh_token", {}))
    refresh = RefreshTokenPolicy()
    if refresh_data:
        refresh = replace(
            refresh,
            **{
                k: _typed(source, f"policies.refresh_token.{k}", v, int if k == "period" else str)
                for k, v in refresh_data.items()
            },
        )
    refresh = replace(
        refresh,
        policy=_choice(source, "policies.refresh_token.policy", refresh.policy, REFRESH_TOKEN_POLICIES),
        unit=_choice(source, "policies.refresh_token.unit", refresh.unit, REFRESH_TOKEN_UNITS),
    )
    if refresh.policy in ("expire_after", "expire_if_unused") and refresh.period < 1:
        raise SpecFileError(f"{source}: 'policies.refresh_token.period' must be at least 1")

    pol_kwargs: dict[str, Any] = {}
    for key, value in pol_data.items():
        if key == "session_timeout_minutes":
            if value is not None and value != 0:  # 0 in TOML (no null there): the org's default
                value = _typed(source, f"policies.{key}", value, int)
                if value not in SESSION_TIMEOUT_CHOICES:
                    choices = ", ".join(str(m) for m in SESSION_TIMEOUT_CHOICES)
                    raise SpecFileError(f"{source}: 'policies.session_timeout_minutes' must be one of the values "
                                        f"Setup offers ({choices}), not {value}")
            pol_kwargs[key] = value or None
        else:
            pol_kwargs[key] = _typed(source, key if key in _LIST_KEYS else f"policies.{key}", value, str)
    policies = replace(Policies(), refresh_token=refresh, **pol_kwargs)
    policies = replace(
        policies,
        permitted_users=_choice(source, "policies.permitted_users", policies.permitted_users, PERMITTED_USERS),
        ip_relaxation=_choice(source, "policies.ip_relaxation", policies.ip_relaxation, IP_RELAXATION),
    )

    spec = replace(AppSpec(), policies=policies, **top)
    name = spec.name.strip()
    if not name:
        raise SpecFileError(f"{source}: 'name' must not be empty")
    if len(name) > 80:
        raise SpecFileError(f"{source}: 'name' is longer than 80 characters")
    api_name = spec.api_name.strip() or derive_api_name(name)
    if not _API_NAME.match(api_name):
        raise SpecFileError(
            f"{source}: 'api_name' {api_name!r} must start with a letter and use only letters, digits and single "
            "underscores, not ending with one"
        )
    contact = (spec.contact_email or default_contact_email or "").strip()
    if not contact:
        raise ConfigError(
            f"{source}: no contact email: set 'contact_email' in the spec or pass --contact-email "
            "(defaults to the org username when one is known)"
        )
    if not _EMAIL.match(contact):
        raise SpecFileError(f"{source}: 'contact_email' {contact!r} is not an email address")
    distribution = _choice(source, "distribution", spec.distribution, DISTRIBUTION_STATES)
    app_type = _choice(source, "app_type", spec.app_type, APP_TYPES)
    if app_type == "connected_app":
        unsupported = [key for key in ("client_credentials", "auth_code_credentials") if getattr(spec, key)]
        if unsupported:
            raise SpecFileError(f"{source}: {', '.join(unsupported)} is not supported with app_type = "
                                "\"connected_app\" yet (use an External Client App for it)")
    callbacks = tuple(check_callback_url(url) for url in spec.callback_urls)
    if not callbacks:
        raise InvalidCallbackUrlError(f"{source}: at least one callback URL is required when OAuth is enabled")
    if not spec.scopes:
        raise SpecFileError(f"{source}: 'scopes' must name at least one OAuth scope")
    scopes = tuple(_normalise_scope(s) for s in spec.scopes)
    if spec.client_credentials and not (spec.run_as or "").strip():
        raise SpecFileError(f"{source}: 'run_as' (a username) is required when client_credentials is true")
    if not (spec.jwt_bearer or spec.client_credentials or spec.auth_code_credentials):
        raise SpecFileError(f"{source}: enable at least one flow (jwt_bearer, client_credentials, auth_code_credentials)")
    return replace(
        spec, app_type=app_type, name=name, api_name=api_name, contact_email=contact, distribution=distribution,
        callback_urls=callbacks, scopes=scopes, run_as=(spec.run_as or "").strip() or None,
    )


def _normalise_scope(scope: str) -> str:
    """'refresh_token, offline_access' and 'refresh_token offline_access' are the same Setup option."""
    return " ".join(part for part in re.split(r"[\s,]+", scope.strip()) if part)


# --- org and mailbox settings ------------------------------------------------------------------------------------

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
