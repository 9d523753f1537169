"""The metadata files and the org's one model (org.apps) meet here: a deploy's Components checked against the org
(the app a plugin file names exists, URLs, certificate, Run As user, profiles) with the same rules the Setup pages
use (pages/parts/validation.py), then applied all at once; and an app read back as the Components a retrieve gives.

Deploys are all-or-nothing (rollbackOnError, the default): `check` finds every problem first, and only a deploy
without any reaches `apply`. Every app a deploy touches gets a new `changed_at`, exactly as a page save does, so
JWT logins wait for propagation after a deploy too.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ..model import ExternalClientApp, OAuthPolicies
from ..org import SimOrg
from ..pages.parts import catalog
from ..pages.parts.validation import api_name_problem, certificate_problem, is_valid_url, run_as_problem
from . import texts
from .components import Component, Problem
from .types import (COMPONENT_NAME_SUFFIX, EXTERNAL_CLIENT_APPLICATION, GLOBAL_OAUTH_SETTINGS, OAUTH_POLICIES,
                    OAUTH_SETTINGS, PLUGIN_POLICIES, SCOPE_OUT, SCOPE_TOKENS)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}\Z")


@dataclass
class AppFiles:
    """The Components of one deploy that concern one app (by API name)."""

    api_name: str
    header: Component | None = None
    plugins: dict[str, Component] = field(default_factory=dict)  # type name -> component

    def all(self) -> list[Component]:
        return ([self.header] if self.header else []) + list(self.plugins.values())


def by_app(components: list[Component]) -> dict[str, AppFiles]:
    apps: dict[str, AppFiles] = {}
    for component in components:
        if component.type is EXTERNAL_CLIENT_APPLICATION:
            name = component.full_name
            apps.setdefault(name.lower(), AppFiles(name)).header = component
        else:
            name = component.text("externalClientApplication").strip()
            apps.setdefault(name.lower(), AppFiles(name)).plugins[component.type.name] = component
    return apps


def _fail(component: Component, text: str) -> Problem:
    return Problem(component.type.name, component.full_name, component.file_name, text)


def split_urls(text: str) -> list[str]:
    return [u.strip() for u in re.split(r"[\n,]", text) if u.strip()]


def scopes_of(text: str) -> tuple[list[str], list[str]]:
    """(stored scope values, unknown tokens) of a commaSeparatedOauthScopes value."""
    values, unknown = [], []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        value = SCOPE_TOKENS.get(token.lower())
        if value is None:
            unknown.append(token)
        elif value not in values:
            values.append(value)
    return values, unknown


def _check_header(component: Component, existing: ExternalClientApp | None) -> list[Problem]:
    problems = []
    if existing is None:
        problem = api_name_problem(component.full_name)
        if problem:
            problems.append(_fail(component, texts.BAD_API_NAME))
    if not _EMAIL.match(component.text("contactEmail").strip()):
        problems.append(_fail(component, texts.BAD_EMAIL))
    for name in ("infoUrl", "logoUrl", "iconUrl"):
        url = component.text(name).strip()
        if url and not is_valid_url(url, allow_custom_scheme=False):
            problems.append(_fail(component, texts.BAD_URL.format(field=name)))
    return problems


def _check_global(component: Component) -> list[Problem]:
    problems = []
    urls = split_urls(component.text("callbackUrl"))
    if not urls or not all(is_valid_url(u, allow_custom_scheme=True) for u in urls):
        problems.append(_fail(component, texts.BAD_URL.format(field="callbackUrl")))
    if "certificate" in component.values:  # present: the JWT bearer flow is asked for [doc]
        pem = component.text("certificate").strip()
        if not pem:
            problems.append(_fail(component, texts.JWT_WITHOUT_CERTIFICATE))
        elif certificate_problem(pem + "\n"):
            problems.append(_fail(component, texts.BAD_CERTIFICATE))
    return problems


def _check_oauth(component: Component) -> list[Problem]:
    values, unknown = scopes_of(component.text("commaSeparatedOauthScopes"))
    if unknown:
        return [_fail(component, texts.BAD_SCOPE.format(scope=", ".join(unknown)))]
    return [] if values else [_fail(component, texts.NO_SCOPE)]


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _check_policies(org: SimOrg, component: Component) -> list[Problem]:
    problems = []
    profiles = {p.name for p in org.profiles.values()}
    missing = [n for n in _names(component.text("commaSeparatedProfile")) if n not in profiles]
    if missing:
        problems.append(_fail(component, texts.NO_SUCH_PROFILE.format(names=", ".join(missing))))
    permsets = {p.name for p in org.permission_sets.values()}
    missing = [n for n in _names(component.text("commaSeparatedPermissionSet")) if n not in permsets]
    if missing:
        problems.append(_fail(component, texts.NO_SUCH_PERMISSION_SET.format(names=", ".join(missing))))
    policy = component.text("refreshTokenPolicyType", "Infinite")
    idle_limit = org.config.idle_refresh_token_limit
    if policy == "Infinite" and idle_limit:
        problems.append(_fail(component, texts.REFRESH_INFINITE_IDLE_LIMIT))
    if policy in ("SpecificLifetime", "SpecificInactivity"):
        period, unit = component.values.get("refreshTokenValidityPeriod"), component.text("refreshTokenValidityUnit")
        if not isinstance(period, int) or period <= 0 or not unit:
            problems.append(_fail(component, texts.REFRESH_PERIOD_REQUIRED.format(policy=policy)))
        elif idle_limit and policy == "SpecificInactivity" and catalog.longer_than_idle_limit(period, unit):
            problems.append(_fail(component, texts.IDLE_PERIOD_TOO_LONG))
    timeout = component.values.get("sessionTimeoutInMinutes")
    if timeout is not None and not 1 <= int(timeout) <= catalog.ECA_SESSION_TIMEOUT_MAX:
        problems.append(_fail(component, texts.TIMEOUT_OUT_OF_RANGE.format(max=catalog.ECA_SESSION_TIMEOUT_MAX)))
    if component.flag("isClientCredentialsFlowEnabled"):
        user = component.text("clientCredentialsFlowUser").strip()
        problem = run_as_problem(org, user) if user else texts.CC_USER_REQUIRED
        if problem:
            problems.append(_fail(component, problem if not user else "clientCredentialsFlowUser: " + problem))
    return problems


def check(org: SimOrg, components: list[Component]) -> list[Problem]:
    """Every reason the org refuses these components (call under org.lock)."""
    problems: list[Problem] = []
    for files in by_app(components).values():
        existing = org.app_by_api_name(files.api_name) if files.api_name else None
        if existing is not None and existing.kind != "external_client_app":
            problems += [_fail(c, texts.NOT_AN_ECA.format(name=files.api_name)) for c in files.all()]
            continue
        if files.header is not None:
            problems += _check_header(files.header, existing)
        elif existing is None:  # a plugin file for an app neither in the org nor in this deploy
            problems += [_fail(c, texts.NOT_FOUND.format(type=EXTERNAL_CLIENT_APPLICATION.name, name=files.api_name))
                         for c in files.all()]
            continue
        if GLOBAL_OAUTH_SETTINGS.name in files.plugins:
            problems += _check_global(files.plugins[GLOBAL_OAUTH_SETTINGS.name])
        if OAUTH_SETTINGS.name in files.plugins:
            problems += _check_oauth(files.plugins[OAUTH_SETTINGS.name])
        if OAUTH_POLICIES.name in files.plugins:
            problems += _check_policies(org, files.plugins[OAUTH_POLICIES.name])
    return problems


def _apply_header(app: ExternalClientApp, c: Component, created: bool) -> None:
    app.name = c.text("label").strip()
    app.contact_email = c.text("contactEmail").strip()
    app.description = c.text("description")
    app.info_url, app.logo_url, app.icon_url = (c.text(n).strip() for n in ("infoUrl", "logoUrl", "iconUrl"))
    if created:  # the distribution state is chosen once, as on the New form
        app.distribution_state = c.text("distributionState", "Local")


def _apply_global(app: ExternalClientApp, c: Component) -> None:
    """A deploy replaces the component: an element left out takes its documented default (else the New form's)."""
    app.oauth_enabled = True
    app.callback_urls = split_urls(c.text("callbackUrl"))
    pem = c.text("certificate").strip()
    app.jwt_enabled = bool(pem)
    app.certificate_pem = pem + "\n" if pem else None
    app.client_credentials_enabled = c.flag("isClientCredentialsFlowEnabled")
    app.auth_code_credentials_enabled = c.flag("isCodeCredentialFlowEnabled")
    app.require_secret_web_server = not c.flag("isConsumerSecretOptional")
    app.require_secret_refresh = c.flag("isSecretRequiredForRefreshToken", True)
    app.pkce_required = c.flag("isPkceRequired", True)
    app.introspect_all_tokens = c.flag("isIntrospectAllTokens")
    app.device_flow_enabled = c.flag("isDeviceFlowEnabled")
    app.token_exchange_enabled = c.flag("isTokenExchangeEnabled")
    app.refresh_token_rotation = c.flag("isRefreshTokenRotationEnabled")
    app.named_user_jwt_access_tokens = c.flag("isNamedUserJwtEnabled")


def _apply_policies(org: SimOrg, app: ExternalClientApp, c: Component) -> None:
    policy = c.text("refreshTokenPolicyType", "Infinite")
    timed = policy in ("SpecificLifetime", "SpecificInactivity")
    app.policies = OAuthPolicies(
        permitted_users=c.text("permittedUsersPolicyType", "AllSelfAuthorized"),
        profiles=_names(c.text("commaSeparatedProfile")),
        permission_sets=_names(c.text("commaSeparatedPermissionSet")),
        refresh_token_policy=policy,
        refresh_token_period=c.values.get("refreshTokenValidityPeriod") if timed else None,
        refresh_token_unit=c.text("refreshTokenValidityUnit") if timed else None,
        ip_relaxation=c.text("ipRelaxationPolicyType", "Enforce"),
        session_timeout_minutes=c.values.get("sessionTimeoutInMinutes"),
    )
    user = c.text("clientCredentialsFlowUser").strip()
    app.client_credentials_user = (org.user(user).username if c.flag("isClientCredentialsFlowEnabled") and user
                                   else None)


def apply(org: SimOrg, components: list[Component]) -> dict[str, tuple[str, bool]]:
    """Write checked components into org.apps (call under org.lock, after `check` found nothing). Returns, per
    component file name, (the id Salesforce reports, whether it was created)."""
    results: dict[str, tuple[str, bool]] = {}
    now = time.time()
    for files in by_app(components).values():
        app = org.app_by_api_name(files.api_name)
        created = app is None
        if created:
            header = files.header
            app = org.new_external_client_app(header.text("label").strip(), files.api_name,
                                               header.text("contactEmail").strip())
            org.apps[app.id] = app
        if files.header is not None:
            _apply_header(app, files.header, created)
        plugins = files.plugins
        if GLOBAL_OAUTH_SETTINGS.name in plugins:
            _apply_global(app, plugins[GLOBAL_OAUTH_SETTINGS.name])
        if OAUTH_SETTINGS.name in plugins:
            app.oauth_enabled = True
            app.scopes = scopes_of(plugins[OAUTH_SETTINGS.name].text("commaSeparatedOauthScopes"))[0]
        if OAUTH_POLICIES.name in plugins:
            _apply_policies(org, app, plugins[OAUTH_POLICIES.name])
        app.changed_at = now  # as a page save: JWT logins wait for propagation
        for component in files.all():
            results[component.file_name] = (app.id if component.type is EXTERNAL_CLIENT_APPLICATION
                                            else PLUGIN_RECORD_ID, created)
    return results


#: the FileProperties id of components that are no record of their own (what retrieves show for such types)
PLUGIN_RECORD_ID = "000000000000000AAA"


def component_name(app: ExternalClientApp, type_name: str) -> str:
    return app.api_name + COMPONENT_NAME_SUFFIX.get(type_name, "")


def values_of(app: ExternalClientApp, type_name: str) -> dict[str, object] | None:
    """An app as one type's element values (a retrieve); None when the app has no such component."""
    if type_name == EXTERNAL_CLIENT_APPLICATION.name:
        return {"contactEmail": app.contact_email, "description": app.description or None,
                "distributionState": app.distribution_state, "iconUrl": app.icon_url or None,
                "infoUrl": app.info_url or None, "isProtected": False, "label": app.name,
                "logoUrl": app.logo_url or None}
    if type_name == PLUGIN_POLICIES.name:
        return {"externalClientApplication": app.api_name, "isEnabled": True,
                "isOauthPluginEnabled": app.oauth_enabled, "label": component_name(app, type_name)}
    if not app.oauth_enabled:
        return None
    label = component_name(app, type_name)
    if type_name == OAUTH_SETTINGS.name:
        return {"commaSeparatedOauthScopes": ",".join(SCOPE_OUT.get(s, s) for s in app.scopes),
                "externalClientApplication": app.api_name, "label": label}
    if type_name == GLOBAL_OAUTH_SETTINGS.name:
        # the consumer secret stays out: the org protects it from the Metadata API by default [doc]
        return {"callbackUrl": "\n".join(app.callback_urls),
                "certificate": app.certificate_pem.strip() if app.jwt_enabled and app.certificate_pem else None,
                "consumerKey": app.consumer_key, "externalClientApplication": app.api_name,
                "isClientCredentialsFlowEnabled": app.client_credentials_enabled,
                "isCodeCredentialFlowEnabled": app.auth_code_credentials_enabled,
                "isConsumerSecretOptional": not app.require_secret_web_server,
                "isDeviceFlowEnabled": app.device_flow_enabled, "isIntrospectAllTokens": app.introspect_all_tokens,
                "isNamedUserJwtEnabled": app.named_user_jwt_access_tokens, "isPkceRequired": app.pkce_required,
                "isRefreshTokenRotationEnabled": app.refresh_token_rotation,
                "isSecretRequiredForRefreshToken": app.require_secret_refresh,
                "isTokenExchangeEnabled": app.token_exchange_enabled, "label": label}
    if type_name == OAUTH_POLICIES.name:
        p = app.policies
        return {"clientCredentialsFlowUser": app.client_credentials_user,
                "commaSeparatedPermissionSet": ",".join(p.permission_sets) or None,
                "commaSeparatedProfile": ",".join(p.profiles) or None, "externalClientApplication": app.api_name,
                "ipRelaxationPolicyType": p.ip_relaxation,
                "isClientCredentialsFlowEnabled": bool(app.client_credentials_user), "label": label,
                "permittedUsersPolicyType": p.permitted_users, "refreshTokenPolicyType": p.refresh_token_policy,
                "refreshTokenValidityPeriod": p.refresh_token_period, "refreshTokenValidityUnit": p.refresh_token_unit,
                "sessionTimeoutInMinutes": p.session_timeout_minutes}
    return None


def find_component(org: SimOrg, type_name: str, member: str) -> ExternalClientApp | None:
    """The app whose component of this type is named `member` (the names the org gives them)."""
    with org.lock:
        apps = [a for a in org.apps.values() if a.kind == "external_client_app"]
    return next((a for a in apps if component_name(a, type_name).lower() == member.lower()
                 and values_of(a, type_name) is not None), None)


def all_components(org: SimOrg, type_name: str) -> list[ExternalClientApp]:
    with org.lock:
        apps = sorted((a for a in org.apps.values() if a.kind == "external_client_app"), key=lambda a: a.api_name)
    return [a for a in apps if values_of(a, type_name) is not None]
