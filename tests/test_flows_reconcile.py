"""The one reconcile loop every Setup area goes through (flows/reconcile.py), with a fake area: what it reads, what it
changes, and that a dry run changes nothing. Also the table of app kinds the engine looks areas up in."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from provisioner.errors import ConfigError
from provisioner.flows.app_kinds import APP_KINDS, app_kind
from provisioner.flows.diff import compare
from provisioner.flows.reconcile import reconcile
from provisioner.flows.types import AppRef, Change

REF = AppRef("App", "App", "https://acme.my.salesforce.com/app")


@dataclass(frozen=True)
class Values:
    colour: str
    size: int


class FakeArea:
    """An area whose 'org' is a dict; it records every call so the test sees what the loop did."""

    def __init__(self, org: dict | None, desired: Values):
        self.org, self.desired, self.calls = org, desired, []

    async def find(self, session) -> AppRef | None:  # noqa: ANN001
        self.calls.append("find")
        return REF if self.org is not None else None

    def describe_new(self) -> str:
        return "Create App"

    async def create(self, session) -> AppRef:  # noqa: ANN001
        self.calls.append("create")
        return REF

    async def retrieve(self, session, ref: AppRef) -> Values:  # noqa: ANN001
        self.calls.append("retrieve")
        return Values(**self.org)

    def compare(self, current: Values) -> list[Change]:
        return compare(current, self.desired, {"colour": "Colour", "size": "Size"})

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return [f"Edit {ref.name}: {c}" for c in changes]

    def report(self, changes: list[Change]) -> list[str]:
        return [str(c) for c in changes]

    async def leave(self, session, ref: AppRef) -> None:  # noqa: ANN001
        self.calls.append("leave")

    async def apply(self, session, ref: AppRef, changes: list[Change]) -> AppRef:  # noqa: ANN001
        self.calls.append("apply " + ",".join(c.field for c in changes))
        return ref


def run(area: FakeArea, dry_run: bool = False):  # noqa: ANN201
    return asyncio.run(reconcile(area, session=None, dry_run=dry_run))


def test_a_missing_object_is_created_or_planned():
    area = FakeArea(None, Values("blue", 2))
    outcome = run(area)
    assert outcome.created and outcome.ref == REF and area.calls == ["find", "create"]
    area = FakeArea(None, Values("blue", 2))
    planned = run(area, dry_run=True)
    assert planned.plan == ["Create App"] and planned.ref is None and area.calls == ["find"]


def test_only_what_differs_is_applied_and_reported():
    area = FakeArea({"colour": "red", "size": 2}, Values("blue", 2))
    outcome = run(area)
    assert area.calls == ["find", "retrieve", "apply colour"]
    assert outcome.changes == ["Colour: red -> blue"] and not outcome.created and outcome.plan == []


def test_nothing_differs_or_a_dry_run_leaves_the_form_untouched():
    area = FakeArea({"colour": "blue", "size": 2}, Values("blue", 2))
    assert run(area).changes == [] and area.calls == ["find", "retrieve", "leave"]
    area = FakeArea({"colour": "red", "size": 3}, Values("blue", 2))
    planned = run(area, dry_run=True)
    assert area.calls == ["find", "retrieve", "leave"]
    assert planned.plan == ["Edit App: Colour: red -> blue", "Edit App: Size: 3 -> 2"] and planned.changes == []


def test_every_app_kind_has_its_areas_and_an_unknown_kind_is_a_config_error():
    assert set(APP_KINDS) == {"external_client_app", "connected_app"}
    for kind in APP_KINDS.values():
        assert callable(kind.app) and callable(kind.policies) and callable(kind.reveal)
    with pytest.raises(ConfigError, match="app_type 'pages' is not one of"):
        app_kind("pages")
