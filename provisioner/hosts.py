"""Where credentials may be sent: http only to this machine, an admin's password only to Salesforce's own hosts.

A login URL arrives from flags, the environment, a `.env` or an inventory; any of them can be wrong or planted.
These checks run before anything is sent. Core module: no imports from the engine.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from typing import Iterable

from .errors import ConfigError

#: Domains Salesforce serves logins and org pages from; their subdomains cover the My Domain families
#: (<name>.my.salesforce.com, <name>--<sandbox>.sandbox.my.salesforce.com, <name>-dev-ed.develop.my.salesforce.com,
#: <name>.lightning.force.com, <name>.my.salesforce-setup.com, <name>.my.site.com, <name>.vf.force.com, ...)
#: and Salesforce on Alibaba Cloud (sfcrmapps.cn / sfcrmproducts.cn). Any other host (a custom login domain,
#: Government Cloud Plus) is trusted only when the user names it.
SALESFORCE_DOMAINS = (
    "salesforce.com", "force.com", "salesforce-setup.com", "cloudforce.com", "database.com", "visualforce.com",
    "site.com", "sfcrmapps.cn", "sfcrmproducts.cn",
)


def _bare(host: str) -> str:
    """Lower case, without IPv6 brackets or the DNS root's trailing dot."""
    host = (host or "").strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") else host


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1, IPv4-mapped 127.x). Other names never count:
    `*.localhost` or a DNS name pointing at 127.0.0.1 can be answered by someone else's resolver."""
    host = _bare(host)
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _named(host: str, extra: Iterable[str]) -> bool:
    return host in {_bare(h) for h in extra if h}


def is_trusted_login_host(host: str, extra: Iterable[str] = ()) -> bool:
    """May the admin's password be typed into a page on `host`? Salesforce's domains (and subdomains), loopback
    (the simulated org), and hosts the user named exactly."""
    host = _bare(host)
    if not host:
        return False
    if is_loopback(host) or _named(host, extra):
        return True
    return any(host == domain or host.endswith("." + domain) for domain in SALESFORCE_DOMAINS)


def check_login_url(url: str, setting_name: str, extra_hosts: Iterable[str] = ()) -> str:
    """The login URL, normalised (lower-case scheme and host, no trailing slash), or ConfigError naming the setting.

    https is accepted for any host; http only for loopback hosts or a host in `extra_hosts` (named by the user),
    since a password sent over http can be read on the way. A user part (`user:pw@host`) is refused: it can hide
    the real host ("https://login.salesforce.com@evil.example").
    """
    text = (url or "").strip()
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        host = port = None
    if scheme not in ("http", "https") or not host:
        raise ConfigError(f"{setting_name}: {_shown(parts, text)!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ConfigError(f"{setting_name}: a login URL cannot carry a user name or password (user@host); "
                          "give the host only")
    if any(c.isspace() for c in text):
        raise ConfigError(f"{setting_name}: {text!r} is not an http(s) URL (it contains spaces)")
    if scheme == "http" and not (is_loopback(host) or _named(host, extra_hosts)):
        raise ConfigError(f"{setting_name}: use https for {host} (http is only for loopback hosts such as "
                          "127.0.0.1 or localhost: a password sent over http can be read on the way)")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")


def _shown(parts: urllib.parse.SplitResult, text: str) -> str:
    """The URL for an error message, without any user part (it may hold a password)."""
    if "@" not in parts.netloc:
        return text
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
