"""A read-only walk of the Setup pages a spec's run uses: each locator the run needs, counted where the run uses it.

It opens the pages the way the flows do (their own functions where they only read) and changes nothing: forms are
opened and left with Cancel, "Consumer Key and Secret" is looked at and never clicked, nothing is saved or created.
On a New form (the app does not exist yet) it ticks "Enable OAuth" (and the flows the spec turns on) to see the
controls behind them, then cancels: an unsubmitted form is not a change. Collapsed sections are opened with the
flows' own openers (never closed). The client credentials flow's Run As is looked for where the run sets it, on
Edit Policies behind that page's own box, which the probe never ticks (it asks for a confirmation). Each locator ends up found, missing,
ambiguous (more matches than the flow accepts) or not shown (its control appears only in a state the org is not in).

For a missing locator the page's accessibility snapshot is searched for a near match (flows/near_match.py); a
candidate becomes a proposed override line only after it was tried on the page and matched what the flow needs.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import AsyncIterator
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from . import classic, controls, eca_form, eca_policies, waits
from . import connected_app_form
from .locators import AnyOf, registry
from .near_match import candidates, snapshot_nodes
from .locators import app_manager as M
from .locators import connected_app_pages as CP
from .locators import eca_detail as D
from .locators import eca_form as F
from .locators import eca_policies as P
from .session import FlowSession
from .types import AppRef

FOUND, MISSING, AMBIGUOUS, NOT_SHOWN, ALTERNATIVE = "found", "missing", "ambiguous", "not shown", "alternative"
#: classic pages repeat their buttons above and below the form: any of the copies does what the flow wants
CLASSIC_BUTTONS = {"connected_app_form.SAVE", "connected_app_form.CANCEL", "connected_app_pages.EDIT",
                   "connected_app_pages.MANAGE", "connected_app_policies.EDIT_POLICIES",
                   "connected_app_policies.MANAGE_PROFILES", "connected_app_policies.MANAGE_PERMISSION_SETS",
                   "connected_app_policies.SAVE", "connected_app_policies.CANCEL",
                   "connected_app_pages.MANAGE_CONSUMER_DETAILS"}
FAILING = (MISSING, AMBIGUOUS)
#: once a page's first element is there, how long any other element may still take to render
GRACE_MS = 3_000


@dataclass
class LocatorCheck:
    key: str  # "eca_form.NAME", as the code and an overrides file name it
    page: str  # the page it was looked for on
    status: str
    count: int
    wants: str  # "one" (the flow acts on it) | "some" (rows, cells, checkboxes)
    locator: str  # what it looks for
    note: str = ""
    proposal: str = ""  # an override line that matched on this page


@dataclass
class PageVisit:
    title: str
    path: str  # without the query
    snapshot: str  # the accessibility snapshot (the engine masks it before writing)


@dataclass
class ProbeWalk:
    app_type: str
    app_exists: bool | None = None
    pages: list[PageVisit] = field(default_factory=list)
    checks: list[LocatorCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[LocatorCheck]:
        return [c for c in self.checks if c.status in FAILING]

    def proposals(self) -> list[str]:
        return list(dict.fromkeys(c.proposal for c in self.failures if c.proposal))

    def to_dict(self) -> dict:
        return {"app_type": self.app_type, "app_exists": self.app_exists, "notes": list(self.notes),
                "checks": [asdict(c) for c in self.checks]}


class _Walker:
    def __init__(self, session: FlowSession, walk: ProbeWalk):
        self.session = session
        self.walk = walk
        self.title = ""
        self.scope = session.page  # a Page or, on classic pages, the Lightning frame
        self._kept = False

    # --- pages -----------------------------------------------------------------------------------------------
    @asynccontextmanager
    async def page(self, title: str, scope=None) -> AsyncIterator[None]:  # noqa: ANN001
        """Checks inside the block belong to this page (looked for in `scope`, else where the last page's were); its
        snapshot is taken as the block ends (or fails), unless taken before."""
        self.title = title
        if scope is not None:
            self.scope = scope
        self._kept = False
        try:
            yield
        finally:
            if not self._kept:
                await self.keep_snapshot()

    async def keep_snapshot(self) -> None:
        """The page as it is now goes into the report (before a form is left, so the form is what is kept)."""
        self._kept = True
        self.walk.pages.append(PageVisit(self.title, urlsplit(self.session.page.url).path, await self.snapshot()))

    async def snapshot(self) -> str:
        try:
            return await self.scope.locator("body").aria_snapshot(timeout=self.session.timeouts.page_ms)
        except PlaywrightError as exc:
            return f"(no snapshot: {waits.squash(str(exc).splitlines()[0])})"

    # --- checks ----------------------------------------------------------------------------------------------
    async def check(self, key: str, *, wants: str = "one", visible: bool = False, wait_ms: float = GRACE_MS,
                    note: str = "") -> bool:
        """Count the locator (its current value: overrides apply) where the flow would use it; True when usable."""
        loc = registry.lookup(key)
        if key in CLASSIC_BUTTONS:
            wants = "some"
        found = self._matches(loc, visible)
        count = await found.count()
        if count == 0 and wait_ms:
            try:
                await found.first.wait_for(state="visible" if visible else "attached", timeout=wait_ms)
            except PlaywrightError:
                pass
            count = await found.count()
        shown = count if visible or count == 0 else await found.filter(visible=True).count()
        # the flow acts on the first match: several visible ones (or several hidden, none visible) may be the wrong one
        several = shown > 1 or (shown == 0 and count > 1)
        status = MISSING if count == 0 else (AMBIGUOUS if several and wants == "one" else FOUND)
        check = LocatorCheck(key, self.title, status, count, wants, registry.describe(loc), note)
        if status == MISSING:
            check.proposal = await self._propose(key, loc, wants, visible)
        elif status == AMBIGUOUS and not note:
            check.note = f"{max(shown, count)} elements match; the flow would act on the first"
        self.walk.checks.append(check)
        return status == FOUND

    async def anchor(self, key: str, *, visible: bool = True) -> bool:
        """The element a page is recognised by: waited for as long as a page may take."""
        return await self.check(key, visible=visible, wait_ms=self.session.timeouts.page_ms)

    async def one_of(self, *keys: str, visible: bool = True, wait_ms: float = GRACE_MS) -> str | None:
        """Alternatives the flow combines (`A.or_(B)`): fine when one is there; the first found is returned."""
        start = len(self.walk.checks)
        winner = None
        for key in keys:
            if await self.check(key, visible=visible, wait_ms=wait_ms if winner is None else 0):
                winner = winner or key
        if winner:
            for check in self.walk.checks[start:]:
                if check.status == MISSING:
                    check.status, check.proposal = ALTERNATIVE, ""
                    check.note = f"not on this page; the flow uses {winner} instead"
        return winner

    def not_shown(self, key: str, why: str) -> None:
        loc = registry.lookup(key)
        self.walk.checks.append(LocatorCheck(key, self.title, NOT_SHOWN, 0, "one", registry.describe(loc), why))

    def used(self, key: str, how: str) -> None:
        """A locator the walk already relied on (the login flow's): found, by construction."""
        loc = registry.lookup(key)
        self.walk.checks.append(LocatorCheck(key, self.title, FOUND, 1, "one", registry.describe(loc), how))

    def _matches(self, loc, visible: bool):  # noqa: ANN001, ANN202
        found = loc.on(self.scope)
        return found.filter(visible=True) if visible else found

    # --- near matches ------------------------------------------------------------------------------------------
    async def _propose(self, key: str, loc, wants: str, visible: bool) -> str:  # noqa: ANN001
        nodes = snapshot_nodes(await self.snapshot())
        for option in loc.options if isinstance(loc, AnyOf) else (loc,):
            for candidate in candidates(option, nodes):
                found = self._matches(candidate, visible)
                count = await found.count()
                if count == 1 or (count > 1 and wants == "some"):
                    return registry.override_line(key, candidate)
        return ""

    async def click(self, key: str, *, visible: bool = True) -> None:
        found = self._matches(registry.lookup(key), visible)
        await found.first.click()


# --- the walk: External Client Apps ----------------------------------------------------------------------------

async def _leave_form(walker: _Walker, cancel_key: str, *, away_from) -> None:  # noqa: ANN001
    """Cancel and wait until the page is no longer the form (a URL condition)."""
    session = walker.session
    await walker.keep_snapshot()
    await walker.click(cancel_key)
    await session.page.wait_for_url(lambda url: not away_from(url), timeout=session.timeouts.page_ms)
    await waits.settled(session.page, session.timeouts.settle_ms)


async def _open_section(walker: _Walker, key: str, opener) -> None:  # noqa: ANN001
    """A collapsible section's title is checked, and the section opened as the flow opens it (reading a closed
    section is not possible, opening is); a page without the title is not collapsible there."""
    if await registry.lookup(key).on(walker.scope).filter(visible=True).count():
        await walker.check(key, visible=True, wait_ms=0)
    else:
        walker.not_shown(key, "the page shows no collapsible section here; the flow goes on without opening it")
    await opener(walker.session)


async def _settings_checks(walker: _Walker, spec, *, new: bool) -> None:  # noqa: ANN001
    """The Settings form's controls; on a New form the OAuth part is revealed first (never submitted)."""
    page = walker.session.page
    for key in ("eca_form.API_NAME", "eca_form.CONTACT_EMAIL", "eca_form.DISTRIBUTION_STATE",
                "eca_form.DESCRIPTION"):
        await walker.check(key)
    if not await walker.check("eca_form.ENABLE_OAUTH"):
        for key in ("CALLBACK_URL", "SCOPES", "CLIENT_CREDENTIALS", "AUTH_CODE_CREDENTIALS", "JWT_BEARER",
                    "REQUIRE_SECRET_WEB_SERVER", "REQUIRE_SECRET_REFRESH", "PKCE"):
            walker.not_shown(f"eca_form.{key}", "behind Enable OAuth, which was not found")
        return
    oauth_on = await controls.read_checked(F.ENABLE_OAUTH.on(page))
    if not oauth_on and new:
        await controls.set_checked(F.ENABLE_OAUTH.on(page), True)  # an unsaved New form: cancelled below
        oauth_on = True
    if not oauth_on:
        for key in ("CALLBACK_URL", "SCOPES", "CLIENT_CREDENTIALS", "AUTH_CODE_CREDENTIALS", "JWT_BEARER",
                    "REQUIRE_SECRET_WEB_SERVER", "REQUIRE_SECRET_REFRESH", "PKCE"):
            walker.not_shown(f"eca_form.{key}", "shown with Enable OAuth on; this app has it off")
        return
    for key in ("CALLBACK_URL", "SCOPES", "AUTH_CODE_CREDENTIALS", "REQUIRE_SECRET_WEB_SERVER",
                "REQUIRE_SECRET_REFRESH", "PKCE"):
        await walker.check(f"eca_form.{key}")
    await walker.check("eca_form.CLIENT_CREDENTIALS")  # its Run As is on Edit Policies (_policies_checks)
    if not await walker.check("eca_form.JWT_BEARER"):
        walker.not_shown("eca_form.CERTIFICATE_UPLOAD", "behind JWT_BEARER, which was not found")
        return
    jwt = F.JWT_BEARER.on(page)
    on = await controls.read_checked(jwt)
    if not on and new and spec.jwt_bearer:
        await controls.set_checked(jwt, True)  # an unsaved New form: cancelled below
        on = True
    if on:
        await walker.check("eca_form.CERTIFICATE_UPLOAD")
    else:
        walker.not_shown("eca_form.CERTIFICATE_UPLOAD", "shown with JWT_BEARER on; it is off here")


async def walk_external_client_app(session: FlowSession, spec, walk: ProbeWalk) -> None:  # noqa: ANN001
    walker = _Walker(session, walk)
    page = session.page
    async with walker.page("External Client App Manager"):
        await page.goto(session.url(M.ECA_MANAGER_PATH), wait_until="domcontentloaded")
        await waits.ensure_available(page)
        if not await walker.anchor("app_manager.TABLE"):
            return
        await waits.settled(page, session.timeouts.settle_ms)
        await walker.check("app_manager.COLUMN_HEADER", wants="some")
        await walker.check("app_manager.NEW_APP", visible=True)
        headers = [waits.squash(h) for h in await M.COLUMN_HEADER.on(M.TABLE.on(page).first).all_inner_texts()]
        if not any(M.API_NAME_COLUMN.search(h) for h in headers):
            walk.notes.append(f"the External Client App Manager shows no API Name column (columns: "
                              f"{', '.join(headers)}): the run cannot find the app")
    apps = await eca_form.list_apps(session)
    mine = next((a for a in apps if a.api_name.lower() == spec.api_name.lower()), None)
    walk.app_exists = mine is not None
    if mine is None:
        walk.notes.append(f"the app {spec.api_name} does not exist yet: its New form was opened and cancelled")
        await _walk_new_app(walker, spec)
        other = next((a for a in apps if a.url), None)
        if other is None:
            walk.notes.append("no External Client App in the org yet: its Settings and Policies pages were not seen "
                              "(run probe again after the first setup)")
            return
        walk.notes.append(f"the app's pages were probed on another app of the org, {other.api_name} (read only)")
        mine = other
    await _walk_app(walker, AppRef(mine.name, mine.api_name, mine.url), spec)


async def _period_checks(walker: _Walker, area: str) -> None:
    """The refresh token's period and unit show only for a policy with a period: checked where the page shows the
    period's box (whichever wording the chosen policy has), else reported as not shown."""
    period = registry.lookup(f"{area}.REFRESH_TOKEN_PERIOD").on(walker.scope)
    if await period.count():
        for key in ("REFRESH_TOKEN_PERIOD", "REFRESH_TOKEN_UNIT"):
            await walker.check(f"{area}.{key}")
        return
    for key in ("REFRESH_TOKEN_PERIOD", "REFRESH_TOKEN_UNIT"):
        walker.not_shown(f"{area}.{key}", "shown for a refresh token policy with a period; the app has another")


async def _walk_new_app(walker: _Walker, spec) -> None:  # noqa: ANN001
    session, page = walker.session, walker.session.page
    async with walker.page("New External Client App"):
        await walker.click("app_manager.NEW_APP")
        await walker.anchor("eca_form.NAME")  # missing or not, the rest of the form is checked
        await waits.settled(page, session.timeouts.settle_ms)
        await _open_section(walker, "eca_form.OAUTH_SECTION", eca_form.open_oauth_section)
        await _settings_checks(walker, spec, new=True)
        await walker.check("eca_form.CREATE")
        if await walker.check("eca_form.CANCEL"):
            await _leave_form(walker, "eca_form.CANCEL", away_from=lambda url: F.NEW_PATH_PART in url)


async def _walk_app(walker: _Walker, ref: AppRef, spec) -> None:  # noqa: ANN001
    session, page = walker.session, walker.session.page
    async with walker.page(f"{ref.api_name}: Settings tab"):
        await page.goto(ref.url, wait_until="domcontentloaded")
        await waits.ensure_available(page)
        if not await walker.anchor("eca_detail.SETTINGS_TAB"):
            return
        await walker.click("eca_detail.SETTINGS_TAB")
        await waits.settled(page, session.timeouts.settle_ms)
        await walker.check("eca_detail.POLICIES_TAB")
        await walker.check("eca_detail.CONSUMER_KEY_AND_SECRET", visible=True,
                           note="looked at, not clicked: it would mail a verification code")
        edit = await walker.one_of("eca_detail.EDIT_SETTINGS", "eca_detail.EDIT")
    if edit is None:
        return
    async with walker.page(f"{ref.api_name}: Edit Settings"):
        await walker.click(edit)
        await walker.anchor("eca_form.NAME")
        await waits.settled(page, session.timeouts.settle_ms)
        await _open_section(walker, "eca_form.OAUTH_SECTION", eca_form.open_oauth_section)
        await _settings_checks(walker, spec, new=False)
        await walker.check("eca_form.SAVE")
        if not await walker.check("eca_form.CANCEL"):
            return
        await _leave_form(walker, "eca_form.CANCEL", away_from=lambda url: "/editSettings" in url)
    async with walker.page(f"{ref.api_name}: Policies tab"):
        if not D.VIEW_URL.search(page.url):
            await page.goto(ref.url, wait_until="domcontentloaded")
        if not await walker.anchor("eca_detail.POLICIES_TAB"):
            return
        await walker.click("eca_detail.POLICIES_TAB")
        await waits.settled(page, session.timeouts.settle_ms)
        edit = await walker.one_of("eca_detail.EDIT_POLICIES", "eca_detail.EDIT")
    if edit is None:
        return
    async with walker.page(f"{ref.api_name}: Edit Policies"):
        await walker.click(edit)
        if not await walker.anchor("eca_policies.SAVE"):  # outside the (maybe collapsed) OAuth Policies section
            return
        await waits.settled(page, session.timeouts.settle_ms)
        await _open_section(walker, "eca_policies.OAUTH_POLICIES_SECTION", eca_policies.open_policies_section)
        await _policies_checks(walker, spec)
        if await walker.check("eca_policies.CANCEL"):
            await _leave_form(walker, "eca_policies.CANCEL", away_from=lambda url: "/editPolicies" in url)


async def _policies_checks(walker: _Walker, spec) -> None:  # noqa: ANN001
    """Edit Policies' controls inside the OAuth Policies section (opened by now), read only."""
    await walker.check("eca_policies.PERMITTED_USERS")
    for key in ("PROFILES", "PERMISSION_SETS", "IP_RELAXATION", "SESSION_TIMEOUT"):
        await walker.check(f"eca_policies.{key}")
    await walker.check("eca_policies.REFRESH_TOKEN_POLICY")
    await _period_checks(walker, "eca_policies")
    if not spec.client_credentials:
        for key in ("DIALOG", "CONFIRM"):
            walker.not_shown(f"eca_policies.{key}", "appears only when Permitted Users changes")
        return
    # the client credentials flow: this page's own box, and Run As behind it (flows/eca_policies.py sets both)
    if not await walker.check("eca_policies.CLIENT_CREDENTIALS"):
        walker.not_shown("eca_policies.RUN_AS", "behind Enable Client Credentials Flow, which was not found")
    elif await controls.read_checked(P.CLIENT_CREDENTIALS.on(walker.scope)):
        await walker.check("eca_policies.RUN_AS")
    else:
        walker.not_shown("eca_policies.RUN_AS", "shown once this page's Enable Client Credentials Flow is on; it "
                                                "is off here, and the probe does not tick it (it asks to confirm)")
    for key in ("DIALOG", "CONFIRM"):
        walker.not_shown(f"eca_policies.{key}", "appears only when Permitted Users or the client credentials "
                                                "flow changes")


# --- the walk: classic Connected Apps --------------------------------------------------------------------------

async def walk_connected_app(session: FlowSession, spec, walk: ProbeWalk) -> None:  # noqa: ANN001
    walker = _Walker(session, walk)
    page = session.page
    async with walker.page("App Manager", page):
        await page.goto(session.url(CP.APP_MANAGER_PATH), wait_until="domcontentloaded")
        await waits.ensure_available(page)
        if await walker.anchor("connected_app_pages.APP_MANAGER_LIST"):
            await waits.settled(page, session.timeouts.settle_ms)
        new_app = await CP.NEW_CONNECTED_APP.on(page).filter(visible=True).count()
    async with walker.page("Manage Connected Apps"):
        walker.scope = await classic.open_page(session, session.url(CP.MANAGE_CONNECTED_APPS_PATH))
        if not await walker.anchor("connected_app_pages.LIST_TABLE"):
            return
    apps = await connected_app_form.list_apps(session)
    mine = next((a for a in apps if a.api_name.lower() == spec.api_name.lower()), None)
    walk.app_exists = mine is not None
    if mine is None:
        walker.title = "App Manager"
        if not new_app:
            await walker.check("connected_app_pages.NEW_CONNECTED_APP", visible=True, wait_ms=0,
                               note=f"App Manager offers no New Connected App: the org setting \"{CP.ORG_SETTING}\" "
                                    f"is off, or the label changed")
            return
        walk.notes.append(f"the Connected App {spec.api_name} does not exist yet: its New form was opened and "
                          f"cancelled")
        await _walk_new_connected_app(walker, spec)
        other = next((a for a in apps if a.href), None)
        if other is None:
            walk.notes.append("no Connected App in the org yet: its detail and Manage pages were not seen")
            return
        walk.notes.append(f"the app's pages were probed on another Connected App, {other.api_name} (read only)")
        mine = other
    await _walk_connected_app_pages(walker, AppRef(mine.name, mine.api_name, classic.in_lightning(session, mine.href)),
                                    spec)


async def _classic_form_checks(walker: _Walker, spec, *, new: bool) -> None:  # noqa: ANN001
    from .locators import connected_app_form as CF

    for key in ("API_NAME", "CONTACT_EMAIL", "DESCRIPTION"):
        await walker.check(f"connected_app_form.{key}")
    if not await walker.check("connected_app_form.ENABLE_OAUTH"):
        return
    on = await controls.read_checked(CF.ENABLE_OAUTH.on(walker.scope))
    if not on and new:
        await controls.set_checked(CF.ENABLE_OAUTH.on(walker.scope), True)
        on = True
    oauth = ("CALLBACK_URL", "SCOPES_AVAILABLE", "SCOPES_SELECTED", "ADD", "REMOVE", "USE_DIGITAL_SIGNATURES")
    if not on:
        for key in oauth:
            walker.not_shown(f"connected_app_form.{key}", "shown with Enable OAuth Settings on; it is off here")
        return
    for key in oauth:
        await walker.check(f"connected_app_form.{key}")
    for key in ("PKCE", "REQUIRE_SECRET_WEB_SERVER", "REQUIRE_SECRET_REFRESH"):
        # the flow sets these only where the page has them
        if not await registry.lookup(f"connected_app_form.{key}").on(walker.scope).count():
            walker.not_shown(f"connected_app_form.{key}", "not on this page; the flow skips it where it is absent")
        else:
            await walker.check(f"connected_app_form.{key}", wait_ms=0)
    signatures = CF.USE_DIGITAL_SIGNATURES.on(walker.scope)
    signed = await signatures.count() > 0 and await controls.read_checked(signatures)
    if not signed and new and spec.jwt_bearer and await signatures.count():
        await controls.set_checked(signatures, True)
        signed = True
    if signed:
        await walker.check("connected_app_form.CERTIFICATE_UPLOAD")
    else:
        walker.not_shown("connected_app_form.CERTIFICATE_UPLOAD", "shown with Use digital signatures on")


async def _walk_new_connected_app(walker: _Walker, spec) -> None:  # noqa: ANN001
    from .locators import connected_app_form as CF

    session, page = walker.session, walker.session.page
    async with walker.page("New Connected App", page):
        await page.goto(session.url(CP.APP_MANAGER_PATH), wait_until="domcontentloaded")
        await CP.APP_MANAGER_LIST.on(page).first.wait_for(state="visible")
        await waits.settled(page, session.timeouts.settle_ms)
        await walker.check("connected_app_pages.NEW_CONNECTED_APP", visible=True)
        await walker.click("connected_app_pages.NEW_CONNECTED_APP")
        walker.scope = await classic.scope_of(session)
        if not await walker.anchor("connected_app_form.NAME"):
            return
        await _classic_form_checks(walker, spec, new=True)
        await walker.check("connected_app_form.SAVE")
        if await walker.check("connected_app_form.CANCEL"):
            await walker.keep_snapshot()
            await walker.click("connected_app_form.CANCEL")
            await CF.NAME.on(walker.scope).first.wait_for(state="detached", timeout=session.timeouts.page_ms)


async def _walk_connected_app_pages(walker: _Walker, ref: AppRef, spec) -> None:  # noqa: ANN001
    from .locators import connected_app_policies as CPP

    session = walker.session
    async with walker.page(f"{ref.api_name}: detail page"):
        walker.scope = await classic.open_page(session, ref.url)
        if not await walker.anchor("connected_app_pages.MANAGE_CONSUMER_DETAILS"):
            return
        walker.walk.checks[-1].note = "looked at, not clicked: it would mail a verification code"
        await walker.check("connected_app_pages.MANAGE")
        if not await walker.check("connected_app_pages.EDIT"):
            return
    async with walker.page(f"{ref.api_name}: Edit"):
        await walker.click("connected_app_pages.EDIT")
        if not await walker.anchor("connected_app_form.NAME"):
            return
        await _classic_form_checks(walker, spec, new=False)
        await walker.check("connected_app_form.SAVE")
        if not await walker.check("connected_app_form.CANCEL"):
            return
        await walker.keep_snapshot()
        await walker.click("connected_app_form.CANCEL")
        await classic.outcome(session, walker.scope, CP.MANAGE_CONSUMER_DETAILS.on(walker.scope),
                              where=f"leaving {ref.name}")
    async with walker.page(f"{ref.api_name}: Manage"):
        await walker.click("connected_app_pages.MANAGE")
        if not await walker.anchor("connected_app_policies.EDIT_POLICIES"):
            return
        for key in ("MANAGE_PROFILES", "MANAGE_PERMISSION_SETS"):
            await walker.check(f"connected_app_policies.{key}")
    for button, title in (("MANAGE_PROFILES", "Manage Profiles"), ("MANAGE_PERMISSION_SETS", "Manage Permission Sets")):
        if not await registry.lookup(f"connected_app_policies.{button}").on(walker.scope).count():
            continue
        async with walker.page(f"{ref.api_name}: {title}"):
            await walker.click(f"connected_app_policies.{button}")
            await walker.anchor("connected_app_policies.ASSIGNMENT_CHECKBOXES")
            walker.walk.checks[-1].wants = "some"
            if walker.walk.checks[-1].status == AMBIGUOUS:
                walker.walk.checks[-1].status, walker.walk.checks[-1].note = FOUND, ""
            if not await walker.check("connected_app_policies.CANCEL"):
                return
            await walker.keep_snapshot()
            await walker.click("connected_app_policies.CANCEL")
            await CPP.EDIT_POLICIES.on(walker.scope).first.wait_for(state="visible")
    async with walker.page(f"{ref.api_name}: Edit Policies"):
        await walker.click("connected_app_policies.EDIT_POLICIES")
        if not await walker.anchor("connected_app_policies.PERMITTED_USERS"):
            return
        for key in ("IP_RELAXATION", "SESSION_TIMEOUT", "SAVE"):
            await walker.check(f"connected_app_policies.{key}")
        await walker.check("connected_app_policies.REFRESH_TOKEN_POLICY")
        await _period_checks(walker, "connected_app_policies")
        if await walker.check("connected_app_policies.CANCEL"):
            await walker.keep_snapshot()
            await walker.click("connected_app_policies.CANCEL")
            await CPP.EDIT_POLICIES.on(walker.scope).first.wait_for(state="visible")


# --- entry -------------------------------------------------------------------------------------------------------

WALKS = {"external_client_app": walk_external_client_app, "connected_app": walk_connected_app}


def login_checks(session: FlowSession, walk: ProbeWalk) -> None:
    """The login flow found these (it could not have logged in otherwise)."""
    walker = _Walker(session, walk)
    walker.title = "Login"
    for key in ("login.USERNAME", "login.PASSWORD", "login.LOG_IN"):
        walker.used(key, "used to log in")


async def walk(session: FlowSession, spec, result: ProbeWalk) -> None:  # noqa: ANN001 - provisioner.spec.AppSpec
    """Visit every page and control the spec's run would use, changing nothing; `result` fills as the walk goes (so
    a walk that stops half-way still reports what it saw)."""
    login_checks(session, result)
    await WALKS[spec.app_type](session, spec, result)


__all__ = ["FAILING", "LocatorCheck", "PageVisit", "ProbeWalk", "walk"]
