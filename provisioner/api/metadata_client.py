"""The Metadata API from the client's side: deploy a zip over REST (deployRequest) and poll its status, retrieve
components over SOAP (retrieve + checkRetrieveStatus), list components (listMetadata). Request and answer shapes:
EVIDENCE.md "Metadata API".

Polling is what real clients do: the first check soon, then backing off up to a few seconds, bounded by a timeout.
The session id is a secret: it goes only into the Authorization header and the SOAP SessionHeader, never into an
error or a log line. Only loopback may use http (provisioner/hosts.py).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import time
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from provisioner.errors import ApiUnavailableError, MetadataDeployError, OrgUnavailableError

from . import http
from .session import ApiSession

log = logging.getLogger(__name__)

_SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
_MD = "{http://soap.sforce.com/2006/04/metadata}"
FIRST_POLL, MAX_POLL, BACKOFF = 0.1, 5.0, 1.5


@dataclass
class DeployOutcome:
    id: str
    status: str
    #: componentSuccesses as Salesforce gives them (componentType, fullName, fileName, id, created, changed)
    successes: list[dict] = field(default_factory=list)

    def id_of(self, component_type: str, full_name: str) -> str | None:
        return next((s.get("id") for s in self.successes if s.get("componentType") == component_type
                     and str(s.get("fullName", "")).lower() == full_name.lower()), None)


@dataclass
class Retrieved:
    files: dict[str, bytes]  # path in the zip without the "unpackaged/" folder -> content
    properties: list[dict]  # fileProperties: type, fullName, fileName, id ...
    problems: list[str]  # messages' problem texts (e.g. a member that cannot be found)


def _poll_waits(timeout: float):  # noqa: ANN202
    """Sleep intervals for a poll loop: soon, then backing off, until the timeout is spent."""
    deadline, wait = time.monotonic() + timeout, FIRST_POLL
    while time.monotonic() < deadline:
        yield
        # the deploy/retrieve job's status has no push: polling with backoff is how real clients wait on it
        time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
        wait = min(wait * BACKOFF, MAX_POLL)


class MetadataClient:
    def __init__(self, api: ApiSession, *, timeout: float = 300.0, request_timeout: float = 60.0):
        http.check_instance(api)
        self.api = api
        self.timeout = timeout
        self.request_timeout = request_timeout

    # --- plumbing ----------------------------------------------------------------------------------------------
    def _send(self, url: str, data: bytes | None, headers: dict[str, str], what: str) -> tuple[int, bytes]:
        try:
            status, body = http.send(url, method="POST" if data is not None else "GET", data=data, headers=headers,
                                     timeout=self.request_timeout)
        except OrgUnavailableError as exc:
            raise OrgUnavailableError(f"{what}: {exc}") from None
        if status >= 500 and b"Fault" not in body:  # a SOAP fault comes with 500: it is an answer, not an outage
            raise OrgUnavailableError(f"{what}: the org answered HTTP {status}")
        return status, body

    def _rest(self, path: str, what: str, data: bytes | None = None, content_type: str = "") -> dict:
        try:
            status, answer = http.rest(self.api, "POST" if data is not None else "GET", path, data=data,
                                       content_type=content_type, timeout=self.request_timeout)
        except OrgUnavailableError as exc:
            raise OrgUnavailableError(f"{what}: {exc}") from None
        if status >= 500:
            raise OrgUnavailableError(f"{what}: the org answered HTTP {status}")
        if status >= 400:
            code, message = http.rest_error(answer, status)
            raise ApiUnavailableError(f"{what}: the Metadata API refused the session ({code}: {message})")
        if not isinstance(answer, dict):
            raise OrgUnavailableError(f"{what}: the org's answer was not JSON")
        return answer

    def _soap(self, call: str, inner: str, what: str) -> ET.Element:
        envelope = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><met:SessionHeader>'
            f'<met:sessionId>{escape(self.api.session_id)}</met:sessionId></met:SessionHeader></soapenv:Header>'
            f'<soapenv:Body><met:{call}>{inner}</met:{call}></soapenv:Body></soapenv:Envelope>')
        status, body = self._send(self.api.soap_metadata_url(), envelope.encode(),
                                  {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": call}, what)
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise OrgUnavailableError(f"{what}: the org's answer was not XML (HTTP {status})") from None
        fault = root.find(f"{_SOAP}Body/{_SOAP}Fault")
        if fault is not None:
            code, text = fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""
            raise ApiUnavailableError(f"{what}: {text or code}")
        result = root.find(f"{_SOAP}Body/{_MD}{call}Response")
        if result is None:
            raise OrgUnavailableError(f"{what}: the org's answer had no {call}Response")
        return result

    # --- deploy ------------------------------------------------------------------------------------------------
    def deploy(self, files: dict[str, bytes], *, check_only: bool = False) -> DeployOutcome:
        """Deploy these files (package.xml among them) and wait for the result; MetadataDeployError names each
        component Salesforce refused and why."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted(files.items()):
                archive.writestr(name, data)
        options = {"deployOptions": {"checkOnly": check_only, "rollbackOnError": True, "singlePackage": True,
                                     "ignoreWarnings": False}}
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"json\"\r\n"
                f"Content-Type: application/json\r\n\r\n{json.dumps(options)}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"deploy.zip\"\r\n"
                f"Content-Type: application/zip\r\n\r\n").encode()
        body += buffer.getvalue() + f"\r\n--{boundary}--\r\n".encode()
        started = self._rest("metadata/deployRequest", "deploying metadata", body,
                             f"multipart/form-data; boundary={boundary}")
        deploy_id = str(started.get("id", ""))
        log.info("metadata deploy %s started (%d files)", deploy_id, len(files))
        for _ in _poll_waits(self.timeout):
            result = self._rest(f"metadata/deployRequest/{deploy_id}?includeDetails=true",
                                "checking the metadata deploy").get("deployResult", {})
            if result.get("done"):
                return self._deploy_outcome(deploy_id, result)
        raise OrgUnavailableError(f"the metadata deploy {deploy_id} was not done after {self.timeout:.0f} s")

    @staticmethod
    def _deploy_outcome(deploy_id: str, result: dict) -> DeployOutcome:
        details = result.get("details") or {}
        if result.get("status") not in ("Succeeded",):
            failures = details.get("componentFailures") or []
            failures = failures if isinstance(failures, list) else [failures]
            named = "; ".join(f"{f.get('componentType') or 'package'} {f.get('fullName') or f.get('fileName')}: "
                              f"{f.get('problem')}" for f in failures) or result.get("errorMessage") or "no details"
            raise MetadataDeployError(f"the metadata deploy {deploy_id} {str(result.get('status')).lower()}: {named}")
        successes = details.get("componentSuccesses") or []
        return DeployOutcome(deploy_id, "Succeeded", successes if isinstance(successes, list) else [successes])

    # --- retrieve / list ---------------------------------------------------------------------------------------
    def retrieve(self, members: dict[str, list[str]]) -> Retrieved:
        """The components named (type -> members, "*" for all) as files; members that do not exist come back as
        problems ("Entity of type ... cannot be found"), not as an error."""
        types = "".join("<met:types>" + "".join(f"<met:members>{escape(m)}</met:members>" for m in names)
                        + f"<met:name>{escape(t)}</met:name></met:types>" for t, names in members.items())
        request = (f"<met:retrieveRequest><met:apiVersion>{self.api.api_version}</met:apiVersion>"
                   f"<met:singlePackage>true</met:singlePackage><met:unpackaged>{types}"
                   f"<met:version>{self.api.api_version}</met:version></met:unpackaged></met:retrieveRequest>")
        job = self._soap("retrieve", request, "retrieving metadata").findtext(f"{_MD}result/{_MD}id") or ""
        for _ in _poll_waits(self.timeout):
            result = self._soap("checkRetrieveStatus", f"<met:asyncProcessId>{escape(job)}</met:asyncProcessId>"
                                "<met:includeZip>true</met:includeZip>", "checking the metadata retrieve")
            result = result.find(_MD + "result")
            if result is not None and result.findtext(_MD + "done") == "true":
                return self._retrieved(job, result)
        raise OrgUnavailableError(f"the metadata retrieve {job} was not done after {self.timeout:.0f} s")

    @staticmethod
    def _retrieved(job: str, result: ET.Element) -> Retrieved:
        if result.findtext(_MD + "status") != "Succeeded":
            raise OrgUnavailableError(f"the metadata retrieve {job} ended {result.findtext(_MD + 'status')}")
        files = {}
        data = base64.b64decode(result.findtext(_MD + "zipFile") or "")
        if data:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    files[name.removeprefix("unpackaged/")] = archive.read(name)
        properties = [{child.tag.replace(_MD, ""): child.text or "" for child in p}
                      for p in result.findall(_MD + "fileProperties")]
        problems = [m.findtext(_MD + "problem") or "" for m in result.findall(_MD + "messages")]
        return Retrieved(files, properties, problems)

    def list_metadata(self, *type_names: str) -> dict[str, list[str]]:
        """The full names of each type's components, in one call (listMetadata takes up to three queries)."""
        queries = "".join(f"<met:queries><met:type>{escape(t)}</met:type></met:queries>" for t in type_names[:3])
        result = self._soap("listMetadata", queries + f"<met:asOfVersion>{self.api.api_version}</met:asOfVersion>",
                            f"listing {', '.join(type_names)}")
        found: dict[str, list[str]] = {t: [] for t in type_names}
        for row in result.findall(_MD + "result"):
            found.setdefault(row.findtext(_MD + "type") or "", []).append(row.findtext(_MD + "fullName") or "")
        return found


__all__ = ["DeployOutcome", "MetadataClient", "Retrieved"]
