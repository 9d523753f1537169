"""`provisioner verify`: prove a consumer key, username and private key work, with a JWT bearer token exchange."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from ..certs import load_private_key
from ..config import SettingsSources
from ..hosts import check_login_url
from ..errors import ConfigError, ProvisionerError
from ..verify import verify_with_retry

# flag -> environment variable (docs/internals.md); flags win over the environment, which wins over the .env file
_ENV_NAMES = {
    "login_url": "SALESFORCE_LOGIN_URL",
    "username": "SALESFORCE_USERNAME",
    "consumer_key": "SALESFORCE_CONSUMER_KEY",
    "private_key": "SALESFORCE_JWT_KEY_FILE",
}


def _settings(flags: dict[str, str | None], env_file: str | None) -> dict[str, str]:
    # a .env file is read only when named: one that came with a cloned repository must not choose the token endpoint
    file_values = SettingsSources(env={}, env_file=env_file).dotenv if env_file else {}
    settings, missing = {}, []
    for name, env_name in _ENV_NAMES.items():
        value = flags.get(name) or os.environ.get(env_name) or file_values.get(env_name) or ""
        if not value.strip():
            missing.append(f"--{name.replace('_', '-')} / {env_name}")
        settings[name] = value.strip()
    if missing:
        raise ConfigError("missing " + ", ".join(missing))
    settings["login_url"] = check_login_url(settings["login_url"].rstrip("/"), "--login-url / SALESFORCE_LOGIN_URL")
    return settings


@click.command("verify")
@click.option("--login-url", help="Token endpoint host, e.g. https://login.salesforce.com [SALESFORCE_LOGIN_URL].")
@click.option("--username", help="The user the token is for [SALESFORCE_USERNAME].")
@click.option("--consumer-key", help="The app's consumer key [SALESFORCE_CONSUMER_KEY].")
@click.option("--private-key", type=click.Path(dir_okay=False),
              help="PEM private key matching the app's certificate [SALESFORCE_JWT_KEY_FILE].")
@click.option("--audience", help="JWT `aud` (default: test.salesforce.com for sandboxes, login.salesforce.com else).")
@click.option("--env-file", type=click.Path(dir_okay=False), help="Read settings from this .env file (never read unless named).")
@click.option("--retry-seconds", default=300.0, show_default=True, type=click.FloatRange(min=0),
              help="Keep retrying this long while the org still propagates a just-saved app.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (also on failure).")
def command(login_url, username, consumer_key, private_key, audience, env_file, retry_seconds, as_json) -> None:
    """Exchange a signed JWT for an access token; print the instance URL, user id and org id."""
    try:
        settings = _settings({"login_url": login_url, "username": username, "consumer_key": consumer_key,
                              "private_key": private_key}, env_file)
        load_private_key(settings["private_key"])  # a clear message for a missing or unusable key file
        key_pem = Path(settings["private_key"]).read_text()

        def progress(attempt: int, error: str | None) -> None:
            if not as_json:
                click.echo(f"attempt {attempt}: still propagating, retrying", err=True)

        result = verify_with_retry(settings["login_url"], settings["consumer_key"], settings["username"], key_pem,
                                   audience=audience, budget_seconds=retry_seconds, on_attempt=progress)
    except ProvisionerError as exc:
        if not as_json:
            raise
        click.echo(json.dumps({"ok": False, "error": str(exc), "exit_code": exc.exit_code}))
        sys.exit(exc.exit_code)
    if as_json:
        click.echo(json.dumps({"ok": True, "username": settings["username"], "instance_url": result.instance_url,
                               "user_id": result.user_id, "org_id": result.org_id}))
        return
    click.echo(f"ok: {settings['username']} can log in with the JWT bearer flow")
    click.echo(f"instance_url  {result.instance_url}")
    click.echo(f"user_id       {result.user_id}")
    click.echo(f"org_id        {result.org_id}")
