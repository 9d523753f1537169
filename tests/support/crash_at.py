"""The real `provisioner` command, killed (SIGKILL, no cleanup of any kind) the moment it is about to put a finished
file in place: `python -m tests.support.crash_at FILE_NAME -- setup ...`.

A test chooses the step it crashes at by naming the file: the process dies after the temp file beside FILE_NAME was
written in full, before it is renamed over FILE_NAME (os.replace), which is where an atomic writer is most exposed.
Only a test uses this; the command itself has no crash hooks.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def crash_before_replacing(file_name: str) -> None:
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):  # noqa: ANN001, ANN202 - os.replace's own signature
        if Path(dst).name == file_name:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace


def main(argv: list[str]) -> None:
    file_name, separator, *command = argv
    if separator != "--":
        raise SystemExit("usage: python -m tests.support.crash_at FILE_NAME -- COMMAND ARGS...")
    crash_before_replacing(file_name)
    from provisioner.cli import main as provisioner

    sys.argv = ["provisioner", *command]
    provisioner()


if __name__ == "__main__":
    main(sys.argv[1:])
