"""Assemble one simulated org: its data, latency, mail, page modules, HTTP server and inspection API.

`start_sim(SimOptions(...))` is used in-process by tests and by `provisioner demo`/`provisioner sim`. Each call
builds an independent org with its own ports, state and (optionally) its own embedded mailbox.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .variants import with_variant
from . import inspect as inspect_api
from . import faults as fault_profiles
from . import app_credentials, mailer, metadata, oauth, pages, rest
from .embedded_mail import EmbeddedMailbox
from .http import Router, middleware, serve
from .latency import PROFILES, Latency
from .org import SimOrg
from .orgdata import LOGIN_STYLES, default_mobile_phone, load_org_config, populate

_BASE32 = string.ascii_uppercase + "234567"


@dataclass
class SimOptions:
    host: str = "127.0.0.1"
    port: int = 0  # the org's My Domain; 0: any free port
    login_port: int = 0  # the generic login host, when the org has one (login_host="generic"); 0: any free port
    inspect_port: int = 0
    seed: int | None = None
    latency: str = "fast"  # "fast" | "realistic"
    org_data: str | None = None  # org data TOML; None: default_org.toml
    mail: str = "embedded"  # "embedded" | "smtp://host:port" | "lmtp://host:port"
    # An external mailbox to advertise in info() (with mail = smtp://... or lmtp://...)
    imap_host: str | None = None
    imap_port: int | None = None
    imap_user: str | None = None
    imap_password: str | None = None
    imap_ssl: bool = False
    imap_folder: str = "INBOX"
    # Overrides of the org data, handy in tests
    sandbox_name: str | None = None  # make the org a sandbox with this name
    admin_totp: bool | None = None  # True: the admin has an authenticator app; False: none
    unrecognised_device: bool | None = None  # True: the admin's login asks for an emailed code
    admin_email: str | None = None  # where the admin's verification mail goes
    lockout_attempts: int | None = None
    connected_apps_allowed: bool | None = None  # the org setting "Allow creation of connected apps"
    login_style: str | None = None  # "classic" | "two_step" (My Domain: username page, then password page)
    admin_mfa: str | None = None  # "totp" | "sms" | "none": how the admin's login is verified
    phone_registration_prompt: bool | None = None  # True: after login the admin meets "Register Your Mobile Phone"
    admin_api_enabled: bool | None = None  # False: the admin lacks "API Enabled" (no API, the pages only)
    # How orgs differ (OrgConfig documents each; sim/variants.py names the combinations)
    login_host: str | None = None  # "generic" | "my_domain"
    idle_refresh_token_limit: bool | None = None
    collapsed_sections: bool | None = None
    release: str | None = None  # "current" | "previous"
    relabel: dict[str, str] | None = None  # label text -> another text on every page (a relabelled release)
    variant: str | None = None  # a named combination from sim/variants.py, applied before the fields above
    token_browser_login: bool | None = None  # False: frontdoor.jsp refuses token sessions (phishing-resistant MFA)
    dev_hub: bool | None = None  # True: the org is a Dev Hub that creates scratch orgs (sim/scratch.py)
    #: the fault profile (sim/faults.py): "name=rate,..." or {name: rate}; seeded by `seed`
    faults: str | dict[str, float] | None = None
    #: the org setting "Allow access to External Client App consumer secrets via REST API" (off on a real org)
    eca_secrets_via_rest: bool | None = None


class SimHandle:
    def __init__(self, org: SimOrg, options: SimOptions, servers: list, mailbox: EmbeddedMailbox | None,
                 mail: mailer.Mailer, inspect_url: str):
        self.org = org
        self.options = options
        self.base_url = org.base_url  # the org's My Domain: Setup, its token endpoint, the REST API
        self.login_url = org.login_url  # where users log in: a generic login host, or the My Domain itself
        self.inspect_url = inspect_url
        self.mailbox = mailbox
        self.mailer = mail
        self._servers = servers
        self._stopped = False

    @property
    def admin(self):
        return self.org.user(self.org.config.admin_username)

    def info(self) -> dict[str, Any]:
        """The JSON `provisioner sim` prints (keys in docs/internals.md)."""
        admin = self.admin
        if self.mailbox is not None and self.mailbox.info is not None:
            box = self.mailbox.info
            imap = {"imap_host": box.imap_host, "imap_port": box.imap_port, "imap_user": box.imap_user,
                    "imap_password": box.imap_password, "imap_ssl": False}
        else:
            o = self.options
            imap = {"imap_host": o.imap_host, "imap_port": o.imap_port, "imap_user": o.imap_user,
                    "imap_password": o.imap_password, "imap_ssl": o.imap_ssl}
        return {
            "login_url": self.login_url,
            "instance_url": self.base_url,
            "username": admin.username,
            "password": admin.password,
            "totp_secret": admin.totp_secret,
            "email": admin.email,
            **imap,
            "imap_folder": self.options.imap_folder,
            "inspect_url": self.inspect_url,
            "org_id": self.org.org_id,
            "org_name": self.org.config.name,
            "sandbox": self.org.config.sandbox,
        }

    def cli_token(self, username: str | None = None, *, lifetime: float | None = None) -> str:
        """An access token for the admin (or `username`) as the Salesforce CLI holds one after `sf org login web`."""
        return oauth.issue_cli_token(self.org, username or self.org.config.admin_username, lifetime=lifetime)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for scratch in list(getattr(self.org, "scratch_servers", [])):
            scratch.shutdown()
            scratch.server_close()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self.mailer.wait_idle(timeout=5)
        if self.mailbox is not None:
            self.mailbox.stop()

    def __enter__(self) -> "SimHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_org(options: SimOptions) -> SimOrg:
    options = with_variant(options)
    if options.latency not in PROFILES:
        raise ConfigError(f"--latency must be one of {', '.join(PROFILES)}, not {options.latency!r}")
    config = load_org_config(options.org_data)
    if options.sandbox_name:
        config.sandbox, config.sandbox_name = True, options.sandbox_name
    if options.lockout_attempts is not None:
        config.lockout_attempts = options.lockout_attempts
    if options.connected_apps_allowed is not None:
        config.connected_apps_allowed = options.connected_apps_allowed
    if options.login_style is not None:
        if options.login_style not in LOGIN_STYLES:
            raise ConfigError(f"login_style must be one of {', '.join(LOGIN_STYLES)}, not {options.login_style!r}")
        config.login_style = options.login_style
    for name, allowed in (("login_host", ("generic", "my_domain")), ("release", ("current", "previous"))):
        value = getattr(options, name)
        if value is not None and value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    for name in ("login_host", "idle_refresh_token_limit", "collapsed_sections", "release", "relabel",
                 "token_browser_login"):
        if getattr(options, name) is not None:
            setattr(config, name, getattr(options, name))
    if options.dev_hub is not None:
        config.is_dev_hub = options.dev_hub
    if options.eca_secrets_via_rest is not None:
        config.eca_secrets_via_rest = options.eca_secrets_via_rest
    if options.admin_mfa not in (None, "totp", "sms", "none"):
        raise ConfigError(f"admin_mfa must be totp, sms or none, not {options.admin_mfa!r}")
    org = SimOrg(config, seed=options.seed)
    fault_profiles.install(org, options.faults, options.seed)
    org.latency = Latency(options.latency, options.seed)
    config.propagation_seconds = org.latency.propagation_seconds()
    populate(org)
    admin = org.user(config.admin_username)
    if options.admin_totp is True and not admin.totp_secret:
        admin.totp_secret = org.ids.token(32, _BASE32)
    elif options.admin_totp is False:
        admin.totp_secret = None
    if options.admin_mfa is not None:
        admin.sms_mfa = options.admin_mfa == "sms"
        if options.admin_mfa == "totp" and not admin.totp_secret:
            admin.totp_secret = org.ids.token(32, _BASE32)
        elif options.admin_mfa != "totp":
            admin.totp_secret = None
        if admin.sms_mfa and not admin.mobile_phone:
            admin.mobile_phone = default_mobile_phone(org)
    if options.unrecognised_device is not None:
        admin.unrecognised_device = options.unrecognised_device
    if options.phone_registration_prompt is not None:
        admin.phone_registration_prompt = options.phone_registration_prompt
    if options.admin_email:
        admin.email = options.admin_email
    if options.admin_api_enabled is not None:
        admin.api_enabled = options.admin_api_enabled
    return org


def build_router(org: SimOrg) -> Router:
    """Every route of the org's own port: the middleware, the pages, the OAuth endpoints and the REST API."""
    router = Router()
    middleware.install(router, org, server_error_page=pages.common.server_error_page)
    pages.register_all(router, org)
    oauth.register(router, org)
    rest.register(router, org)
    app_credentials.register(router, org)
    metadata.register(router, org)
    return router


def build_login_host_router(org: SimOrg) -> "LandsOnMyDomain":
    """The generic login host (what login.salesforce.com / test.salesforce.com are to a real org): its login page,
    which lands the browser on the org's My Domain once the password is right, and its token endpoint, which does
    not serve External Client Apps (oauth.register_login_host). Nothing else lives there: no Setup, no REST API."""
    router = Router()
    router.middleware += [middleware.faults(org, server_error_page=pages.common.server_error_page),
                          middleware.latency(org)]
    pages.login.register(router, org)
    oauth.register_login_host(router, org)
    return LandsOnMyDomain(router, org)


class LandsOnMyDomain:
    """Serves a router whose redirects go to the org's My Domain: the login host's pages send every browser on to
    the org's own host (identity verification, Setup), as the generic login hosts do."""

    def __init__(self, router: Router, org: SimOrg):
        self.router = router
        self.org = org

    def dispatch(self, request):  # noqa: ANN001, ANN201 - http.Request -> http.Response
        response = self.router.dispatch(request)
        response.headers = [(name, self._absolute(value) if name.lower() == "location" else value)
                            for name, value in response.headers]
        return response

    def _absolute(self, location: str) -> str:
        if location.startswith("/") and not location.startswith("//"):
            return self.org.base_url.rstrip("/") + location
        return location


def scratch_server(hub: SimOrg, host: str, advertised: str):  # noqa: ANN201 - (SimOrg) -> str
    """How a Dev Hub serves the scratch orgs it creates (sim/scratch.py): each on a port of its own, with the full
    router (its own login page, Setup, OAuth, REST), stopped with the hub (SimHandle.stop)."""

    def serve_scratch(scratch: SimOrg) -> str:
        server, _ = serve(build_router(scratch), host, 0)
        scratch.base_url = scratch.login_url = f"http://{advertised}:{server.server_address[1]}"
        with hub.lock:
            hub.scratch_servers = [*getattr(hub, "scratch_servers", []), server]
        return scratch.base_url

    return serve_scratch


def start_sim(options: SimOptions | None = None) -> SimHandle:
    options = options or SimOptions()
    org = build_org(options)
    mailbox: EmbeddedMailbox | None = None
    if options.mail == "embedded":
        mailbox = EmbeddedMailbox(seed=options.seed, host="127.0.0.1", faults=fault_profiles.profile_of(org))
        box = mailbox.start()
        target = f"smtp://{box.smtp_host}:{box.smtp_port}"
    else:
        target = options.mail
    servers = []
    try:
        mail = mailer.install(org, target)
        server, _ = serve(build_router(org), options.host, options.port)
        servers.append(server)
        # Listening on all interfaces still needs an address clients can reach.
        advertised = "127.0.0.1" if options.host in ("", "0.0.0.0") else options.host
        org.base_url = f"http://{advertised}:{server.server_address[1]}"
        org.login_url = org.base_url
        if org.config.login_host == "generic":
            login_server, _ = serve(build_login_host_router(org), options.host, options.login_port)
            servers.append(login_server)
            org.login_url = f"http://{advertised}:{login_server.server_address[1]}"
        inspect_router = Router()
        inspect_api.register(inspect_router, org)
        # The inspection API is for tests on this machine only: always loopback.
        inspect_server, _ = serve(inspect_router, "127.0.0.1", options.inspect_port)
        servers.append(inspect_server)
    except BaseException:
        for server in servers:
            server.shutdown()
            server.server_close()
        if mailbox is not None:
            mailbox.stop()
        raise
    inspect_url = f"http://127.0.0.1:{inspect_server.server_address[1]}"
    org.serve_scratch = scratch_server(org, options.host, advertised)
    org.log("sim_started", base_url=org.base_url, login_url=org.login_url)
    return SimHandle(org, options, servers, mailbox, mail, inspect_url)
