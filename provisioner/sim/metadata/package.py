"""A deploy's zip: its package.xml (types and members) and the component files it names, read with zipfile and
xml.etree, each file parsed against its documented type (components.py). Problems come back in Salesforce's
componentFailures terms; nothing here touches the org."""

from __future__ import annotations

import base64
import binascii
import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile

from . import texts
from .components import Component, Problem, parse
from .types import BY_FOLDER, NAMESPACE, TYPES

_NS = "{" + NAMESPACE + "}"


def open_zip(data: bytes) -> zipfile.ZipFile | None:
    """The zip, sent raw or base64-encoded (clients do both); None when it is neither."""
    for candidate in (data, None):
        if candidate is None:
            try:
                candidate = base64.b64decode(b"".join(data.split()), validate=True)
            except (binascii.Error, ValueError):
                return None
        try:
            return zipfile.ZipFile(io.BytesIO(candidate))
        except zipfile.BadZipFile:
            continue
    return None


def _package_root(names: list[str]) -> str | None:
    """Where package.xml is: the zip's root, or one folder down (a retrieve's "unpackaged/")."""
    if "package.xml" in names:
        return ""
    roots = sorted(n[: -len("package.xml")] for n in names if n.count("/") == 1 and n.endswith("/package.xml"))
    return roots[0] if roots else None


def _package_problem(text: str) -> Problem:
    return Problem("", "package.xml", "package.xml", text)


def read(archive: zipfile.ZipFile) -> tuple[list[Component], list[Problem]]:
    """The components package.xml names, parsed; and every problem found on the way."""
    names = [n for n in archive.namelist() if not n.endswith("/")]
    root = _package_root(names)
    if root is None:
        return [], [_package_problem(texts.NO_PACKAGE)]
    try:
        manifest = ET.fromstring(archive.read(root + "package.xml"))
    except ET.ParseError as exc:
        return [], [_package_problem(texts.NOT_XML.format(reason=exc))]
    wanted: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for types in manifest.findall(_NS + "types"):
        type_name = (types.findtext(_NS + "name") or "").strip()
        members = [(m.text or "").strip() for m in types.findall(_NS + "members")]
        if type_name not in TYPES:
            problems.append(_package_problem(texts.UNKNOWN_FILE.format(folder=type_name)))
            continue
        wanted.setdefault(type_name, []).extend(members)
    files: dict[tuple[str, str], str] = {}  # (type, fullName lower) -> path in the zip
    for name in names:
        relative = name[len(root):]
        folder, _, file_name = relative.partition("/")
        mtype = BY_FOLDER.get(folder)
        if mtype is None or "/" in file_name or not file_name.endswith("." + mtype.suffix):
            continue
        files[(mtype.name, file_name[: -len(mtype.suffix) - 1].lower())] = name
    components: list[Component] = []
    for type_name, members in wanted.items():
        mtype = TYPES[type_name]
        if "*" in members:
            members = [posixpath.basename(path)[: -len(mtype.suffix) - 1]
                       for (t, _), path in files.items() if t == type_name]
        for member in members:
            path = files.get((type_name, member.lower()))
            file_name = f"{mtype.folder}/{member}.{mtype.suffix}"
            if path is None:
                problems.append(Problem(type_name, member, file_name,
                                        texts.NOT_IN_PACKAGE.format(name=member, type=type_name)))
                continue
            component, found = parse(mtype, member, file_name, archive.read(path))
            problems += found
            if component is not None:
                components.append(component)
    return components, problems
