"""A Connected App's policies: Manage > Edit Policies (Permitted Users, IP Relaxation, Refresh Token Policy, Timeout
Value), Manage Profiles and Manage Permission Sets. retrieve / compare / apply, as flows/policies.py does for
External Client Apps (same spec values, same comparison and wording of changes).

Profiles and permission sets are read (and the spec's names checked) before anything is saved, so an unknown
profile stops the run with nothing half-applied.
"""

from __future__ import annotations

from playwright.async_api import Dialog

from . import classic, controls
from .diff import compare
from .external_client_app import AppRef
from .locators import connected_app_pages as D
from .locators import connected_app_policies as P
from .locators import eca_policies as E
from .policies import (LABELS, PolicyOutcome, PolicySettings, _describe, _key_of, _refresh_token, desired_policies,
                       match_names, timeout_label, timeout_minutes)
from .session import FlowSession

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
    refresh = _key_of(E.REFRESH_TOKEN_CHOICES, await controls.read_choice(P.REFRESH_TOKEN_POLICY.on(scope)))
    period = unit = None
    if refresh in ("expire_after", "expire_if_unused"):
        text = await controls.read_text(P.REFRESH_TOKEN_PERIOD.on(scope))
        period = int(text) if text.isdigit() else text
        unit = _key_of(E.REFRESH_TOKEN_UNITS, await controls.read_choice(P.REFRESH_TOKEN_UNIT.on(scope)))
    return (_key_of(P.PERMITTED_USERS_CHOICES, await controls.read_choice(P.PERMITTED_USERS.on(scope))),
            _refresh_token(refresh, period, unit),
            _key_of(E.IP_RELAXATION_CHOICES, await controls.read_choice(P.IP_RELAXATION.on(scope))),
            timeout_minutes(await controls.read_choice(P.SESSION_TIMEOUT.on(scope))))


async def _apply_form(session: FlowSession, scope, desired: PolicySettings, policies, fields: set[str]) -> None:  # noqa: ANN001
    page = session.page
    if "permitted_users" in fields:
        async def accept(dialog: Dialog) -> None:  # changing who may use the app asks with a JS confirm()
            await dialog.accept()

        page.on("dialog", accept)
        try:
            label = P.PERMITTED_USERS_CHOICES[desired.permitted_users]
            await controls.choose(P.PERMITTED_USERS.on(scope), label, page=page)
        finally:
            page.remove_listener("dialog", accept)
        if await controls.read_choice(P.PERMITTED_USERS.on(scope)) != label:
            from provisioner.errors import SetupPageError

            raise SetupPageError("Permitted Users did not change: the confirmation was refused")
    if "refresh_token" in fields:
        refresh = policies.refresh_token
        await controls.choose(P.REFRESH_TOKEN_POLICY.on(scope), E.REFRESH_TOKEN_CHOICES[refresh.policy], page=page)
        if refresh.policy in ("expire_after", "expire_if_unused"):
            await controls.fill_text(P.REFRESH_TOKEN_PERIOD.on(scope), str(refresh.period))
            await controls.choose(P.REFRESH_TOKEN_UNIT.on(scope), E.REFRESH_TOKEN_UNITS[refresh.unit], page=page)
    if "ip_relaxation" in fields:
        await controls.choose(P.IP_RELAXATION.on(scope), E.IP_RELAXATION_CHOICES[desired.ip_relaxation], page=page)
    if "session_timeout_minutes" in fields:
        await controls.choose(P.SESSION_TIMEOUT.on(scope), timeout_label(desired.session_timeout_minutes), page=page)


async def _set_assignments(session: FlowSession, scope, button, wanted: frozenset[str], ref: AppRef) -> None:  # noqa: ANN001
    current = await _assignments(session, scope, button, ref)
    for label, checked in current.items():
        if checked != (label in wanted):
            box = scope.get_by_role("checkbox", name=label, exact=True).first
            await box.set_checked(label in wanted)
    await _leave(session, scope, ref, save=True)


async def ensure(session: FlowSession, ref: AppRef | None, policies, *, dry_run: bool) -> PolicyOutcome:  # noqa: ANN001
    """The Connected App's policies match the spec; returns the changes (or, in a dry run, the plan)."""
    desired = desired_policies(policies)
    if ref is None:  # dry run of a missing app: nothing to read
        return PolicyOutcome(plan=[f"Set the policies: {_describe(desired)}"])
    await session.chapter("Policies", "Manage > Edit Policies, Manage Profiles, Manage Permission Sets: "
                          + _describe(desired))
    scope = await open_manage(session, ref)
    profiles = await _assignments(session, scope, P.MANAGE_PROFILES, ref)
    await _leave(session, scope, ref, save=False)
    permsets = await _assignments(session, scope, P.MANAGE_PERMISSION_SETS, ref)
    await _leave(session, scope, ref, save=False)
    desired = PolicySettings(
        desired.permitted_users,
        match_names(desired.profiles, list(profiles), "profile"),
        match_names(desired.permission_sets, list(permsets), "permission set"),
        desired.refresh_token, desired.ip_relaxation, desired.session_timeout_minutes)

    await P.EDIT_POLICIES.on(scope).first.click()
    await classic.outcome(session, scope, P.PERMITTED_USERS.on(scope), where=f"opening Edit Policies of {ref.name}")
    permitted, refresh, ip, timeout = await read_form(scope)
    current = PolicySettings(permitted, frozenset(k for k, on in profiles.items() if on),
                             frozenset(k for k, on in permsets.items() if on), refresh, ip, timeout)
    changes = compare(current, desired, LABELS)
    lines = [f"Policies: {change}" for change in changes]
    fields = {c.field for c in changes}
    form_fields = fields - {"profiles", "permission_sets"}
    if dry_run or not form_fields:
        await _leave(session, scope, ref, save=False)
    else:
        await _apply_form(session, scope, desired, policies, form_fields)
        await _leave(session, scope, ref, save=True)
    if dry_run:
        return PolicyOutcome(plan=lines)
    if "profiles" in fields:
        await _set_assignments(session, scope, P.MANAGE_PROFILES, desired.profiles, ref)
    if "permission_sets" in fields:
        await _set_assignments(session, scope, P.MANAGE_PERMISSION_SETS, desired.permission_sets, ref)
    return PolicyOutcome(changes=lines)


__all__ = ["ensure", "open_manage", "read_form"]
