"""Scale: `provisioner run` over N simulated orgs (realistic profile by default): wall time, orgs per hour, and the
peak memory (PSS, /proc/<pid>/smaps_rollup) of the whole process tree. Usage: python -m bench scale [--orgs 1 5 20]
[--latency realistic] [--via auto|api|browser] [--concurrency N] (default: runner.default_concurrency(), from this
machine). The table says which path each run's orgs took (the inventory's `via`; `auto` takes the API where the
org allows it), and times the next night over the same orgs with nothing to change (`--no-rerun` skips it): their
stored credentials prove themselves and their token checks the app, so it should start no browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_FAILED = 80  # `provisioner run`'s exit when some org failed (the others still ran)
SPEC = 'name = "Bench Scale"\napi_name = "Bench_Scale"\ncontact_email = "ci@example.test"\n'


def tree_pss_bytes(root_pid: int) -> int:
    """PSS of `root_pid` and every descendant (children read from /proc/<pid>/task/*/children)."""
    total, pending, seen = 0, [root_pid], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def one(orgs: int, latency: str, concurrency: int | None, via: str = "auto", rerun: bool = True) -> dict:
    sys.path.insert(0, str(ROOT))
    from provisioner.sim.app import SimOptions, start_sim

    root = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    sims = [start_sim(SimOptions(latency=latency, sandbox_name=f"s{i}", mail="embedded")) for i in range(orgs)]
    env, entries = dict(os.environ, PYTHONPATH=str(ROOT)), []
    try:
        for i, sim in enumerate(sims):
            info = sim.info()
            env[f"S{i}_PW"], env[f"S{i}_TOTP"], env[f"S{i}_IMAP"] = (info["password"], info["totp_secret"],
                                                                    info["imap_password"])
            entries.append(
                f'[[org]]\nname = "s{i}"\nlogin_url = "{info["login_url"]}"\nusername = "{info["username"]}"\n'
                f'password_env = "S{i}_PW"\ntotp_secret_env = "S{i}_TOTP"\nsandbox = true\n'
                f'email = "{sim.admin.email}"\n[org.mailbox]\nhost = "{info["imap_host"]}"\n'
                f'port = {info["imap_port"]}\nssl = false\nuser = "{info["imap_user"]}"\npassword_env = "S{i}_IMAP"\n')
        (root / "app.toml").write_text(SPEC)
        (root / "inventory.toml").write_text(f'[defaults]\nspec = "app.toml"\nbudget_seconds = 1800\nretries = 1\n'
                                             f'via = "{via}"\noutput_dir = "out"\n\n' + "\n".join(entries))
        command = [sys.executable, "-m", "provisioner.cli", "run", str(root / "inventory.toml")]
        if concurrency:
            command += ["--concurrency", str(concurrency)]
        create = _timed_run(command, root, env)
        # the next night, nothing to change: each org's stored credentials prove themselves and check its app
        again = _timed_run(command, root, env) if rerun and create["exit"] in (0, RUN_FAILED) else None
    finally:
        for sim in sims:
            sim.stop()
        shutil.rmtree(root, ignore_errors=True)  # keys and credentials of throw-away orgs
    row = {"orgs": orgs, "latency": latency, "concurrency": concurrency or "default", "via": via, **create}
    if again is not None:
        row["rerun"] = again
    return row


def _timed_run(command: list[str], root: Path, env: dict) -> dict:
    """One `provisioner run`: wall time, peak PSS of its process tree, what its report says."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):  # a sampling period, not a wait for state
            peak[0] = max(peak[0], tree_pss_bytes(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    report = json.loads((root / "out" / "report.json").read_text())
    ok = sum(1 for o in report["orgs"] if o["status"] != "failed")
    used = Counter(o.get("via") or "none (failed first)" for o in report["orgs"])
    statuses = Counter(o["status"] for o in report["orgs"])
    # why each failed org failed (the run's directory, its report with it, is removed afterwards)
    failures = [{"org": o["name"], "attempts": o.get("attempts"), "exit_code": o.get("exit_code"),
                 "cause": o.get("cause")} for o in report["orgs"] if o["status"] == "failed"]
    return {"exit": proc.returncode, "used_via": dict(used), "statuses": dict(statuses), "failures": failures,
            "ok": ok, "wall_seconds": round(wall, 1), "orgs_per_hour": round(ok * 3600 / wall, 1),
            "peak_pss_mib": round(peak[0] / 2**20), "last_error": (stderr.strip().splitlines() or [""])[-1]
            if proc.returncode else ""}


def _counts(counts: dict) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted(counts.items()))


def _night(rerun: dict | None) -> str:
    if rerun is None:
        return "not run"
    return (f"{_counts(rerun['statuses'])}, {rerun['wall_seconds']} s, {_counts(rerun['used_via'])}, "
            f"{rerun['peak_pss_mib']}")


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--latency", default="realistic", choices=["fast", "realistic"])
    parser.add_argument("--via", default="auto", choices=["auto", "api", "browser"])
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "scale.json")
    parser.add_argument("--no-rerun", action="store_true", help="skip the second run over the same orgs")
    args = parser.parse_args(argv)
    if args.concurrency is None:  # the machine's default (provisioner/job/runner.py), until the inventory uses it
        from provisioner.job.runner import default_concurrency

        args.concurrency = default_concurrency()
    rows = []
    print("| orgs | profile | path (used) | concurrency | ok | wall s | orgs/hour | × 1 org | peak PSS MiB "
          "| next night, nothing to change: status, wall s, path, peak PSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.orgs:
        row = one(n, args.latency, args.concurrency, args.via, rerun=not args.no_rerun)
        rows.append(row)
        row["x_one_org"] = round(row["wall_seconds"] / rows[0]["wall_seconds"], 2)
        print(f"| {n} | {row['latency']} | {args.via} ({_counts(row['used_via'])}) | {row['concurrency']} | "
              f"{row['ok']} | {row['wall_seconds']} | {row['orgs_per_hour']} | {row['x_one_org']} | "
              f"{row['peak_pss_mib']} | {_night(row.get('rerun'))} |", flush=True)
    for row in rows:
        for run in (row, row.get("rerun") or {}):
            for failure in run.get("failures", []):
                print(f"failed: {row['orgs']} orgs, {failure['org']} after {failure['attempts']} attempt(s), "
                      f"exit {failure['exit_code']}: {failure['cause']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(f"JSON: {args.json}")
    return 0
