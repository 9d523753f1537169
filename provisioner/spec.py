"""What to build: the app spec, declared once as typed models (pydantic). The same declaration validates spec files
and flags and is published as a JSON Schema (schemas/app-spec.schema.json) so editors can check spec files.

The defaults reproduce the standard set-up: an External Client App for the Salesforce CLI's JWT login
(`sf org login jwt`), admin-approved users only, System Administrator profile.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
import typing
import urllib.parse
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from .errors import ConfigError, InvalidCallbackUrlError, SpecFileError, UnknownSpecKeyError

#: external_client_app: an External Client App (Lightning Setup); connected_app: the classic Connected App that
#: Dev Hub orgs still need ("Manage Consumer Details")
AppType = Literal["external_client_app", "connected_app"]
PermittedUsers = Literal["admin_approved", "self_authorized"]
RefreshTokenPolicyKind = Literal["expire_after", "expire_if_unused", "valid_until_revoked", "expire_immediately"]
RefreshTokenUnit = Literal["hours", "days", "months"]
IpRelaxation = Literal["enforce", "relax", "relax_with_second_factor"]
DistributionState = Literal["Local", "Packaged"]
#: a Connected App's "Timeout Value" picklist, in minutes (15 minutes ... 24 hours)
SESSION_TIMEOUT_CHOICES = (15, 30, 60, 120, 240, 480, 720, 1440)
#: an External Client App takes any whole number of minutes ("Session Timeout in Minutes", Metadata
#: sessionTimeoutInMinutes); the range Setup accepts is not public: up to the org's longest session, 24 hours
ECA_SESSION_TIMEOUT_MAX = 1440

# the choices as tuples, for code that lists them (flags, docs)
APP_TYPES = typing.get_args(AppType)
PERMITTED_USERS = typing.get_args(PermittedUsers)
REFRESH_TOKEN_POLICIES = typing.get_args(RefreshTokenPolicyKind)
REFRESH_TOKEN_UNITS = typing.get_args(RefreshTokenUnit)
IP_RELAXATION = typing.get_args(IpRelaxation)
DISTRIBUTION_STATES = typing.get_args(DistributionState)


class _SpecPart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RefreshTokenPolicy(_SpecPart):
    """App Authorization > Refresh Token Policy."""

    policy: RefreshTokenPolicyKind = "expire_after"
    period: StrictInt = Field(90, description="Used by expire_after and expire_if_unused; at least 1.")
    unit: RefreshTokenUnit = "days"


class Policies(_SpecPart):
    """The app's policies (Edit Policies)."""

    permitted_users: PermittedUsers = Field(
        "admin_approved", description='admin_approved: "Admin approved users are pre-authorized".')
    profiles: tuple[StrictStr, ...] = Field(("System Administrator",), description="Pre-authorised profiles.")
    permission_sets: tuple[StrictStr, ...] = Field((), description="Pre-authorised permission sets (API names).")
    refresh_token: RefreshTokenPolicy = RefreshTokenPolicy()
    session_timeout_minutes: StrictInt | None = Field(
        15, description="Session timeout in minutes. An External Client App takes a whole number from 1 to 1440; a "
                        "Connected App one of its picklist's 15, 30, 60, 120, 240, 480, 720 or 1440. 0 or none: the "
                        "org's default.")
    ip_relaxation: IpRelaxation = "enforce"
    run_as: StrictStr | None = Field(
        None, description="Run As (Username) of the client credentials flow, set on the Policies page (with its own "
                          "Enable Client Credentials Flow box). The user needs the API Only User permission. Same "
                          "setting as the top-level run_as; needs client_credentials = true.")


class AppSpec(_SpecPart):
    """An app spec: every key has a default; a file names only what it changes."""

    app_type: AppType = "external_client_app"
    name: StrictStr = Field("Salesforce CLI JWT", description='"External Client App Name" (label), up to 80.')
    api_name: StrictStr = Field("", description="API name; derived from name when empty.")
    contact_email: StrictStr | None = Field(None, description="Required; defaults to the org username.")
    distribution: DistributionState = "Local"
    description: StrictStr = "JWT bearer login for the Salesforce CLI and CI jobs."
    callback_urls: tuple[StrictStr, ...] = ("http://localhost:1717/OauthRedirect",)
    scopes: tuple[StrictStr, ...] = ("api", "web", "refresh_token offline_access")
    jwt_bearer: StrictBool = True
    client_credentials: StrictBool = False
    run_as: StrictStr | None = Field(None, description="Username the client credentials flow runs as (required "
                                                       "when client_credentials is on).")
    auth_code_credentials: StrictBool = False
    require_secret_web_server: StrictBool = True
    require_secret_refresh: StrictBool = True
    pkce: StrictBool = True
    policies: Policies = Policies()

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, not tuples), e.g. for JSON output or a plan."""
        return self.model_dump(mode="json")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file (published as schemas/app-spec.schema.json)."""
    schema = AppSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "provisioner app spec"
    return schema


def derive_api_name(name: str) -> str:
    """Salesforce API names: letters, digits and single underscores, starting with a letter, no trailing '_'."""
    api = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    if not api:
        return "App"
    if not api[0].isalpha():
        api = "X" + api
    return api[:80]


_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def check_callback_url(url: str) -> str:
    """Salesforce accepts https, http only for localhost, or a custom scheme (mobile apps); never script schemes."""
    if not isinstance(url, str) or not url.strip() or any(c.isspace() for c in url.strip()):
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it must be a URL without spaces")
    url = url.strip()
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if not scheme:
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it needs a scheme such as https://")
    if scheme in ("javascript", "data", "file", "vbscript"):
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: the {scheme}: scheme is not allowed")
    if parsed.fragment or url.endswith("#"):
        raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it must not contain a #fragment")
    if scheme in ("http", "https"):
        if not parsed.hostname:
            raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: it has no host")
        if scheme == "http" and parsed.hostname.lower() not in _LOOPBACK_HOSTS:
            raise InvalidCallbackUrlError(f"invalid callback URL {url!r}: use https (http is only for localhost)")
    return url


# --- reading a spec ------------------------------------------------------------------------------------------------

def load_spec(
    path: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    default_contact_email: str | None = None,
) -> AppSpec:
    """Read an app spec: defaults, then the TOML file (if any), then `overrides` (flags; None values ignored).

    Override keys are spec keys, dotted for nested ones: {"name": ..., "policies.session_timeout_minutes": 30,
    "policies.refresh_token.period": 30}. `default_contact_email` (usually the org username) fills a missing
    contact_email. Every error is one line naming the file (or the flags) and the key.
    """
    data: dict[str, Any] = {}
    source = "the built-in defaults"
    if path is not None:
        source = str(path)
        data = _read_toml(spec_file(path))
    _validate(data, source)  # a mistake in the file is reported against the file
    if overrides:
        data = copy.deepcopy(data)
        for dotted, value in overrides.items():
            if value is not None:
                _set_dotted(data, dotted, value)
        source = "command-line flags" if path is None else f"{source} or command-line flags"
    return _checked(_validate(data, source), source, default_contact_email)


#: the specs that ship with provisioner (provisioner/specs/NAME.toml), usable by name: `--spec sf-cli-jwt`
BUILTIN_SPECS_DIR = Path(__file__).resolve().parent / "specs"


def builtin_specs() -> list[str]:
    return sorted(p.stem for p in BUILTIN_SPECS_DIR.glob("*.toml"))


def spec_file(path: str | os.PathLike) -> Path:
    """`path` itself; or, when no such file exists and it is a bare name, the built-in spec of that name (with or
    without .toml), so an installed provisioner finds its own specs wherever it runs."""
    given = Path(path)
    if given.exists() or given.name != str(path):
        return given
    for name in (given.name, f"{given.name}.toml"):
        builtin = BUILTIN_SPECS_DIR / name
        if builtin.suffix == ".toml" and builtin.is_file():
            return builtin
    return given


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        hint = f" (built-in specs by name: {', '.join(builtin_specs())})" if not path.exists() else ""
        raise SpecFileError(f"cannot read app spec {path}: {exc.strerror or exc}{hint}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecFileError(f"app spec {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecFileError(f"app spec {path} is not valid TOML: {exc}") from None


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.replace("-", "_").split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise UnknownSpecKeyError(f"unknown key '{dotted}' in command-line flags")
    node[parts[-1]] = list(value) if isinstance(value, tuple) else value


def _validate(data: Mapping[str, Any], source: str) -> AppSpec:
    try:
        return AppSpec.model_validate(_normalised(AppSpec, data))
    except ValidationError as exc:
        raise _one_line(exc, source) from None


def _normalised(model: type[BaseModel], data: Any) -> Any:
    """Forgiving spellings a person writes, mapped onto the declared values: 'Connected-App' -> connected_app,
    'Days' -> days; a single string where a list is expected; session_timeout_minutes = 0 (TOML has no null)."""
    if not isinstance(data, Mapping):
        return data
    out = dict(data)
    for name, value in data.items():
        field = model.model_fields.get(name)
        if field is None:
            continue  # unknown: the validation names it
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            out[name] = _normalised(kind, value)
        elif typing.get_origin(kind) is Literal and isinstance(value, str):
            wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
            out[name] = next((c for c in typing.get_args(kind) if str(c).lower() == wanted), value)
        elif typing.get_origin(kind) is tuple and isinstance(value, str):
            out[name] = [value]
        elif name == "session_timeout_minutes" and value == 0:
            out[name] = None
    return out


_TYPE_WORDS = {
    "bool_type": "must be true or false", "int_type": "must be a whole number", "string_type": "must be a string",
    "tuple_type": "must be a list of strings", "list_type": "must be a list of strings",
    "model_type": "must be a table", "dict_type": "must be a table", "model_attributes_type": "must be a table",
}


def _one_line(exc: ValidationError, source: str) -> ConfigError:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    key = ".".join(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return UnknownSpecKeyError(f"unknown key '{key}' in {source}")
    if kind == "literal_error":
        choices = ", ".join(str(c) for c in typing.get_args(_annotation_at(loc)))
        return SpecFileError(f"{source}: '{key}' must be one of {choices} (got {error['input']!r})")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return SpecFileError(f"{source}: '{key}' must be a table ([{key}])")
    words = _TYPE_WORDS.get(kind, error["msg"].lower())
    if len(error["loc"]) > len(loc):  # an item of a list
        words = "must be a list of strings"
    return SpecFileError(f"{source}: '{key}' {words}")


def _annotation_at(loc: list[str]) -> Any:
    model: Any = AppSpec
    kind: Any = None
    for part in loc:
        kind = model.model_fields[part].annotation
        model = kind
    return kind


def _checked(spec: AppSpec, source: str, default_contact_email: str | None) -> AppSpec:
    """The rules that span keys or need more than a type: names, addresses, URLs, flows that need each other."""
    name = spec.name.strip()
    if not name:
        raise SpecFileError(f"{source}: 'name' must not be empty")
    if len(name) > 80:
        raise SpecFileError(f"{source}: 'name' is longer than 80 characters")
    api_name = spec.api_name.strip() or derive_api_name(name)
    if not _API_NAME.match(api_name):
        raise SpecFileError(
            f"{source}: 'api_name' {api_name!r} must start with a letter and use only letters, digits and single "
            "underscores, not ending with one"
        )
    contact = (spec.contact_email or default_contact_email or "").strip()
    if not contact:
        raise ConfigError(
            f"{source}: no contact email: set 'contact_email' in the spec or pass --contact-email "
            "(defaults to the org username when one is known)"
        )
    if not _EMAIL.match(contact):
        raise SpecFileError(f"{source}: 'contact_email' {contact!r} is not an email address")
    if spec.app_type == "connected_app":
        unsupported = [key for key in ("client_credentials", "auth_code_credentials") if getattr(spec, key)]
        if unsupported:
            raise SpecFileError(f"{source}: {', '.join(unsupported)} is not supported with app_type = "
                                "\"connected_app\" yet (use an External Client App for it)")
    callbacks = tuple(check_callback_url(url) for url in spec.callback_urls if url.strip())
    if not callbacks:
        raise InvalidCallbackUrlError(f"{source}: at least one callback URL is required when OAuth is enabled")
    scopes = tuple(s for s in (_normalise_scope(s) for s in spec.scopes) if s)
    if not scopes:
        raise SpecFileError(f"{source}: 'scopes' must name at least one OAuth scope")
    run_as = _run_as(spec, source)
    if spec.client_credentials and not run_as:
        raise SpecFileError(f"{source}: 'run_as' (a username) is required when client_credentials is true")
    if not (spec.jwt_bearer or spec.client_credentials or spec.auth_code_credentials):
        raise SpecFileError(f"{source}: enable at least one flow (jwt_bearer, client_credentials, auth_code_credentials)")
    policies = spec.policies
    refresh = policies.refresh_token
    if refresh.policy in ("expire_after", "expire_if_unused") and refresh.period < 1:
        raise SpecFileError(f"{source}: 'policies.refresh_token.period' must be at least 1")
    _check_session_timeout(spec.app_type, policies.session_timeout_minutes, source)
    policies = policies.model_copy(update={
        "profiles": tuple(p.strip() for p in policies.profiles if p.strip()),
        "permission_sets": tuple(p.strip() for p in policies.permission_sets if p.strip()),
        # the Policies page's client credentials box is on exactly when the flow is
        "run_as": run_as if spec.client_credentials else None,
    })
    return spec.model_copy(update={
        "name": name, "api_name": api_name, "contact_email": contact, "callback_urls": callbacks, "scopes": scopes,
        "run_as": run_as, "policies": policies,
    })


def _run_as(spec: AppSpec, source: str) -> str | None:
    """The client credentials flow's Run As, given at the top level or in [policies] (the same setting)."""
    top = (spec.run_as or "").strip() or None
    in_policies = (spec.policies.run_as or "").strip() or None
    if top and in_policies and top.lower() != in_policies.lower():
        raise SpecFileError(f"{source}: 'run_as' ({top}) and 'policies.run_as' ({in_policies}) name different users: "
                            "give the Run As user once")
    return top or in_policies


def _check_session_timeout(app_type: str, timeout: int | None, source: str) -> None:
    """A Connected App's picklist value, or an External Client App's whole number of minutes."""
    if timeout is None:
        return
    if app_type == "connected_app":
        if timeout not in SESSION_TIMEOUT_CHOICES:
            choices = ", ".join(str(m) for m in SESSION_TIMEOUT_CHOICES)
            raise SpecFileError(f"{source}: 'policies.session_timeout_minutes' must be one of the values a Connected "
                                f"App's Timeout Value offers ({choices}), not {timeout}")
    elif not 1 <= timeout <= ECA_SESSION_TIMEOUT_MAX:
        raise SpecFileError(f"{source}: 'policies.session_timeout_minutes' must be a whole number of minutes from 1 to "
                            f"{ECA_SESSION_TIMEOUT_MAX} (0: the org's default), not {timeout}")


def _normalise_scope(scope: str) -> str:
    """'refresh_token, offline_access' and 'refresh_token offline_access' are the same Setup option."""
    return " ".join(part for part in re.split(r"[\s,]+", scope.strip()) if part)
