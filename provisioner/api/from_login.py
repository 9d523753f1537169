"""The API session the login already made: no second login, nothing more to configure.

- A password login (or any browser login): the browser context's `sid` cookie of the org's My Domain
  (https://<name>.my.salesforce.com). Salesforce accepts that session on its APIs for a user with "API Enabled"; the
  session of the Lightning domain (<name>.lightning.force.com), where the login lands, is not API-enabled, so the
  Lightning host is mapped to its My Domain first (EVIDENCE.md "API session from a browser login").
- `--target-org`: the Salesforce CLI's own access token (`sf org auth show-access-token`, refreshed by the CLI), an
  OAuth token with the `api` scope, for the instance URL `sf org display` gave.

Either session id is a secret: it joins the run's SecretSet before anything else sees it.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from ..errors import ApiUnavailableError, LoginError
from ..redact import SecretSet
from .session import ApiSession

#: the cookie Salesforce keeps its session in
SESSION_COOKIE = "sid"
#: host suffixes of the pages a login lands on -> the My Domain suffix of the same org (production, sandboxes,
#: Developer Edition, scratch orgs and playgrounds keep their middle part: <name>--uat.sandbox.lightning.force.com
#: -> <name>--uat.sandbox.my.salesforce.com)
_MY_DOMAIN_SUFFIXES = (
    (".lightning.force.com", ".my.salesforce.com"),
    (".my.salesforce-setup.com", ".my.salesforce.com"),
)


def my_domain_url(instance_url: str) -> str:
    """The org's My Domain origin for the origin its Lightning pages are on (unchanged when it is one already, and on
    loopback, where the simulated org serves both)."""
    parts = urlsplit(instance_url.strip())
    host = (parts.hostname or "").lower()
    for lightning, my_domain in _MY_DOMAIN_SUFFIXES:
        if host.endswith(lightning):
            host = host[: -len(lightning)] + my_domain
            break
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


async def from_browser(context, instance_url: str, secrets: SecretSet) -> ApiSession:  # noqa: ANN001
    """The My Domain session of a logged-in Playwright BrowserContext. ApiUnavailableError when there is none."""
    url = my_domain_url(instance_url)
    host = urlsplit(url).hostname or url
    cookies = [c for c in await context.cookies(url) if c.get("name") == SESSION_COOKIE and c.get("value")]
    # a host-only cookie of the My Domain itself before one a parent domain set
    cookies.sort(key=lambda c: str(c.get("domain", "")).lstrip(".").lower() != host)
    if not cookies:
        raise ApiUnavailableError(f"the browser holds no session for {host} (no `{SESSION_COOKIE}` cookie of the "
                                  "org's My Domain): the API path has no session to use; use --via browser")
    session_id = str(cookies[0]["value"])
    secrets.add(session_id)
    return ApiSession(instance_url=url, session_id=session_id)


def from_cli(target_org: str, instance_url: str, secrets: SecretSet) -> ApiSession:
    """The Salesforce CLI's access token for `target_org` (blocking: runs `sf`). Refusals are one line."""
    from .. import sf_cli

    try:
        result = sf_cli.run_sf("org", "auth", "show-access-token", "--target-org", target_org)
    except sf_cli.SfCommandFailed as exc:
        first = (exc.message.splitlines() or [exc.name])[0]
        raise LoginError(f"the Salesforce CLI gave no access token for {target_org} ({exc.name}: "
                         f"{secrets.mask(first)}): run `sf org login web -o {target_org}` and try again") from None
    token = str(result.get("accessToken") or "")
    if not token or token.startswith("[REDACTED]"):
        raise LoginError(f"the Salesforce CLI gave no access token for {target_org}: run "
                         f"`sf org login web -o {target_org}` and try again")
    secrets.add(token)
    return ApiSession(instance_url=my_domain_url(instance_url), session_id=token)


async def api_session(context, org, instance_url: str, secrets: SecretSet) -> ApiSession:  # noqa: ANN001
    """The API session of the login that just happened: the CLI's token with --target-org, else the browser's."""
    if getattr(org, "sf_target_org", None):
        return await asyncio.to_thread(from_cli, org.sf_target_org, org.login_url or instance_url, secrets)
    return await from_browser(context, instance_url, secrets)


__all__ = ["SESSION_COOKIE", "api_session", "from_browser", "from_cli", "my_domain_url"]
