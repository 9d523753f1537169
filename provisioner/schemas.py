"""The JSON Schemas provisioner publishes for its input files (schemas/), built from the code's own declarations."""

from __future__ import annotations

from typing import Any, Callable

from .job.inventory_schema import json_schema as inventory_schema
from .spec import json_schema as app_spec_schema

#: file name under schemas/ -> the function that builds it
SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "app-spec.schema.json": app_spec_schema,
    "inventory.schema.json": inventory_schema,
}
