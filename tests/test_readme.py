"""The README's promises that the code can drift from: the exit-code table, and its two set-up commands."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import provisioner.errors as errors
from provisioner.commands.cert import EXIT_NOTHING_TO_DO

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

#: exit codes that are not an error class: an internal error, `cert`'s "nothing to do", Ctrl-C
OTHER_CODES = {1, EXIT_NOTHING_TO_DO, 130}


def readme_exit_codes() -> list[int]:
    table = README.split("<!-- exit-codes -->", 1)[1].split("<!-- /exit-codes -->", 1)[0]
    return [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)]


def test_the_exit_code_table_lists_every_code_once_and_nothing_else():
    documented = readme_exit_codes()
    assert len(documented) == len(set(documented)), "a code is listed twice"
    in_code = {cls.exit_code for _, cls in inspect.getmembers(errors, inspect.isclass)
               if issubclass(cls, errors.ProvisionerError)} | OTHER_CODES
    assert set(documented) == in_code


def test_the_readme_opens_with_the_two_set_up_commands():
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: install$", makefile, re.M) and re.search(r"^test: install$", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
