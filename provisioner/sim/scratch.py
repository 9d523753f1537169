"""A Dev Hub's scratch orgs: `POST .../sobjects/ScratchOrgInfo` (what `sf org create scratch` sends) makes a second
simulated org, served on a port of its own, and the ScratchOrgInfo / ActiveScratchOrg rows that describe it.

As in a real Dev Hub [doc: "Authorize a Scratch Org" with the JWT bearer flow], the scratch org's users log in with
the Dev Hub's Connected App (its consumer key and certificate) at test.salesforce.com: the scratch org looks apps up
in its Dev Hub (SimOrg.app_by_consumer_key) and accepts the sandbox audience (oauth.accepted_audiences).
Field names follow the objects' public reference; which of them a real Dev Hub fills when is [none] beyond that.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta, timezone
from typing import Any

from .model import Profile, User
from .org import OrgConfig, SimOrg

SCRATCH_INFO_FIELDS = ("Id", "OrgName", "Edition", "Status", "SignupUsername", "SignupEmail", "ScratchOrg",
                       "LoginUrl", "AuthCode", "ExpirationDate", "CreatedDate", "DurationDays", "Namespace",
                       "ErrorCode")
ACTIVE_SCRATCH_FIELDS = ("Id", "ScratchOrg", "ScratchOrgInfoId", "SignupUsername", "Edition", "ExpirationDate",
                         "OrgName")
EDITIONS = ("Developer", "Enterprise", "Group", "Professional", "Partner Developer", "Partner Enterprise")
DEFAULT_DURATION_DAYS = 7
_PASSWORD_CHARS = string.ascii_letters + string.digits


class ScratchOrgRefused(ValueError):
    """A request the Dev Hub refuses (the REST layer answers with it as a field error)."""


def create_scratch_org(hub: SimOrg, fields: dict[str, Any]) -> dict[str, Any]:
    """Make a scratch org of `hub` as the ScratchOrgInfo `fields` ask; returns the new ScratchOrgInfo row."""
    serve = getattr(hub, "serve_scratch", None)
    if not hub.config.is_dev_hub or serve is None:
        raise ScratchOrgRefused("this org is not a Dev Hub")
    edition = str(fields.get("Edition") or "Developer")
    if edition not in EDITIONS:
        raise ScratchOrgRefused(f"bad value for restricted picklist field: {edition}")
    days = int(fields.get("DurationDays") or DEFAULT_DURATION_DAYS)
    if not 1 <= days <= 30:
        raise ScratchOrgRefused("DurationDays must be between 1 and 30")
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))
    username = str(fields.get("Username") or f"test-{suffix}@example.com").lower()
    hub_admin = hub.user(hub.config.admin_username)
    admin_email = str(fields.get("AdminEmail") or (hub_admin.email if hub_admin else username))
    config = OrgConfig(name=str(fields.get("OrgName") or f"{hub.config.name} Scratch"), scratch=True,
                       admin_username=username, login_host="my_domain",
                       propagation_seconds=hub.config.propagation_seconds)
    scratch = SimOrg(config)
    scratch.latency = hub.latency
    scratch.dev_hub = hub
    for name in ("System Administrator", "Standard User"):
        scratch.profiles[name] = Profile(scratch.ids.sf_id("00e"), name)
    password = "".join(secrets.choice(_PASSWORD_CHARS) for _ in range(16))
    scratch.users[username] = User(scratch.ids.sf_id("005"), username, password, admin_email, "User", "User",
                                   "System Administrator")
    login_url = serve(scratch)
    now = datetime.now(timezone.utc)
    expires = (now + timedelta(days=days)).date().isoformat()
    info = {"Id": hub.ids.sf_id("2SR"), "OrgName": config.name, "Edition": edition, "Status": "Active",
            "SignupUsername": username, "SignupEmail": admin_email, "ScratchOrg": scratch.org_id[:15],
            "LoginUrl": login_url, "AuthCode": None, "ExpirationDate": expires,
            "CreatedDate": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "DurationDays": days,
            "Namespace": fields.get("Namespace"), "ErrorCode": None}
    active = {"Id": hub.ids.sf_id("2AS"), "ScratchOrg": scratch.org_id[:15], "ScratchOrgInfoId": info["Id"],
              "SignupUsername": username, "Edition": edition, "ExpirationDate": expires, "OrgName": config.name}
    with hub.lock:
        hub.scratch_org_infos.append(info)
        hub.active_scratch_orgs.append(active)
        hub.scratch_orgs.append(scratch)
    scratch.trial_expiration = expires
    hub.log("scratch_org_created", username=username, scratch_org=info["ScratchOrg"])
    return info


def scratch_org(hub: SimOrg, username: str) -> SimOrg | None:
    """The scratch org whose admin is `username` (tests reach it through its Dev Hub)."""
    with hub.lock:
        return next((o for o in hub.scratch_orgs if o.user(username) is not None), None)
