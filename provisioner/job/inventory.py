"""The nightly job's inventory: which orgs to provision, from a TOML file.

Secrets are never written in the inventory: an org names the environment variable (or file) holding its password.
An inline `password` is accepted for local experiments only, with a warning. Secrets are read when an org's turn
comes (`OrgEntry.resolve_secrets`), so one missing variable fails that org alone, not the whole run.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api.via import DEFAULT_VIA, VIA_CHOICES
from ..certs import certificate_pem_for_upload
from ..credential_styles import CredentialFormat
from ..errors import CertificateError, ConfigError, SpecFileError
from ..hosts import check_login_url

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # used in file names: keep it path-safe

DEFAULT_BUDGET_SECONDS = 600.0
DEFAULT_RETRIES = 2
DEFAULT_OUTPUT_DIR = "provisioner-out"

_DEFAULT_KEYS = {"spec", "concurrency", "budget_seconds", "retries", "output_dir", "mailbox", "key_file", "cert_file",
                 "credentials", "via", "rotate_after_days"}
_ORG_KEYS = {
    "name", "login_url", "username", "password_env", "password_file", "password", "totp_secret_env",
    "mailbox", "spec", "credentials", "sandbox", "key_file", "cert_file", "email", "shard", "target_org", "via",
    "rotate_after_days",
}
_MAILBOX_KEYS = {"host", "port", "user", "password_env", "password_file", "ssl", "folder", "allow_plaintext", "ca_file",
                 "oauth2"}
#: [mailbox.oauth2]: log in by OAuth2 token instead of a password (docs/mailboxes.md); secrets by variable or file
_MAILBOX_OAUTH2_KEYS = {"client_id", "tenant", "token_url", "scope", "client_secret_env", "client_secret_file",
                        "client_certificate", "client_key", "refresh_token_env", "refresh_token_file",
                        "token_command", "mechanism"}
_CREDENTIALS_KEYS = {"env_file", "json_file", "style", "embed_key", "branch"}
#: [defaults] credentials: how every org's .env names its variables (paths stay per org)
_DEFAULT_CREDENTIALS_KEYS = {"style", "embed_key"}


@dataclass(frozen=True)
class MailboxOAuth2Entry:
    """Where the mailbox's OAuth2 token comes from. Secrets are named (variable or file), read at the org's turn."""

    client_id: str | None = None
    tenant: str | None = None
    token_url: str | None = None
    scope: str | None = None
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    client_certificate: Path | None = None
    client_key: Path | None = None
    refresh_token_env: str | None = None
    refresh_token_file: Path | None = None
    token_command: str | None = None
    mechanism: str | None = None

    def settings(self, imap_host: str, where: str, environ: dict[str, str] | None = None):  # -> OAuth2Settings
        """Read the secrets and check the source (ConfigError names the key or variable, never a value)."""
        from ..config import oauth2_settings_from

        env = os.environ if environ is None else environ
        client_secret = _read_secret(where, "client_secret", self.client_secret_env, self.client_secret_file, env)
        refresh_token = _read_secret(where, "refresh_token", self.refresh_token_env, self.refresh_token_file, env)
        names = {key: f"{where}: key {key!r}" for key in _MAILBOX_OAUTH2_KEYS}
        names.update(client_secret=f"{where}: key 'client_secret_env' / 'client_secret_file'",
                     refresh_token=f"{where}: key 'refresh_token_env' / 'refresh_token_file'")
        return oauth2_settings_from(
            imap_host=imap_host, client_id=self.client_id, tenant=self.tenant, token_url=self.token_url,
            scope=self.scope, client_secret=client_secret, client_certificate=self.client_certificate,
            client_key=self.client_key, refresh_token=refresh_token, refresh_token_file=self.refresh_token_file,
            token_command=self.token_command, mechanism=self.mechanism, names=names,
        )


@dataclass(frozen=True)
class MailboxEntry:
    host: str
    user: str
    port: int = 993
    ssl: bool = True
    folder: str = "INBOX"
    password_env: str | None = None
    password_file: Path | None = None
    #: log in without TLS to a non-loopback host when the server offers no STARTTLS (off: refused)
    allow_plaintext: bool = False
    #: CA bundle to verify the IMAP server's certificate with (default: the system's)
    ca_file: Path | None = None
    #: log in by OAuth2 token (then no password_env / password_file)
    oauth2: MailboxOAuth2Entry | None = None


@dataclass(frozen=True)
class OrgSecrets:
    """What resolve_secrets read from the environment / files. Never printed: repr shows which are set, not them."""

    password: str = field(repr=False)
    totp_secret: str | None = field(repr=False)
    imap_password: str | None = field(repr=False)

    def __repr__(self) -> str:
        present = [name for name in ("password", "totp_secret", "imap_password") if getattr(self, name)]
        return f"OrgSecrets(set: {', '.join(present) or 'none'})"

    __str__ = __repr__

    def values(self) -> list[str]:
        return [v for v in (self.password, self.totp_secret, self.imap_password) if v]


@dataclass(frozen=True)
class OrgEntry:
    name: str
    login_url: str
    username: str
    spec: Path
    env_file: Path | None
    json_file: Path | None
    sandbox: bool = False
    password_env: str | None = None
    password_file: Path | None = None
    password_inline: str | None = field(default=None, repr=False)
    totp_secret_env: str | None = None
    mailbox: MailboxEntry | None = None
    key_file: Path | None = None
    cert_file: Path | None = None
    #: the user's email address, where Salesforce sends codes (default: the mailbox user if it is an address)
    email: str | None = None
    #: pinned to this shard of `run --shard K/N` (1-based); None: wherever the even split puts it
    shard: int | None = None
    #: how the credentials .env names its variables and carries the key (provisioner/credential_styles.py)
    credential_format: CredentialFormat = field(default_factory=CredentialFormat)
    #: an alias or username the Salesforce CLI is logged in to: Setup opens with its session, no password
    #: (login_url and username then come from `sf org display`, at the org's turn)
    target_org: str | None = None
    #: "auto" | "api" | "browser": which path makes the app (provisioner/api/via.py)
    via: str = DEFAULT_VIA
    #: rotate the consumer key and secret (provisioner/api/rotation.py) once they are older than this; None: never
    rotate_after_days: int | None = None

    def org_settings(self, secrets: "OrgSecrets", where: str):  # noqa: ANN201 - provisioner.config.OrgSettings
        """The org's settings for its turn: from the Salesforce CLI with `target_org`, else from the entry."""
        from ..config import org_settings_from

        if self.target_org:
            from ..sf_cli import describe

            cli_org = describe(self.target_org)
            if self.username and self.username.lower() != cli_org.username.lower():
                raise ConfigError(f"{where}: username {self.username} is not the user of the Salesforce CLI's org "
                                  f"{self.target_org} ({cli_org.username})")
            return org_settings_from(login_url=cli_org.instance_url, username=cli_org.username, password="",
                                     totp_secret=secrets.totp_secret, email=self.email, where=where,
                                     sf_target_org=self.target_org)
        return org_settings_from(login_url=self.login_url, username=self.username, password=secrets.password,
                                 totp_secret=secrets.totp_secret, email=self.email, where=where)

    def resolve_secrets(self, environ: dict[str, str] | None = None) -> OrgSecrets:
        """Read the password, TOTP seed and IMAP password. ConfigError names the variable or file, never a value."""
        env = os.environ if environ is None else environ
        where = f"org {self.name!r}"
        password = _read_secret(where, "password", self.password_env, self.password_file, env)
        if password is None:
            password = self.password_inline
        if not password and not self.target_org:  # with target_org the Salesforce CLI's session logs in
            raise ConfigError(f"{where}: no password (set password_env or password_file)")
        password = password or ""
        totp = None
        if self.totp_secret_env:
            totp = env.get(self.totp_secret_env)
            if not totp:
                raise ConfigError(f"{where}: environment variable {self.totp_secret_env} (totp_secret_env) is not set")
        imap_password = None
        if self.mailbox is not None:
            imap_password = _read_secret(f"{where} mailbox", "password", self.mailbox.password_env,
                                         self.mailbox.password_file, env)
        return OrgSecrets(password, totp, imap_password)


@dataclass(frozen=True)
class Defaults:
    spec: Path | None = None
    concurrency: int | None = None  # None: what the machine can keep busy (runner.default_concurrency)
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    retries: int = DEFAULT_RETRIES
    output_dir: Path = Path(DEFAULT_OUTPUT_DIR)
    mailbox: MailboxEntry | None = None
    key_file: Path | None = None
    cert_file: Path | None = None
    credentials: dict[str, str] = field(default_factory=dict)  # style / embed_key for every org
    via: str = DEFAULT_VIA  # every org's path unless the org names its own
    rotate_after_days: int | None = None  # every org's, unless the org names its own


@dataclass(frozen=True)
class Inventory:
    path: Path
    defaults: Defaults
    orgs: list[OrgEntry]
    warnings: list[str] = field(default_factory=list)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def org(self, name: str) -> OrgEntry:
        return next(o for o in self.orgs if o.name == name)


def load_inventory(path: str | os.PathLike) -> Inventory:
    path = Path(path).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"inventory {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"inventory {path} cannot be read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"inventory {path} is not valid TOML: {exc}") from None
    return parse_inventory(raw, path)


def parse_inventory(raw: dict[str, Any], path: Path) -> Inventory:
    """Validate the parsed TOML. Every ConfigError names the file, the entry and the key."""
    base = path.parent
    label = path.name
    unknown = set(raw) - {"defaults", "org"}
    if unknown:
        raise ConfigError(f"{label}: unknown top-level key {sorted(unknown)[0]!r} (expected [defaults] and [[org]])")
    warnings: list[str] = []
    defaults = _parse_defaults(_table(raw.get("defaults", {}), f"{label}: [defaults]"), base, f"{label}: [defaults]")
    orgs_raw = raw.get("org", [])
    if not isinstance(orgs_raw, list) or not all(isinstance(o, dict) for o in orgs_raw):
        raise ConfigError(f"{label}: 'org' must be an array of tables ([[org]])")
    if not orgs_raw:
        raise ConfigError(f"{label}: no [[org]] entries")
    orgs: list[OrgEntry] = []
    seen: set[str] = set()
    for index, entry in enumerate(orgs_raw, start=1):
        name = entry.get("name")
        where = f"{label}: org {name!r}" if isinstance(name, str) and name else f"{label}: org #{index}"
        org = _parse_org(entry, defaults, base, where, warnings)
        if org.name in seen:
            raise ConfigError(f"{where}: name {org.name!r} is used by another [[org]] entry")
        seen.add(org.name)
        orgs.append(org)
    return Inventory(path=path, defaults=defaults, orgs=orgs, warnings=warnings)


# --- parts ----------------------------------------------------------------------------------------------------


def _parse_defaults(raw: dict, base: Path, where: str) -> Defaults:
    _no_unknown(raw, _DEFAULT_KEYS, where)
    concurrency = _int(raw, "concurrency", where, 1, minimum=1) if "concurrency" in raw else None
    budget = _number(raw, "budget_seconds", where, DEFAULT_BUDGET_SECONDS)
    retries = _int(raw, "retries", where, DEFAULT_RETRIES, minimum=0)
    spec = _path(raw, "spec", where, base)
    output_dir = _path(raw, "output_dir", where, base) or (base / DEFAULT_OUTPUT_DIR)
    mailbox = _parse_mailbox(raw["mailbox"], base, f"{where} mailbox") if "mailbox" in raw else None
    credentials = _table(raw.get("credentials", {}), f"{where}: key 'credentials'")
    _no_unknown(credentials, _DEFAULT_CREDENTIALS_KEYS, f"{where} credentials")
    _credential_format(credentials, "defaults", f"{where} credentials")  # a typo stops the run before any org
    return Defaults(spec=spec, concurrency=concurrency, budget_seconds=budget, retries=retries, credentials=credentials,
                    via=_via(raw, where, DEFAULT_VIA), rotate_after_days=_days(raw, where, None),
                    output_dir=output_dir, mailbox=mailbox, key_file=_path(raw, "key_file", where, base),
                    cert_file=_checked_cert_file(_path(raw, "cert_file", where, base), where))


def _parse_org(raw: dict, defaults: Defaults, base: Path, where: str, warnings: list[str]) -> OrgEntry:
    _no_unknown(raw, _ORG_KEYS, where)
    name = _str(raw, "name", where, required=True)
    if not NAME_PATTERN.match(name):
        raise ConfigError(f"{where}: key 'name' must be letters, digits, '.', '_' or '-' (it names files)")
    target_org = _str(raw, "target_org", where)
    password_env = _str(raw, "password_env", where)
    password_file = _path(raw, "password_file", where, base)
    password_inline = _str(raw, "password", where)
    sources = [k for k, v in (("password_env", password_env), ("password_file", password_file),
                              ("password", password_inline)) if v]
    if target_org:
        # the Salesforce CLI's session logs in: who and where come from `sf org display` at the org's turn
        if sources or "login_url" in raw:
            given = sources[0] if sources else "login_url"
            raise ConfigError(f"{where}: keys 'target_org' and {given!r} both set: the Salesforce CLI's session "
                              "logs in (no password, its own instance URL); choose one")
        login_url, username = "", _str(raw, "username", where) or ""
    else:
        login_url = check_login_url(_str(raw, "login_url", where, required=True), f"{where}: key 'login_url'")
        username = _str(raw, "username", where, required=True)
    if not sources and not target_org:
        raise ConfigError(f"{where}: set one of 'password_env' or 'password_file' (where the password comes from), "
                          "or 'target_org' (an org the Salesforce CLI is logged in to)")
    if len(sources) > 1:
        raise ConfigError(f"{where}: keys {sources[0]!r} and {sources[1]!r} both set: choose one password source")
    if password_inline:
        warnings.append(f"{where}: inline 'password' in the inventory; use password_env or password_file instead")

    spec = _path(raw, "spec", where, base) or defaults.spec
    if spec is None:
        raise ConfigError(f"{where}: key 'spec' missing (and no spec in [defaults])")
    if not spec.is_file():  # at load, not at the org's turn: a typo must not fail the night org by org
        raise SpecFileError(f"{where}: app spec {spec} not found (key 'spec')")

    env_file = json_file = None
    creds: dict = {}
    if "credentials" in raw:
        creds = _table(raw["credentials"], f"{where}: key 'credentials'")
        _no_unknown(creds, _CREDENTIALS_KEYS, f"{where} credentials")
        env_file = _path(creds, "env_file", f"{where} credentials", base, name=name)
        json_file = _path(creds, "json_file", f"{where} credentials", base, name=name)
    credential_format = _credential_format({**defaults.credentials, **creds}, name, f"{where} credentials")
    if env_file is None and json_file is None:
        env_file = defaults.output_dir / name / "credentials.env"

    mailbox = _parse_mailbox(raw["mailbox"], base, f"{where} mailbox") if "mailbox" in raw else defaults.mailbox
    sandbox = raw.get("sandbox", False)
    if not isinstance(sandbox, bool):
        raise ConfigError(f"{where}: key 'sandbox' must be true or false")
    email = _str(raw, "email", where)
    if email is not None and not re.match(r"^[^@\s]+@[^@\s]+$", email):
        raise ConfigError(f"{where}: key 'email' must be an email address")
    org_cert = _path(raw, "cert_file", where, base, name=name)
    return OrgEntry(
        name=name, login_url=login_url, username=username, spec=spec, env_file=env_file,
        json_file=json_file, sandbox=sandbox, password_env=password_env, password_file=password_file,
        password_inline=password_inline, totp_secret_env=_str(raw, "totp_secret_env", where), mailbox=mailbox,
        key_file=_path(raw, "key_file", where, base, name=name) or defaults.key_file,
        cert_file=_checked_cert_file(org_cert, where) if org_cert else defaults.cert_file, email=email,
        shard=_int(raw, "shard", where, None, minimum=1) if "shard" in raw else None,
        credential_format=credential_format, target_org=target_org, via=_via(raw, where, defaults.via),
        rotate_after_days=_days(raw, where, defaults.rotate_after_days),
    )


def _via(raw: dict, where: str, default: str) -> str:
    """auto | api | browser (provisioner/api/via.py)."""
    value = _str(raw, "via", where) or default
    if value not in VIA_CHOICES:
        raise ConfigError(f"{where}: key 'via' must be one of {', '.join(VIA_CHOICES)}, not {value!r}")
    return value


def _days(raw: dict, where: str, default: int | None) -> int | None:
    """rotate_after_days: a whole number of days, at least 1."""
    if "rotate_after_days" not in raw:
        return default
    value = raw["rotate_after_days"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: key 'rotate_after_days' must be a whole number of days, at least 1, "
                          f"not {value!r}")
    return value


def _credential_format(creds: dict, name: str, where: str) -> CredentialFormat:
    """style / embed_key / branch (sfdx-hardis: default the org's name); errors name the entry."""
    try:
        return CredentialFormat(style=_str(creds, "style", where) or "provisioner",
                                embed_key=_str(creds, "embed_key", where),
                                branch=_str(creds, "branch", where) or name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _checked_cert_file(path: Path | None, where: str) -> Path | None:
    """The certificate is uploaded to the org: it must be readable, a certificate, and hold no private key.
    Checked at load so a wrong file stops the run before any org is touched."""
    if path is None:
        return None
    try:
        certificate_pem_for_upload(path)
    except CertificateError as exc:
        raise CertificateError(f"{where}: key 'cert_file': {exc}") from None
    return path


def _parse_mailbox(raw: Any, base: Path, where: str) -> MailboxEntry:
    raw = _table(raw, where)
    _no_unknown(raw, _MAILBOX_KEYS, where)
    host = _str(raw, "host", where, required=True)
    user = _str(raw, "user", where, required=True)
    ssl = raw.get("ssl", True)
    if not isinstance(ssl, bool):
        raise ConfigError(f"{where}: key 'ssl' must be true or false")
    port = _int(raw, "port", where, 993 if ssl else 143, minimum=1)
    if port > 65535:
        raise ConfigError(f"{where}: key 'port' must be at most 65535")
    password_env = _str(raw, "password_env", where)
    password_file = _path(raw, "password_file", where, base)
    oauth2 = _parse_mailbox_oauth2(raw["oauth2"], base, f"{where}.oauth2") if "oauth2" in raw else None
    if oauth2 is not None and (password_env or password_file):
        raise ConfigError(f"{where}: a password ('password_env' / 'password_file') and [oauth2] both set: choose one")
    if oauth2 is None and not password_env and not password_file:
        raise ConfigError(f"{where}: set 'password_env' or 'password_file' (the IMAP password is never inline), "
                          "or an [oauth2] table")
    if password_env and password_file:
        raise ConfigError(f"{where}: keys 'password_env' and 'password_file' both set: choose one")
    allow_plaintext = raw.get("allow_plaintext", False)
    if not isinstance(allow_plaintext, bool):
        raise ConfigError(f"{where}: key 'allow_plaintext' must be true or false")
    return MailboxEntry(host=host, user=user, port=port, ssl=ssl, folder=_str(raw, "folder", where) or "INBOX",
                        password_env=password_env, password_file=password_file, allow_plaintext=allow_plaintext,
                        ca_file=_path(raw, "ca_file", where, base), oauth2=oauth2)


def _parse_mailbox_oauth2(raw: Any, base: Path, where: str) -> MailboxOAuth2Entry:
    raw = _table(raw, where)
    _no_unknown(raw, _MAILBOX_OAUTH2_KEYS, where)
    for key in ("client_secret", "refresh_token"):
        if raw.get(f"{key}_env") and raw.get(f"{key}_file"):
            raise ConfigError(f"{where}: keys '{key}_env' and '{key}_file' both set: choose one")
    return MailboxOAuth2Entry(
        client_id=_str(raw, "client_id", where), tenant=_str(raw, "tenant", where),
        token_url=_str(raw, "token_url", where), scope=_str(raw, "scope", where),
        client_secret_env=_str(raw, "client_secret_env", where),
        client_secret_file=_path(raw, "client_secret_file", where, base),
        client_certificate=_path(raw, "client_certificate", where, base),
        client_key=_path(raw, "client_key", where, base),
        refresh_token_env=_str(raw, "refresh_token_env", where),
        refresh_token_file=_path(raw, "refresh_token_file", where, base),
        token_command=_str(raw, "token_command", where), mechanism=_str(raw, "mechanism", where),
    )


def _read_secret(where: str, what: str, env_name: str | None, file: Path | None, env) -> str | None:
    if env_name:
        value = env.get(env_name)
        if not value:
            raise ConfigError(f"{where}: environment variable {env_name} ({what}_env) is not set")
        return value
    if file:
        try:
            value = file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"{where}: {what}_file {file} cannot be read: {exc.strerror}") from None
        if not value:
            raise ConfigError(f"{where}: {what}_file {file} is empty")
        return value
    return None


# --- typed getters ----------------------------------------------------------------------------------------------


def _no_unknown(raw: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _table(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    return value


def _str(raw: dict, key: str, where: str, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: key {key!r} missing")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConfigError(f"{where}: key {key!r} must be a non-empty string")
    return value.strip() or None


def _int(raw: dict, key: str, where: str, default: int, minimum: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: key {key!r} must be an integer >= {minimum}")
    return value


def _number(raw: dict, key: str, where: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: key {key!r} must be a positive number of seconds")
    return float(value)


def _path(raw: dict, key: str, where: str, base: Path, name: str | None = None) -> Path | None:
    value = _str(raw, key, where)
    if value is None:
        return None
    if name is not None:
        if "{" in value.replace("{name}", ""):
            raise ConfigError(f"{where}: key {key!r} may only use the placeholder {{name}}")
        value = value.replace("{name}", name)
    elif "{name}" in value:
        raise ConfigError(f"{where}: key {key!r} cannot use {{name}} here")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()
