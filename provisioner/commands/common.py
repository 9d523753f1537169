"""Options and output shared by `setup` and `demo` (and the job, for the org and mailbox settings)."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import click

from ..config import MAILBOX_SETTINGS, SettingsSources, resolve_mailbox_settings
from ..credentials import mask
from ..errors import ConfigError, ProvisionerError

ORG_FLAGS = ["login_url", "username", "password", "totp_secret", "email"]
MAILBOX_FLAGS = ["imap_host", "imap_port", "imap_user", "imap_password", "imap_ssl", "imap_folder"]


def pick(opts: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {name: opts.pop(name, None) for name in names}


def path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def _stack(*decorators: Callable) -> Callable:
    def apply(fn: Callable) -> Callable:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


org_options = _stack(
    click.option("--env-file", type=click.Path(dir_okay=False),
                 help="Read settings from this .env file (default: ./.env if present). Flags > environment > file."),
    click.option("--login-url", help="https://login.salesforce.com, https://test.salesforce.com or a My Domain "
                                      "[SALESFORCE_LOGIN_URL]."),
    click.option("--username", help="Admin username [SALESFORCE_USERNAME]."),
    click.option("--password", help="Admin password [SALESFORCE_PASSWORD]; prefer the environment or .env."),
    click.option("--totp-secret", help="Base32 seed of the admin's authenticator app [SALESFORCE_TOTP_SECRET]."),
    click.option("--email", help="The admin's email address, where Salesforce sends verification codes "
                                 "[SALESFORCE_EMAIL] (default: the IMAP user if it is an address)."),
)

mailbox_options = _stack(
    click.option("--imap-host", help="Mailbox that receives Salesforce's verification emails [IMAP_HOST]."),
    click.option("--imap-port", type=int, help="[IMAP_PORT] (default 993 with SSL, 143 without)."),
    click.option("--imap-user", help="[IMAP_USER]"),
    click.option("--imap-password", help="[IMAP_PASSWORD]; prefer the environment or .env."),
    click.option("--imap-ssl/--no-imap-ssl", default=None, help="[IMAP_SSL] (default: SSL on)."),
    click.option("--imap-folder", help="[IMAP_FOLDER] (default INBOX)."),
)


def _collect_overrides(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Spec flags land in ctx.meta as dotted spec keys, applied over the spec file."""
    key = _SPEC_FLAG_KEYS[param.name]
    if value not in (None, ()):
        ctx.meta.setdefault("spec_overrides", {})[key] = list(value) if isinstance(value, tuple) else value
    return value


_SPEC_FLAG_KEYS = {
    "app_name": "name", "api_name": "api_name", "contact_email": "contact_email", "description": "description",
    "callback_url": "callback_urls", "scope": "scopes", "profile": "policies.profiles",
    "permission_set": "policies.permission_sets", "refresh_token_days": "policies.refresh_token.period",
    "session_timeout": "policies.session_timeout_minutes", "ip_relaxation": "policies.ip_relaxation",
    "app_type": "app_type",
}


def _spec_option(*names: str, **kwargs: Any) -> Callable:
    return click.option(*names, callback=_collect_overrides, expose_value=False, **kwargs)


def _spec_overrides_arg(fn: Callable) -> Callable:
    @functools.wraps(fn)  # keeps the click params already attached to fn
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["spec_overrides"] = click.get_current_context().meta.get("spec_overrides", {})
        return fn(*args, **kwargs)

    return wrapper


spec_options = _stack(
    click.option("--spec", type=click.Path(dir_okay=False),
                 help="App spec TOML (see provisioner/specs/); flags below override it."),
    _spec_option("--app-type", type=click.Choice(["external_client_app", "connected_app"]),
                 help="external_client_app (default) or connected_app: the classic Connected App Dev Hub orgs need."),
    _spec_option("--app-name", help="External Client App Name (or Connected App Name)."),
    _spec_option("--api-name", help="API name (default: from the name)."),
    _spec_option("--contact-email", help="Contact Email (default: the username)."),
    _spec_option("--description"),
    _spec_option("--callback-url", multiple=True, help="Callback URL (repeat for several)."),
    _spec_option("--scope", multiple=True, help="OAuth scope token, e.g. api (repeat for several)."),
    _spec_option("--profile", multiple=True, help="Pre-authorised profile (repeat for several)."),
    _spec_option("--permission-set", multiple=True, help="Pre-authorised permission set API name (repeat)."),
    _spec_option("--refresh-token-days", type=click.IntRange(min=1), help="Expire refresh tokens after N days."),
    _spec_option("--session-timeout", type=click.IntRange(min=1),
                 help="Session timeout in minutes: 15, 30, 60, 120, 240, 480, 720 or 1440."),
    _spec_option("--ip-relaxation", type=click.Choice(["enforce", "relax", "relax_with_second_factor"])),
    _spec_overrides_arg,
)

output_options = _stack(
    click.option("--out-dir", default="out", show_default=True, type=click.Path(file_okay=False),
                 help="Where server.key, server.crt and the credentials go."),
    click.option("--format", "output_format", type=click.Choice(["env", "json", "both"]), default="env",
                 show_default=True, help="Credentials file format."),
    click.option("--credentials-env", type=click.Path(dir_okay=False),
                 help="Merge the credentials into this .env file (other lines kept)."),
    click.option("--credentials-json", type=click.Path(dir_okay=False), help="Write the credentials as JSON here."),
    click.option("--key", type=click.Path(dir_okay=False), help="Your own private key (with --cert)."),
    click.option("--cert", type=click.Path(dir_okay=False), help="Your own X.509 certificate (with --key)."),
)

run_options = _stack(
    click.option("--dry-run", is_flag=True, help="Log in and print the plan; change nothing."),
    click.option("--verify/--no-verify", default=True, show_default=True,
                 help="Prove the credentials with a JWT bearer token exchange."),
    click.option("--verify-seconds", default=600.0, show_default=True, type=click.FloatRange(min=0),
                 help="How long to retry while the org propagates a new app."),
    click.option("--show-secret", is_flag=True, help="Print the consumer secret (masked otherwise)."),
    click.option("--mail-timeout", default=180.0, show_default=True, type=click.FloatRange(min=1),
                 help="Seconds to wait for each verification email."),
    click.option("--page-timeout", default=60.0, show_default=True, type=click.FloatRange(min=1),
                 help="Seconds to wait for one Setup page, save or navigation."),
    click.option("--json", "as_json", is_flag=True, help="Progress as JSON lines; the result as one JSON object."),
    click.option("--headed", is_flag=True, help="Show the browser window."),
    click.option("--slow-mo", default=0.0, type=click.FloatRange(min=0), help="Milliseconds between actions."),
    click.option("--record", is_flag=True, help="Record a publishable video of the run into recordings/."),
    click.option("--trace", is_flag=True, help="With --record: keep a Playwright trace of the non-secret parts."),
    click.option("--sf-login", is_flag=True, help="Then run `sf org login jwt` with the new credentials."),
    click.option("--alias", help="With --sf-login: the alias for the org."),
    click.option("--set-default-dev-hub", is_flag=True, help="With --sf-login: make it the default Dev Hub."),
)


def timeouts(opts: dict[str, Any]):  # noqa: ANN201
    from provisioner.flows.session import Timeouts

    page_ms = opts.get("page_timeout", 60.0) * 1000
    return Timeouts(page_ms=page_ms, mail_s=opts.get("mail_timeout", 180.0), settle_ms=max(page_ms, 60_000))


def optional_mailbox(sources: SettingsSources):  # noqa: ANN201
    """The mailbox if one is configured at all; a partly configured one is an error (naming what is missing)."""
    if all(sources.get(name, MAILBOX_SETTINGS) is None for name in ("imap_host", "imap_user", "imap_password")):
        return None
    return resolve_mailbox_settings(sources=sources)


def recorder_factory(opts: dict[str, Any]):  # noqa: ANN201
    if not opts.get("record"):
        return None
    try:
        from ..recording import make_recorder
    except ImportError:
        raise ConfigError("--record needs the recording module, which this installation lacks") from None
    return lambda org, spec, secrets: make_recorder(org=org, spec=spec, secrets=secrets, trace=opts.get("trace"),
                                                    slow_mo_ms=opts.get("slow_mo") or 0)


def make_progress(as_json: bool, secrets):  # noqa: ANN001, ANN201
    from ..progress import Progress

    return Progress(mode="json" if as_json else "auto", secrets=secrets)


def run_and_report(options, opts: dict[str, Any], *, sim_note: str | None = None) -> dict[str, Any]:  # noqa: ANN001
    """Run the set-up, print the result (JSON or text), hand off to `sf` if asked. Returns the result."""
    from ..one_shot import run_setup

    if opts.get("sf_login") and shutil.which("sf") is None:
        raise ConfigError(SF_MISSING)  # say so before spending minutes in the browser
    progress = make_progress(opts["as_json"], options.secrets)
    result = run_setup(options, progress)
    shown = dict(result)
    if not opts["show_secret"]:
        shown["consumer_secret"] = mask(result["consumer_secret"], keep=0) if result.get("consumer_secret") else None
    if opts.get("sf_login") and not options.dry_run:
        shown["sf_login"] = sf_login(result, alias=opts.get("alias"), dev_hub=opts.get("set_default_dev_hub"))
    if opts["as_json"]:
        click.echo(json.dumps(shown))
    else:
        _print_text(shown, options.dry_run, sim_note)
    return result


def _print_text(result: dict[str, Any], dry_run: bool, note: str | None) -> None:
    if dry_run:
        click.echo("Plan (dry run, nothing changed):")
        for line in result.get("plan") or ["nothing to change"]:
            click.echo(f"  - {line}")
        return
    click.echo(f"App {result['app_name']} ({result['api_name']}): {result['status']}")
    for line in result.get("changes") or []:
        click.echo(f"  changed: {line}")
    click.echo(f"  consumer key:     {result['consumer_key']}")
    click.echo(f"  consumer secret:  {result['consumer_secret']}")
    click.echo(f"  username:         {result['username']}")
    click.echo(f"  instance:         {result['instance_url']}")
    click.echo(f"  private key:      {result['private_key_path']}")
    click.echo(f"  certificate:      {result['certificate_path']}")
    click.echo(f"  credentials:      {', '.join(result.get('credentials_files') or [])}")
    click.echo(f"  verified:         {'yes (JWT bearer token exchange succeeded)' if result['verified'] else 'no'}")
    if result.get("recording"):
        click.echo(f"  recording:        {result['recording']}")
    if note:
        click.echo(note)


SF_MISSING = ("`sf` is not on PATH: install the Salesforce CLI (npm install --global @salesforce/cli, Node 22+), "
              "then run again with --sf-login")


def sf_login(result: dict[str, Any], *, alias: str | None, dev_hub: bool) -> str:
    """Run `sf org login jwt` with the new credentials; explain how to install `sf` when it is missing."""
    sf = shutil.which("sf")
    if sf is None:
        raise ConfigError(SF_MISSING)
    cmd = [sf, "org", "login", "jwt", "--client-id", result["consumer_key"], "--jwt-key-file",
           result["private_key_path"], "--username", result["username"], "--instance-url", result["login_url"]]
    if alias:
        cmd += ["--alias", alias]
    if dev_hub:
        cmd += ["--set-default-dev-hub"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise ProvisionerError(f"`sf org login jwt` failed (exit {proc.returncode}): {last}")
    return "ok"
