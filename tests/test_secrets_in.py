"""Secrets in (issue 14, item 5): --password-stdin / --imap-password-stdin, a hidden prompt on a terminal only, and
-v/-q log levels with the run's secrets masked at every level."""

from __future__ import annotations

import io
import logging
import os

import pytest
from click.testing import CliRunner

from provisioner import logs
from provisioner.cli import main
from provisioner.commands import options
from provisioner.commands.options import ConnectionFlags
from provisioner.errors import ConfigError
from provisioner.redact import MASK, SecretSet

BASE = {"SALESFORCE_LOGIN_URL": "https://test.salesforce.com", "SALESFORCE_USERNAME": "admin@acme.example",
        "SALESFORCE_PASSWORD": "", "IMAP_PASSWORD": "", "IMAP_HOST": "", "IMAP_USER": ""}


def flags(**given) -> ConnectionFlags:
    fields = {name: None for name in ConnectionFlags.__dataclass_fields__}
    fields.update(trust_hosts=(), password_stdin=False, imap_password_stdin=False)
    fields.update(given)
    return ConnectionFlags(**fields)


def test_password_stdin_reads_one_line(monkeypatch):
    secret = "pw-" + os.urandom(4).hex()
    for key, value in BASE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\nnext line\n"))
    org, mailbox = flags(password_stdin=True).resolve()
    assert org.password == secret and mailbox is None


def test_imap_password_stdin_reads_one_line(monkeypatch):
    secret = "imap-" + os.urandom(4).hex()
    for key, value in dict(BASE, SALESFORCE_PASSWORD="x", IMAP_HOST="127.0.0.1", IMAP_USER="bot").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    _, mailbox = flags(imap_password_stdin=True).resolve()
    assert mailbox.password == secret


def test_two_readers_of_standard_input_are_refused(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a\nb\n"))
    with pytest.raises(ConfigError, match="both read standard input"):
        flags(password_stdin=True, imap_password_stdin=True).resolve()


def test_empty_stdin_is_one_clear_error(monkeypatch):
    for key, value in BASE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(ConfigError, match="--password-stdin"):
        flags(password_stdin=True).resolve()


def test_a_missing_password_is_asked_for_hidden_on_a_terminal(monkeypatch):
    secret = "typed-" + os.urandom(4).hex()
    for key, value in dict(BASE, IMAP_HOST="127.0.0.1", IMAP_USER="bot").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(options, "interactive", lambda: True)
    prompts = []

    def prompt(text, hide_input=False, err=False):
        prompts.append((text, hide_input, err))
        return secret + str(len(prompts))

    monkeypatch.setattr(options.click, "prompt", prompt)
    org, mailbox = flags().resolve()
    assert org.password == secret + "1" and mailbox.password == secret + "2"
    assert prompts == [("Salesforce password for admin@acme.example", True, True), ("IMAP password for bot", True, True)]


def test_no_prompt_without_a_terminal_the_missing_setting_is_named(monkeypatch):
    for key, value in BASE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(options, "interactive", lambda: False)
    monkeypatch.setattr(options.click, "prompt", lambda *a, **k: pytest.fail("prompted without a terminal"))
    with pytest.raises(ConfigError, match="SALESFORCE_PASSWORD"):
        flags().resolve()


def test_setup_password_stdin_through_the_cli(tmp_path):
    """The flag exists on setup and its value reaches the settings (the run then stops at the bad spec, no browser)."""
    result = CliRunner().invoke(main, ["setup", "--password-stdin", "--spec", str(tmp_path / "none.toml"),
                                       "--out-dir", str(tmp_path)], input="pw-from-stdin\n", env=dict(BASE))
    assert result.exit_code == 3 and "none.toml" in result.output and "SALESFORCE_PASSWORD" not in result.output


# --- log levels --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("verbose, quiet, shown", [(0, True, {"ERROR"}), (0, False, {"ERROR", "WARNING"}),
                                                    (1, False, {"ERROR", "WARNING", "INFO"}),
                                                    (2, False, {"ERROR", "WARNING", "INFO", "DEBUG"})])
def test_every_level_shows_what_it_should_with_secrets_masked(verbose, quiet, shown):
    secrets, stream = SecretSet(), io.StringIO()
    logs.configure(verbose, quiet, secrets=secrets, stream=stream)
    secret = "s3cr3t-" + os.urandom(4).hex()
    secrets.add(secret)  # learned after the handler was set up: masked all the same
    log = logging.getLogger("provisioner.mail")
    log.debug("IMAP login as bot with %s", secret)
    log.info("token %s", secret)
    log.warning(f"warning {secret}")
    try:
        raise ValueError(f"boom {secret}")
    except ValueError:
        log.error("failed", exc_info=True)
    text = stream.getvalue()
    assert secret not in text
    assert {line.split()[0] for line in text.splitlines() if line.split() and line.split()[0].isupper()
            and line.split()[0] in ("DEBUG", "INFO", "WARNING", "ERROR")} == shown
    assert f"boom {MASK}" in text


def test_run_takes_v_and_q():
    for flag in ("-v", "-vv", "-q"):
        result = CliRunner().invoke(main, ["run", "/nonexistent/inventory.toml", flag])
        assert result.exit_code == 2 and "does not exist" in result.output
