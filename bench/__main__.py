"""`python -m bench floor|pickup|scale ...`: one benchmark per subcommand (bench/README in the final report)."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {"floor": "bench.floor", "pickup": "bench.pickup", "scale": "bench.scale"}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench {{{'|'.join(COMMANDS)}}} [options]  (--help after one for its options)",
              file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[sys.argv[1]]).main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
