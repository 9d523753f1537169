"""In GitHub Actions (issue 14, item 2): each new secret is masked for the rest of the job as soon as it is known,
each failed org is an error annotation, and the step summary gets a table of orgs and outcomes."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
from contextlib import asynccontextmanager

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.errors import LoginError
from provisioner.job.events import JobEvents
from provisioner.job.reports import OrgResult, RunReport, step_summary, write_report_json
from provisioner.job.runner import JobRunner, RunOptions
from provisioner.redact import SecretSet

from .test_job_unit import inventory_of


@pytest.fixture
def in_actions(monkeypatch, tmp_path):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def fresh(label: str) -> str:
    return f"{label}-{os.urandom(6).hex()}"  # announcements are once per process: every test its own values


def test_a_new_secret_is_masked_once_each_line_escaped(in_actions, capsys):
    secret, pem = fresh("pw%50"), f"-----BEGIN KEY-----\n{fresh('line')}\r\n-----END KEY-----\n"
    secrets = SecretSet([secret])
    secrets.add(secret)
    SecretSet().add(secret)  # another set in the same job: already masked
    secrets.add(pem)
    err = capsys.readouterr().err.splitlines()
    assert err.count(f"::add-mask::{secret.replace('%', '%25')}") == 1
    assert f"::add-mask::{pem.splitlines()[1].strip()}" in err and "::add-mask::" not in err[-1][len("::add-mask::"):]
    assert len(err) == 4, err


def test_outside_github_actions_nothing_is_announced(monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    SecretSet([fresh("quiet")])
    assert capsys.readouterr() == ("", "")


@asynccontextmanager
async def no_browser():
    yield None


def test_a_failed_org_is_an_error_annotation_masked_after_its_secret_was_masked(in_actions, tmp_path, capsys):
    secret = fresh("s3cret")
    inv = inventory_of(tmp_path, "uat", "qa")

    async def work(browser, org, events, deadline):
        if org.name == "qa":
            events.add_secrets([secret])
            raise LoginError(f"wrong password {secret} for qa")
        from provisioner.one_org import OrgOutcome
        return OrgOutcome(status="unchanged")

    stream = io.StringIO()
    runner = JobRunner(inv, RunOptions(concurrency=1, budget_seconds=30, retries=0), work=work, launch=no_browser,
                       events=JobEvents(json_lines=True, stream=stream), rng=random.Random(1))
    report = asyncio.run(runner.run())
    err = capsys.readouterr().err.splitlines()
    mask_at = err.index(f"::add-mask::{secret}")
    errors = [i for i, line in enumerate(err) if line.startswith("::error")]
    assert len(errors) == 1 and errors[0] > mask_at
    assert err[errors[0]].startswith("::error title=provisioner%3A org qa failed::qa: wrong password ********")
    assert secret not in stream.getvalue() and all(json.loads(line) for line in stream.getvalue().splitlines())
    summary = step_summary(report, secrets=runner.secrets)
    assert "| qa | **failed** | 1 |" in summary and "| uat | unchanged | 1 |" in summary and secret not in summary


def test_the_summary_table_keeps_each_org_on_its_row():
    report = RunReport(run_id="r1", started_at="t", finished_at="t", shard="2/4", inventory="i.toml", orgs=[
        OrgResult(name="uat", status="failed", cause="a | b\nc <b>", exit_code=40, attempts=3),
        OrgResult(name="qa", status="updated", changes=["session timeout 15 -> 30"], verified=True, attempts=1)])
    table = step_summary(report).splitlines()
    assert table[0] == "### provisioner: run r1, shard 2/4"
    assert "| uat | **failed** | 3 | 0.0 | a \\| b c &lt;b&gt; (exit 40) |" in table
    assert "| qa | updated | 1 | 0.0 | session timeout 15 -&gt; 30; credentials verified |" in table


def test_report_merge_appends_the_merged_table_to_the_step_summary(in_actions, tmp_path):
    paths = []
    for k, (name, status) in enumerate([("uat", "created"), ("qa", "failed")], start=1):
        report = RunReport(run_id=f"r{k}", started_at="t", finished_at="t", shard=f"{k}/2", inventory="i.toml",
                           orgs=[OrgResult(name=name, status=status, cause="down" if status == "failed" else None)])
        paths.append(str(write_report_json(report, tmp_path / f"report-{k}.json")))
    in_actions.write_text("earlier step's summary\n")
    result = CliRunner().invoke(main, ["report", "merge", str(tmp_path / "report.json"), *paths])
    assert result.exit_code == 0, result.output
    text = in_actions.read_text()
    assert text.startswith("earlier step's summary\n### provisioner: merged run")
    assert "| uat | created |" in text and "| qa | **failed** |" in text
