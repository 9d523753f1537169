"""The Salesforce CLI's JSON shape, for every command run with `--json` (or SF_CONTENT_TYPE=JSON, the CLI's own
switch): one object on stdout, `{"status": 0, "result": {...}, "warnings": [...]}` on success and
`{"status": N, "name": ..., "message": ..., "exitCode": N, "warnings": [...]}` on failure (N: our exit code).
Progress, when asked for as JSON, stays on stderr, so stdout parses as one object.

Warnings are said on stderr as they happen and collected for the object (one command per process).
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping

import click

#: the Salesforce CLI's environment switch for JSON output [code: @salesforce/sf-plugins-core]
CONTENT_TYPE_VARIABLE = "SF_CONTENT_TYPE"

_warnings: list[str] = []


def requested(flag: bool = False, args: Iterable[str] = ()) -> bool:
    """JSON output: the command's --json flag (or `--json` among `args`), or SF_CONTENT_TYPE=JSON."""
    return bool(flag) or "--json" in args or os.environ.get(CONTENT_TYPE_VARIABLE, "").strip().upper() == "JSON"


def warn(text: str) -> None:
    """A warning: on stderr now, and in the `warnings` of the JSON object."""
    _warnings.append(text)
    click.echo(f"warning: {text}", err=True)


def warnings() -> list[str]:
    return list(_warnings)


def reset() -> None:
    """A new command starts with no warnings (several commands can run in one process: tests, embedding)."""
    _warnings.clear()


def success(result: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": 0, "result": dict(result), "warnings": warnings()}


def failure(name: str, message: str, exit_code: int, data: Any = None) -> dict[str, Any]:
    shaped: dict[str, Any] = {"status": exit_code, "name": name, "message": message, "exitCode": exit_code,
                              "warnings": warnings()}
    if data is not None:
        shaped["data"] = data
    return shaped


def print_success(result: Mapping[str, Any]) -> None:
    """The one stdout object of a command that succeeded (the caller masked what must not show)."""
    click.echo(json.dumps(success(result)))


def print_failure(name: str, message: str, exit_code: int, *, secrets: Any = None, data: Any = None) -> None:
    """The one stdout object of a command that failed; every text masked with the run's secrets."""
    shaped = failure(name, message, exit_code, data)
    if secrets is not None:
        shaped = secrets.mask_data(json.loads(json.dumps(shaped, default=str)))
    click.echo(json.dumps(shaped))
