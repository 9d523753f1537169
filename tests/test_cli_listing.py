"""`provisioner --help` lists every command without importing them (fast start), with their own summaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_summary_is_the_commands_own(name):
    command = main.get_command(None, name)
    assert command is not None
    assert COMMANDS[name] == (command.help or "").strip().splitlines()[0]


def test_help_lists_every_command_and_imports_no_browser_code():
    code = ("import sys; from click.testing import CliRunner; from provisioner.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); print(r.output); "
            "print('LOADED', sorted(m for m in sys.modules if m.startswith(('playwright', 'provisioner.commands.'))))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in COMMANDS:
        assert f"  {name} " in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "LOADED []"


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["sertup"])
    assert result.exit_code == 2 and "No such command 'sertup'" in result.output
