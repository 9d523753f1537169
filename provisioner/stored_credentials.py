"""Credentials an earlier run wrote, read back and proved before the browser starts, so a re-run with nothing to
change need not reveal the secret again (which costs a verification code and shows the secret on screen).

Kept only when every target file exists and they agree, and the org still accepts them: a JWT bearer exchange with
the stored consumer key and this run's key pair (proves the key names a live app that trusts our certificate), and
where the app allows it a client-credentials exchange (proves the secret). The secret of an app without the client
credentials flow cannot be checked by any token request: it is kept because it belongs to the consumer key the
JWT just proved (a secret changes only with its app, whose key would then be new). Anything doubtful: None, and the
run reveals as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .credential_styles import CredentialFacts, env_values
from .errors import ProvisionerError

#: the stored pair must prove itself quickly: a slow or refusing org means "reveal", not "wait"
CHECK_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class StoredCredentials:
    consumer_key: str
    consumer_secret: str  # "" when no target holds it (styles without a secret)
    username: str
    login_url: str
    instance_url: str
    api_name: str | None = None  # the JSON file names its app; a .env does not


_MARK = "\x00stored:{}\x00"


def _env_names(fmt) -> dict[str, str]:  # noqa: ANN001
    """Which variable of this .env style holds which fact (the writer's own map, read backwards)."""
    facts = CredentialFacts(**{name: _MARK.format(name) for name in
                               ("consumer_key", "consumer_secret", "username", "login_url", "instance_url",
                                "private_key_path", "audience")})
    values = env_values(fmt, facts, key_pem="-----BEGIN PRIVATE KEY-----" if fmt.key_form else None)
    return {fact: variable for variable, value in values.items() for fact in ("consumer_key", "consumer_secret",
            "username", "login_url", "instance_url") if value == _MARK.format(fact)}


def _from_env(path: Path, fmt) -> dict[str, str] | None:  # noqa: ANN001
    from dotenv import dotenv_values

    values = dotenv_values(path)
    found = {fact: values.get(variable) or "" for fact, variable in _env_names(fmt).items()}
    return found if found.get("consumer_key") else None


def _from_json(path: Path) -> dict[str, str] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not record.get("consumer_key"):
        return None
    return {k: str(record.get(k) or "") for k in ("consumer_key", "consumer_secret", "username", "login_url",
                                                   "instance_url", "api_name")}


def read(targets) -> StoredCredentials | None:  # noqa: ANN001 - one_org.CredentialTargets
    """What the targets hold, when every one exists, can be read and agrees with the others; else None."""
    records = []
    try:
        if targets.env_file is not None:
            records.append(_from_env(Path(targets.env_file), targets.format) if Path(targets.env_file).is_file()
                           else None)
        if targets.json_file is not None:
            records.append(_from_json(Path(targets.json_file)) if Path(targets.json_file).is_file() else None)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not records or any(r is None for r in records):
        return None
    merged: dict[str, str] = {}
    for record in records:
        for fact, value in record.items():
            if value and merged.setdefault(fact, value) != value:
                return None  # the files disagree: neither can be trusted
    # a file whose style stores the secret must get one back: without it we cannot rewrite it, so nothing is kept
    needs_secret = targets.json_file is not None or "consumer_secret" in _env_names(targets.format)
    if needs_secret and not merged.get("consumer_secret"):
        return None
    return StoredCredentials(consumer_key=merged["consumer_key"], consumer_secret=merged.get("consumer_secret", ""),
                             username=merged.get("username", ""), login_url=merged.get("login_url", ""),
                             instance_url=merged.get("instance_url", ""), api_name=merged.get("api_name") or None)


def _client_credentials(instance_url: str, consumer_key: str, consumer_secret: str) -> bool:
    from .verify import TokenRefused, exchange_client_credentials

    try:
        exchange_client_credentials(instance_url, consumer_key, consumer_secret, CHECK_TIMEOUT_SECONDS)
    except TokenRefused:
        return False
    return True


def prove(stored: StoredCredentials, org, spec, key_pem: str):  # noqa: ANN001, ANN201
    """The token of a JWT exchange with the stored key (and the secret proved where the app allows it), or None."""
    from .verify import exchange_jwt

    if stored.username.lower() != org.username.lower() or not spec.jwt_bearer:
        return None
    if stored.api_name and stored.api_name != spec.api_name:
        return None  # the spec now names another app
    instance_url = stored.instance_url or None
    try:
        token = exchange_jwt(org.login_url, stored.consumer_key, org.username, key_pem, timeout=CHECK_TIMEOUT_SECONDS,
                             instance_url=instance_url)
        if spec.client_credentials and stored.consumer_secret and not _client_credentials(
                instance_url or org.login_url, stored.consumer_key, stored.consumer_secret):
            return None
    except (ProvisionerError, OSError):
        return None
    return token


# --- when the pair was issued (the nightly job's rotate_after_days) -----------------------------------------------
#: beside the first credentials file: `<file>.issued.json` = {"consumer_key", "issued_at" (ISO 8601, UTC),
#: "rotating" (a rotation started and not finished yet)}
ISSUED_SUFFIX = ".issued.json"


@dataclass(frozen=True)
class Issued:
    consumer_key: str
    issued_at: datetime
    #: a rotation started from this record and has not finished: due whatever the age, until it has
    rotating: bool = False

    def age_days(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(timezone.utc)) - self.issued_at).total_seconds() / 86400


def issued_path(targets) -> Path | None:  # noqa: ANN001 - one_org.CredentialTargets
    paths = targets.paths()
    return Path(str(paths[0]) + ISSUED_SUFFIX) if paths else None


def read_issued(targets) -> Issued | None:  # noqa: ANN001
    """The record beside the credentials, or None when there is none or it cannot be read (the clock starts again)."""
    path = issued_path(targets)
    if path is None or not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        issued_at = datetime.fromisoformat(record["issued_at"])
        key = str(record["consumer_key"])
        rotating = record.get("rotating", False) is True
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    if issued_at.tzinfo is None:
        issued_at = issued_at.replace(tzinfo=timezone.utc)
    return Issued(consumer_key=key, issued_at=issued_at, rotating=rotating) if key else None


def note_issued(targets, consumer_key: str, *, create: bool,  # noqa: ANN001
                now: datetime | None = None) -> Issued | None:
    """Called wherever a pair is written or found: the record is kept as it is while it names `consumer_key`; written
    anew (issued now) when it names another key (a new pair: a new app's, or a rotation's), or when there is none and
    `create` (the first run that keeps the clock). During a rotation (`rotating`) the new pair the rotation writes
    keeps the old pair's clock, so a rotation cut short (exit 90, or killed) stays due and the next run finishes it.
    None: no record and not `create`."""
    path = issued_path(targets)
    if path is None or not consumer_key:
        return None
    current = read_issued(targets)
    if current is not None and current.consumer_key == consumer_key:
        return current
    if current is None and not (create or path.exists()):
        return None
    if current is not None and current.rotating:
        return _write_issued(path, Issued(consumer_key, current.issued_at, rotating=True))
    return _write_issued(path, Issued(consumer_key, now or datetime.now(timezone.utc)))


def rotation_started(targets, issued: Issued) -> Issued:  # noqa: ANN001
    """Before a rotation's first step: the record says one is under way (kept until `rotation_finished`)."""
    return _write_issued(issued_path(targets), Issued(issued.consumer_key, issued.issued_at, rotating=True))


def rotation_not_started(targets, issued: Issued) -> Issued:  # noqa: ANN001
    """The rotation was refused before it changed anything (the org's setting, a permission): the record as it was."""
    return _write_issued(issued_path(targets), Issued(issued.consumer_key, issued.issued_at))


def rotation_finished(targets, consumer_key: str, now: datetime | None = None) -> Issued:  # noqa: ANN001
    """The rotation's new pair is in the files and the old one deleted: its clock starts now."""
    return _write_issued(issued_path(targets), Issued(consumer_key, now or datetime.now(timezone.utc)))


def _write_issued(path: Path, issued: Issued) -> Issued:
    """The one writer of the record: atomic, 0600, like the credentials."""
    from .credentials import write_json

    issued = Issued(issued.consumer_key, issued.issued_at.astimezone(timezone.utc).replace(microsecond=0),
                    issued.rotating)
    record = {"consumer_key": issued.consumer_key, "issued_at": issued.issued_at.isoformat()}
    if issued.rotating:
        record["rotating"] = True
    write_json(path, record)
    return issued


__all__ = ["Issued", "StoredCredentials", "issued_path", "note_issued", "prove", "read", "read_issued",
           "rotation_finished", "rotation_not_started", "rotation_started"]
