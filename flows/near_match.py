"""Near matches for a locator that found nothing, in the page's accessibility snapshot: the same words with words
added ("External Client App Name" -> "External Client App Display Name"), or another role with the same name (a
button that became a link). The probe tries each candidate on the page before proposing it."""

from __future__ import annotations

import json
import re

from .locators import Loc, registry

_NODE = re.compile(r'^\s*-\s+(?P<role>[a-z]+)(?:\s+"(?P<name>(?:[^"\\]|\\.)*)")?(?:\s+\[[^\]]*\])*\s*(?::\s*(?P<text>.*))?$')
_WORD = re.compile(r"[A-Za-z0-9]+")


def snapshot_nodes(snapshot: str) -> list[tuple[str, str]]:
    """(role, accessible name or text) of every node in an aria snapshot."""
    nodes = []
    for line in snapshot.splitlines():
        match = _NODE.match(line)
        if not match:
            continue
        name = match["name"]
        if name is not None:
            try:
                name = json.loads(f'"{name}"')
            except ValueError:
                pass
        elif match["role"] == "text" and match["text"]:
            name = match["text"].strip().strip('"')
        if name:
            nodes.append((match["role"], name))
    return nodes


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _with_words_added(wanted: list[str], name: list[str]) -> bool:
    """All of `wanted`, in order, inside `name`, which has more."""
    if len(name) <= len(wanted):
        return False
    it = iter(name)
    return all(any(w == n for n in it) for w in wanted)


#: roles that get_by_label finds by their label
_LABELLED = {"textbox", "checkbox", "combobox", "radiogroup", "group", "listbox", "spinbutton", "radio", "switch",
             "slider", "searchbox", "button"}


def candidates(loc: Loc, nodes: list[tuple[str, str]]) -> list[Loc]:
    """Locators for what the page shows that is close to what `loc` looks for, the closest first: the same words
    (another role), then the same words with words added; labelled controls before plain text."""
    if loc.kind == "css":
        return []
    out: list[Loc] = []
    for text in registry.texts_of(loc):
        wanted = _words(text)
        if not wanted:
            continue
        near = [(role, name.lstrip("* ").strip()) for role, name in nodes
                if _words(name) == wanted or _with_words_added(wanted, _words(name))]
        near.sort(key=lambda node: (_words(node[1]) != wanted, node[0] not in _LABELLED, len(_words(node[1]))))
        for role, name in near:
            if loc.kind == "role" and role == loc.value and _words(name) == wanted:
                continue  # what the locator already looks for
            if loc.kind in ("label", "placeholder"):
                out += [Loc(loc.kind, name), Loc(loc.kind, name, exact=True)]
            elif loc.kind == "text" or role == "text":
                out.append(Loc("text", name, name, exact=True))
            if role not in ("text", "generic", "paragraph", "heading", "listitem"):
                out.append(Loc("role", role, name, exact=True))
    return list(dict.fromkeys(out))


__all__ = ["candidates", "snapshot_nodes"]
