"""Comparing what a Setup page holds with what the spec wants, field by field, in words a user reads."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Change:
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
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def compare(current: Any, desired: Any, labels: dict[str, str]) -> list[Change]:
    """Fields that differ, in the order of the dataclass. A current value of None means "the page did not show
    it" and is not counted as a difference (e.g. a certificate whose details Setup does not display)."""
    changes = []
    for f in fields(desired):
        want, have = getattr(desired, f.name), getattr(current, f.name)
        if have is None and want is not None and f.metadata.get("unreadable"):
            continue
        if have != want:
            changes.append(Change(f.name, labels.get(f.name, f.name), have, want))
    return changes
