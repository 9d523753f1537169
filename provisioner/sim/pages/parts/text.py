"""Escaping and the masked forms of an address or a number that verification pages print."""

from __future__ import annotations

import html


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def mask_email(address: str) -> str:
    """jane@acme-na.com -> ja****@**na.com, as the emailed-code pages show it."""
    local, _, domain = address.partition("@")
    label, dot, rest = domain.partition(".")
    return f"{local[:2]}****@**{label[-2:]}{dot}{rest}"


def mask_phone(number: str) -> str:
    """+1 415 555 0142 -> (***) ***-**42: only the last two digits show."""
    digits = "".join(c for c in number if c.isdigit())
    return f"(***) ***-**{digits[-2:]}"
