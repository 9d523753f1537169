"""Helpers to crash a command at a chosen step: kill its whole process tree when the simulated org logs an event, and
find what a killed run left running (its Chromium), by a marker in the environment every child inherits."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

MARKER = "PROVISIONER_CRASH_TEST_RUN"


def marked_env(base: dict[str, str]) -> tuple[dict[str, str], str]:
    """`base` plus a marker unique to one run: every process it starts (Playwright's driver, Chromium) inherits it."""
    token = uuid.uuid4().hex
    return {**base, MARKER: token}, token


def processes_marked(token: str) -> list[int]:
    """The live processes of ours whose environment holds the marker `token` (zombies excluded)."""
    needle = f"{MARKER}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.05) -> object:
    """Poll `condition` until it gives something true (returned) or `timeout` passes (its last value returned)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def reap(token: str, timeout: float = 15.0) -> list[int]:
    """Give a killed run's leftovers `timeout` to end by themselves; kill (by pid) and return those that did not."""
    wait_until(lambda: not processes_marked(token), timeout)
    left = processes_marked(token)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


class KillSwitch:
    """Kills one started process group (start_new_session=True) with SIGKILL, once, from any thread."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.fired = threading.Event()
        self.at: str = ""

    def kill(self, why: str) -> None:
        if self.fired.is_set() or self.process is None:
            return
        self.at = why
        self.fired.set()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_on_event(org, switch: KillSwitch, matches: Callable[[dict], bool]) -> Callable[[], None]:  # noqa: ANN001
    """When the org (a SimOrg) logs an event that `matches`, kill the process at once, in the org's own request
    thread: the change the event reports is made, and the command never gets the answer. Returns the undo."""
    log = org.log

    def logging_then_killing(kind: str, **details: object) -> None:
        log(kind, **details)
        event = {"kind": kind, **details}
        if matches(event):
            switch.kill(kind)

    org.log = logging_then_killing
    return lambda: setattr(org, "log", log)
