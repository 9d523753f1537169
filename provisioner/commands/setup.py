"""`provisioner setup`: create (or repair) the External Client App in one org and write working credentials."""

from __future__ import annotations

import dataclasses

import click

from . import common, options
from .options import ConnectionFlags, OutputFlags, RunFlags, SpecFlags


@click.command("setup")
@options.group(ConnectionFlags, *options.CONNECTION_OPTIONS)
@options.group(SpecFlags, *options.SPEC_OPTIONS)
@options.group(OutputFlags, *options.OUTPUT_OPTIONS)
@options.group(RunFlags, *options.RUN_OPTIONS)
def command(connection_flags: ConnectionFlags, spec_flags: SpecFlags, output_flags: OutputFlags,
            run_flags: RunFlags) -> None:
    """Log in to the org, make sure the app exists as the spec says, reveal its key and secret, verify them."""
    from ..flows.locators import registry

    with registry.apply_file(run_flags.locators):  # a bad overrides file fails before anything else happens
        org, mailbox = connection_flags.resolve()
        common.run_secrets().update([*org.secrets(), *(mailbox.secrets() if mailbox else [])])
        spec = spec_flags.load(default_contact_email=org.username if "@" in org.username else None)
        task = dataclasses.replace(common.org_task(org, mailbox, spec, output_flags, run_flags), via=run_flags.via)
        common.run_and_report(task, run_flags)
