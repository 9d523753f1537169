"""One run per inventory at a time: an flock on `<inventory>.lock` (msvcrt's byte lock on Windows).

flock belongs to the open file: the kernel drops it when the process dies, so a run killed with SIGKILL leaves
no stale lock behind (the file stays, harmlessly). The file holds the holder's pid and start time, only to make
the "locked" message useful.

The lock file is opened with O_NOFOLLOW and must be a regular file: a symbolic link planted at its path must not
make the run truncate (or create) some other file.

The platform's lock module is imported when a lock is taken, not with this module: importing the CLI needs no
POSIX-only module.
"""

from __future__ import annotations

import errno
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ConfigError, LockedError


class InventoryLock:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> "InventoryLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = self._open()
        try:
            _lock(fd)
        except (BlockingIOError, PermissionError):  # PermissionError: msvcrt's answer for a held lock
            holder = _read_holder(fd)
            os.close(fd)
            raise LockedError(f"another run holds the lock: {self.path}{holder}") from None
        except BaseException:
            os.close(fd)
            raise
        # We own it now: record who, for the next run's message.
        os.ftruncate(fd, 0)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.lseek(fd, 0, os.SEEK_SET)  # not pwrite: Windows has none
        os.write(fd, f"pid {os.getpid()} since {started}\n".encode())
        self._fd = fd
        return self

    def _open(self) -> int:
        try:
            # O_NONBLOCK: opening a FIFO planted here must not hang; it is refused just below.
            flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ConfigError(f"lock file {self.path} is a symbolic link: refusing to follow it "
                                  "(remove it; the lock file is plain and made by the run)") from None
            raise ConfigError(f"cannot open lock file {self.path}: {exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ConfigError(f"lock file {self.path} is not a regular file: remove it")
        return fd

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "InventoryLock":
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


#: Windows has no O_NOFOLLOW: there the is_symlink check in _open's error path is all we have
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _lock(fd: int) -> None:
    """Exclusive, non-blocking; raises BlockingIOError (POSIX) or PermissionError (Windows) when held."""
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f" ({text[0]})" if text else ""
