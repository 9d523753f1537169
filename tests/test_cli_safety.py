"""What the command line does with an admin's secrets and a planted file, without a browser: the .env rule, the
trusted-host rule, secrets from files or stdin (and the warning for secret flags), the `sf` hand-off's environment,
the masked one-line error, Ctrl-C."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.commands.common import run_secrets, sf_environment
from provisioner.redact import SecretSet


def setup(runner: CliRunner, *args: str, env: dict | None = None, input: str | None = None):
    clean = {k: None for k in ("SALESFORCE_LOGIN_URL", "SALESFORCE_USERNAME", "SALESFORCE_PASSWORD",
                               "SALESFORCE_TOTP_SECRET", "IMAP_HOST", "IMAP_USER", "IMAP_PASSWORD",
                               "PROVISIONER_TRUSTED_HOSTS")}
    return runner.invoke(main, ["setup", "--dry-run", *args], env={**clean, **(env or {})}, input=input)


def test_a_dotenv_in_the_working_directory_is_not_read_unless_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SALESFORCE_LOGIN_URL=https://login.salesforce.com.evil.example\n"
                                   "SALESFORCE_USERNAME=admin@acme.example\n")
    result = setup(CliRunner(), env={"SALESFORCE_PASSWORD": "Pw-from-env"})
    assert result.exit_code == 2 and "missing Salesforce username" in result.output


def test_a_login_host_outside_salesforce_is_refused_unless_the_user_names_it(tmp_path):
    env_file = tmp_path / "org.env"
    env_file.write_text("SALESFORCE_LOGIN_URL=https://login.salesforce.com.evil.example\n"
                        "SALESFORCE_USERNAME=admin@acme.example\nPROVISIONER_TRUSTED_HOSTS=login.salesforce.com.evil.example\n")
    result = setup(CliRunner(), "--env-file", str(env_file), env={"SALESFORCE_PASSWORD": "Pw-from-env"})
    assert result.exit_code == 2
    assert "login.salesforce.com.evil.example is not a Salesforce domain" in result.output
    assert "Pw-from-env" not in result.output


def test_http_login_urls_are_refused_except_for_this_machine():
    result = setup(CliRunner(), "--login-url", "http://login.salesforce.com", "--username", "a@b.example",
                   env={"SALESFORCE_PASSWORD": "Pw-from-env"})
    assert result.exit_code == 2 and "http" in result.output.lower()


def test_secret_flags_warn_and_file_forms_do_not(tmp_path):
    runner = CliRunner()
    flagged = setup(runner, "--login-url", "http://login.salesforce.com", "--username", "a@b.example",
                    "--password", "Pw-on-argv")
    assert "warning: --password is visible to every user of this machine" in flagged.output
    assert "Pw-on-argv" not in flagged.output
    secret = tmp_path / "pw.txt"
    secret.write_text("Pw-in-file\n")
    from_file = setup(runner, "--login-url", "http://login.salesforce.com", "--username", "a@b.example",
                      "--password-file", str(secret))
    assert "warning" not in from_file.output and "missing Salesforce password" not in from_file.output
    from_stdin = setup(runner, "--login-url", "http://login.salesforce.com", "--username", "a@b.example",
                       "--password-file", "-", input="Pw-on-stdin\n")
    assert "warning" not in from_stdin.output and "missing Salesforce password" not in from_stdin.output
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = setup(runner, "--username", "a@b.example", "--password-file", str(empty))
    assert result.exit_code == 2 and result.output.strip() == f"error: --password-file {empty} is empty"


def test_sf_gets_no_secret_of_the_run(monkeypatch):
    monkeypatch.setenv("SALESFORCE_PASSWORD", "Pw-123456")
    monkeypatch.setenv("SOME_TOKEN_COPY", "xx-Pw-123456-xx")
    monkeypatch.setenv("IMAP_PASSWORD", "imap-pw")
    monkeypatch.setenv("HOME", "/home/ci")
    env = sf_environment(SecretSet(["Pw-123456"]))
    assert "SALESFORCE_PASSWORD" not in env and "SOME_TOKEN_COPY" not in env and "IMAP_PASSWORD" not in env
    assert env["HOME"] == "/home/ci"


@click.command("boom")
@click.option("--kind")
def _boom(kind):
    run_secrets().add("Sup3r-Secret")
    if kind == "interrupt":
        raise KeyboardInterrupt
    raise RuntimeError("cannot parse Sup3r-Secret\nsecond line")


@pytest.fixture
def with_boom():
    main.add_command(_boom)
    yield
    main.commands.pop("boom")


def test_a_bug_is_one_masked_line_and_ctrl_c_exits_130(with_boom, monkeypatch):
    monkeypatch.delenv("PROVISIONER_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["boom"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: internal error (RuntimeError: cannot parse ********); set PROVISIONER_DEBUG=1 for the traceback"]
    interrupted = CliRunner().invoke(main, ["boom", "--kind", "interrupt"])
    assert interrupted.exit_code == 130 and interrupted.output.strip() == "interrupted"


def test_an_empty_env_file_is_named_when_a_setting_is_then_missing():
    result = setup(CliRunner(), "--env-file", "/dev/null")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == ("error: missing Salesforce username: set SALESFORCE_USERNAME "
                                                      "(environment or --env-file) or pass --username (env file "
                                                      "/dev/null is empty)")
