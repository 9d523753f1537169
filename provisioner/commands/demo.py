"""`provisioner demo`: the whole set-up against a simulated org with its own mailbox, on a fresh machine."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .. import cli_json
from ..config import mailbox_settings_from, org_settings_from
from ..spec import load_spec
from . import common
from .options import OutputFlags, RunFlags


@click.command("demo")
@click.option("--latency", type=click.Choice(["fast", "realistic"]), default="realistic", show_default=True,
              help="Simulated page and mail delays (realistic: Salesforce-like, for watching and recording).")
@click.option("--seed", type=int, default=None, help="Seed for the simulated org's ids and codes.")
@click.option("--spec", type=click.Path(dir_okay=False), help="App spec TOML (default: the Salesforce CLI JWT app).")
@click.option("--out-dir", default="out/demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "output_format", type=click.Choice(["env", "json", "both"]), default="both",
              show_default=True)
@click.option("--show-secret", is_flag=True, help="Print the (simulated) consumer secret.")
@click.option("--json", "as_json", is_flag=True, help="Progress as JSON lines; the result as one JSON object.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--slow-mo", default=None, type=click.FloatRange(min=0),
              help="Milliseconds between actions (default 0; 250 with --record).")
@click.option("--record", is_flag=True, help="Record a publishable video into recordings/.")
@click.option("--trace", is_flag=True, help="With --record: also a Playwright trace of the non-secret parts.")
def command(latency, seed, spec, out_dir, output_format, show_secret, as_json, headed, slow_mo, record, trace) -> None:
    """Start a simulated org, provision the JWT app in it through the browser, verify, and shut down."""
    from ..sim.app import SimOptions, start_sim

    started = time.monotonic()
    run = RunFlags(show_secret=show_secret, as_json=as_json, headed=headed, record=record, trace=trace,
                   slow_mo=(250.0 if record else 0.0) if slow_mo is None else slow_mo)
    output = OutputFlags(out_dir=out_dir, output_format=output_format, credentials_env=None, credentials_json=None,
                         key=None, cert=None)
    with start_sim(SimOptions(latency=latency, seed=seed)) as sim:
        info = sim.info()
        org = org_settings_from(login_url=info["login_url"], username=info["username"], password=info["password"],
                                totp_secret=info["totp_secret"], email=info["email"], where="the simulated org")
        mailbox = mailbox_settings_from(host=info["imap_host"], port=int(info["imap_port"]), user=info["imap_user"],
                                        password=info["imap_password"], ssl=bool(info["imap_ssl"]),
                                        folder=info.get("imap_folder"))
        common.run_secrets().update([*org.secrets(), *mailbox.secrets()])
        task = common.org_task(org, mailbox, load_spec(spec, default_contact_email=org.username), output, run)
        note = f"Simulated org {info['org_name']} at {info['login_url']} ({latency} latency); it shuts down now."
        common.run_and_report(task, run, sim_note=note)
    if not cli_json.requested(as_json):  # also SF_CONTENT_TYPE=JSON: stdout holds only the JSON object
        click.echo(f"Demo finished in {time.monotonic() - started:.1f} s; files are in {Path(out_dir).resolve()}")
