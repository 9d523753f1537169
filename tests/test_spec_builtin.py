"""A built-in spec is found by its name (issue 14, item 4): an installed provisioner has no checkout to point at."""

from __future__ import annotations

import pytest

from provisioner.errors import SpecFileError
from provisioner.spec import builtin_specs, load_spec, spec_file


@pytest.mark.parametrize("name", ["sf-cli-jwt", "sf-cli-jwt.toml"])
def test_a_built_in_spec_by_name(name):
    assert spec_file(name).name == "sf-cli-jwt.toml" and spec_file(name).is_file()
    assert load_spec(name, default_contact_email="a@b.test").name == "Salesforce CLI JWT"


def test_a_file_of_that_name_in_the_working_folder_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sf-cli-jwt").write_text('name = "Mine"\napi_name = "Mine"\ncontact_email = "a@b.test"\n')
    assert load_spec("sf-cli-jwt").name == "Mine"


def test_an_unknown_name_lists_the_built_in_ones():
    assert {"sf-cli-jwt", "integration-client-credentials", "devhub-connected-app-jwt"} <= set(builtin_specs())
    with pytest.raises(SpecFileError, match="built-in specs by name: .*sf-cli-jwt"):
        load_spec("no-such-spec")


def test_a_missing_path_is_never_taken_for_a_name():
    with pytest.raises(SpecFileError):
        load_spec("specs/sf-cli-jwt")  # a path (it has a folder): only a bare name is looked up
