"""What the job tells the person (or CI log) watching it: plain lines, or JSON lines with --json.

Lines name the org first: with several orgs in flight, their steps interleave. Every line is masked with the
run's secrets (`secrets=`, and `add_secrets` as each org's are read): causes can quote what a page showed.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Iterable, TextIO

from .. import github_actions
from ..redact import SecretSet
from .reports import OrgResult, RunReport


class JobEvents:
    def __init__(self, json_lines: bool = False, stream: TextIO | None = None, quiet: bool = False, *,
                 secrets: SecretSet | None = None):
        self.json_lines = json_lines
        self.stream = stream or sys.stdout
        self.quiet = quiet
        #: everything secret in this run; shared, so secrets added by the caller later are masked too
        self.secrets = secrets if secrets is not None else SecretSet()
        self._lock = threading.Lock()  # verify runs in a thread and reports its retries from there

    def add_secrets(self, values: Iterable[str | None]) -> None:
        """Mask these from now on (an org's password, TOTP seed, consumer secret, private key as they are read)."""
        with self._lock:
            self.secrets.update(values)

    # --- job level -------------------------------------------------------------------------------------------
    def run_started(self, report: RunReport, org_names: list[str]) -> None:
        self.emit("run_started", f"run {report.run_id}: {len(org_names)} org(s) in shard {report.shard}"
                  + (" (dry run)" if report.dry_run else ""),
                  run_id=report.run_id, shard=report.shard, orgs=org_names, dry_run=report.dry_run)

    def org_started(self, org: str) -> None:
        self.emit("org_started", "started", org=org)

    def org_retry(self, org: str, attempt: int, cause: str, delay: float) -> None:
        self.emit("org_retry", f"attempt {attempt} failed: {cause}; retrying in {delay:.1f} s",
                  org=org, attempt=attempt, cause=cause, delay_seconds=round(delay, 2))

    def org_finished(self, result: OrgResult) -> None:
        if result.failed:
            text = f"failed after {result.attempts} attempt(s): {result.cause}"
        else:
            detail = result.plan if result.status == "planned" else result.changes
            text = f"{result.status}" + (f": {'; '.join(detail)}" if detail else "")
            if result.verified:
                text += " (credentials verified)"
            if result.rotated:
                text += " (key and secret rotated)"
        self.emit("org_finished", f"{text} [{result.duration_seconds:.1f} s]", org=result.name,
                  status=result.status, attempts=result.attempts, duration_seconds=result.duration_seconds,
                  changes=result.changes, cause=result.cause, exit_code=result.exit_code,
                  verified=result.verified, artifacts=result.artifacts, rotated=result.rotated)
        if result.failed:  # an annotation on the workflow run (GitHub Actions only), even with --quiet
            with self._lock:
                github_actions.error(self.secrets.mask(f"{result.name}: {result.cause} (exit {result.exit_code})"),
                                     title=f"provisioner: org {result.name} failed")

    def run_finished(self, report: RunReport) -> None:
        self.emit("run_finished", report.summary_line(), run_id=report.run_id, summary=report.summary())

    def note(self, text: str, org: str | None = None) -> None:
        self.emit("note", text, org=org)

    # --- per org steps (what provision reports) ---------------------------------------------------------------
    def step(self, org: str, text: str, **data) -> None:
        self.emit("step", text, org=org, **data)

    # --- output -----------------------------------------------------------------------------------------------
    def emit(self, event: str, text: str, org: str | None = None, **data) -> None:
        if self.quiet:
            return
        with self._lock:
            if self.json_lines:
                payload = {"event": event, **({"org": org} if org else {}), "message": text, **data}
                # through JSON first so every value (paths, exceptions) is a string the mask can see
                payload = self.secrets.mask_data(json.loads(json.dumps(payload, default=str)))
                line = json.dumps(payload)
            else:
                line = self.secrets.mask(f"[{org}] {text}" if org else text)
            print(line, file=self.stream, flush=True)
