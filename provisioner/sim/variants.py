"""Named variants of the simulated org: the ways real orgs differ that the flows must handle.

Each variant is a set of SimOptions overrides; `SimOptions(variant=NAME)` applies one (fields set explicitly win).
The end-to-end tests run the default spec, create and then re-run, against every variant here
(tests/test_variants_e2e.py); `provisioner sim --variant NAME` serves one. EVIDENCE.md gives the source of each
difference.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import ConfigError

#: name -> (what it models, SimOptions overrides)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("an admin with an authenticator app, logging in at a generic login host", {}),
    "email-admin": ("an admin without an authenticator: codes come by email", {"admin_mfa": "none"}),
    "my-domain-login": ("the login URL is the org's My Domain", {"login_host": "my_domain"}),
    "idle-token-limit": ("the org limits idle refresh tokens: 'valid until revoked' is not offered",
                         {"idle_refresh_token_limit": True}),
    "collapsed-sections": ("collapsible sections start collapsed", {"collapsed_sections": True}),
    "previous-release": ("the previous release's wording", {"release": "previous"}),
    "rest-secrets": ("External Client App Settings allow consumer secrets over the REST API",
                     {"eca_secrets_via_rest": True}),
    "no-api-user": ("the admin lacks \"API Enabled\": no API, so --via auto takes the pages",
                    {"admin_api_enabled": False}),
}


def with_variant(options: Any) -> Any:
    """`options` with its variant's overrides applied under the fields it sets itself."""
    if not options.variant:
        return options
    if options.variant not in VARIANTS:
        raise ConfigError(f"unknown simulated org variant {options.variant!r} (one of {', '.join(VARIANTS)})")
    defaults = type(options)()
    overrides = {k: v for k, v in VARIANTS[options.variant][1].items() if getattr(options, k) == getattr(defaults, k)}
    return dataclasses.replace(options, **overrides)
