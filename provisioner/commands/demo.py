"""`provisioner demo`: the whole set-up against a simulated org with its own mailbox, on a fresh machine."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..config import MailboxSettings, OrgSettings, load_spec
from ..one_shot import OutputOptions, SetupOptions
from . import common


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
    if slow_mo is None:
        slow_mo = 250.0 if record else 0.0
    with start_sim(SimOptions(latency=latency, seed=seed)) as sim:
        info = sim.info()
        org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                          totp_secret=info["totp_secret"], email=info["email"])
        mailbox = MailboxSettings(host=info["imap_host"], port=int(info["imap_port"]), user=info["imap_user"],
                                  password=info["imap_password"], ssl=bool(info["imap_ssl"]),
                                  folder=info.get("imap_folder") or "INBOX")
        opts = {"as_json": as_json, "show_secret": show_secret, "record": record, "trace": trace, "slow_mo": slow_mo}
        options = SetupOptions(
            org=org, mailbox=mailbox, spec=load_spec(spec, default_contact_email=org.username),
            output=OutputOptions(out_dir=Path(out_dir), format=output_format),
            headless=not headed, slow_mo_ms=slow_mo, recorder_factory=common.recorder_factory(opts),
        )
        note = (f"Simulated org {info['org_name']} at {info['login_url']} ({latency} latency); "
                "it shuts down now.")
        common.run_and_report(options, opts, sim_note=note)
    if not as_json:
        click.echo(f"Demo finished in {time.monotonic() - started:.1f} s; files are in {Path(out_dir).resolve()}")
