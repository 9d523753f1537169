"""The kinds of app the spec's `app_type` names, each as its Setup areas: the app's settings, its policies, and how
its consumer key and secret are revealed. The engine looks the kind up here instead of branching on it; another way
to make an app (an API path) is another row built from other implementations of the same Area shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from provisioner.errors import ConfigError

from . import connected_app_consumer_details, connected_app_form, connected_app_policies, consumer_details, eca_form
from . import eca_policies
from .reconcile import Area
from .session import FlowSession
from .types import AppRef, ConsumerCredentials


@dataclass(frozen=True)
class AppKind:
    name: str
    #: (spec, certificate PEM or None) -> the app's settings area
    app: Callable[..., Area]
    #: (the app's ref or None in a dry run for a missing app, spec.policies) -> the policies area
    policies: Callable[..., Area]
    #: open the app's consumer details and read them (after the emailed-code verification)
    reveal: Callable[[FlowSession, AppRef], Awaitable[ConsumerCredentials]]


APP_KINDS: dict[str, AppKind] = {
    kind.name: kind for kind in (
        AppKind("external_client_app", eca_form.ExternalClientAppArea, eca_policies.ExternalClientAppPoliciesArea,
                consumer_details.reveal),
        # Dev Hub orgs: the classic Connected App pages
        AppKind("connected_app", connected_app_form.ConnectedAppArea, connected_app_policies.ConnectedAppPoliciesArea,
                connected_app_consumer_details.reveal),
    )
}


def app_kind(name: str) -> AppKind:
    try:
        return APP_KINDS[name]
    except KeyError:
        raise ConfigError(f"app_type {name!r} is not one of {', '.join(APP_KINDS)}") from None


__all__ = ["APP_KINDS", "AppKind", "app_kind"]
