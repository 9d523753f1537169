"""The nightly job's browser slots: how many orgs do browser work at once.

An org holds a slot for its browser part only: it gives it back when that part is over (its app then propagates
without a browser) and, for a while, when its page can only wait on the clock (the authenticator's next 30-second
step: `BrowserSlot.paused`). An org coming back from such a pause has its page open and a prompt on it, so it gets
the next free slot before any org that has not started.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator


class BrowserSlots:
    """N slots, handed out first to orgs coming back from a pause, then to the others in the order they asked."""

    def __init__(self, count: int):
        self._free = count
        self._resuming: deque[asyncio.Future] = deque()
        self._waiting: deque[asyncio.Future] = deque()

    async def acquire(self, *, resuming: bool = False) -> None:
        if self._free > 0 and not self._resuming and (resuming or not self._waiting):
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        (self._resuming if resuming else self._waiting).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # given a slot in the same moment it was cancelled: pass it on
            raise

    def release(self) -> None:
        self._free += 1
        while self._free > 0:
            queue = self._resuming or self._waiting
            if not queue:
                return
            turn = queue.popleft()
            if turn.done():  # its waiter was cancelled
                continue
            self._free -= 1
            turn.set_result(None)


class BrowserSlot:
    """One org's claim on one of the run's slots: released as soon as its browser part is over (or the attempt ends),
    taken again for a retry. Releasing twice gives back one slot."""

    def __init__(self, slots: BrowserSlots):
        self._slots = slots
        self.held = False

    async def acquire(self, *, resuming: bool = False) -> None:
        if not self.held:
            await self._slots.acquire(resuming=resuming)
            self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._slots.release()

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """The slot serves another org while this one's page only waits; taken back (ahead of orgs not yet started)
        before the page is used again. A slot not held (the browser part already over) stays so."""
        if not self.held:
            yield
            return
        self.release()
        try:
            yield
        except BaseException:
            raise  # the attempt is ending (an error, its budget spent): nothing to take back
        await self.acquire(resuming=True)


__all__ = ["BrowserSlot", "BrowserSlots"]
