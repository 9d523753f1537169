"""setup's plain-text result says which path made the app and how the secret was read, and never shows the secret
unless asked (`--show-secret`)."""

from __future__ import annotations

from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from provisioner.commands import common
from provisioner.commands.options import RunFlags
from provisioner.one_org import OrgOutcome

SECRET = "9F3A6C0E5B1D47A28C4E6F0B1D2A3C4E5F60718293A4B5C6D7E8F90A1B2C3D4"
REASON = ('auto: the org setting "Allow access to External Client App consumer secrets via REST API" is off')


def _outcome(**changes) -> OrgOutcome:  # noqa: ANN003
    facts = dict(status="created", app_name="CI", api_name="CI", consumer_key="3MVG9key", consumer_secret=SECRET,
                 username="admin@example.test", login_url="https://login.example.test",
                 instance_url="https://acme.my.salesforce.com", private_key_path="/k/server.key",
                 certificate_path="/k/server.crt", credentials=["/k/credentials.env"], verified=True,
                 via="api", via_reason="auto: the API answered this login", credentials_via="browser",
                 credentials_reason=REASON)
    facts.update(changes)
    return OrgOutcome(**facts)


def _text(monkeypatch, outcome: OrgOutcome, *, dry_run: bool = False, show_secret: bool = False) -> str:  # noqa: ANN001
    monkeypatch.delenv("SF_CONTENT_TYPE", raising=False)
    monkeypatch.setattr(common, "run_org_in_new_browser", lambda task, progress, **kw: outcome)

    @click.command()
    def show() -> None:
        common.run_and_report(SimpleNamespace(dry_run=dry_run), RunFlags(show_secret=show_secret))

    result = CliRunner().invoke(show, [])
    assert result.exit_code == 0, result.output
    return result.output


def test_text_names_the_path_and_how_the_secret_was_read(monkeypatch) -> None:  # noqa: ANN001
    text = _text(monkeypatch, _outcome())
    assert "  via:              api (auto: the API answered this login)\n" in text
    assert f"  secret read via:  browser ({REASON})\n" in text
    assert SECRET not in text and SECRET[:8] not in text


def test_text_over_rest_and_not_read_again(monkeypatch) -> None:  # noqa: ANN001
    text = _text(monkeypatch, _outcome(credentials_via="rest", credentials_reason=""))
    assert "  secret read via:  rest\n" in text
    kept = _text(monkeypatch, _outcome(status="unchanged", revealed=False, via="browser", via_reason="asked for"))
    assert "  via:              browser (asked for)\n" in kept
    assert "not read again" in kept and SECRET not in kept


@pytest.mark.parametrize("dry_run", [True, False])
def test_via_in_a_plan_and_the_secret_only_when_asked(monkeypatch, dry_run) -> None:  # noqa: ANN001
    outcome = _outcome(status="planned", plan=["create app CI"]) if dry_run else _outcome()
    text = _text(monkeypatch, outcome, dry_run=dry_run, show_secret=not dry_run)
    assert "  via:              api (auto: the API answered this login)" in text
    assert (SECRET in text) is (not dry_run)  # --show-secret prints it; a plan has none to print
