"""`provisioner report merge OUT.json IN.json...`: join the shard reports of one nightly run."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import RunFailedError
from .. import github_actions
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
def merge(out: Path, inputs: tuple[Path, ...], junit_path: Path | None, check: bool) -> None:
    """Merge shard reports IN... into OUT (an org found in two reports is an error)."""
    merged = merge_reports((str(path), load_report(path)) for path in inputs)
    write_report_json(merged, out)
    if junit_path:
        write_junit(merged, junit_path)
    github_actions.append_step_summary(step_summary(merged))
    click.echo(f"{out}: {merged.summary_line()} from {len(inputs)} report(s)")
    if check and merged.failed:
        names = ", ".join(o.name for o in merged.failed)
        raise RunFailedError(f"{len(merged.failed)} of {len(merged.orgs)} org(s) failed: {names}")
