"""Rotate an External Client App's consumer key and secret with Connect REST's staged credentials, never leaving the
credentials file without a working pair (EVIDENCE.md "Connect REST credentials").

    stage         POST .../staged: a new key and secret beside the primary (both work at the token endpoint)
    prove staged  a real token exchange with the new pair
    write         the new pair into the credentials files, each atomically (the old pair still works)
    switch        PATCH {"command": "rotate"}: the new pair is the primary, the old one stays staged as Rotated
    prove new     a token exchange with what the files hold now
    delete old    DELETE the Rotated set: the old pair stops working

Writing comes before the switch: while a set is staged both pairs work, so the files hold a working pair at every
moment, and when the switch happens they already hold the new primary. No state file: a run that was interrupted
is finished from what the org and the files say (`plan`): a staged Active set is this rotation's new pair, a
Rotated one its old pair; the files tell whether the new pair was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from .. import stored_credentials
from ..errors import ProvisionerError, RotationError, VerifyError
from ..one_org import CredentialTargets, OrgOutcome, write_credentials
from ..redact import SecretSet
from . import credentials as rest
from .session import ApiSession

STEPS = ("stage", "prove staged", "write", "switch", "prove new", "delete old")

#: (consumer key, consumer secret) -> None; raises ProvisionerError when the pair gets no token
Prover = Callable[[str, str], None]


@dataclass
class CredentialsFile:
    """Where the credentials live (the targets `setup` wrote) and the facts written beside the key and secret."""

    targets: CredentialTargets
    facts: OrgOutcome  # username, login URL, instance URL, names, key paths: kept as they are
    key_pem: str | None = field(default=None, repr=False)  # for a style that embeds the private key

    def read(self) -> stored_credentials.StoredCredentials | None:
        return stored_credentials.read(self.targets)

    def write(self, key: str, secret: str) -> list[str]:
        return write_credentials(self.targets, replace(self.facts, consumer_key=key, consumer_secret=secret),
                                 self.key_pem)


@dataclass
class RotationResult:
    app_name: str
    api_name: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    previous_key: str
    resumed: bool
    steps: list[str]
    credentials: list[str]

    def summary(self) -> dict[str, Any]:
        """What `rotate --json` prints; the secret in clear: callers mask it."""
        return {"app_name": self.app_name, "api_name": self.api_name, "status": "rotated",
                "consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret,
                "previous_consumer_key": self.previous_key, "resumed": self.resumed, "steps": list(self.steps),
                "credentials_files": list(self.credentials), "verified": True}


def rotate(api: ApiSession, api_name: str, file: CredentialsFile, prove: Prover, progress, *,  # noqa: ANN001
           secrets: SecretSet) -> RotationResult:
    """Finish the rotation under way, or start one. Errors before anything changed keep their own type (the setting
    or permission missing: CredentialsApiDisabledError); after that, RotationError naming the step (exit 90):
    running again finishes the rotation."""
    consumer = rest.find_consumer(api, api_name)
    if consumer.app_name:  # the app's own name, whatever the spec at hand calls it
        file.facts = replace(file.facts, app_name=consumer.app_name)
    stored = file.read()
    if stored is None:
        raise RotationError(f"no credentials to rotate in {', '.join(map(str, file.targets.paths()))}: every "
                            "credentials file must exist and agree (run `provisioner setup` first)")
    secrets.update([s for s in (stored.consumer_secret,) if s])
    current = rest.primary(api, consumer)
    secrets.add(current.consumer_secret)
    pending = _drop_expired(api, consumer, rest.staged(api, consumer), progress)
    done: list[str] = []
    resumed = pending is not None
    step = "stage"
    try:
        if pending is None:
            if stored.consumer_key != current.consumer_key:
                raise RotationError(f"the credentials file holds consumer key {_short(stored.consumer_key)}, which "
                                    f"is not app {api_name}'s: run `provisioner setup` to write its credentials")
            with progress.step("stage", f"new consumer key and secret for {api_name}"):
                pending, raced = _stage(api, consumer, progress)
            secrets.add(pending.secret)
            done.append("stage")
            resumed = raced
            if raced:  # the other run may have switched already: the primary is read again
                current = rest.primary(api, consumer)
                secrets.add(current.consumer_secret)
        else:
            secrets.add(pending.secret)
            progress.info(f"finishing the rotation under way ({pending.state} staged credentials found)")
            known = (current.consumer_key, pending.key)
            if stored.consumer_key not in known:
                raise RotationError(f"the credentials file holds consumer key {_short(stored.consumer_key)}, which is "
                                    f"neither of app {api_name}'s pairs: run `provisioner setup` to write its "
                                    "credentials")
        if pending.state == "Active":  # staged, not switched yet
            new_key, new_secret, old_key = pending.key, pending.secret, current.consumer_key
            step = "prove staged"
            with progress.step(step, f"token exchange with the staged key {_short(new_key)}"):
                prove(new_key, new_secret)
            done.append(step)
            if stored.consumer_key != new_key or stored.consumer_secret not in ("", new_secret):
                step = "write"
                with progress.step(step, ", ".join(map(str, file.targets.paths()))):
                    file.write(new_key, new_secret)
                done.append(step)
            step = "switch"
            with progress.step(step, "the staged credentials become the primary"):
                rest.rotate(api, consumer, pending.id)
            done.append(step)
        else:  # Rotated: switched; the staged set is the old pair
            new_key, new_secret, old_key = current.consumer_key, current.consumer_secret, pending.key
            if stored.consumer_key != new_key:
                step = "prove staged"
                with progress.step(step, f"token exchange with the new key {_short(new_key)}"):
                    prove(new_key, new_secret)
                done.append(step)
                step = "write"
                with progress.step(step, ", ".join(map(str, file.targets.paths()))):
                    file.write(new_key, new_secret)
                done.append(step)
        step = "prove new"
        with progress.step(step, "token exchange with the credentials as the files hold them"):
            held = file.read()
            if held is None or held.consumer_key != new_key:
                raise RotationError("the credentials files do not hold the new consumer key")
            prove(held.consumer_key, held.consumer_secret or new_secret)
        done.append(step)
        step = "delete old"
        with progress.step(step, f"the previous key {_short(old_key)} stops working"):
            try:
                rest.delete_staged(api, consumer, pending.id)
            except rest.RestError as exc:
                if exc.status != 404:  # gone already: a run before this one deleted it
                    raise
        done.append(step)
    except RotationError:
        raise
    except ProvisionerError as exc:
        if not done and not resumed:
            raise  # nothing changed yet: the cause keeps its own exit code
        raise RotationError(f"rotation stopped at step {step!r} ({_one_line(exc)}); the credentials files hold a "
                            "working pair: run `provisioner rotate` again to finish it") from None
    return RotationResult(app_name=consumer.app_name, api_name=api_name, consumer_key=new_key,
                          consumer_secret=new_secret, previous_key=old_key, resumed=resumed, steps=done,
                          credentials=[str(p.resolve()) for p in file.targets.paths()])


def _stage(api: ApiSession, consumer: rest.Consumer, progress) -> tuple[rest.StagedCredentials, bool]:  # noqa: ANN001
    """(the new staged set, False); or, when another run staged one since we looked (one set per consumer),
    (that set, True): this run finishes that rotation."""
    try:
        return rest.stage(api, consumer), False
    except rest.RestError as exc:
        if exc.status != 400:
            raise
        live = [s for s in rest.staged(api, consumer) if s.state != "Expired"]
        if len(live) != 1:
            raise
        progress.info("another run staged credentials meanwhile: finishing that rotation")
        return live[0], True


def _drop_expired(api: ApiSession, consumer: rest.Consumer, sets: list[rest.StagedCredentials],
                  progress) -> rest.StagedCredentials | None:  # noqa: ANN001
    """The staged set a rotation is under way with, after deleting expired ones (they only block staging)."""
    live = []
    for staged in sets:
        if staged.state == "Expired":
            progress.info(f"deleting expired staged credentials {_short(staged.key)}")
            rest.delete_staged(api, consumer, staged.id)
        else:
            live.append(staged)
    if len(live) > 1:
        raise RotationError(f"the app has {len(live)} staged credential sets; expected at most one")
    return live[0] if live else None


def _short(key: str) -> str:
    return key[:8] + "..." if len(key) > 8 else key


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --- from the credentials files setup wrote ---------------------------------------------------------------------
PROVERS = ("auto", "jwt", "client-credentials", "both")


def rotate_targets(api: ApiSession, api_name: str, targets: CredentialTargets, *, key_path: Path | None,
                   cert_path: Path | None, progress, secrets: SecretSet, prove: str = "auto",  # noqa: ANN001
                   prove_seconds: float = 600.0, instance_url: str | None = None) -> RotationResult:
    """Rotate the app whose credentials `targets` hold (`setup`'s files; the nightly job's too), proving each pair
    as `prove` says; `key_path`/`cert_path`: the pair setup used (the JWT proof, and the files name it)."""
    from ..errors import ConfigError

    stored = stored_credentials.read(targets)
    if stored is None:
        raise ConfigError(f"no credentials to rotate in {', '.join(map(str, targets.paths()))}: every credentials "
                          "file must exist and agree (run `provisioner setup` first)")
    key_pem = key_path.read_text(encoding="utf-8") if key_path else None
    secrets.update([s for s in (stored.consumer_secret, key_pem) if s])
    facts = OrgOutcome(status="rotated", api_name=api_name, username=stored.username, login_url=stored.login_url,
                       instance_url=stored.instance_url,
                       private_key_path=str(key_path.resolve()) if key_path else None,
                       certificate_path=str(cert_path.resolve()) if cert_path else None)
    prover = prover_for(prove, stored, key_pem, instance_url=instance_url or stored.instance_url or stored.login_url,
                        prove_seconds=prove_seconds, progress=progress)
    return rotate(api, api_name, CredentialsFile(targets, facts, key_pem), prover, progress, secrets=secrets)


def prover_for(kind: str, stored: stored_credentials.StoredCredentials, key_pem: str | None, *, instance_url: str,
               prove_seconds: float, progress) -> Prover:  # noqa: ANN001
    """auto: JWT bearer where the private key is at hand, else client credentials."""
    from ..errors import ConfigError

    def retrying(attempt: int, answer: str | None) -> None:
        progress.info(f"token exchange attempt {attempt} refused ({answer}): retrying while the org propagates")

    if kind not in PROVERS:
        raise ConfigError(f"prove: one of {', '.join(PROVERS)}, not {kind!r}")
    if kind == "auto":
        kind = "jwt" if key_pem and stored.username else "client-credentials"
    provers = []
    if kind in ("jwt", "both"):
        if not key_pem:
            raise ConfigError("a JWT proof needs the private key setup used (--out-dir's server.key, or --key/--cert)")
        provers.append(jwt_prover(login_url=stored.login_url or instance_url, username=stored.username,
                                  key_pem=key_pem, instance_url=instance_url, budget_seconds=prove_seconds,
                                  on_attempt=retrying))
    if kind in ("client-credentials", "both"):
        if not stored.consumer_secret:
            raise ConfigError("a client credentials proof needs the consumer secret in the credentials file (this "
                              "credentials style stores none)")
        provers.append(client_credentials_prover(token_url_base=instance_url, budget_seconds=prove_seconds,
                                                 on_attempt=retrying))
    return both(*provers)


# --- proving a pair ----------------------------------------------------------------------------------------------
def jwt_prover(*, login_url: str, username: str, key_pem: str, instance_url: str | None,
               budget_seconds: float, on_attempt=None) -> Prover:  # noqa: ANN001
    """A JWT bearer exchange with the key as `iss` (the secret plays no part), retried while the org propagates."""
    from ..verify import verify_with_retry

    def prove(key: str, secret: str) -> None:
        verify_with_retry(login_url, key, username, key_pem, instance_url=instance_url,
                          budget_seconds=budget_seconds, on_attempt=on_attempt)

    return prove


def client_credentials_prover(*, token_url_base: str, budget_seconds: float, on_attempt=None) -> Prover:  # noqa: ANN001
    """A client credentials exchange with the key and secret, retried while the org answers as a propagating app."""
    from ..verify import exchange_client_credentials, retry_while_propagating

    def prove(key: str, secret: str) -> None:
        retry_while_propagating(lambda: exchange_client_credentials(token_url_base, key, secret),
                                budget_seconds=budget_seconds, on_attempt=on_attempt)

    return prove


def both(*provers: Prover) -> Prover:
    def prove(key: str, secret: str) -> None:
        for one in provers:
            one(key, secret)

    return prove


__all__ = ["CredentialsFile", "PROVERS", "Prover", "RotationResult", "STEPS", "both", "client_credentials_prover",
           "jwt_prover", "prover_for", "rotate", "rotate_targets"]
