"""The published JSON Schemas match the code, and they accept the shipped examples and refuse what the code refuses."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from provisioner.schemas import SCHEMAS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_what_the_code_declares(name):
    committed = json.loads((ROOT / "schemas" / name).read_text())
    assert committed == json.loads(json.dumps(SCHEMAS[name]())), \
        f"schemas/{name} is stale: run .venv/bin/python scripts/write_schemas.py"


def _validator(name: str):
    schema = json.loads((ROOT / "schemas" / name).read_text())
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("spec", sorted((ROOT / "provisioner" / "specs").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_specs_are_valid_by_the_schema(spec):
    errors = list(_validator("app-spec.schema.json").iter_errors(tomllib.loads(spec.read_text())))
    assert errors == []


def test_the_schema_refuses_an_unknown_key_and_a_bad_choice():
    validator = _validator("app-spec.schema.json")
    assert not validator.is_valid({"colour": "red"})
    assert not validator.is_valid({"policies": {"ip_relaxation": "sometimes"}})
    assert validator.is_valid({"name": "CI", "policies": {"refresh_token": {"period": 7}}})


def test_the_inventory_schema_has_exactly_the_keys_the_parser_accepts():
    from provisioner.job import inventory, inventory_schema as schema

    assert set(schema.DEFAULTS) == inventory._DEFAULT_KEYS
    assert set(schema.ORG) == inventory._ORG_KEYS
    assert set(schema.MAILBOX) == inventory._MAILBOX_KEYS
    assert set(schema.MAILBOX_OAUTH2) == inventory._MAILBOX_OAUTH2_KEYS
    assert set(schema.CREDENTIALS) == inventory._CREDENTIALS_KEYS
    assert set(schema.DEFAULT_CREDENTIALS) == inventory._DEFAULT_CREDENTIALS_KEYS


def test_the_example_inventory_is_valid_by_the_schema_and_a_typo_is_not():
    validator = _validator("inventory.schema.json")
    example = tomllib.loads((ROOT / "examples" / "inventory.toml").read_text())
    assert list(validator.iter_errors(example)) == []
    example["org"][0]["user_name"] = example["org"][0].pop("username")
    assert not validator.is_valid(example)
