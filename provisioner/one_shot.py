"""One org, start to finish: key pair, provision in the browser, write credentials, verify, hand off to `sf`.

Shared by `provisioner setup` and `provisioner demo`. Files are written only after the browser part succeeded,
each atomically, so a failure leaves no half-written output behind.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from playwright.async_api import async_playwright

from provisioner.flows.session import Timeouts

from . import certs, credentials
from .browser import launch_browser_async
from .config import AppSpec, MailboxSettings, OrgSettings
from .errors import ProvisionerError
from .provision import ProvisionRequest, ProvisionResult, provision
from .flows.recorder import NullRecorder
from .redact import SecretSet
from .verify import verify_with_retry


@dataclass
class OutputOptions:
    out_dir: Path
    format: str = "env"  # env | json | both
    env_file: Path | None = None  # default: <out_dir>/credentials.env
    json_file: Path | None = None  # default: <out_dir>/credentials.json

    def targets(self) -> dict[str, Path]:
        chosen: dict[str, Path] = {}
        if self.format in ("env", "both") or self.env_file:
            chosen["env"] = self.env_file or self.out_dir / "credentials.env"
        if self.format in ("json", "both") or self.json_file:
            chosen["json"] = self.json_file or self.out_dir / "credentials.json"
        return chosen


@dataclass
class SetupOptions:
    org: OrgSettings
    spec: AppSpec
    output: OutputOptions
    mailbox: MailboxSettings | None = None
    key_path: Path | None = None  # the user's own pair; else server.key/server.crt in out_dir
    cert_path: Path | None = None
    dry_run: bool = False
    verify: bool = True
    verify_seconds: float = 600.0  # real orgs take minutes to propagate a new app
    headless: bool = True
    slow_mo_ms: float = 0
    recorder_factory: Callable[..., Any] | None = None  # (org, spec, secrets) -> recorder
    secrets: SecretSet = field(default_factory=SecretSet)
    timeouts: Timeouts = field(default_factory=Timeouts)


def ensure_key_pair(options: SetupOptions) -> certs.KeyPair:
    """The user's own pair (checked), else the pair in out_dir (reused when valid, generated when absent)."""
    if options.key_path or options.cert_path:
        if not (options.key_path and options.cert_path):
            from .errors import ConfigError

            raise ConfigError("--key and --cert go together: pass both, or neither to generate a pair")
        return certs.load_pair(options.key_path, options.cert_path)
    key, cert = options.output.out_dir / "server.key", options.output.out_dir / "server.crt"
    if key.exists() and cert.exists():
        return certs.load_pair(key, cert)
    certs.generate_key_and_cert(options.output.out_dir, common_name=options.spec.api_name)
    return certs.load_pair(key, cert)


def run_setup(options: SetupOptions, progress) -> dict[str, Any]:  # noqa: ANN001 - provisioner.progress reporter
    """Do the whole set-up; returns the result dict that `setup --json` prints (secret unmasked: callers mask)."""
    options.secrets.update([*options.org.secrets(), *(options.mailbox.secrets() if options.mailbox else [])])
    pair = ensure_key_pair(options)
    artifacts_dir = options.output.out_dir / "artifacts"
    request = ProvisionRequest(org=options.org, spec=options.spec, cert_path=pair.cert_path, key_path=pair.key_path,
                               mailbox=options.mailbox, dry_run=options.dry_run, artifacts_dir=artifacts_dir,
                               timeouts=options.timeouts)
    recorder = NullRecorder()
    if options.recorder_factory is not None:
        recorder = options.recorder_factory(options.org, options.spec, options.secrets)
    result = asyncio.run(_provision(request, progress, recorder, options))
    options.secrets.add(result.consumer_secret)

    summary = _summary(result, pair)
    if options.dry_run:
        summary["plan"] = result.plan
        _finish_recorder(recorder, summary, options)
        return summary
    written = _write_credentials(options.output, result, pair)
    summary["credentials_file"] = str(written[0]) if written else None
    summary["credentials_files"] = [str(p) for p in written]
    if options.verify:
        with progress.step("verify", f"JWT bearer token exchange as {result.username}"):
            token = verify_with_retry(result.login_url, result.consumer_key, result.username,
                                      Path(pair.key_path).read_text(), budget_seconds=options.verify_seconds,
                                      on_attempt=lambda attempt, why: progress.info(
                                          f"verify attempt {attempt}: the org is still propagating the app"))
        summary["verified"] = True
        summary["instance_url"] = token.instance_url or summary["instance_url"]
        summary["user_id"], summary["org_id"] = token.user_id, token.org_id
    _finish_recorder(recorder, summary, options)
    return summary


async def _provision(request: ProvisionRequest, progress, recorder, options: SetupOptions) -> ProvisionResult:  # noqa: ANN001
    async with async_playwright() as playwright:
        browser = await launch_browser_async(playwright, headless=options.headless, slow_mo=options.slow_mo_ms)
        try:
            return await provision(browser, request, progress, recorder)
        finally:
            await browser.close()


def _summary(result: ProvisionResult, pair: certs.KeyPair) -> dict[str, Any]:
    return {
        "app_name": result.app_name,
        "api_name": result.api_name,
        "status": result.status,
        "changes": result.changes,
        "consumer_key": result.consumer_key,
        "consumer_secret": result.consumer_secret,
        "username": result.username,
        "login_url": result.login_url,
        "instance_url": result.instance_url,
        "private_key_path": str(Path(pair.key_path).resolve()),
        "certificate_path": str(Path(pair.cert_path).resolve()),
        "credentials_file": None,
        "verified": False,
    }


def credential_values(result: ProvisionResult, key_path: str | os.PathLike) -> dict[str, str]:
    """The .env keys CI reads (docs/internals.md)."""
    return {
        "SALESFORCE_CONSUMER_KEY": result.consumer_key,
        "SALESFORCE_CONSUMER_SECRET": result.consumer_secret,
        "SALESFORCE_USERNAME": result.username,
        "SALESFORCE_LOGIN_URL": result.login_url,
        "SALESFORCE_INSTANCE_URL": result.instance_url,
        "SALESFORCE_JWT_KEY_FILE": str(Path(key_path).resolve()),
    }


def _write_credentials(output: OutputOptions, result: ProvisionResult, pair: certs.KeyPair) -> list[Path]:
    values = credential_values(result, pair.key_path)
    written = []
    for kind, path in output.targets().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "env":
            credentials.write_env(path, values)
        else:
            credentials.write_json(path, {
                "app_name": result.app_name, "api_name": result.api_name,
                "consumer_key": result.consumer_key, "consumer_secret": result.consumer_secret,
                "username": result.username, "login_url": result.login_url,
                "instance_url": result.instance_url, "private_key_path": values["SALESFORCE_JWT_KEY_FILE"],
                "certificate_path": str(Path(pair.cert_path).resolve()),
            })
        written.append(path.resolve())
    return written


def _finish_recorder(recorder, summary: dict[str, Any], options: SetupOptions) -> None:  # noqa: ANN001
    if not getattr(recorder, "active", False):
        return
    public = dict(summary, consumer_secret=None, consumer_key=credentials.mask(summary.get("consumer_key") or ""))
    try:
        files = recorder.finish(public)
    except ProvisionerError:
        raise
    summary["recording"] = getattr(recorder, "out_dir", None) and str(recorder.out_dir)
    summary["recording_files"] = [str(f) for f in files or []]
