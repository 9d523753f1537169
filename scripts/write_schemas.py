"""Write the published JSON Schemas (schemas/*.schema.json) from the declarations in the code.

    .venv/bin/python scripts/write_schemas.py        # after changing provisioner/spec.py or job/inventory.py

tests/test_schemas.py fails when a committed schema differs from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provisioner.schemas import SCHEMAS  # noqa: E402


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    for name, build in SCHEMAS.items():
        path = ROOT / "schemas" / name
        path.write_text(render(build()))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
