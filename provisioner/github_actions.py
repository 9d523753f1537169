"""GitHub Actions workflow commands, used only when the run is in GitHub Actions (GITHUB_ACTIONS=true).

- every secret the run learns is masked for the rest of the job (`::add-mask::`, each line of a multi-line value)
  as soon as it is known: redact.SecretSet calls `announce_secret` for each new value;
- each failed org becomes an error annotation (`::error`);
- the run's table of orgs and outcomes is appended to the step summary (the file GITHUB_STEP_SUMMARY names).

Commands go to standard error: the runner reads workflow commands from both streams (actions/runner,
ScriptHandler.cs), and standard output stays the command's own (JSON lines with --json). Do not redirect standard
error into a file you upload: an `::add-mask::` line holds the value it masks.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

_announced: set[str] = set()
_lock = threading.Lock()


def active(environ: dict[str, str] | None = None) -> bool:
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A command's message, as the runner unescapes it (%25, %0D, %0A)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def announce_secret(value: str, stream: TextIO | None = None) -> None:
    """Mask `value` in the job's log from now on (once per value and process). No-op outside GitHub Actions."""
    if not value or not active():
        return
    with _lock:
        lines = [line.strip("\r") for line in str(value).split("\n")]
        fresh = [line for line in dict.fromkeys(lines) if line.strip() and line not in _announced]
        if not fresh:
            return
        _announced.update(fresh)
        out = stream or sys.stderr
        for line in fresh:
            print(f"::add-mask::{escape_data(line)}", file=out, flush=True)


def error(message: str, *, title: str | None = None, stream: TextIO | None = None) -> None:
    """An error annotation (mask `message` first: it is shown in the run's summary)."""
    if not active():
        return
    props = f" title={escape_property(title)}" if title else ""
    print(f"::error{props}::{escape_data(message)}", file=stream or sys.stderr, flush=True)


def append_step_summary(markdown: str) -> bool:
    """Add `markdown` to the job's step summary; False when there is none (not in GitHub Actions)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not active() or not path:
        return False
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return True
