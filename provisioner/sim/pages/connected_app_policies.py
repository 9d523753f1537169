"""A Connected App's Manage page (its policies, profiles and permission sets), Edit Policies (Permitted Users with
its JS confirm, IP Relaxation, Refresh Token Policy, Timeout Value), Manage Profiles and Manage Permission Sets.
Values are validated like the External Client App's policies (parts/validation.py), with classic wording; IP
Relaxation follows the org's release as on External Client Apps (both wordings are the Connected App's own)."""

from __future__ import annotations

import time

from .. import messages, paths
from ..http import Request, Response, Router
from ..model import ExternalClientApp
from ..org import Session, SimOrg
from .parts import catalog
from .parts.classic import (by_id, classic_errors, classic_page, field_error, hidden_view_state, jid, missing,
                            page_error, posted, show)
from .parts.text import esc
from .parts.validation import validate_policies


def _refresh_text(p) -> str:  # noqa: ANN001
    label = catalog.label_of(catalog.REFRESH_TOKEN_POLICIES, p.refresh_token_policy)
    if p.refresh_token_policy in ("SpecificLifetime", "SpecificInactivity"):
        unit = catalog.label_of(catalog.REFRESH_TOKEN_UNITS, p.refresh_token_unit)
        return f"{label} {p.refresh_token_period} {unit}"
    return label


def manage_page(org: SimOrg, app: ExternalClientApp) -> Response:
    p = app.policies
    profiles = "".join(f"<tr><td>{esc(name)}</td></tr>" for name in sorted(p.profiles)) \
        or f"<tr><td>{esc(messages.NO_RECORDS_RELATED)}</td></tr>"
    with org.lock:
        labels = {ps.name: ps.label for ps in org.permission_sets.values()}
    permsets = "".join(f"<tr><td>{esc(labels.get(n, n))}</td></tr>" for n in sorted(p.permission_sets)) \
        or f"<tr><td>{esc(messages.NO_RECORDS_RELATED)}</td></tr>"
    go = lambda path: f"window.location.href='{path}?applicationId={app.id}'"  # noqa: E731
    body = f"""
<div class="bPageBlock bDetailBlock"><div class="pbHeader"><h2 class="mainTitle">Connected App Detail</h2>
<span class="pbButton"><input type="button" class="btn" id="{jid()}:edit" value="Edit Policies" onclick="{go(paths.CONNECTED_APP_POLICIES)}">
<input type="button" class="btn" id="{jid()}:view" value="View" onclick="window.location.href='{paths.CONNECTED_APP_DETAIL}?applicationId={app.definition_id}'"></span></div>
<div class="pbBody"><div class="pbSubheader"><h3>OAuth Policies</h3></div><table class="detailList">
{show("Permitted Users", catalog.label_of(catalog.CLASSIC_PERMITTED_USERS, p.permitted_users))}
{show("IP Relaxation", catalog.label_of(catalog.ip_relaxation_choices(org.config.release), p.ip_relaxation))}
{show("Refresh Token Policy", _refresh_text(p))}
</table><div class="pbSubheader"><h3>Session Policies</h3></div><table class="detailList">
{show("Timeout Value", catalog.label_of(catalog.SESSION_TIMEOUTS, str(p.session_timeout_minutes or "")))}
</table></div></div>
<div class="bRelatedList"><div class="bPageBlock"><div class="pbHeader"><h3>Profiles</h3>
<input type="button" class="btn" value="Manage Profiles" onclick="{go(paths.CONNECTED_APP_PROFILES)}"></div>
<div class="pbBody"><table class="list">{profiles}</table></div></div></div>
<div class="bRelatedList"><div class="bPageBlock"><div class="pbHeader"><h3>Permission Sets</h3>
<input type="button" class="btn" value="Manage Permission Sets" onclick="{go(paths.CONNECTED_APP_PERMSETS)}"></div>
<div class="pbBody"><table class="list">{permsets}</table></div></div></div>"""
    return classic_page("Connected App", app.name, body)


def policies_page(org: SimOrg, session: Session, app: ExternalClientApp, v: dict, errors: dict) -> Response:
    def select(name: str, choices, value: str, extra: str = "") -> str:
        opts = "".join(f'<option value="{esc(val)}"{" selected" if val == value else ""}>{esc(label)}</option>'
                       for label, val in choices)
        return f'<select id="{name}" name="{name}"{extra}>{opts}</select>'

    def err(key: str) -> str:
        return field_error(errors.get(key))

    radios = "".join(
        f'<div><input type="radio" id="refreshTokenPolicy{i}" name="refreshTokenPolicy" value="{val}"'
        f'{" checked" if val == v["refresh_token_policy"] else ""}><label for="refreshTokenPolicy{i}">'
        f'{esc(label)}</label></div>' for i, (label, val) in enumerate(catalog.REFRESH_TOKEN_POLICIES))
    confirm = (f' data-previous="{esc(v["permitted_users"])}" onchange="if(confirm({esc(repr(messages.PERMITTED_USERS_CONFIRM))}))'
               '{this.dataset.previous=this.value}else{this.value=this.dataset.previous}"')
    buttons = ('<input type="submit" class="btn" name="save" value="Save"> '
               '<input type="submit" class="btn" name="cancel" value="Cancel">')
    body = f"""
<form id="editPage" name="editPage" method="post" action="{paths.CONNECTED_APP_POLICIES}?applicationId={app.id}">{hidden_view_state(org, session)}
{page_error(errors)}
<div class="bPageBlock bEditBlock"><div class="pbHeader"><h2 class="mainTitle">Connected App Edit</h2>
<span class="pbButton">{buttons}</span></div><div class="pbBody">
<div class="pbSubheader"><h3>OAuth Policies</h3></div><table class="detailList">
<tr><td class="labelCol"><label for="userpolicy">Permitted Users</label></td><td class="dataCol">
{select("userpolicy", catalog.CLASSIC_PERMITTED_USERS, v["permitted_users"], confirm)}{err("permitted_users")}</td></tr>
<tr><td class="labelCol"><label for="ipRelaxation">IP Relaxation</label></td><td class="dataCol">
{select("ipRelaxation", catalog.ip_relaxation_choices(org.config.release), v["ip_relaxation"])}{err("ip_relaxation")}</td></tr>
<tr><td class="labelCol"><span id="refreshTokenPolicyLabel">Refresh Token Policy</span></td><td class="dataCol">
<fieldset role="radiogroup" aria-labelledby="refreshTokenPolicyLabel">{radios}</fieldset>{err("refresh_token_policy")}
<label for="refreshTokenValidityPeriod">Refresh Token Validity Period</label>
<input type="text" id="refreshTokenValidityPeriod" name="refreshTokenValidityPeriod" size="4" value="{esc(v["refresh_token_period"])}">
<label for="refreshTokenValidityUnit">Refresh Token Validity Unit</label>
{select("refreshTokenValidityUnit", catalog.REFRESH_TOKEN_UNITS, v["refresh_token_unit"])}
{err("refresh_token_period")}{err("refresh_token_unit")}</td></tr>
</table><div class="pbSubheader"><h3>Session Policies</h3></div><table class="detailList">
<tr><td class="labelCol"><label for="sessionTimeout">Timeout Value</label></td><td class="dataCol">
{select("sessionTimeout", catalog.SESSION_TIMEOUTS, v["session_timeout"])}{err("session_timeout")}</td></tr>
</table></div><div class="pbBottomButtons">{buttons}</div></div></form>"""
    return classic_page("Connected App Edit", app.name, body)


def assignment_page(org: SimOrg, session: Session, app: ExternalClientApp, title: str, path: str,
                    choices: list[tuple[str, str, str]], chosen: set[str]) -> Response:
    """A checkbox per (id, label, stored value), as "Application Profile Assignment" shows profiles."""
    rows = "".join(
        f'<tr class="dataRow"><td><input type="checkbox" id="{cid}" name="assigned" value="{esc(stored)}"'
        f'{" checked" if stored in chosen else ""}></td><td><label for="{cid}">{esc(label)}</label></td></tr>'
        for cid, label, stored in choices)
    buttons = ('<input type="submit" class="btn" name="save" value="Save"> '
               '<input type="submit" class="btn" name="cancel" value="Cancel">')
    body = f"""
<form id="editPage" name="editPage" method="post" action="{path}?applicationId={app.id}">{hidden_view_state(org, session)}
<div class="bPageBlock bEditBlock"><div class="pbHeader"><h2 class="mainTitle">{esc(title)}</h2>
<span class="pbButton">{buttons}</span></div><div class="pbBody">
<table class="list" id="{jid()}"><tr class="headerRow"><th scope="col">Enabled</th><th scope="col">Name</th></tr>{rows}</table>
</div><div class="pbBottomButtons">{buttons}</div></div></form>"""
    return classic_page(title, app.name, body)


def register(router: Router, org: SimOrg) -> None:
    def profile_choices() -> list[tuple[str, str, str]]:
        with org.lock:
            return [(p.id, p.name, p.name) for p in sorted(org.profiles.values(), key=lambda p: p.name.lower())]

    def permset_choices() -> list[tuple[str, str, str]]:
        with org.lock:
            return [(p.id, p.label, p.name)
                    for p in sorted(org.permission_sets.values(), key=lambda p: p.label.lower())]

    def manage_get(request: Request) -> Response:
        app = by_id(org, request)
        return missing() if app is None else manage_page(org, app)

    def policies_get(request: Request) -> Response:
        app = by_id(org, request)
        if app is None:
            return missing()
        p = app.policies
        values = {"permitted_users": p.permitted_users, "ip_relaxation": p.ip_relaxation,
                  "refresh_token_policy": p.refresh_token_policy,
                  "refresh_token_period": "" if p.refresh_token_period is None else str(p.refresh_token_period),
                  "refresh_token_unit": p.refresh_token_unit or "Days",
                  "session_timeout": str(p.session_timeout_minutes or "")}
        return policies_page(org, request.session, app, values, {})

    def save_policies(session: Session, app: ExternalClientApp, form: dict) -> Response:
        if "cancel" in form:
            return Response.redirect(f"{paths.CONNECTED_APP_MANAGE}?applicationId={app.id}")
        value = lambda name: (form.get(name) or [""])[0].strip()  # noqa: E731
        v = {"permitted_users": value("userpolicy"), "ip_relaxation": value("ipRelaxation"),
             "refresh_token_policy": value("refreshTokenPolicy"),
             "refresh_token_period": value("refreshTokenValidityPeriod"),
             "refresh_token_unit": value("refreshTokenValidityUnit"), "session_timeout": value("sessionTimeout")}
        with org.lock:
            p = app.policies
            data, problems = validate_policies({**v, "profiles": list(p.profiles),
                                                "permission_sets": list(p.permission_sets)}, org)
            if data is None:
                return policies_page(org, session, app, v, classic_errors(problems))
            app.policies = data.to_policies()  # profiles and permission sets were passed in unchanged
            app.changed_at = time.time()
        org.log("connected_app_policies_changed", api_name=app.api_name, by=session.username)
        return Response.redirect(f"{paths.CONNECTED_APP_MANAGE}?applicationId={app.id}")

    def assignment(title: str, path: str, choices, attr: str):  # noqa: ANN001, ANN202
        """The GET and POST handlers of one assignment page (profiles or permission sets)."""

        def get(request: Request) -> Response:
            app = by_id(org, request)
            if app is None:
                return missing()
            return assignment_page(org, request.session, app, title, path, choices(),
                                   set(getattr(app.policies, attr)))

        def assign(session: Session, app: ExternalClientApp, form: dict) -> Response:
            if "cancel" not in form:
                known = {stored for _, _, stored in choices()}
                assigned = [v for v in form.get("assigned", []) if v in known]  # unknown values are ignored, as forged
                with org.lock:
                    setattr(app.policies, attr, sorted(set(assigned)))
                    app.changed_at = time.time()
                org.log(f"connected_app_{attr}_changed", api_name=app.api_name, by=session.username)
            return Response.redirect(f"{paths.CONNECTED_APP_MANAGE}?applicationId={app.id}")

        return get, lambda request: posted(org, request, by_id, assign)

    page = {"session": True, "latency": "page"}
    router.add("GET", paths.CONNECTED_APP_MANAGE, manage_get, **page)
    router.add("GET", paths.CONNECTED_APP_POLICIES, policies_get, **page)
    router.add("POST", paths.CONNECTED_APP_POLICIES, lambda request: posted(org, request, by_id, save_policies),
               **page)
    for title, path, choices, attr in (
            ("Application Profile Assignment", paths.CONNECTED_APP_PROFILES, profile_choices, "profiles"),
            ("Application Permission Set Assignment", paths.CONNECTED_APP_PERMSETS, permset_choices,
             "permission_sets")):
        get, post = assignment(title, path, choices, attr)
        router.add("GET", path, get, **page)
        router.add("POST", path, post, **page)
