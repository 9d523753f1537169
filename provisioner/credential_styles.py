"""The variable names a credentials .env uses, so a CI secret store takes the file as it is.

Three presets (`--credentials-style`, inventory `credentials.style`):

- `provisioner`: SALESFORCE_CONSUMER_KEY, SALESFORCE_CONSUMER_SECRET, SALESFORCE_USERNAME, SALESFORCE_LOGIN_URL,
  SALESFORCE_INSTANCE_URL and the key (SALESFORCE_JWT_KEY_FILE, or SALESFORCE_JWT_KEY / SALESFORCE_JWT_KEY_BASE64).
  `provisioner verify` reads these.
- `sf-cli`: the names Salesforce's CI guide for the Salesforce CLI sets (SF_CONSUMER_KEY, SF_USERNAME,
  SF_INSTANCE_URL), SF_AUDIENCE_URL (read by `sf` itself: the JWT audience, test.salesforce.com for a sandbox)
  and the key (SF_JWT_KEY_FILE, SF_JWT_KEY or SF_JWT_KEY_BASE64). `sf org login jwt` needs no consumer secret, so
  none is written. Then: `sf org login jwt --client-id "$SF_CONSUMER_KEY" --username "$SF_USERNAME"
  --instance-url "$SF_INSTANCE_URL" --jwt-key-file <(printf '%s' "$SF_JWT_KEY")`.
- `sfdx-hardis`: the per-branch names sfdx-hardis resolves for a major branch: SFDX_CLIENT_ID_<BRANCH> (the
  consumer key) and SFDX_CLIENT_CERT_<BRANCH> (the private key as PEM, which it uses as is when the value holds a
  PEM header). <BRANCH> is the branch name upper-cased, other characters than A-Z 0-9 _ as "_" (as sfdx-hardis
  does). The username and instance URL belong in its config/branches/.sfdx-hardis.<branch>.yml, not in variables.

`--embed-key pem|base64` puts the private key itself in the file (base64 of the PEM file: one line, as CI secret
stores often want); without it the file names the key file's path.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from .errors import ConfigError

STYLES = ("provisioner", "sf-cli", "sfdx-hardis")
EMBED_FORMS = ("pem", "base64")


@dataclass(frozen=True)
class CredentialFormat:
    """How the credentials .env names its variables and carries the key. Validated when made."""

    style: str = "provisioner"
    embed_key: str | None = None  # None: the key file's path; "pem" | "base64": the key itself
    branch: str | None = None  # sfdx-hardis: the major branch the org belongs to

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ConfigError(f"credentials style {self.style!r}: expected one of {', '.join(STYLES)}")
        if self.embed_key not in (None, *EMBED_FORMS):
            raise ConfigError(f"embed key {self.embed_key!r}: expected pem or base64")
        if self.style == "sfdx-hardis":
            if not self.branch:
                raise ConfigError("credentials style sfdx-hardis names its variables after a branch: give --branch "
                                  "(in an inventory, credentials.branch; default: the org's name)")
            if self.embed_key == "base64":
                raise ConfigError("sfdx-hardis reads SFDX_CLIENT_CERT_<BRANCH> as PEM: use --embed-key pem")
            if not branch_suffix(self.branch):
                raise ConfigError(f"branch {self.branch!r} gives no variable name")

    @property
    def key_form(self) -> str | None:
        """How the key travels: sfdx-hardis always carries the PEM (it has no variable for a path)."""
        return "pem" if self.style == "sfdx-hardis" else self.embed_key


def branch_suffix(branch: str) -> str:
    """sfdx-hardis's variable suffix for a branch: `uat-eu` -> `UAT_EU`."""
    return re.sub(r"[^A-Z0-9_]", "_", branch.upper())


@dataclass(frozen=True)
class CredentialFacts:
    """What an org's credentials are made of (one_org.OrgOutcome's fields)."""

    consumer_key: str
    consumer_secret: str
    username: str
    login_url: str
    instance_url: str
    private_key_path: str | None
    audience: str = ""


def key_value(form: str, key_pem: str) -> str:
    if form == "pem":
        return key_pem if key_pem.endswith("\n") else key_pem + "\n"
    return base64.b64encode(key_pem.encode("utf-8")).decode("ascii")


def env_values(fmt: CredentialFormat, facts: CredentialFacts, key_pem: str | None = None) -> dict[str, str]:
    """The variables, in the order they are written. `key_pem` is needed when the key is embedded."""
    form = fmt.key_form
    if form and not key_pem:
        raise ConfigError("the private key is to be embedded in the credentials, but none was read")
    if fmt.style == "sfdx-hardis":
        suffix = branch_suffix(fmt.branch or "")
        return {f"SFDX_CLIENT_ID_{suffix}": facts.consumer_key, f"SFDX_CLIENT_CERT_{suffix}": key_value("pem", key_pem)}
    prefix = "SF" if fmt.style == "sf-cli" else "SALESFORCE"
    values = {f"{prefix}_CONSUMER_KEY": facts.consumer_key}
    if fmt.style == "provisioner":
        values["SALESFORCE_CONSUMER_SECRET"] = facts.consumer_secret
    values[f"{prefix}_USERNAME"] = facts.username
    if fmt.style == "provisioner":
        values["SALESFORCE_LOGIN_URL"] = facts.login_url
    values[f"{prefix}_INSTANCE_URL"] = facts.instance_url
    if fmt.style == "sf-cli" and facts.audience:
        values["SF_AUDIENCE_URL"] = facts.audience
    if form == "pem":
        values[f"{prefix}_JWT_KEY"] = key_value("pem", key_pem)
    elif form == "base64":
        values[f"{prefix}_JWT_KEY_BASE64"] = key_value("base64", key_pem)
    else:
        values[f"{prefix}_JWT_KEY_FILE"] = facts.private_key_path or ""
    return values
