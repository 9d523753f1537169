"""Tell the user what is happening: rich spinners on a terminal, plain lines in logs, JSON lines for machines.

Everything printed goes through the SecretSet first, so a secret that slips into a detail string is masked.

    progress = Progress(secrets=secrets)              # mode: "auto" (rich on a TTY, else plain) | "plain" | "json"
    with progress.step("login", "as admin@example.com"):
        ...
    progress.info("app already exists, updating")
    progress.done({"consumer_key": "3MVG…"})
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

from .redact import SecretSet


class StepSetAside(Exception):
    """A step given up for another way to the same result (the stored session's API check, then a login): reported
    as set aside, with why, never as failed. Raised from inside the step; whoever tries the other way catches it."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


class Progress:
    def __init__(
        self,
        mode: str = "auto",
        *,
        stream: TextIO | None = None,
        secrets: SecretSet | None = None,
        clock=time.monotonic,
    ):
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "rich" if _is_tty(self.stream) else "plain"
        if mode not in ("rich", "plain", "json"):
            raise ValueError(f"unknown progress mode {mode!r}")
        self.mode = mode
        self.secrets = secrets if secrets is not None else SecretSet()
        self._clock = clock
        self._started = clock()
        self._current: str | None = None
        self._console = None
        self._spinning = False
        if mode == "rich":
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False)

    # --- public --------------------------------------------------------------------------------------------------

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator["Progress"]:
        """A unit of work: reported as started, then ok (with its duration) or failed (with the error's text)."""
        started = self._clock()
        previous, self._current = self._current, name
        self._emit("step", name, "started", detail=detail)
        status_cm = None
        if self._console is not None and not self._spinning:  # rich allows one live display at a time
            self._spinning = True
            status_cm = self._console.status(self._mask(f"{name}{': ' + detail if detail else ''}"))
            status_cm.__enter__()
        try:
            yield self
        except BaseException as exc:
            if status_cm is not None:
                status_cm.__exit__(None, None, None)
                status_cm = None
                self._spinning = False
            status = "set aside" if isinstance(exc, StepSetAside) else "failed"
            self._emit("step", name, status, detail=_one_line(exc), duration=self._clock() - started)
            raise
        finally:
            if status_cm is not None:
                status_cm.__exit__(None, None, None)
                self._spinning = False
            self._current = previous
        self._emit("step", name, "ok", detail=detail, duration=self._clock() - started)

    def info(self, message: str, **fields: Any) -> None:
        self._emit("info", self._current, "info", detail=message, **fields)

    def warn(self, message: str, **fields: Any) -> None:
        self._emit("warning", self._current, "warning", detail=message, **fields)

    def done(self, result: Any = None) -> None:
        """The final event. In JSON mode `result` (already free of secrets, e.g. masked keys) is included."""
        self._emit("done", None, "ok", result=result)

    # --- output --------------------------------------------------------------------------------------------------

    def _mask(self, text: str) -> str:
        return self.secrets.mask(text) if text else text

    def _emit(self, event: str, step: str | None, status: str, *, detail: str = "", duration: float | None = None,
              **fields: Any) -> None:
        elapsed = round(self._clock() - self._started, 3)
        if self.mode == "json":
            record: dict[str, Any] = {"event": event, "step": step, "status": status, "elapsed": elapsed}
            if detail:
                record["detail"] = detail
            if duration is not None:
                record["duration"] = round(duration, 3)
            record.update(fields)
            line = self._mask(json.dumps(record, default=str, ensure_ascii=False))
            self._write(line)
            return
        if event == "step" and status == "started" and self.mode == "rich":
            return  # the spinner shows it
        text = self._plain_text(event, step, status, detail, duration, fields)
        if self._console is not None:
            style = {"failed": "red", "warning": "yellow", "ok": "green"}.get(status)
            self._console.print(self._mask(text), style=style, markup=False)
        else:
            self._write(self._mask(text))

    def _plain_text(self, event, step, status, detail, duration, fields) -> str:
        took = f" ({duration:.1f}s)" if duration is not None else ""
        if event == "step":
            mark = {"started": "..", "ok": "ok", "failed": "FAILED", "set aside": "--"}[status]
            return f"[{mark}] {step}{': ' + detail if detail else ''}{took}"
        if event == "done":
            result = fields.get("result")
            if isinstance(result, dict):
                return "done: " + ", ".join(f"{k}={v}" for k, v in result.items())
            return "done" + (f": {result}" if result is not None else "")
        prefix = "warning: " if event == "warning" else ""
        return f"{prefix}{detail}"

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
