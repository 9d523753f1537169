"""Every locator by the name the code gives it ("eca_form.NAME"), and overrides that replace some for a run.

A release that relabels a page breaks a locator before a new version of this tool can ship. An overrides file (TOML)
fixes it in place:

    [eca_form]
    NAME = { label = "App Name" }                        # label | role (+ name, exact) | text | css | placeholder
    eca_detail.EDIT = { role = "button", name = "Edit Settings", exact = true }
    app_manager.NEW_APP = [{ role = "button", name = "New App" }, { role = "link", name = "New App" }]  # any of

Flows read locators as module attributes at call time (`F.NAME.on(page)`), so applying an override is replacing the
module attribute; `restore()` puts the originals back (tests). Unknown areas, names or kinds are a ConfigError
naming the file and the key: a typo must not silently leave the broken locator in place.
"""

from __future__ import annotations

import difflib
import importlib
import json
import pkgutil
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator, Union

from provisioner.errors import ConfigError, LocatorNotFoundError

from . import AnyOf, Loc, recently_used

Locator = Union[Loc, AnyOf]
KINDS = ("label", "role", "text", "css", "placeholder")
#: keys an override table may have besides its kind
_EXTRA_KEYS = {"role": {"name", "exact"}, "label": {"exact"}, "text": {"exact"}, "placeholder": {"exact"}, "css": set()}
#: modules in this package that hold no page's locators
_NOT_AREAS = {"registry"}


def areas() -> dict[str, ModuleType]:
    """Every locator module of this package by its area name (its file's stem)."""
    package = importlib.import_module(__package__)
    return {info.name: importlib.import_module(f"{__package__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__) if info.name not in _NOT_AREAS}


def locators_of(module: ModuleType) -> dict[str, Locator]:
    return {name: value for name, value in vars(module).items()
            if name.isupper() and isinstance(value, (Loc, AnyOf))}


def all_locators() -> dict[str, Locator]:
    """"area.NAME" -> the locator in effect now (overrides included)."""
    return {f"{area}.{name}": value for area, module in areas().items() for name, value in locators_of(module).items()}


def lookup(key: str) -> Locator:
    area, _, name = key.partition(".")
    return locators_of(areas()[area])[name]


# --- how a locator reads, for people and in Playwright's messages --------------------------------------------------

def _py(value) -> str:  # noqa: ANN001 - str or compiled pattern
    if isinstance(value, re.Pattern):
        flags = ", re.IGNORECASE" if value.flags & re.IGNORECASE else ""
        return f're.compile(r"{value.pattern}"{flags})'
    return json.dumps(value, ensure_ascii=False)


def playwright_text(loc: Locator) -> str:
    """The locator as Playwright's Python client writes it in an error's call log (`waiting for get_by_label(...)`)."""
    if isinstance(loc, AnyOf):
        return playwright_text(loc.options[0]) + "".join(f".or_({playwright_text(o)})" for o in loc.options[1:])
    exact = ", exact=True" if loc.exact else ""
    if loc.kind == "css":
        return f"locator({_py(loc.value)})"
    if loc.kind == "role":
        name = f", name={_py(loc.name)}" if loc.name is not None else ""
        return f"get_by_role({_py(loc.value)}{name}{exact})"
    if loc.kind == "text":
        return f"get_by_text({_py(loc.name if loc.name is not None else loc.value)}{exact})"
    method = {"label": "get_by_label", "placeholder": "get_by_placeholder"}[loc.kind]
    return f"{method}({_py(loc.value)}{exact})"


def texts_of(loc: Locator) -> list[str]:
    """The plain texts a locator looks for: a string, a `words(...)` pattern's alternatives, a literal pattern."""
    if isinstance(loc, AnyOf):
        return [text for option in loc.options for text in texts_of(option)]
    value = loc.name if loc.kind in ("role", "text") else loc.value
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    inner = re.fullmatch(r"\^\\s\*\(\?:(.*)\)\\s\*\$", value.pattern)
    texts = []
    for part in inner.group(1).split("|") if inner else [value.pattern]:
        plain = re.sub(r"\\(.)", r"\1", part)
        if re.escape(plain).replace("\\ ", " ") == part.replace("\\ ", " "):  # no regex syntax in it
            texts.append(plain)
    return texts


def describe(loc: Locator) -> str:
    """A short human description: `label "External Client App Name"`, `button "Save"`, `css #username`."""
    if isinstance(loc, AnyOf):
        return " or ".join(describe(o) for o in loc.options)
    def shown(value) -> str:  # noqa: ANN001
        if isinstance(value, str):
            return f'"{value}"'
        plain = texts_of(Loc("text", value.pattern, value))
        return " | ".join(f'"{t}"' for t in plain) if plain else f"/{value.pattern}/"

    if loc.kind == "role":
        return f"{loc.value} {shown(loc.name)}" if loc.name is not None else f"any {loc.value}"
    if loc.kind == "css":
        return f"css {loc.value}"
    return f"{loc.kind} {shown(loc.name if loc.kind == 'text' and loc.name is not None else loc.value)}"


def toml_value(loc: Locator) -> str:
    """The locator as an overrides file writes it (inline table, or an array of them for alternatives)."""
    if isinstance(loc, AnyOf):
        return "[" + ", ".join(toml_value(o) for o in loc.options) + "]"
    value = loc.name if loc.kind == "text" and isinstance(loc.name, re.Pattern) else loc.value
    parts = [f"{loc.kind} = {_toml_string(value.pattern if isinstance(value, re.Pattern) else value)}"]
    if loc.kind == "role" and loc.name is not None:
        name = loc.name.pattern if isinstance(loc.name, re.Pattern) else loc.name
        parts.append(f"name = {_toml_string(name)}")
    if loc.exact:
        parts.append("exact = true")
    return "{ " + ", ".join(parts) + " }"


def override_line(key: str, loc: Locator) -> str:
    """One line of an overrides file (dotted key: valid TOML on its own, outside any table)."""
    return f"{key} = {toml_value(loc)}"


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string for these characters


# --- loading an overrides file --------------------------------------------------------------------------------------

def _one(value, where: str) -> Loc:  # noqa: ANN001
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table such as {{ label = \"...\" }}, not {type(value).__name__}")
    kinds = [k for k in value if k in KINDS]
    if len(kinds) != 1:
        unknown = [k for k in value if k not in KINDS and k not in ("name", "exact")]
        what = f"unknown kind {unknown[0]!r}" if unknown else ("no kind" if not kinds else "two kinds")
        raise ConfigError(f"{where}: {what} (one of {', '.join(KINDS)})")
    kind = kinds[0]
    extra = set(value) - {kind} - _EXTRA_KEYS[kind]
    if extra:
        raise ConfigError(f"{where}: {kind} takes no {', '.join(sorted(extra))}")
    for key, item in value.items():
        wanted = bool if key == "exact" else str
        if not isinstance(item, wanted) or (wanted is str and not item.strip()):
            raise ConfigError(f"{where}: {key} must be {'true or false' if wanted is bool else 'a non-empty string'}")
    exact = value.get("exact", False)
    if kind == "role":
        return Loc("role", value["role"], value.get("name"), exact)
    if kind == "text":
        return Loc("text", value["text"], value["text"], exact)
    return Loc(kind, value[kind], exact=exact)


def parse(data: dict, source: str) -> dict[str, Locator]:
    """{"area.NAME": locator} from a parsed overrides document; ConfigError naming `source` and the key."""
    known = areas()
    out: dict[str, Locator] = {}
    for area, table in data.items():
        if area not in known:
            raise ConfigError(f"{source}: unknown page {area!r} (one of {', '.join(sorted(known))})")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{area}] must be a table of locator names")
        names = locators_of(known[area])
        for name, value in table.items():
            key = f"{area}.{name}"
            if name not in names:
                close = difflib.get_close_matches(name.upper(), names, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                if name in known:  # a pasted "area.NAME = ..." line under a [table] lands inside that table
                    hint = f" (lines such as {name}.NAME = ... go above the first [table] header)"
                raise ConfigError(f"{source}: {key} is not a locator{hint}")
            where = f"{source}: {key}"
            if isinstance(value, list):
                if not value:
                    raise ConfigError(f"{where}: an empty list of alternatives")
                out[key] = AnyOf(tuple(_one(item, f"{where}[{i}]") for i, item in enumerate(value)))
            else:
                out[key] = _one(value, where)
    return out


def load(path: str | Path) -> dict[str, Locator]:
    """Read and validate an overrides file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"locator overrides {path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"locator overrides {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"locator overrides {path} is not valid TOML: {exc}") from None
    return parse(data, str(path))


# --- applying them ----------------------------------------------------------------------------------------------

@dataclass
class Applied:
    """Overrides in effect; `restore()` puts the code's locators back."""

    source: str
    keys: list[str] = field(default_factory=list)
    _originals: dict[str, Locator] = field(default_factory=dict, repr=False)

    def restore(self) -> None:
        modules = areas()
        for key, original in self._originals.items():
            area, _, name = key.partition(".")
            setattr(modules[area], name, original)
        _active.pop(self.source, None)
        self._originals.clear()

    def __enter__(self) -> "Applied":
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


#: what is applied now, by source (the probe's report lists them)
_active: dict[str, list[str]] = {}


def apply(overrides: dict[str, Locator], source: str = "overrides") -> Applied:
    """Replace these locators process-wide (every flow reads them at call time)."""
    modules = areas()
    applied = Applied(source)
    for key, loc in overrides.items():
        area, _, name = key.partition(".")
        applied._originals.setdefault(key, getattr(modules[area], name))
        setattr(modules[area], name, loc)
        applied.keys.append(key)
    _active[source] = list(applied.keys)
    return applied


def apply_file(path: str | Path | None) -> Applied:
    """Load and apply an overrides file; no path applies nothing (an Applied with no keys)."""
    if not path:
        return Applied("")
    return apply(load(path), str(path))


def active() -> dict[str, list[str]]:
    return {source: list(keys) for source, keys in _active.items()}


# --- which locator a Playwright failure was waiting for ------------------------------------------------------------

def keys_in_message(message: str) -> list[str]:
    """The registered locators a Playwright error's call log names ("waiting for get_by_label(...)"), most specific
    first. Several locators that read alike (every page's Save button) resolve to the one a flow used last."""
    if "waiting for" not in message:
        return []
    current = all_locators()
    by_text: dict[str, list[str]] = {}
    for key, loc in current.items():
        text = playwright_text(loc)
        if text in message:
            by_text.setdefault(text, []).append(key)
    # a locator whose text is part of another's found text is that one's option (AnyOf), not a second culprit
    texts = [t for t in by_text if not any(t != other and t in other for other in by_text)]
    order = _recency(current)
    found = []
    for text in sorted(texts, key=len, reverse=True):
        keys = by_text[text]
        found.append(min(keys, key=lambda k: order.get(k, len(order) + 1)))
    return found


def _recency(current: dict[str, Locator]) -> dict[str, int]:
    """key -> 0 for the locator used most recently, 1 for the one before, ..."""
    ids = {id(loc): key for key, loc in current.items()}
    order: dict[str, int] = {}
    for used in reversed(recently_used()):
        key = ids.get(used)
        if key is not None and key not in order:
            order[key] = len(order)
    return order


def iter_keys(prefixes: Iterable[str] = ()) -> Iterator[str]:
    prefixes = tuple(prefixes)
    return (key for key in all_locators() if not prefixes or key.startswith(prefixes))


__all__ = ["Applied", "KINDS", "active", "all_locators", "apply", "apply_file", "areas", "describe", "keys_in_message",
           "load", "lookup", "override_line", "parse", "playwright_text", "toml_value"]


def failure_of(exc: BaseException | None, *, page: str = "", bundle: str = "") -> LocatorNotFoundError | None:
    """A Playwright timeout while waiting for a registered locator, as the error that names it; None otherwise."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _is_playwright_error(exc) and "Timeout" in str(exc).split("\n", 1)[0]:
            keys = keys_in_message(str(exc))
            if keys:
                key = keys[0]
                where = f" on page {key.split('.')[0]}" + (f" ({page})" if page else "")
                also = f" (or {', '.join(keys[1:])})" if len(keys) > 1 else ""
                tail = (f"; report and proposed override in {bundle}" if bundle else
                        "; `provisioner probe` shows what the page offers now and proposes an override for --locators")
                return LocatorNotFoundError(f"locator {key}{also} [{describe(lookup(key))}] did "
                                            f"not show up{where}: the page may have been relabelled{tail}")
        exc = exc.__context__ or exc.__cause__
    return None


def _is_playwright_error(exc: BaseException) -> bool:
    return any(cls.__module__.startswith("playwright.") and cls.__name__ == "Error" for cls in type(exc).__mro__)
