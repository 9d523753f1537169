"""`provisioner setup`: create (or repair) the External Client App in one org and write working credentials."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import load_spec, resolve_mailbox_settings, resolve_org_settings, SettingsSources
from ..errors import ConfigError
from ..one_shot import OutputOptions, SetupOptions, run_setup
from . import common


@click.command("setup")
@common.org_options
@common.mailbox_options
@common.spec_options
@common.output_options
@common.run_options
def command(env_file, spec, spec_overrides, **opts) -> None:
    """Log in to the org, make sure the app exists as the spec says, reveal its key and secret, verify them."""
    sources = SettingsSources(flags=common.pick(opts, common.ORG_FLAGS + common.MAILBOX_FLAGS), env_file=env_file)
    org = resolve_org_settings(sources=sources)
    mailbox = common.optional_mailbox(sources)
    app_spec = load_spec(spec, spec_overrides, default_contact_email=org.username if "@" in org.username else None)
    options = SetupOptions(
        org=org, spec=app_spec, mailbox=mailbox,
        output=OutputOptions(out_dir=Path(opts["out_dir"]), format=opts["output_format"],
                             env_file=common.path_or_none(opts["credentials_env"]),
                             json_file=common.path_or_none(opts["credentials_json"])),
        key_path=common.path_or_none(opts["key"]), cert_path=common.path_or_none(opts["cert"]),
        dry_run=opts["dry_run"], verify=opts["verify"], verify_seconds=opts["verify_seconds"],
        headless=not opts["headed"], slow_mo_ms=opts["slow_mo"],
        recorder_factory=common.recorder_factory(opts), timeouts=common.timeouts(opts),
    )
    common.run_and_report(options, opts)
