"""`app_type` in app specs and `--app-type` on the command line: which kind of app to provision."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main as cli
from provisioner.spec import load_spec
from provisioner.errors import SpecFileError

SPECS = Path(__file__).resolve().parent.parent / "provisioner" / "specs"


def test_default_is_an_external_client_app_and_the_devhub_example_a_connected_app():
    assert load_spec(default_contact_email="a@example.com").app_type == "external_client_app"
    spec = load_spec(SPECS / "devhub-connected-app-jwt.toml", default_contact_email="a@example.com")
    assert spec.app_type == "connected_app" and spec.jwt_bearer


def test_app_type_is_checked_and_flags_override_it():
    spec = load_spec(SPECS / "sf-cli-jwt.toml", {"app_type": "Connected-App"}, default_contact_email="a@example.com")
    assert spec.app_type == "connected_app"
    with pytest.raises(SpecFileError, match="'app_type' must be one of external_client_app, connected_app"):
        load_spec(overrides={"app_type": "canvas_app"}, default_contact_email="a@example.com")
    with pytest.raises(SpecFileError, match="client_credentials is not supported with app_type"):
        load_spec(overrides={"app_type": "connected_app", "client_credentials": True, "run_as": "ci@example.com"},
                  default_contact_email="a@example.com")


def test_setup_offers_the_app_type_flag():
    result = CliRunner().invoke(cli, ["setup", "--help"])
    assert result.exit_code == 0 and "--app-type" in result.output and "connected_app" in result.output
