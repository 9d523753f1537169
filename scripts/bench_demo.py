#!/usr/bin/env python3
"""Time `provisioner demo` end to end, per latency profile, and the time of each step (a benchmark, not a test).

Usage: python3 scripts/bench_demo.py [--runs 1] [--latency fast] [--latency realistic]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_demo(latency: str) -> tuple[float, dict[str, float]]:
    """Wall time of one demo and the duration of each step its JSON progress reports."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "provisioner.cli", "demo", "--latency", latency, "--json",
                               "--out-dir", out], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                              capture_output=True, text=True, timeout=900)
        wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"demo failed ({latency}): {proc.stderr.strip().splitlines()[-1:]}")
    steps = {}
    for line in proc.stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "step" and event.get("status") == "ok":
            steps[event["step"]] = event.get("duration") or event.get("elapsed") or 0.0
    return wall, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--latency", action="append", choices=["fast", "realistic"])
    args = parser.parse_args()
    for latency in args.latency or ["fast", "realistic"]:
        for n in range(1, args.runs + 1):
            wall, steps = run_demo(latency)
            detail = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in steps.items())
            print(f"demo latency={latency} run={n}: {wall:.1f} s  ({detail})", flush=True)


if __name__ == "__main__":
    main()
