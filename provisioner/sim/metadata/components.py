"""One metadata file in, one Component out: its type, name and values, checked against the documented type
(types.py) with xml.etree. Shape problems (not XML, unknown element, bad enum, bad boolean or number, a required
element missing) are reported here; what the org must agree to (the app exists, the user is API only) is
org_state.py's job. And the other way: a Component's values rendered as the XML a retrieve gives."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from . import texts
from .types import BOOLEAN, COMPLEX, ENUMS, INT, NAMESPACE, STRING, MetadataType

_NS = "{" + NAMESPACE + "}"


@dataclass
class Component:
    type: MetadataType
    full_name: str
    file_name: str  # as in the zip, e.g. "externalClientApps/Acme.eca"
    values: dict[str, object] = field(default_factory=dict)  # element -> str / bool / int

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return value if isinstance(value, str) else default

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        return value if isinstance(value, bool) else default


@dataclass(frozen=True)
class Problem:
    """One componentFailure: which file, what Salesforce says, where in the file when known."""

    component_type: str
    full_name: str
    file_name: str
    problem: str
    line: int = 0
    column: int = 0


def _value(kind: str, raw: str) -> tuple[object, str | None]:
    text = raw.strip()
    if kind == STRING:
        return raw, None
    if kind == BOOLEAN:
        if text in ("true", "false"):
            return text == "true", None
        return None, texts.BAD_BOOLEAN.format(value=text)
    if kind == INT:
        if text.lstrip("-").isdigit():
            return int(text), None
        return None, texts.BAD_INT.format(value=text)
    if text in ENUMS[kind]:
        return text, None
    return None, texts.BAD_ENUM.format(value=text, enum=kind)


def parse(mtype: MetadataType, full_name: str, file_name: str, data: bytes) -> tuple[Component | None,
                                                                                     list[Problem]]:
    """The file as a Component, or the problems that stop it (every one found, not just the first)."""
    def problem(text: str, line: int = 0) -> Problem:
        return Problem(mtype.name, full_name, file_name, text, line, 1 if line else 0)

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return None, [problem(texts.NOT_XML.format(reason=exc), exc.position[0] if exc.position else 0)]
    if root.tag != _NS + mtype.name:
        return None, [problem(texts.WRONG_ROOT.format(found=root.tag.replace(_NS, ""), type=mtype.name))]
    component = Component(mtype, full_name, file_name)
    problems: list[Problem] = []
    for child in root:
        name = child.tag.replace(_NS, "") if child.tag.startswith(_NS) else None
        kind = mtype.fields.get(name) if name else None
        if kind is None:
            problems.append(problem(texts.UNKNOWN_ELEMENT.format(namespace=NAMESPACE, element=name or child.tag,
                                                                 type=mtype.name)))
            continue
        if kind == COMPLEX:
            continue  # documented, not modelled (types.py)
        value, error = _value(kind, child.text or "")
        if error:
            problems.append(problem(error))
        else:
            component.values[name] = value
    for name in mtype.required:
        if name not in component.values or component.values[name] in ("",):
            problems.append(problem(texts.REQUIRED.format(field=name)))
    return (None if problems else component), problems


def render(mtype: MetadataType, values: dict[str, object]) -> bytes:
    """The file a retrieve writes: elements in alphabetical order (as real retrieves list them), None left out."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_NS + mtype.name)
    for name in sorted(values):
        value = values[name]
        if value is None:
            continue
        ET.SubElement(root, _NS + name).text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    ET.indent(root, space="    ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"
