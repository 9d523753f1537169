"""The job holds a browser slot only for an org's browser part: while one org's new app propagates (verify), the
slot serves another org's browser work. The default concurrency comes from the machine."""

from __future__ import annotations

import asyncio
import io

from provisioner.job.events import JobEvents
from provisioner.job.org_attempt import BROWSER_DONE
from provisioner.job.runner import (CONTEXT_MEMORY_BYTES, MAX_DEFAULT_CONCURRENCY, JobRunner, RunOptions,
                                    default_concurrency)
from provisioner.one_org import OrgOutcome

from .test_job_unit import inventory_of, no_browser


class BrowserThenVerify:
    """An attempt: a browser part, then (slot given back) a long verify. Counts browser parts in flight."""

    def __init__(self):
        self.browsing = self.max_browsing = 0
        self.verifying = self.max_verifying = 0

    async def __call__(self, browser, org, events, deadline):
        self.browsing += 1
        self.max_browsing = max(self.max_browsing, self.browsing)
        await asyncio.sleep(0.01)
        self.browsing -= 1
        BROWSER_DONE.get()()
        self.verifying += 1
        self.max_verifying = max(self.max_verifying, self.verifying)
        await asyncio.sleep(0.2)  # propagation: no browser needed
        self.verifying -= 1
        return OrgOutcome(status="created", verified=True)


def run(tmp_path, work, orgs: int, concurrency: int):
    inv = inventory_of(tmp_path, *[f"o{i}" for i in range(orgs)])
    runner = JobRunner(inv, RunOptions(concurrency=concurrency, budget_seconds=30, retries=0), work=work,
                       launch=no_browser, events=JobEvents(stream=io.StringIO()))
    return asyncio.run(runner.run())


def test_orgs_waiting_on_propagation_do_not_hold_browser_slots(tmp_path):
    work = BrowserThenVerify()
    report = run(tmp_path, work, orgs=6, concurrency=2)
    assert all(o.status == "created" for o in report.orgs)
    assert work.max_browsing <= 2, "more browser parts at once than slots"
    assert work.max_verifying >= 4, "orgs waiting on propagation still held their browser slots"


def test_a_slot_given_back_twice_counts_once(tmp_path):
    class Twice(BrowserThenVerify):
        async def __call__(self, browser, org, events, deadline):
            outcome = await super().__call__(browser, org, events, deadline)
            BROWSER_DONE.get()()  # and the runner gives it back once more when the attempt ends
            return outcome

    work = Twice()
    run(tmp_path, work, orgs=12, concurrency=2)
    assert work.max_browsing <= 2, "a slot given back twice let a third browser part in"


def test_default_concurrency_follows_cores_and_memory():
    plenty = 64 * 2**30
    assert default_concurrency(cores=2, available_bytes=plenty) == 6
    assert default_concurrency(cores=64, available_bytes=plenty) == MAX_DEFAULT_CONCURRENCY
    assert default_concurrency(cores=8, available_bytes=3 * CONTEXT_MEMORY_BYTES) == 3  # memory-bound
    assert default_concurrency(cores=8, available_bytes=CONTEXT_MEMORY_BYTES // 2) == 1  # never zero
    assert default_concurrency() >= 1


def test_an_org_waiting_on_the_authenticator_lends_its_slot_and_gets_it_back_first(tmp_path):
    from provisioner.flows.session import WAITING_ON_THE_CLOCK

    order: list[str] = []

    async def work(browser, org, events, deadline):  # noqa: ANN001, ANN202
        order.append(f"{org.name} browser")
        if org.name == "o0":
            async with WAITING_ON_THE_CLOCK.get()():  # the next 30-second step, e.g. for the reveal's code
                order.append("o0 waits on the clock")
                while "o1 browser" not in order:  # the slot it lent serves another org meanwhile
                    await asyncio.sleep(0.01)
            order.append("o0 back")
        await asyncio.sleep(0.01)
        BROWSER_DONE.get()()
        return OrgOutcome(status="created", verified=True)

    report = run(tmp_path, work, orgs=3, concurrency=1)
    assert all(o.status == "created" for o in report.orgs)
    # o1 used the lent slot; o0 came back before o2, which had not started
    assert order == ["o0 browser", "o0 waits on the clock", "o1 browser", "o0 back", "o2 browser"], order


def test_slots_go_to_resuming_orgs_first_and_a_cancelled_waiter_passes_its_turn_on():
    from provisioner.job.slots import BrowserSlots

    async def scenario():  # noqa: ANN202
        slots = BrowserSlots(1)
        await slots.acquire()
        got: list[str] = []

        async def take(name: str, resuming: bool = False) -> None:
            await slots.acquire(resuming=resuming)
            got.append(name)

        new = asyncio.create_task(take("not started"))
        cancelled = asyncio.create_task(take("cancelled", resuming=True))
        back = asyncio.create_task(take("resuming", resuming=True))
        await asyncio.sleep(0)
        cancelled.cancel()
        slots.release()
        await asyncio.sleep(0)
        first = list(got)
        slots.release()
        await asyncio.gather(new, back, return_exceptions=True)
        return first, got

    first, got = asyncio.run(scenario())
    assert first == ["resuming"] and got == ["resuming", "not started"]
