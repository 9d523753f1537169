"""Run reports: JSON (for machines and `report merge`) and JUnit XML (for CI test tabs).

Reports never hold secrets: only statuses, the names of changed settings, one-line causes and file paths; and
the writers mask the run's secrets (`secrets=`) in case a cause quotes what a page showed.
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ..errors import ConfigError
from ..redact import SecretSet

REPORT_VERSION = 1
STATUSES = ("created", "updated", "unchanged", "planned", "failed")


@dataclass
class OrgResult:
    name: str
    status: str  # one of STATUSES
    changes: list[str] = field(default_factory=list)
    attempts: int = 0
    duration_seconds: float = 0.0
    cause: str | None = None  # one line, failed only
    error: str | None = None  # the error's kind (class name), failed only
    exit_code: int = 0  # of the error kind; 0 when it worked
    artifacts: list[str] = field(default_factory=list)  # screenshot / html saved on failure
    credentials: list[str] = field(default_factory=list)  # files written
    verified: bool = False  # the JWT bearer exchange worked with the written credentials
    app_name: str | None = None
    plan: list[str] = field(default_factory=list)  # --dry-run: what would change
    via: str = ""  # "api" | "browser": the path that made the app (README "Browser or API")
    via_reason: str = ""  # why that path (one line, no secret)
    rotated: bool = False  # rotate_after_days: the pair was rotated after the run
    previous_consumer_key: str | None = None  # the key the rotation replaced (deleted); only when rotated

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @classmethod
    def from_dict(cls, data: dict) -> "OrgResult":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class RunReport:
    run_id: str
    started_at: str
    finished_at: str
    shard: str  # "K/N", or "merged"
    inventory: str
    dry_run: bool = False
    orgs: list[OrgResult] = field(default_factory=list)
    merged_from: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> list[OrgResult]:
        return [o for o in self.orgs if o.failed]

    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for org in self.orgs:
            counts[org.status] = counts.get(org.status, 0) + 1
        return counts

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.summary().items() if n)
        return f"{len(self.orgs)} org(s): {counts or 'none'}"

    def to_dict(self) -> dict:
        data = asdict(self)
        for org in data["orgs"]:
            if not org.get("rotated"):
                org.pop("previous_consumer_key", None)
        data["version"] = REPORT_VERSION
        data["summary"] = self.summary()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "RunReport":
        return cls(
            run_id=data["run_id"], started_at=data["started_at"], finished_at=data["finished_at"],
            shard=data.get("shard", "1/1"), inventory=data.get("inventory", ""), dry_run=data.get("dry_run", False),
            orgs=[OrgResult.from_dict(o) for o in data.get("orgs", [])], merged_from=data.get("merged_from", []),
        )


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- files --------------------------------------------------------------------------------------------------------


def masked(report: RunReport, secrets: SecretSet | None) -> RunReport:
    """A copy of `report` with the secrets masked in every text (the original is left as it is)."""
    if not secrets:
        return report
    return RunReport.from_dict(secrets.mask_data(report.to_dict()))


def write_report_json(report: RunReport, path: str | os.PathLike, *, secrets: SecretSet | None = None) -> Path:
    return _write_atomic(Path(path), json.dumps(masked(report, secrets).to_dict(), indent=2) + "\n")


def write_junit(report: RunReport, path: str | os.PathLike, *, secrets: SecretSet | None = None) -> Path:
    return _write_atomic(Path(path), junit_xml(report, secrets=secrets))


def load_report(path: str | os.PathLike) -> RunReport:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "run_id" not in data or not isinstance(data.get("orgs"), list):
            raise ValueError("not a provisioner run report")
        return RunReport.from_dict(data)
    except FileNotFoundError:
        raise ConfigError(f"report {path} does not exist") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"report {path} is not a provisioner run report: {exc}") from None


def _write_atomic(path: Path, text: str) -> Path:
    """Write beside the target then rename: a killed run never leaves half a report behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- merge --------------------------------------------------------------------------------------------------------


def merge_reports(reports: Iterable[tuple[str, RunReport]]) -> RunReport:
    """Join shard reports (label, report) into one. An org found in two reports is an error: shards overlap."""
    reports = list(reports)
    if not reports:
        raise ConfigError("report merge: no input reports")
    owner: dict[str, str] = {}
    orgs: list[OrgResult] = []
    for label, report in reports:
        for org in report.orgs:
            if org.name in owner:
                raise ConfigError(f"report merge: org {org.name!r} appears in both {owner[org.name]} and {label}")
            owner[org.name] = label
            orgs.append(org)
    orgs.sort(key=lambda o: o.name)
    return RunReport(
        run_id="+".join(dict.fromkeys(r.run_id for _, r in reports)),
        started_at=min(r.started_at for _, r in reports),
        finished_at=max(r.finished_at for _, r in reports),
        shard="merged",
        inventory=reports[0][1].inventory,
        dry_run=all(r.dry_run for _, r in reports),
        orgs=orgs,
        merged_from=[{"report": label, "run_id": r.run_id, "shard": r.shard, "orgs": len(r.orgs)}
                     for label, r in reports],
    )


# --- JUnit --------------------------------------------------------------------------------------------------------


def junit_xml(report: RunReport, *, secrets: SecretSet | None = None) -> str:
    """One <testsuite name="provisioner">, one <testcase classname="org" name=ORG> per org; failures carry the cause."""
    report = masked(report, secrets)
    failures = len(report.failed)
    total_time = sum(o.duration_seconds for o in report.orgs)
    suites = ET.Element("testsuites", name="provisioner", tests=str(len(report.orgs)), failures=str(failures),
                        errors="0", time=f"{total_time:.3f}")
    suite = ET.SubElement(suites, "testsuite", name="provisioner", tests=str(len(report.orgs)),
                          failures=str(failures), errors="0", skipped="0", time=f"{total_time:.3f}",
                          timestamp=report.started_at)
    properties = ET.SubElement(suite, "properties")
    for key, value in (("run_id", report.run_id), ("shard", report.shard), ("dry_run", str(report.dry_run).lower())):
        ET.SubElement(properties, "property", name=key, value=value)
    for org in report.orgs:
        case = ET.SubElement(suite, "testcase", classname="org", name=org.name, time=f"{org.duration_seconds:.3f}")
        if org.failed:
            failure = ET.SubElement(case, "failure", message=org.cause or "failed", type=org.error or "Error")
            failure.text = _failure_text(org)
        out = ET.SubElement(case, "system-out")
        out.text = _system_out(org)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _failure_text(org: OrgResult) -> str:
    lines = [org.cause or "failed", f"exit code {org.exit_code}, {org.attempts} attempt(s)"]
    lines += [f"artifact: {path}" for path in org.artifacts]
    return "\n".join(lines)


def _system_out(org: OrgResult) -> str:
    lines = [f"status: {org.status}", f"attempts: {org.attempts}", f"verified: {str(org.verified).lower()}"]
    if org.rotated:
        lines.append(f"rotated: true (previous consumer key {org.previous_consumer_key})")
    lines += [f"change: {c}" for c in org.changes]
    lines += [f"plan: {p}" for p in org.plan]
    lines += [f"credentials: {p}" for p in org.credentials]
    lines += [f"artifact: {p}" for p in org.artifacts]
    return "\n".join(lines)


# --- GitHub Actions step summary ----------------------------------------------------------------------------------


def step_summary(report: RunReport, *, secrets: SecretSet | None = None) -> str:
    """A Markdown table of the orgs and their outcomes (GitHub Actions' step summary): one row per org."""
    report = masked(report, secrets)
    title = "merged run" if report.shard == "merged" else f"run {report.run_id}, shard {report.shard}"
    lines = [f"### provisioner: {title}" + (" (dry run)" if report.dry_run else ""), "",
             f"{report.summary_line()}", "", "| org | outcome | attempts | seconds | detail |",
             "|---|---|---|---|---|"]
    for org in report.orgs:
        if org.failed:
            detail = f"{org.cause or 'failed'} (exit {org.exit_code})"
        else:
            detail = "; ".join(org.plan if org.status == "planned" else org.changes)
            if org.verified:
                detail = (detail + "; " if detail else "") + "credentials verified"
            if org.rotated:
                detail = (detail + "; " if detail else "") + "key and secret rotated"
        outcome = f"**{org.status}**" if org.failed else org.status
        lines.append(f"| {_cell(org.name)} | {outcome} | {org.attempts} | {org.duration_seconds:.1f} | "
                     f"{_cell(detail)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Table-safe: a | would end the cell, a line break the row; < > & are shown as text."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("\r", " ").replace("\n", " "))
