"""Collapsible page sections (SLDS expandable sections: a title button with aria-expanded): opened when closed, never
closed. Some orgs show "API (Enable OAuth Settings)" and "OAuth Policies" collapsed, others open (EVIDENCE.md), and a
closed section's content may not be rendered at all, so a flow opens it before reading or filling anything inside.
A click on an open section's title would close it: the state is read first."""

from __future__ import annotations

from playwright.async_api import Locator

from .session import FlowSession


async def open_section(session: FlowSession, title: Locator, content: Locator) -> None:
    """Open the section whose title button is `title` when it is closed; `content` is an element inside it (proof
    it is open where the title says nothing). A page without the title (not collapsible there) is left as it is:
    its fields are found, or reported missing, as they are used."""
    shown = title.filter(visible=True)
    if not await shown.count():
        return
    expanded = await shown.first.get_attribute("aria-expanded")
    if expanded == "true" or (expanded is None and await content.first.is_visible()):
        return
    await shown.first.click()
    await content.first.wait_for(state="visible", timeout=session.timeouts.page_ms)


__all__ = ["open_section"]
