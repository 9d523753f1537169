"""An External Client App's OAuth policies (a Setup area): who may use it (admin approved, which profiles and
permission sets), the client credentials flow's Run As, refresh token lifetime, IP relaxation and session timeout,
on the Edit Policies form. The reconcile loop is flows/reconcile.py's; the values and their comparison are
flows/policy_settings.py's.

Orgs differ here (EVIDENCE.md): the OAuth Policies section may start collapsed (opened, never closed); with the
org's idle refresh-token limit "valid until revoked" is not offered; releases word IP Relaxation differently.
"""

from __future__ import annotations

from playwright.async_api import Locator, expect

from provisioner.errors import OrgSettingConflictError, SetupPageError

from . import controls, sections, waits
from .locators import connected_app_policies as CP
from .locators import eca_detail as D
from .locators import eca_policies as P
from .policy_settings import (WITH_PERIOD, PolicySettings, PolicyState, describe, desired_policies, key_of,
                              key_of_wordings, lines, offered_label, policy_changes, refresh_token_value,
                              timeout_label, timeout_minutes)
from .session import FlowSession
from .types import AppRef, Change

#: every wording of each refresh token choice: the External Client App's, then the classic Connected App's (a page
#: that still words it the classic way is read and set too)
REFRESH_TOKEN_WORDINGS = {key: (P.REFRESH_TOKEN_CHOICES[key], CP.REFRESH_TOKEN_CHOICES[key])
                          for key in P.REFRESH_TOKEN_CHOICES}
_RADIO_LABEL = "e => (e.labels && e.labels[0] ? e.labels[0].textContent : e.getAttribute('aria-label') || e.value)"


async def open_policies_section(session: FlowSession) -> None:
    """Open the collapsible OAuth Policies section when it is closed; an open one stays open."""
    await sections.open_section(session, P.OAUTH_POLICIES_SECTION.on(session.page),
                                P.PERMITTED_USERS.on(session.page))


async def open_edit_policies(session: FlowSession, ref: AppRef) -> None:
    page = session.page
    if not page.url.startswith(ref.url) or D.VIEW_URL.search(page.url) is None:
        await page.goto(ref.url, wait_until="domcontentloaded")
        await waits.ensure_available(page)
    await D.POLICIES_TAB.on(page).first.click()
    await waits.settled(page, session.timeouts.settle_ms)
    await D.EDIT_POLICIES.on(page).or_(D.EDIT.on(page)).filter(visible=True).first.click()
    await P.SAVE.on(page).first.wait_for(state="visible")
    await waits.settled(page, session.timeouts.settle_ms)
    await open_policies_section(session)
    await P.PERMITTED_USERS.on(page).first.wait_for(state="visible")


async def _run_as(page) -> str:  # noqa: ANN001
    """The Policies page's client credentials Run As ("" when its box is off or the page has none)."""
    box = P.CLIENT_CREDENTIALS.on(page)
    if not await box.count() or not await controls.read_checked(box):
        return ""
    return await controls.read_text(P.RUN_AS.on(page))


async def read_form(session: FlowSession) -> PolicySettings:
    page = session.page
    refresh = key_of_wordings(REFRESH_TOKEN_WORDINGS, await controls.read_choice(P.REFRESH_TOKEN_POLICY.on(page)))
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
        ip_relaxation=key_of_wordings(P.IP_RELAXATION_WORDINGS, await controls.read_choice(P.IP_RELAXATION.on(page))),
        session_timeout_minutes=timeout_minutes(await controls.read_choice(P.SESSION_TIMEOUT.on(page))),
        run_as=await _run_as(page),
    )


async def _offered(group) -> tuple[str, ...]:  # noqa: ANN001
    return tuple(waits.squash(t) for t in await group.get_by_role("option").all_inner_texts())


async def offered_choices(control: Locator, page) -> list[str]:  # noqa: ANN001
    """The labels a choice control offers. A combobox is opened (its options may be drawn only when open) and left
    open for controls.choose."""
    kind = await controls.kind_of(control)
    first = control.first
    if kind == "select":
        return [waits.squash(t) for t in await first.locator("option").all_inner_texts()]
    if kind == "radiogroup":
        return [waits.squash(await radio.evaluate(_RADIO_LABEL)) for radio in await first.get_by_role("radio").all()]
    if await first.get_attribute("aria-expanded") != "true":
        await first.click()
    listbox_id = await first.get_attribute("aria-controls")
    options = (page.locator(f"[id='{listbox_id}']") if listbox_id else page).get_by_role("option")
    await options.first.wait_for(state="visible")
    return [waits.squash(t) for t in await options.all_inner_texts()]


async def _choose_wording(control: Locator, wordings: tuple[str, ...], what: str, page) -> None:  # noqa: ANN001
    """Pick whichever of a choice's wordings the page offers."""
    offered = await offered_choices(control, page)
    label = offered_label(wordings, offered)
    if label is None:
        raise SetupPageError(f"Edit Policies offers no {what} {wordings[0]!r} (it offers: {', '.join(offered)})")
    await controls.choose(control, label, page=page)


async def set_checked_confirmed(session: FlowSession, box: Locator, value: bool) -> None:
    """Tick or clear a checkbox that may ask for confirmation first (a modal, or a native confirm()): confirm it."""
    page, first = session.page, box.first
    if await first.is_checked() == value:
        return

    async def accept(dialog) -> None:  # noqa: ANN001 - a native confirm(): Playwright would dismiss it
        await dialog.accept()

    page.on("dialog", accept)
    try:
        await controls.click_like_a_user(first)
        modal = P.DIALOG.on(page).filter(visible=True)
        ms = session.timeouts.page_ms
        await waits.first_of({"modal": lambda: modal.first.wait_for(state="visible", timeout=ms),
                              "done": lambda: expect(first).to_be_checked(checked=value, timeout=ms)}, ms)
        await waits.settled(page, session.timeouts.settle_ms)
        if await modal.count():  # a page may tick the box and ask at the same time
            await P.CONFIRM.on(modal.first).first.click()
            await modal.first.wait_for(state="hidden")
        await expect(first).to_be_checked(checked=value)
    finally:
        page.remove_listener("dialog", accept)


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
    if "run_as" in wanted:
        await set_checked_confirmed(session, P.CLIENT_CREDENTIALS.on(page), bool(wanted["run_as"]))
        if wanted["run_as"]:
            await P.RUN_AS.on(page).first.wait_for(state="visible")
            await controls.fill_text(P.RUN_AS.on(page), wanted["run_as"])
    if "refresh_token" in wanted:
        refresh = policies.refresh_token
        await _choose_wording(P.REFRESH_TOKEN_POLICY.on(page), REFRESH_TOKEN_WORDINGS[refresh.policy],
                              "refresh token policy", page)
        if refresh.policy in WITH_PERIOD:
            await controls.fill_text(P.REFRESH_TOKEN_PERIOD.on(page), str(refresh.period))
            await controls.choose(P.REFRESH_TOKEN_UNIT.on(page), P.REFRESH_TOKEN_UNITS[refresh.unit], page=page)
    if "ip_relaxation" in wanted:
        await _choose_wording(P.IP_RELAXATION.on(page), P.IP_RELAXATION_WORDINGS[wanted["ip_relaxation"]],
                              "IP Relaxation", page)
    if "session_timeout_minutes" in wanted:
        minutes = wanted["session_timeout_minutes"]
        control = P.SESSION_TIMEOUT.on(page)
        if (await controls.kind_of(control)).startswith("input:"):  # External Client Apps: a number of minutes
            await controls.fill_text(control, str(minutes) if minutes else "")
        else:  # a picklist, as the Connected App's Timeout Value
            await controls.choose(control, timeout_label(minutes), page=page)


def refresh_token_offered(policies, offered: tuple[str, ...]) -> None:  # noqa: ANN001 - spec.policies
    """The spec's refresh token policy must be one the page offers; "valid until revoked" is taken away by the
    org's idle refresh-token limit (OrgSettingConflictError, before anything on the page is changed)."""
    policy = policies.refresh_token.policy
    if not offered or offered_label(REFRESH_TOKEN_WORDINGS[policy], list(offered)) is not None:
        return
    if policy == "valid_until_revoked":
        raise OrgSettingConflictError(
            "the org limits idle refresh tokens to 30 days (Setup: \"Limit Idle Refresh Token Time-to-Live (TTL) to 30 "
            "Days\"), so Edit Policies does not offer \"Refresh token is valid until revoked\": set "
            "policies.refresh_token.policy to expire_if_unused (30 days or less) or expire_after, or turn the limit off")
    raise SetupPageError(f"Edit Policies offers no refresh token policy {REFRESH_TOKEN_WORDINGS[policy][0]!r} "
                         f"(it offers: {', '.join(offered)})")


class ExternalClientAppPoliciesArea:
    """The app's policies, reconciled on its Policies tab (see flows/reconcile.Area). `app` is None only in a dry
    run for an app that does not exist yet (then the plan says what would be set)."""

    def __init__(self, app: AppRef | None, policies):  # noqa: ANN001 - provisioner.spec.Policies
        self.app = app
        self.policies = policies
        self.desired = desired_policies(policies)
        self.offered_refresh_tokens: tuple[str, ...] = ()

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
        self.offered_refresh_tokens = tuple(await offered_choices(P.REFRESH_TOKEN_POLICY.on(page), page))
        return PolicyState(await read_form(session), await _offered(P.PROFILES.on(page)),
                           await _offered(P.PERMISSION_SETS.on(page)))

    def compare(self, current: PolicyState) -> list[Change]:
        refresh_token_offered(self.policies, self.offered_refresh_tokens)
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
        try:
            await waits.outcome(session.page, url=D.VIEW_URL, timeout_ms=session.timeouts.page_ms,
                                where=f"saving the policies of {ref.name}")
        except SetupPageError as exc:
            if "execution user" in str(exc).lower():  # say what a Run As user needs [doc]
                raise SetupPageError(f"{exc} (the Run As user {self.desired.run_as} must exist, be active and have "
                                     "the API Only User permission, e.g. the profile \"Minimum Access - API Only "
                                     "Integrations\")") from None
            raise
        return ref


__all__ = ["ExternalClientAppPoliciesArea", "fill_form", "offered_choices", "open_edit_policies",
           "open_policies_section", "read_form", "refresh_token_offered", "set_checked_confirmed"]
