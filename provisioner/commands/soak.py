"""`provisioner soak`: run the job many times against simulated orgs with faults; count correct, failed by cause."""

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
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def command(runs, orgs_per_job, faults, browser_kill_rate, latency, seed, work_dir, as_json) -> None:  # noqa: ANN001
    """Run the job many times against simulated orgs with faults; count correct, failed by cause."""
    from ..sim.faults import parse_faults
    from ..soak import DEFAULT_BROWSER_KILL_RATE, DEFAULT_FAULTS, SoakOptions, run_soak

    faults = DEFAULT_FAULTS if faults is None else faults
    parse_faults(faults)  # a bad profile is named before any org starts
    options = SoakOptions(runs=runs, orgs_per_job=orgs_per_job, faults=faults, latency=latency, seed=seed,
                          browser_kill_rate=DEFAULT_BROWSER_KILL_RATE if browser_kill_rate is None
                          else browser_kill_rate, work_dir=work_dir)
    report = run_soak(options, progress=lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(report.as_json(), sort_keys=True))
    else:
        for line in report.lines():
            click.echo(line)
    sys.stdout.flush()
    if not report.passed:
        raise RunFailedError("the soak missed its target (>= 99 % correct, no duplicates, no wrong credentials, "
                              "no secret in the output)")
