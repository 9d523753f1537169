"""The `provisioner` command. Each subcommand lives in provisioner/commands/<name>.py and exposes `command`.

Subcommands are imported only when run (or asked for their own --help): `provisioner --help` must not pay for
Playwright and the flows. Their one-line summaries are listed here; a test keeps them equal to the commands' own.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from . import cli_json
from .errors import ProvisionerError
from .redact import SecretSet


#: name -> one-line summary, in the order `--help` lists them (the order of a first read)
COMMANDS = {
    "demo": "Start a simulated org, provision the JWT app in it through the browser, verify, and shut down.",
    "setup": "Log in to the org, make sure the app exists as the spec says, reveal its key and secret, verify them.",
    "probe": "Walk an org's Setup pages read-only and report every locator the spec's run needs.",
    "verify": "Exchange a signed JWT for an access token; print the instance URL, user id and org id.",
    "cert": "Create server.key (0600) and a self-signed server.crt to upload to the app.",
    "sim": "Serve a simulated Salesforce org; print its details as one JSON line; run until SIGINT/SIGTERM.",
    "run": "Provision every org of INVENTORY (TOML): create or repair the app, write and verify credentials.",
    "report": "Work with `provisioner run` reports.",
    "rotate": "Give the app a new consumer key and secret: stage, prove, write, switch, prove again, delete the old.",
    "soak": "Run the job many times against simulated orgs with faults; count correct, failed by cause.",
}


class _Group(click.Group):
    """Turns every expected failure into one line on stderr and its own exit code, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)  # one added with add_command
        return importlib.import_module(f"provisioner.commands.{name}").command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, summary in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        ctx.obj = SecretSet()  # commands add the secrets they read; every line printed here is masked with them
        cli_json.reset()
        # --json (or SF_CONTENT_TYPE=JSON): a failure is also one JSON object on stdout, shaped like the Salesforce
        # CLI's (provisioner/cli_json.py); read before click hands the arguments on to the subcommand
        as_json = cli_json.requested(args=[*getattr(ctx, "_protected_args", []), *ctx.args])
        try:
            return super().invoke(ctx)
        except ProvisionerError as exc:
            where = f" (screenshot and page HTML, secrets masked: {', '.join(exc.artifacts)})" if exc.artifacts else ""
            click.echo(ctx.obj.mask(f"error: {exc}{where}"), err=True)
            if as_json:
                cli_json.print_failure(type(exc).__name__, f"{exc}{where}", exc.exit_code, secrets=ctx.obj,
                                       data=getattr(exc, "data", None))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            if as_json:
                cli_json.print_failure("Interrupted", "interrupted", 130)
            sys.exit(130)
        except click.ClickException as exc:
            if as_json:  # click still prints the usage line on stderr
                cli_json.print_failure(type(exc).__name__, exc.format_message(), exc.exit_code, secrets=ctx.obj)
            raise
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug of ours: still one line, the traceback only on request
            if os.environ.get("PROVISIONER_DEBUG"):
                raise
            first = ctx.obj.mask((str(exc).strip().splitlines() or [""])[0])
            message = f"internal error ({type(exc).__name__}: {first}); set PROVISIONER_DEBUG=1 for the traceback"
            click.echo(f"error: {message}", err=True)
            if as_json:
                cli_json.print_failure("InternalError", message, 1, secrets=ctx.obj)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="salesforce-eca-provisioner")
def main() -> None:
    """Set up Salesforce External Client Apps by driving Setup in a real browser."""


if __name__ == "__main__":  # `python3 -m provisioner.cli ...` without installing
    main()
