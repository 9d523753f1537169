"""One attempt at one org: build the request, provision, write the credentials, verify them.

This is the glue between the inventory and the engine (provision.py, credentials.py, verify.py); the runner
decides when to call it, how often, and for how long.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

from ..certs import generate_key_and_cert
from ..config import AppSpec, MailboxSettings, OrgSettings, load_spec
from ..errors import ConfigError
from .inventory import Inventory, OrgEntry
from .runner import OrgOutcome, RunOptions

#: leave this much of the budget for writing and verifying after the browser part
VERIFY_RESERVE_SECONDS = 20.0
VERIFY_MAX_SECONDS = 300.0


class OrgSteps:
    def __init__(self, inventory: Inventory, options: RunOptions, *, provision: Callable | None = None,
                 verify: Callable | None = None, recorder_factory: Callable[[OrgEntry, Any], Any] | None = None):
        if provision is None:
            from ..provision import provision
        if verify is None:
            from ..verify import verify_with_retry as verify
        self.inventory = inventory
        self.options = options
        self.provision = provision
        self.verify = verify
        self.recorder_factory = recorder_factory
        self._specs: dict[tuple[Path, str], AppSpec] = {}
        self._attempts: dict[str, int] = {}

    async def attempt(self, browser, org: OrgEntry, events, deadline: float) -> OrgOutcome:  # noqa: ANN001
        self._attempts[org.name] = attempt = self._attempts.get(org.name, 0) + 1
        request = self.build_request(org, deadline, attempt)
        recorder = self.recorder_factory(org, request) if self.recorder_factory else None
        progress = OrgProgress(events, org.name)
        if recorder is None:
            result = await self.provision(browser, request, progress)
        else:
            result = await self.provision(browser, request, progress, recorder)
        artifacts = list(getattr(result, "artifacts", []) or [])
        if recorder is not None:
            # finish converts the video with ffmpeg and scans every file: blocking work, off the event loop
            finished = await asyncio.to_thread(recorder.finish, {"org": org.name, "app_name": result.app_name,
                                                                 "status": result.status})
            artifacts += [str(f) for f in finished or []]
        if self.options.dry_run:
            return OrgOutcome(status="planned", plan=list(result.plan), artifacts=artifacts, app_name=result.app_name)
        status = "created" if result.created else ("updated" if result.changes else "unchanged")
        files = write_credentials(org, result, Path(request.key_path))
        events.step(org.name, "credentials written: " + ", ".join(files))
        remaining = deadline - time.monotonic()
        await asyncio.to_thread(
            self.verify, result.login_url, result.consumer_key, result.username,
            Path(request.key_path).read_text(), budget_seconds=max(5.0, min(VERIFY_MAX_SECONDS, remaining - 5)),
            on_attempt=lambda n, why: events.step(org.name, f"verify: attempt {n} refused ({why}); waiting"),
        )
        events.step(org.name, "verify: JWT bearer exchange worked")
        return OrgOutcome(status=status, changes=list(result.changes), artifacts=artifacts, credentials=files,
                          verified=True, app_name=result.app_name)

    def build_request(self, org: OrgEntry, deadline: float, attempt: int = 1):  # noqa: ANN201
        from ..provision import ProvisionRequest

        secrets = org.resolve_secrets()
        settings = OrgSettings(login_url=org.login_url, username=org.username, password=secrets.password,
                               totp_secret=secrets.totp_secret.replace(" ", "") if secrets.totp_secret else None)
        mailbox = None
        if org.mailbox is not None:
            box = org.mailbox
            mailbox = MailboxSettings(host=box.host, port=box.port, user=box.user, password=secrets.imap_password,
                                      ssl=box.ssl, folder=box.folder)
        key_path, cert_path = self.key_pair(org)
        request = ProvisionRequest(
            org=settings, spec=self.spec(org), cert_path=cert_path, key_path=key_path, mailbox=mailbox,
            dry_run=self.options.dry_run, reveal=not self.options.dry_run,
            artifacts_dir=self.org_dir(org) / "artifacts" / f"attempt-{attempt}",
        )
        if org.email and hasattr(request, "mail_recipient"):
            request.mail_recipient = org.email
        request.timeouts = _within_budget(request.timeouts, deadline)
        return request

    def spec(self, org: OrgEntry) -> AppSpec:
        key = (org.spec, org.username)
        if key not in self._specs:
            self._specs[key] = load_spec(org.spec, default_contact_email=org.username)
        return self._specs[key]

    def org_dir(self, org: OrgEntry) -> Path:
        return self.inventory.defaults.output_dir / org.name

    def key_pair(self, org: OrgEntry) -> tuple[Path, Path]:
        """The inventory's pair, else this org's own pair under output_dir (made once, then reused every night).

        A dry run never writes one: it plans against a throwaway pair, as a first real run would upload a new one.
        """
        if org.key_file or org.cert_file:
            if not (org.key_file and org.cert_file):
                raise ConfigError(f"org {org.name!r}: set both key_file and cert_file, or neither")
            return org.key_file, org.cert_file
        keys = self.org_dir(org) / "keys"
        key_path, cert_path = keys / "server.key", keys / "server.crt"
        if key_path.exists() and cert_path.exists():
            return key_path, cert_path
        if self.options.dry_run:
            keys = Path(tempfile.mkdtemp(prefix=f"provisioner-plan-{org.name}-"))
        return generate_key_and_cert(keys, common_name=f"provisioner {org.name}", force=True)


def credential_values(result, key_path: Path) -> dict[str, str]:  # noqa: ANN001
    """The variables CI jobs read (docs/internals.md)."""
    return {
        "SALESFORCE_LOGIN_URL": result.login_url,
        "SALESFORCE_USERNAME": result.username,
        "SALESFORCE_CONSUMER_KEY": result.consumer_key,
        "SALESFORCE_CONSUMER_SECRET": result.consumer_secret,
        "SALESFORCE_INSTANCE_URL": result.instance_url,
        "SALESFORCE_JWT_KEY_FILE": str(key_path),
    }


def write_credentials(org: OrgEntry, result, key_path: Path) -> list[str]:  # noqa: ANN001
    from ..credentials import write_env, write_json

    values = credential_values(result, key_path)
    files = []
    if org.env_file:
        write_env(org.env_file, values)
        files.append(str(org.env_file))
    if org.json_file:
        write_json(org.json_file, values)
        files.append(str(org.json_file))
    return files


def _within_budget(timeouts, deadline: float):  # noqa: ANN001, ANN202
    """Waits never outlast the org's budget: a Playwright call ends by its own timeout, not by cancellation."""
    left = max(1.0, deadline - time.monotonic() - VERIFY_RESERVE_SECONDS)
    try:
        return replace(timeouts, page_ms=min(timeouts.page_ms, left * 1000),
                       settle_ms=min(timeouts.settle_ms, left * 1000), mail_s=min(timeouts.mail_s, left))
    except (TypeError, ValueError):  # a Timeouts without these fields: keep its defaults
        return timeouts


class OrgProgress:
    """What provision() reports, as lines naming the org (several orgs' steps interleave)."""

    def __init__(self, events, org: str):  # noqa: ANN001
        self.events = events
        self.org = org

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[None]:
        started = time.monotonic()
        self.events.step(self.org, f"{name}: {detail}" if detail else name, step=name, state="started")
        try:
            yield
        except BaseException:
            self.events.step(self.org, f"{name}: failed", step=name, state="failed")
            raise
        self.events.step(self.org, f"{name}: done ({time.monotonic() - started:.1f} s)", step=name, state="done")
