"""`provisioner soak`: run the job many times against simulated orgs with faults; count correct, failed by cause.

`--via both` (the default) runs the same seeded soak over the Setup pages and over the API, one after the other, and
prints the figures side by side: the default path of `setup` is `auto` (the API where the org allows it), but orgs
that do not allow it take the pages, so both must hold. The target holds for each path on its own."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import RunFailedError


@click.command("soak")
@click.option("--runs", default=200, show_default=True, type=click.IntRange(min=1), help="Orgs to provision.")
@click.option("--orgs-per-job", default=2, show_default=True, type=click.IntRange(min=1, max=8),
              help="Runs that share one job (its browser and concurrency).")
@click.option("--faults", default=None, help="name=rate,... (sim/faults.py; `all=RATE` for every fault). "
                                             "Default: the soak's profile.")
@click.option("--browser-kill-rate", default=None, type=click.FloatRange(0, 1),
              help="Chance per job that Chromium is killed mid-run.")
@click.option("--latency", type=click.Choice(["fast", "realistic"]), default="fast", show_default=True)
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same faults.")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep every job's inventory, reports and credentials here (default: a temporary directory).")
@click.option("--via", type=click.Choice(["both", "browser", "api", "auto"]), default="both", show_default=True,
              help="The path every run takes (the inventory's `via`); both: the same soak over each, side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object (per path with both).")
def command(runs, orgs_per_job, faults, browser_kill_rate, latency, seed, work_dir, via, as_json) -> None:  # noqa: ANN001
    """Run the job many times against simulated orgs with faults; count correct, failed by cause."""
    from ..sim.faults import parse_faults
    from ..soak import BOTH, DEFAULT_BROWSER_KILL_RATE, DEFAULT_FAULTS, SoakOptions, run_soaks, side_by_side

    faults = DEFAULT_FAULTS if faults is None else faults
    parse_faults(faults)  # a bad profile is named before any org starts
    options = SoakOptions(runs=runs, orgs_per_job=orgs_per_job, faults=faults, latency=latency, seed=seed,
                          browser_kill_rate=DEFAULT_BROWSER_KILL_RATE if browser_kill_rate is None
                          else browser_kill_rate, work_dir=work_dir)
    paths = BOTH if via == "both" else (via,)
    reports = run_soaks(options, paths, progress=lambda line: click.echo(line, err=True))
    if as_json:
        figures = {path: report.as_json() for path, report in reports.items()}
        click.echo(json.dumps(figures if via == "both" else figures[via], sort_keys=True))
    else:
        for line in side_by_side(reports):
            click.echo(line)
    sys.stdout.flush()
    missed = [path for path, report in reports.items() if not report.passed]
    if missed:
        raise RunFailedError(f"the soak missed its target over {' and '.join(missed)} (>= 99 % correct, no "
                              "duplicates, no wrong credentials, no secret in the output)")
