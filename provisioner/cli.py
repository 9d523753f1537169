"""The `provisioner` command. Each subcommand lives in provisioner/commands/<name>.py and exposes `command`."""

from __future__ import annotations

import importlib
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
            click.echo(f"error: {exc}", err=True)
            for path in exc.artifacts:
                click.echo(f"  saved: {path}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


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
