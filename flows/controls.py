"""Reading and setting Lightning form controls by what they are to a user (their role), not by their markup.

A labelled control may be a native input/select, a `role=combobox` button with a listbox of options, a radio group,
a checkbox or a dual list box; these helpers find out which from the element's role and act accordingly, so a
Salesforce release that swaps one component for another does not break the flows.

When the run is recorded, each helper that changed something captions it in the admin's words, with the field's
label as the page shows it ("Contact Email: admin@acme.example", "Permitted Users → Admin approved users are
pre-authorized"); `caption=` replaces the words. Never give these helpers a secret: secrets are typed inside
`recorder.secret_input`, which captions them as dots.
"""

from __future__ import annotations

import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, expect

from .recorder import recorder_of
from .waits import squash

#: an accessible name's first line in an ARIA snapshot: `- textbox "Contact Email": admin@acme.example`
_SNAPSHOT_NAME = re.compile(r'^\s*-\s+[\w-]+\s+"((?:[^"\\]|\\.)*)"')

_KIND = """e => {
  const role = e.getAttribute('role');
  if (role) return role;
  const tag = e.tagName.toLowerCase();
  if (tag === 'input') return 'input:' + (e.type || 'text');
  return tag;
}"""


async def kind_of(control: Locator) -> str:
    return await control.first.evaluate(_KIND)


async def read_text(control: Locator) -> str:
    return (await control.first.input_value()).strip()


async def field_name(control: Locator) -> str:
    """The field's name as the admin reads it: its accessible name (the label get_by_label / get_by_role match),
    without a required-field star; '' when it has none."""
    try:
        snapshot = await control.first.aria_snapshot(timeout=2_000)
    except PlaywrightError:
        return ""
    found = _SNAPSHOT_NAME.match(snapshot.splitlines()[0] if snapshot else "")
    name = re.sub(r'\\(.)', r"\1", found.group(1)) if found else ""
    return squash(name.lstrip("*").strip())


def shown_value(value: str) -> str:
    """A value as a caption shows it: lines joined, empty said so."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    return ", ".join(lines) if lines else "(empty)"


async def say(control: Locator, caption: str | None, words) -> None:  # noqa: ANN001 - (field name) -> str
    """Caption an action on `control` when the run is recorded (nothing is read from the page otherwise)."""
    recorder = recorder_of(control.page)
    if not recorder.active:
        return
    text = caption if caption is not None else words(await field_name(control))
    await recorder.caption(control.page, text, control.first)


def _named(name: str, rest: str, joiner: str = ": ") -> str:
    return f"{name}{joiner}{rest}" if name else rest


async def fill_text(control: Locator, value: str, *, caption: str | None = None) -> None:
    await control.first.fill(value)
    await say(control, caption, lambda name: _named(name, shown_value(value)))


async def read_checked(control: Locator) -> bool:
    return await control.first.is_checked()


async def set_checked(control: Locator, value: bool, *, caption: str | None = None) -> None:
    box = control.first
    if await box.is_checked() != value:
        await click_like_a_user(box)
        await expect(box).to_be_checked(checked=value)
        await say(control, caption, lambda name: _named(name, "on" if value else "off"))


CERTIFICATE_FILE = "server.crt"


async def upload_certificate(control: Locator, certificate_pem: str, *, caption: str | None = None) -> None:
    """Give a file input the certificate as server.crt, as an admin picking the file would."""
    await control.first.set_input_files(files=[{"name": CERTIFICATE_FILE, "mimeType": "application/x-x509-ca-cert",
                                                "buffer": certificate_pem.encode()}])
    await say(control, caption, lambda name: f"Upload certificate {CERTIFICATE_FILE}")


async def click_like_a_user(control: Locator) -> None:
    """Click a checkbox or radio button through its label: SLDS hides the native input behind a styled one, so the
    input itself cannot be clicked (the styled label is on top), exactly as for a person."""
    handle = await control.evaluate_handle("e => (e.labels && e.labels.length ? e.labels[0] : e.closest('label')) || e")
    try:
        element = handle.as_element()
        await element.click()
    finally:
        await handle.dispose()


async def read_choice(control: Locator) -> str:
    """The label of the chosen option of a select, combobox or radio group ('' when none)."""
    kind = await kind_of(control)
    first = control.first
    if kind == "select":
        return squash(await first.evaluate("e => e.selectedOptions.length ? e.selectedOptions[0].text : ''"))
    if kind == "radiogroup":
        for radio in await first.get_by_role("radio").all():
            if await radio.is_checked():
                return squash(await _radio_label(radio))
        return ""
    if kind.startswith("input:"):
        return (await first.input_value()).strip()
    return squash(await first.inner_text())


async def _radio_label(radio: Locator) -> str:
    return await radio.evaluate(
        "e => (e.labels && e.labels[0] ? e.labels[0].textContent : e.getAttribute('aria-label') || e.value)")


async def choose(control: Locator, option: str, *, page, caption: str | None = None) -> None:  # noqa: ANN001
    """Pick the option with this label, whatever kind of choice control it is (`page`: for popup options)."""
    await _choose(control, option, page=page)
    await say(control, caption, lambda name: _named(name, option, " → "))


async def _choose(control: Locator, option: str, *, page) -> None:  # noqa: ANN001
    kind = await kind_of(control)
    first = control.first
    if kind == "select":
        await first.select_option(label=option)
        return
    if kind == "radiogroup":
        radio = first.get_by_role("radio", name=option, exact=True)
        if not await radio.is_checked():
            await click_like_a_user(radio)
            await expect(radio).to_be_checked()
        return
    # combobox: open it, click the option in the listbox it controls (options may render outside the control)
    if await first.get_attribute("aria-expanded") != "true":
        await first.click()
    listbox_id = await first.get_attribute("aria-controls")
    scope = page.locator(f"[id='{listbox_id}']") if listbox_id else page
    choice = scope.get_by_role("option", name=option, exact=True)
    if not await choice.count() and listbox_id:
        choice = page.get_by_role("option", name=option, exact=True)
    await choice.first.click()


# --- dual list boxes ------------------------------------------------------------------------------------------------

_SELECTED = re.compile(r"selected|chosen", re.I)
_AVAILABLE = re.compile(r"available|source", re.I)


async def _dual_lists(group: Locator) -> tuple[Locator, Locator]:
    """(available, selected) listboxes of a dual list box group: by their labels, else by their order."""
    available = group.get_by_role("listbox", name=_AVAILABLE)
    selected = group.get_by_role("listbox", name=_SELECTED)
    if await available.count() == 1 and await selected.count() == 1:
        return available, selected
    boxes = group.get_by_role("listbox")
    return boxes.first, boxes.last


async def read_dual(group: Locator) -> list[str]:
    """Labels of the options in the Selected list."""
    _, selected = await _dual_lists(group)
    return [squash(t) for t in await selected.get_by_role("option").all_inner_texts()]


async def set_dual(group: Locator, wanted: list[str], *, caption: str | None = None) -> None:
    """Move options so that exactly the options labelled `wanted` are in the Selected list."""
    available, selected = await _dual_lists(group)
    wanted_set = set(wanted)
    moved = False
    for label in wanted:
        option = available.get_by_role("option", name=label, exact=True)
        if await option.count():
            await _move(group, option.first, to_selected=True)
            await expect(selected.get_by_role("option", name=label, exact=True)).to_have_count(1)
            moved = True
    for label in [squash(t) for t in await selected.get_by_role("option").all_inner_texts()]:
        if label not in wanted_set:
            await _move(group, selected.get_by_role("option", name=label, exact=True).first, to_selected=False)
            await expect(selected.get_by_role("option", name=label, exact=True)).to_have_count(0)
            moved = True
    if moved:
        await say(group, caption, lambda name: _named(name, ", ".join(wanted) or "(none)", " → "))


async def _move(group: Locator, option: Locator, *, to_selected: bool) -> None:
    await option.click()
    direction = re.compile(r"move.*(selected|chosen)" if to_selected else r"move.*(available|source)", re.I)
    button = group.get_by_role("button", name=direction)
    if await button.count():
        await button.first.click()
    else:  # no labelled move button: the keyboard-free fallback lightning-dual-listbox also offers
        await option.dblclick()
