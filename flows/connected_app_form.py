"""The classic Connected App's settings (a Setup area; what Dev Hub orgs still need): find it by API name, read its
Edit form, create it or edit only what differs. The same Area as flows/eca_form.py, on classic pages
(flows/classic.py); the reconcile loop is flows/reconcile.py's.

retrieve: the Manage Connected Apps list (name, API name, link to the app) and the app's Edit form (values).
compare: the form's values against the spec, field by field (the ECA comparison, with the classic labels).
apply: App Manager > "New Connected App" for a missing app (only offered while the org allows it); Edit, touching only
what differs, otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import expect

from provisioner.errors import AppNameTakenError, ConnectedAppsDisabledError, SetupPageError

from . import classic, controls, waits
from .app_settings import AppSettings, current_certificate, desired_settings, differences, scope_of
from .locators import connected_app_form as F
from .locators import connected_app_pages as P
from .session import FlowSession
from .types import AppRef, Change

LABELS = {
    "name": "Connected App Name", "contact_email": "Contact Email", "description": "Description",
    "oauth_enabled": "Enable OAuth Settings", "callback_urls": "Callback URL", "scopes": "Selected OAuth Scopes",
    "client_credentials": "Enable Client Credentials Flow",
    "auth_code_credentials": "Enable Authorization Code and Credentials Flow",
    "jwt_bearer": "Use digital signatures", "certificate": "Certificate",
    "require_secret_web_server": "Require Secret for Web Server Flow",
    "require_secret_refresh": "Require Secret for Refresh Token Flow", "pkce": "Require PKCE",
}

_LIST_ROWS = """t => Array.from(t.rows).map(r => Array.from(r.cells).map(c => {
  const a = c.querySelector('a[href]');
  return {text: c.innerText, href: a ? a.getAttribute('href') : null};
}))"""


@dataclass(frozen=True)
class ListedApp:
    name: str
    api_name: str
    href: str  # the classic detail page, relative


def describe_new_app(spec, desired: AppSettings) -> str:  # noqa: ANN001
    return (f"Create the Connected App {spec.name} ({spec.api_name}): OAuth on, callback "
            f"{', '.join(desired.callback_urls)}, scopes {', '.join(sorted(desired.scopes))}"
            + (", digital signatures with the certificate (JWT bearer flow)" if desired.jwt_bearer else ""))


# --- Manage Connected Apps --------------------------------------------------------------------------------------

async def list_apps(session: FlowSession) -> list[ListedApp]:
    scope = await classic.open_page(session, session.url(P.MANAGE_CONNECTED_APPS_PATH))
    table = P.LIST_TABLE.on(scope).first
    await table.wait_for(state="visible", timeout=session.timeouts.page_ms)
    rows = await table.evaluate(_LIST_ROWS)
    if not rows:
        return []
    headers = [waits.squash(cell["text"]) for cell in rows[0]]
    name_col = next((i for i, h in enumerate(headers) if P.NAME_COLUMN.search(h)), None)
    api_col = next((i for i, h in enumerate(headers) if P.API_NAME_COLUMN.search(h)), None)
    if name_col is None or api_col is None:
        raise SetupPageError(f"the Connected Apps list shows no name or API Name column (columns: {', '.join(headers)})")
    apps = []
    for row in rows[1:]:
        if len(row) <= max(name_col, api_col):
            continue  # "No records to display."
        apps.append(ListedApp(waits.squash(row[name_col]["text"]), waits.squash(row[api_col]["text"]),
                              row[name_col]["href"] or ""))
    return apps


async def find(session: FlowSession, spec) -> AppRef | None:  # noqa: ANN001
    """The Connected App with the spec's API name; AppNameTakenError if only another app carries the spec's name."""
    apps = await list_apps(session)
    for app in apps:
        if app.api_name.lower() == spec.api_name.lower():
            return AppRef(app.name, app.api_name, classic.in_lightning(session, app.href))
    for app in apps:
        if app.name.strip().lower() == spec.name.strip().lower():
            raise AppNameTakenError(
                f"a Connected App named {app.name!r} already exists with API name {app.api_name!r}, not "
                f"{spec.api_name!r}: rename one of them, or set api_name = {app.api_name!r} in the spec to manage it")
    return None


# --- the form ----------------------------------------------------------------------------------------------------

async def _checked(scope, loc) -> bool:  # noqa: ANN001
    found = loc.on(scope)
    return await found.count() > 0 and await controls.read_checked(found)


async def read_form(scope) -> AppSettings:  # noqa: ANN001
    """The values on the (Edit) form."""
    oauth = await controls.read_checked(F.ENABLE_OAUTH.on(scope))
    callback_urls: tuple[str, ...] = ()
    scopes: frozenset[str] = frozenset()
    jwt = False
    certificate = None
    web_server = refresh = pkce = True
    if oauth:
        text = await controls.read_text(F.CALLBACK_URL.on(scope))
        callback_urls = tuple(line.strip() for line in text.splitlines() if line.strip())
        labels = await F.SCOPES_SELECTED.on(scope).first.locator("option").all_inner_texts()
        scopes = frozenset(scope_of(waits.squash(label)) for label in labels)
        jwt = await controls.read_checked(F.USE_DIGITAL_SIGNATURES.on(scope))
        if jwt:
            current = F.CURRENT_CERTIFICATE.on(scope)
            if await current.count():
                certificate = current_certificate(waits.squash(await current.first.inner_text()))
            else:
                certificate = ""  # digital signatures on and no certificate shown: none uploaded
        web_server = await _checked(scope, F.REQUIRE_SECRET_WEB_SERVER)
        refresh = await _checked(scope, F.REQUIRE_SECRET_REFRESH)
        pkce = await _checked(scope, F.PKCE)
    return AppSettings(
        name=await controls.read_text(F.NAME.on(scope)),
        contact_email=await controls.read_text(F.CONTACT_EMAIL.on(scope)),
        description=await controls.read_text(F.DESCRIPTION.on(scope)),
        oauth_enabled=oauth, callback_urls=callback_urls, scopes=scopes, client_credentials=False,
        auth_code_credentials=False, jwt_bearer=jwt, certificate=certificate,
        require_secret_web_server=web_server, require_secret_refresh=refresh, pkce=pkce,
    )


async def set_scopes(scope, wanted: frozenset[str]) -> None:  # noqa: ANN001
    """Move options between the Available and Selected lists until exactly the wanted scopes are selected."""
    available, selected = F.SCOPES_AVAILABLE.on(scope).first, F.SCOPES_SELECTED.on(scope).first
    offered = [waits.squash(t) for t in await available.locator("option").all_inner_texts()]
    chosen = [waits.squash(t) for t in await selected.locator("option").all_inner_texts()]
    missing = sorted(s for s in wanted if s not in {scope_of(label) for label in offered + chosen})
    if missing:
        raise SetupPageError(f"the Selected OAuth Scopes list offers no scope {', '.join(missing)}")
    remove = [label for label in chosen if scope_of(label) not in wanted]
    if remove:
        await selected.select_option(label=remove)
        await F.REMOVE.on(scope).first.click()
    add = [label for label in offered if scope_of(label) in wanted]
    if add:
        await available.select_option(label=add)
        await F.ADD.on(scope).first.click()
    await expect(selected.locator("option")).to_have_count(len(wanted))


async def fill_form(scope, desired: AppSettings, certificate_pem: str | None, only: set[str] | None = None) -> None:  # noqa: ANN001
    """Set the form's fields to `desired` (all of them, or only the fields named in `only`)."""

    def wanted(name: str) -> bool:
        return only is None or name in only

    if wanted("name"):
        await controls.fill_text(F.NAME.on(scope), desired.name)
    if wanted("contact_email"):
        await controls.fill_text(F.CONTACT_EMAIL.on(scope), desired.contact_email)
    if wanted("description"):
        await controls.fill_text(F.DESCRIPTION.on(scope), desired.description)
    if wanted("oauth_enabled"):
        await controls.set_checked(F.ENABLE_OAUTH.on(scope), desired.oauth_enabled)
    if not desired.oauth_enabled:
        return
    await F.CALLBACK_URL.on(scope).first.wait_for(state="visible")
    if wanted("callback_urls"):
        await controls.fill_text(F.CALLBACK_URL.on(scope), "\n".join(desired.callback_urls))
    if wanted("scopes"):
        await set_scopes(scope, desired.scopes)
    if wanted("jwt_bearer"):
        await controls.set_checked(F.USE_DIGITAL_SIGNATURES.on(scope), desired.jwt_bearer)
    if desired.jwt_bearer and certificate_pem and (wanted("certificate") or wanted("jwt_bearer")):
        await controls.upload_certificate(F.CERTIFICATE_UPLOAD.on(scope), certificate_pem)
    for name, loc in (("pkce", F.PKCE), ("require_secret_web_server", F.REQUIRE_SECRET_WEB_SERVER),
                      ("require_secret_refresh", F.REQUIRE_SECRET_REFRESH)):
        if wanted(name) and await loc.on(scope).count():
            await controls.set_checked(loc.on(scope), getattr(desired, name))


# --- the area: find / retrieve / compare / apply ----------------------------------------------------------------

async def open_detail(session: FlowSession, ref: AppRef):  # noqa: ANN201
    """The app's detail page (App Manager's View); returns where its content is."""
    scope = await classic.open_page(session, ref.url)
    await P.MANAGE_CONSUMER_DETAILS.on(scope).first.wait_for(state="visible", timeout=session.timeouts.page_ms)
    return scope


class ConnectedAppArea:
    """The Connected App's settings, reconciled on its classic pages (see flows/reconcile.Area)."""

    def __init__(self, spec, certificate_pem: str | None):  # noqa: ANN001 - provisioner.config.AppSpec
        self.spec = spec
        self.certificate_pem = certificate_pem
        self.desired = desired_settings(spec, certificate_pem)
        self._scope = None  # where the open Edit form is (retrieve -> leave/apply)

    async def find(self, session: FlowSession) -> AppRef | None:
        await session.chapter("Find the app", f"Look for {self.spec.api_name} in Manage Connected Apps")
        return await find(session, self.spec)

    def describe_new(self) -> str:
        return describe_new_app(self.spec, self.desired)

    async def create(self, session: FlowSession) -> AppRef:
        return await create(session, self.spec, self.desired, self.certificate_pem, self.describe_new())

    async def retrieve(self, session: FlowSession, ref: AppRef) -> AppSettings:
        """The app's settings, read from its Edit form (left open)."""
        await session.chapter("Compare with the spec", f"Read the settings of {ref.name} from its Edit page")
        scope = await open_detail(session, ref)
        await P.EDIT.on(scope).first.click()
        await classic.outcome(session, scope, F.NAME.on(scope), where=f"opening the Connected App {ref.name}")
        self._scope = scope
        return await read_form(scope)

    def compare(self, current: AppSettings) -> list[Change]:
        return differences(current, self.desired, LABELS)

    def plan(self, ref: AppRef, changes: list[Change]) -> list[str]:
        return [f"Edit {ref.name}: {change}" for change in changes]

    def report(self, changes: list[Change]) -> list[str]:
        return [str(change) for change in changes]

    async def leave(self, session: FlowSession, ref: AppRef) -> None:
        scope = self._scope
        await F.CANCEL.on(scope).first.click()
        await classic.outcome(session, scope, P.MANAGE_CONSUMER_DETAILS.on(scope), where=f"leaving {ref.name}")

    async def apply(self, session: FlowSession, ref: AppRef, changes: list[Change]) -> AppRef:
        scope = self._scope
        await session.chapter("Update the app", "Change only what differs: " + "; ".join(self.report(changes)))
        await fill_form(scope, self.desired, self.certificate_pem, only={c.field for c in changes})
        await F.SAVE.on(scope).first.click()
        await classic.outcome(session, scope, P.MANAGE_CONSUMER_DETAILS.on(scope),
                              where=f"saving the settings of {ref.name}")
        return AppRef(self.desired.name, ref.api_name, ref.url)


async def create(session: FlowSession, spec, desired: AppSettings, certificate_pem: str | None,  # noqa: ANN001
                 description: str) -> AppRef:
    page = session.page
    await session.chapter("Create the app", description)
    await page.goto(session.url(P.APP_MANAGER_PATH), wait_until="domcontentloaded")
    await waits.ensure_available(page)
    await P.APP_MANAGER_LIST.on(page).first.wait_for(state="visible", timeout=session.timeouts.page_ms)
    await waits.settled(page, session.timeouts.settle_ms)
    new_app = P.NEW_CONNECTED_APP.on(page).filter(visible=True)
    if not await new_app.count():
        raise ConnectedAppsDisabledError(
            f"this org does not allow new Connected Apps (App Manager offers no \"New Connected App\"): turn on the "
            f"org setting \"{P.ORG_SETTING}\" (Setup > External Client Apps > Settings; new orgs may need Salesforce "
            f"Support), or use an External Client App (app_type = \"external_client_app\")")
    await new_app.first.click()
    scope = await classic.scope_of(session)
    await classic.outcome(session, scope, F.NAME.on(scope), where="opening New Connected App")
    await controls.fill_text(F.NAME.on(scope), desired.name)
    # leaving the name fills the API name from it (classic page script): let that happen, then set our own
    await F.NAME.on(scope).first.press("Tab")
    await controls.fill_text(F.API_NAME.on(scope), spec.api_name)
    await expect(F.API_NAME.on(scope).first).to_have_value(spec.api_name)
    await fill_form(scope, desired, certificate_pem)
    await F.SAVE.on(scope).first.click()
    where = f"creating the Connected App {spec.name}"
    await classic.outcome(session, scope, F.CONTINUE.on(scope), where=where)
    await F.CONTINUE.on(scope).first.click()  # past "Allow from 2-10 minutes ...": the app's detail page
    await classic.outcome(session, scope, P.MANAGE_CONSUMER_DETAILS.on(scope), where=where)
    detail = classic.classic_url(page)
    if not P.DETAIL_URL.search(detail):
        raise SetupPageError(f"{where}: Salesforce did not show the new app's page ({detail.split('?')[0]})")
    return AppRef(desired.name, spec.api_name, classic.in_lightning(session, detail))


__all__ = ["ConnectedAppArea", "LABELS", "find", "list_apps", "open_detail", "read_form", "fill_form"]
