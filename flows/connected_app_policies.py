"""A Connected App's policies: Manage > Edit Policies (Permitted Users, IP Relaxation, Refresh Token Policy, Timeout
Value), Manage Profiles and Manage Permission Sets (a Setup area). The same Area as flows/eca_policies.py (same
values, comparison and wording: flows/policy_settings.py); the reconcile loop is flows/reconcile.py's.

Profiles and permission sets are read (and the spec's names checked) before anything is saved, so an unknown
profile stops the run with nothing half-applied.
"""

from __future__ import annotations

from playwright.async_api import Dialog

from provisioner.errors import SetupPageError

from . import classic, controls, waits
from .locators import connected_app_pages as D
from .locators import connected_app_policies as P
from .policy_settings import (WITH_PERIOD, PolicySettings, PolicyState, describe, desired_policies, key_of,
                              key_of_wordings, lines, offered_label, policy_changes, refresh_token_value,
                              timeout_label, timeout_minutes)
from .session import FlowSession
from .types import AppRef, Change

_CHECKBOXES = "els => els.map(e => [(e.labels && e.labels[0] ? e.labels[0].textContent : e.value).trim(), e.checked])"


async def open_manage(session: FlowSession, ref: AppRef):  # noqa: ANN201
    """The app's Manage page (its policies, profiles and permission sets), reached from its detail page."""
    scope = await classic.open_page(session, ref.url)
    await D.MANAGE.on(scope).first.click()
    await classic.outcome(session, scope, P.EDIT_POLICIES.on(scope), where=f"opening Manage of {ref.name}")
    return scope


async def _assignments(session: FlowSession, scope, button, ref: AppRef) -> dict[str, bool]:  # noqa: ANN001
    """Open Manage Profiles / Manage Permission Sets: {label: assigned}."""
    await button.on(scope).first.click()
    boxes = P.ASSIGNMENT_CHECKBOXES.on(scope)
    await classic.outcome(session, scope, boxes, where=f"opening the assignments of {ref.name}")
    return {label: checked for label, checked in await boxes.evaluate_all(_CHECKBOXES)}


async def _leave(session: FlowSession, scope, ref: AppRef, *, save: bool) -> None:  # noqa: ANN001
    await (P.SAVE if save else P.CANCEL).on(scope).first.click()
    await classic.outcome(session, scope, P.EDIT_POLICIES.on(scope), where=f"saving the policies of {ref.name}")


async def read_form(scope) -> tuple[str, str, str, int]:  # noqa: ANN001
    """(permitted users, refresh token, IP relaxation, timeout minutes) from Edit Policies."""
    refresh = key_of(P.REFRESH_TOKEN_CHOICES, await controls.read_choice(P.REFRESH_TOKEN_POLICY.on(scope)))
    period = unit = None
    if refresh in WITH_PERIOD:
        text = await controls.read_text(P.REFRESH_TOKEN_PERIOD.on(scope))
        period = int(text) if text.isdigit() else text
        unit = key_of(P.REFRESH_TOKEN_UNITS, await controls.read_choice(P.REFRESH_TOKEN_UNIT.on(scope)))
    return (key_of(P.PERMITTED_USERS_CHOICES, await controls.read_choice(P.PERMITTED_USERS.on(scope))),
            refresh_token_value(refresh, period, unit),
            key_of_wordings(P.IP_RELAXATION_WORDINGS, await controls.read_choice(P.IP_RELAXATION.on(scope))),
            timeout_minutes(await controls.read_choice(P.SESSION_TIMEOUT.on(scope))))


async def _apply_form(session: FlowSession, scope, wanted: dict, policies) -> None:  # noqa: ANN001
    page = session.page
    if "permitted_users" in wanted:
        async def accept(dialog: Dialog) -> None:  # changing who may use the app asks with a JS confirm()
            await dialog.accept()

        page.on("dialog", accept)
        try:
            label = P.PERMITTED_USERS_CHOICES[wanted["permitted_users"]]
            await controls.choose(P.PERMITTED_USERS.on(scope), label, page=page)
        finally:
            page.remove_listener("dialog", accept)
        if await controls.read_choice(P.PERMITTED_USERS.on(scope)) != label:
            raise SetupPageError("Permitted Users did not change: the confirmation was refused")
    if "refresh_token" in wanted:
        refresh = policies.refresh_token
        await controls.choose(P.REFRESH_TOKEN_POLICY.on(scope), P.REFRESH_TOKEN_CHOICES[refresh.policy], page=page)
        if refresh.policy in WITH_PERIOD:
            await controls.fill_text(P.REFRESH_TOKEN_PERIOD.on(scope), str(refresh.period))
            await controls.choose(P.REFRESH_TOKEN_UNIT.on(scope), P.REFRESH_TOKEN_UNITS[refresh.unit], page=page)
    if "ip_relaxation" in wanted:
        await _choose_ip_relaxation(scope, wanted["ip_relaxation"], page)
    if "session_timeout_minutes" in wanted:
        await controls.choose(P.SESSION_TIMEOUT.on(scope), timeout_label(wanted["session_timeout_minutes"]), page=page)


async def _choose_ip_relaxation(scope, key: str, page) -> None:  # noqa: ANN001
    """IP Relaxation's choice in whichever wording this release's page offers (P.IP_RELAXATION_WORDINGS)."""
    control = P.IP_RELAXATION.on(scope)
    offered = [waits.squash(t) for t in await control.first.locator("option").all_inner_texts()]
    label = offered_label(P.IP_RELAXATION_WORDINGS[key], offered)
    if label is None:
        raise SetupPageError(f"Edit Policies offers no IP Relaxation {P.IP_RELAXATION_WORDINGS[key][0]!r} "
                             f"(it offers: {', '.join(offered)})")
    await controls.choose(control, label, page=page)


async def _set_assignments(session: FlowSession, scope, button, wanted: frozenset[str], ref: AppRef) -> None:  # noqa: ANN001
    current = await _assignments(session, scope, button, ref)
    for label, checked in current.items():
        if checked != (label in wanted):
            box = scope.get_by_role("checkbox", name=label, exact=True).first
            await box.set_checked(label in wanted)
    await _leave(session, scope, ref, save=True)


class ConnectedAppPoliciesArea:
    """The Connected App's policies, reconciled on its Manage pages (see flows/reconcile.Area). `app` is None only
    in a dry run for an app that does not exist yet. Profiles and permission sets are read (and the spec's names
    checked) before anything is saved, so an unknown profile stops the run with nothing half-applied."""

    def __init__(self, app: AppRef | None, policies):  # noqa: ANN001 - provisioner.config.Policies
        self.app = app
        self.policies = policies
        self.desired = desired_policies(policies)
        self._scope = None  # where the open Edit Policies form is (retrieve -> leave/apply)

    async def find(self, session: FlowSession) -> AppRef | None:
        return self.app

    def describe_new(self) -> str:
        return f"Set the policies: {describe(self.desired)}"

    async def create(self, session: FlowSession) -> AppRef:
        raise SetupPageError("there is no Connected App to set the policies of")  # the app area creates it first

    async def retrieve(self, session: FlowSession, ref: AppRef) -> PolicyState:
        await session.chapter("Policies", "Manage > Edit Policies, Manage Profiles, Manage Permission Sets: "
                              + describe(self.desired))
        scope = await open_manage(session, ref)
        profiles = await _assignments(session, scope, P.MANAGE_PROFILES, ref)
        await _leave(session, scope, ref, save=False)
        permsets = await _assignments(session, scope, P.MANAGE_PERMISSION_SETS, ref)
        await _leave(session, scope, ref, save=False)
        await P.EDIT_POLICIES.on(scope).first.click()
        await classic.outcome(session, scope, P.PERMITTED_USERS.on(scope),
                              where=f"opening Edit Policies of {ref.name}")
        permitted, refresh, ip, timeout = await read_form(scope)
        self._scope = scope
        current = PolicySettings(permitted, frozenset(k for k, on in profiles.items() if on),
                                 frozenset(k for k, on in permsets.items() if on), refresh, ip, timeout)
        return PolicyState(current, tuple(profiles), tuple(permsets))

    def compare(self, current: PolicyState) -> list[Change]:
        return policy_changes(current, self.desired)

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return lines(changes)

    def report(self, changes: list[Change]) -> list[str]:
        return lines(changes)

    async def leave(self, session: FlowSession, ref: AppRef) -> None:
        await _leave(session, self._scope, ref, save=False)

    async def apply(self, session: FlowSession, ref: AppRef, changes: list[Change]) -> AppRef:
        scope = self._scope
        wanted = {change.field: change.desired for change in changes}
        form = {name: value for name, value in wanted.items() if name not in ("profiles", "permission_sets")}
        if form:
            await _apply_form(session, scope, form, self.policies)
        await _leave(session, scope, ref, save=bool(form))
        if "profiles" in wanted:
            await _set_assignments(session, scope, P.MANAGE_PROFILES, wanted["profiles"], ref)
        if "permission_sets" in wanted:
            await _set_assignments(session, scope, P.MANAGE_PERMISSION_SETS, wanted["permission_sets"], ref)
        return ref


__all__ = ["ConnectedAppPoliciesArea", "open_manage", "read_form"]
