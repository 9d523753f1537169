"""rotate_after_days without a browser: the inventory key, the issue record beside the credentials (one writer, 0600,
a changed key restarts the clock, a rotation under way keeps it), when the job rotates, and what the report says."""

from __future__ import annotations

import asyncio
import json
import stat
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from provisioner import stored_credentials
from provisioner.api import rotation
from provisioner.api import via
from provisioner.api.session import ApiSession
from provisioner.errors import ApiUnavailableError, ConfigError, CredentialsApiDisabledError, RotationError
from provisioner.flows.session import Timeouts
from provisioner.job import rotation_due
from provisioner.job.inventory import parse_inventory
from provisioner.job.reports import OrgResult, RunReport, junit_xml, step_summary
from provisioner.job.rotation_due import rotate_if_due
from provisioner.one_org import CredentialTargets, OrgOutcome, write_credentials
from provisioner.redact import SecretSet

NOW = datetime.now(timezone.utc).replace(microsecond=0)
ORG = {"name": "uat", "login_url": "https://test.salesforce.com", "username": "bot@example.test",
       "password_env": "UAT_PASSWORD"}


# --- the inventory key ---------------------------------------------------------------------------------------------
def _inventory(tmp_path: Path, defaults: dict, *orgs: dict):  # noqa: ANN202
    (tmp_path / "app.toml").write_text('name = "CI"\napi_name = "CI"\n')
    return parse_inventory({"defaults": {"spec": "app.toml", **defaults}, "org": list(orgs) or [ORG]},
                           tmp_path / "inventory.toml")


def test_rotate_after_days_from_defaults_and_per_org(tmp_path) -> None:  # noqa: ANN001
    inv = _inventory(tmp_path, {"rotate_after_days": 30}, ORG, {**ORG, "name": "dev", "rotate_after_days": 7})
    assert [o.rotate_after_days for o in inv.orgs] == [30, 7]
    assert _inventory(tmp_path, {}).orgs[0].rotate_after_days is None  # unset: never


@pytest.mark.parametrize("value", [0, -1, 1.5, "30", True])
@pytest.mark.parametrize("where", ["defaults", "org"])
def test_a_bad_rotate_after_days_is_one_line_naming_the_key(tmp_path, value, where) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError) as caught:
        if where == "defaults":
            _inventory(tmp_path, {"rotate_after_days": value})
        else:
            _inventory(tmp_path, {}, {**ORG, "rotate_after_days": value})
    text = str(caught.value)
    assert "rotate_after_days" in text and "\n" not in text
    assert ("[defaults]" if where == "defaults" else "org 'uat'") in text


# --- the issue record ------------------------------------------------------------------------------------------------
@pytest.fixture
def targets(tmp_path) -> CredentialTargets:  # noqa: ANN001
    return CredentialTargets(env_file=tmp_path / "creds.env", json_file=tmp_path / "creds.json")


def _facts(key: str, secret: str = "S" * 64) -> OrgOutcome:
    return OrgOutcome(status="created", app_name="CI", api_name="CI", consumer_key=key, consumer_secret=secret,
                      username="bot@example.test", login_url="https://test.salesforce.com",
                      instance_url="https://acme.my.salesforce.com")


def test_the_record_starts_when_asked_and_restarts_with_a_new_key(targets) -> None:  # noqa: ANN001
    path = stored_credentials.issued_path(targets)
    assert path == Path(str(targets.env_file) + ".issued.json")
    assert stored_credentials.note_issued(targets, "KEY1", create=False) is None and not path.exists()
    first = stored_credentials.note_issued(targets, "KEY1", create=True, now=NOW - timedelta(days=40))
    assert first.issued_at == NOW - timedelta(days=40) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored_credentials.note_issued(targets, "KEY1", create=True) == first  # the same pair: the same clock
    second = stored_credentials.note_issued(targets, "KEY2", create=False, now=NOW)
    assert (second.consumer_key, second.issued_at) == ("KEY2", NOW)
    assert json.loads(path.read_text()) == {"consumer_key": "KEY2", "issued_at": NOW.isoformat()}


def test_writing_credentials_restarts_a_kept_clock_and_makes_none(targets) -> None:  # noqa: ANN001
    write_credentials(targets, _facts("KEY1"))
    assert not stored_credentials.issued_path(targets).exists()  # setup alone keeps no clock: its folder as before
    stored_credentials.note_issued(targets, "KEY1", create=True, now=NOW - timedelta(days=40))
    write_credentials(targets, _facts("KEY1"))
    assert stored_credentials.read_issued(targets).issued_at == NOW - timedelta(days=40)
    write_credentials(targets, _facts("KEY2"))
    issued = stored_credentials.read_issued(targets)
    assert issued.consumer_key == "KEY2" and issued.age_days() < 1


def test_an_unreadable_record_starts_the_clock_again(targets) -> None:  # noqa: ANN001
    path = stored_credentials.issued_path(targets)
    path.write_text("{not json")
    assert stored_credentials.read_issued(targets) is None
    issued = stored_credentials.note_issued(targets, "KEY1", create=False)
    assert issued.consumer_key == "KEY1" and issued.age_days() < 1


# --- when the job rotates ---------------------------------------------------------------------------------------------
class _Progress:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, text: str) -> None:
        self.lines.append(text)

    @contextmanager
    def step(self, name: str, detail: str = ""):  # noqa: ANN201
        self.lines.append(f"{name}: {detail}")
        yield


class _Task:
    def __init__(self, targets: CredentialTargets) -> None:
        self.targets, self.dry_run = targets, False
        self.spec = type("Spec", (), {"api_name": "CI"})()
        self.org = type("Org", (), {"username": "bot@example.test", "sf_target_org": None})()
        self.timeouts = Timeouts()


API = ApiSession("https://acme.my.salesforce.com", "00Dsession!token")
FRESH = ApiSession("https://acme.my.salesforce.com", "00Dfresh!token")


def _outcome(key: str = "KEY1") -> OrgOutcome:
    outcome = _facts(key)
    outcome.api_session = API
    return outcome


def _run(targets, outcome, days, monkeypatch, rotate, *, answers: bool = True) -> _Progress:  # noqa: ANN001
    calls = []

    def probe(api, username, **kw):  # noqa: ANN001, ANN003, ANN202
        if not answers:
            raise ApiUnavailableError("the login's session is not valid for the API (Salesforce: 401)")

    async def login(browser, task, secrets, progress):  # noqa: ANN001, ANN202
        progress.info("logged in again")
        return FRESH

    monkeypatch.setattr(via, "probe", probe)
    monkeypatch.setattr(rotation_due, "_login_session", login)

    def fake(api, api_name, targets_, **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append((api, api_name, kw))
        return rotate(targets_)

    monkeypatch.setattr(rotation, "rotate_targets", fake)
    progress = _Progress()
    progress.calls = calls
    asyncio.run(rotate_if_due(None, _Task(targets), outcome, days, progress, SecretSet()))
    return progress


def _rotated(targets) -> rotation.RotationResult:  # noqa: ANN001
    write_credentials(targets, _facts("KEY2", "N" * 64))
    return rotation.RotationResult(app_name="CI", api_name="CI", consumer_key="KEY2", consumer_secret="N" * 64,
                                   previous_key="KEY1", resumed=False, steps=list(rotation.STEPS), credentials=[])


def test_a_younger_pair_is_left_alone(targets, monkeypatch) -> None:  # noqa: ANN001
    write_credentials(targets, _facts("KEY1"))
    stored_credentials.note_issued(targets, "KEY1", create=True, now=NOW - timedelta(days=29))
    outcome = _outcome()
    progress = _run(targets, outcome, 30, monkeypatch, _rotated)
    assert progress.calls == [] and outcome.rotated is False
    assert any("rotation due after 30" in line for line in progress.lines)
    progress = _run(targets, outcome, None, monkeypatch, _rotated)  # rotate_after_days unset
    assert progress.calls == []


def test_an_older_pair_is_rotated_with_the_runs_session(targets, monkeypatch) -> None:  # noqa: ANN001
    write_credentials(targets, _facts("KEY1"))
    stored_credentials.note_issued(targets, "KEY1", create=True, now=NOW - timedelta(days=31))
    outcome = _outcome()
    progress = _run(targets, outcome, 30, monkeypatch, _rotated)
    assert [(api, name) for api, name, _ in progress.calls] == [(API, "CI")]
    assert (outcome.rotated, outcome.previous_consumer_key, outcome.consumer_key) == (True, "KEY1", "KEY2")
    issued = stored_credentials.read_issued(targets)
    assert (issued.consumer_key, issued.rotating) == ("KEY2", False) and issued.age_days() < 1


def test_a_session_that_no_longer_answers_is_replaced_by_a_login(targets, monkeypatch) -> None:  # noqa: ANN001
    write_credentials(targets, _facts("KEY1"))
    stored_credentials.note_issued(targets, "KEY1", create=True, now=NOW - timedelta(days=31))
    progress = _run(targets, _outcome(), 30, monkeypatch, _rotated, answers=False)
    assert [api for api, _, _ in progress.calls] == [FRESH] and "logged in again" in progress.lines
    # a run that made no API session (the Setup pages' path) logs in for the rotation
    stored_credentials.rotation_finished(targets, "KEY2", now=NOW - timedelta(days=31))
    outcome = _facts("KEY2")
    progress = _run(targets, outcome, 30, monkeypatch, _rotated)
    assert [api for api, _, _ in progress.calls] == [FRESH] and outcome.rotated


def test_a_rotation_cut_short_stays_due_until_finished(targets, monkeypatch) -> None:  # noqa: ANN001
    write_credentials(targets, _facts("KEY1"))
    old_clock = NOW - timedelta(days=31)
    stored_credentials.note_issued(targets, "KEY1", create=True, now=old_clock)

    def stops_after_writing(targets_):  # noqa: ANN001, ANN202
        write_credentials(targets_, _facts("KEY2", "N" * 64))  # the files hold the staged pair already
        raise RotationError("rotation stopped at step 'switch' (the org is down)")

    with pytest.raises(RotationError):
        _run(targets, _outcome(), 30, monkeypatch, stops_after_writing)
    issued = stored_credentials.read_issued(targets)
    assert (issued.consumer_key, issued.issued_at, issued.rotating) == ("KEY2", old_clock, True)
    # the next night: due whatever the setting says, and finished
    outcome = _outcome("KEY2")
    progress = _run(targets, outcome, 365, monkeypatch, _rotated)
    assert len(progress.calls) == 1 and outcome.rotated is True
    assert stored_credentials.read_issued(targets).rotating is False


def test_a_refusal_before_any_change_leaves_the_record_as_it_was(targets, monkeypatch) -> None:  # noqa: ANN001
    write_credentials(targets, _facts("KEY1"))
    old_clock = NOW - timedelta(days=31)
    stored_credentials.note_issued(targets, "KEY1", create=True, now=old_clock)

    def refused(targets_):  # noqa: ANN001, ANN202
        raise CredentialsApiDisabledError('the org setting "Allow access to External Client App consumer secrets '
                                          'via REST API" is off')

    with pytest.raises(CredentialsApiDisabledError, match=r"^rotating the credentials \(rotate_after_days = 30\): "
                       "the org setting"):
        _run(targets, _outcome(), 30, monkeypatch, refused)
    assert stored_credentials.read_issued(targets) == stored_credentials.Issued("KEY1", old_clock)


# --- the report ------------------------------------------------------------------------------------------------------
def test_the_report_says_rotated_and_the_previous_key_only_when_rotated() -> None:
    report = RunReport(run_id="r", started_at="", finished_at="", shard="1/1", inventory="i.toml", orgs=[
        OrgResult(name="a", status="unchanged", rotated=True, previous_consumer_key="KEY1"),
        OrgResult(name="b", status="unchanged")])
    orgs = {o["name"]: o for o in report.to_dict()["orgs"]}
    assert orgs["a"]["rotated"] is True and orgs["a"]["previous_consumer_key"] == "KEY1"
    assert orgs["b"]["rotated"] is False and "previous_consumer_key" not in orgs["b"]
    again = RunReport.from_dict(report.to_dict())
    assert [(o.rotated, o.previous_consumer_key) for o in again.orgs] == [(True, "KEY1"), (False, None)]
    junit = junit_xml(report)
    assert junit.count("rotated: true (previous consumer key KEY1)") == 1
    rows = {line.split("|")[1].strip(): line for line in step_summary(report).splitlines() if line.startswith("| a ")
            or line.startswith("| b ")}
    assert "key and secret rotated" in rows["a"] and "rotated" not in rows["b"]
