"""`provisioner probe`: log in as `setup` does, walk the spec's pages read-only (flows/probe.py), and write a bundle
for a bug report.

The bundle is a folder only its owner can read (0700, files 0600): report.json, summary.txt, the accessibility
snapshot of every page visited (snapshots/), and proposed-overrides.toml when a near match was found. Before it is
kept, every text in it is masked (the run's secrets, anything shaped like an e-mail address or a consumer key) and
the recording leak scan reads every file: a file that still holds a secret is deleted and the probe fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Error as PlaywrightError

from provisioner.flows import probe as walk_flow
from provisioner.flows.locators import registry
from provisioner.flows.session import FlowSession, Timeouts

from .browser import write_private
from .config import MailboxSettings, OrgSettings
from .errors import ConfigError, LocatorNotFoundError, ProvisionerError, RecordingLeakError
from .provision import enter_org, open_context
from .recording.scan import leaking_files
from .redact import MASK, SecretSet
from .spec import AppSpec

#: anything shaped like an e-mail address (Salesforce usernames are too)
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: a consumer key: "3MVG" and a long token [doc: every Connected App / ECA key starts so]
CONSUMER_KEY = re.compile(r"3MVG[A-Za-z0-9._]{16,}")
VIEWPORT = {"width": 1366, "height": 900}


@dataclass
class ProbeRequest:
    org: OrgSettings
    spec: AppSpec
    bundle: Path  # the folder to create (must not exist yet)
    mailbox: MailboxSettings | None = None
    mail_recipient: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass
class ProbeOutcome:
    bundle: Path
    report: dict
    summary: str

    @property
    def ok(self) -> bool:
        return bool(self.report.get("ok"))


def default_bundle(parent: str | os.PathLike = "out") -> Path:
    return Path(parent) / time.strftime("probe-%Y%m%d-%H%M%S")


class Masker:
    """What must not reach the bundle: the run's secrets and user names, address-shaped text, consumer keys."""

    def __init__(self, org: OrgSettings, mailbox: MailboxSettings | None):
        self.secrets = SecretSet([*org.secrets(), *(mailbox.secrets() if mailbox else [])])
        # user names and addresses are not secret, but a bug report goes to strangers
        self.names = SecretSet(v for v in (org.username, org.email, mailbox.user if mailbox else None) if v)

    def scan_set(self) -> SecretSet:
        return SecretSet([*self.secrets, *self.names])

    def __call__(self, text: str) -> str:
        text = self.names.mask(self.secrets.mask(text))
        return CONSUMER_KEY.sub(MASK, EMAIL.sub("<e-mail>", text))

    def data(self, value):  # noqa: ANN001, ANN201 - JSON-like
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


async def org_release(context, instance_url: str) -> dict:  # noqa: ANN001 - BrowserContext
    """The org's newest API version and its release name (GET /services/data, with the session's cookies)."""
    try:
        response = await context.request.get(instance_url.rstrip("/") + "/services/data", timeout=15_000,
                                             fail_on_status_code=False)
        versions = await response.json() if response.ok else None
    except (PlaywrightError, ValueError):
        versions = None
    if not isinstance(versions, list) or not versions:
        return {"api_version": None, "release": None}
    newest = max(versions, key=lambda v: float(v.get("version") or 0))
    return {"api_version": newest.get("version"), "release": newest.get("label")}


def _code_waiter_factory(request: ProbeRequest):  # noqa: ANN202 - as provision does it
    if request.mailbox is None:
        return None
    from .mail import CodeWaiter

    mailbox, org = request.mailbox, request.org
    recipient = request.mail_recipient or org.email or (mailbox.user if "@" in mailbox.user else org.username)
    return lambda purpose: CodeWaiter(mailbox, recipient=recipient, username=org.username)


async def probe(browser, request: ProbeRequest, masker: Masker) -> ProbeOutcome:  # noqa: ANN001
    """Log in, walk, write the bundle. Raises LoginError & co. as setup would; locator trouble is in the report."""
    walk = walk_flow.ProbeWalk(app_type=request.spec.app_type)
    context = await open_context(browser, viewport=dict(VIEWPORT), accept_downloads=False)
    stopped: str | None = None
    release: dict = {"api_version": None, "release": None}
    instance = ""
    try:
        page = await context.new_page()
        page.set_default_timeout(request.timeouts.page_ms)
        session = FlowSession(page=page, timeouts=request.timeouts, code_waiter=_code_waiter_factory(request),
                              secrets=masker.secrets)
        instance = await enter_org(session, request.org)
        release = await org_release(context, instance)
        try:
            await walk_flow.walk(session, request.spec, walk)
        except PlaywrightError as exc:
            # a step of the walk itself failed (a click that never became possible): what it waited for
            keys = registry.keys_in_message(str(exc))
            where = walk.pages[-1].title if walk.pages else "?"
            if keys:
                loc = registry.lookup(keys[0])
                walk.checks.append(walk_flow.LocatorCheck(keys[0], where, walk_flow.MISSING, 0, "one",
                                                          registry.describe(loc), "the walk waited for it in vain"))
            stopped = f"on {where}: {masker(waits_first_line(exc))}"
    finally:
        try:
            await context.close()
        except PlaywrightError:
            pass
    report = _report(request, walk, release, instance, stopped)
    return write_bundle(request.bundle, report, walk, masker)


def waits_first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _report(request: ProbeRequest, walk: walk_flow.ProbeWalk, release: dict, instance: str,
            stopped: str | None) -> dict:
    failures = walk.failures
    counts = {status: sum(1 for c in walk.checks if c.status == status)
              for status in (walk_flow.FOUND, walk_flow.MISSING, walk_flow.AMBIGUOUS, walk_flow.NOT_SHOWN,
                             walk_flow.ALTERNATIVE)}
    return {
        "ok": not failures and stopped is None,
        "exit_code": 0 if not failures and stopped is None else LocatorNotFoundError.exit_code,
        "app_type": request.spec.app_type, "api_name": request.spec.api_name, "app_exists": walk.app_exists,
        "org": {"instance_url": instance, **release},
        "overrides": registry.active(),
        "counts": counts,
        "stopped": stopped,
        "failures": [f"{c.key} {c.status} on {c.page}" for c in failures],
        "proposed_overrides": walk.proposals(),
        "notes": walk.notes,
        "locators": walk.to_dict()["checks"],
        "pages": [{"title": p.title, "path": p.path} for p in walk.pages],
    }


def summary_text(report: dict, bundle: Path) -> str:
    counts = report["counts"]
    lines = [f"probe {'passed' if report['ok'] else 'FAILED'}: {counts['found']} locators found, "
             f"{counts['missing']} missing, {counts['ambiguous']} ambiguous, {counts['not shown']} not shown "
             f"(release {report['org'].get('release') or '?'}, API {report['org'].get('api_version') or '?'})"]
    for check in report["locators"]:
        if check["status"] in walk_flow.FAILING:
            lines.append(f"  {check['status']}: {check['key']} [{check['locator']}] on {check['page']}"
                         + (f" ({check['note']})" if check["note"] else ""))
            if check["proposal"]:
                lines.append(f"    proposed override: {check['proposal']}")
    if report["stopped"]:
        lines.append(f"  stopped: {report['stopped']}")
    lines += [f"  note: {note}" for note in report["notes"]]
    lines.append(f"bundle: {bundle}")
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def make_bundle_dir(path: Path) -> None:
    """The bundle's folder, 0700 whatever the umask; an existing one is refused (no mixing with an old bundle)."""
    if path.exists() or path.is_symlink():
        raise ConfigError(f"the probe bundle {path} already exists: name a new folder with --bundle")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700)
    os.chmod(path, 0o700)


def write_bundle(bundle: Path, report: dict, walk: walk_flow.ProbeWalk, masker: Masker) -> ProbeOutcome:
    """Write into a staging folder next to `bundle`, scan it, then move it into place."""
    staging = bundle.with_name(f".{bundle.name}.partial-{os.getpid()}")
    make_bundle_dir(staging)
    try:
        snapshots = staging / "snapshots"
        snapshots.mkdir(mode=0o700)
        for index, visit in enumerate(walk.pages, start=1):
            name = f"{index:02d}-{_slug(visit.title)}.yml"
            header = f"# {visit.title}\n# {visit.path}\n"
            write_private(snapshots / name, masker(header + visit.snapshot + "\n").encode())
            report["pages"][index - 1]["snapshot"] = f"snapshots/{name}"
        report = masker.data(report)
        summary = summary_text(report, bundle)
        write_private(staging / "report.json", (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode())
        write_private(staging / "summary.txt", (summary + "\n").encode())
        if report["proposed_overrides"]:
            text = "# proposed by provisioner probe: pass with --locators (check each line first)\n"
            write_private(staging / "proposed-overrides.toml", (text + "\n".join(report["proposed_overrides"])
                                                                + "\n").encode())
        leaks = leaking_files(staging, masker.scan_set())
        for path in leaks:
            path.unlink(missing_ok=True)
        os.rename(staging, bundle)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if leaks:
        names = ", ".join(str(p.relative_to(staging)) for p in leaks)
        raise RecordingLeakError(f"the probe bundle {bundle} held a secret of this run in: {names} (deleted; the "
                                 f"rest of the bundle is clean)", artifacts=[str(bundle)])
    return ProbeOutcome(bundle, report, summary)


def check_outcome(outcome: ProbeOutcome) -> None:
    """Exit 0 only when everything resolved: else one line naming the page, the locator and the bundle."""
    report = outcome.report
    if report["ok"]:
        return
    failing = [c for c in report["locators"] if c["status"] in walk_flow.FAILING]
    if failing:
        first = failing[0]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        fix = (f"; proposed override: {first['proposal']}" if first["proposal"] else "")
        raise LocatorNotFoundError(f"locator {first['key']} [{first['locator']}] is {first['status']} on the page "
                                   f"\"{first['page']}\"{more}{fix}; bundle: {outcome.bundle}")
    raise LocatorNotFoundError(f"the probe stopped: {report['stopped']}; bundle: {outcome.bundle}")


def run_probe(request: ProbeRequest, *, secrets: SecretSet, headless: bool = True) -> ProbeOutcome:
    """One probe in a browser of its own, closed before this returns."""
    masker = Masker(request.org, request.mailbox)
    secrets.update(masker.secrets)
    if request.bundle.exists() or request.bundle.is_symlink():
        raise ConfigError(f"the probe bundle {request.bundle} already exists: name a new folder with --bundle")

    async def main() -> ProbeOutcome:
        from playwright.async_api import async_playwright

        from .browser import launch_browser_async

        async with async_playwright() as playwright:
            browser = await launch_browser_async(playwright, headless=headless)
            try:
                return await probe(browser, request, masker)
            finally:
                await browser.close()

    try:
        return asyncio.run(main())
    except ProvisionerError:
        raise
    except PlaywrightError as exc:
        failure = registry.failure_of(exc, page="login")
        if failure is not None:
            raise failure from None
        from .errors import OrgUnavailableError

        raise OrgUnavailableError(f"the browser step failed: {secrets.mask(waits_first_line(exc))}") from None


__all__ = ["Masker", "ProbeOutcome", "ProbeRequest", "check_outcome", "default_bundle", "probe",
           "run_probe", "summary_text"]
