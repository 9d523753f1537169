"""An app's OAuth settings as the spec decides them, shared by both app kinds (External Client App, classic Connected
App): the values, the spec turned into them, and the comparison rules (scopes by value, certificates by subject and
expiry, fields that only count with a flow turned on)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from .diff import compare
from .types import Change


@dataclass(frozen=True)
class AppSettings:
    """What the Settings form holds that the spec decides. Distribution State cannot change after creation."""

    name: str
    contact_email: str
    description: str
    oauth_enabled: bool
    callback_urls: tuple[str, ...]
    scopes: frozenset[str]
    client_credentials: bool  # the form's "Enable Client Credentials Flow"
    auth_code_credentials: bool
    jwt_bearer: bool
    #: "<subject> (expires <date>)"; None when the page does not say (then it is not compared)
    certificate: str | None = field(default=None, metadata={"unreadable": True})
    require_secret_web_server: bool = True
    require_secret_refresh: bool = True
    pkce: bool = True
    # no Settings form holds the client credentials flow's Run As: the External Client App's Policies page does
    # (flows/policy_settings.py)


def certificate_summary(pem: str | None) -> str | None:
    if not pem:
        return None
    cert = x509.load_pem_x509_certificate(pem.encode())
    return f"{cert.subject.rfc4514_string()} (expires {cert.not_valid_after_utc.strftime('%m/%d/%Y')})"


def desired_settings(spec, certificate_pem: str | None) -> AppSettings:  # noqa: ANN001 - provisioner.config.AppSpec
    return AppSettings(
        name=spec.name, contact_email=spec.contact_email or "", description=spec.description or "",
        oauth_enabled=True, callback_urls=tuple(spec.callback_urls), scopes=frozenset(spec.scopes),
        client_credentials=spec.client_credentials,
        auth_code_credentials=spec.auth_code_credentials, jwt_bearer=spec.jwt_bearer,
        certificate=certificate_summary(certificate_pem) if spec.jwt_bearer else None,
        require_secret_web_server=spec.require_secret_web_server, require_secret_refresh=spec.require_secret_refresh,
        pkce=spec.pkce,
    )


def scope_of(label: str) -> str:
    """'Perform requests at any time (refresh_token, offline_access)' -> 'refresh_token offline_access'."""
    found = re.search(r"\(([^()]*)\)\s*$", label)
    inner = found.group(1) if found else label
    return " ".join(part for part in re.split(r"[\s,]+", inner) if part)


def same_certificate(current: str | None, desired: str | None) -> bool:
    """Subjects equal and expiry dates equal, whatever date format the page uses."""
    if current is None or desired is None:
        return current == desired
    def split(summary: str) -> tuple[str, str]:
        found = re.match(r"(.*)\(expires ([^)]*)\)\s*$", summary)
        return (found.group(1).strip(), found.group(2).strip()) if found else (summary.strip(), "")
    (subject_a, date_a), (subject_b, date_b) = split(current), split(desired)
    return subject_a == subject_b and _date(date_a) == _date(date_b)


def _date(text: str):  # noqa: ANN202
    for fmt in ("%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d", "%b %d, %Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return text


def differences(current: AppSettings, desired: AppSettings, labels: dict[str, str]) -> list[Change]:
    """What differs, in the page's words (`labels`: each app kind's form names fields its own way)."""
    out = []
    for change in compare(current, desired, labels):
        if change.field == "certificate" and same_certificate(change.current, change.desired):
            continue
        if change.field == "certificate":
            change = Change("certificate", labels.get("certificate", "Certificate"), change.current,
                            "upload " + str(change.desired))
        if not desired.oauth_enabled and change.field not in ("name", "contact_email", "description", "oauth_enabled"):
            continue
        out.append(change)
    return out


def current_certificate(shown: str) -> str | None:
    """The certificate line a form shows ("Current certificate: CN=... (expires ...)") as its summary."""
    return re.sub(r"^\s*Current certificate:?\s*", "", shown, flags=re.I) or None


__all__ = ["AppSettings", "certificate_summary", "current_certificate", "desired_settings", "differences",
           "same_certificate", "scope_of"]
