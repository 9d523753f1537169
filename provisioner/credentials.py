"""Write credentials where CI picks them up: a .env file (merged) or JSON. Atomic, and readable by the owner only.

A symbolic link at the target is refused, never followed: a link planted in an output folder must not send the
credentials (or a truncation) to some other file.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

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


class UnsafeEnvValueError(ConfigError, ValueError):
    """No quoting of this value is both read back exactly by python-dotenv and inert when a shell sources it."""


def quote_env_value(value: Any) -> str:
    """Quote a value so python-dotenv reads back exactly the same string and a POSIX shell `source` runs nothing.

    - only plain characters: as is;
    - no ', backslash or line break: single quotes, literal to dotenv and to the shell alike;
    - otherwise double quotes with dotenv's escapes (\\\\ \\" \\n \\r). A shell reads a single-line value the same;
      multi-line values (a PEM) are for dotenv. In double quotes a shell runs `cmd` and $(cmd), and dotenv has no
      escape for ` or $, so such a value is refused (UnsafeEnvValueError) rather than written half-safe.
    python-dotenv expands ${NAME} in every value unless read with interpolate=False.
    """
    text = "" if value is None else str(value)
    if text and _PLAIN_VALUE.match(text):
        return text
    if not any(c in text for c in "'\\\n\r"):
        return f"'{text}'"
    if "`" in text or "$" in text:
        raise UnsafeEnvValueError("the value mixes ` or $ with a quote, backslash or line break: no .env quoting is "
                                  "both exact for python-dotenv and safe to source in a shell")
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'"{escaped}"'


def write_env(path: str | os.PathLike, values: Mapping[str, Any]) -> Path:
    """Merge `values` into the .env at `path`: our keys are replaced in place (or appended, in the given order);
    every other line, comment and blank line stays where it was."""
    path = Path(path)
    for key in values:
        if not _KEY.match(key):
            raise ValueError(f"not an environment variable name: {key!r}")
    quoted = {}
    for key, value in values.items():
        try:
            quoted[key] = quote_env_value(value)
        except UnsafeEnvValueError as exc:
            raise UnsafeEnvValueError(f"{key}: {exc}") from None  # the key only: the value may be a secret
    existing = _read_existing(path).splitlines()
    pending = dict(quoted)
    lines: list[str] = []
    for line in existing:
        match = _ASSIGNMENT.match(line)
        key = match.group(1) if match else None
        if key in values:
            if key in pending:
                lines.append(f"{key}={pending.pop(key)}")
            # a second assignment of the same key would override ours when read: drop it
            continue
        lines.append(line)
    lines.extend(f"{key}={value}" for key, value in pending.items())
    atomic_write(path, "\n".join(lines) + "\n")
    return path


def write_json(path: str | os.PathLike, data: Any) -> Path:
    path = Path(path)
    atomic_write(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
    return path


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise ConfigError(f"{path} is a symbolic link: refusing to write credentials through it "
                          "(give the real file's path, or remove the link)")


def _read_existing(path: Path) -> str:
    """The current .env text ('' when absent), read without following a symbolic link."""
    _refuse_symlink(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a link since the check above
            _refuse_symlink(path)
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, encoding="utf-8") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ConfigError(f"{path} is not a regular file: refusing to write credentials there")
        return handle.read()


def atomic_write(path: str | os.PathLike, text: str | bytes, mode: int = FILE_MODE) -> None:
    """Write via a temp file in the same directory, fsync, rename: readers see the old or the new file, never half.

    The temp file is created 0600 from the start (mkstemp: O_EXCL, never through a link), so the secret is never
    readable by others, not even briefly. A symbolic link at `path` is refused; os.replace would only swap the link
    itself, never write through it, so a link appearing after the check changes no other file either.
    The temp file's name carries our process id: a writer killed before its rename (SIGKILL, power loss) leaves a
    temp file holding the secret, which the next write of the same file removes (remove_abandoned_temp_files).
    """
    path = Path(path)
    _refuse_symlink(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temp_files(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=_TEMP_SUFFIX, dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    # No chmod by path afterwards: os.replace keeps the temp file's fchmod'ed mode, and a path-based chmod could
    # follow a link swapped in meanwhile.
    _fsync_dir(directory)


_TEMP_SUFFIX = ".tmp"
#: a temp file without a process id in its name (written by an older version) is abandoned once this old: a write
#: takes milliseconds
ABANDONED_AFTER_SECONDS = 60.0


def remove_abandoned_temp_files(path: str | os.PathLike) -> list[Path]:
    """Remove the temp files that earlier writers of `path` left when killed between writing and renaming (they
    hold what the file would have: a secret). A temp file whose writer is still running is left alone. Returns
    what was removed; a file that cannot be removed is left (the write itself does not depend on it)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    # ours: .NAME.<pid>.<mkstemp's 8 characters>.tmp; older versions': .NAME.<8 characters>[.tmp]
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}(?:{re.escape(_TEMP_SUFFIX)})?$")
    removed = []
    try:
        candidates = [entry for entry in os.scandir(directory) if pattern.match(entry.name)]
    except OSError:
        return removed
    for entry in candidates:
        pid = pattern.match(entry.name).group(1)
        try:
            if pid is not None:
                if _process_alive(int(pid)):
                    continue
            elif time.time() - entry.stat(follow_symlinks=False).st_mtime < ABANDONED_AFTER_SECONDS:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of ours may be writing the same file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


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
