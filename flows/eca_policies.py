"""An External Client App's OAuth policies (a Setup area): who may use it (admin approved, which profiles and
permission sets), refresh token lifetime, IP relaxation and session timeout, on the Edit Policies form. The
reconcile loop is flows/reconcile.py's; the values and their comparison are flows/policy_settings.py's."""

from __future__ import annotations

from provisioner.errors import SetupPageError

from . import controls, waits
from .locators import eca_detail as D
from .locators import eca_policies as P
from .policy_settings import (WITH_PERIOD, PolicySettings, PolicyState, describe, desired_policies, key_of, lines,
                              policy_changes, refresh_token_value, timeout_label, timeout_minutes)
from .session import FlowSession
from .types import AppRef, Change


async def open_edit_policies(session: FlowSession, ref: AppRef) -> None:
    page = session.page
    if not page.url.startswith(ref.url) or D.VIEW_URL.search(page.url) is None:
        await page.goto(ref.url, wait_until="domcontentloaded")
        await waits.ensure_available(page)
    await D.POLICIES_TAB.on(page).first.click()
    await waits.settled(page, session.timeouts.settle_ms)
    await D.EDIT_POLICIES.on(page).or_(D.EDIT.on(page)).filter(visible=True).first.click()
    await P.PERMITTED_USERS.on(page).first.wait_for(state="visible")
    await waits.settled(page, session.timeouts.settle_ms)


async def read_form(session: FlowSession) -> PolicySettings:
    page = session.page
    refresh = key_of(P.REFRESH_TOKEN_CHOICES, await controls.read_choice(P.REFRESH_TOKEN_POLICY.on(page)))
    period = unit = None
    if refresh in WITH_PERIOD:
        text = await controls.read_text(P.REFRESH_TOKEN_PERIOD.on(page))
        period = int(text) if text.isdigit() else text
        unit = key_of(P.REFRESH_TOKEN_UNITS, await controls.read_choice(P.REFRESH_TOKEN_UNIT.on(page)))
    return PolicySettings(
        permitted_users=key_of(P.PERMITTED_USERS_CHOICES, await controls.read_choice(P.PERMITTED_USERS.on(page))),
        profiles=frozenset(await controls.read_dual(P.PROFILES.on(page))),
        permission_sets=frozenset(await controls.read_dual(P.PERMISSION_SETS.on(page))),
        refresh_token=refresh_token_value(refresh, period, unit),
        ip_relaxation=key_of(P.IP_RELAXATION_CHOICES, await controls.read_choice(P.IP_RELAXATION.on(page))),
        session_timeout_minutes=timeout_minutes(await controls.read_choice(P.SESSION_TIMEOUT.on(page))),
    )


async def _offered(group) -> tuple[str, ...]:  # noqa: ANN001
    return tuple(waits.squash(t) for t in await group.get_by_role("option").all_inner_texts())


async def fill_form(session: FlowSession, changes: list[Change], policies) -> None:  # noqa: ANN001
    """Set the changed fields to their desired values (`policies`: the spec's, for the refresh token's parts)."""
    page = session.page
    wanted = {change.field: change.desired for change in changes}
    if "permitted_users" in wanted:
        await controls.choose(P.PERMITTED_USERS.on(page), P.PERMITTED_USERS_CHOICES[wanted["permitted_users"]],
                              page=page)
        # changing who may use the app asks for confirmation
        dialog = P.DIALOG.on(page).filter(visible=True)
        await dialog.first.wait_for(state="visible")
        await P.CONFIRM.on(dialog.first).first.click()
        await dialog.first.wait_for(state="hidden")
    if "profiles" in wanted:
        await controls.set_dual(P.PROFILES.on(page), sorted(wanted["profiles"]))
    if "permission_sets" in wanted:
        await controls.set_dual(P.PERMISSION_SETS.on(page), sorted(wanted["permission_sets"]))
    if "refresh_token" in wanted:
        refresh = policies.refresh_token
        await controls.choose(P.REFRESH_TOKEN_POLICY.on(page), P.REFRESH_TOKEN_CHOICES[refresh.policy], page=page)
        if refresh.policy in WITH_PERIOD:
            await controls.fill_text(P.REFRESH_TOKEN_PERIOD.on(page), str(refresh.period))
            await controls.choose(P.REFRESH_TOKEN_UNIT.on(page), P.REFRESH_TOKEN_UNITS[refresh.unit], page=page)
    if "ip_relaxation" in wanted:
        await controls.choose(P.IP_RELAXATION.on(page), P.IP_RELAXATION_CHOICES[wanted["ip_relaxation"]], page=page)
    if "session_timeout_minutes" in wanted:
        await controls.choose(P.SESSION_TIMEOUT.on(page), timeout_label(wanted["session_timeout_minutes"]), page=page)


class ExternalClientAppPoliciesArea:
    """The app's policies, reconciled on its Policies tab (see flows/reconcile.Area). `app` is None only in a dry
    run for an app that does not exist yet (then the plan says what would be set)."""

    def __init__(self, app: AppRef | None, policies):  # noqa: ANN001 - provisioner.config.Policies
        self.app = app
        self.policies = policies
        self.desired = desired_policies(policies)

    async def find(self, session: FlowSession) -> AppRef | None:
        return self.app

    def describe_new(self) -> str:
        return f"Set the policies: {describe(self.desired)}"

    async def create(self, session: FlowSession) -> AppRef:
        raise SetupPageError("there is no app to set the policies of")  # the app area creates the app first

    async def retrieve(self, session: FlowSession, ref: AppRef) -> PolicyState:
        await session.chapter("Policies", "Edit Policies: " + describe(self.desired))
        await open_edit_policies(session, ref)
        page = session.page
        return PolicyState(await read_form(session), await _offered(P.PROFILES.on(page)),
                           await _offered(P.PERMISSION_SETS.on(page)))

    def compare(self, current: PolicyState) -> list[Change]:
        return policy_changes(current, self.desired)

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return lines(changes)

    def report(self, changes: list[Change]) -> list[str]:
        return lines(changes)

    async def leave(self, session: FlowSession, ref: AppRef) -> None:
        await P.CANCEL.on(session.page).first.click()

    async def apply(self, session: FlowSession, ref: AppRef, changes: list[Change]) -> AppRef:
        await fill_form(session, changes, self.policies)
        await P.SAVE.on(session.page).first.click()
        await waits.outcome(session.page, url=D.VIEW_URL, timeout_ms=session.timeouts.page_ms,
                            where=f"saving the policies of {ref.name}")
        return ref


__all__ = ["ExternalClientAppPoliciesArea", "open_edit_policies", "read_form", "fill_form"]
