"""The values every Setup area shares: where an app lives, one difference, what a reconcile did, the credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AppRef:
    """Where an existing app lives."""

    name: str
    api_name: str
    url: str  # its page (the tabs or the classic detail page, shown in Lightning)


@dataclass(frozen=True)
class Change:
    """One field that differs between the page and the spec, in the page's words."""

    field: str
    label: str  # as the Setup page names it
    current: Any
    desired: Any

    def __str__(self) -> str:
        if isinstance(self.desired, frozenset) or isinstance(self.current, frozenset):
            added = sorted(set(self.desired or ()) - set(self.current or ()))
            removed = sorted(set(self.current or ()) - set(self.desired or ()))
            parts = ([f"add {', '.join(added)}"] if added else []) + ([f"remove {', '.join(removed)}"] if removed else [])
            return f"{self.label}: {'; '.join(parts)}"
        return f"{self.label}: {show(self.current)} -> {show(self.desired)}"


def show(value: Any) -> str:
    """A value as a user reads it in a change line."""
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


@dataclass
class Outcome:
    """What one reconcile did (or, in a dry run, would do)."""

    ref: AppRef | None = None  # None only in a dry run for a missing app
    created: bool = False
    changes: list[str] = field(default_factory=list)  # human lines; empty when nothing changed
    plan: list[str] = field(default_factory=list)  # dry run: what would change


@dataclass(frozen=True)
class ConsumerCredentials:
    consumer_key: str
    consumer_secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"ConsumerCredentials(consumer_key={self.consumer_key!r}, consumer_secret='********')"


__all__ = ["AppRef", "Change", "ConsumerCredentials", "Outcome", "show"]
