"""The app's OAuth policies: who may use it (admin approved, which profiles and permission sets), refresh token
lifetime, IP relaxation and session timeout. retrieve / compare / apply on the Edit Policies form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provisioner.errors import UnknownProfileError

from . import controls, waits
from .diff import compare
from .external_client_app import AppRef
from .locators import eca_detail as D
from .locators import eca_policies as P
from .session import FlowSession


@dataclass(frozen=True)
class PolicySettings:
    permitted_users: str  # a key of P.PERMITTED_USERS_CHOICES, else the label the page shows
    profiles: frozenset[str]
    permission_sets: frozenset[str]  # as the page labels them
    refresh_token: str  # "expire_after 90 days", "valid_until_revoked", ...
    ip_relaxation: str
    session_timeout_minutes: int  # 0: none (the org's default)


LABELS = {
    "permitted_users": "Permitted Users", "profiles": "Profiles", "permission_sets": "Permission Sets",
    "refresh_token": "Refresh Token Policy", "ip_relaxation": "IP Relaxation",
    "session_timeout_minutes": "Session Timeout (minutes)",
}


@dataclass
class PolicyOutcome:
    changes: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)


def _refresh_token(policy: str, period: int | None, unit: str | None) -> str:
    if policy in ("expire_after", "expire_if_unused"):
        return f"{policy} {period} {unit}"
    return policy


def desired_policies(policies) -> PolicySettings:  # noqa: ANN001 - provisioner.config.Policies
    refresh = policies.refresh_token
    return PolicySettings(
        permitted_users=policies.permitted_users,
        profiles=frozenset(policies.profiles),
        permission_sets=frozenset(policies.permission_sets),
        refresh_token=_refresh_token(refresh.policy, refresh.period, refresh.unit),
        ip_relaxation=policies.ip_relaxation,
        session_timeout_minutes=policies.session_timeout_minutes or 0,
    )


def _key_of(choices: dict[str, str], label: str) -> str:
    return next((key for key, text in choices.items() if text.lower() == label.strip().lower()), label.strip())


def timeout_label(minutes: int) -> str:
    if not minutes:
        return P.NO_TIMEOUT
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def timeout_minutes(label: str) -> int:
    found = re.match(r"\s*(\d+)\s*(minute|hour)", label, re.I)
    if not found:
        return 0
    return int(found.group(1)) * (60 if found.group(2).lower() == "hour" else 1)


def _normal(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name).strip().lower()


def match_names(wanted: frozenset[str], offered: list[str], what: str) -> frozenset[str]:
    """The page's labels for the names in the spec (labels or API names); UnknownProfileError names any missing."""
    by_normal = {_normal(label): label for label in offered}
    found, missing = set(), []
    for name in sorted(wanted):
        label = name if name in offered else by_normal.get(_normal(name))
        if label is None:
            missing.append(name)
        else:
            found.add(label)
    if missing:
        raise UnknownProfileError(f"the org has no {what} {', '.join(repr(m) for m in missing)} "
                                  f"(it has: {', '.join(sorted(offered)) or 'none'})")
    return frozenset(found)


# --- the form ------------------------------------------------------------------------------------------------------

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
    refresh_label = await controls.read_choice(P.REFRESH_TOKEN_POLICY.on(page))
    refresh = _key_of(P.REFRESH_TOKEN_CHOICES, refresh_label)
    period = unit = None
    if refresh in ("expire_after", "expire_if_unused"):
        text = await controls.read_text(P.REFRESH_TOKEN_PERIOD.on(page))
        period = int(text) if text.isdigit() else text
        unit = _key_of(P.REFRESH_TOKEN_UNITS, await controls.read_choice(P.REFRESH_TOKEN_UNIT.on(page)))
    return PolicySettings(
        permitted_users=_key_of(P.PERMITTED_USERS_CHOICES, await controls.read_choice(P.PERMITTED_USERS.on(page))),
        profiles=frozenset(await controls.read_dual(P.PROFILES.on(page))),
        permission_sets=frozenset(await controls.read_dual(P.PERMISSION_SETS.on(page))),
        refresh_token=_refresh_token(refresh, period, unit),
        ip_relaxation=_key_of(P.IP_RELAXATION_CHOICES, await controls.read_choice(P.IP_RELAXATION.on(page))),
        session_timeout_minutes=timeout_minutes(await controls.read_choice(P.SESSION_TIMEOUT.on(page))),
    )


async def _offered(group) -> list[str]:  # noqa: ANN001
    return [waits.squash(t) for t in await group.get_by_role("option").all_inner_texts()]


async def resolve_names(session: FlowSession, desired: PolicySettings) -> PolicySettings:
    """The spec's profile and permission set names as the form labels them (UnknownProfileError if absent)."""
    page = session.page
    profiles = match_names(desired.profiles, await _offered(P.PROFILES.on(page)), "profile")
    permsets = match_names(desired.permission_sets, await _offered(P.PERMISSION_SETS.on(page)), "permission set")
    return PolicySettings(desired.permitted_users, profiles, permsets, desired.refresh_token, desired.ip_relaxation,
                          desired.session_timeout_minutes)


async def apply(session: FlowSession, desired: PolicySettings, policies, fields: set[str]) -> None:  # noqa: ANN001
    page = session.page
    if "permitted_users" in fields:
        label = P.PERMITTED_USERS_CHOICES[desired.permitted_users]
        await controls.choose(P.PERMITTED_USERS.on(page), label, page=page)
        # changing who may use the app asks for confirmation
        dialog = P.DIALOG.on(page).filter(visible=True)
        await dialog.first.wait_for(state="visible")
        await P.CONFIRM.on(dialog.first).first.click()
        await dialog.first.wait_for(state="hidden")
    if "profiles" in fields:
        await controls.set_dual(P.PROFILES.on(page), sorted(desired.profiles))
    if "permission_sets" in fields:
        await controls.set_dual(P.PERMISSION_SETS.on(page), sorted(desired.permission_sets))
    if "refresh_token" in fields:
        refresh = policies.refresh_token
        await controls.choose(P.REFRESH_TOKEN_POLICY.on(page), P.REFRESH_TOKEN_CHOICES[refresh.policy], page=page)
        if refresh.policy in ("expire_after", "expire_if_unused"):
            await controls.fill_text(P.REFRESH_TOKEN_PERIOD.on(page), str(refresh.period))
            await controls.choose(P.REFRESH_TOKEN_UNIT.on(page), P.REFRESH_TOKEN_UNITS[refresh.unit], page=page)
    if "ip_relaxation" in fields:
        await controls.choose(P.IP_RELAXATION.on(page), P.IP_RELAXATION_CHOICES[desired.ip_relaxation], page=page)
    if "session_timeout_minutes" in fields:
        await controls.choose(P.SESSION_TIMEOUT.on(page), timeout_label(desired.session_timeout_minutes), page=page)


def _describe(desired: PolicySettings) -> str:
    parts = [P.PERMITTED_USERS_CHOICES.get(desired.permitted_users, desired.permitted_users)]
    if desired.profiles:
        parts.append("profiles " + ", ".join(sorted(desired.profiles)))
    if desired.permission_sets:
        parts.append("permission sets " + ", ".join(sorted(desired.permission_sets)))
    parts.append("refresh token " + desired.refresh_token.replace("_", " "))
    parts.append("IP relaxation " + desired.ip_relaxation.replace("_", " "))
    parts.append("session timeout " + timeout_label(desired.session_timeout_minutes))
    return "; ".join(parts)


async def ensure(session: FlowSession, ref: AppRef | None, policies, *, dry_run: bool,  # noqa: ANN001
                 new_app: bool = False) -> PolicyOutcome:
    """The app's policies match the spec; returns the changes (or, in a dry run, the plan)."""
    desired = desired_policies(policies)
    if ref is None:  # dry run of a missing app: nothing to read
        return PolicyOutcome(plan=[f"Set the policies: {_describe(desired)}"])
    await session.chapter("Policies", "Edit Policies: " + _describe(desired))
    await open_edit_policies(session, ref)
    desired = await resolve_names(session, desired)
    current = await read_form(session)
    changes = compare(current, desired, LABELS)
    page = session.page
    if not changes:
        await P.CANCEL.on(page).first.click()
        return PolicyOutcome()
    lines = [f"Policies: {change}" for change in changes]
    if dry_run:
        await P.CANCEL.on(page).first.click()
        return PolicyOutcome(plan=lines)
    await apply(session, desired, policies, {c.field for c in changes})
    await P.SAVE.on(page).first.click()
    await waits.outcome(page, url=D.VIEW_URL, timeout_ms=session.timeouts.page_ms,
                        where=f"saving the policies of {ref.name}")
    return PolicyOutcome(changes=lines)
