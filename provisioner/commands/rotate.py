"""`provisioner rotate`: give the app a new consumer key and secret without a moment of broken credentials.

Logs in like `setup` (the browser login's session is the API session; `--target-org` takes the Salesforce CLI's),
or takes an API session from a file (`--session-file`, for automation that holds one). The rotation itself is
provisioner/api/rotation.py; the credentials files are the ones `setup` wrote with the same output options.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import click

from .. import cli_json, logs, stored_credentials
from ..credentials import mask
from ..errors import ConfigError
from . import common, options
from .options import ConnectionFlags, OutputFlags, SpecFlags

DEFAULT_PROVE_SECONDS = 600.0
PROVERS = ("auto", "jwt", "client-credentials", "both")  # provisioner/api/rotation.py PROVERS

ROTATE_OPTIONS = (
    click.option("--session-file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="An API session id or access token in a file ('-': standard input) instead of logging in; "
                      "the org is the credentials file's instance URL, or --instance-url."),
    click.option("--instance-url", help="The org's My Domain URL, with --session-file."),
    click.option("--prove", type=click.Choice(PROVERS), default="auto", show_default=True,
                 help="How each new pair proves itself: JWT bearer with the key as issuer, client credentials with "
                      "key and secret, or both; auto: JWT where the private key is at hand, else client credentials."),
    click.option("--prove-seconds", default=DEFAULT_PROVE_SECONDS, show_default=True, type=click.FloatRange(min=0),
                 help="How long a token exchange is retried while the org answers as a propagating app."),
    click.option("--show-secret", is_flag=True, help="Print the new consumer secret (masked otherwise)."),
    click.option("--page-timeout", default=60.0, show_default=True, type=click.FloatRange(min=1),
                 help="Seconds to wait for one page of the login."),
    click.option("--mail-timeout", default=180.0, show_default=True, type=click.FloatRange(min=1),
                 help="Seconds to wait for a verification email at login."),
    click.option("--headed", is_flag=True, help="Show the browser window of the login."),
    click.option("--json", "as_json", is_flag=True,
                 help="The result as one JSON object on stdout (failures too); progress as JSON lines on stderr."),
)


@dataclass(frozen=True)
class RotateFlags:
    session_file: str | None
    instance_url: str | None
    prove: str
    prove_seconds: float
    show_secret: bool
    page_timeout: float
    mail_timeout: float
    headed: bool
    as_json: bool


@click.command("rotate")
@options.group(ConnectionFlags, *options.CONNECTION_OPTIONS)
@options.group(SpecFlags, *options.SPEC_OPTIONS)
@options.group(OutputFlags, *options.OUTPUT_OPTIONS)
@options.group(RotateFlags, *ROTATE_OPTIONS)
def command(connection_flags: ConnectionFlags, spec_flags: SpecFlags, output_flags: OutputFlags,
            rotate_flags: RotateFlags) -> None:
    """Give the app a new consumer key and secret: stage, prove, write, switch, prove again, delete the old."""
    from ..api import rotation
    from ..one_org import CredentialTargets
    from ..progress import Progress

    secrets = common.run_secrets()
    logs.configure(output_flags.verbose, output_flags.quiet, secrets=secrets)
    as_json = cli_json.requested(rotate_flags.as_json)
    env_file, json_file = output_flags.targets()
    targets = CredentialTargets(env_file=env_file, json_file=json_file, format=output_flags.credential_format())
    stored = stored_credentials.read(targets)
    if stored is None:
        paths = ", ".join(map(str, targets.paths()))
        raise ConfigError(f"no credentials to rotate in {paths}: give the output options `setup` wrote them with "
                          "(--out-dir, --format, --credentials-env/--credentials-json)")
    targets.check_writable()
    secrets.update([s for s in (stored.consumer_secret,) if s])
    spec = spec_flags.load(default_contact_email=stored.username if "@" in stored.username else None)
    if stored.api_name and stored.api_name != spec.api_name:
        raise ConfigError(f"the credentials file belongs to app {stored.api_name}, not {spec.api_name}: give its spec "
                          "(--spec / --api-name)")
    key_path, cert_path = _key_pair_paths(output_flags)
    if rotate_flags.prove in ("jwt", "both") and key_path is None:  # said before the login, not after it
        raise ConfigError("--prove jwt needs the private key setup used (--out-dir's server.key, or --key/--cert)")
    if rotate_flags.prove in ("client-credentials", "both") and not stored.consumer_secret:
        raise ConfigError("--prove client-credentials needs the consumer secret in the credentials file (this "
                          "credentials style stores none)")
    progress = Progress(mode="json" if as_json else "auto", secrets=secrets)
    api = _api_session(connection_flags, rotate_flags, stored, secrets, progress)
    result = rotation.rotate_targets(api, spec.api_name, targets, key_path=key_path, cert_path=cert_path,
                                     progress=progress, secrets=secrets, prove=rotate_flags.prove,
                                     prove_seconds=rotate_flags.prove_seconds, instance_url=rotate_flags.instance_url)
    shown = result.summary()
    if not rotate_flags.show_secret:
        shown["consumer_secret"] = mask(result.consumer_secret, keep=0)
    if as_json:
        cli_json.print_success(shown)
        return
    click.echo(f"App {result.app_name or spec.name} ({result.api_name}): rotated"
               f"{' (finished the rotation under way)' if result.resumed else ''}")
    click.echo(f"  consumer key:     {result.consumer_key}")
    click.echo(f"  consumer secret:  {shown['consumer_secret']}")
    click.echo(f"  previous key:     {result.previous_key} (deleted)")
    click.echo(f"  credentials:      {', '.join(result.credentials)}")


def _key_pair_paths(output: OutputFlags) -> tuple[Path | None, Path | None]:
    """The pair `setup` used with these options (never a new one: a rotation changes no certificate)."""
    if bool(output.key) != bool(output.cert):
        raise ConfigError("a private key and its certificate go together (--key with --cert)")
    key, cert = (Path(output.key), Path(output.cert)) if output.key else (Path(output.out_dir) / "server.key",
                                                                         Path(output.out_dir) / "server.crt")
    if not key.is_file():
        if output.key:
            raise ConfigError(f"private key {key} does not exist")
        return None, None
    return key, cert if cert.is_file() else None


def _api_session(connection: ConnectionFlags, flags: RotateFlags, stored, secrets, progress):  # noqa: ANN001, ANN202
    """The session from --session-file, else from a login like setup's (the login's own session)."""
    from ..api.from_login import my_domain_url
    from ..api.session import ApiSession

    if flags.session_file:
        from ..hosts import check_login_url

        token = options._read_secret_file(flags.session_file, "--session-file")
        if not token:
            raise ConfigError(f"--session-file {flags.session_file} holds no session id")
        secrets.add(token)
        instance = flags.instance_url or stored.instance_url
        if not instance:
            raise ConfigError("--session-file needs the org's My Domain: --instance-url (the credentials file names "
                              "none)")
        return ApiSession(instance_url=my_domain_url(check_login_url(instance, "--instance-url")), session_id=token)
    org, mailbox = connection.resolve()
    secrets.update([*org.secrets(), *(mailbox.secrets() if mailbox else [])])
    if org.sf_target_org:  # the Salesforce CLI holds a session already: no browser needed for an API session
        from ..api.from_login import from_cli

        with progress.step("login", f"the Salesforce CLI's session of {org.sf_target_org}"):
            return from_cli(org.sf_target_org, flags.instance_url or stored.instance_url or org.login_url, secrets)
    with progress.step("login", f"{org.username} at {org.login_url}"):
        return asyncio.run(_browser_session(org, mailbox, flags, secrets))


async def _browser_session(org, mailbox, flags: RotateFlags, secrets):  # noqa: ANN001, ANN202
    from playwright.async_api import async_playwright

    from ..api.from_login import api_session
    from ..browser import launch_browser_async
    from ..flows.session import FlowSession, Timeouts
    from ..provision import enter_org

    timeouts = Timeouts(page_ms=flags.page_timeout * 1000, mail_s=flags.mail_timeout,
                        settle_ms=max(flags.page_timeout * 1000, 60_000))
    code_waiter = None
    if mailbox is not None:
        from ..mail import CodeWaiter

        # as setup's login: Salesforce mails the user's address, the mailbox's login in every set-up we know of
        recipient = org.email or (mailbox.user if "@" in mailbox.user else org.username)
        code_waiter = lambda purpose: CodeWaiter(mailbox, recipient=recipient, username=org.username)  # noqa: E731
    async with async_playwright() as playwright:
        browser = await launch_browser_async(playwright, headless=not flags.headed)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            page.set_default_timeout(timeouts.page_ms)
            session = FlowSession(page=page, timeouts=timeouts, code_waiter=code_waiter, secrets=secrets)
            instance_url = await enter_org(session, org)
            return await api_session(context, org, instance_url, secrets)
        finally:
            await browser.close()
