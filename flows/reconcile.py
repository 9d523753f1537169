"""One shape for every Setup area: find, retrieve, compare, plan, apply, written once.

In the spirit of sfdx-browserforce-plugin's plugin base: an area knows how to read its state and how to change it;
the loop below decides what to do with the difference (nothing, a plan in a dry run, a create, an edit). The
browser pages are one implementation of an `Area`; an API path can be another, reconciled by the same loop.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from .session import FlowSession
from .types import AppRef, Change, Outcome

State = TypeVar("State")


class Area(Protocol, Generic[State]):
    """One Setup area (an app's settings, its policies) for one spec. `desired` is the spec in the area's terms."""

    desired: State

    async def find(self, session: FlowSession) -> AppRef | None:
        """Where the area's object lives; None when it does not exist yet."""

    def describe_new(self) -> str:
        """The plan line for creating it."""

    async def create(self, session: FlowSession) -> AppRef:
        """Create it with the desired values."""

    async def retrieve(self, session: FlowSession, ref: AppRef) -> State:
        """Read its current values (the edit form is left open for apply or leave)."""

    def compare(self, current: State) -> list[Change]:
        """What differs from `desired`, in the page's words (names resolved to the page's labels)."""

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        """The lines of a dry run: what would change."""

    def report(self, changes: list[Change]) -> list[str]:
        """The lines of a run: what changed."""

    async def leave(self, session: FlowSession, ref: AppRef) -> None:
        """Close the form retrieve opened, changing nothing."""

    async def apply(self, session: FlowSession, ref: AppRef, changes: list[Change]) -> AppRef:
        """Change exactly these fields and save; returns where the object lives afterwards."""


async def reconcile(area: Area, session: FlowSession, *, dry_run: bool) -> Outcome:
    """Bring one area in line with its `desired` values; a dry run reads and plans, touching nothing."""
    ref = await area.find(session)
    if ref is None:
        if dry_run:
            return Outcome(plan=[area.describe_new()])
        return Outcome(ref=await area.create(session), created=True)
    changes = area.compare(await area.retrieve(session, ref))
    if not changes or dry_run:
        await area.leave(session, ref)
        return Outcome(ref=ref, plan=area.plan(ref, changes))
    ref = await area.apply(session, ref, changes)
    return Outcome(ref=ref, changes=area.report(changes))


__all__ = ["Area", "reconcile"]
