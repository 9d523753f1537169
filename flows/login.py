"""Log in to the org: username and password, then whatever identity verification Salesforce asks for.

Challenges are recognised the way automation against real orgs does it: by the URL (/_ui/identity/verification/)
and by probing the code inputs (#tc TOTP, #emc emailed code, #smc SMS). Success is landing on /lightning/.
The mailbox is watched *before* Log In is clicked, so an emailed code sent right away is never missed.
"""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from urllib.parse import parse_qsl, urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from provisioner.errors import (AccountLockedError, ConfigError, LoginError, NoVerificationEmailError,
                                OrgUnavailableError, TotpRejectedError, UnknownChallengeError)
from provisioner.hosts import is_trusted_login_host

from . import identity, waits
from .locators import Loc
from .locators import login as L
from .locators import verification as V
from .session import CodeWait, FlowSession

#: challenges we answer at most this many times in one login (a loop would mean Salesforce keeps asking)
MAX_CHALLENGES = 4
#: emailed codes typed in one login at most (each one newer than the last; Salesforce ends a login after 5 wrong)
EMAILED_CODES = 3
#: Salesforce's words for a code it does not take (wrong, superseded by a newer one, expired): worth the next mail
CODE_REFUSED = re.compile(r"code you entered isn't valid|invalid or expired|code has expired|isn't valid", re.I)


def _is_success(url: str) -> bool:
    return V.SUCCESS_URL_PART in urlsplit(url).path


def _is_verification(url: str) -> bool:
    # the phone registration interstitial is an identity page too, but not under /_ui/identity/verification/
    return V.IDENTITY_URL_PART in urlsplit(url).path


async def log_in(session: FlowSession, org) -> str:  # noqa: ANN001 - provisioner.config.OrgSettings
    """Log in; returns the instance URL (scheme://host of the Lightning pages). Raises a LoginError subclass."""
    page = session.page
    timeout = session.timeouts.page_ms
    await session.chapter("Log in", f"Log in to {org.login_url} as {org.username}")
    # the org user's authenticator app, shared with later verifications in Setup (it remembers the codes used)
    identity.remember_authenticator(session, org.totp_secret)
    try:
        await page.goto(org.login_url, wait_until="domcontentloaded", timeout=timeout)
    except PlaywrightError as exc:
        raise OrgUnavailableError(f"cannot open {org.login_url}: {str(exc).splitlines()[0]}") from None
    await waits.ensure_available(page)

    await _fill_username_and_password(session, org)

    async with AsyncExitStack() as stack:
        # Watch the mailbox before Log In: an unrecognised device gets its code mailed right after the click.
        mail: CodeWait | None = None
        if session.code_waiter is not None:
            mail = await stack.enter_async_context(session.expecting_code("login"))
        await L.LOG_IN.on(page).click(timeout=timeout)
        state = await _after_submit(session, failure_is=LoginError)
        for _ in range(MAX_CHALLENGES):
            if state == "success":
                break
            state = await _answer_challenge(session, org, mail)
        else:
            raise UnknownChallengeError(f"Salesforce kept asking for identity verification ({_where(page.url)})")
    await waits.ensure_available(page)
    parts = urlsplit(page.url)
    session.instance_url = f"{parts.scheme}://{parts.netloc}"
    return session.instance_url


async def enter_with_session(session: FlowSession, instance_url: str, frontdoor_url: str, *, target_org: str = "",
                             trusted_hosts: tuple[str, ...] = (), totp_secret: str | None = None,
                             whose: str = "the Salesforce CLI's") -> str:
    """Open Setup through the front door with a session held already (the Salesforce CLI's: `sf org open
    --url-only`'s single-use link, or frontdoor.jsp with its access token; or a re-run's stored credentials' token,
    `whose`): no password, TOTP or login page. Returns the instance URL. An org that shows its login page instead
    refused the token: one LoginError line says what to run.
    `totp_secret`: the admin's authenticator, for the verifications Setup still asks for (consumer details)."""
    page, timeout = session.page, session.timeouts.page_ms
    identity.remember_authenticator(session, totp_secret)
    # the link is the session itself: masked everywhere (logs, failure artifacts, the recording) from now on
    session.keep_secret(frontdoor_url)
    for _, value in parse_qsl(urlsplit(frontdoor_url).query):
        if len(value) >= 16:
            session.keep_secret(value)
    host = urlsplit(frontdoor_url).hostname or ""
    if not is_trusted_login_host(host, (urlsplit(instance_url).hostname or "", *trusted_hosts)):
        raise LoginError(f"{whose} front door link points at {host}, which is not a Salesforce domain, "
                         "loopback or the org's instance: it was not opened")
    await session.chapter("Log in", f"Open Setup with {whose} session for {target_org or host}")
    try:
        await page.goto(frontdoor_url, wait_until="domcontentloaded", timeout=timeout)
    except PlaywrightError as exc:
        first = session.secrets.mask(str(exc).splitlines()[0])
        raise OrgUnavailableError(f"cannot open the front door of {instance_url}: {first}") from None
    outcomes = {
        "success": lambda: page.wait_for_url(_is_success, timeout=timeout),
        "login page": lambda: L.USERNAME.on(page).wait_for(state="visible", timeout=timeout),
        "maintenance": lambda: page.wait_for_url(lambda u: waits.common.MAINTENANCE_PATH in u, timeout=timeout),
        # Salesforce's internal error page answers a submit now and then: known at once, not after the timeout
        "unavailable": lambda: waits.unavailable_notice(page).first.wait_for(state="visible", timeout=timeout),
    }
    try:
        winner = await waits.first_of(outcomes, timeout)
    except PlaywrightTimeout:
        await waits.ensure_available(page)
        raise OrgUnavailableError(f"the front door did not open Setup within {timeout / 1000:.0f}s "
                                  f"({_where(page.url)})") from None
    await waits.ensure_available(page)
    if winner == "login page":
        again = f"sf org login web -o {target_org}" if target_org else "sf org login web"
        raise LoginError(f"the org did not open a browser session with {whose} token (it showed its "
                         f"login page): the session has expired, or the org refuses token-based browser logins "
                         f"(phishing-resistant MFA); run `{again}` and try again, or log in with a password")
    parts = urlsplit(page.url)
    session.instance_url = f"{parts.scheme}://{parts.netloc}"
    return session.instance_url


async def _fill_username_and_password(session: FlowSession, org) -> None:  # noqa: ANN001
    page, timeout = session.page, session.timeouts.page_ms
    username = L.USERNAME.on(page)
    password = L.PASSWORD.on(page)
    await username.wait_for(state="visible", timeout=timeout)
    await username.fill(org.username, timeout=timeout)
    if not await password.is_visible():
        # My Domain variant: the username first, then the password on a second page (same #Login button)
        await L.LOG_IN.on(page).click(timeout=timeout)
        winner = await waits.first_of({
            "password": lambda: password.wait_for(state="visible", timeout=timeout),
            "error": lambda: waits.errors_on(page).first.wait_for(state="visible", timeout=timeout),
        }, timeout)
        if winner == "error":
            await _raise_login_error(session)
    _check_host_before_password(page.url, org)
    async with session.recorder.secret_input(page):
        await password.fill(org.password, timeout=timeout)


def _check_host_before_password(url: str, org) -> None:  # noqa: ANN001
    """The password goes only into a page on a Salesforce domain, loopback, the configured login URL's host or a host
    the user named: a redirect (or a planted login URL) must not collect it."""
    host = urlsplit(url).hostname or ""
    extra = (urlsplit(org.login_url).hostname or "", *org.trusted_hosts)
    if not is_trusted_login_host(host, extra):
        raise LoginError(f"the login page is on {host or url.split('?')[0]}, which is not a Salesforce domain, "
                         f"loopback or the login URL's host: the password was not typed (name the host with "
                         f"--trust-host if it really is your org's login page)")


async def _after_submit(session: FlowSession, *, failure_is: type[LoginError], answered: Loc | None = None) -> str:
    """Where Log In (or a verification submit) led: 'success', 'verification', or the page's error raised.

    After a challenge's own submit, its page (and input) stays until Salesforce answers and comes back when the
    code is refused, so only another kind of challenge counts as a following one.
    """
    page, timeout = session.page, session.timeouts.page_ms
    error = L.ERROR.on(page).or_(V.ERROR.on(page)).filter(visible=True).filter(has_text=re.compile(r"\S"))
    outcomes = {
        "success": lambda: page.wait_for_url(_is_success, timeout=timeout),
        "error": lambda: error.first.wait_for(state="visible", timeout=timeout),
        "maintenance": lambda: page.wait_for_url(lambda u: waits.common.MAINTENANCE_PATH in u, timeout=timeout),
        # Salesforce's internal error page answers a submit now and then: known at once, not after the timeout
        "unavailable": lambda: waits.unavailable_notice(page).first.wait_for(state="visible", timeout=timeout),
    }
    outcomes["verification"] = lambda: _verification_page(session, answered)
    try:
        winner = await waits.first_of(outcomes, timeout)
    except PlaywrightTimeout:
        await waits.ensure_available(page)
        raise OrgUnavailableError(f"login did not finish within {timeout / 1000:.0f}s ({_where(page.url)})") from None
    if winner in ("maintenance", "unavailable"):
        await waits.ensure_available(page)
        raise OrgUnavailableError(f"the org answered with its error page ({_where(page.url)})")
    if winner == "error":
        await _raise_login_error(session, failure_is=failure_is)
    return winner


async def _verification_page(session: FlowSession, answered: Loc | None) -> None:
    """A verification page whose code input (other than the one just answered) or phone interstitial is ready."""
    page, timeout = session.page, session.timeouts.page_ms
    await page.wait_for_url(_is_verification, timeout=timeout)
    await _challenge_inputs(session, answered).first.wait_for(state="visible", timeout=timeout)


def _challenge_inputs(session: FlowSession, answered: Loc | None = None):  # noqa: ANN202
    page = session.page
    found = V.SKIP_PHONE_REGISTRATION.on(page)
    for challenge in (V.TOTP_INPUT, V.EMAIL_CODE_INPUT, V.SMS_CODE_INPUT):
        if challenge != answered:
            found = found.or_(challenge.on(page))
    return found


async def _raise_login_error(session: FlowSession, *, failure_is: type[LoginError] = LoginError) -> None:
    page = session.page
    texts = await waits.all_error_texts(page)
    for locator in (L.ERROR, V.ERROR):
        found = locator.on(page).filter(visible=True)
        if await found.count():
            texts = [waits.squash(await found.first.inner_text())] + texts
            break
    message = next((t for t in texts if t), "Salesforce refused the login")
    locked = identity.lock_error(message, where="login")
    if locked is not None:
        raise locked
    if any(word in message.lower() for word in L.LOCKED_WORDS):
        raise AccountLockedError(f"the account is locked: {message}")
    if any(text.lower() in message.lower() for text in waits.common.UNAVAILABLE_TEXTS):
        raise OrgUnavailableError(f"the org is unavailable: {message}")
    if failure_is is TotpRejectedError:
        raise TotpRejectedError(f"the authenticator code was refused (check SALESFORCE_TOTP_SECRET): {message}")
    raise failure_is(f"login failed: {message}")


async def _answer_challenge(session: FlowSession, org, mail: CodeWait | None) -> str:  # noqa: ANN001
    page, timeout = session.page, session.timeouts.page_ms
    if await V.TOTP_INPUT.on(page).is_visible():
        return await _answer_totp(session, org)
    if await V.EMAIL_CODE_INPUT.on(page).is_visible():
        return await _answer_emailed_code(session, mail)
    if await V.SKIP_PHONE_REGISTRATION.on(page).is_visible():
        await session.chapter("Log in", "Salesforce offers to register a mobile phone: not now")
        async with page.expect_navigation(timeout=timeout):
            await V.SKIP_PHONE_REGISTRATION.on(page).click(timeout=timeout)
        return await _after_submit(session, failure_is=LoginError)
    if await V.SMS_CODE_INPUT.on(page).is_visible():
        raise UnknownChallengeError("Salesforce asks for a code sent by SMS: register an authenticator app (TOTP) "
                                    "for this user or allow emailed codes")
    title = ""
    try:
        title = waits.squash(await page.title())
    except PlaywrightError:
        pass
    raise UnknownChallengeError(f"an identity verification this tool cannot answer: {title or _where(page.url)}")


async def _answer_totp(session: FlowSession, org) -> str:  # noqa: ANN001
    authenticator = identity.authenticator_of(session)
    if authenticator is None:
        raise identity.no_authenticator_error("login")
    await session.chapter("Log in", "Answer the authenticator app challenge with a code from the TOTP secret")
    try:
        return await _submit_totp(session, await authenticator.code())
    except TotpRejectedError:
        # used already (a code is good once: a second login within its 30 s) or its step ended on the way
        await session.chapter("Log in", "The code was refused: wait for the authenticator's next code")
        return await _submit_totp(session, await authenticator.next_code())


async def _submit_totp(session: FlowSession, code: str) -> str:
    page, timeout = session.page, session.timeouts.page_ms
    async with session.recorder.secret_input(page, [V.TOTP_INPUT.on(page)]):
        await V.TOTP_INPUT.on(page).fill(code, timeout=timeout)
        async with page.expect_navigation(timeout=timeout):  # the page answers anew: an earlier error goes with it
            await V.SUBMIT.on(page).click(timeout=timeout)
    return await _after_submit(session, failure_is=TotpRejectedError, answered=V.TOTP_INPUT)


async def _answer_emailed_code(session: FlowSession, mail: CodeWait | None) -> str:
    """Type the newest code mailed for this login. Refused as not valid (a late mail of an earlier code won the race,
    or the code was superseded meanwhile): wait for the next mail and type that, as a person would, up to
    EMAILED_CODES codes (Salesforce allows more wrong ones before it ends the login). A lock is final."""
    page = session.page
    await session.chapter("Log in", "Salesforce emailed a verification code: read it from the mailbox over IMAP")
    if mail is None:
        raise ConfigError("Salesforce emailed a verification code, but no mailbox is configured "
                          "(set IMAP_HOST, IMAP_USER, IMAP_PASSWORD)")
    resent = False
    for typed in range(1, EMAILED_CODES + 1):
        try:
            code = await mail.code()  # newer than any code typed before in this login
        except NoVerificationEmailError:
            # the mail may have been lost: ask once more (the waiter is still listening; a newer code replaces the old)
            resend = V.RESEND_CODE.on(page)
            if resent or not await resend.count():
                raise
            resent = True
            await session.chapter("Log in", "No verification email yet: ask Salesforce to send a new code")
            await resend.first.click()
            await V.EMAIL_CODE_INPUT.on(page).wait_for(state="visible", timeout=session.timeouts.page_ms)
            code = await mail.code()
        try:
            return await _submit_emailed_code(session, code)
        except LoginError as exc:
            if type(exc) is not LoginError or not CODE_REFUSED.search(str(exc)) or typed == EMAILED_CODES:
                raise
            await session.chapter("Log in", "The code was refused (an older mail came first): wait for the newer one")
    raise AssertionError("unreachable")  # the loop returns or raises


async def _submit_emailed_code(session: FlowSession, code: str) -> str:
    page, timeout = session.page, session.timeouts.page_ms
    async with session.recorder.secret_input(page, [V.EMAIL_CODE_INPUT.on(page)]):
        await V.EMAIL_CODE_INPUT.on(page).fill(code, timeout=timeout)
        async with page.expect_navigation(timeout=timeout):  # the page answers anew: an earlier error goes with it
            await V.SUBMIT.on(page).click(timeout=timeout)
    return await _after_submit(session, failure_is=LoginError, answered=V.EMAIL_CODE_INPUT)


def _where(url: str) -> str:
    return url.split("?")[0]
