"""Locator overrides: every locator by the name the code gives it, an overrides file (TOML) validated to the key,
applied process-wide and restorable; the names Playwright's call logs give locators map back to those names."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from provisioner import cli
from provisioner.errors import ConfigError
from provisioner.flows import eca_form as eca_form_flow
from provisioner.flows.locators import AnyOf, Loc, registry
from provisioner.flows.locators import eca_form as F


def write(tmp_path, text: str):
    path = tmp_path / "locators.toml"
    path.write_text(text)
    return path


def test_every_locator_is_named_area_dot_name_as_the_code_names_it():
    names = registry.all_locators()
    assert names["eca_form.NAME"] is F.NAME
    assert "app_manager.NEW_APP" in names and "login.USERNAME" in names
    assert all(re.fullmatch(r"[a-z_]+\.[A-Z][A-Z0-9_]*", key) for key in names)
    assert "eca_form.NEW_PATH_PART" not in names  # a string, not a locator


def test_an_overrides_file_replaces_locators_for_the_flows_until_restored(tmp_path):
    original_name, original_new = F.NAME, registry.lookup("app_manager.NEW_APP")
    path = write(tmp_path, 'app_manager.NEW_APP = [{ role = "button", name = "New App" }, { text = "New App" }]\n'
                           'eca_detail.EDIT = { role = "link", name = "Edit", exact = true }\n'
                           '[eca_form]\nNAME = { label = "App Name", exact = true }\n')
    with registry.apply_file(path) as applied:
        assert F.NAME == Loc("label", "App Name", exact=True)
        assert eca_form_flow.F.NAME == Loc("label", "App Name", exact=True)  # what the flow reads at call time
        assert registry.lookup("app_manager.NEW_APP") == AnyOf((Loc("role", "button", "New App"),
                                                                Loc("text", "New App", "New App")))
        assert registry.lookup("eca_detail.EDIT") == Loc("role", "link", "Edit", True)
        assert sorted(applied.keys) == ["app_manager.NEW_APP", "eca_detail.EDIT", "eca_form.NAME"]
        assert registry.active() == {str(path): applied.keys}
    assert F.NAME is original_name and registry.lookup("app_manager.NEW_APP") is original_new
    assert registry.active() == {}


def test_no_file_applies_nothing():
    with registry.apply_file(None) as applied:
        assert applied.keys == [] and registry.active() == {}


@pytest.mark.parametrize("text, words", [
    ('[eca_formz]\nNAME = { label = "x" }\n', ["locators.toml", "eca_formz"]),
    ('[eca_form]\nNAMEE = { label = "x" }\n', ["locators.toml", "eca_form.NAMEE", "did you mean NAME"]),
    ('[eca_form]\neca_detail.EDIT = { label = "x" }\n', ["eca_form.eca_detail", "above the first [table]"]),
    ('[eca_form]\nNEW_PATH_PART = { label = "x" }\n', ["eca_form.NEW_PATH_PART is not a locator"]),
    ('[eca_form]\nNAME = { xpath = "//input" }\n', ["eca_form.NAME", "unknown kind 'xpath'"]),
    ('[eca_form]\nNAME = { label = "x", css = "#x" }\n', ["eca_form.NAME", "two kinds"]),
    ('[eca_form]\nNAME = { label = "x", name = "y" }\n', ["eca_form.NAME", "label takes no name"]),
    ('[eca_form]\nNAME = { label = "" }\n', ["eca_form.NAME", "non-empty string"]),
    ('[eca_form]\nNAME = { role = "button", exact = "yes" }\n', ["eca_form.NAME", "exact must be true or false"]),
    ('[eca_form]\nNAME = "App Name"\n', ["eca_form.NAME", "expected a table"]),
    ('[eca_form]\nNAME = []\n', ["eca_form.NAME", "empty list"]),
    ('eca_form = 3\n', ["[eca_form] must be a table"]),
    ('[eca_form\nNAME = 1\n', ["locators.toml", "not valid TOML", "line 1"]),
])
def test_a_bad_overrides_file_is_one_config_error_naming_the_file_and_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        registry.apply_file(path)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    assert registry.active() == {}


def test_a_missing_overrides_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        registry.apply_file(tmp_path / "nope.toml")


@pytest.mark.parametrize("command", ["setup", "probe"])
def test_setup_and_probe_refuse_a_bad_file_with_exit_2_before_logging_in(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, '[eca_form]\nNAME = { xpath = "//input" }\n')
    result = CliRunner().invoke(cli.main, [command, "--locators", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"error: {path}: eca_form.NAME: unknown kind 'xpath' (one of label, role, text, css, placeholder)")
    assert registry.active() == {}


def test_the_environment_variable_names_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "[nowhere]\n")
    monkeypatch.setenv("PROVISIONER_LOCATORS", str(path))
    result = CliRunner().invoke(cli.main, ["probe"])
    assert result.exit_code == 2 and "unknown page 'nowhere'" in result.output


def test_a_proposed_line_reads_back_as_the_same_locator(tmp_path):
    wanted = {"eca_form.NAME": Loc("label", 'App "Display" Name'),
              "eca_detail.EDIT": Loc("role", "link", "Edit", True),
              "eca_policies.SESSION_TIMEOUT": AnyOf((Loc("label", "Timeout"), Loc("placeholder", "Minutes", exact=True)))}
    path = write(tmp_path, "\n".join(registry.override_line(k, v) for k, v in wanted.items()) + "\n")
    assert registry.load(path) == wanted


def test_playwright_call_logs_name_the_locator_the_flow_waited_for(page):
    """Every registered locator, as Playwright's call log writes it, maps back to its name (look-alikes: the one
    a flow used last)."""
    page.set_content("<p>nothing here</p>")
    for key, loc in registry.all_locators().items():
        with pytest.raises(Exception) as caught:
            loc.on(page).first.wait_for(timeout=1)
        assert registry.keys_in_message(str(caught.value))[:1] == [key], str(caught.value)


def test_the_nightly_run_refuses_a_bad_file_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, '[eca_form]\nNAMEE = { label = "x" }\n')
    (tmp_path / "inventory.toml").write_text("")
    result = CliRunner().invoke(cli.main, ["run", str(tmp_path / "inventory.toml"), "--locators", str(path)])
    assert result.exit_code == 2 and "eca_form.NAMEE is not a locator" in result.output
