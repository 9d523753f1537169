"""What `setup` and `demo` share: running one org from typed options, printing its result, the `sf` hand-off."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click

from ..config import MailboxSettings, OrgSettings
from ..spec import AppSpec
from ..credentials import mask
from ..errors import ConfigError, ProvisionerError
from ..one_org import CredentialTargets, KeySource, OrgOutcome, OrgTask, run_org_in_new_browser, video_recorder_factory
from .. import cli_json, dx_project, logs
from ..redact import SecretSet
from .options import OutputFlags, RunFlags

SF_MISSING = ("`sf` is not on PATH: install the Salesforce CLI (npm install --global @salesforce/cli, Node 22+), "
              "then run again with --sf-login")


def run_secrets() -> SecretSet:
    """The secrets of this command: the CLI masks its error line with them (provisioner/cli.py)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, SecretSet):
        root.obj = SecretSet()
    return root.obj


def org_task(org: OrgSettings, mailbox: MailboxSettings | None, spec: AppSpec, output: OutputFlags,
             run: RunFlags) -> OrgTask:
    env_file, json_file = output.targets()
    out_dir = Path(output.out_dir)
    logs.configure(output.verbose, output.quiet, secrets=run_secrets())  # the level -v/-q ask for, before any work
    return OrgTask(
        org=org, spec=spec, mailbox=mailbox,
        keys=KeySource(home=out_dir, key_path=Path(output.key) if output.key else None,
                       cert_path=Path(output.cert) if output.cert else None, common_name=spec.api_name),
        targets=CredentialTargets(env_file=env_file, json_file=json_file, format=output.credential_format()),
        artifacts_dir=out_dir / "artifacts", dry_run=run.dry_run, verify=run.verify,
        verify_seconds=run.verify_seconds, timeouts=run.timeouts,
    )


def run_and_report(task: OrgTask, run: RunFlags, *, sim_note: str | None = None) -> OrgOutcome:
    """Run one org, print the result (JSON or text), hand off to `sf` if asked."""
    from ..progress import Progress

    if run.sf_login and shutil.which("sf") is None:
        raise ConfigError(SF_MISSING)  # say so before spending minutes in the browser
    as_json = cli_json.requested(run.as_json)
    if run.project_dir:
        dx_project.project_file(run.project_dir)  # a missing or broken sfdx-project.json stops us before the browser
    secrets = run_secrets()
    progress = Progress(mode="json" if as_json else "auto", secrets=secrets)
    recorder_factory = video_recorder_factory(trace=run.trace, slow_mo_ms=run.slow_mo) if run.record else None
    outcome = run_org_in_new_browser(task, progress, secrets=secrets, headless=not run.headed,
                                     slow_mo_ms=run.slow_mo, recorder_factory=recorder_factory)
    shown = outcome.summary()
    if not run.show_secret:
        shown["consumer_secret"] = mask(outcome.consumer_secret, keep=0) if outcome.consumer_secret else None
    if run.sf_login and not task.dry_run:
        shown["sf_login"] = sf_login(outcome, alias=run.alias, dev_hub=run.set_default_dev_hub,
                                     default=run.set_default, secrets=secrets)
    if run.project_dir and not task.dry_run:
        values = dx_project.wanted_values(outcome.login_url, task.spec.callback_urls)
        shown["sfdx_project"] = {"file": str(Path(run.project_dir, dx_project.PROJECT_FILE).resolve()),
                                 "changed": dx_project.update(run.project_dir, values)}
    if as_json:
        cli_json.print_success(shown)
    else:
        _print_text(shown, task.dry_run, sim_note)
    return outcome


def _print_text(result: dict[str, Any], dry_run: bool, note: str | None) -> None:
    """The result for a person: the same facts as `--json` (README "Credentials"), the secret as the caller shows it."""
    if dry_run:
        click.echo("Plan (dry run, nothing changed):")
        for line in result.get("plan") or ["nothing to change"]:
            click.echo(f"  - {line}")
        _print_via(result)
        return
    click.echo(f"App {result['app_name']} ({result['api_name']}): {result['status']}")
    for line in result.get("changes") or []:
        click.echo(f"  changed: {line}")
    _print_via(result)
    click.echo(f"  consumer key:     {result['consumer_key']}")
    click.echo(f"  consumer secret:  {result['consumer_secret']}")
    if result.get("credentials_via"):
        reason = f" ({result['credentials_reason']})" if result.get("credentials_reason") else ""
        click.echo(f"  secret read via:  {result['credentials_via']}{reason}")
    elif result.get("revealed") is False:
        click.echo("  secret read via:  not read again (the stored credentials still work)")
    click.echo(f"  username:         {result['username']}")
    click.echo(f"  instance:         {result['instance_url']}")
    click.echo(f"  private key:      {result['private_key_path']}")
    click.echo(f"  certificate:      {result['certificate_path']}")
    click.echo(f"  credentials:      {', '.join(result.get('credentials_files') or [])}")
    click.echo(f"  verified:         {'yes (JWT bearer token exchange succeeded)' if result['verified'] else 'no'}")
    if result.get("recording"):
        click.echo(f"  recording:        {result['recording']}")
    if result.get("sfdx_project"):
        changed = result["sfdx_project"]["changed"]
        what = ", ".join(f"{k}={v}" for k, v in changed.items()) if changed else "already up to date"
        click.echo(f"  sfdx-project:     {result['sfdx_project']['file']} ({what})")
    if note:
        click.echo(note)


def _print_via(result: dict[str, Any]) -> None:
    """Which path made the app and why (README "Browser or API: which path")."""
    if result.get("via"):
        reason = f" ({result['via_reason']})" if result.get("via_reason") else ""
        click.echo(f"  via:              {result['via']}{reason}")


#: never handed to `sf`: the admin's and the mailbox's secrets (it needs none of them for a JWT login)
_PRIVATE_VARIABLES = ("SALESFORCE_PASSWORD", "SALESFORCE_TOTP_SECRET", "IMAP_PASSWORD", "SALESFORCE_CONSUMER_SECRET")


def sf_environment(secrets: SecretSet) -> dict[str, str]:
    """The environment for `sf`: ours, less every variable that holds one of the run's secrets."""
    return {k: v for k, v in os.environ.items()
            if k not in _PRIVATE_VARIABLES and not any(s and s in v for s in secrets)}


def sf_login(outcome: OrgOutcome, *, alias: str | None, dev_hub: bool, secrets: SecretSet,
             default: bool = False) -> str:
    """Run `sf org login jwt` with the new credentials; explain how to install `sf` when it is missing.

    `--instance-url` is the org's My Domain learned at login: `sf` posts the JWT there (the generic login hosts answer
    `app_not_found` for External Client Apps) and keeps it as the org's login URL. `sf` tries several audiences,
    the instance URL's own first; SF_AUDIENCE_URL (its documented setting, unless the user set one) adds the login
    host's audience that `verify` uses.
    """
    from ..verify import default_audience

    sf = shutil.which("sf")
    if sf is None:
        raise ConfigError(SF_MISSING)
    instance_url = outcome.instance_url or outcome.login_url
    cmd = [sf, "org", "login", "jwt", "--client-id", outcome.consumer_key, "--jwt-key-file",
           str(outcome.private_key_path), "--username", outcome.username, "--instance-url", instance_url]
    if alias:
        cmd += ["--alias", alias]
    if dev_hub:
        cmd += ["--set-default-dev-hub"]
    if default:
        cmd += ["--set-default"]
    env = sf_environment(secrets)
    env.setdefault("SF_AUDIENCE_URL", default_audience(outcome.login_url or instance_url))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise ProvisionerError(f"`sf org login jwt` failed (exit {proc.returncode}): {secrets.mask(last)}")
    return "ok"
