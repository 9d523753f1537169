"""A no-change re-run keeps credentials that still prove themselves (no second reveal, files untouched, `revealed:
false`) and reveals again when they do not; stale or unproved credentials are never written or kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from provisioner import stored_credentials
from provisioner.credential_styles import CredentialFormat
from provisioner.one_org import CredentialTargets, run_org
from provisioner.provision import ProvisionResult

from .test_one_org import Progress, task


class Token:
    instance_url, user_id, org_id = "https://acme.my.salesforce.com", "005x", "00Dx"


def provision_revealing(secret: str, *, created: bool, calls: list):
    """A browser part that reveals `secret` when asked to (and only then)."""

    async def provision(browser, request, progress, recorder=None):
        calls.append(request.reveal)
        return ProvisionResult(app_name=request.spec.name, api_name=request.spec.api_name,
                               username=request.org.username, login_url=request.org.login_url,
                               instance_url="https://acme.my.salesforce.com",
                               consumer_key="3MVG9-key" if request.reveal else "",
                               consumer_secret=secret if request.reveal else "", created=created)
    return provision


def first_run(tmp_path: Path) -> None:
    calls = []
    asyncio.run(run_org(None, task(tmp_path), Progress(), provision=provision_revealing("SECRET-1", created=True,
                                                                                         calls=calls),
                        verify=lambda *a, **k: Token()))
    assert calls == [True]


def test_credentials_that_prove_themselves_are_kept_without_a_reveal(tmp_path):
    first_run(tmp_path)
    files = [tmp_path / "out" / "credentials.env", tmp_path / "out" / "credentials.json"]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in files]
    calls, checked, verified = [], [], []

    def check(stored, org, spec, key_pem):
        checked.append((stored.consumer_key, stored.consumer_secret, "PRIVATE KEY" in key_pem))
        return Token()

    outcome = asyncio.run(run_org(None, task(tmp_path), Progress(),
                                  provision=provision_revealing("SECRET-2", created=False, calls=calls),
                                  verify=lambda *a, **k: verified.append(a), check_stored=check))
    assert calls == [False], "the secret was revealed again though the stored credentials work"
    assert checked == [("3MVG9-key", "SECRET-1", True)]
    assert outcome.status == "unchanged" and outcome.revealed is False and outcome.verified
    assert outcome.summary()["revealed"] is False and outcome.consumer_secret == "SECRET-1"
    assert verified == [], "the stored token was proof enough"
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in files] == before, "kept files were rewritten"


def test_credentials_that_fail_their_proof_are_revealed_and_rewritten(tmp_path):
    first_run(tmp_path)
    calls, verified = [], []
    outcome = asyncio.run(run_org(None, task(tmp_path), Progress(),
                                  provision=provision_revealing("SECRET-2", created=False, calls=calls),
                                  verify=lambda *a, **k: verified.append(a) or Token(),
                                  check_stored=lambda *a: None))
    assert calls == [True] and outcome.revealed is True and outcome.summary()["revealed"] is True
    record = json.loads((tmp_path / "out" / "credentials.json").read_text())
    assert record["consumer_secret"] == "SECRET-2", "the stale secret was kept"
    assert "SECRET-2" in (tmp_path / "out" / "credentials.env").read_text()
    assert len(verified) == 1, "rewritten credentials were not verified"


def test_a_proved_key_of_another_app_does_not_stand_for_a_new_one(tmp_path):
    first_run(tmp_path)
    calls = []
    outcome = asyncio.run(run_org(None, task(tmp_path), Progress(),
                                  provision=provision_revealing("SECRET-NEW", created=True, calls=calls),
                                  verify=lambda *a, **k: Token(), check_stored=lambda *a: Token()))
    assert calls == [False, True] and outcome.revealed is True and outcome.consumer_secret == "SECRET-NEW"
    assert json.loads((tmp_path / "out" / "credentials.json").read_text())["consumer_secret"] == "SECRET-NEW"


def test_nothing_is_read_back_unless_every_target_exists_and_they_agree(tmp_path):
    first_run(tmp_path)
    out = tmp_path / "out"
    targets = CredentialTargets(env_file=out / "credentials.env", json_file=out / "credentials.json")
    stored = stored_credentials.read(targets)
    assert stored is not None and (stored.consumer_key, stored.consumer_secret) == ("3MVG9-key", "SECRET-1")
    assert stored.username == "admin@acme.example" and stored.instance_url == "https://acme.my.salesforce.com"
    # a target missing: it would have to be written, and we have no secret to write into it
    assert stored_credentials.read(CredentialTargets(env_file=out / "credentials.env",
                                                     json_file=out / "missing.json")) is None
    # the files disagree: neither is trusted
    record = json.loads((out / "credentials.json").read_text())
    (out / "credentials.json").write_text(json.dumps(dict(record, consumer_secret="OTHER")))
    assert stored_credentials.read(targets) is None


def test_an_env_style_without_a_secret_is_read_by_its_own_names(tmp_path):
    path = tmp_path / "sf.env"
    path.write_text("SF_CONSUMER_KEY=3MVG9-key\nSF_USERNAME=admin@acme.example\n"
                    "SF_INSTANCE_URL=https://acme.my.salesforce.com\nSF_JWT_KEY_FILE=/k\n")
    stored = stored_credentials.read(CredentialTargets(env_file=path, format=CredentialFormat(style="sf-cli")))
    assert stored is not None and stored.consumer_key == "3MVG9-key" and stored.consumer_secret == ""
    # the provisioner style stores the secret: without one, nothing is kept
    path.write_text("SALESFORCE_CONSUMER_KEY=3MVG9-key\nSALESFORCE_USERNAME=admin@acme.example\n")
    assert stored_credentials.read(CredentialTargets(env_file=path)) is None
