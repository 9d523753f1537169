"""The nightly job without a browser: inventory, shards, reports, the lock, and the runner's retry rules."""

from __future__ import annotations

import asyncio
import io
import json
import random
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.errors import (
    ConfigError, LockedError, LoginError, NoVerificationEmailError, OrgUnavailableError, UnknownProfileError,
)
from provisioner.job.events import JobEvents
from provisioner.job.inventory import load_inventory
from provisioner.job.lock import InventoryLock
from provisioner.job.reports import (
    OrgResult, RunReport, junit_xml, load_report, merge_reports, write_report_json,
)
from provisioner.job.runner import JobRunner, OrgOutcome, RunOptions
from provisioner.job.shard import Shard, assign, parse_shard, select

# --- inventory ---------------------------------------------------------------------------------------------------

GOOD = """
[defaults]
spec = "app.toml"
concurrency = 3
budget_seconds = 120
retries = 1
output_dir = "out"

[defaults.mailbox]
host = "imap.example.test"
user = "bot@example.test"
password_env = "IMAP_PW"

[[org]]
name = "uat"
login_url = "https://test.salesforce.com/"
username = "admin@acme.example.uat"
password_env = "UAT_PW"
totp_secret_env = "UAT_TOTP"
sandbox = true
credentials = { env_file = "creds/{name}.env", json_file = "creds/{name}.json" }

[[org]]
name = "dev"
login_url = "https://login.salesforce.com"
username = "admin@acme.example.dev"
password_file = "secrets/dev.pw"
spec = "other.toml"
[org.mailbox]
host = "127.0.0.1"
port = 1143
ssl = false
user = "dev@example.test"
password_env = "DEV_IMAP_PW"
folder = "Codes"
"""


def write_inventory(tmp_path: Path, text: str) -> Path:
    """The inventory, and an app spec for every `spec = "..."` it names that is not there yet (specs are checked at
    load; these tests are about the inventory)."""
    path = tmp_path / "inventory.toml"
    path.write_text(textwrap.dedent(text))
    for name in re.findall(r'^\s*spec\s*=\s*"([^"]+)"', text, re.M):
        spec = tmp_path / name
        if not spec.exists():
            spec.parent.mkdir(parents=True, exist_ok=True)
            spec.write_text('name = "Nightly"\n')
    return path


def test_inventory_parses_defaults_orgs_and_relative_paths(tmp_path):
    inv = load_inventory(write_inventory(tmp_path, GOOD))
    assert inv.defaults.concurrency == 3 and inv.defaults.budget_seconds == 120 and inv.defaults.retries == 1
    assert inv.defaults.output_dir == tmp_path / "out"
    uat, dev = inv.orgs
    assert uat.login_url == "https://test.salesforce.com" and uat.sandbox is True
    assert uat.spec == tmp_path / "app.toml" and dev.spec == tmp_path / "other.toml"
    assert uat.env_file == tmp_path / "creds" / "uat.env" and uat.json_file == tmp_path / "creds" / "uat.json"
    assert dev.env_file == tmp_path / "out" / "dev" / "credentials.env"  # default when none given
    assert uat.mailbox.host == "imap.example.test" and uat.mailbox.port == 993  # the shared default mailbox
    assert dev.mailbox.port == 1143 and dev.mailbox.ssl is False and dev.mailbox.folder == "Codes"
    assert inv.lock_path == tmp_path / "inventory.toml.lock"
    assert inv.warnings == []


def test_secrets_come_from_env_and_files_at_run_time(tmp_path):
    inv = load_inventory(write_inventory(tmp_path, GOOD))
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "dev.pw").write_text("dev-password\n")
    env = {"UAT_PW": "uat-pw", "UAT_TOTP": "JBSWY3DPEHPK3PXP", "IMAP_PW": "imap-pw", "DEV_IMAP_PW": "x"}
    uat = inv.org("uat").resolve_secrets(env)
    assert (uat.password, uat.totp_secret, uat.imap_password) == ("uat-pw", "JBSWY3DPEHPK3PXP", "imap-pw")
    assert inv.org("dev").resolve_secrets(env).password == "dev-password"
    with pytest.raises(ConfigError) as missing:
        inv.org("uat").resolve_secrets({"UAT_TOTP": "x", "IMAP_PW": "y"})
    assert "UAT_PW" in str(missing.value) and "'uat'" in str(missing.value)


def test_inline_password_is_accepted_with_a_warning(tmp_path):
    inv = load_inventory(write_inventory(tmp_path, """
        [[org]]
        name = "a"
        login_url = "http://127.0.0.1:9999"
        username = "u@x.test"
        password = "inline-secret"
        spec = "s.toml"
    """))
    assert inv.org("a").resolve_secrets({}).password == "inline-secret"
    assert len(inv.warnings) == 1 and "inline" in inv.warnings[0]
    assert "inline-secret" not in inv.warnings[0] and "inline-secret" not in repr(inv.org("a"))


ORG = """
[[org]]
name = "a"
login_url = "https://login.salesforce.com"
username = "u@x.test"
password_env = "PW"
spec = "s.toml"
"""


@pytest.mark.parametrize("text, expected", [
    (ORG.replace('password_env = "PW"', 'pasword_env = "PW"'), "org 'a': unknown key 'pasword_env'"),
    ("[defaults]\nconcurrency = 0\n" + ORG, "[defaults]: key 'concurrency'"),
    ("[defaults]\nthreads = 2\n" + ORG, "[defaults]: unknown key 'threads'"),
    (ORG + ORG, "org 'a': name 'a' is used by another"),
    (ORG.replace('username = "u@x.test"\n', ""), "org 'a': key 'username' missing"),
    (ORG.replace('password_env = "PW"\n', ""), "org 'a': set one of 'password_env' or 'password_file'"),
    (ORG.replace('spec = "s.toml"\n', ""), "org 'a': key 'spec' missing"),
    (ORG.replace("https://login.salesforce.com", "login.salesforce.com"), "org 'a': key 'login_url'"),
    (ORG.replace('name = "a"', 'name = "a/b"'), "org 'a/b': key 'name'"),
    (ORG + "sandbox = 'yes'\n", "org 'a': key 'sandbox'"),
    (ORG + "[org.mailbox]\nhost = 'h'\nuser = 'u'\npassword = 'p'\n", "org 'a' mailbox: unknown key 'password'"),
    (ORG + "credentials = { env_file = '{org}.env' }\n", "org 'a' credentials: key 'env_file'"),
    (ORG.replace('name = "a"\n', ""), "org #1: key 'name' missing"),
    ("[[org]]\nname = 1\n", "org #1: key 'name' must be"),
    ("", "no [[org]] entries"),
    ("[org]\nname = 'a'\n", "'org' must be an array of tables"),
    ("orgs = []\n", "unknown top-level key 'orgs'"),
    ("[[org]\n", "not valid TOML"),
])
def test_invalid_inventory_names_entry_and_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as error:
        load_inventory(write_inventory(tmp_path, text))
    assert expected in str(error.value)
    assert "inventory.toml" in str(error.value)


def test_missing_inventory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_inventory(tmp_path / "nope.toml")


# --- shards ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("total", [1, 2, 3, 5, 8])
def test_every_org_in_exactly_one_shard(total):
    names = [f"org-{i}" for i in range(60)]
    owners: dict[str, int] = {}
    for k in range(1, total + 1):
        for name in select(names, Shard(k, total), key=lambda n: n):
            assert name not in owners, f"{name} in shards {owners[name]} and {k}"
            owners[name] = k
    assert sorted(owners) == sorted(names)


def loads(owners: dict[str, int], total: int) -> list[int]:
    return [list(owners.values()).count(k) for k in range(1, total + 1)]


def test_twelve_orgs_over_four_shards_split_evenly_and_a_thirteenth_moves_few():
    names = ["uat", "qa", "partner-dev", "prod-eu", "int", "staging", "perf", "training", "hotfix", "sit",
             "preprod", "demo"]
    before = assign(names, 4)
    assert loads(before, 4) == [3, 3, 3, 3]
    after = assign(names + ["release-13"], 4)
    assert sorted(loads(after, 4)) == [3, 3, 3, 4]
    assert sum(after[n] == before[n] for n in names) >= 9


@pytest.mark.parametrize("count, total", [(12, 4), (13, 4), (7, 3), (60, 8), (3, 5), (1, 2)])
def test_every_shard_has_at_most_one_org_more_than_any_other(count, total):
    for trial in range(20):
        spread = loads(assign([f"t{trial}-org-{i}" for i in range(count)], total), total)
        assert max(spread) - min(spread) <= 1, spread


def test_adding_or_removing_an_org_moves_at_most_a_quarter_of_the_others():
    for trial in range(50):
        names = [f"t{trial}-org-{i}" for i in range(12)]
        before = assign(names, 4)
        added = assign(names + [f"t{trial}-new"], 4)
        removed = assign(names[1:], 4)
        assert sum(added[n] != before[n] for n in names) <= 3
        assert sum(removed[n] != before[n] for n in names[1:]) <= 3


def test_a_pinned_org_runs_in_its_shard_and_counts_towards_its_share():
    names = [f"org-{i}" for i in range(8)]
    free = assign(names, 4)
    moved = next(n for n in names if free[n] != 1)
    pinned = assign(names, 4, pins={moved: 1})
    assert pinned[moved] == 1 and loads(pinned, 4) == [2, 2, 2, 2]


def test_a_pin_beyond_the_shard_count_is_one_clear_error():
    with pytest.raises(ConfigError, match="pinned to shard 5"):
        assign(["a", "b"], 4, pins={"a": 5})


def test_inventory_pin_reaches_the_selection(tmp_path):
    path = tmp_path / "inventory.toml"
    (tmp_path / "app.toml").write_text('name = "X"\n')
    path.write_text('[defaults]\nspec = "app.toml"\n' + "".join(
        f'[[org]]\nname = "o{i}"\nlogin_url = "https://test.salesforce.com"\nusername = "u{i}@x.test"\n'
        f'password_env = "P"\n' + ('shard = 3\n' if i == 0 else "") for i in range(6)))
    inv = load_inventory(path)
    assert inv.org("o0").shard == 3
    assert "o0" in [o.name for o in select(inv.orgs, Shard(3, 3))]
    path.write_text(path.read_text().replace("shard = 3", "shard = 0"))
    with pytest.raises(ConfigError, match="'shard'"):
        load_inventory(path)


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "1/-1"])
def test_invalid_shard_is_rejected(text):
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(text)


def test_shard_parses():
    assert parse_shard("2/4") == Shard(2, 4) and str(parse_shard(None)) == "1/1"


# --- reports -----------------------------------------------------------------------------------------------------


def sample_report(shard: str, *results: OrgResult) -> RunReport:
    return RunReport(run_id=f"run-{shard}", started_at="2025-01-01T00:00:00+00:00",
                     finished_at="2025-01-01T00:05:00+00:00", shard=shard, inventory="/x/inventory.toml",
                     orgs=list(results))


def test_report_json_round_trip_and_merge(tmp_path):
    a = sample_report("1/2", OrgResult("uat", "created", changes=["created app"], attempts=1, verified=True))
    b = sample_report("2/2", OrgResult("dev", "failed", cause="login failed", error="LoginError", exit_code=10,
                                       attempts=1, artifacts=["/out/dev/failure.png"]))
    write_report_json(a, tmp_path / "a.json")
    write_report_json(b, tmp_path / "b.json")
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["summary"]["created"] == 1 and data["orgs"][0]["changes"] == ["created app"]
    merged = merge_reports([("a.json", load_report(tmp_path / "a.json")), ("b.json", load_report(tmp_path / "b.json"))])
    assert [o.name for o in merged.orgs] == ["dev", "uat"]
    assert merged.shard == "merged" and [m["shard"] for m in merged.merged_from] == ["1/2", "2/2"]
    assert [o.name for o in merged.failed] == ["dev"]


def test_merge_refuses_an_org_in_two_reports():
    a = sample_report("1/2", OrgResult("uat", "created"))
    b = sample_report("2/2", OrgResult("uat", "unchanged"))
    with pytest.raises(ConfigError, match="'uat' appears in both a.json and b.json"):
        merge_reports([("a.json", a), ("b.json", b)])


def test_load_report_rejects_other_json(tmp_path):
    (tmp_path / "x.json").write_text('{"hello": 1}')
    with pytest.raises(ConfigError, match="not a provisioner run report"):
        load_report(tmp_path / "x.json")


def test_junit_structure():
    report = sample_report("1/1",
                           OrgResult("uat", "updated", changes=["session timeout 30 -> 15"], duration_seconds=3.5),
                           OrgResult("dev", "failed", cause="wrong password for admin@dev", error="LoginError",
                                     exit_code=10, artifacts=["/out/dev/artifacts/failure.png",
                                                              "/out/dev/artifacts/failure.html"]))
    root = ET.fromstring(junit_xml(report))
    suite = root.find("testsuite")
    assert suite.get("name") == "provisioner" and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert {c.get("classname") for c in cases.values()} == {"org"}
    assert cases["uat"].find("failure") is None and cases["uat"].get("time") == "3.500"
    failure = cases["dev"].find("failure")
    assert failure.get("message") == "wrong password for admin@dev" and failure.get("type") == "LoginError"
    assert "/out/dev/artifacts/failure.png" in failure.text
    assert "/out/dev/artifacts/failure.html" in cases["dev"].find("system-out").text


def test_report_merge_command(tmp_path):
    from provisioner.cli import main

    write_report_json(sample_report("1/2", OrgResult("uat", "created")), tmp_path / "a.json")
    write_report_json(sample_report("2/2", OrgResult("dev", "failed", cause="x", exit_code=10)), tmp_path / "b.json")
    out, junit = tmp_path / "merged.json", tmp_path / "merged.xml"
    result = CliRunner().invoke(main, ["report", "merge", str(out), str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                                       "--junit", str(junit)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["orgs"]) == 2
    assert ET.parse(junit).getroot().find("testsuite").get("tests") == "2"
    again = CliRunner().invoke(main, ["report", "merge", str(out), str(tmp_path / "a.json"), str(tmp_path / "a.json")])
    assert again.exit_code == 2 and "appears in both" in again.output
    check = CliRunner().invoke(main, ["report", "merge", "--check", str(out), str(tmp_path / "a.json"),
                                      str(tmp_path / "b.json")])
    assert check.exit_code == 80


# --- lock --------------------------------------------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from provisioner.job.lock import InventoryLock
lock = InventoryLock(sys.argv[1]).acquire()
print("locked", flush=True)
sys.stdin.readline()  # hold until the test says so (or kills us)
"""


def _holder(lock_path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_excludes_a_second_process_and_dies_with_its_holder(tmp_path):
    lock_path = tmp_path / "inventory.toml.lock"
    holder = _holder(lock_path)
    try:
        with pytest.raises(LockedError) as locked:
            InventoryLock(lock_path).acquire()
        assert str(locked.value).startswith("another run holds the lock: ")
        assert f"pid {holder.pid}" in str(locked.value)
    finally:
        holder.kill()  # SIGKILL: no cleanup runs, the kernel drops the flock
        holder.wait()
    with InventoryLock(lock_path):
        pass  # a killed run leaves no stale lock
    with InventoryLock(lock_path):
        pass  # released on exit, re-acquirable


# --- runner ------------------------------------------------------------------------------------------------------


@asynccontextmanager
async def no_browser():
    yield None


class FakeWork:
    """Plays a script of outcomes per org: an exception to raise, or a status."""

    def __init__(self, script: dict[str, list], delay: float = 0.0):
        self.script = {name: list(steps) for name, steps in script.items()}
        self.calls: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = delay

    async def __call__(self, browser, org, events, deadline):
        self.calls[org.name] = self.calls.get(org.name, 0) + 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            step = self.script[org.name].pop(0)
            if isinstance(step, BaseException):
                raise step
            if step == "hang":
                await asyncio.sleep(3600)
            return OrgOutcome(status=step, changes=["created app"] if step == "created" else [], verified=True)
        finally:
            self.in_flight -= 1


def inventory_of(tmp_path: Path, *names: str):
    text = "".join(f'[[org]]\nname = "{n}"\nlogin_url = "http://127.0.0.1:1"\nusername = "{n}@x.test"\n'
                   f'password_env = "PW"\nspec = "s.toml"\n' for n in names)
    return load_inventory(write_inventory(tmp_path, text))


def run_job(inv, work, **options) -> tuple[RunReport, list[float], list[dict]]:
    sleeps: list[float] = []

    async def fake_sleep(seconds):
        sleeps.append(seconds)

    stream = io.StringIO()
    opts = RunOptions(concurrency=options.pop("concurrency", 2), budget_seconds=options.pop("budget_seconds", 30),
                      retries=options.pop("retries", 2), **options)
    runner = JobRunner(inv, opts, work=work, launch=no_browser, events=JobEvents(json_lines=True, stream=stream),
                       sleep=fake_sleep, rng=random.Random(1))
    report = asyncio.run(runner.run())
    return report, sleeps, [json.loads(line) for line in stream.getvalue().splitlines()]


def test_transient_failures_are_retried_with_growing_backoff(tmp_path):
    inv = inventory_of(tmp_path, "a")
    work = FakeWork({"a": [OrgUnavailableError("maintenance"), NoVerificationEmailError("no email"), "created"]})
    report, sleeps, events = run_job(inv, work, retries=2)
    (a,) = report.orgs
    assert a.status == "created" and a.attempts == 3 and a.verified
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 1.2  # exponential, with jitter
    assert [e["attempt"] for e in events if e["event"] == "org_retry"] == [1, 2]


def test_permanent_failures_are_not_retried(tmp_path):
    inv = inventory_of(tmp_path, "wrongpw", "noprofile")
    work = FakeWork({"wrongpw": [LoginError("wrong password for wrongpw@x.test", artifacts=["/a/failure.png"])],
                     "noprofile": [UnknownProfileError("no profile 'Integration User'")]})
    report, sleeps, _ = run_job(inv, work, retries=3)
    by_name = {o.name: o for o in report.orgs}
    assert sleeps == [] and work.calls == {"wrongpw": 1, "noprofile": 1}
    assert by_name["wrongpw"].status == "failed" and by_name["wrongpw"].exit_code == LoginError.exit_code
    assert by_name["wrongpw"].cause == "wrong password for wrongpw@x.test"
    assert by_name["wrongpw"].artifacts == ["/a/failure.png"] and by_name["wrongpw"].error == "LoginError"
    assert by_name["noprofile"].exit_code == UnknownProfileError.exit_code


def test_retries_run_out(tmp_path):
    inv = inventory_of(tmp_path, "a")
    work = FakeWork({"a": [OrgUnavailableError("down")] * 3})
    report, sleeps, _ = run_job(inv, work, retries=2)
    assert report.orgs[0].status == "failed" and report.orgs[0].attempts == 3 and len(sleeps) == 2
    assert report.orgs[0].cause == "down" and report.orgs[0].exit_code == 40


def test_playwright_timeouts_are_transient_and_bugs_are_not(tmp_path):
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    inv = inventory_of(tmp_path, "slow", "bug")
    work = FakeWork({"slow": [PlaywrightTimeout("Timeout 30000ms exceeded.\n=== logs ==="), "unchanged"],
                     "bug": [KeyError("oops")]})
    report, _, _ = run_job(inv, work)
    by_name = {o.name: o for o in report.orgs}
    assert by_name["slow"].status == "unchanged" and by_name["slow"].attempts == 2
    assert by_name["bug"].status == "failed" and by_name["bug"].attempts == 1 and by_name["bug"].exit_code == 1
    assert by_name["bug"].cause.startswith("KeyError")


def test_one_org_failing_never_stops_the_others(tmp_path):
    inv = inventory_of(tmp_path, "a", "b", "c")
    work = FakeWork({"a": ["created"], "b": [LoginError("wrong password")], "c": ["unchanged"]})
    report, _, _ = run_job(inv, work)
    assert {o.name: o.status for o in report.orgs} == {"a": "created", "b": "failed", "c": "unchanged"}


def test_concurrency_is_bounded(tmp_path):
    inv = inventory_of(tmp_path, *[f"o{i}" for i in range(6)])
    work = FakeWork({f"o{i}": ["unchanged"] for i in range(6)}, delay=0.02)
    run_job(inv, work, concurrency=2)
    assert work.max_in_flight == 2


def test_budget_expiry_is_a_timeout_failure_and_others_go_on(tmp_path):
    inv = inventory_of(tmp_path, "stuck", "fine")
    work = FakeWork({"stuck": ["hang"], "fine": ["unchanged"]})
    report, _, _ = run_job(inv, work, budget_seconds=0.2)
    by_name = {o.name: o for o in report.orgs}
    assert by_name["stuck"].status == "failed" and "time budget of 0.2 s used up" in by_name["stuck"].cause
    assert by_name["stuck"].exit_code == OrgUnavailableError.exit_code
    assert by_name["fine"].status == "unchanged"


def test_no_retry_when_the_backoff_would_overrun_the_budget(tmp_path):
    inv = inventory_of(tmp_path, "a")
    work = FakeWork({"a": [OrgUnavailableError("down"), "created"]})
    report, sleeps, _ = run_job(inv, work, budget_seconds=2, backoff_base_seconds=10)
    assert report.orgs[0].status == "failed" and sleeps == []
    assert "no time left in the budget" in report.orgs[0].cause


def test_shard_runs_only_its_orgs_and_partial_report_is_written(tmp_path):
    names = [f"org{i}" for i in range(8)]
    inv = inventory_of(tmp_path, *names)
    mine = [n for n, k in assign(names, 3).items() if k == 2]
    work = FakeWork({n: ["unchanged"] for n in names})
    report, _, _ = run_job(inv, work, shard=Shard(2, 3), report_path=str(tmp_path / "r.json"))
    assert sorted(o.name for o in report.orgs) == sorted(mine) and report.shard == "2/3"
    assert sorted(o["name"] for o in json.loads((tmp_path / "r.json").read_text())["orgs"]) == sorted(mine)


# --- the runner with a fake provision (the engine's seams: request in, result out, credentials, verify) ---------


class FakeProvision:
    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.requests = []

    async def __call__(self, browser, request, progress, recorder=None):
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        from provisioner.provision import ProvisionResult

        with progress.step("login", request.org.username):
            pass
        return ProvisionResult(app_name=request.spec.name, api_name=request.spec.api_name,
                               username=request.org.username, login_url=request.org.login_url,
                               instance_url="https://acme.example.test", consumer_key="3MVG9-key",
                               consumer_secret="SECRET-123", created=outcome == "created",
                               changes=["session timeout 120 -> 15"] if outcome == "updated" else [],
                               plan=["create app Nightly"] if request.dry_run else [], dry_run=request.dry_run)


def engine_inventory(tmp_path: Path, monkeypatch, *, mailbox: bool = True):
    monkeypatch.setenv("A_PW", "a-password")
    monkeypatch.setenv("A_TOTP", "JBSWY3DPEHPK3PXP")
    monkeypatch.setenv("BOX_PW", "box-password")
    (tmp_path / "app.toml").write_text('name = "Nightly"\n')
    box = ('[defaults.mailbox]\nhost = "127.0.0.1"\nport = 1143\nssl = false\nuser = "bot@x.test"\n'
           'password_env = "BOX_PW"\n') if mailbox else ""
    return load_inventory(write_inventory(tmp_path, f"""
[defaults]
spec = "app.toml"
output_dir = "out"
budget_seconds = 100
{box}
[[org]]
name = "a"
login_url = "http://127.0.0.1:1"
username = "admin@a.test"
password_env = "A_PW"
totp_secret_env = "A_TOTP"
credentials = {{ env_file = "creds/{{name}}.env", json_file = "creds/{{name}}.json" }}
"""))


def run_engine(inv, provision, verify=None, **options):
    verified = []

    def fake_verify(login_url, consumer_key, username, key_pem, **kwargs):
        verified.append((login_url, consumer_key, username, key_pem, kwargs))

    async def fake_sleep(seconds):
        pass

    opts = RunOptions(concurrency=1, budget_seconds=options.pop("budget_seconds", 100), retries=2, **options)
    runner = JobRunner(inv, opts, provision=provision, verify=verify or fake_verify, launch=no_browser,
                       events=JobEvents(stream=io.StringIO()), sleep=fake_sleep)
    return asyncio.run(runner.run()), verified


def test_runner_builds_the_request_writes_and_verifies_credentials(tmp_path, monkeypatch):
    inv = engine_inventory(tmp_path, monkeypatch)
    provision = FakeProvision("created")
    report, verified = run_engine(inv, provision)
    (a,) = report.orgs
    assert a.status == "created" and a.verified and a.attempts == 1, a.cause
    request = provision.requests[0]
    assert request.org.password == "a-password" and request.org.totp_secret == "JBSWY3DPEHPK3PXP"
    assert request.mailbox.password == "box-password" and request.mailbox.port == 1143
    assert request.spec.name == "Nightly" and request.spec.contact_email == "admin@a.test"
    assert Path(request.cert_path) == tmp_path / "out" / "a" / "keys" / "server.crt"
    assert request.timeouts.page_ms <= 100_000 and request.timeouts.mail_s <= 100
    assert not request.dry_run and request.reveal
    env_file = tmp_path / "creds" / "a.env"
    assert a.credentials == [str(env_file), str(tmp_path / "creds" / "a.json")]
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert "3MVG9-key" in env_file.read_text() and "SECRET-123" in env_file.read_text()
    login_url, key, username, key_pem, _ = verified[0]
    assert (login_url, key, username) == ("http://127.0.0.1:1", "3MVG9-key", "admin@a.test")
    assert "PRIVATE KEY" in key_pem
    # the next night reuses the key pair (a new one would change the app's certificate every night)
    key_before = Path(request.key_path).read_bytes()
    report, _ = run_engine(inv, FakeProvision("unchanged"))
    assert report.orgs[0].status == "unchanged" and Path(request.key_path).read_bytes() == key_before


def test_dry_run_writes_no_credentials_and_no_keys(tmp_path, monkeypatch):
    inv = engine_inventory(tmp_path, monkeypatch, mailbox=False)
    provision = FakeProvision("planned")
    report, verified = run_engine(inv, provision, dry_run=True)
    (a,) = report.orgs
    assert a.status == "planned" and a.plan == ["create app Nightly"] and not a.verified
    assert provision.requests[0].dry_run and provision.requests[0].mailbox is None
    assert verified == [] and not (tmp_path / "creds").exists() and not (tmp_path / "out" / "a" / "keys").exists()


def test_engine_errors_are_classified_for_retry(tmp_path, monkeypatch):
    inv = engine_inventory(tmp_path, monkeypatch)
    report, _ = run_engine(inv, FakeProvision(OrgUnavailableError("maintenance"), "updated"))
    assert report.orgs[0].status == "updated" and report.orgs[0].attempts == 2
    assert report.orgs[0].changes == ["session timeout 120 -> 15"]
    report, _ = run_engine(inv, FakeProvision(LoginError("wrong password"), "created"))
    assert report.orgs[0].status == "failed" and report.orgs[0].attempts == 1


def test_a_missing_password_variable_fails_that_org_only(tmp_path, monkeypatch):
    inv = engine_inventory(tmp_path, monkeypatch)
    monkeypatch.delenv("A_PW")
    report, _ = run_engine(inv, FakeProvision("created"))
    assert report.orgs[0].status == "failed" and "A_PW" in report.orgs[0].cause and report.orgs[0].exit_code == 2


def test_a_verify_failure_fails_the_org(tmp_path, monkeypatch):
    from provisioner.errors import VerifyError

    inv = engine_inventory(tmp_path, monkeypatch)

    def refuse(*args, **kwargs):
        raise VerifyError("invalid_grant: user hasn't approved this consumer (still refused after 5 attempts)")

    report, _ = run_engine(inv, FakeProvision("created"), verify=refuse)
    assert report.orgs[0].status == "failed" and report.orgs[0].exit_code == 50 and not report.orgs[0].verified


def test_example_inventory_is_valid():
    inv = load_inventory(Path(__file__).resolve().parents[1] / "examples" / "inventory.toml")
    assert [o.name for o in inv.orgs] == ["uat", "qa", "partner-dev"] and inv.warnings == []


def test_shared_mailbox_codes_do_not_cross_between_usernames():
    """Two orgs' users sharing one address: each waiter takes only the mail naming its own username."""
    from email.message import EmailMessage

    from provisioner.config import MailboxSettings
    from provisioner.mail import CodeWaiter

    def mail(username: str | None, code: str) -> bytes:
        msg = EmailMessage()
        msg["From"], msg["To"] = "Salesforce <noreply@salesforce.com>", "bot@example.test"
        msg["Subject"] = "Sandbox: Verify your identity in Salesforce"
        msg.set_content(f"Verification Code: {code}\n" + (f"Username: {username}\n" if username else ""))
        return msg.as_bytes()

    box = MailboxSettings(host="127.0.0.1", port=1, user="bot@example.test", password="x", ssl=False)
    alpha = CodeWaiter(box, recipient="bot@example.test", username="admin@acme.example.alpha")
    assert alpha._code_from(mail("admin@acme.example.beta", "111111")) is None
    assert alpha._code_from(mail("admin@acme.example.alpha", "222222")) == "222222"
    assert alpha._code_from(mail(None, "333333")) == "333333"  # mail without the line still counts


def test_run_command_stops_at_once_when_the_inventory_is_locked(tmp_path):
    from provisioner.cli import main

    inv = inventory_of(tmp_path, "a")
    holder = _holder(inv.lock_path)
    try:
        result = CliRunner().invoke(main, ["run", str(inv.path)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == LockedError.exit_code
    assert result.output.strip().splitlines() == [
        f"error: another run holds the lock: {inv.lock_path} (pid {holder.pid} since "
        + result.output.split(" since ", 1)[1].strip()]


def test_run_command_rejects_an_invalid_inventory_in_one_line(tmp_path):
    from provisioner.cli import main

    path = write_inventory(tmp_path, ORG.replace("username", "user_name"))
    result = CliRunner().invoke(main, ["run", str(path), "--shard", "1/2"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {path.name}: org 'a': unknown key 'user_name' (allowed: " + \
        result.output.split("(allowed: ", 1)[1].strip()
    bad_shard = CliRunner().invoke(main, ["run", str(inventory_of(tmp_path, "a").path), "--shard", "3/2"])
    assert bad_shard.exit_code == 2 and "K must be between 1 and 2" in bad_shard.output
