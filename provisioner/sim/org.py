"""The state of one simulated org, shared by all its page modules. Every mutation happens under `org.lock`."""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .model import ExternalClientApp, IdFactory, PermissionSet, Profile, User, VerificationCode

SESSION_COOKIE = "sid"  # Salesforce's session cookie name


#: how long a verified session may see an app's consumer key and secret ([none]: modelled)
CONSUMER_GRANT_SECONDS = 5 * 60


@dataclass
class Challenge:
    """One pending identity verification of a login (kept on its pending session)."""

    kind: str  # "totp" | "email" | "sms" | "phone" (the registration interstitial)
    ret_url: str
    vcsrf: str
    vpol: str
    vflid: str
    confirm_token: str = ""
    purpose: str = "login"  # of the code: "login", or for SMS "sms-login" | "phone-registration"
    phone: str = ""  # the number being registered (phone-registration)
    attempts: int = 0
    started_at: float = field(default_factory=time.time)


@dataclass
class Session:
    id: str
    username: str
    created_at: float
    last_seen: float
    #: a login still waiting for its identity verification (TOTP or emailed code): not yet a full session
    pending_challenge: str | None = None  # "totp" | "email" | "sms" | "phone" | None
    challenge: Challenge | None = None  # the details of that verification


@dataclass
class AccessToken:
    username: str  # lower-case
    expires_at: float
    app_id: str
    scopes: list[str] = field(default_factory=list)


@dataclass
class FrontdoorCode:
    """A single-use front door link that /services/oauth2/singleaccess handed out (pages/frontdoor.py takes it)."""

    username: str  # lower-case
    start_url: str
    expires_at: float


@dataclass
class OrgConfig:
    """What the org data TOML describes (see orgdata.py for the file format and the defaults)."""

    name: str = "Acme Corporation"
    sandbox: bool = False
    sandbox_name: str = ""  # e.g. "uat": usernames get the ".uat" suffix
    admin_username: str = "admin@acme.example"
    profiles: list[str] = field(default_factory=list)
    permission_sets: list[tuple[str, str]] = field(default_factory=list)  # (api name, label)
    users: list[dict] = field(default_factory=list)  # raw user dicts, see orgdata.py
    session_timeout_seconds: int = 2 * 3600
    code_ttl_seconds: int = 600  # [none]: not public; 10 minutes modelled
    propagation_seconds: float = 2.0  # a changed app is not usable for JWT logins at once
    lockout_attempts: int = 10  # Salesforce's default "Maximum invalid login attempts"
    lockout_minutes: int = 15  # Salesforce's default "Lockout effective period"
    verification_attempts: int = 5  # [none]: wrong codes accepted before a login challenge ends
    #: "Allow creation of connected apps": off by default since Spring '26
    #: (EVIDENCE.md "Classic Connected App pages")
    connected_apps_allowed: bool = False
    #: "classic" (username and password on one page) | "two_step" (My Domain: username, then a password page)
    login_style: str = "classic"
    # --- how orgs differ (sim/variants.py names the combinations the tests run against) -------------------------
    #: "generic": the login URL is a generic login host (as login.salesforce.com), Setup and the org's own token
    #: endpoint live on the My Domain (instance) host; "my_domain": the login URL is the My Domain itself
    login_host: str = "generic"
    #: the org's idle refresh-token limit is on: "valid until revoked" is not offered
    #: (EVIDENCE.md "External Client App Edit Policies")
    idle_refresh_token_limit: bool = False
    #: collapsible sections ("API (Enable OAuth Settings)", "OAuth Policies") start collapsed
    collapsed_sections: bool = False
    #: "current" | "previous": the wording of a release (e.g. IP Relaxation's label) the pages use
    release: str = "current"
    #: label text -> the text a future release shows instead (a relabelled page, for the probe's tests)
    relabel: dict[str, str] = field(default_factory=dict)
    #: a browser session may be made from an OAuth token (frontdoor.jsp); False: refused, as for admins under
    #: phishing-resistant MFA (EVIDENCE.md "Session from a token")
    token_browser_login: bool = True
    #: the org is a Dev Hub: it knows ScratchOrgInfo / ActiveScratchOrg and creates scratch orgs (sim/scratch.py)
    is_dev_hub: bool = False
    #: the org is a scratch org of a Dev Hub: JWT audience test.salesforce.com, the Dev Hub's apps log its users in
    scratch: bool = False
    #: External Client App Settings' "Allow access to External Client App consumer secrets via REST API": off by
    #: default; on, the Connect REST credentials resources (sim/app_credentials.py) answer
    eca_secrets_via_rest: bool = False


class SimOrg:
    def __init__(self, config: OrgConfig, *, seed: int | None = None, base_url: str = "",
                 send_mail: Callable[[str, str, str, str], None] | None = None):
        self.config = config
        self.ids = IdFactory(seed)
        self.lock = threading.RLock()
        self.base_url = base_url  # set by the server once the port is bound, e.g. http://127.0.0.1:8443
        #: where users log in: a generic login host of its own (OrgConfig.login_host "generic") or the My Domain
        #: itself; set with base_url by the server (app.py); "" until then
        self.login_url = ""
        self.org_id = self.ids.sf_id("00D")
        self.profiles: dict[str, Profile] = {}
        self.permission_sets: dict[str, PermissionSet] = {}
        self.users: dict[str, User] = {}  # by username (lower-case)
        self.apps: dict[str, ExternalClientApp] = {}  # by id
        self.sessions: dict[str, Session] = {}
        self.codes: list[VerificationCode] = []
        #: OAuth access tokens ("<15-char org id>!<random>") -> AccessToken (oauth.py issues and checks them)
        self.access_tokens: dict[str, "AccessToken"] = {}
        #: send_mail(to_address, subject, text_body, html_body): the mailer installs this
        self.send_mail = send_mail
        #: compose_verification(org, user, code) -> (subject, text, html): mailer.py installs this
        self.compose_verification: Callable | None = None
        self.events: list[dict] = []  # what happened, for the inspection API and debugging
        #: set by app.py before the page modules register: latency.page() / .api() / .mail_delay()
        self.latency = None
        #: switched by the inspection API: every page request goes to the maintenance / error page
        #: maintenance / server_error: on until switched off; maintenance_pages: the next N page requests meet the
        #: maintenance page (a short maintenance window that a retry outlives)
        self.faults: dict[str, bool | int] = {"maintenance": False, "server_error": False, "maintenance_pages": 0}
        #: browsers that passed an emailed-code challenge, by username: device cookie values
        self.recognised_devices: dict[str, set[str]] = {}
        #: two-step login: the password page's token -> (username lower-case, issued at); one use each
        self.login_steps: dict[str, tuple[str, float]] = {}
        #: (session id, app id) -> when that session passed the verification that shows the app's consumer details
        self.consumer_grants: dict[tuple[str, str], float] = {}
        #: single-use front door links (pages/frontdoor.py): code -> what it opens
        self.frontdoor_codes: dict[str, FrontdoorCode] = {}
        #: a scratch org's Dev Hub, whose Connected Apps also log this org's users in (sim/scratch.py)
        self.dev_hub: "SimOrg | None" = None
        #: a Dev Hub's ScratchOrgInfo and ActiveScratchOrg rows, and the scratch orgs themselves (sim/scratch.py)
        self.scratch_org_infos: list[dict] = []
        self.active_scratch_orgs: list[dict] = []
        self.scratch_orgs: list["SimOrg"] = []
        #: signs the form tokens pages hand out (Aura token, classic view state); never leaves the process
        self.secret_key = secrets.token_bytes(32)

    # --- users and sessions -------------------------------------------------------------------------
    def user(self, username: str) -> User | None:
        return self.users.get(username.strip().lower())

    def new_session(self, username: str, pending_challenge: str | None) -> Session:
        now = time.time()
        session = Session(self.ids.token(40), username.lower(), now, now, pending_challenge)
        with self.lock:
            self.sessions[session.id] = session
        return session

    def session(self, sid: str | None, *, allow_pending: bool = False) -> Session | None:
        """The live session for a cookie value, or None if missing, expired or still mid-login."""
        if not sid:
            return None
        with self.lock:
            session = self.sessions.get(sid)
            if session is None:
                return None
            now = time.time()
            if now - session.last_seen > self.config.session_timeout_seconds:
                del self.sessions[sid]
                return None
            if session.pending_challenge and not allow_pending:
                return None
            session.last_seen = now
            return session

    def end_session(self, sid: str) -> None:
        with self.lock:
            self.sessions.pop(sid, None)

    # --- apps ---------------------------------------------------------------------------------------
    def new_external_client_app(self, name: str, api_name: str, contact_email: str) -> ExternalClientApp:
        """A new External Client App with its id and its consumer key and secret, generated once, as Salesforce does
        when an app is created (by the New form or by a metadata deploy); the caller fills the rest and adds it to
        `apps` under the lock."""
        return ExternalClientApp(
            id=self.ids.sf_id("0xI"), name=name, api_name=api_name, contact_email=contact_email,
            consumer_key="3MVG9" + self.ids.token(80, string.ascii_letters + string.digits + "._"),
            consumer_secret=self.ids.token(64, "0123456789ABCDEF"),
        )

    def app_by_api_name(self, api_name: str) -> ExternalClientApp | None:
        with self.lock:
            return next((a for a in self.apps.values() if a.api_name.lower() == api_name.lower()), None)

    def app_by_consumer_key(self, key: str) -> ExternalClientApp | None:
        with self.lock:
            found = next((a for a in self.apps.values() if a.consumer_key and a.consumer_key == key), None)
        if found is None and self.dev_hub is not None:  # a scratch org's users log in with the Dev Hub's apps
            return self.dev_hub.app_by_consumer_key(key)
        return found

    def grant_consumer_details(self, session: Session, app_id: str) -> None:
        with self.lock:
            self.consumer_grants[(session.id, app_id)] = time.time()

    def consumer_details_granted(self, session: Session, app_id: str) -> bool:
        with self.lock:
            at = self.consumer_grants.get((session.id, app_id))
            return at is not None and time.time() - at < CONSUMER_GRANT_SECONDS

    # --- verification codes ----------------------------------------------------------------------------
    def issue_code(self, username: str, purpose: str, *, mail: bool = True) -> VerificationCode:
        """A new 6-digit code for (user, purpose), mailed to the user; older codes for the same pair stop working.

        mail=False: a code "sent by SMS": the sim sends nothing, the code exists only in `self.codes`.
        """
        user = self.user(username)
        if user is None or (mail and (self.send_mail is None or self.compose_verification is None)):
            raise RuntimeError("verification mail is not wired for this org")
        with self.lock:
            for old in self.codes:
                if old.username == user.username.lower() and old.purpose == purpose:
                    old.superseded = True
            code = VerificationCode(self.ids.digits(6), purpose, user.username.lower(), time.time())
            self.codes.append(code)
        if not mail:
            self.log("sms_code_issued", username=user.username, purpose=purpose)
            return code
        subject, text, html = self.compose_verification(self, user, code.code)
        self.send_mail(user.email, subject, text, html)
        self.log("verification_code_sent", username=user.username, purpose=purpose)
        return code

    def check_code(self, username: str, purpose: str, entered: str) -> str:
        """'ok', or why not: 'invalid' (wrong or superseded), 'expired' (too old or already used)."""
        with self.lock:
            now = time.time()
            for code in reversed(self.codes):
                if code.username != username.lower() or code.purpose != purpose or code.code != entered.strip():
                    continue
                if code.superseded:
                    return "invalid"
                if code.used or now - code.issued_at > self.config.code_ttl_seconds:
                    return "expired"
                code.used = True
                return "ok"
            return "invalid"

    # --- sandbox refresh ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """A sandbox refresh: apps, sessions, tokens and codes are gone, a new org id; users keep passwords."""
        with self.lock:
            self.apps.clear()
            self.sessions.clear()
            self.codes.clear()
            self.recognised_devices.clear()
            self.login_steps.clear()
            self.consumer_grants.clear()
            self.access_tokens.clear()
            self.frontdoor_codes.clear()
            self.org_id = self.ids.sf_id("00D")
        self.log("sandbox_refreshed", org_id=self.org_id)

    def log(self, kind: str, **details: object) -> None:
        with self.lock:
            self.events.append({"at": time.time(), "kind": kind, **details})
