"""The fault soak: run the nightly job again and again against simulated orgs that fail now and then, and count
whether every run ended correct or stopped with a true, named reason.

One run is one org provisioned by the job (provisioner/job/runner.py, the same code as `provisioner run`), in a
fresh simulated org with the fault profile (provisioner/sim/faults.py); `orgs_per_job` runs share one job, its
browser and its concurrency. After each job, each run is judged from the outside:

- correct: the job says created/updated/unchanged and verified, the org holds exactly one app of that name, the
  credentials file holds that app's key and secret, and a JWT bearer exchange made here (not by the job's own
  verify) with the written key works;
- duplicates: more than one app of the spec's name in the org (a save counted twice);
- wrong credentials: a written file whose key or secret is not the org's, or whose key is refused;
- failed: the job's named cause (error class and first line), grouped.

The path (README "Browser or API"): `via` is written into each job's inventory (`browser`, `api` or `auto`); a run
that took another path than the one asked for (`browser` or `api`) is not correct. `run_soaks` runs the same seeded
soak once per path, so the figures can be read side by side (`provisioner soak --via both`, the default).

`browser_killed` is caused here: at a drawn moment of a job, Chromium's main process gets SIGKILL. Every job's
output (progress lines, reports, failure screenshots' HTML, artifacts) is scanned for every secret of its orgs.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import re
import signal
import statistics
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .redact import SecretSet, scan_paths

SPEC = """name = "Soak CI"
api_name = "Soak_CI"
contact_email = "soak@example.test"
[policies]
session_timeout_minutes = 15
"""
APP_API_NAME = "Soak_CI"

#: the rates of a soak unless told otherwise: every fault the simulator can cause, often enough to meet each many
#: times in 200 runs, rarely enough that a run meets few at once
DEFAULT_FAULTS = ("page_tail=0.03,spinner=0.03,server_error=0.01,maintenance=0.01,session_expired=0.01,"
                  "save_fails=0.1,toast_missing=0.05,mail_late=0.1,mail_twice=0.1,mail_out_of_order=0.1,"
                  "mail_after_newer=0.1,imap_drop=0.1,imap_refuse_login=0.05,propagation_long=0.1")
DEFAULT_BROWSER_KILL_RATE = 0.05  # per job


@dataclass
class SoakOptions:
    runs: int = 200
    orgs_per_job: int = 2
    faults: str = DEFAULT_FAULTS
    browser_kill_rate: float = DEFAULT_BROWSER_KILL_RATE
    latency: str = "fast"
    seed: int = 1
    retries: int = 3
    budget_seconds: float = 600.0
    work_dir: Path | None = None  # default: a temporary directory, removed afterwards
    via: str = "auto"  # the inventory's `via`: browser | api | auto


@dataclass
class RunJudgement:
    name: str
    correct: bool
    seconds: float
    cause: str = ""
    duplicates: int = 0
    wrong_credentials: str = ""
    attempts: int = 0
    via: str = ""  # the path the run took


@dataclass
class SoakReport:
    runs: int = 0
    correct: int = 0
    failed: Counter = field(default_factory=Counter)
    duplicates: int = 0
    wrong_credentials: int = 0
    secret_findings: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    faults_fired: Counter = field(default_factory=Counter)
    browsers_killed: int = 0
    retried_runs: int = 0
    via: str = "auto"
    paths_taken: Counter = field(default_factory=Counter)  # "browser" | "api" -> runs

    def as_json(self) -> dict:
        return {
            "via": self.via, "paths_taken": dict(self.paths_taken),
            "runs": self.runs, "correct": self.correct,
            "correct_percent": round(100.0 * self.correct / self.runs, 2) if self.runs else 0.0,
            "failed": dict(self.failed), "duplicates": self.duplicates, "wrong_credentials": self.wrong_credentials,
            "secret_findings": list(self.secret_findings),
            "seconds_median": round(statistics.median(self.seconds), 2) if self.seconds else 0.0,
            "seconds_worst": round(max(self.seconds), 2) if self.seconds else 0.0,
            "faults_fired": dict(self.faults_fired), "browsers_killed": self.browsers_killed,
            "runs_retried": self.retried_runs,
        }

    def lines(self) -> list[str]:
        data = self.as_json()
        out = [f"via: {self.via} (taken: " + (", ".join(f"{k} {v}" for k, v in sorted(self.paths_taken.items()))
                                            or "none") + ")",
               f"runs: {data['runs']}", f"correct: {data['correct']} ({data['correct_percent']} %)"]
        out.append("failed: " + (", ".join(f"{n} x {cause}" for cause, n in sorted(self.failed.items()))
                                 if self.failed else "0"))
        out += [f"duplicates created: {self.duplicates}",
                f"wrong or unverified credentials written: {self.wrong_credentials}",
                f"secrets found in output: {len(self.secret_findings)}",
                f"time per run: median {data['seconds_median']} s, worst {data['seconds_worst']} s",
                f"runs that needed a retry: {self.retried_runs}", f"browsers killed: {self.browsers_killed}",
                "faults met: " + (", ".join(f"{k}={v}" for k, v in sorted(self.faults_fired.items())) or "none")]
        return out

    @property
    def passed(self) -> bool:
        return (self.runs > 0 and self.correct * 100 >= 99 * self.runs and not self.duplicates
                and not self.wrong_credentials and not self.secret_findings)


#: `--via both`: the two paths a soak compares
BOTH = ("browser", "api")


def run_soaks(options: SoakOptions, paths: tuple[str, ...] = BOTH, *,
              progress: Callable[[str], None] = lambda line: None) -> dict[str, SoakReport]:
    """The same seeded soak once per path (same orgs, same fault draws where the paths meet the same occasions)."""
    reports = {}
    for path in paths:
        work_dir = options.work_dir / path if options.work_dir else None
        reports[path] = run_soak(replace(options, via=path, work_dir=work_dir),
                                 progress=lambda line, path=path: progress(f"[{path}] {line}"))
    return reports


def side_by_side(reports: dict[str, SoakReport]) -> list[str]:
    """One line per figure, one column per path."""
    columns = {path: report.lines() for path, report in reports.items()}
    if len(columns) == 1:
        return next(iter(columns.values()))
    names = [line.split(":", 1)[0] for line in next(iter(columns.values()))]
    width = max(len(n) for n in names) + 1
    out = [f"{'':{width}}  " + " | ".join(reports)]
    for index, name in enumerate(names):
        out.append(f"{name + ':':{width}}  " + " | ".join(lines[index].split(":", 1)[1].strip()
                                                       for lines in columns.values()))
    return out


def run_soak(options: SoakOptions, *, progress: Callable[[str], None] = lambda line: None) -> SoakReport:
    report = SoakReport(via=options.via)
    rng = random.Random(f"soak-{options.seed}")
    with tempfile.TemporaryDirectory(prefix="soak-") as temp:
        root = Path(options.work_dir or temp)
        job = 0
        while report.runs < options.runs:
            size = min(options.orgs_per_job, options.runs - report.runs)
            judgements = _one_job(options, root / f"job-{job:04d}", job, size, rng, report)
            for judgement in judgements:
                report.runs += 1
                report.seconds.append(judgement.seconds)
                report.duplicates += judgement.duplicates
                report.wrong_credentials += bool(judgement.wrong_credentials)
                report.retried_runs += judgement.attempts > 1
                if judgement.via:
                    report.paths_taken[judgement.via] += 1
                if judgement.correct:
                    report.correct += 1
                else:
                    report.failed[judgement.cause or judgement.wrong_credentials or "unknown"] += 1
                progress(f"run {report.runs}/{options.runs} {judgement.name}: "
                         + ("correct" if judgement.correct else f"FAILED {judgement.cause or judgement.wrong_credentials}")
                         + f" ({judgement.seconds:.1f} s, {judgement.attempts} attempt(s))")
            job += 1
    return report


def _one_job(options: SoakOptions, root: Path, job: int, size: int, rng: random.Random,
             report: SoakReport) -> list[RunJudgement]:
    from .job.events import JobEvents
    from .job.inventory import load_inventory
    from .job.runner import JobRunner, RunOptions
    from .sim.app import SimOptions, start_sim
    from .sim.faults import profile_of

    root.mkdir(parents=True, exist_ok=True)
    sims, env_names, secrets = [], [], SecretSet()
    try:
        orgs = []
        for index in range(size):
            seed = options.seed * 100_003 + job * 101 + index
            sim = start_sim(SimOptions(latency=options.latency, seed=seed, sandbox_name=f"soak{index}",
                                       mail="embedded", admin_totp=False, unrecognised_device=True,
                                       faults=options.faults))
            sims.append(sim)
            info = sim.info()
            secrets.update([info["password"], info["imap_password"], info["totp_secret"]])
            name = f"org{index}"
            password_env, imap_env = f"SOAK_{job}_{index}_PASSWORD", f"SOAK_{job}_{index}_IMAP_PASSWORD"
            os.environ[password_env], os.environ[imap_env] = info["password"], info["imap_password"]
            env_names += [password_env, imap_env]
            orgs.append("\n".join([
                "[[org]]", f'name = "{name}"', f'login_url = "{info["login_url"]}"',
                f'username = "{info["username"]}"', f'password_env = "{password_env}"', "sandbox = true",
                f'email = "{sim.admin.email}"',
                f'credentials = {{ env_file = "creds/{name}.env", json_file = "creds/{name}.json" }}',
                "[org.mailbox]", f'host = "{info["imap_host"]}"', f'port = {info["imap_port"]}', "ssl = false",
                f'user = "{info["imap_user"]}"', f'password_env = "{imap_env}"']))
        (root / "app.toml").write_text(SPEC)
        (root / "inventory.toml").write_text(
            f'[defaults]\nspec = "app.toml"\nconcurrency = {size}\nbudget_seconds = {options.budget_seconds}\n'
            f'via = "{options.via}"\n'
            f'retries = {options.retries}\noutput_dir = "out"\n\n' + "\n\n".join(orgs) + "\n")
        inventory = load_inventory(root / "inventory.toml")
        stream = io.StringIO()
        events = JobEvents(json_lines=True, stream=stream, secrets=secrets)
        runner = JobRunner(inventory, RunOptions(concurrency=size, budget_seconds=options.budget_seconds,
                                                 retries=options.retries, backoff_base_seconds=1.0,
                                                 backoff_max_seconds=10.0,
                                                 report_path=str(root / "out" / "report.json")), events=events)
        kill_at = rng.uniform(2.0, 20.0) if rng.random() < options.browser_kill_rate else None
        started = time.monotonic()
        run_report = asyncio.run(_with_browser_killer(runner.run(), kill_at, report))
        (root / "out" / "events.jsonl").write_text(stream.getvalue())
        wall = time.monotonic() - started
        judgements = []
        for index, sim in enumerate(sims):
            result = next(r for r in run_report.orgs if r.name == f"org{index}")
            judgement = _judge(sim, result, root / "creds" / f"org{index}.json", secrets, via=options.via)
            judgement.seconds = result.duration_seconds or wall
            judgements.append(judgement)
            for name, count in profile_of(sim.org).fired.items():
                report.faults_fired[name] += count
        secrets.update(runner.secrets)
        allowed = [*(root / "creds").glob("*"), *(root / "out").glob("*/keys/*")]
        report.secret_findings += [str(f) for f in scan_paths([root / "out"], secrets, allowed=allowed,
                                                              texts={f"job {job} progress": stream.getvalue()})]
        return judgements
    finally:
        for sim in sims:
            sim.stop()
        for name in env_names:
            os.environ.pop(name, None)


async def _with_browser_killer(job, kill_at: float | None, report: SoakReport):  # noqa: ANN001
    """Run the job; at `kill_at` seconds (if any), SIGKILL Chromium's main process (a crash the job must survive)."""
    if kill_at is None:
        return await job

    async def killer() -> None:
        await asyncio.sleep(kill_at)  # the moment drawn for this job's crash
        if kill_browser_processes():
            report.browsers_killed += 1

    task = asyncio.ensure_future(killer())
    try:
        return await job
    finally:
        task.cancel()


def kill_browser_processes(parent: int | None = None) -> int:
    """SIGKILL every Chromium main process started below `parent` (default: this process); how many were killed."""
    root = os.getpid() if parent is None else parent
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
        names[int(entry.name)] = name

    def below(pid: int) -> bool:
        seen = 0
        while pid in parents and seen < 64:
            pid, seen = parents[pid], seen + 1
            if pid == root:
                return True
        return False

    browsers = [pid for pid, name in names.items()
                if re.search(r"chrom|headless_shell", name, re.I) and below(pid)
                and not re.search(r"chrom|headless_shell", names.get(parents.get(pid, 0), ""), re.I)]
    killed = 0
    for pid in browsers:
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except OSError:
            pass
    return killed


def _judge(sim, result, credentials_json: Path, secrets: SecretSet, *, via: str = "auto") -> RunJudgement:  # noqa: ANN001
    from .sim.inspect import org_state

    judgement = RunJudgement(name=result.name, correct=False, seconds=0.0, attempts=result.attempts,
                             via=getattr(result, "via", "") or "")
    apps = [a for a in org_state(sim.org)["apps"] if str(a.get("api_name", "")).lower() == APP_API_NAME.lower()]
    judgement.duplicates = max(0, len(apps) - 1)
    if result.status == "failed":
        judgement.cause = f"{result.error}: {_squash_numbers(result.cause)}"
        if credentials_json.exists():
            judgement.wrong_credentials = _wrong_credentials(sim, credentials_json, secrets)
            if not judgement.wrong_credentials:
                judgement.wrong_credentials = ""  # a correct file from before the failure (never here: fresh orgs)
        return judgement
    if not result.verified:
        judgement.cause = f"not verified (status {result.status})"
        return judgement
    if not credentials_json.exists():
        judgement.wrong_credentials = "no credentials file written"
        return judgement
    judgement.wrong_credentials = _wrong_credentials(sim, credentials_json, secrets)
    judgement.correct = not judgement.wrong_credentials and len(apps) == 1
    if not judgement.correct and not judgement.wrong_credentials:
        judgement.cause = f"{len(apps)} app(s) in the org"
    if judgement.correct and via in BOTH and judgement.via != via:
        judgement.correct, judgement.cause = False, f"asked for --via {via}, took {judgement.via or 'no path'}"
    return judgement


def _wrong_credentials(sim, credentials_json: Path, secrets: SecretSet) -> str:  # noqa: ANN001
    """'' when the file's key and secret are the org's app's and a JWT bearer exchange with them works; else why."""
    written = json.loads(credentials_json.read_text())
    app = sim.org.app_by_api_name(APP_API_NAME)
    if app is None:
        return "credentials written for an app the org does not have"
    secrets.update([written.get("consumer_secret"), app.consumer_secret])
    if written.get("consumer_key") != app.consumer_key or written.get("consumer_secret") != app.consumer_secret:
        return "the written key or secret is not the org's"
    try:
        token = independent_jwt_exchange(written["instance_url"] or sim.base_url, written["consumer_key"],
                                         written["username"], Path(written["private_key_path"]).read_text())
    except Exception as exc:  # noqa: BLE001 - anything that stops the exchange makes the credentials wrong
        return f"the written credentials do not log in ({type(exc).__name__}: {_squash_numbers(str(exc))[:80]})"
    secrets.add(token)
    return ""


def independent_jwt_exchange(instance_url: str, consumer_key: str, username: str, private_key_pem: str) -> str:
    """An OAuth 2.0 JWT bearer exchange written here, not provisioner/verify.py's, so the soak checks the job's
    written credentials with other code than the job's; the access token."""
    import jwt

    audience = instance_url.rstrip("/")
    assertion = jwt.encode({"iss": consumer_key, "sub": username, "aud": audience, "exp": int(time.time()) + 180},
                           private_key_pem, algorithm="RS256")
    body = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": assertion}).encode()
    request = urllib.request.Request(instance_url.rstrip("/") + "/services/oauth2/token", data=body)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the simulated org, loopback
        return json.loads(response.read())["access_token"]


def _squash_numbers(text: str) -> str:
    """Causes grouped by kind: ports, ids and durations differ between runs."""
    text = re.sub(r"https?://[^\s)]+", "<url>", text or "")
    return re.sub(r"\d+(\.\d+)?", "#", text).strip()
