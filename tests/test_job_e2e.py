"""`provisioner run` end to end: real Chromium, three simulated sandboxes, a real Dovecot mailbox shared by two of
them (the third uses the simulator's own IMAP server), real keys and JWT bearer exchanges.

The tests share one fleet of orgs and run in file order, each leaving the fleet provisioned for the next
(`provisioned()` brings it back if a test is run alone).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from provisioner.sim.app import SimOptions, start_sim

from .support.sim_fixture import inspect_api

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
APP_API_NAME = "Nightly_CI"
SPEC = """
name = "Nightly CI"
api_name = "Nightly_CI"
contact_email = "ci@example.test"
[policies]
session_timeout_minutes = 15
"""
RUN_TIMEOUT = 420


class Fleet:
    def __init__(self, root: Path, sims: dict, env: dict):
        self.root = root
        self.sims = sims
        self.env = env
        self.inventory = root / "inventory.toml"

    def run(self, *args: str, check_exit: int | None = 0) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "provisioner.cli", "run", str(self.inventory), *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        if check_exit is not None:
            assert proc.returncode == check_exit, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def report(self, name: str = "report.json") -> dict:
        data = json.loads((self.root / "out" / name).read_text())
        return data

    def statuses(self, report: dict) -> dict[str, str]:
        return {o["name"]: o["status"] for o in report["orgs"]}

    def apps(self, org: str) -> list[dict]:
        return inspect_api(self.sims[org], "/state")["apps"]

    def forget_credentials(self, org: str) -> None:
        """The org's run must log in: without stored credentials nothing can check the app but a login."""
        for path in (self.root / "creds").glob(f"{org}.*"):
            path.unlink()

    def username(self, org: str) -> str:
        return self.sims[org].info()["username"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, dovecot):
    root = tmp_path_factory.mktemp("fleet")
    shared_address, shared_password = "nightly-bot@example.test", "imap-" + os.urandom(6).hex()
    dovecot.add_user(shared_address, shared_password)
    lmtp = f"lmtp://{dovecot.imap_host}:{dovecot.lmtp_port}"
    sims = {
        # alpha: TOTP; beta: emailed login code (unrecognised device). Both read codes from the shared mailbox.
        "alpha": start_sim(SimOptions(latency="fast", sandbox_name="alpha", mail=lmtp, admin_email=shared_address)),
        "beta": start_sim(SimOptions(latency="fast", sandbox_name="beta", mail=lmtp, admin_email=shared_address,
                                     admin_totp=False, unrecognised_device=True)),
        # gamma: TOTP, codes in the simulator's embedded IMAP server.
        "gamma": start_sim(SimOptions(latency="fast", sandbox_name="gamma", mail="embedded")),
    }
    env = dict(os.environ, PYTHONPATH=str(ROOT), SHARED_IMAP_PASSWORD=shared_password)
    orgs = []
    for name, sim in sims.items():
        info = sim.info()
        env[f"{name.upper()}_PASSWORD"] = info["password"]
        if info["totp_secret"]:
            env[f"{name.upper()}_TOTP"] = info["totp_secret"]
        entry = [
            "[[org]]", f'name = "{name}"', f'login_url = "{info["login_url"]}"', f'username = "{info["username"]}"',
            f'password_env = "{name.upper()}_PASSWORD"', "sandbox = true",
            'credentials = { env_file = "creds/{name}.env", json_file = "creds/{name}.json" }',
        ]
        if info["totp_secret"]:
            entry.append(f'totp_secret_env = "{name.upper()}_TOTP"')
        if name == "gamma":
            env["GAMMA_IMAP_PASSWORD"] = info["imap_password"]
            entry.append(f'email = "{sim.admin.email}"')  # the IMAP login is not an address: say where codes go
            entry += ["[org.mailbox]", f'host = "{info["imap_host"]}"', f'port = {info["imap_port"]}',
                      "ssl = false", f'user = "{info["imap_user"]}"', 'password_env = "GAMMA_IMAP_PASSWORD"']
        orgs.append("\n".join(entry))
    (root / "app.toml").write_text(SPEC)
    (root / "inventory.toml").write_text(f"""
[defaults]
spec = "app.toml"
concurrency = 2
budget_seconds = 240
retries = 1
output_dir = "out"

[defaults.mailbox]
host = "{dovecot.imap_host}"
port = {dovecot.imap_port}
ssl = false
user = "{shared_address}"
password_env = "SHARED_IMAP_PASSWORD"

""" + "\n\n".join(orgs) + "\n")
    yield Fleet(root, sims, env)
    for sim in sims.values():
        sim.stop()


@pytest.fixture(autouse=True)
def fleet_scanned(fleet, secrets_scan):
    """After each test: the fleet's folder (reports, events, artifacts) and every run's output hold none of the
    fleet's secrets (tests/support/secrets_scan.py); the credentials files are the only place for them."""
    secrets_scan.add_root(fleet.root)
    secrets_scan.allow(fleet.root / "creds")
    secrets_scan.add_secrets(fleet.env["SHARED_IMAP_PASSWORD"])
    for sim in fleet.sims.values():
        secrets_scan.watch(sim)


def provisioned(fleet: Fleet) -> None:
    """Precondition of the later tests: every org has the app (a run if one does not)."""
    if any(len(fleet.apps(org)) != 1 for org in fleet.sims):
        fleet.run()


def test_first_run_creates_and_second_changes_nothing(fleet):
    fleet.run("--junit", str(fleet.root / "out" / "junit.xml"))
    first = fleet.report()
    assert fleet.statuses(first) == {"alpha": "created", "beta": "created", "gamma": "created"}
    assert all(o["verified"] and o["attempts"] == 1 for o in first["orgs"])
    for org in fleet.sims:
        env_file = fleet.root / "creds" / f"{org}.env"
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        app = fleet.apps(org)[0]
        assert values["SALESFORCE_CONSUMER_KEY"].strip("'\"") == app["consumer_key"]
        assert json.loads((fleet.root / "creds" / f"{org}.json").read_text())
    junit = ET.parse(fleet.root / "out" / "junit.xml").getroot().find("testsuite")
    assert junit.get("tests") == "3" and junit.get("failures") == "0"

    fleet.run()
    second = fleet.report()
    assert fleet.statuses(second) == {"alpha": "unchanged", "beta": "unchanged", "gamma": "unchanged"}
    assert all(o["changes"] == [] and o["verified"] for o in second["orgs"])
    # nothing to change and credentials that prove themselves: their own token checked the app, no login
    assert all(o["via"] == "api" and "stored credentials" in o["via_reason"] for o in second["orgs"]), second
    assert all(len(fleet.apps(org)) == 1 for org in fleet.sims)


def test_drift_is_repaired_and_a_refreshed_sandbox_is_provisioned_again(fleet):
    provisioned(fleet)
    inspect_api(fleet.sims["alpha"], f"/apps/{APP_API_NAME}/drift", {"policies": {"session_timeout_minutes": 120}})
    inspect_api(fleet.sims["beta"], "/refresh", {})
    fleet.run()
    report = fleet.report()
    assert fleet.statuses(report) == {"alpha": "updated", "beta": "created", "gamma": "unchanged"}
    alpha = next(o for o in report["orgs"] if o["name"] == "alpha")
    assert any("session" in change.lower() for change in alpha["changes"]), alpha["changes"]
    app = inspect_api(fleet.sims["alpha"], f"/apps/{APP_API_NAME}")
    assert app["policies"]["session_timeout_minutes"] == 15
    beta_env = (fleet.root / "creds" / "beta.env").read_text()
    assert fleet.apps("beta")[0]["consumer_key"] in beta_env  # new app, new credentials written
    assert all(o["verified"] for o in report["orgs"])


def test_wrong_password_fails_that_org_alone_in_both_reports(fleet):
    provisioned(fleet)
    gamma_user = fleet.username("gamma")
    inspect_api(fleet.sims["gamma"], f"/users/{gamma_user}", {"password": "Changed-By-An-Admin-1"})
    fleet.forget_credentials("gamma")  # with them a re-run needs no login (their token checks the app)
    try:
        junit_path = fleet.root / "out" / "junit-wrongpw.xml"
        proc = fleet.run("--junit", str(junit_path), check_exit=80)
    finally:
        inspect_api(fleet.sims["gamma"], f"/users/{gamma_user}", {"password": fleet.env["GAMMA_PASSWORD"]})
    assert "1 of 3 org(s) failed: gamma" in proc.stderr
    report = fleet.report()
    assert fleet.statuses(report) == {"alpha": "unchanged", "beta": "unchanged", "gamma": "failed"}
    gamma = next(o for o in report["orgs"] if o["name"] == "gamma")
    assert gamma["attempts"] == 1  # a wrong password is never retried (it would lock the account)
    assert gamma["error"] == "LoginError" and gamma["exit_code"] == 10
    assert "username and password" in gamma["cause"]
    assert fleet.env["GAMMA_PASSWORD"] not in json.dumps(report)
    assert gamma["artifacts"] and all(Path(p).exists() for p in gamma["artifacts"])
    cases = {c.get("name"): c for c in ET.parse(junit_path).getroot().iter("testcase")}
    failure = cases["gamma"].find("failure")
    assert failure is not None and failure.get("message") == gamma["cause"]
    assert gamma["artifacts"][0] in failure.text
    assert cases["alpha"].find("failure") is None and cases["beta"].find("failure") is None


def test_a_maintenance_window_is_retried_and_the_org_still_succeeds(fleet):
    """A transient failure (the maintenance page at login) is retried with backoff; the retry gets through."""
    provisioned(fleet)
    fleet.forget_credentials("beta")  # the secret is revealed again: a login, and its pages
    inspect_api(fleet.sims["beta"], "/faults", {"maintenance_pages": 1})  # only the first page request meets it
    fleet.run()
    report = fleet.report()
    assert fleet.statuses(report) == {"alpha": "unchanged", "beta": "unchanged", "gamma": "unchanged"}
    beta = next(o for o in report["orgs"] if o["name"] == "beta")
    assert beta["attempts"] == 2 and beta["verified"]
    alpha = next(o for o in report["orgs"] if o["name"] == "alpha")
    assert alpha["attempts"] == 1


def test_dry_run_plans_and_touches_nothing(fleet):
    provisioned(fleet)
    inspect_api(fleet.sims["alpha"], f"/apps/{APP_API_NAME}/drift", {"policies": {"session_timeout_minutes": 60}})
    creds_before = {p.name: p.read_bytes() for p in (fleet.root / "creds").iterdir()}
    apps_before = {org: fleet.apps(org) for org in fleet.sims}
    fleet.run("--dry-run", "--report", str(fleet.root / "out" / "plan.json"))
    plan = fleet.report("plan.json")
    assert plan["dry_run"] is True
    assert fleet.statuses(plan) == {"alpha": "planned", "beta": "planned", "gamma": "planned"}
    alpha = next(o for o in plan["orgs"] if o["name"] == "alpha")
    assert alpha["plan"] and not alpha["verified"]
    assert {p.name: p.read_bytes() for p in (fleet.root / "creds").iterdir()} == creds_before
    assert {org: fleet.apps(org) for org in fleet.sims} == apps_before
    assert inspect_api(fleet.sims["alpha"], f"/apps/{APP_API_NAME}")["policies"]["session_timeout_minutes"] == 60


def test_a_killed_run_started_again_finishes_without_duplicates(fleet):
    for sim in fleet.sims.values():
        inspect_api(sim, "/refresh", {})  # every org needs creating: the kill lands mid-work
    proc = subprocess.Popen(
        [sys.executable, "-m", "provisioner.cli", "run", str(fleet.inventory), "--json", "--concurrency", "1"],
        cwd=ROOT, env=fleet.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)  # its own process group: the kill takes Chromium with it
    finished = None
    try:
        for line in proc.stderr:  # with --json the progress lines are on stderr, the result object on stdout
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            if event["event"] == "org_finished":
                finished = event
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert finished is not None and finished["status"] == "created"
    partial = fleet.report()
    assert partial["finished_at"] == "" and [o["name"] for o in partial["orgs"]] == [finished["org"]]

    fleet.run()  # the lock died with the killed run
    report = fleet.report()
    assert sorted(o["name"] for o in report["orgs"]) == ["alpha", "beta", "gamma"]
    assert fleet.statuses(report)[finished["org"]] == "unchanged"
    assert all(o["status"] in ("created", "updated", "unchanged") for o in report["orgs"])
    assert all(len(fleet.apps(org)) == 1 for org in fleet.sims), "an app was created twice"
