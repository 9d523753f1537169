"""The simulated org's pages: one module per Setup area, named like the flow and the locators that drive it
(`flows/locators/eca_form.py` is served by `pages/eca_form.py`). Each module has `register(router, org)`; none
imports another (what they share is in parts/), and the order below does not matter (routes match by specificity).
"""

from __future__ import annotations

from ..http import Router
from ..org import SimOrg
from . import (app_manager, common, connected_app_form, connected_app_pages, connected_app_policies,
               consumer_details, eca_detail, eca_form, eca_policies, frontdoor, lightning, login, verification)

MODULES = (login, verification, common, lightning, app_manager, eca_form, eca_detail, eca_policies,
           consumer_details, connected_app_form, connected_app_pages, connected_app_policies, frontdoor)


def register_all(router: Router, org: SimOrg) -> None:
    for module in MODULES:
        module.register(router, org)
