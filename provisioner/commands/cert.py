"""`provisioner cert`: create the key pair for the JWT bearer flow, or check one you already have."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import cli_json
from ..certs import CERT_FILE, KEY_FILE, generate_key_and_cert, load_pair

#: the pair is already there (and checked: matching, not expired); --force replaces it. Not an error, not "created":
#: a script can tell the two apart (README, exit codes)
EXIT_NOTHING_TO_DO = 7


@click.command("cert")
@click.option("--out-dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for server.key and server.crt.")
@click.option("--common-name", default="provisioner", show_default=True, help="Subject CN of the certificate.")
@click.option("--days", default=365, show_default=True, type=click.IntRange(min=1), help="Certificate lifetime.")
@click.option("--key", "key_path", type=click.Path(dir_okay=False), help="Check this private key (with --cert).")
@click.option("--cert", "cert_path", type=click.Path(dir_okay=False), help="Check this certificate (with --key).")
@click.option("--force", is_flag=True, help="Replace an existing server.key / server.crt.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def command(out_dir: str, common_name: str, days: int, key_path: str | None, cert_path: str | None, force: bool,
            as_json: bool) -> None:
    """Create server.key (0600) and a self-signed server.crt to upload to the app."""
    if bool(key_path) != bool(cert_path):
        raise click.UsageError("--key and --cert go together")
    existing = Path(out_dir) / KEY_FILE, Path(out_dir) / CERT_FILE
    if key_path and cert_path:
        pair = load_pair(key_path, cert_path)
        key, cert, expires, action = pair.key_path, pair.cert_path, pair.not_after, "checked"
    elif not force and all(p.exists() for p in existing):
        pair = load_pair(*existing)  # a pair that no longer works is an error (6), not "nothing to do"
        key, cert, expires, action = pair.key_path, pair.cert_path, pair.not_after, "exists"
    else:
        key, cert = generate_key_and_cert(out_dir, common_name, days, force=force)
        expires, action = load_pair(key, cert).not_after, "created"
    if cli_json.requested(as_json):
        shaped = cli_json.success({"key": str(key), "cert": str(cert), "expires": expires.isoformat(),
                                   "action": action})
        if action == "exists":
            shaped["status"] = EXIT_NOTHING_TO_DO  # the CLI's shape: status is the exit code
        click.echo(json.dumps(shaped))
    else:
        click.echo(f"{action}: private key  {key}")
        click.echo(f"{action}: certificate  {cert} (expires {expires:%Y-%m-%d})")
    if action == "exists":
        if not cli_json.requested(as_json):
            click.echo(f"nothing to do: the pair exists and matches (exit {EXIT_NOTHING_TO_DO}); --force replaces it",
                       err=True)
        sys.exit(EXIT_NOTHING_TO_DO)
