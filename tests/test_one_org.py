"""The one-org path (provisioner/one_org.py) that setup, demo and run share, with a fake browser part: what it
writes, what a dry run leaves behind (nothing), and that setup and the job write the same credentials format."""

from __future__ import annotations

import asyncio
import json
import tempfile
from contextlib import contextmanager
from pathlib import Path

from provisioner.config import org_settings_from
from provisioner.one_org import CredentialTargets, KeySource, OrgTask, run_org
from provisioner.provision import ProvisionResult
from provisioner.redact import SecretSet
from provisioner.spec import load_spec


class Progress:
    def __init__(self):
        self.lines = []

    @contextmanager
    def step(self, name, detail=""):
        self.lines.append(name)
        yield

    def info(self, text):
        self.lines.append(text)


def fake_provision(status: str):
    async def provision(browser, request, progress, recorder=None):
        return ProvisionResult(app_name=request.spec.name, api_name=request.spec.api_name,
                               username=request.org.username, login_url=request.org.login_url,
                               instance_url="https://acme.my.salesforce.com",
                               consumer_key="" if request.dry_run else "3MVG9-key",
                               consumer_secret="" if request.dry_run else "SECRET-123",
                               created=status == "created", plan=["create app"] if request.dry_run else [],
                               dry_run=request.dry_run)
    return provision


def task(tmp_path: Path, **kw) -> OrgTask:
    org = org_settings_from(login_url="https://login.salesforce.com", username="admin@acme.example",
                            password="Pw-123456")
    return OrgTask(org=org, spec=load_spec(default_contact_email=org.username),
                   keys=KeySource(home=tmp_path / "out"),
                   targets=CredentialTargets(env_file=tmp_path / "out" / "credentials.env",
                                             json_file=tmp_path / "out" / "credentials.json"),
                   artifacts_dir=tmp_path / "out" / "artifacts", **kw)


def plan_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("provisioner-plan-*")}


def test_a_dry_run_writes_nothing_and_leaves_no_private_key_behind(tmp_path):
    before = plan_dirs()
    verified = []
    outcome = asyncio.run(run_org(None, task(tmp_path, dry_run=True), Progress(), provision=fake_provision("planned"),
                                  verify=lambda *a, **k: verified.append(a)))
    assert outcome.status == "planned" and outcome.plan == ["create app"]
    assert not (tmp_path / "out").exists(), "a dry run wrote files where a real run keeps them"
    assert plan_dirs() == before, "the throwaway key pair of a dry run was left in the temp folder"
    assert verified == [] and outcome.credentials == []


def test_a_run_writes_both_formats_0600_and_verifies_with_the_key_it_wrote(tmp_path):
    calls = []

    def verify(login_url, consumer_key, username, key_pem, **kwargs):
        calls.append((login_url, consumer_key, username, key_pem))

        class Token:
            instance_url, user_id, org_id = "https://acme.my.salesforce.com", "005x", "00Dx"
        return Token()

    secrets = SecretSet()
    outcome = asyncio.run(run_org(None, task(tmp_path), Progress(), provision=fake_provision("created"),
                                  verify=verify, secrets=secrets))
    env_file, json_file = tmp_path / "out" / "credentials.env", tmp_path / "out" / "credentials.json"
    assert outcome.status == "created" and outcome.verified and outcome.credentials == [str(env_file), str(json_file)]
    for path in (env_file, json_file):
        assert path.stat().st_mode & 0o777 == 0o600
    record = json.loads(json_file.read_text())
    assert record["consumer_key"] == "3MVG9-key" and record["consumer_secret"] == "SECRET-123"
    assert record["private_key_path"] == str((tmp_path / "out" / "server.key").resolve())
    assert "SALESFORCE_CONSUMER_KEY=" in env_file.read_text() and "SECRET-123" in env_file.read_text()
    assert calls[0][:3] == ("https://login.salesforce.com", "3MVG9-key", "admin@acme.example")
    assert "PRIVATE KEY" in calls[0][3]
    # every secret of the run is in its set: the admin's password, the consumer secret and the private key
    assert "Pw-123456" in secrets and "SECRET-123" in secrets
    assert any("PRIVATE KEY" in s for s in secrets)


def test_setup_and_the_job_write_the_same_json_credentials(tmp_path, monkeypatch):
    from provisioner.job.inventory import load_inventory
    from provisioner.job.org_attempt import OrgAttempts

    monkeypatch.setenv("A_PW", "a-password")
    (tmp_path / "app.toml").write_text('name = "Salesforce CLI JWT"\n')
    inv_path = tmp_path / "inv.toml"
    inv_path.write_text('[defaults]\nspec = "app.toml"\noutput_dir = "job"\n[[org]]\nname = "a"\n'
                        'login_url = "https://login.salesforce.com"\nusername = "admin@acme.example"\n'
                        'password_env = "A_PW"\ncredentials = { json_file = "job/a.json" }\n')
    job_task = OrgAttempts(load_inventory(inv_path), dry_run=False).task(load_inventory(inv_path).orgs[0])
    for t in (task(tmp_path, verify=False), job_task):
        asyncio.run(run_org(None, t, Progress(), provision=fake_provision("created"), verify=lambda *a, **k: None))
    setup_keys = set(json.loads((tmp_path / "out" / "credentials.json").read_text()))
    job_keys = set(json.loads((tmp_path / "job" / "a.json").read_text()))
    assert setup_keys == job_keys == {"app_name", "api_name", "consumer_key", "consumer_secret", "username",
                                      "login_url", "instance_url", "private_key_path", "certificate_path"}
