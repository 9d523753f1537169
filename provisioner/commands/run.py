"""`provisioner run INVENTORY.toml`: the nightly job over many orgs (see docs/nightly.md)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from .. import cli_json, github_actions, logs
from ..errors import RunFailedError
from ..flows.locators import registry
from ..job.events import JobEvents
from ..job.inventory import load_inventory
from ..job.lock import InventoryLock
from ..job.reports import step_summary, write_junit, write_report_json
from ..job.runner import JobRunner, RunOptions, default_concurrency
from ..job.shard import parse_shard
from .options import LOCATORS_OPTION


@click.command("run")
@click.argument("inventory", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--concurrency", type=click.IntRange(min=1),
              help="Orgs in a browser at once (default: the inventory's, else what this machine can keep busy).")
@click.option("--budget-seconds", type=click.FloatRange(min=1), help="Time budget per org, all attempts together.")
@click.option("--retries", type=click.IntRange(min=0), help="Extra attempts after a transient failure.")
@click.option("--shard", "shard_text", metavar="K/N", help="Run only shard K of N (stable: by hash of org name).")
@click.option("--dry-run", is_flag=True, help="Plan only: log in and compare, change nothing, write nothing.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON report (default: <output_dir>/report.json; report-K-of-N.json with --shard; "
                   "plan.json with --dry-run).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), help="JUnit XML report.")
@click.option("--json", "json_lines", is_flag=True,
              help="Progress as JSON lines on stderr; the run's result as one JSON object on stdout, shaped like the "
                   "Salesforce CLI's (or SF_CONTENT_TYPE=JSON).")
@click.option("--record", is_flag=True, help="Record each org's walk-through into recordings/ (secrets covered).")
@click.option("-v", "--verbose", count=True, help="More log detail (-v: info, -vv: debug); secrets stay masked.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines; log errors only (the summary line stays).")
@LOCATORS_OPTION
def command(inventory: Path, concurrency, budget_seconds, retries, shard_text, dry_run, report_path, junit_path,
            json_lines, record, verbose, quiet, locators) -> None:
    """Provision every org of INVENTORY (TOML): create or repair the app, write and verify credentials."""
    with registry.apply_file(locators):  # every org of the job, process-wide
        _run(inventory, concurrency, budget_seconds, retries, shard_text, dry_run, report_path, junit_path,
             json_lines, record, verbose, quiet)


def _run(inventory: Path, concurrency, budget_seconds, retries, shard_text, dry_run, report_path, junit_path,  # noqa: ANN001
         json_lines, record, verbose=0, quiet=False) -> None:
    json_lines = cli_json.requested(json_lines)
    inv = load_inventory(inventory)
    # with --json, stdout carries only the result object: the progress lines go to stderr
    events = JobEvents(json_lines=json_lines, quiet=quiet, stream=sys.stderr if json_lines else None)
    logs.configure(verbose, quiet, secrets=events.secrets)
    for warning in inv.warnings:
        cli_json.warn(warning)
    shard = parse_shard(shard_text)
    if report_path is None:
        stem = "plan" if dry_run else "report"  # a dry run never overwrites the last real report
        name = f"{stem}.json" if shard.total == 1 else f"{stem}-{shard.index}-of-{shard.total}.json"
        report_path = inv.defaults.output_dir / name
    options = RunOptions(
        concurrency=concurrency or inv.defaults.concurrency or default_concurrency(),
        budget_seconds=budget_seconds or inv.defaults.budget_seconds,
        retries=inv.defaults.retries if retries is None else retries,
        shard=shard, dry_run=dry_run, record=record, report_path=str(report_path),
    )
    runner = JobRunner(inv, options, events=events)
    with InventoryLock(inv.lock_path):
        report = asyncio.run(runner.run())
    write_report_json(report, report_path, secrets=runner.secrets)
    if junit_path:
        write_junit(report, junit_path, secrets=runner.secrets)
    github_actions.append_step_summary(step_summary(report, secrets=runner.secrets))
    if not json_lines:
        click.echo(f"report: {report_path}" + (f", junit: {junit_path}" if junit_path else ""))
    result = _result(report, report_path, junit_path, runner.secrets)
    failed = report.failed
    if failed:
        names = ", ".join(o.name for o in failed)
        error = RunFailedError(f"{len(failed)} of {len(report.orgs)} org(s) failed: {names} (details in {report_path})")
        error.data = result if json_lines else None  # the CLI's error object carries the result as its `data`
        raise error
    if json_lines:
        cli_json.print_success(result)


def _result(report, report_path: Path, junit_path: Path | None, secrets) -> dict:  # noqa: ANN001
    """The run in one object: where the reports are, the counts, each org's outcome (secrets masked)."""
    orgs = [{"name": o.name, "status": o.status, "verified": o.verified, "changes": o.changes, "plan": o.plan,
             "credentials": o.credentials, "cause": o.cause, "exit_code": o.exit_code} for o in report.orgs]
    return secrets.mask_data({"report": str(report_path), "junit": str(junit_path) if junit_path else None,
                              "summary": report.summary(), "orgs": orgs})

