"""`provisioner sim`: serve a simulated Salesforce org (and, by default, its own mailbox) until stopped."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from ..sim.variants import VARIANTS

from ..credentials import atomic_write, quote_env_value
from ..errors import ConfigError

# .env names from docs/internals.md, fed from the info JSON.
ENV_NAMES = [
    ("SALESFORCE_LOGIN_URL", "login_url"),
    ("SALESFORCE_USERNAME", "username"),
    ("SALESFORCE_PASSWORD", "password"),
    ("SALESFORCE_TOTP_SECRET", "totp_secret"),
    ("SALESFORCE_EMAIL", "email"),
    ("IMAP_HOST", "imap_host"),
    ("IMAP_PORT", "imap_port"),
    ("IMAP_USER", "imap_user"),
    ("IMAP_PASSWORD", "imap_password"),
    ("IMAP_SSL", "imap_ssl"),
    ("IMAP_FOLDER", "imap_folder"),
    ("SIM_INSPECT_URL", "inspect_url"),
]


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return quote_env_value(value)  # the project's one .env quoting: exact for dotenv, inert for a shell


def env_file_text(info: dict) -> str:
    lines = ["# Written by `provisioner sim`: the simulated org and its mailbox."]
    lines += [f"{name}={_env_value(info.get(key))}" for name, key in ENV_NAMES if info.get(key) is not None]
    return "\n".join(lines) + "\n"


def write_env_file(path: Path, info: dict) -> None:
    """Mode 0600 from the start (it holds passwords), through a new temp file renamed over the old one, so readers
    never see half a file; a symbolic link at `path` is refused (a ConfigError), never written through."""
    try:
        atomic_write(path, env_file_text(info), 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write --env-file {path}: {exc.strerror or exc}") from None


def network_warning(host: str) -> str | None:
    """One line for stderr when the org listens beyond this machine; None on loopback."""
    from ..sim.inspect import is_loopback_host

    if is_loopback_host(host if ":" not in host else f"[{host}]"):
        return None
    return (f"warning: --host {host or '0.0.0.0'} puts the simulated org on the network: anyone who can reach this "
            "machine can try its admin login, whose password --seed makes reproducible (the inspection API stays "
            "on 127.0.0.1)")


@click.command("sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the org listens on.")
@click.option("--port", default=0, type=int, help="Org port (default: any free port).")
@click.option("--inspect-port", default=0, type=int, help="Inspection API port, always loopback (default: any).")
@click.option("--seed", type=int, default=None, help="Seed for ids, passwords and secrets (reproducible runs).")
@click.option("--latency", type=click.Choice(["fast", "realistic"]), default="fast", show_default=True)
@click.option("--org-data", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Org data TOML (users, profiles, permission sets, sandbox).")
@click.option("--mail", default="embedded", show_default=True,
              help="embedded (own IMAP+SMTP), smtp://host:port or lmtp://host:port.")
@click.option("--imap-host", default=None, help="IMAP host to advertise for an external mailbox.")
@click.option("--imap-port", type=int, default=None)
@click.option("--imap-user", default=None)
@click.option("--imap-password", default=None)
@click.option("--env-file", type=click.Path(dir_okay=False), default=None,
              help="Also write the org and mailbox details as a .env file (mode 0600).")
@click.option("--variant", type=click.Choice(sorted(VARIANTS)), default=None,
              help="Serve one of the ways real orgs differ (provisioner/sim/variants.py).")
@click.option("--faults", default=None, metavar="NAME=RATE,...",
              help="The fault profile: each fault's chance per occasion, e.g. server_error=0.05,mail_twice=0.2, or "
                   "all=RATE (names: provisioner/sim/faults.py); --seed repeats the same faults.")
def command(host, port, inspect_port, seed, latency, org_data, mail, imap_host, imap_port, imap_user,
            imap_password, env_file, variant, faults) -> None:
    """Serve a simulated Salesforce org; print its details as one JSON line; run until SIGINT/SIGTERM."""
    from ..sim.app import SimOptions, start_sim
    from ..sim.faults import parse_faults
    from ..sim.mailer import parse_target

    if mail != "embedded":
        parse_target(mail)  # a ConfigError for anything but smtp:// or lmtp://
    parse_faults(faults)  # a ConfigError naming the bad part, before any port is opened
    warning = network_warning(host)
    if warning:
        click.echo(warning, err=True)
    options = SimOptions(host=host, port=port, inspect_port=inspect_port, seed=seed, latency=latency,
                         org_data=org_data, mail=mail, imap_host=imap_host, imap_port=imap_port,
                         imap_user=imap_user, imap_password=imap_password, variant=variant, faults=faults)
    try:
        handle = start_sim(options)
    except OSError as exc:
        raise ConfigError(f"cannot start the simulated org on {host}: {exc.strerror or exc}") from None
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        info = handle.info()
        if env_file:
            write_env_file(Path(env_file), info)
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        while not stop.wait(3600):
            pass
    finally:
        handle.stop()
