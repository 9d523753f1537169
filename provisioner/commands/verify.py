"""`provisioner verify`: prove a consumer key, username and private key work, with a JWT bearer token exchange."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

import click
from .. import cli_json
from ..certs import _parse_private_key, load_private_key
from ..config import SettingsSources
from ..hosts import check_login_url
from ..errors import CertificateError, ConfigError
from ..verify import DEFAULT_BUDGET_SECONDS, is_generic_login_host, verify_with_retry

# flag -> environment variable (docs/internals.md); flags win over the environment, which wins over the .env file
_ENV_NAMES = {
    "login_url": "SALESFORCE_LOGIN_URL",
    "instance_url": "SALESFORCE_INSTANCE_URL",
    "username": "SALESFORCE_USERNAME",
    "consumer_key": "SALESFORCE_CONSUMER_KEY",
    "private_key": "SALESFORCE_JWT_KEY_FILE",
}
#: either is enough: the instance URL alone names its own audience (login or test host)
_ONE_OF = ("login_url", "instance_url")
#: the key itself instead of its file (CI secrets: `setup --embed-key pem|base64` writes these)
_KEY_VARIABLES = ("SALESFORCE_JWT_KEY", "SALESFORCE_JWT_KEY_BASE64")


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')} / {_ENV_NAMES[name]}"


def _settings(flags: dict[str, str | None], env_file: str | None) -> dict[str, str]:
    # a .env file is read only when named: one that came with a cloned repository must not choose the token endpoint
    file_values = SettingsSources(env={}, env_file=env_file).dotenv if env_file else {}
    if env_file and not file_values:
        raise ConfigError(f"env file {env_file} is empty: it sets no variable (--env-file)")
    settings, missing = {}, []
    key_variable = _key_variable(flags, file_values)
    for name, env_name in _ENV_NAMES.items():
        value = flags.get(name) or os.environ.get(env_name) or file_values.get(env_name) or ""
        settings[name] = value.strip()
        if name == "private_key" and key_variable:
            settings[name], settings["private_key_variable"] = "", key_variable
        elif not settings[name] and name not in _ONE_OF:
            missing.append(_flag(name) + (" (or the key itself in " + " / ".join(_KEY_VARIABLES) + ")"
                                          if name == "private_key" else ""))
    if not any(settings[name] for name in _ONE_OF):
        missing.insert(0, " or ".join(_flag(name) for name in _ONE_OF))
    if missing:
        raise ConfigError("missing " + ", ".join(missing))
    for name in _ONE_OF:
        if settings[name]:
            settings[name] = check_login_url(settings[name].rstrip("/"), _flag(name))
    settings["login_url"] = settings["login_url"] or settings["instance_url"]
    if is_generic_login_host(settings["login_url"]) and not settings["instance_url"]:
        # External Client Apps answer app_not_found there: the token request needs the org's own host
        cli_json.warn(f"no instance URL given: the token request goes to {settings['login_url']}, which does not "
                      f"serve External Client Apps; give {_flag('instance_url')} (the org's My Domain URL)")
    return settings


def _key_variable(flags: dict[str, str | None], file_values: dict[str, str]) -> tuple[str, str] | None:
    """(variable, value) when the key comes as text, not as a file: per source (flags, environment, .env file), the
    first of its file, its PEM, its base64 is the one taken."""
    if flags.get("private_key"):
        return None
    for source in (os.environ, file_values):
        if source.get(_ENV_NAMES["private_key"], "").strip():
            return None
        for variable in _KEY_VARIABLES:
            if source.get(variable, "").strip():
                return variable, source[variable]
    return None


def _key_pem(settings: dict) -> str:
    """The private key's PEM, from its file or its variable; CertificateError names the file or variable only."""
    if not settings.get("private_key_variable"):
        load_private_key(settings["private_key"])  # a clear message for a missing or unusable key file
        return Path(settings["private_key"]).read_text()
    variable, value = settings["private_key_variable"]
    text = value.strip()
    if variable.endswith("_BASE64"):
        try:
            text = base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise CertificateError(f"{variable} is not the base64 of a PEM private key") from None
    elif "\n" not in text and "\\n" in text:  # stored with its line breaks escaped, as some CI UIs do
        text = text.replace("\\n", "\n")
    _parse_private_key(Path(variable), text.encode("utf-8"))  # the message names the variable, never the value
    return text if text.endswith("\n") else text + "\n"


@click.command("verify")
@click.option("-o", "--target-org", metavar="ALIAS|USERNAME",
              help="Take the username and instance URL from an org the Salesforce CLI is logged in to.")
@click.option("--login-url", help="The org's login host, which names the JWT audience, e.g. https://login.salesforce.com "
                                  "[SALESFORCE_LOGIN_URL].")
@click.option("--instance-url", help="The org's My Domain URL, where the token request goes (default: the login URL) "
                                     "[SALESFORCE_INSTANCE_URL].")
@click.option("--username", help="The user the token is for [SALESFORCE_USERNAME].")
@click.option("--consumer-key", help="The app's consumer key [SALESFORCE_CONSUMER_KEY].")
@click.option("--private-key", type=click.Path(dir_okay=False),
              help="PEM private key matching the app's certificate [SALESFORCE_JWT_KEY_FILE].")
@click.option("--audience", help="JWT `aud` (default: test.salesforce.com for sandboxes, login.salesforce.com else).")
@click.option("--env-file", type=click.Path(dir_okay=False), help="Read settings from this .env file (never read unless named).")
@click.option("--retry-seconds", default=DEFAULT_BUDGET_SECONDS, show_default=True, type=click.FloatRange(min=0),
              help="Keep retrying this long while the org answers as it does for a just-saved app "
                   "(2-10 minutes, reported up to 30).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object shaped like the Salesforce CLI's (also on failure; or SF_CONTENT_TYPE=JSON).")
def command(target_org, login_url, instance_url, username, consumer_key, private_key, audience, env_file,
            retry_seconds, as_json) -> None:
    """Exchange a signed JWT for an access token; print the instance URL, user id and org id."""
    as_json = cli_json.requested(as_json)
    if target_org is not None:  # the CLI names the user and the My Domain; flags still win
        from ..sf_cli import describe

        cli_org = describe(target_org)
        username, instance_url = username or cli_org.username, instance_url or cli_org.instance_url
    settings = _settings({"login_url": login_url, "instance_url": instance_url, "username": username,
                          "consumer_key": consumer_key, "private_key": private_key}, env_file)
    key_pem = _key_pem(settings)  # a clear message for a missing or unusable key (file or variable)

    def progress(attempt: int, answer: str | None) -> None:
        if not as_json:
            click.echo(f"attempt {attempt} refused ({answer}): a just-saved app answers so while it propagates; "
                       "retrying (Ctrl-C to stop)", err=True)

    result = verify_with_retry(settings["login_url"], settings["consumer_key"], settings["username"], key_pem,
                               instance_url=settings["instance_url"] or None, audience=audience,
                               budget_seconds=retry_seconds, on_attempt=progress)
    if as_json:
        cli_json.print_success({"username": settings["username"], "instance_url": result.instance_url,
                                "user_id": result.user_id, "org_id": result.org_id})
        return
    click.echo(f"ok: {settings['username']} can log in with the JWT bearer flow")
    click.echo(f"instance_url  {result.instance_url}")
    click.echo(f"user_id       {result.user_id}")
    click.echo(f"org_id        {result.org_id}")
