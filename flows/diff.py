"""Comparing what a Setup page holds with what the spec wants, field by field, in words a user reads."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from .types import Change, show


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


__all__ = ["Change", "compare", "show"]
