"""`provisioner report merge OUT.json IN.json...`: join the shard reports of one nightly run."""

from __future__ import annotations

from pathlib import Path

import click

from .. import cli_json, github_actions
from ..errors import RunFailedError
from ..job.reports import load_report, merge_reports, step_summary, write_junit, write_report_json


@click.group("report")
def command() -> None:
    """Work with `provisioner run` reports."""


@command.command("merge")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the merged report as JUnit XML.")
@click.option("--check", is_flag=True, help="Exit non-zero (like `run`) when any org in the merged report failed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the Salesforce CLI's shape).")
def merge(out: Path, inputs: tuple[Path, ...], junit_path: Path | None, check: bool, as_json: bool) -> None:
    """Merge shard reports IN... into OUT (an org found in two reports is an error)."""
    merged = merge_reports((str(path), load_report(path)) for path in inputs)
    write_report_json(merged, out)
    if junit_path:
        write_junit(merged, junit_path)
    github_actions.append_step_summary(step_summary(merged))
    if cli_json.requested(as_json):
        cli_json.print_success({"report": str(out), "junit": str(junit_path) if junit_path else None,
                                "summary": merged.summary(), "inputs": [str(path) for path in inputs]})
    else:
        click.echo(f"{out}: {merged.summary_line()} from {len(inputs)} report(s)")
    if check and merged.failed:
        names = ", ".join(o.name for o in merged.failed)
        raise RunFailedError(f"{len(merged.failed)} of {len(merged.orgs)} org(s) failed: {names}")
