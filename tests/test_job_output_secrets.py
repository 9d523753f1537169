"""The nightly job's events, JSON report and JUnit file mask every secret of the run (issue 17, item 8): an error
text that quotes a password (raw, HTML-escaped from a page, JSON-escaped) must not reach CI logs or artifacts."""

from __future__ import annotations

import html
import io
import json
import xml.etree.ElementTree as ET

import pytest

from provisioner.job.events import JobEvents
from provisioner.job.reports import OrgResult, RunReport, junit_xml, write_junit, write_report_json
from provisioner.redact import MASK, SecretSet, scan_paths

PASSWORD = "Adm1n<&>'pw\"9"
TOTP = "JBSWY3DPEHPK3PXP"


def leaky_report() -> RunReport:
    failed = OrgResult(
        name="uat", status="failed", attempts=2, error="LoginError", exit_code=10,
        cause=f"login refused for admin with password {PASSWORD}; page said {html.escape(PASSWORD)}",
        changes=[f"totp {TOTP}"], artifacts=["out/uat/failure.png"],
    )
    ok = OrgResult(name="prod", status="created", attempts=1, changes=["created app"], verified=True)
    return RunReport(run_id="r1", started_at="2024-01-01T00:00:00+00:00", finished_at="2024-01-01T00:01:00+00:00",
                     shard="1/1", inventory="inv.toml", orgs=[failed, ok])


@pytest.mark.parametrize("json_lines", [False, True], ids=["plain", "json"])
def test_events_mask_the_runs_secrets_in_text_and_data(json_lines):
    out = io.StringIO()
    events = JobEvents(json_lines=json_lines, stream=out, secrets=SecretSet([PASSWORD]))
    events.add_secrets([TOTP])  # an org's secrets join when its turn comes
    report = leaky_report()
    events.org_retry("uat", 1, report.orgs[0].cause, 0.5)
    events.org_finished(report.orgs[0])
    events.step("uat", f"typed {TOTP}", detail={"nested": [json.dumps(PASSWORD)]})
    events.note(f"note {PASSWORD}")
    text = out.getvalue()
    assert SecretSet([PASSWORD, TOTP]).mask(text) == text and text not in SecretSet([PASSWORD, TOTP])
    assert text.count(MASK) >= 6
    if json_lines:
        lines = [json.loads(line) for line in text.splitlines()]
        assert lines[0]["event"] == "org_retry" and MASK in lines[0]["cause"]
        assert lines[2]["detail"]["nested"][0].count(MASK) == 1


def test_events_without_secrets_print_as_before():
    out = io.StringIO()
    JobEvents(stream=out).note("hello", org="uat")
    assert out.getvalue() == "[uat] hello\n"


def test_json_report_and_junit_mask_the_runs_secrets(tmp_path):
    secrets = SecretSet([PASSWORD, TOTP])
    report = leaky_report()
    json_path = write_report_json(report, tmp_path / "report.json", secrets=secrets)
    junit_path = write_junit(report, tmp_path / "junit.xml", secrets=secrets)
    assert scan_paths([json_path, junit_path], secrets) == []
    data = json.loads(json_path.read_text())
    assert data["orgs"][0]["cause"].startswith("login refused for admin with password " + MASK)
    assert data["orgs"][0]["changes"] == [f"totp {MASK}"] and data["summary"]["failed"] == 1
    suite = ET.parse(junit_path).getroot()
    failure = suite.find(".//testcase[@name='uat']/failure")
    assert MASK in failure.get("message") and PASSWORD not in failure.get("message")
    assert junit_xml(report, secrets=secrets) == junit_path.read_text()
    assert report.orgs[0].cause.endswith(html.escape(PASSWORD))  # the caller's report object is not changed


def test_reports_without_secrets_are_unchanged(tmp_path):
    report = leaky_report()
    assert json.loads(write_report_json(report, tmp_path / "r.json").read_text())["orgs"][0]["cause"] == \
        report.orgs[0].cause
