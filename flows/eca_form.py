"""The External Client App's settings (a Setup area): find it by API name in the External Client App Manager,
read its Edit Settings form, create it or edit only what differs. The reconcile loop is flows/reconcile.py's.

retrieve: the External Client App Manager list (name, API name, link) and the app's Edit Settings form (values).
compare: the form's values against the spec, field by field (flows/app_settings.py).
apply: the New External Client App form for a missing app; Edit Settings, touching only what differs, otherwise.

The form has more options than the spec names (Enable Device Flow, Introspect all Tokens, ...): the flow never
reads or changes them, so a new app keeps Salesforce's defaults and an existing app keeps whatever an admin chose.
The form's "Enable Client Credentials Flow" is set here; its Run As is not on this form but on the Policies page,
with a box of its own (flows/eca_policies.py sets and compares both).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from provisioner.errors import AppNameTakenError, SetupPageError

from . import controls, sections, waits
from .app_settings import AppSettings, current_certificate, desired_settings, differences, scope_of
from .locators import app_manager as M
from .locators import eca_detail as D
from .locators import eca_form as F
from .session import FlowSession
from .types import AppRef, Change

LABELS = {
    "name": "External Client App Name", "contact_email": "Contact Email", "description": "Description",
    "oauth_enabled": "Enable OAuth", "callback_urls": "Callback URL", "scopes": "OAuth Scopes",
    "client_credentials": "Enable Client Credentials Flow",
    "auth_code_credentials": "Enable Authorization Code and Credentials Flow", "jwt_bearer": "Enable JWT Bearer Flow",
    "certificate": "Certificate", "require_secret_web_server": "Require secret for Web Server Flow",
    "require_secret_refresh": "Require secret for Refresh Token Flow", "pkce": "Require PKCE",
}


def describe_new_app(spec, desired: AppSettings) -> str:  # noqa: ANN001
    flows = [name for on, name in ((desired.jwt_bearer, "JWT bearer flow with the certificate"),
                                   (desired.client_credentials, "client credentials flow"),
                                   (desired.auth_code_credentials, "authorization code and credentials flow")) if on]
    return (f"Create the External Client App {spec.name} ({spec.api_name}): OAuth on, callback "
            f"{', '.join(desired.callback_urls)}, scopes {', '.join(sorted(desired.scopes))}"
            + (f", {', '.join(flows)}" if flows else ""))


# --- the External Client App Manager list --------------------------------------------------------------------------

@dataclass(frozen=True)
class ListedApp:
    name: str
    api_name: str
    url: str


async def list_apps(session: FlowSession) -> list[ListedApp]:
    """The org's External Client Apps as the manager lists them."""
    page = session.page
    await page.goto(session.url(M.ECA_MANAGER_PATH), wait_until="domcontentloaded")
    await waits.ensure_available(page)
    table = M.TABLE.on(page).first
    await table.wait_for(state="visible", timeout=session.timeouts.page_ms)
    await waits.settled(page, session.timeouts.settle_ms)
    headers = [waits.squash(h) for h in await M.COLUMN_HEADER.on(table).all_inner_texts()]
    name_col = next((i for i, h in enumerate(headers) if M.NAME_COLUMN.search(h)), 0)
    api_col = next((i for i, h in enumerate(headers) if M.API_NAME_COLUMN.search(h)), None)
    if api_col is None:
        raise SetupPageError(f"the External Client App Manager shows no API Name column (columns: {', '.join(headers)})")
    apps = []
    for row in await M.ROW.on(table).all():
        cells = M.CELL.on(row)
        texts = [waits.squash(t) for t in await cells.all_inner_texts()]
        if len(texts) <= max(name_col, api_col):
            continue  # the header row, or "No External Client Apps to display."
        link = cells.nth(name_col).get_by_role("link")
        href = await link.first.get_attribute("href") if await link.count() else None
        apps.append(ListedApp(texts[name_col], texts[api_col], urljoin(page.url, href) if href else ""))
    return apps


async def find(session: FlowSession, spec) -> AppRef | None:  # noqa: ANN001
    """The app with the spec's API name; AppNameTakenError if only another app carries the spec's name."""
    apps = await list_apps(session)
    for app in apps:
        if app.api_name.lower() == spec.api_name.lower():
            return AppRef(app.name, app.api_name, app.url)
    for app in apps:
        if app.name.strip().lower() == spec.name.strip().lower():
            raise AppNameTakenError(
                f"an External Client App named {app.name!r} already exists with API name {app.api_name!r}, not "
                f"{spec.api_name!r}: rename one of them, or set api_name = {app.api_name!r} in the spec to manage it")
    return None


# --- the Settings form ----------------------------------------------------------------------------------------------

async def read_form(session: FlowSession) -> AppSettings:
    """The values on the (Edit Settings) form."""
    page = session.page
    oauth = await controls.read_checked(F.ENABLE_OAUTH.on(page))
    callback_urls: tuple[str, ...] = ()
    scopes: frozenset[str] = frozenset()
    client_credentials = auth_code = jwt = False
    certificate = None
    web_server = refresh = pkce = True
    if oauth:
        callback_urls = tuple(line.strip() for line in (await controls.read_text(F.CALLBACK_URL.on(page))).splitlines()
                              if line.strip())
        scopes = frozenset(scope_of(label) for label in await controls.read_dual(F.SCOPES.on(page)))
        client_credentials = await controls.read_checked(F.CLIENT_CREDENTIALS.on(page))
        auth_code = await controls.read_checked(F.AUTH_CODE_CREDENTIALS.on(page))
        jwt = await controls.read_checked(F.JWT_BEARER.on(page))
        if jwt:
            current = F.CURRENT_CERTIFICATE.on(page)
            if await current.count():
                certificate = current_certificate(waits.squash(await current.first.inner_text()))
            else:
                certificate = ""  # JWT on and no certificate shown: none uploaded
        web_server = await controls.read_checked(F.REQUIRE_SECRET_WEB_SERVER.on(page))
        refresh = await controls.read_checked(F.REQUIRE_SECRET_REFRESH.on(page))
        pkce = await controls.read_checked(F.PKCE.on(page))
    return AppSettings(
        name=await controls.read_text(F.NAME.on(page)),
        contact_email=await controls.read_text(F.CONTACT_EMAIL.on(page)),
        description=await controls.read_text(F.DESCRIPTION.on(page)),
        oauth_enabled=oauth, callback_urls=callback_urls, scopes=scopes, client_credentials=client_credentials,
        auth_code_credentials=auth_code, jwt_bearer=jwt, certificate=certificate,
        require_secret_web_server=web_server, require_secret_refresh=refresh, pkce=pkce,
    )


async def _scope_labels(session: FlowSession, scopes: frozenset[str]) -> list[str]:
    """The dual list's option labels for the wanted scope values; an unknown scope is a SetupPageError."""
    group = F.SCOPES.on(session.page)
    offered = [waits.squash(t) for t in await group.get_by_role("option").all_inner_texts()]
    by_scope = {scope_of(label): label for label in offered}
    missing = sorted(s for s in scopes if s not in by_scope)
    if missing:
        raise SetupPageError(f"the OAuth Scopes list offers no scope {', '.join(missing)}")
    return [by_scope[s] for s in sorted(scopes)]


async def fill_form(session: FlowSession, desired: AppSettings, certificate_pem: str | None,
                    only: set[str] | None = None) -> None:
    """Set the form's fields to `desired` (all of them, or only the fields named in `only`)."""
    page = session.page

    def wanted(name: str) -> bool:
        return only is None or name in only

    if wanted("name"):
        await controls.fill_text(F.NAME.on(page), desired.name)
    if wanted("contact_email"):
        await controls.fill_text(F.CONTACT_EMAIL.on(page), desired.contact_email)
    if wanted("description"):
        await controls.fill_text(F.DESCRIPTION.on(page), desired.description)
    if wanted("oauth_enabled"):
        await controls.set_checked(F.ENABLE_OAUTH.on(page), desired.oauth_enabled)
    if not desired.oauth_enabled:
        return
    if only is None:
        await session.chapter("OAuth settings", "Callback URL, OAuth scopes and the flows the app may use")
    await F.CALLBACK_URL.on(page).first.wait_for(state="visible")
    if wanted("callback_urls"):
        await controls.fill_text(F.CALLBACK_URL.on(page), "\n".join(desired.callback_urls))
    if wanted("scopes"):
        await controls.set_dual(F.SCOPES.on(page), await _scope_labels(session, desired.scopes))
    if wanted("client_credentials"):
        await controls.set_checked(F.CLIENT_CREDENTIALS.on(page), desired.client_credentials)
    if wanted("auth_code_credentials"):
        await controls.set_checked(F.AUTH_CODE_CREDENTIALS.on(page), desired.auth_code_credentials)
    if wanted("jwt_bearer"):
        await controls.set_checked(F.JWT_BEARER.on(page), desired.jwt_bearer)
    if desired.jwt_bearer and certificate_pem and (wanted("certificate") or wanted("jwt_bearer")):
        await session.chapter("Certificate", "Upload server.crt: the JWT bearer flow checks tokens signed with its key")
        await controls.upload_certificate(F.CERTIFICATE_UPLOAD.on(page), certificate_pem)
    if wanted("require_secret_web_server"):
        await controls.set_checked(F.REQUIRE_SECRET_WEB_SERVER.on(page), desired.require_secret_web_server)
    if wanted("require_secret_refresh"):
        await controls.set_checked(F.REQUIRE_SECRET_REFRESH.on(page), desired.require_secret_refresh)
    if wanted("pkce"):
        await controls.set_checked(F.PKCE.on(page), desired.pkce)


async def open_oauth_section(session: FlowSession) -> None:
    """Open the collapsible "API (Enable OAuth Settings)" section when it is closed; an open one stays open."""
    await sections.open_section(session, F.OAUTH_SECTION.on(session.page), F.ENABLE_OAUTH.on(session.page))


# --- the area: find / retrieve / compare / apply ---------------------------------------------------------------------

async def open_edit_settings(session: FlowSession, ref: AppRef) -> None:
    page = session.page
    await page.goto(ref.url, wait_until="domcontentloaded")
    await waits.ensure_available(page)
    await D.SETTINGS_TAB.on(page).first.click()
    await waits.settled(page, session.timeouts.settle_ms)
    edit = D.EDIT_SETTINGS.on(page).or_(D.EDIT.on(page)).filter(visible=True)
    await edit.first.click()
    await F.NAME.on(page).first.wait_for(state="visible")
    await waits.settled(page, session.timeouts.settle_ms)
    await open_oauth_section(session)


class ExternalClientAppArea:
    """The app's settings, reconciled on the External Client App pages (see flows/reconcile.Area)."""

    def __init__(self, spec, certificate_pem: str | None):  # noqa: ANN001 - provisioner.config.AppSpec
        self.spec = spec
        self.certificate_pem = certificate_pem
        self.desired = desired_settings(spec, certificate_pem)

    async def find(self, session: FlowSession) -> AppRef | None:
        await session.chapter("Find the app",
                              f"Look for {self.spec.api_name} in the External Client App Manager")
        return await find(session, self.spec)

    def describe_new(self) -> str:
        return describe_new_app(self.spec, self.desired)

    async def create(self, session: FlowSession) -> AppRef:
        spec, desired, page = self.spec, self.desired, session.page
        await session.chapter("Create the app", self.describe_new())
        await M.NEW_APP.on(page).first.click()
        await F.NAME.on(page).first.wait_for(state="visible")
        await waits.settled(page, session.timeouts.settle_ms)
        await controls.fill_text(F.NAME.on(page), desired.name)
        await controls.fill_text(F.API_NAME.on(page), spec.api_name)
        distribution = F.DISTRIBUTION_STATE.on(page)
        if await controls.read_choice(distribution) != spec.distribution:
            await controls.choose(distribution, spec.distribution, page=page)
        await open_oauth_section(session)
        await fill_form(session, desired, self.certificate_pem)
        await F.CREATE.on(page).first.click()
        await waits.outcome(page, url=D.VIEW_URL, timeout_ms=session.timeouts.page_ms,
                            where=f"creating the External Client App {spec.name}")
        return AppRef(desired.name, spec.api_name, page.url.split("?")[0])

    async def retrieve(self, session: FlowSession, ref: AppRef) -> AppSettings:
        """The app's settings, read from its Edit Settings form (left open)."""
        await session.chapter("Compare with the spec", f"Read the settings of {ref.name} from Edit Settings")
        await open_edit_settings(session, ref)
        return await read_form(session)

    def compare(self, current: AppSettings) -> list[Change]:
        return differences(current, self.desired, LABELS)

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return [f"Edit Settings of {ref.name}: {change}" for change in changes]

    def report(self, changes: list[Change]) -> list[str]:
        return [str(change) for change in changes]

    async def leave(self, session: FlowSession, ref: AppRef) -> None:
        await F.CANCEL.on(session.page).first.click()

    async def apply(self, session: FlowSession, ref: AppRef, changes: list[Change]) -> AppRef:
        await session.chapter("Update the app", "Change only what differs: " + "; ".join(self.report(changes)))
        await fill_form(session, self.desired, self.certificate_pem, only={c.field for c in changes})
        await F.SAVE.on(session.page).first.click()
        await waits.outcome(session.page, url=D.VIEW_URL, timeout_ms=session.timeouts.page_ms,
                            where=f"saving the settings of {ref.name}")
        return AppRef(self.desired.name, ref.api_name, session.page.url.split("?")[0])


__all__ = ["ExternalClientAppArea", "LABELS", "find", "list_apps", "read_form", "fill_form", "open_edit_settings",
           "open_oauth_section"]
