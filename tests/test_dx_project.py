"""`--project-dir`: sfdx-project.json gets sfdcLoginUrl / oauthLocalPort where they differ from the CLI's defaults,
and every other byte of the file stays as it was."""

from __future__ import annotations

import json
import os
import stat

import pytest

from provisioner import dx_project
from provisioner.errors import ConfigError

#: a real-looking project: four-space indentation, an inline array, odd spacing, unicode, a trailing newline
PROJECT = """{
    "packageDirectories": [ { "path": "force-app", "default": true } ],
    "name" :  "acme-crm",
    "namespace": "",
    "plugins": {"sfdx-hardis": {"branch": "main"}},
    "description": "Caf\\u00e9 \u2013 keep this as written",
    "sourceApiVersion": "62.0"
}
"""


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "sfdx-project.json"
    path.write_text(PROJECT, encoding="utf-8")
    path.chmod(0o640)
    return tmp_path


def test_values_differ_from_the_defaults_only():
    assert dx_project.wanted_values("https://login.salesforce.com", ["http://localhost:1717/OauthRedirect"]) == {}
    assert dx_project.wanted_values("https://test.salesforce.com", ["https://acme.example/cb",
                                                                    "http://localhost:1818/OauthRedirect"]) == {
        "sfdcLoginUrl": "https://test.salesforce.com", "oauthLocalPort": 1818}
    assert dx_project.wanted_values("https://acme.my.salesforce.com/", [])["sfdcLoginUrl"] == \
        "https://acme.my.salesforce.com"


def test_new_keys_are_added_and_everything_else_is_kept_byte_for_byte(project):
    changed = dx_project.update(project, {"sfdcLoginUrl": "https://test.salesforce.com", "oauthLocalPort": 1818})
    assert changed == {"sfdcLoginUrl": "https://test.salesforce.com", "oauthLocalPort": 1818}
    text = (project / "sfdx-project.json").read_text(encoding="utf-8")
    expected = PROJECT.replace('"sourceApiVersion": "62.0"\n',
                               '"sourceApiVersion": "62.0",\n    "sfdcLoginUrl": "https://test.salesforce.com",\n'
                               '    "oauthLocalPort": 1818\n')
    assert text == expected
    data = json.loads(text)
    assert list(data)[:6] == ["packageDirectories", "name", "namespace", "plugins", "description",
                              "sourceApiVersion"]
    assert stat.S_IMODE(os.stat(project / "sfdx-project.json").st_mode) == 0o640


def test_an_existing_key_gets_its_value_replaced_in_place_and_a_second_run_writes_nothing(project):
    path = project / "sfdx-project.json"
    path.write_text(PROJECT.replace('"namespace": "",', '"sfdcLoginUrl": "https://login.salesforce.com",'))
    dx_project.update(project, {"sfdcLoginUrl": "https://acme.my.salesforce.com"})
    once = path.read_bytes()
    assert once == PROJECT.replace('"namespace": "",', '"sfdcLoginUrl": "https://acme.my.salesforce.com",').encode()
    before = path.stat().st_mtime_ns
    assert dx_project.update(project, {"sfdcLoginUrl": "https://acme.my.salesforce.com"}) == {}
    assert path.read_bytes() == once and path.stat().st_mtime_ns == before


def test_crlf_two_space_and_empty_objects(tmp_path):
    path = tmp_path / "sfdx-project.json"
    path.write_bytes(b'{\r\n  "name": "x"\r\n}\r\n')
    dx_project.update(tmp_path, {"oauthLocalPort": 1818})
    assert path.read_bytes() == b'{\r\n  "name": "x",\r\n  "oauthLocalPort": 1818\r\n}\r\n'
    path.write_text("{}\n")
    dx_project.update(tmp_path, {"oauthLocalPort": 1818})
    assert json.loads(path.read_text()) == {"oauthLocalPort": 1818}


@pytest.mark.parametrize("content, words", [
    (None, "not found"),
    ('{"name": "x",}', "not a JSON object"),
    ("[1, 2]", "not a JSON object"),
    ('{"name": "x"} trailing', "not a JSON object"),
])
def test_a_missing_or_broken_file_is_one_line_and_nothing_is_written(tmp_path, content, words):
    path = tmp_path / "sfdx-project.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=words):
        dx_project.update(tmp_path, {"oauthLocalPort": 1818})
    assert (path.read_text() if content is not None else None) == content
    assert [p.name for p in tmp_path.iterdir()] == ([] if content is None else ["sfdx-project.json"])
