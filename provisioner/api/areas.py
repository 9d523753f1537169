"""The API path's Setup areas: an External Client App and its policies reconciled as metadata (retrieve, compare,
deploy only what differs) by the same loop as the browser areas (flows/reconcile.py), with the same change lines,
dry-run plan and "another app owns this name" guard (flows/eca_form.find). The `session` argument of the Area
protocol is ignored: these areas hold an ApiSession. Calls block, so they run in a worker thread."""

from __future__ import annotations

import asyncio

from provisioner.errors import AppNameTakenError, MetadataDeployError, SetupPageError
from provisioner.flows.app_settings import AppSettings, desired_settings, differences
from provisioner.flows.eca_form import LABELS, describe_new_app
from provisioner.flows.eca_policies import refresh_token_offered
from provisioner.flows.locators import eca_policies as P
from provisioner.flows.policy_settings import (PolicySettings, PolicyState, describe, desired_policies, lines,
                                               match_names, policy_changes)
from provisioner.flows.types import AppRef, Change

from . import eca_metadata as M
from .metadata_client import MetadataClient
from .session import ApiSession

#: the refresh token choices Edit Policies offers while the org limits idle refresh tokens (no "valid until revoked")
IDLE_LIMIT_CHOICES = tuple(text for key, text in P.REFRESH_TOKEN_CHOICES.items() if key != "valid_until_revoked")

#: the app's page in Setup (the External Client App Manager's link)
APP_PATH = "/lightning/setup/ManageExternalClientApplication/{id}/detail"


class MetadataAppArea:
    """ExternalClientApplication + ExtlClntAppOauthSettings + ExtlClntAppGlobalOauthSettings of one spec."""

    def __init__(self, api: ApiSession, spec, certificate_pem: str | None):  # noqa: ANN001 - spec.AppSpec
        self.api = api
        self.client = MetadataClient(api)
        self.spec = spec
        self.certificate_pem = certificate_pem
        self.desired = desired_settings(spec, certificate_pem)
        self._ids: dict[str, str] = {}  # api name (lower) -> 0xI id
        self._current: dict[str, M.Values | None] = {}  # type name -> retrieved values (find reads them too)
        self._problems: list[str] = []

    def _ref(self, name: str, api_name: str) -> AppRef:
        app_id = self._ids.get(api_name.lower(), "")
        url = self.api.instance_url.rstrip("/") + APP_PATH.format(id=app_id) if app_id else ""
        return AppRef(name, api_name, url)

    def app_id(self, ref: AppRef) -> str:
        """The app's id (0xI...), from the retrieve's fileProperties or the deploy that created it."""
        return self._ids.get(ref.api_name.lower(), "")

    def _find(self) -> AppRef | None:
        # every app's header (for the name guard) and this app's plugin files, in one retrieve
        members = {M.APP.name: ["*"], **{t.name: [t.component(self.spec.api_name)] for t in M.APP_TYPES[1:]}}
        retrieved = self.client.retrieve(members)
        self._read(self.spec.api_name, retrieved)
        apps = []
        for prop in retrieved.properties:
            if prop.get("type") != M.APP.name:
                continue
            values = M.parse(retrieved.files.get(prop.get("fileName", "").removeprefix("unpackaged/"), b"<x/>"))
            apps.append((str(values.get("label", "")), prop.get("fullName", "")))
            self._ids[prop.get("fullName", "").lower()] = prop.get("id", "")
        for label, api_name in apps:
            if api_name.lower() == self.spec.api_name.lower():
                return self._ref(label, api_name)
        for label, api_name in apps:  # the browser guard's rule (flows/eca_form.find)
            if label.strip().lower() == self.spec.name.strip().lower():
                raise AppNameTakenError(
                    f"an External Client App named {label!r} already exists with API name {api_name!r}, not "
                    f"{self.spec.api_name!r}: rename one of them, or set api_name = {api_name!r} in the spec to "
                    "manage it")
        return None

    async def find(self, session) -> AppRef | None:  # noqa: ANN001 - FlowSession, unused
        return await asyncio.to_thread(self._find)

    def describe_new(self) -> str:
        return describe_new_app(self.spec, self.desired)

    def _files(self, types: list[M.MetadataType]) -> dict[str, bytes]:
        spec, api_name = self.spec, self.spec.api_name
        wanted = {M.APP: M.header_values(spec), M.OAUTH_SETTINGS: M.oauth_values(spec),
                  M.GLOBAL_OAUTH: M.global_values(spec, self.certificate_pem)}
        files, members = {}, {}
        for mtype in types:
            name = mtype.component(api_name)
            files[mtype.path(name)] = M.render(mtype, M.merged(self._current.get(mtype.name), wanted[mtype]))
            members[mtype.name] = [name]
        files["package.xml"] = M.package_xml(members, self.api.api_version)
        return files

    def _create(self) -> AppRef:
        outcome = self.client.deploy(self._files(list(M.APP_TYPES)))
        self._ids[self.spec.api_name.lower()] = outcome.id_of(M.APP.name, self.spec.api_name) or ""
        return self._ref(self.desired.name, self.spec.api_name)

    async def create(self, session) -> AppRef:  # noqa: ANN001
        return await asyncio.to_thread(self._create)

    def _read(self, api_name: str, retrieved) -> None:  # noqa: ANN001 - metadata_client.Retrieved
        self._current = {}
        for mtype in M.APP_TYPES:
            data = retrieved.files.get(mtype.path(mtype.component(api_name)))
            self._current[mtype.name] = M.parse(data) if data else None
        self._problems = retrieved.problems

    def _retrieve(self, ref: AppRef) -> AppSettings:
        api_name = ref.api_name
        if self._current.get(M.APP.name) is None or api_name.lower() != self.spec.api_name.lower():
            retrieved = self.client.retrieve({t.name: [t.component(api_name)] for t in M.APP_TYPES})
            self._read(api_name, retrieved)
            for prop in retrieved.properties:
                if prop.get("type") == M.APP.name and prop.get("id"):
                    self._ids[api_name.lower()] = prop["id"]
        if self._current[M.APP.name] is None:
            raise SetupPageError(f"the External Client App {api_name} could not be retrieved: "
                                 + ("; ".join(self._problems) or "no file came back"))
        return M.app_settings(self._current[M.APP.name], self._current[M.OAUTH_SETTINGS.name],
                              self._current[M.GLOBAL_OAUTH.name])

    async def retrieve(self, session, ref: AppRef) -> AppSettings:  # noqa: ANN001
        return await asyncio.to_thread(self._retrieve, ref)

    def compare(self, current: AppSettings) -> list[Change]:
        return differences(current, self.desired, LABELS)

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return [f"Edit Settings of {ref.name}: {change}" for change in changes]

    def report(self, changes: list[Change]) -> list[str]:
        return [str(change) for change in changes]

    async def leave(self, session, ref: AppRef) -> None:  # noqa: ANN001
        return None

    def _apply(self, ref: AppRef, changes: list[Change]) -> AppRef:
        """Deploy only the files holding a field that differs."""
        header = {"name", "contact_email", "description"}
        oauth = {"scopes"}
        fields = {c.field for c in changes}
        types = [t for t, owned in ((M.APP, header), (M.OAUTH_SETTINGS, oauth)) if fields & owned]
        if fields - header - oauth or (fields & oauth and self._current.get(M.GLOBAL_OAUTH.name) is None):
            types.append(M.GLOBAL_OAUTH)  # OAuth turned on needs its global settings too
        if M.GLOBAL_OAUTH in types and self._current.get(M.OAUTH_SETTINGS.name) is None:
            types.append(M.OAUTH_SETTINGS)
        self.client.deploy(self._files(types))
        return self._ref(self.desired.name, ref.api_name)

    async def apply(self, session, ref: AppRef, changes: list[Change]) -> AppRef:  # noqa: ANN001
        return await asyncio.to_thread(self._apply, ref, changes)


class MetadataPoliciesArea:
    """ExtlClntAppOauthConfigurablePolicies (+ ExtlClntAppConfigurablePolicies when the app has none) of one app.
    `ref` is None only in a dry run for an app that does not exist yet."""

    def __init__(self, api: ApiSession, ref: AppRef | None, policies):  # noqa: ANN001 - spec.Policies
        self.api = api
        self.client = MetadataClient(api)
        self.app = ref
        self.policies = policies
        self.desired = desired_policies(policies)
        self._current: dict[str, M.Values | None] = {}
        self._resolved: PolicySettings = self.desired

    async def find(self, session) -> AppRef | None:  # noqa: ANN001
        return self.app

    def describe_new(self) -> str:
        return f"Set the policies: {describe(self.desired)}"

    async def create(self, session) -> AppRef:  # noqa: ANN001
        raise SetupPageError("there is no app to set the policies of")  # the app area creates the app first

    def _retrieve(self, ref: AppRef) -> PolicyState:
        api_name = ref.api_name
        retrieved = self.client.retrieve({t.name: [t.component(api_name)] for t in M.POLICY_TYPES})
        for mtype in M.POLICY_TYPES:
            data = retrieved.files.get(mtype.path(mtype.component(api_name)))
            self._current[mtype.name] = M.parse(data) if data else None
        current = M.policy_settings(self._current[M.OAUTH_POLICIES.name] or {})
        offered = self.client.list_metadata("Profile", "PermissionSet")
        return PolicyState(current, tuple(offered["Profile"]), tuple(offered["PermissionSet"]))

    async def retrieve(self, session, ref: AppRef) -> PolicyState:  # noqa: ANN001
        return await asyncio.to_thread(self._retrieve, ref)

    def compare(self, current: PolicyState) -> list[Change]:
        desired = self.desired
        self._resolved = PolicySettings(
            desired.permitted_users, match_names(desired.profiles, list(current.offered_profiles), "profile"),
            match_names(desired.permission_sets, list(current.offered_permission_sets), "permission set"),
            desired.refresh_token, desired.ip_relaxation, desired.session_timeout_minutes, desired.run_as)
        return policy_changes(current, desired)

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return lines(changes)

    def report(self, changes: list[Change]) -> list[str]:
        return lines(changes)

    async def leave(self, session, ref: AppRef) -> None:  # noqa: ANN001
        return None

    def _apply(self, ref: AppRef) -> AppRef:
        api_name = ref.api_name
        wanted = M.policy_values(api_name, self._resolved, self.policies)
        files = {M.OAUTH_POLICIES.path(M.OAUTH_POLICIES.component(api_name)):
                 M.render(M.OAUTH_POLICIES, M.merged(self._current.get(M.OAUTH_POLICIES.name), wanted))}
        members = {M.OAUTH_POLICIES.name: [M.OAUTH_POLICIES.component(api_name)]}
        if self._current.get(M.PLUGIN_POLICIES.name) is None:
            name = M.PLUGIN_POLICIES.component(api_name)
            files[M.PLUGIN_POLICIES.path(name)] = M.render(M.PLUGIN_POLICIES, {
                "externalClientApplication": api_name, "isEnabled": True, "isOauthPluginEnabled": True,
                "label": name})
            members[M.PLUGIN_POLICIES.name] = [name]
        files["package.xml"] = M.package_xml(members, self.api.api_version)
        try:
            self.client.deploy(files)
        except MetadataDeployError as exc:
            if self.policies.refresh_token.policy == "valid_until_revoked" and "refreshTokenPolicyType" in str(exc):
                # the org's idle refresh-token limit refuses Infinite: the browser path's answer and advice
                refresh_token_offered(self.policies, IDLE_LIMIT_CHOICES)
            raise
        return ref

    async def apply(self, session, ref: AppRef, changes: list[Change]) -> AppRef:  # noqa: ANN001
        return await asyncio.to_thread(self._apply, ref)


__all__ = ["MetadataAppArea", "MetadataPoliciesArea"]
