"""Org data TOML -> OrgConfig -> a populated SimOrg.

File format (see default_org.toml): `[org]` with name, sandbox, sandbox_name, lockout_attempts, lockout_minutes,
session_timeout_minutes, connected_apps_allowed, login_style ("classic" | "two_step") and a `profiles` list;
`[[permission_sets]]` with name + label; `[[users]]` with username, email, first_name, last_name, profile,
permission_sets, admin, totp, mfa ("totp" | "sms"), mobile_phone, phone_registration_prompt, unrecognised_device,
api_enabled ("API Enabled", default true) and
optional password / totp_secret (generated from the seed when absent).
"""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .model import PermissionSet, Profile, User
from .org import OrgConfig, SimOrg

DEFAULT_ORG_DATA = Path(__file__).with_name("default_org.toml")

_ORG_KEYS = {"name", "sandbox", "sandbox_name", "lockout_attempts", "lockout_minutes", "session_timeout_minutes",
             "profiles", "code_ttl_minutes", "connected_apps_allowed", "login_style"}
LOGIN_STYLES = ("classic", "two_step")
MFA_KINDS = ("totp", "sms")
_USER_KEYS = {"username", "email", "first_name", "last_name", "profile", "permission_sets", "admin", "totp",
              "unrecognised_device", "password", "totp_secret", "active", "mfa", "mobile_phone",
              "phone_registration_prompt", "api_enabled"}
_BASE32 = string.ascii_uppercase + "234567"


def load_org_config(path: str | Path | None = None) -> OrgConfig:
    """Read an org data file (the default org when `path` is None) into an OrgConfig."""
    source = Path(path) if path else DEFAULT_ORG_DATA
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read org data file {source}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"org data file {source} is not valid TOML: {exc}") from None
    return config_from_dict(data, source=str(source))


def config_from_dict(data: dict[str, Any], *, source: str = "org data") -> OrgConfig:
    org = data.get("org", {})
    unknown = set(org) - _ORG_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown [org] keys: {', '.join(sorted(unknown))}")
    users = data.get("users", [])
    if not users:
        raise ConfigError(f"{source}: at least one [[users]] entry is needed")
    for entry in users:
        bad = set(entry) - _USER_KEYS
        if bad:
            raise ConfigError(f"{source}: unknown [[users]] keys: {', '.join(sorted(bad))}")
        if not entry.get("username") or not entry.get("profile"):
            raise ConfigError(f"{source}: every user needs a username and a profile")
        mfa = entry.get("mfa")
        if mfa is not None and mfa not in MFA_KINDS:
            raise ConfigError(f"{source}: user {entry['username']}: mfa must be one of {', '.join(MFA_KINDS)}")
        if mfa == "sms" and entry.get("totp"):
            raise ConfigError(f"{source}: user {entry['username']}: mfa = \"sms\" and totp = true exclude each other")
    login_style = str(org.get("login_style", "classic"))
    if login_style not in LOGIN_STYLES:
        raise ConfigError(f"{source}: login_style must be one of {', '.join(LOGIN_STYLES)}, not {login_style!r}")
    profiles = list(org.get("profiles", []))
    for entry in users:
        if entry["profile"] not in profiles:
            raise ConfigError(f"{source}: user {entry['username']} has unknown profile {entry['profile']!r}")
    permission_sets = [(p["name"], p.get("label", p["name"].replace("_", " "))) for p in data.get("permission_sets", [])]
    admin = next((u for u in users if u.get("admin")), users[0])
    sandbox = bool(org.get("sandbox", False))
    sandbox_name = str(org.get("sandbox_name", "")).strip()
    if sandbox and not sandbox_name:
        raise ConfigError(f"{source}: a sandbox org needs sandbox_name (usernames get '.<sandbox_name>')")
    config = OrgConfig(
        name=str(org.get("name", "Acme Corporation")),
        sandbox=sandbox,
        sandbox_name=sandbox_name if sandbox else "",
        admin_username=admin["username"],
        profiles=profiles,
        permission_sets=permission_sets,
        users=[dict(u) for u in users],
    )
    if "lockout_attempts" in org:
        config.lockout_attempts = int(org["lockout_attempts"])
    if "lockout_minutes" in org:
        config.lockout_minutes = int(org["lockout_minutes"])
    if "session_timeout_minutes" in org:
        config.session_timeout_seconds = int(org["session_timeout_minutes"]) * 60
    if "connected_apps_allowed" in org:
        config.connected_apps_allowed = bool(org["connected_apps_allowed"])
    if "code_ttl_minutes" in org:
        config.code_ttl_seconds = int(org["code_ttl_minutes"]) * 60
    config.login_style = login_style
    return config


def sandbox_username(config: OrgConfig, username: str) -> str:
    """Sandbox copies of users carry the sandbox name as a suffix: admin@acme.example.uat."""
    return f"{username}.{config.sandbox_name}" if config.sandbox else username


def populate(org: SimOrg) -> None:
    """Create the profiles, permission sets and users of `org.config` in `org` (ids and secrets from its seed)."""
    config = org.config
    with org.lock:
        for name in config.profiles:
            org.profiles[name] = Profile(org.ids.sf_id("00e"), name)
        for api_name, label in config.permission_sets:
            org.permission_sets[api_name] = PermissionSet(org.ids.sf_id("0PS"), api_name, label)
        for entry in config.users:
            username = sandbox_username(config, entry["username"])
            user = User(
                id=org.ids.sf_id("005"),
                username=username,
                password=entry.get("password") or _generate_password(org),
                email=entry.get("email") or entry["username"],
                first_name=entry.get("first_name", ""),
                last_name=entry.get("last_name", entry["username"].split("@")[0]),
                profile=entry["profile"],
                permission_sets=list(entry.get("permission_sets", [])),
                active=bool(entry.get("active", True)),
                totp_secret=((entry.get("totp_secret") or org.ids.token(32, _BASE32))
                             if entry.get("totp") or entry.get("mfa") == "totp" else None),
                unrecognised_device=bool(entry.get("unrecognised_device", False)),
                sms_mfa=entry.get("mfa") == "sms",
                mobile_phone=str(entry.get("mobile_phone") or ""),
                phone_registration_prompt=bool(entry.get("phone_registration_prompt", False)),
                api_enabled=bool(entry.get("api_enabled", True)),  # the "API Enabled" permission
            )
            if user.sms_mfa and not user.mobile_phone:
                user.mobile_phone = default_mobile_phone(org)
            for ps in user.permission_sets:
                if ps not in org.permission_sets:
                    raise ConfigError(f"user {entry['username']} has unknown permission set {ps!r}")
            org.users[username.lower()] = user
        config.admin_username = sandbox_username(config, config.admin_username)


def build_org(config: OrgConfig, *, seed: int | None = None) -> SimOrg:
    org = SimOrg(config, seed=seed)
    populate(org)
    return org


def default_mobile_phone(org: SimOrg) -> str:
    """A fictional US number (555-01xx is reserved for fiction) for SMS users whose data names none."""
    return f"+1 415 555 01{org.ids.digits(2)}"


def _generate_password(org: SimOrg) -> str:
    # Salesforce's default policy: 8+ characters with letters and numbers. Letters and digits only keep the
    # value safe in .env files and shells.
    body = org.ids.token(13, string.ascii_letters + string.digits)
    return body + org.ids.token(1, string.ascii_uppercase) + org.ids.token(1, string.ascii_lowercase) + org.ids.digits(1)
