"""An app's OAuth policies as the spec decides them, shared by both app kinds: the values, the spec turned into them,
the page's names for them, and how the spec's profile and permission set names are matched to the page's labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

from provisioner.errors import UnknownProfileError

from .diff import compare
from .waits import squash
from .locators import eca_policies as P
from .types import Change


@dataclass(frozen=True)
class PolicySettings:
    permitted_users: str  # a key of P.PERMITTED_USERS_CHOICES, else the label the page shows
    profiles: frozenset[str]
    permission_sets: frozenset[str]  # as the page labels them
    refresh_token: str  # "expire_after 90 days", "valid_until_revoked", ...
    ip_relaxation: str
    session_timeout_minutes: int  # 0: none (the org's default)
    #: External Client Apps: the Policies page's client credentials flow runs as this user ("": its box is off)
    run_as: str = ""


@dataclass(frozen=True)
class PolicyState:
    """What the page holds, and every profile and permission set it offers (to match the spec's names against)."""

    settings: PolicySettings
    offered_profiles: tuple[str, ...]
    offered_permission_sets: tuple[str, ...]


LABELS = {
    "permitted_users": "Permitted Users", "profiles": "Profiles", "permission_sets": "Permission Sets",
    "refresh_token": "Refresh Token Policy", "ip_relaxation": "IP Relaxation",
    "session_timeout_minutes": "Session Timeout (minutes)", "run_as": "Client Credentials Flow Run As",
}

#: refresh token policies that take a period and a unit
WITH_PERIOD = ("expire_after", "expire_if_unused")


def refresh_token_value(policy: str, period: int | str | None, unit: str | None) -> str:
    if policy in WITH_PERIOD:
        return f"{policy} {period} {unit}"
    return policy


def desired_policies(policies) -> PolicySettings:  # noqa: ANN001 - provisioner.config.Policies
    refresh = policies.refresh_token
    return PolicySettings(
        permitted_users=policies.permitted_users,
        profiles=frozenset(policies.profiles),
        permission_sets=frozenset(policies.permission_sets),
        refresh_token=refresh_token_value(refresh.policy, refresh.period, refresh.unit),
        ip_relaxation=policies.ip_relaxation,
        session_timeout_minutes=policies.session_timeout_minutes or 0,
        run_as=policies.run_as or "",
    )


def key_of(choices: dict[str, str], label: str) -> str:
    """The spec's key for a label the page shows (the label itself when the page shows something unknown)."""
    return next((key for key, text in choices.items() if text.lower() == label.strip().lower()), label.strip())


def key_of_wordings(wordings: dict[str, tuple[str, ...]], label: str) -> str:
    """key_of for choices whose wording changed between releases (each key: every wording it has had)."""
    wanted = label.strip().lower()
    return next((key for key, texts in wordings.items() if wanted in (t.lower() for t in texts)), label.strip())


def offered_label(wordings: tuple[str, ...], offered: list[str]) -> str | None:
    """Which of a choice's wordings the page offers (None: none of them)."""
    by_lower = {squash(o).lower(): squash(o) for o in offered}
    return next((by_lower[w.lower()] for w in wordings if w.lower() in by_lower), None)


def timeout_label(minutes: int) -> str:
    if not minutes:
        return P.NO_TIMEOUT
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def timeout_minutes(label: str) -> int:
    """Minutes from a picklist label ("2 hours") or a number of minutes ("45"); 0 for none."""
    found = re.match(r"\s*(\d+)\s*(minute|hour)?", label, re.I)
    if not found:
        return 0
    return int(found.group(1)) * (60 if (found.group(2) or "").lower() == "hour" else 1)


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


def policy_changes(current: PolicyState, desired: PolicySettings) -> list[Change]:
    """What differs, with the spec's profile and permission set names as the page labels them."""
    resolved = PolicySettings(
        desired.permitted_users,
        match_names(desired.profiles, list(current.offered_profiles), "profile"),
        match_names(desired.permission_sets, list(current.offered_permission_sets), "permission set"),
        desired.refresh_token, desired.ip_relaxation, desired.session_timeout_minutes,
        # usernames are not case-sensitive
        current.settings.run_as if current.settings.run_as.lower() == desired.run_as.lower() else desired.run_as)
    return compare(current.settings, resolved, LABELS)


def describe(desired: PolicySettings) -> str:
    parts = [P.PERMITTED_USERS_CHOICES.get(desired.permitted_users, desired.permitted_users)]
    if desired.profiles:
        parts.append("profiles " + ", ".join(sorted(desired.profiles)))
    if desired.permission_sets:
        parts.append("permission sets " + ", ".join(sorted(desired.permission_sets)))
    parts.append("refresh token " + desired.refresh_token.replace("_", " "))
    parts.append("IP relaxation " + desired.ip_relaxation.replace("_", " "))
    parts.append("session timeout " + timeout_label(desired.session_timeout_minutes))
    if desired.run_as:
        parts.append("client credentials flow as " + desired.run_as)
    return "; ".join(parts)


def lines(changes: list[Change]) -> list[str]:
    """Policy changes as a user reads them, in a plan and in a report alike."""
    return [f"Policies: {change}" for change in changes]


__all__ = ["LABELS", "PolicySettings", "PolicyState", "WITH_PERIOD", "describe", "desired_policies", "key_of",
           "key_of_wordings", "lines", "match_names", "offered_label", "policy_changes", "refresh_token_value",
           "timeout_label", "timeout_minutes"]
