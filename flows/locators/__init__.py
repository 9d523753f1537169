"""Locators as data: every selector, label and text of one Salesforce page lives in one module here.

A Salesforce release that renames a label changes one file, not the flows. Entries are `Loc` values (what to look
for), turned into Playwright locators only when a flow asks (`loc.on(page)`). Role, label and text locators pierce
open shadow roots (Lightning web components); CSS is kept for the ids the classic login pages are known to use.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Pattern, Union

Text = Union[str, Pattern[str]]

#: ids of the locators flows resolved last: when a wait times out, the registry (registry.py) tells which of several
#: look-alike locators (every page's Save button) the flow was waiting for
_RECENT: deque[int] = deque(maxlen=64)


def recently_used() -> list[int]:
    return list(_RECENT)


@dataclass(frozen=True)
class Loc:
    """One way to find an element: kind is css | role | label | text | placeholder."""

    kind: str
    value: str
    name: Text | None = None  # accessible name, for roles
    exact: bool = False

    def on(self, scope):  # noqa: ANN001 - a Playwright Page, Frame or Locator
        _RECENT.append(id(self))
        if self.kind == "css":
            return scope.locator(self.value)
        if self.kind == "role":
            return scope.get_by_role(self.value, name=self.name, exact=self.exact or None)
        if self.kind == "label":
            return scope.get_by_label(self.value, exact=self.exact)
        if self.kind == "text":
            return scope.get_by_text(self.name if self.name is not None else self.value, exact=self.exact)
        if self.kind == "placeholder":
            return scope.get_by_placeholder(self.value, exact=self.exact)
        raise ValueError(f"unknown locator kind {self.kind!r}")


@dataclass(frozen=True)
class AnyOf:
    """Alternatives for one element (labels vary between releases or page variants): the first that matches."""

    options: tuple[Loc, ...]

    def on(self, scope):  # noqa: ANN001
        _RECENT.append(id(self))
        found = self.options[0].on(scope)
        for option in self.options[1:]:
            found = found.or_(option.on(scope))
        return found


def css(selector: str) -> Loc:
    return Loc("css", selector)


def role(name_of_role: str, name: Text | None = None, *, exact: bool = False) -> Loc:
    return Loc("role", name_of_role, name, exact)


def label(text: str, *, exact: bool = False) -> Loc:
    return Loc("label", text, exact=exact)


def text(value: Text, *, exact: bool = False) -> Loc:
    return Loc("text", value if isinstance(value, str) else value.pattern, value, exact)


def any_of(*options: Loc) -> AnyOf:
    return AnyOf(tuple(options))


def words(*alternatives: str) -> Pattern[str]:
    """A case-insensitive whole-text pattern matching any of the given names (for tolerant role names)."""
    return re.compile(r"^\s*(?:" + "|".join(re.escape(a) for a in alternatives) + r")\s*$", re.I)
