"""`python -m bench floor|pickup|scale|startup ...`: one benchmark per subcommand; `python -m bench all` runs every
one in turn with its defaults (README "Measured here"), each printing its table and writing its JSON to bench/out/."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {"floor": "bench.floor", "pickup": "bench.pickup", "scale": "bench.scale", "startup": "bench.startup"}
#: what `all` runs: every benchmark, scale up to the 50 orgs of the memory goal
ALL = (("startup", []), ("floor", []), ("pickup", []), ("scale", ["--orgs", "1", "5", "20", "50"]))


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "all":
        from bench.floor import machine

        print(f"machine: {machine()}", flush=True)
        for name, argv in ALL:
            print(f"\n## {name}", flush=True)
            status = importlib.import_module(COMMANDS[name]).main(argv)
            if status:
                return status
        return 0
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench {{{'|'.join(COMMANDS)}|all}} [options]  (--help after one for its options)",
              file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[sys.argv[1]]).main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
