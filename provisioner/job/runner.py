"""The scheduler of `provisioner run`: one Playwright, one browser, a context per org, N orgs at a time.

N counts browser slots, not orgs: an org holds a slot only for its browser part and gives it back before it writes
its credentials and waits for its new app to propagate (verify), so one org's waiting overlaps others' browser work.
`default_concurrency()` picks N from the machine's cores and memory.

Each org gets a time budget and retries with exponential backoff + jitter, for transient failures only (the org
was unavailable, the verification email did not come, a page timed out). Permanent failures (wrong password,
unknown profile, a bad spec) fail at once: retrying would only lock the account. One org failing never stops the
others. The work done for one org (build the request, provision, write and verify credentials) is injected, so
the scheduling rules are tested without a browser.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable

from ..browser import BrowserOnFirstUse
from ..errors import BrowserUnavailableError, OrgUnavailableError, ProvisionerError
from ..flows.session import WAITING_ON_THE_CLOCK
from ..one_org import OrgOutcome, video_recorder_factory
from .events import JobEvents
from .inventory import Inventory, OrgEntry
from .org_attempt import BROWSER_DONE, OrgAttempts
from .reports import OrgResult, RunReport, now_iso
from .shard import ALL, Shard, select
from .slots import BrowserSlot, BrowserSlots


class BudgetExceededError(OrgUnavailableError):
    """The org used up its time budget (all attempts together). Not retried: the budget is gone."""

    transient = False


@dataclass
class RunOptions:
    concurrency: int
    budget_seconds: float
    retries: int
    shard: Shard = ALL
    dry_run: bool = False
    record: bool = False
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 120.0
    report_path: str | None = None  # rewritten after every org, so a killed run leaves what it finished


#: attempt(browser, org, events, deadline) -> OrgOutcome; raises on failure. `deadline` is time.monotonic()-based.
OrgWork = Callable[[Any, OrgEntry, Any, float], Awaitable[OrgOutcome]]


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: errors marked transient, and Playwright's own timeouts (a slow page, not a wrong one)."""
    if isinstance(exc, ProvisionerError):
        return bool(getattr(exc, "transient", False))
    try:
        from playwright.async_api import TimeoutError as PlaywrightTimeout
    except ImportError:  # pragma: no cover - playwright is a dependency
        return False
    return isinstance(exc, PlaywrightTimeout)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    if isinstance(exc, ProvisionerError):
        return first or type(exc).__name__
    # Not one of ours (a Playwright error, a bug): keep its kind, and only the first line (call logs are long).
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def exit_code_of(exc: BaseException) -> int:
    if isinstance(exc, ProvisionerError):
        return exc.exit_code
    if is_transient(exc):
        return OrgUnavailableError.exit_code
    return 1


class JobRunner:
    def __init__(self, inventory: Inventory, options: RunOptions, *, provision: Callable | None = None,
                 verify: Callable | None = None, work: OrgWork | None = None,
                 launch: Callable[[], Any] | None = None, events: JobEvents | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, rng: random.Random | None = None):
        """`provision` / `verify` replace the engine's (tests inject fakes); `work` replaces a whole attempt."""
        self.inventory = inventory
        self.options = options
        self.events = events or JobEvents()
        #: every secret the run reads or learns: masked in what it prints and writes (shared with the events)
        self.secrets = self.events.secrets
        if work is None:
            recorder_factory = video_recorder_factory() if options.record else None
            work = OrgAttempts(inventory, dry_run=options.dry_run, provision=provision, verify=verify,
                               recorder_factory=recorder_factory, secrets=self.secrets).attempt
        self.work = work
        self.launch = launch or _launch_default
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.orgs = select(inventory.orgs, options.shard)
        self._slots = BrowserSlots(options.concurrency)

    async def run(self) -> RunReport:
        report = RunReport(run_id=_run_id(), started_at=now_iso(), finished_at="", shard=str(self.options.shard),
                           inventory=str(self.inventory.path), dry_run=self.options.dry_run)
        self.events.run_started(report, [o.name for o in self.orgs])
        async with Browsers(self.launch) as browsers:
            async def one(org: OrgEntry) -> OrgResult:
                slot = BrowserSlot(self._slots)
                await slot.acquire()  # before the org's budget starts: waiting in the queue costs it nothing
                try:
                    result = await self.run_org(browsers, org, slot)
                finally:
                    slot.release()
                report.orgs.append(result)
                self._save_partial(report)  # before telling: whoever watches may kill us right after
                self.events.org_finished(result)
                return result

            await asyncio.gather(*(one(org) for org in self.orgs))
        report.orgs.sort(key=lambda r: r.name)
        report.finished_at = now_iso()
        self.events.run_finished(report)
        return report

    async def run_org(self, browsers: "Browsers | Any", org: OrgEntry, slot: "BrowserSlot | None" = None) -> OrgResult:
        """All attempts for one org, within its budget. Never raises (but lets cancellation through).

        Each attempt holds a browser slot (`slot`, already held for the first) until its browser part is over
        (BROWSER_DONE) or it ends; a retry's backoff holds none.

        `browsers` hands out the run's browser, relaunched when it died (a browser object is used as it is). An
        attempt the browser's death cut short is tried again at once and does not count against `retries`: the
        org did nothing wrong (at most MAX_BROWSER_DEATHS times per org, then it counts as any transient error)."""
        if not isinstance(browsers, Browsers):
            browsers = Browsers.of(browsers)
        slot = slot or BrowserSlot(self._slots)
        started = time.monotonic()
        deadline = started + self.options.budget_seconds
        attempts = 0
        browser_deaths = 0
        self.events.org_started(org.name)
        result: OrgResult
        try:
            async with asyncio.timeout_at(_loop_time_at(deadline)) as budget:
                while True:
                    attempts += 1
                    await slot.acquire()
                    # the run's browser, launched only when a page is first needed (a night of token-checked orgs needs none)
                    browser = (BrowserOnFirstUse(browsers.current) if browsers.launch is not None
                               else await browsers.current())
                    token = BROWSER_DONE.set(slot.release)
                    lending = WAITING_ON_THE_CLOCK.set(slot.paused)
                    try:
                        outcome = await self.work(browser, org, self.events, deadline)
                        result = OrgResult(name=org.name, status=outcome.status, changes=list(outcome.changes),
                                           plan=list(outcome.plan), artifacts=list(outcome.artifacts),
                                           credentials=list(outcome.credentials), verified=outcome.verified,
                                           app_name=outcome.app_name, via=getattr(outcome, "via", ""),
                                           via_reason=getattr(outcome, "via_reason", ""),
                                           rotated=getattr(outcome, "rotated", False),
                                           previous_consumer_key=getattr(outcome, "previous_consumer_key", "")
                                           or None)
                        break
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - every failure is this org's, never the run's
                        slot.release()
                        dead = isinstance(exc, BrowserUnavailableError) or not _connected(browser)
                        if dead:
                            # one that stopped answering may still say it is connected
                            browsers.discard(getattr(browser, "browser", browser))
                        if dead and browser_deaths < MAX_BROWSER_DEATHS:
                            browser_deaths += 1
                            self.events.org_retry(org.name, attempts, "the browser died during the attempt "
                                                  f"({one_line(exc)}); relaunching it", 0.0)
                            continue
                        delay = self._backoff(attempts - browser_deaths)
                        left = deadline - time.monotonic()
                        if is_transient(exc) and attempts - browser_deaths <= self.options.retries and delay < left:
                            self.events.org_retry(org.name, attempts, one_line(exc), delay)
                            await self.sleep(delay)
                            continue
                        cause = one_line(exc)
                        if is_transient(exc) and attempts - browser_deaths <= self.options.retries:
                            cause += " (no time left in the budget for another attempt)"
                        result = _failed(org.name, exc, cause)
                        break
                    finally:
                        BROWSER_DONE.reset(token)
                        WAITING_ON_THE_CLOCK.reset(lending)
        except TimeoutError:
            if not budget.expired():
                raise
            exc = BudgetExceededError(f"time budget of {self.options.budget_seconds:g} s used up "
                                      f"during attempt {attempts}")
            result = _failed(org.name, exc, str(exc))
        finally:
            slot.release()
        result.attempts = attempts
        result.duration_seconds = round(time.monotonic() - started, 3)
        return result

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter: orgs failing together (a shared outage) do not retry in lockstep."""
        ceiling = min(self.options.backoff_max_seconds, self.options.backoff_base_seconds * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def _save_partial(self, report: RunReport) -> None:
        if self.options.report_path:
            from .reports import write_report_json

            write_report_json(report, self.options.report_path, secrets=self.secrets)


#: what one org's browser context costs at its peak (PSS, Chromium's renderer + its share of the browser), and
#: how many contexts one core keeps busy when pages mostly wait on Salesforce (bench/scale.py measures both)
CONTEXT_MEMORY_BYTES = 250 * 2**20
CONTEXTS_PER_CORE = 3
MAX_DEFAULT_CONCURRENCY = 16


def default_concurrency(cores: int | None = None, available_bytes: int | None = None) -> int:
    """Browser slots this machine can keep busy: 3 per core, as many as the available memory holds, at most 16."""
    import os

    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if available_bytes is None:
        available_bytes = _available_memory()
    by_memory = available_bytes // CONTEXT_MEMORY_BYTES if available_bytes else MAX_DEFAULT_CONCURRENCY
    return max(1, min(CONTEXTS_PER_CORE * (cores or 1), by_memory, MAX_DEFAULT_CONCURRENCY))


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


#: how often one org's attempts may be cut short by the browser dying before that counts as a failed attempt
MAX_BROWSER_DEATHS = 3
#: how long closing a browser at the end of the run may take
BROWSER_CLOSE_SECONDS = 10.0


def _connected(browser: Any) -> bool:
    is_connected = getattr(browser, "is_connected", None)
    return bool(is_connected()) if callable(is_connected) else True


class Browsers:
    """The run's one browser, launched on first use and launched again when it is gone (Chromium crashed or was
    killed): the orgs still to run get a live one. Dead ones are cleaned up when the run ends."""

    def __init__(self, launch: Callable[[], Any] | None):
        self.launch = launch
        self.browser: Any = None
        self.launches = 0
        self._stack = AsyncExitStack()
        self._lock = asyncio.Lock()

    @classmethod
    def of(cls, browser: Any) -> "Browsers":
        """A browser someone else launched: handed out as it is, never relaunched."""
        browsers = cls(None)
        browsers.browser = browser
        return browsers

    async def current(self) -> Any:
        async with self._lock:
            if self.launch is not None and (self.browser is None or not _connected(self.browser)):
                self.browser = await self._stack.enter_async_context(self.launch())
                self.launches += 1
            return self.browser

    def discard(self, browser: Any) -> None:
        """The next org gets a new browser: this one died or stopped answering (closed when the run ends)."""
        if self.launch is not None and browser is self.browser:
            self.browser = None

    async def __aenter__(self) -> "Browsers":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()


def _failed(name: str, exc: BaseException, cause: str) -> OrgResult:
    return OrgResult(name=name, status="failed", cause=cause, error=type(exc).__name__,
                     exit_code=exit_code_of(exc), artifacts=list(getattr(exc, "artifacts", []) or []))


def _loop_time_at(monotonic_deadline: float) -> float:
    loop = asyncio.get_running_loop()
    return loop.time() + (monotonic_deadline - time.monotonic())


def _run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


@asynccontextmanager
async def _launch_default() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    from ..browser import launch_browser_async

    async with async_playwright() as playwright:
        browser = await launch_browser_async(playwright)
        try:
            yield browser
        finally:
            try:
                # bounded: a browser that stopped answering would not answer its close either
                await asyncio.wait_for(browser.close(), timeout=BROWSER_CLOSE_SECONDS)
            except Exception:  # noqa: BLE001 - a browser that died (and was relaunched) has nothing left to close
                pass
