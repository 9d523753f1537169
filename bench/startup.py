"""Start-up: wall time of `provisioner --help` in a new process (the cost of every command before it does anything),
median and worst of N runs. Usage: python -m bench startup [--runs 5]."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    walls = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "provisioner.cli", "--help"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        walls.append(time.monotonic() - started)
    return {"command": "provisioner --help", "runs": runs, "median_seconds": round(statistics.median(walls), 3),
            "worst_seconds": round(max(walls), 3)}


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "startup.json")
    args = parser.parse_args(argv)
    row = measure(args.runs)
    print("| command | runs | median s | worst s |")
    print("|---|---|---|---|")
    print(f"| `{row['command']}` | {row['runs']} | {row['median_seconds']} | {row['worst_seconds']} |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": [row]}, indent=2) + "\n")
    print(f"JSON: {args.json}")
    return 0
