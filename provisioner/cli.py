"""The `provisioner` command. Each subcommand lives in provisioner/commands/<name>.py and exposes `command`."""

from __future__ import annotations

import importlib
import os
import sys

import click

from .errors import ProvisionerError

# Subcommand modules, in the order `--help` lists them.
COMMAND_MODULES = ["demo", "setup", "verify", "cert", "sim", "run", "report"]


class _Group(click.Group):
    """Turns every expected failure into one line on stderr and its own exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ProvisionerError as exc:
            where = f" (screenshot and page HTML, secrets masked: {', '.join(exc.artifacts)})" if exc.artifacts else ""
            click.echo(f"error: {exc}{where}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug of ours: still one line, the traceback only on request
            if os.environ.get("PROVISIONER_DEBUG"):
                raise
            first = (str(exc).strip().splitlines() or [""])[0]
            click.echo(f"error: internal error ({type(exc).__name__}: {first}); "
                       "set PROVISIONER_DEBUG=1 for the traceback", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="provisioner")
def main() -> None:
    """Set up Salesforce External Client Apps by driving Setup in a real browser."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"provisioner.commands.{_name}")
    except ModuleNotFoundError as _exc:  # a command not built yet
        if _exc.name != f"provisioner.commands.{_name}":
            raise
        continue
    main.add_command(_module.command)


if __name__ == "__main__":  # `python3 -m provisioner.cli ...` without installing
    main()
