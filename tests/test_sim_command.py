"""`provisioner sim` as a user runs it (a subprocess), and the org data it serves."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from dotenv import dotenv_values

from provisioner.commands.sim import write_env_file
from provisioner.errors import ConfigError
from provisioner.sim.app import SimOptions, build_org

REPO = Path(__file__).resolve().parents[1]
INFO_KEYS = {"login_url", "instance_url", "username", "password", "totp_secret", "imap_host", "imap_port",
             "imap_user", "imap_password", "imap_ssl", "inspect_url", "org_id", "org_name", "sandbox"}


@contextmanager
def running_sim(tmp_path: Path, *options: str):
    """`provisioner sim` in a subprocess, up: (process, its JSON line, the --env-file path); SIGTERM at the end."""
    env_file = tmp_path / "sim.env"
    proc = subprocess.Popen(
        [sys.executable, "-m", "provisioner.cli", "sim", "--seed", "11", "--env-file", str(env_file), *options],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the sim is up (or the process died)
        if not line:
            proc.wait(timeout=20)
            pytest.fail(f"sim printed nothing; stderr: {proc.stderr.read()[-2000:]}")
        yield proc, json.loads(line), env_file
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)


@pytest.fixture
def sim_process(tmp_path):
    with running_sim(tmp_path) as running:
        yield running


def test_sim_prints_its_json_line_and_writes_the_env_file(sim_process):
    proc, info, env_file = sim_process
    assert INFO_KEYS <= set(info)
    assert info["org_name"] == "Acme Corporation" and info["sandbox"] is False
    assert info["org_id"].startswith("00D")

    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env = dotenv_values(env_file)
    assert env["SALESFORCE_LOGIN_URL"] == info["login_url"]
    assert env["SALESFORCE_USERNAME"] == info["username"]
    assert env["SALESFORCE_PASSWORD"] == info["password"]
    assert env["SALESFORCE_TOTP_SECRET"] == info["totp_secret"]
    assert env["IMAP_PORT"] == str(info["imap_port"]) and env["IMAP_PASSWORD"] == info["imap_password"]
    assert env["IMAP_SSL"] == "false"
    assert env["SIM_INSPECT_URL"] == info["inspect_url"]

    # The org serves its login page; the inspection API is on its own port only.
    with urllib.request.urlopen(info["login_url"], timeout=10) as response:
        assert b'id="Login"' in response.read()
    with urllib.request.urlopen(info["inspect_url"] + "/state", timeout=10) as response:
        assert json.loads(response.read())["org"]["id"] == info["org_id"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(info["login_url"] + "/state", timeout=10)
    assert refused.value.code == 404

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert "warning" not in proc.stderr.read()  # on loopback there is nothing to warn about


def test_sim_on_every_interface_warns_in_one_line(tmp_path):
    with running_sim(tmp_path, "--host", "0.0.0.0") as (proc, info, _):
        assert INFO_KEYS <= set(info)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        lines = proc.stderr.read().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("warning: --host 0.0.0.0 puts the simulated org on the network")
    assert "admin login" in lines[0] and "inspection API stays on 127.0.0.1" in lines[0]


INFO = {"login_url": "http://127.0.0.1:1", "username": "admin@acme.example", "password": "Pass word\"$`1"}


def test_env_file_never_writes_through_a_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    env_file = tmp_path / "sim.env"
    env_file.symlink_to(victim)
    dangling = tmp_path / "other.env"
    dangling.symlink_to(tmp_path / "created-by-the-write")

    for link in (env_file, dangling):
        with pytest.raises(ConfigError, match="symbolic link"):
            write_env_file(link, INFO)
    assert victim.read_text() == "keep me\n" and not (tmp_path / "created-by-the-write").exists()
    assert env_file.is_symlink() and dangling.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.env", "sim.env", "victim.txt"]  # no temp left

    plain = tmp_path / "plain.env"
    write_env_file(plain, INFO)
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600
    assert dotenv_values(plain)["SALESFORCE_PASSWORD"] == INFO["password"]


def test_sim_refuses_an_env_file_symlink_in_one_line(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "sim.env").symlink_to(victim)
    proc = subprocess.run([sys.executable, "-m", "provisioner.cli", "sim", "--env-file", str(tmp_path / "sim.env")],
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "symbolic link" in proc.stderr
    assert victim.read_text() == "keep me\n"


def test_env_file_that_cannot_be_written_is_one_config_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=r"cannot write --env-file .*a-file/sim.env"):
        write_env_file(blocker / "sim.env", INFO)


def test_same_seed_same_org():
    first, second = build_org(SimOptions(seed=5)), build_org(SimOptions(seed=5))
    admin1, admin2 = (o.user(o.config.admin_username) for o in (first, second))
    assert (admin1.password, admin1.totp_secret, admin1.id) == (admin2.password, admin2.totp_secret, admin2.id)
    assert build_org(SimOptions(seed=6)).user(first.config.admin_username).password != admin1.password
    assert admin1.id.startswith("005")
    assert all(p.id.startswith("00e") for p in first.profiles.values())
    assert first.permission_sets["Salesforce_CLI_Access"].label == "Salesforce CLI Access"


def test_org_data_file_sets_users_and_sandbox(tmp_path):
    data = tmp_path / "org.toml"
    data.write_text(
        '[org]\nname = "Globex"\nsandbox = true\nsandbox_name = "dev1"\nprofiles = ["System Administrator"]\n'
        '[[users]]\nusername = "ops@globex.example"\nprofile = "System Administrator"\nadmin = true\n'
        'password = "Fixed-Pass-123"\n'
    )
    org = build_org(SimOptions(org_data=str(data), seed=1))
    admin = org.user("ops@globex.example.dev1")
    assert admin is not None and admin.password == "Fixed-Pass-123" and admin.totp_secret is None
    assert org.config.name == "Globex" and org.config.admin_username == "ops@globex.example.dev1"


def test_bad_org_data_is_a_config_error(tmp_path):
    data = tmp_path / "org.toml"
    data.write_text('[org]\nprofiles = []\n[[users]]\nusername = "a@b.c"\nprofile = "Nope"\n')
    with pytest.raises(ConfigError):
        build_org(SimOptions(org_data=str(data)))


def test_refresh_clears_apps_sessions_and_codes_but_keeps_passwords(sim_factory):
    from tests.support.sim_fixture import inspect_api

    sim = sim_factory()
    org = sim.org
    info = sim.info()
    org.new_session(info["username"], None)
    old_id = org.org_id
    result = inspect_api(sim, "/refresh", {})
    assert result["org_id"] != old_id and org.org_id == result["org_id"]
    assert org.sessions == {} and org.codes == []
    assert org.user(info["username"]).password == info["password"]


def test_realistic_page_loads_follow_the_ept_shape():
    from provisioner.sim.latency import Latency

    latency = Latency("realistic", seed=1)
    samples = [latency.page_delay() for _ in range(5000)]
    under_3 = sum(s < 3 for s in samples) / len(samples)
    assert 0.85 < under_3 < 0.99  # most pages in the first EPT bucket...
    assert any(s > 5 for s in samples)  # ...with a long tail
    assert 0.15 <= min(samples) and max(samples) <= 20
    fast = Latency("fast", seed=1)
    assert max(fast.page_delay() for _ in range(1000)) < 0.1
    assert 20 <= latency.propagation_seconds() <= 40 and 5 <= fast.propagation_seconds() <= 6


def test_sim_serves_the_fault_profile_it_was_given(tmp_path):
    """`--faults` sets each fault's rate for this run: the org reports the profile and meets the faults."""
    with running_sim(tmp_path, "--faults", "maintenance=1,mail_twice=0.25") as (proc, info, _):
        with urllib.request.urlopen(info["inspect_url"] + "/state", timeout=10) as response:
            profile = json.loads(response.read())["org"]["fault_profile"]
        assert profile["rates"] == {"maintenance": 1.0, "mail_twice": 0.25}
        with pytest.raises(urllib.error.HTTPError) as page:  # every page of the org meets the maintenance page
            urllib.request.urlopen(info["instance_url"] + "/lightning/setup/SetupOneHome/home", timeout=10)
        assert page.value.code == 503 and b"down for maintenance" in page.value.read()


@pytest.mark.parametrize("faults, named", [("nonsense=0.1", "nonsense"), ("server_error=2", "from 0 to 1"),
                                           ("spinner", "name=rate")])
def test_sim_refuses_a_bad_fault_profile_in_one_line(tmp_path, faults, named):
    proc = subprocess.run([sys.executable, "-m", "provisioner.cli", "sim", "--faults", faults], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("error: --faults") and named in proc.stderr
