"""`provisioner rotate`: a client that logs in with whatever the credentials file holds never fails during a
rotation, and a rotation killed at any step is finished by the next run."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from dotenv import dotenv_values

from provisioner.api import credentials as rest
from provisioner.api import rotation
from provisioner.api.session import ApiSession
from provisioner.errors import CredentialsApiDisabledError, RotationError
from provisioner.one_org import CredentialTargets, OrgOutcome, write_credentials
from provisioner.progress import Progress
from provisioner.redact import SecretSet
from tests.support.eca_app import API_NAME, add_ready_app, client_credentials, jwt_bearer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rotating(sim_factory, tmp_path):  # noqa: ANN001, ANN201
    """An org that allows REST secrets, an app, its credentials in out/credentials.env as `setup` writes them, and
    an API session in a file."""
    handle = sim_factory(mail="embedded", variant="rest-secrets")
    out = tmp_path / "out"
    ready = add_ready_app(handle, out)  # out/server.key + server.crt, as setup keeps them
    env = out / "credentials.env"
    facts = OrgOutcome(status="created", app_name=ready.app.name, api_name=API_NAME,
                       consumer_key=ready.app.consumer_key, consumer_secret=ready.app.consumer_secret,
                       username=handle.admin.username, login_url=handle.base_url, instance_url=handle.base_url,
                       private_key_path=str(ready.key_path.resolve()), certificate_path=str(ready.cert_path.resolve()))
    write_credentials(CredentialTargets(env_file=env), facts)
    session_file = tmp_path / "session"
    session_file.write_text(handle.cli_token(lifetime=3600) + "\n")
    session_file.chmod(0o600)
    return handle, ready, env, facts, session_file


def _held(env: Path) -> tuple[str, str]:
    values = dotenv_values(env)
    return values["SALESFORCE_CONSUMER_KEY"], values["SALESFORCE_CONSUMER_SECRET"]


class Client(threading.Thread):
    """A CI job that logs in every second with whatever the credentials file holds at that moment."""

    def __init__(self, handle, env: Path, flow: str, key_pem: str):  # noqa: ANN001
        super().__init__(daemon=True)
        self.handle, self.env, self.flow, self.key_pem = handle, env, flow, key_pem
        self.stop = threading.Event()
        self.logins: list[tuple[str, int, dict]] = []  # (key, status, answer)
        self.changed = threading.Condition()

    def login_once(self) -> None:
        key, secret = _held(self.env)
        if self.flow == "client_credentials":
            status, answer = client_credentials(self.handle.base_url, key, secret)
        else:
            status, answer = jwt_bearer(self.handle.base_url, key, self.handle.admin.username, self.key_pem)
        with self.changed:
            self.logins.append((key, status, answer))
            self.changed.notify_all()

    def run(self) -> None:
        while not self.stop.is_set():
            self.login_once()
            self.stop.wait(1.0)  # the client's own pace: one login a second

    def wait_for_logins(self, count: int, timeout: float = 30.0) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.logins) >= count, timeout), "the client stopped logging in"


class LoginAtEveryStep(Progress):
    """Progress that holds each step's start and end until the client has logged in with the file as it is then:
    every state of the rotation meets a login, however fast the simulated org answers."""

    def __init__(self, client: Client):
        super().__init__(mode="plain", stream=io.StringIO())
        self.client = client
        self.steps: list[str] = []

    def _login_now(self) -> None:
        seen = len(self.client.logins)
        self.client.wait_for_logins(seen + 1)

    @contextlib.contextmanager
    def step(self, name: str, detail: str = ""):  # noqa: ANN201
        self.steps.append(name)
        self._login_now()
        with super().step(name, detail):
            yield self
        self._login_now()


@pytest.mark.parametrize("flow", ["client_credentials", "jwt"])
def test_a_client_logging_in_every_second_never_fails(rotating, flow) -> None:  # noqa: ANN001
    handle, ready, env, facts, session_file = rotating
    old_key = ready.app.consumer_key
    client = Client(handle, env, flow, ready.key_pem)
    client.start()
    api = ApiSession(handle.base_url, session_file.read_text().strip())
    if flow == "jwt":  # a key rotation, proved as the client logs in
        prove = rotation.jwt_prover(login_url=handle.base_url, username=handle.admin.username, key_pem=ready.key_pem,
                                    instance_url=handle.base_url, budget_seconds=10)
    else:  # a secret rotation
        prove = rotation.client_credentials_prover(token_url_base=handle.base_url, budget_seconds=10)
    progress = LoginAtEveryStep(client)
    try:
        result = rotation.rotate(api, API_NAME, rotation.CredentialsFile(CredentialTargets(env_file=env), facts),
                                 prove, progress, secrets=SecretSet())
        client.wait_for_logins(len(client.logins) + 2)
    finally:
        client.stop.set()
        client.join(10)
    assert progress.steps == list(rotation.STEPS)
    failed = [(key[:8], status, answer) for key, status, answer in client.logins if status != 200]
    assert not failed
    keys = [key for key, _, _ in client.logins]
    assert keys[0] == old_key and keys[-1] == result.consumer_key != old_key  # it logged in with both pairs
    assert _held(env) == (ready.app.consumer_key, ready.app.consumer_secret)
    assert client_credentials(handle.base_url, old_key, "x")[1]["error"] == "invalid_client_id"  # old pair gone
    assert ready.app.staged_credentials == []


def _rotate_command(env: Path, session_file: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "provisioner.cli", "rotate", "--out-dir", str(env.parent), "--api-name", API_NAME,
            "--session-file", str(session_file), "--json", *extra]


def _run_until(cmd: list[str], step: str | None, status: str = "started") -> tuple[int, list[dict], str]:
    """Run the command; SIGKILL it the moment `step` reports `status` (started, or ok: its change made) (None: let
    it finish). (exit code, progress events, stdout)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []
    for line in proc.stderr:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        events.append(event)
        if step and event.get("event") == "step" and event.get("step") == step and event.get("status") == status:
            proc.send_signal(signal.SIGKILL)
            break
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, events, out


def _converged(handle, ready, env: Path, old_key: str) -> None:  # noqa: ANN001
    app = ready.app
    assert app.staged_credentials == [], "nothing staged is left"
    key, secret = _held(env)
    assert (key, secret) == (app.consumer_key, app.consumer_secret), "the file holds the app's one primary pair"
    assert key != old_key
    assert client_credentials(handle.base_url, key, secret)[0] == 200
    assert jwt_bearer(handle.base_url, key, handle.admin.username, ready.key_pem)[0] == 200
    assert client_credentials(handle.base_url, old_key, "x")[1]["error"] == "invalid_client_id"
    assert oct(env.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("status", ["started", "ok"])
@pytest.mark.parametrize("step", rotation.STEPS)
def test_killed_at_a_step_then_run_again_converges(rotating, step, status) -> None:  # noqa: ANN001
    handle, ready, env, facts, session_file = rotating
    old_key = ready.app.consumer_key
    code, events, _ = _run_until(_rotate_command(env, session_file), step, status)
    assert code == -signal.SIGKILL
    # killed, the file holds a pair that works at this moment
    key, secret = _held(env)
    assert client_credentials(handle.base_url, key, secret)[0] == 200
    # between staging and the old pair's deletion a staged set is certainly left (at other kill points a request the
    # killed run sent may still be answered after it died: staged or not is decided by that race)
    under_way = (step, status) in (("stage", "ok"), ("prove staged", "started"), ("prove staged", "ok"),
                                   ("write", "started"), ("write", "ok"), ("switch", "started"), ("switch", "ok"),
                                   ("prove new", "started"))
    if under_way:
        assert ready.app.staged_credentials
    code, events, out = _run_until(_rotate_command(env, session_file), None)
    assert code == 0, out
    result = json.loads(out)["result"]
    assert result["status"] == "rotated" and result["consumer_secret"] != ready.app.consumer_secret
    _converged(handle, ready, env, old_key)
    # a rotation under way (something staged) is finished, not replaced by another
    if under_way:
        assert result["resumed"] is True
    if result["resumed"]:
        assert result["previous_consumer_key"] == old_key


def test_setting_off_stops_before_anything_changes(sim_factory, tmp_path) -> None:  # noqa: ANN001
    handle = sim_factory(mail="embedded")
    ready = add_ready_app(handle, tmp_path / "out")
    env = tmp_path / "out" / "credentials.env"
    facts = OrgOutcome(status="created", api_name=API_NAME, consumer_key=ready.app.consumer_key,
                       consumer_secret=ready.app.consumer_secret, username=handle.admin.username,
                       login_url=handle.base_url, instance_url=handle.base_url)
    write_credentials(CredentialTargets(env_file=env), facts)
    before = env.read_bytes()
    session_file = tmp_path / "session"
    session_file.write_text(handle.cli_token())
    proc = subprocess.run(_rotate_command(env, session_file), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == CredentialsApiDisabledError.exit_code
    assert "Allow access to External Client App consumer secrets via REST API" in proc.stderr
    assert json.loads(proc.stdout)["status"] == CredentialsApiDisabledError.exit_code
    assert env.read_bytes() == before and ready.app.staged_credentials == []


def test_a_file_of_another_app_is_refused(rotating) -> None:  # noqa: ANN001
    handle, ready, env, facts, session_file = rotating
    write_credentials(CredentialTargets(env_file=env), OrgOutcome(**{**facts.__dict__, "consumer_key": "3MVG9other"}))
    proc = subprocess.run(_rotate_command(env, session_file), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == RotationError.exit_code
    assert "not app CI_Rotation's" in proc.stderr and "Traceback" not in proc.stderr
    assert ready.app.staged_credentials == []


def test_secrets_stay_out_of_the_output(rotating) -> None:  # noqa: ANN001
    handle, ready, env, facts, session_file = rotating
    old_secret = ready.app.consumer_secret
    proc = subprocess.run(_rotate_command(env, session_file), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    new_secret = ready.app.consumer_secret
    token = session_file.read_text().strip()
    for secret in (old_secret, new_secret, token):
        assert secret not in proc.stdout and secret not in proc.stderr
    assert json.loads(proc.stdout)["result"]["consumer_key"] == ready.app.consumer_key


def test_the_command_offers_the_proofs_rotation_knows() -> None:
    from provisioner.commands import rotate as command

    assert command.PROVERS == rotation.PROVERS


def test_a_set_another_run_staged_meanwhile_is_finished(rotating, monkeypatch) -> None:  # noqa: ANN001
    handle, ready, env, facts, session_file = rotating
    old_key = ready.app.consumer_key
    api = ApiSession(handle.base_url, session_file.read_text().strip())
    real_stage = rest.stage

    def another_run_first(api, consumer):  # noqa: ANN001, ANN202 - rest.stage's own signature
        real_stage(api, consumer)  # another rotate staged a set since this one looked
        return real_stage(api, consumer)  # refused: one staged set per consumer

    monkeypatch.setattr(rest, "stage", another_run_first)
    result = rotation.rotate_targets(api, API_NAME, CredentialTargets(env_file=env), key_path=ready.key_path,
                                     cert_path=ready.cert_path, progress=Progress(mode="plain", stream=io.StringIO()),
                                     secrets=SecretSet())
    assert result.resumed and result.previous_key == old_key
    _converged(handle, ready, env, old_key)
