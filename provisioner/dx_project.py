"""sfdx-project.json: point a Salesforce DX project at the org the app was made in (`setup --project-dir DIR`).

Two keys of the project schema (@salesforce/schemas sfdx-project.schema.json): `sfdcLoginUrl`, which the CLI's
login commands use (default login.salesforce.com), and `oauthLocalPort`, the port of the localhost callback
(default 1717). Each is written only when the run's value differs from that default.

The file is the user's: it is edited as text, not re-serialised. Only the value of a key we set is replaced, and a
missing key is added after the last top-level member, in that member's indentation; every other byte (key order,
indentation, spacing, line endings) stays as it was. The write is atomic and keeps the file's mode.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from .errors import ConfigError

PROJECT_FILE = "sfdx-project.json"
DEFAULT_LOGIN_HOST = "login.salesforce.com"
DEFAULT_OAUTH_PORT = 1717
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_WHITESPACE = " \t\r\n"


def project_file(project_dir: str | os.PathLike) -> Path:
    """The project's sfdx-project.json, checked to be there and to parse (before any work is done)."""
    path = Path(project_dir) / PROJECT_FILE
    if not path.is_file():
        raise ConfigError(f"{path} not found: --project-dir names a Salesforce DX project's folder")
    _members(_read(path), path)
    return path


def wanted_values(login_url: str, callback_urls: Iterable[str]) -> dict[str, Any]:
    """The keys this run sets: the login URL unless login.salesforce.com, the local callback's port unless 1717."""
    values: dict[str, Any] = {}
    login = urlsplit(login_url)
    if login.hostname and login.hostname.lower() != DEFAULT_LOGIN_HOST:
        values["sfdcLoginUrl"] = f"{login.scheme}://{login.netloc}"
    for url in callback_urls:
        parts = urlsplit(url)
        if (parts.hostname or "").lower() in _LOCAL_HOSTS and parts.port:
            if parts.port != DEFAULT_OAUTH_PORT:
                values["oauthLocalPort"] = parts.port
            break
    return values


def update(project_dir: str | os.PathLike, values: dict[str, Any]) -> dict[str, Any]:
    """Set `values` in the project file; returns the keys whose value changed (nothing written when none did)."""
    path = project_file(project_dir)
    text = _read(path)
    members, closing = _members(text, path)
    changed = {key: value for key, value in values.items()
               if key not in members or members[key]["value"] != value}
    if not changed:
        return {}
    # replace from the end backwards, so earlier offsets stay right; new keys go after the last member
    edits = sorted(((members[key]["start"], members[key]["end"], json.dumps(value))
                    for key, value in changed.items() if key in members), reverse=True)
    added = {key: value for key, value in changed.items() if key not in members}
    if added:
        text = _add_members(text, members, closing, added)
    for start, end, replacement in edits:  # all before the insertion point: offsets unchanged by it
        text = text[:start] + replacement + text[end:]
    _write_atomically(path, text)
    return changed


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _WHITESPACE:
        at += 1
    return at


def _members(text: str, path: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """Top-level members: key -> {value, start, end (of the value's text), key_start, key_end}; and the offset of
    the closing brace."""
    decoder = json.JSONDecoder()
    members: dict[str, dict[str, Any]] = {}

    def broken(at: int) -> ConfigError:
        line = text.count("\n", 0, at) + 1
        return ConfigError(f"{path} is not a JSON object (line {line}): fix it or give another --project-dir")

    at = _skip(text, 1 if text.startswith("\ufeff") else 0)
    if at >= len(text) or text[at] != "{":
        raise broken(at)
    at = _skip(text, at + 1)
    if at < len(text) and text[at] == "}":
        closing = at
    else:
        while True:
            if at >= len(text) or text[at] != '"':
                raise broken(at)
            try:
                key, key_end = json.decoder.scanstring(text, at + 1)
                colon = _skip(text, key_end)
                if text[colon] != ":":
                    raise broken(colon)
                start = _skip(text, colon + 1)
                value, end = decoder.raw_decode(text, start)
            except (ValueError, IndexError):
                raise broken(at) from None
            members[key] = {"value": value, "start": start, "end": end, "key_start": at, "key_end": key_end}
            at = _skip(text, end)
            if at < len(text) and text[at] == ",":
                at = _skip(text, at + 1)
                continue
            if at < len(text) and text[at] == "}":
                closing = at
                break
            raise broken(at)
    if _skip(text, closing + 1) != len(text):
        raise broken(closing + 1)
    return members, closing


def _add_members(text: str, members: dict[str, dict[str, Any]], closing: int, added: dict[str, Any]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    if not members:  # `{}`: the schema's usual two-space indentation
        body = ("," + newline).join(f'  "{key}": {json.dumps(value)}' for key, value in added.items())
        return text[:closing].rstrip(_WHITESPACE) + newline + body + newline + text[closing:]
    last = max(members.values(), key=lambda m: m["start"])
    line_start = text.rfind("\n", 0, last["key_start"]) + 1
    indent = text[line_start:last["key_start"]]
    indent = indent if not indent.strip() else ""  # a one-line object: no line of its own to copy
    separator = text[last["key_end"]:last["start"]]  # as the file writes `": "` (its spacing around the colon)
    lead = newline + indent if line_start > 0 and not text[line_start:last["key_start"]].strip() else " "
    insertion = "".join(f",{lead}{json.dumps(key)}{separator}{json.dumps(value)}" for key, value in added.items())
    return text[:last["end"]] + insertion + text[last["end"]:]


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
