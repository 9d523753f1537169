"""Write credentials where CI picks them up: a .env file (merged) or JSON. Atomic, and readable by the owner only."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Mapping

FILE_MODE = 0o600

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `KEY=...` or `export KEY=...`, as python-dotenv reads them.
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=")
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./:@+,%=-]*$")


def mask(secret: str | None, keep: int = 4) -> str:
    """For showing that a value exists without showing it: first `keep` chars, '…', length ('3MVG…(85 chars)').
    Pass keep=0 for a real secret: not one character of it is shown."""
    if not secret:
        return "(empty)"
    shown = secret[:keep] if len(secret) > 8 else ""
    return f"{shown}…({len(secret)} chars)"


def quote_env_value(value: Any) -> str:
    """Quote a value so python-dotenv (and a POSIX shell `source`) read back exactly the same string."""
    text = "" if value is None else str(value)
    if "\n" in text or "\r" in text:
        # Multi-line (a PEM): double quotes with escaped newlines, which dotenv expands back.
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
        return f'"{escaped}"'
    if text and _PLAIN_VALUE.match(text):
        return text
    # Single quotes: nothing inside is interpreted (no ${VAR} expansion, no escapes); a ' cannot appear inside.
    if "'" not in text:
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def write_env(path: str | os.PathLike, values: Mapping[str, Any]) -> Path:
    """Merge `values` into the .env at `path`: our keys are replaced in place (or appended, in the given order);
    every other line, comment and blank line stays where it was."""
    path = Path(path)
    for key in values:
        if not _KEY.match(key):
            raise ValueError(f"not an environment variable name: {key!r}")
    try:
        existing = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        existing = []
    pending = dict(values)
    lines: list[str] = []
    for line in existing:
        match = _ASSIGNMENT.match(line)
        key = match.group(1) if match else None
        if key in values:
            if key in pending:
                lines.append(f"{key}={quote_env_value(pending.pop(key))}")
            # a second assignment of the same key would override ours when read: drop it
            continue
        lines.append(line)
    lines.extend(f"{key}={quote_env_value(value)}" for key, value in pending.items())
    atomic_write(path, "\n".join(lines) + "\n")
    return path


def write_json(path: str | os.PathLike, data: Any) -> Path:
    path = Path(path)
    atomic_write(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
    return path


def atomic_write(path: str | os.PathLike, text: str, mode: int = FILE_MODE) -> None:
    """Write via a temp file in the same directory, fsync, rename: readers see the old or the new file, never half.

    The temp file is created 0600 from the start, so the secret is never readable by others, not even briefly.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    os.chmod(path, mode)  # os.replace keeps the temp file's mode; this also covers umask quirks
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)
