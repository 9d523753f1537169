"""The Salesforce CLI as the source of an org's session: `-o/--target-org ALIAS|USERNAME` instead of a password.

`describe` asks `sf org display --json` who and where the org is (no secret in it: the CLI redacts the token);
`frontdoor_url` asks `sf org open --url-only --json` for the single-use front door link it builds from
/services/oauth2/singleaccess (@salesforce/core Org.getFrontDoorUrl), right before the browser needs it: the link
works once and not for long. An org without that endpoint gets frontdoor.jsp with the CLI's access token instead.
Every refusal is one line that says what to run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import ConfigError, LoginError

#: where the front door opens: Setup's home, where the login flow lands too
SETUP_HOME = "/lightning/setup/SetupOneHome/home"
SF_NOT_FOUND = ("`sf` is not on PATH: install the Salesforce CLI (npm install --global @salesforce/cli, Node 22+), "
                "or log in with a password instead of --target-org")
#: never handed to `sf`: the admin's and the mailbox's secrets (it needs none of them)
PRIVATE_VARIABLES = ("SALESFORCE_PASSWORD", "SALESFORCE_TOTP_SECRET", "IMAP_PASSWORD", "SALESFORCE_CONSUMER_SECRET",
                     "IMAP_OAUTH2_CLIENT_SECRET", "IMAP_OAUTH2_REFRESH_TOKEN")
#: what the CLI says when its token no longer works (jsforce / @salesforce/core error names and texts)
_EXPIRED_WORDS = ("invalid_session_id", "session expired", "expired access/refresh token", "invalid_grant",
                  "refreshtokenautherror", "unable to refresh", "bad_oauth_token")
_UNKNOWN_ORG_NAMES = ("NamedOrgNotFoundError", "NamedOrgNotFound", "NoOrgFound", "NoAuthInfoFound")


@dataclass(frozen=True)
class CliOrg:
    """An org the Salesforce CLI holds a session for."""

    target_org: str  # as the user named it: alias or username
    username: str
    instance_url: str
    org_id: str = ""


class SfCommandFailed(Exception):
    """`sf` answered with an error object: its name and message (never a secret: the CLI redacts tokens)."""

    def __init__(self, name: str, message: str, status: int):
        super().__init__(message)
        self.name, self.message, self.status = name, message, status


def sf_executable() -> str:
    sf = shutil.which("sf")
    if sf is None:
        raise ConfigError(SF_NOT_FOUND)
    return sf


def sf_environment(secrets: Any = ()) -> dict[str, str]:
    """Our environment, less every variable holding a secret of the run (`secrets`: any iterable of values)."""
    values = [s for s in secrets if s]
    return {k: v for k, v in os.environ.items()
            if k not in PRIVATE_VARIABLES and k != "SF_CONTENT_TYPE" and not any(s in v for s in values)}


def run_sf(*args: str, timeout: float = 180) -> dict[str, Any]:
    """Run `sf ARGS --json`; its `result`, or SfCommandFailed with the CLI's error name and message."""
    try:
        proc = subprocess.run([sf_executable(), *args, "--json"], capture_output=True, text=True, timeout=timeout,
                              env=sf_environment())
    except subprocess.TimeoutExpired:
        raise LoginError(f"`sf {' '.join(args[:2])}` did not answer within {timeout:.0f} s") from None
    try:
        payload = json.loads(proc.stdout)
    except ValueError:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise SfCommandFailed("NoJson", last, proc.returncode) from None
    if proc.returncode != 0 or payload.get("status", 0) != 0:
        raise SfCommandFailed(str(payload.get("name") or "SfError"), str(payload.get("message") or "").strip(),
                              int(payload.get("status") or proc.returncode or 1))
    return payload.get("result") or {}


def _login_again(target_org: str) -> str:
    return f"run `sf org login web -o {target_org}` and try again"


def _explain(exc: SfCommandFailed, target_org: str, what: str) -> Exception:
    """The CLI's refusal as one line of ours: an unknown org is a setting, a stale session a login."""
    first = (exc.message.splitlines() or [exc.name])[0]
    if exc.name in _UNKNOWN_ORG_NAMES or "no authorization information found" in first.lower():
        return ConfigError(f"the Salesforce CLI has no org {target_org!r} (--target-org): log in to it with "
                           f"`sf org login web -o {target_org}` (`sf org list` shows the orgs it knows)")
    if any(word in f"{exc.name} {first}".lower() for word in _EXPIRED_WORDS):
        return LoginError(f"the Salesforce CLI's session for {target_org} has expired or was revoked ({first}): "
                          f"{_login_again(target_org)}")
    return LoginError(f"the Salesforce CLI could not {what} for {target_org} ({exc.name}: {first}): "
                      f"{_login_again(target_org)}")


def describe(target_org: str) -> CliOrg:
    """Who and where the org is, from `sf org display`; a session the CLI cannot refresh stops here."""
    target_org = target_org.strip()
    if not target_org:
        raise ConfigError("--target-org is empty: name an alias or username the Salesforce CLI knows")
    try:
        result = run_sf("org", "display", "--target-org", target_org)
    except SfCommandFailed as exc:
        raise _explain(exc, target_org, "describe the org") from None
    status = result.get("connectedStatus")
    if status not in (None, "Connected"):  # scratch orgs report none
        raise LoginError(f"the Salesforce CLI's session for {target_org} does not work ({status}): "
                         f"{_login_again(target_org)}")
    username, instance_url = str(result.get("username") or ""), str(result.get("instanceUrl") or "").rstrip("/")
    if not username or not instance_url:
        raise LoginError(f"`sf org display` names no username or instance URL for {target_org}: "
                         f"{_login_again(target_org)}")
    return CliOrg(target_org=target_org, username=username, instance_url=instance_url, org_id=str(result.get("id") or ""))


def frontdoor_url(target_org: str, path: str = SETUP_HOME) -> str:
    """A front door link that opens `path` with the CLI's session, as `sf org open --url-only` builds it."""
    try:
        result = run_sf("org", "open", "--url-only", "--target-org", target_org, "--path", path)
    except SfCommandFailed as exc:
        if exc.name != "FrontdoorURLError" and "not_found" not in exc.message.lower():
            raise _explain(exc, target_org, "open a front door link") from None
        return _frontdoor_with_token(target_org, path)  # an org without /services/oauth2/singleaccess
    url = str(result.get("url") or "")
    if urlsplit(url).scheme not in ("https", "http"):
        raise LoginError(f"`sf org open --url-only` gave no front door link for {target_org}: "
                         f"{_login_again(target_org)}")
    return url


def _frontdoor_with_token(target_org: str, path: str) -> str:
    """frontdoor.jsp with the CLI's access token (the documented form, before single-access links)."""
    org = describe(target_org)
    try:
        token = str(run_sf("org", "auth", "show-access-token", "--target-org", target_org).get("accessToken") or "")
    except SfCommandFailed as exc:
        raise _explain(exc, target_org, "show its access token") from None
    if not token or token.startswith("[REDACTED]"):
        raise LoginError(f"the Salesforce CLI gave no access token for {target_org}: {_login_again(target_org)}")
    return f"{org.instance_url}/secur/frontdoor.jsp?sid={quote(token, safe='')}&retURL={quote(path, safe='')}"
