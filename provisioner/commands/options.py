"""Command-line options as typed objects: each group of click options reaches the command as one frozen dataclass.

    @options.group(RunFlags, *RUN_OPTIONS)   # the command receives run: RunFlags
    def command(run: RunFlags, ...): ...

The dataclass's field names are the click parameter names, so a group cannot drift from its options.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from .. import cli_json
from ..config import (MAILBOX_SETTINGS, OAUTH2_SETTING_KEYS, MailboxSettings, OrgSettings, SettingsSources,
                      resolve_mailbox_settings, resolve_org_settings)
from ..config import ORG_SETTINGS, _host_list, org_settings_from, read_secret_file
from ..api.via import DEFAULT_VIA, VIA_CHOICES
from ..credential_styles import EMBED_FORMS, STYLES, CredentialFormat
from ..spec import AppSpec, load_spec
from ..errors import ConfigError
from ..flows.session import Timeouts
from ..verify import DEFAULT_BUDGET_SECONDS

T = TypeVar("T")


def group(kind: type[T], *click_options: Callable) -> Callable:
    """Attach `click_options` to a command and hand their values to it as one `kind` (keyword: its snake name)."""
    names = [f.name for f in fields(kind)]
    keyword = _snake(kind.__name__)

    def apply(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[keyword] = kind(**{name: kwargs.pop(name) for name in names})
            return fn(*args, **kwargs)

        for option in reversed(click_options):
            wrapper = option(wrapper)
        return wrapper

    return apply


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _read_secret_file(path: str | None, flag: str) -> str | None:
    """A secret from a file ('-' reads one line from standard input): keeps it out of the process list."""
    if not path:
        return None
    if path != "-":
        return read_secret_file(path, flag)
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ConfigError(f"{flag} {path} is empty")
    return value


def _warn_secret_flag(flag: str, variable: str) -> None:
    cli_json.warn(f"{flag} is visible to every user of this machine (process list, shell history); "
                  f"use {variable}, --env-file or {flag}-file instead")


def _stdin_secrets(flags: "ConnectionFlags") -> tuple[str | None, str | None]:
    """--password-stdin / --imap-password-stdin: one line each; standard input carries one secret per run."""
    readers = [name for name, on in (("--password-stdin", flags.password_stdin),
                                     ("--imap-password-stdin", flags.imap_password_stdin),
                                     ("--password-file -", flags.password_file == "-"),
                                     ("--imap-password-file -", flags.imap_password_file == "-"),
                                     ("--totp-secret-file -", flags.totp_secret_file == "-")) if on]
    if len(readers) > 1:
        raise ConfigError(f"{readers[0]} and {readers[1]} both read standard input: give one of them by file")
    password = _read_secret_file("-", "--password-stdin") if flags.password_stdin else None
    imap_password = _read_secret_file("-", "--imap-password-stdin") if flags.imap_password_stdin else None
    return password, imap_password


def interactive() -> bool:
    """Both ends are a terminal: a person can answer a hidden prompt (never in CI, a pipe or a cron job)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def _prompt_for_missing_passwords(sources: SettingsSources) -> None:
    """On a terminal, ask (hidden) for the admin password, and the IMAP password of a configured mailbox that has
    no other way to log in. Elsewhere the missing setting is reported as before."""
    if not interactive():
        return
    if sources.get("password", ORG_SETTINGS) is None and sources.get("username", ORG_SETTINGS):
        sources.flags["password"] = click.prompt(f"Salesforce password for {sources.get('username', ORG_SETTINGS)}",
                                                 hide_input=True, err=True)
    mailbox = any(sources.get(name, MAILBOX_SETTINGS) is not None for name in ("imap_host", "imap_user"))
    other_login = any(sources.get(name, MAILBOX_SETTINGS) is not None for name in OAUTH2_SETTING_KEYS)
    if mailbox and not other_login and sources.get("imap_password", MAILBOX_SETTINGS) is None:
        user = sources.get("imap_user", MAILBOX_SETTINGS) or "the mailbox"
        sources.flags["imap_password"] = click.prompt(f"IMAP password for {user}", hide_input=True, err=True)


# --- where: the org and its mailbox ---------------------------------------------------------------------------------

CONNECTION_OPTIONS = (
    click.option("-o", "--target-org", metavar="ALIAS|USERNAME",
                 help="An org the Salesforce CLI is logged in to: Setup opens with its session (`sf org open`'s "
                      "front door), no password, authenticator seed or login page."),
    click.option("--env-file", type=click.Path(dir_okay=False),
                 help="Read settings from this .env file (never read unless named). Flags > environment > file."),
    click.option("--login-url", help="https://login.salesforce.com, https://test.salesforce.com or a My Domain "
                                      "[SALESFORCE_LOGIN_URL]."),
    click.option("--trust-host", "trust_hosts", multiple=True, metavar="HOST",
                 help="A login host outside Salesforce's domains that you vouch for [PROVISIONER_TRUSTED_HOSTS]; "
                      "a .env file cannot set it."),
    click.option("--username", help="Admin username [SALESFORCE_USERNAME]."),
    click.option("--password", help="Admin password: visible to other users; prefer SALESFORCE_PASSWORD or "
                                     "--password-file."),
    click.option("--password-file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="Read the admin password from this file ('-': one line from standard input)."),
    click.option("--password-stdin", is_flag=True,
                 help="Read the admin password from standard input (one line). On a terminal, a missing password "
                      "is asked for, hidden."),
    click.option("--totp-secret", help="Base32 seed of the admin's authenticator app: prefer SALESFORCE_TOTP_SECRET "
                                       "or --totp-secret-file."),
    click.option("--totp-secret-file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="Read the authenticator seed from this file ('-': standard input)."),
    click.option("--email", help="The admin's email address, where Salesforce sends verification codes "
                                 "[SALESFORCE_EMAIL] (default: the IMAP user if it is an address)."),
    click.option("--imap-host", help="Mailbox that receives Salesforce's verification emails [IMAP_HOST]."),
    click.option("--imap-port", type=click.IntRange(1, 65535), help="[IMAP_PORT] (default 993 with SSL, 143 without)."),
    click.option("--imap-user", help="[IMAP_USER]"),
    click.option("--imap-password", help="IMAP password: visible to other users; prefer IMAP_PASSWORD or "
                                         "--imap-password-file."),
    click.option("--imap-password-file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="Read the IMAP password from this file ('-': standard input)."),
    click.option("--imap-password-stdin", is_flag=True, help="Read the IMAP password from standard input (one line)."),
    click.option("--imap-ssl/--no-imap-ssl", default=None, help="[IMAP_SSL] (default: SSL on; off: STARTTLS)."),
    click.option("--imap-folder", help="[IMAP_FOLDER] (default INBOX)."),
    click.option("--imap-allow-plaintext", is_flag=True, default=None,
                 help="Allow a password login without TLS to a mailbox that is not on this machine "
                      "[IMAP_ALLOW_PLAINTEXT]; a .env file cannot set it."),
    click.option("--imap-ca-file", type=click.Path(dir_okay=False),
                 help="CA bundle (PEM) for a mail server with a private certificate [IMAP_CA_FILE]."),
    # OAuth2 instead of the IMAP password (Microsoft 365, Google Workspace): docs/mailboxes.md
    click.option("--imap-oauth2-client-id", help="OAuth2 app (client) id for the IMAP log-in [IMAP_OAUTH2_CLIENT_ID]."),
    click.option("--imap-oauth2-tenant", help="Microsoft 365 tenant id or domain: sets the token URL "
                                              "[IMAP_OAUTH2_TENANT]."),
    click.option("--imap-oauth2-token-url", help="OAuth2 token endpoint (default: Microsoft's or Google's, from the "
                                                 "tenant or IMAP host) [IMAP_OAUTH2_TOKEN_URL]."),
    click.option("--imap-oauth2-scope", help="Scope to ask for (default: the provider's IMAP scope) "
                                             "[IMAP_OAUTH2_SCOPE]."),
    click.option("--imap-oauth2-client-secret-file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="Read the app's client secret from this file ('-': standard input) "
                      "[IMAP_OAUTH2_CLIENT_SECRET holds the value]."),
    click.option("--imap-oauth2-client-certificate", type=click.Path(dir_okay=False),
                 help="PEM certificate registered with the app, proving it instead of a secret (its key in the "
                      "same file or --imap-oauth2-client-key) [IMAP_OAUTH2_CLIENT_CERTIFICATE]."),
    click.option("--imap-oauth2-client-key", type=click.Path(dir_okay=False),
                 help="PEM private key of that certificate [IMAP_OAUTH2_CLIENT_KEY]."),
    click.option("--imap-oauth2-refresh-token-file", type=click.Path(dir_okay=False),
                 help="File with a refresh token (a renewed one is written back, 0600) "
                      "[IMAP_OAUTH2_REFRESH_TOKEN_FILE; IMAP_OAUTH2_REFRESH_TOKEN holds the value]."),
    click.option("--imap-token-command", metavar="COMMAND",
                 help="Shell command that prints an IMAP access token, run whenever one is needed "
                      "[IMAP_TOKEN_COMMAND]; a .env file cannot set it."),
    click.option("--imap-oauth2-mechanism", type=click.Choice(["auto", "xoauth2", "oauthbearer"]),
                 help="SASL mechanism for the token (default auto: XOAUTH2 where offered, else OAUTHBEARER) "
                      "[IMAP_OAUTH2_MECHANISM]."),
)


@dataclass(frozen=True)
class ConnectionFlags:
    env_file: str | None
    login_url: str | None
    trust_hosts: tuple[str, ...]
    username: str | None
    password: str | None
    password_file: str | None
    totp_secret: str | None
    totp_secret_file: str | None
    email: str | None
    imap_host: str | None
    imap_port: int | None
    imap_user: str | None
    imap_password: str | None
    imap_password_file: str | None
    imap_ssl: bool | None
    imap_folder: str | None
    imap_allow_plaintext: bool | None
    imap_ca_file: str | None
    imap_oauth2_client_id: str | None = None
    imap_oauth2_tenant: str | None = None
    imap_oauth2_token_url: str | None = None
    imap_oauth2_scope: str | None = None
    imap_oauth2_client_secret_file: str | None = None
    imap_oauth2_client_certificate: str | None = None
    imap_oauth2_client_key: str | None = None
    imap_oauth2_refresh_token_file: str | None = None
    imap_token_command: str | None = None
    imap_oauth2_mechanism: str | None = None

    password_stdin: bool = False
    imap_password_stdin: bool = False
    target_org: str | None = None

    def resolve(self) -> tuple[OrgSettings, MailboxSettings | None]:
        """The org's settings and, if any mailbox is configured, the mailbox's (flags > environment > .env).
        A password still missing is asked for on a terminal (hidden), never elsewhere."""
        if self.target_org is not None:
            _no_password_with_target_org(self)
        stdin_password, stdin_imap_password = _stdin_secrets(self)
        for flag, value, variable in (("--password", self.password, "SALESFORCE_PASSWORD"),
                                      ("--totp-secret", self.totp_secret, "SALESFORCE_TOTP_SECRET"),
                                      ("--imap-password", self.imap_password, "IMAP_PASSWORD")):
            if value:
                _warn_secret_flag(flag, variable)
        flags = {
            "login_url": self.login_url, "username": self.username, "email": self.email,
            "trusted_hosts": self.trust_hosts,
            "password": stdin_password or _read_secret_file(self.password_file, "--password-file") or self.password,
            "totp_secret": _read_secret_file(self.totp_secret_file, "--totp-secret-file") or self.totp_secret,
            "imap_host": self.imap_host, "imap_port": self.imap_port, "imap_user": self.imap_user,
            "imap_password": stdin_imap_password or _read_secret_file(self.imap_password_file, "--imap-password-file")
            or self.imap_password,
            "imap_ssl": self.imap_ssl, "imap_folder": self.imap_folder,
            "imap_allow_plaintext": self.imap_allow_plaintext, "imap_ca_file": self.imap_ca_file,
            "imap_oauth2_client_id": self.imap_oauth2_client_id, "imap_oauth2_tenant": self.imap_oauth2_tenant,
            "imap_oauth2_token_url": self.imap_oauth2_token_url, "imap_oauth2_scope": self.imap_oauth2_scope,
            "imap_oauth2_client_secret": _read_secret_file(self.imap_oauth2_client_secret_file,
                                                           "--imap-oauth2-client-secret-file"),
            "imap_oauth2_client_certificate": self.imap_oauth2_client_certificate,
            "imap_oauth2_client_key": self.imap_oauth2_client_key,
            "imap_oauth2_refresh_token_file": self.imap_oauth2_refresh_token_file,
            "imap_token_command": self.imap_token_command, "imap_oauth2_mechanism": self.imap_oauth2_mechanism,
        }
        sources = SettingsSources(flags=flags, env_file=self.env_file)
        if self.target_org is not None:
            org = _org_of_the_cli(self, sources)
        else:
            _prompt_for_missing_passwords(sources)
            org = resolve_org_settings(sources=sources)
        mailbox = None
        if any(sources.get(name, MAILBOX_SETTINGS) is not None
               for name in ("imap_host", "imap_user", "imap_password", *OAUTH2_SETTING_KEYS)):
            mailbox = resolve_mailbox_settings(sources=sources)  # partly configured: an error naming what is missing
        return org, mailbox


def _no_password_with_target_org(flags: ConnectionFlags) -> None:
    given = [flag for flag, on in (("--password", flags.password), ("--password-file", flags.password_file),
                                   ("--password-stdin", flags.password_stdin), ("--login-url", flags.login_url)) if on]
    if given:
        raise ConfigError(f"--target-org opens the org with the Salesforce CLI's session: {given[0]} is not used "
                          "with it; give one or the other")


def _org_of_the_cli(flags: ConnectionFlags, sources: SettingsSources) -> OrgSettings:
    """-o/--target-org: who and where the org is comes from the Salesforce CLI; the session too, at login time. The
    authenticator seed and the mailbox still answer Setup's own verifications (consumer details)."""
    from .. import sf_cli

    cli_org = sf_cli.describe(flags.target_org or "")
    if flags.username and flags.username.strip().lower() != cli_org.username.lower():
        raise ConfigError(f"--username {flags.username} is not the user of the Salesforce CLI's org "
                          f"{cli_org.target_org} ({cli_org.username})")
    return org_settings_from(login_url=cli_org.instance_url, username=cli_org.username, password="",
                             totp_secret=sources.get("totp_secret", ORG_SETTINGS),
                             email=sources.get("email", ORG_SETTINGS),
                             trusted_hosts=_host_list(sources.get("trusted_hosts", ORG_SETTINGS)),
                             where=f"the instance URL of the Salesforce CLI's org {cli_org.target_org}",
                             sf_target_org=cli_org.target_org)


# --- what: the app spec ---------------------------------------------------------------------------------------------

#: spec flag -> the spec key it sets (dotted for nested keys)
SPEC_FLAG_KEYS = {
    "app_type": "app_type", "app_name": "name", "api_name": "api_name", "contact_email": "contact_email",
    "description": "description", "callback_url": "callback_urls", "scope": "scopes", "profile": "policies.profiles",
    "permission_set": "policies.permission_sets", "refresh_token_days": "policies.refresh_token.period",
    "session_timeout": "policies.session_timeout_minutes", "ip_relaxation": "policies.ip_relaxation",
}

SPEC_OPTIONS = (
    click.option("--spec", type=click.Path(dir_okay=False),
                 help="App spec TOML (see provisioner/specs/); flags below override it."),
    click.option("--app-type", type=click.Choice(["external_client_app", "connected_app"]),
                 help="external_client_app (default) or connected_app: the classic Connected App Dev Hub orgs need."),
    click.option("--app-name", help="External Client App Name (or Connected App Name)."),
    click.option("--api-name", help="API name (default: from the name)."),
    click.option("--contact-email", help="Contact Email (default: the username)."),
    click.option("--description"),
    click.option("--callback-url", multiple=True, help="Callback URL (repeat for several)."),
    click.option("--scope", multiple=True, help="OAuth scope token, e.g. api (repeat for several)."),
    click.option("--profile", multiple=True, help="Pre-authorised profile (repeat for several)."),
    click.option("--permission-set", multiple=True, help="Pre-authorised permission set API name (repeat)."),
    click.option("--refresh-token-days", type=click.IntRange(min=1), help="Expire refresh tokens after N days."),
    click.option("--session-timeout", type=click.IntRange(min=1),
                 help="Session timeout in minutes: 15, 30, 60, 120, 240, 480, 720 or 1440."),
    click.option("--ip-relaxation", type=click.Choice(["enforce", "relax", "relax_with_second_factor"])),
)


@dataclass(frozen=True)
class SpecFlags:
    spec: str | None
    app_type: str | None
    app_name: str | None
    api_name: str | None
    contact_email: str | None
    description: str | None
    callback_url: tuple[str, ...]
    scope: tuple[str, ...]
    profile: tuple[str, ...]
    permission_set: tuple[str, ...]
    refresh_token_days: int | None
    session_timeout: int | None
    ip_relaxation: str | None

    def load(self, *, default_contact_email: str | None) -> AppSpec:
        overrides = {key: getattr(self, flag) for flag, key in SPEC_FLAG_KEYS.items()
                     if getattr(self, flag) not in (None, ())}
        return load_spec(self.spec, overrides, default_contact_email=default_contact_email)


#: log levels (provisioner/logs.py): -q errors, default warnings, -v info, -vv debug; secrets masked at every level
VERBOSITY_OPTIONS = (
    click.option("-v", "--verbose", count=True, help="More log detail (-v: info, -vv: debug); secrets stay masked."),
    click.option("-q", "--quiet", is_flag=True, help="Log errors only."),
)

# --- where the results go -------------------------------------------------------------------------------------------

OUTPUT_OPTIONS = (
    click.option("--out-dir", default="out", show_default=True, type=click.Path(file_okay=False),
                 help="Where server.key, server.crt and the credentials go."),
    click.option("--format", "output_format", type=click.Choice(["env", "json", "both"]), default="env",
                 show_default=True, help="Credentials file format."),
    click.option("--credentials-env", type=click.Path(dir_okay=False),
                 help="Merge the credentials into this .env file (other lines kept)."),
    click.option("--credentials-json", type=click.Path(dir_okay=False), help="Write the credentials as JSON here."),
    click.option("--key", type=click.Path(dir_okay=False), help="Your own private key (with --cert)."),
    click.option("--cert", type=click.Path(dir_okay=False), help="Your own X.509 certificate (with --key)."),
    click.option("--credentials-style", type=click.Choice(STYLES), default="provisioner", show_default=True,
                 help="Variable names in the .env: provisioner (SALESFORCE_*), sf-cli (SF_*: the Salesforce CLI's "
                      "CI guide) or sfdx-hardis (SFDX_CLIENT_ID_<BRANCH>, SFDX_CLIENT_CERT_<BRANCH>)."),
    click.option("--embed-key", type=click.Choice(EMBED_FORMS),
                 help="Put the private key itself in the credentials (PEM, or base64 on one line) instead of its "
                      "path, so the file can become CI secrets as it is."),
    click.option("--branch", "credentials_branch", metavar="NAME",
                 help="With --credentials-style sfdx-hardis: the major branch whose variables these are."),
    *VERBOSITY_OPTIONS,
)


@dataclass(frozen=True)
class OutputFlags:
    out_dir: str
    output_format: str
    credentials_env: str | None
    credentials_json: str | None
    key: str | None
    cert: str | None
    credentials_style: str = "provisioner"
    embed_key: str | None = None
    credentials_branch: str | None = None
    verbose: int = 0
    quiet: bool = False

    def credential_format(self) -> CredentialFormat:
        return CredentialFormat(style=self.credentials_style, embed_key=self.embed_key, branch=self.credentials_branch)

    def targets(self) -> tuple[Path | None, Path | None]:
        """(env file, json file): named files win; else out_dir/credentials.{env,json} as --format says."""
        out = Path(self.out_dir)
        env = Path(self.credentials_env) if self.credentials_env else (
            out / "credentials.env" if self.output_format in ("env", "both") else None)
        json_file = Path(self.credentials_json) if self.credentials_json else (
            out / "credentials.json" if self.output_format in ("json", "both") else None)
        return env, json_file


# --- how the run behaves --------------------------------------------------------------------------------------------

#: a locator overrides file (flows/locators/registry.py): fixes a relabelled page without a new release
LOCATORS_OPTION = click.option(
    "--locators", type=click.Path(dir_okay=False), envvar="PROVISIONER_LOCATORS",
    help="Locator overrides (TOML) for pages a release relabelled; `provisioner probe` proposes the lines "
         "[PROVISIONER_LOCATORS].")

RUN_OPTIONS = (
    LOCATORS_OPTION,
    click.option("--via", type=click.Choice(VIA_CHOICES), default=DEFAULT_VIA, show_default=True,
                 help="How the app is made after the login: `browser` (the Setup pages), `api` (Metadata API with "
                      "the login's session; fails with exit 37 saying why when the org does not allow it) or `auto` "
                      "(the API where allowed, else the pages; the output says which and why)."),
    click.option("--dry-run", is_flag=True, help="Log in and print the plan; change nothing, write nothing."),
    click.option("--verify/--no-verify", default=True, show_default=True,
                 help="Prove the credentials with a JWT bearer token exchange."),
    click.option("--verify-seconds", default=DEFAULT_BUDGET_SECONDS, show_default=True, type=click.FloatRange(min=0),
                 help="How long to retry while the org propagates a new app."),
    click.option("--show-secret", is_flag=True, help="Print the consumer secret (masked otherwise)."),
    click.option("--mail-timeout", default=180.0, show_default=True, type=click.FloatRange(min=1),
                 help="Seconds to wait for each verification email."),
    click.option("--page-timeout", default=60.0, show_default=True, type=click.FloatRange(min=1),
                 help="Seconds to wait for one Setup page, save or navigation."),
    click.option("--json", "as_json", is_flag=True,
                 help="The result as one JSON object on stdout, shaped like the Salesforce CLI's (failures too; or "
                      "SF_CONTENT_TYPE=JSON); progress as JSON lines on stderr."),
    click.option("--headed", is_flag=True, help="Show the browser window."),
    click.option("--slow-mo", default=0.0, type=click.FloatRange(min=0), help="Milliseconds between actions."),
    click.option("--record", is_flag=True, help="Record a publishable video of the run into recordings/."),
    click.option("--trace", is_flag=True, help="With --record: keep a Playwright trace of the non-secret parts."),
    click.option("--sf-login", is_flag=True, help="Then run `sf org login jwt` with the new credentials."),
    click.option("--alias", help="With --sf-login: the alias for the org."),
    click.option("--set-default-dev-hub", is_flag=True, help="With --sf-login: make it the default Dev Hub."),
    click.option("--set-default", is_flag=True, help="With --sf-login: make it the CLI's default org (target-org)."),
    click.option("--project-dir", type=click.Path(file_okay=False, exists=True),
                 help="A Salesforce DX project whose sfdx-project.json gets sfdcLoginUrl (unless "
                      "login.salesforce.com) and oauthLocalPort (unless 1717); other content kept as written."),
)


@dataclass(frozen=True)
class RunFlags:
    locators: str | None = None
    via: str = DEFAULT_VIA
    dry_run: bool = False
    verify: bool = True
    verify_seconds: float = DEFAULT_BUDGET_SECONDS
    show_secret: bool = False
    mail_timeout: float = 180.0
    page_timeout: float = 60.0
    as_json: bool = False
    headed: bool = False
    slow_mo: float = 0.0
    record: bool = False
    trace: bool = False
    sf_login: bool = False
    alias: str | None = None
    set_default_dev_hub: bool = False
    set_default: bool = False
    project_dir: str | None = None

    @property
    def timeouts(self) -> Timeouts:
        page_ms = self.page_timeout * 1000
        return Timeouts(page_ms=page_ms, mail_s=self.mail_timeout, settle_ms=max(page_ms, 60_000))
