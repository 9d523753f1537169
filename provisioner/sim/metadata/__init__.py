"""The simulated org's Metadata API for External Client Apps: REST deployRequest and its status (deploy.py), SOAP
retrieve / checkRetrieveStatus / listMetadata (soap.py), each file checked against its documented type (types.py,
components.py) and against the org (org_state.py), asynchronous like the real one (jobs.py). One model: deploys and
retrieves read and write org.apps, the same apps the Setup pages show (EVIDENCE.md "Metadata API")."""

from __future__ import annotations

from ..org import SimOrg
from . import deploy, soap
from .jobs import Jobs


def register(router, org: SimOrg) -> None:  # noqa: ANN001 - http.Router
    jobs = Jobs(org)
    deploy.register(router, org, jobs)
    soap.register(router, org, jobs)


__all__ = ["register"]
