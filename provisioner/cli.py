"""The `provisioner` command. Each subcommand lives in provisioner/commands/<name>.py and exposes `command`."""

from __future__ import annotations

import os
import sys

import click

from .errors import ProvisionerError
from .redact import SecretSet


class _Group(click.Group):
    """Turns every expected failure into one line on stderr and its own exit code, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order they were added: the order of a first read

    def invoke(self, ctx: click.Context):
        ctx.obj = SecretSet()  # commands add the secrets they read; every line printed here is masked with them
        try:
            return super().invoke(ctx)
        except ProvisionerError as exc:
            where = f" (screenshot and page HTML, secrets masked: {', '.join(exc.artifacts)})" if exc.artifacts else ""
            click.echo(ctx.obj.mask(f"error: {exc}{where}"), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug of ours: still one line, the traceback only on request
            if os.environ.get("PROVISIONER_DEBUG"):
                raise
            first = ctx.obj.mask((str(exc).strip().splitlines() or [""])[0])
            click.echo(f"error: internal error ({type(exc).__name__}: {first}); "
                       "set PROVISIONER_DEBUG=1 for the traceback", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="provisioner")
def main() -> None:
    """Set up Salesforce External Client Apps by driving Setup in a real browser."""


def _add_commands() -> None:
    from .commands import cert, demo, report, run, setup, sim, verify

    for module in (demo, setup, verify, cert, sim, run, report):
        main.add_command(module.command)


_add_commands()


if __name__ == "__main__":  # `python3 -m provisioner.cli ...` without installing
    main()
