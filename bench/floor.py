"""Wall time beside the floor: `provisioner setup` against a simulated org, a fresh create then a no-change re-run,
for each path (`--via browser`, `--via api`) on each latency profile. The org reports what it imposed (GET /floor,
sim/latency.py Floor: page loads, API calls including the metadata deploy/retrieve jobs, mail, propagation); the rest
is the tool's.

Usage: python -m bench floor [--via browser api] [--latency fast realistic] [--json bench/out/floor.json]
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ("create", "re-run")
PATHS = ("browser", "api")
PROFILES = ("fast", "realistic")


def _inspect(sim, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(sim.inspect_url + path, data=b"{}" if method == "POST" else None, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _setup(sim, out: Path, via: str, extra_env: dict[str, str]) -> tuple[float, dict, list[dict]]:
    """One `provisioner setup --json` in its own process (start-up included): wall, its result, its step events."""
    info = sim.info()
    env = dict(os.environ, PYTHONPATH=str(ROOT), SALESFORCE_PASSWORD=info["password"],
               SALESFORCE_TOTP_SECRET=info["totp_secret"], IMAP_PASSWORD=info["imap_password"], **extra_env)
    command = [sys.executable, "-m", "provisioner.cli", "setup", "--json", "--login-url", info["login_url"],
               "--username", info["username"], "--email", info["email"], "--imap-host", info["imap_host"],
               "--imap-port", str(info["imap_port"]), "--imap-user", info["imap_user"], "--no-imap-ssl",
               "--app-name", "Bench App", "--via", via, "--out-dir", str(out), "--format", "both",
               "--credentials-json", str(out / "credentials.json"), "--credentials-env", str(out / ".env")]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"setup failed (exit {proc.returncode}): {last}")
    steps = []
    for line in proc.stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "step" and event.get("status") in ("ok", "done"):
            steps.append({"step": event.get("step"), "seconds": event.get("duration") or event.get("elapsed")})
    result = json.loads(proc.stdout).get("result", {}) if proc.stdout.strip() else {}
    return wall, result, steps


def totp_refusals(sim) -> tuple[int, float]:
    """Authenticator codes the org refused as already used (RFC 6238 5.2: the sim accepts a step once), and the
    seconds from each refusal to the next 30 s step: the client's wait for a fresh code. Not on the floor: whether
    Salesforce refuses a reused code is not public (sim/EVIDENCE.md), so this wait is counted as the tool's."""
    since = _inspect(sim, "/floor")["since"]
    events = [e for e in _inspect(sim, "/state")["events"] if e["kind"] == "totp_code_reused" and e["at"] >= since]
    return len(events), sum(30 - e["at"] % 30 for e in events)


def measure(profile: str, via: str = "browser", seed: int | None = None) -> list[dict]:
    """A fresh create and a no-change re-run over `via` on one new simulated org of `profile` (its settings as a new
    real org's: External Client App secrets not readable over REST, so the API path reveals them on the page)."""
    sys.path.insert(0, str(ROOT))
    from provisioner.sim.app import SimOptions, start_sim

    sim = start_sim(SimOptions(latency=profile, mail="embedded", seed=seed))
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
            out = Path(tmp)
            for run in RUNS:
                _inspect(sim, "/floor/reset", "POST")
                wall, result, steps = _setup(sim, out, via, {})
                floor = _inspect(sim, "/floor")
                refused, refused_wait = totp_refusals(sim)
                rows.append({
                    "profile": profile, "via": via, "run": run, "status": result.get("status"),
                    "used_via": result.get("via"), "credentials_via": result.get("credentials_via"),
                    "revealed": result.get("revealed", True), "verified": result.get("verified"),
                    "wall_seconds": round(wall, 2), "floor_seconds": floor["floor_seconds"],
                    "ratio": round(wall / floor["floor_seconds"], 2) if floor["floor_seconds"] else None,
                    "page_visits": floor["page_visits"], "requests": floor["requests"],
                    "totp_reused_refusals": refused, "totp_wait_after_refusal_seconds": round(refused_wait, 1),
                    "floor_by_kind": {k: v["union_seconds"] for k, v in floor["by_kind"].items()},
                    "steps": steps})
    finally:
        sim.stop()
    create = next(r for r in rows if r["run"] == "create")
    for row in rows:
        row["x_create"] = round(row["wall_seconds"] / create["wall_seconds"], 2)
    return rows


def machine() -> str:
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    except OSError:
        model = platform.processor()
    try:
        mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                           if line.startswith("MemTotal")))
    except (OSError, StopIteration):
        mem_kib = 0
    return f"{os.cpu_count()} CPU ({model}), {mem_kib / 2**20:.0f} GiB, {platform.system()} {platform.release()}"


def _path(row: dict) -> str:
    """The path asked for; what was used when it differs, and where the secret was read when it was."""
    text = row["via"] if row.get("used_via") in (None, row["via"]) else f"{row['via']} (used {row['used_via']})"
    if row.get("credentials_via") and row["credentials_via"] != row.get("used_via"):
        text += f", secret by {row['credentials_via']}"
    return text


def table(rows: list[dict]) -> str:
    lines = ["| profile | path | run | status | wall s | floor s | ratio | × create | pages | TOTP refusals (wait s) "
             "| steps (s) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        steps = ", ".join(f"{s['step']} {s['seconds']:.1f}" for s in r["steps"] if s["seconds"] is not None)
        status = f"{r['status']}{'' if r['revealed'] else ' (kept)'}"
        lines.append(f"| {r['profile']} | {_path(r)} | {r['run']} | {status} | "
                     f"{r['wall_seconds']:.1f} | {r['floor_seconds']:.1f} | {r['ratio']} | {r['x_create']} | "
                     f"{r['page_visits']} | {r['totp_reused_refusals']} ({r['totp_wait_after_refusal_seconds']}) | "
                     f"{steps} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench floor",
                                     description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--via", nargs="+", action="extend", choices=PATHS,
                        help="the path(s) to measure (default: both, side by side)")
    parser.add_argument("--latency", nargs="+", action="extend", choices=PROFILES,
                        help="the latency profile(s) (default: both)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "floor.json")
    args = parser.parse_args(argv)
    rows = []
    for profile in dict.fromkeys(args.latency or PROFILES):
        for via in dict.fromkeys(args.via or PATHS):
            rows += measure(profile, via, args.seed)
    print(f"machine: {machine()}")
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2) + "\n")
    print(f"JSON: {args.json}")
    return 0
