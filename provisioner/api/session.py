"""The API session a login yields: the org's instance URL and a session id usable as a bearer token.

Salesforce accepts the `sid` cookie of the org's My Domain as an API session when the user has "API Enabled"; the
Salesforce CLI's front door path (`--target-org`) already holds an access token. Either way the API path needs no
second login.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: the API version the API path speaks (staged credentials need 65.0)
API_VERSION = "65.0"


@dataclass(frozen=True)
class ApiSession:
    instance_url: str  # the org's My Domain, e.g. https://acme.my.salesforce.com (http only on loopback)
    session_id: str = field(repr=False)  # a secret: bearer token for REST, SessionHeader for SOAP
    api_version: str = API_VERSION

    def rest_url(self, path: str) -> str:
        """`path` under /services/data/vNN.0/ (no leading slash needed)."""
        return f"{self.instance_url.rstrip('/')}/services/data/v{self.api_version}/{path.lstrip('/')}"

    def soap_metadata_url(self) -> str:
        return f"{self.instance_url.rstrip('/')}/services/Soap/m/{self.api_version}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session_id}"}


__all__ = ["API_VERSION", "ApiSession"]
