#!/usr/bin/env python3
"""Time `provisioner run` over 5 simulated sandboxes at concurrency 1 and 5 (a benchmark, not a test).

Every measured run starts from freshly refreshed sandboxes, so each one creates 5 apps: same work, different
concurrency. Usage: python3 scripts/bench_job.py [--orgs 5] [--latency fast|realistic]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provisioner.sim.app import SimOptions, start_sim  # noqa: E402

SPEC = 'name = "Bench CI"\napi_name = "Bench_CI"\ncontact_email = "ci@example.test"\n'


def post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=5)
    parser.add_argument("--latency", default="fast", choices=["fast", "realistic"])
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 5])
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-job-"))
    sims = [start_sim(SimOptions(latency=args.latency, sandbox_name=f"b{i}", mail="embedded")) for i in range(args.orgs)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    entries = []
    for i, sim in enumerate(sims):
        info = sim.info()
        env[f"B{i}_PW"], env[f"B{i}_TOTP"], env[f"B{i}_IMAP"] = info["password"], info["totp_secret"], info["imap_password"]
        entries.append(
            f'[[org]]\nname = "b{i}"\nlogin_url = "{info["login_url"]}"\nusername = "{info["username"]}"\n'
            f'password_env = "B{i}_PW"\ntotp_secret_env = "B{i}_TOTP"\nsandbox = true\nemail = "{sim.admin.email}"\n'
            f'[org.mailbox]\nhost = "{info["imap_host"]}"\nport = {info["imap_port"]}\nssl = false\n'
            f'user = "{info["imap_user"]}"\npassword_env = "B{i}_IMAP"\n')
    (root / "app.toml").write_text(SPEC)
    inventory = root / "inventory.toml"
    inventory.write_text('[defaults]\nspec = "app.toml"\nbudget_seconds = 300\nretries = 0\noutput_dir = "out"\n\n'
                         + "\n".join(entries))
    figures = []
    try:
        for concurrency in args.concurrency:
            for sim in sims:
                post(sim.inspect_url + "/refresh", {})
            started = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "provisioner.cli", "run", str(inventory),
                                   "--concurrency", str(concurrency)], cwd=ROOT, env=env, capture_output=True, text=True)
            elapsed = time.monotonic() - started
            report = json.loads((root / "out" / "report.json").read_text())
            per_org = [o["duration_seconds"] for o in report["orgs"]]
            figures.append((concurrency, elapsed, proc.returncode, report["summary"], per_org))
            print(f"concurrency {concurrency}: {elapsed:6.1f} s wall, exit {proc.returncode}, "
                  f"per org mean {sum(per_org) / len(per_org):5.1f} s max {max(per_org):5.1f} s, "
                  f"{ {k: v for k, v in report['summary'].items() if v} }", flush=True)
            if proc.returncode:
                print(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "", flush=True)
    finally:
        for sim in sims:
            sim.stop()
    if len(figures) >= 2 and figures[-1][1] > 0:
        print(f"speed-up {figures[0][0]} -> {figures[-1][0]}: {figures[0][1] / figures[-1][1]:.2f}x "
              f"on {os.cpu_count()} CPU(s)")
    print(f"work dir: {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
