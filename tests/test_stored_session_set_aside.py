"""A re-run's check with the stored credentials' session (provision._without_login) that meets an error a login could
change gives the step up for the login: its progress line says "set aside" with why, never "failed" (a nightly log
watched for failures must not cry wolf). A final error (a name another app owns) still fails the run."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from provisioner import provision
from provisioner.api import via as via_path
from provisioner.api.session import ApiSession
from provisioner.config import org_settings_from
from provisioner.errors import AppNameTakenError, OrgUnavailableError
from provisioner.progress import Progress
from provisioner.flows.recorder import NullRecorder
from provisioner.spec import load_spec


def attempt(monkeypatch, tmp_path, error: Exception) -> tuple[object, list[dict]]:
    monkeypatch.setattr(via_path, "probe", lambda *args, **kwargs: None)  # the token reaches the API

    async def failing_reconcile(area, session, *, dry_run):  # noqa: ANN001, ANN202
        raise error

    monkeypatch.setattr(provision, "reconcile", failing_reconcile)
    org = org_settings_from(login_url="https://login.salesforce.com", username="admin@acme.example",
                            password="pw-not-used", where="the test")
    request = provision.ProvisionRequest(
        org=org, spec=load_spec(default_contact_email="admin@acme.example"), cert_path=tmp_path / "server.crt",
        reveal=False, stored_session=ApiSession("https://acme.my.salesforce.com", "00D!token-not-shown"))
    result = provision.ProvisionResult(app_name="A", api_name="A", username=org.username, login_url=org.login_url)
    stream = io.StringIO()
    progress = Progress("json", stream=stream)
    try:
        outcome = asyncio.run(provision._without_login(request, result, progress, NullRecorder(), None))
    except Exception as exc:  # noqa: BLE001 - the final case
        outcome = exc
    return outcome, [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_error_a_login_could_change_sets_the_step_aside_for_the_login(monkeypatch, tmp_path):
    logged_in, events = attempt(monkeypatch, tmp_path, OrgUnavailableError("the Metadata API did not answer"))
    assert logged_in is False  # the run goes on with a login
    steps = [(e["step"], e["status"]) for e in events if e["event"] == "step"]
    assert steps == [("create app", "started"), ("create app", "set aside")], steps
    assert not any(e["status"] == "failed" for e in events)
    assert any("did not work (the Metadata API did not answer): logging in" in e.get("detail", "") for e in events)


def test_a_final_error_still_fails(monkeypatch, tmp_path):
    raised, events = attempt(monkeypatch, tmp_path, AppNameTakenError("the name is taken by another app"))
    assert isinstance(raised, AppNameTakenError)
    assert ("create app", "failed") in [(e["step"], e["status"]) for e in events if e["event"] == "step"]


def test_plain_progress_marks_a_set_aside_step_apart_from_a_failure():
    from provisioner.progress import StepSetAside

    stream = io.StringIO()
    progress = Progress("plain", stream=stream)
    with pytest.raises(StepSetAside):
        with progress.step("create app", "A"):
            raise StepSetAside(OrgUnavailableError("no answer"))
    assert "[--] create app: no answer" in stream.getvalue() and "FAILED" not in stream.getvalue()
