"""The fault profile and the CI-sized soak (issue 11, items 1-3). The full size is `provisioner soak --runs 200`."""

from __future__ import annotations

import pytest

from provisioner.errors import ConfigError
from provisioner.sim.faults import FAULTS, FaultProfile, parse_faults


def test_fault_rates_parse_and_bad_ones_are_named():
    assert parse_faults("server_error=0.1, mail_twice=1") == {"server_error": 0.1, "mail_twice": 1.0}
    assert set(parse_faults("all=0.2,spinner=0")) == set(FAULTS) - {"spinner"}
    for bad, named in (("nonsense=0.1", "nonsense"), ("server_error=2", "from 0 to 1"), ("server_error", "name=rate"),
                       ("spinner=x", "number")):
        with pytest.raises(ConfigError, match=named):
            parse_faults(bad)


def test_the_same_seed_gives_the_same_faults():
    def draws(seed: int) -> list[bool]:
        profile = FaultProfile("all=0.3", seed=seed)
        return [profile.hit(name) for _ in range(20) for name in FAULTS]

    first = draws(7)
    assert first == draws(7) and any(first) and not all(first)
    assert draws(8) != first


def test_a_save_fails_once_and_propagation_is_drawn_once_per_app():
    profile = FaultProfile("save_fails=1,propagation_long=1", seed=1)
    assert profile.save_fails("/save") and not profile.save_fails("/save")
    first = profile.propagation_seconds("app@1", 5.0)
    assert 10.0 <= first <= 20.0 and profile.propagation_seconds("app@1", 5.0) == first


@pytest.mark.e2e
@pytest.mark.parametrize("via", ["browser", "api"])
def test_ci_sized_soak_holds_under_faults_and_a_killed_browser(tmp_path, secrets_scan, via):
    """Two orgs in one job, faults often, Chromium killed mid-job, over each path (`--via`): every run correct and
    over the path asked for, nothing duplicated, the written credentials log in (checked independently), no secret
    in any output (the soak's own scan, and the test's: everything the soak left in its folder)."""
    from provisioner.soak import SoakOptions, run_soaks

    reports = run_soaks(SoakOptions(runs=2, orgs_per_job=2, seed=11, browser_kill_rate=1.0, work_dir=tmp_path,
                                    faults="save_fails=0.5,mail_twice=0.5,mail_after_newer=0.5,"
                                           "mail_out_of_order=0.3,imap_drop=0.3,propagation_long=0.5,"
                                           "toast_missing=0.2"), (via,))
    for written in tmp_path.glob("*/job-*/creds/*"):  # the credentials each org's run wrote: theirs to hold
        secrets_scan.allow(written)
    report = reports[via]
    figures = report.as_json()
    assert figures["runs"] == 2 and figures["correct"] == 2, figures
    assert figures["paths_taken"] == {via: 2}, figures
    assert figures["duplicates"] == 0 and figures["wrong_credentials"] == 0 and not figures["secret_findings"]
    assert figures["browsers_killed"] == 1 and figures["runs_retried"] >= 1, figures
    assert report.passed


def test_soak_command_prints_both_paths_side_by_side(monkeypatch):
    """`provisioner soak` (default --via both) runs each path and prints one column per path; a miss on either
    path is exit 80's line naming it."""
    from click.testing import CliRunner

    from provisioner import soak
    from provisioner.commands.soak import command

    asked = []

    def fake_run_soak(options, *, progress):  # noqa: ANN001
        asked.append(options.via)
        report = soak.SoakReport(via=options.via, runs=1, correct=int(options.via == "browser"), seconds=[1.0])
        report.paths_taken[options.via] = 1
        if not report.correct:
            report.failed["LoginError: x"] = 1
        return report

    monkeypatch.setattr(soak, "run_soak", fake_run_soak)
    result = CliRunner().invoke(command, ["--runs", "1"])
    assert asked == ["browser", "api"]
    header, via_line = result.output.splitlines()[:2]
    assert header.split() == ["browser", "|", "api"] and via_line.startswith("via:"), result.output
    assert "missed its target over api" in str(result.exception or result.output)
