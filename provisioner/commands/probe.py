"""`provisioner probe`: a read-only walk of a real org's Setup pages, written as a bundle for a bug report."""

from __future__ import annotations

from pathlib import Path

import click

from .. import cli_json
from ..errors import ProvisionerError
from ..flows.locators import registry
from ..flows.session import Timeouts
from ..probe import ProbeRequest, check_outcome, default_bundle, run_probe
from . import common, options
from .options import ConnectionFlags, SpecFlags


@click.command("probe")
@options.group(ConnectionFlags, *options.CONNECTION_OPTIONS)
@options.group(SpecFlags, *options.SPEC_OPTIONS)
@options.LOCATORS_OPTION
@click.option("--bundle", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the report into (new; default: out/probe-<date>-<time>).")
@click.option("--page-timeout", default=60.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds to wait for one Setup page.")
@click.option("--mail-timeout", default=180.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds to wait for a login verification email.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report (as written to report.json) as the `result` of one JSON object shaped like the "
                   "Salesforce CLI's (on failure: its `data`; or SF_CONTENT_TYPE=JSON) instead of a summary.")
def command(connection_flags: ConnectionFlags, spec_flags: SpecFlags, locators: str | None, bundle: Path | None,
            page_timeout: float, mail_timeout: float, headed: bool, as_json: bool) -> None:
    """Walk an org's Setup pages read-only and report every locator the spec's run needs.

    Logs in as setup does and visits every page and control the spec's run would use, changing nothing (forms are
    opened and cancelled). Each locator is found, missing or ambiguous; for a relabelled control the report proposes
    an override line for --locators. Writes a bundle for a bug report. Exit 0 only when everything resolves, else 34.
    """
    with registry.apply_file(locators):  # a bad overrides file fails before anything else happens
        org, mailbox = connection_flags.resolve()
        secrets = common.run_secrets()
        secrets.update([*org.secrets(), *(mailbox.secrets() if mailbox else [])])
        spec = spec_flags.load(default_contact_email=org.username if "@" in org.username else None)
        page_ms = page_timeout * 1000
        request = ProbeRequest(org=org, spec=spec, mailbox=mailbox, bundle=bundle or default_bundle(),
                               timeouts=Timeouts(page_ms=page_ms, mail_s=mail_timeout,
                                                 settle_ms=max(page_ms, 60_000)))
        outcome = run_probe(request, secrets=secrets, headless=not headed)
    if not cli_json.requested(as_json):
        click.echo(outcome.summary)
        check_outcome(outcome)
        return
    try:
        check_outcome(outcome)
    except ProvisionerError as exc:
        exc.data = outcome.report  # the CLI's error object carries the report as its `data`
        raise
    cli_json.print_success(outcome.report)
