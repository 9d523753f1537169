"""The SOAP Metadata API at /services/Soap/m/NN.0, as far as the API path needs it: retrieve + checkRetrieveStatus
(RetrieveRequest with unpackaged types and members; RetrieveResult with done, status, zipFile, fileProperties and
messages) and listMetadata. The envelope is read with xml.etree; the session comes from the SessionHeader; faults
are SOAP faults (sf:INVALID_SESSION_ID, sf:INSUFFICIENT_ACCESS), HTTP 500 as SOAP 1.1 servers answer them."""

from __future__ import annotations

import base64
import io
import time
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

from ..api_auth import ApiCaller, caller_from_token
from ..http import Request, Response
from ..org import SimOrg
from . import org_state, texts
from .components import render
from .deploy import iso, known_version
from .jobs import Jobs
from .types import EXTERNAL_CLIENT_APPLICATION, NAMESPACE, TYPES

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_ENV, _MD = "{" + SOAP_ENV + "}", "{" + NAMESPACE + "}"
ET.register_namespace("soapenv", SOAP_ENV)


def _envelope(body: ET.Element) -> bytes:
    envelope = ET.Element(_ENV + "Envelope")
    ET.SubElement(envelope, _ENV + "Body").append(body)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(envelope)


def _xml(body: ET.Element, status: int = 200) -> Response:
    return Response(status, _envelope(body), [("Content-Type", "text/xml; charset=utf-8")])


def fault(code: str, text: str) -> Response:
    element = ET.Element(_ENV + "Fault")
    ET.SubElement(element, "faultcode").text = f"sf:{code}"
    ET.SubElement(element, "faultstring").text = text
    return _xml(element, 500)


def _add(parent: ET.Element, name: str, value: Any) -> ET.Element:
    child = ET.SubElement(parent, _MD + name)
    if value is not None:
        child.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return child


def _response(call: str, results: list[dict[str, Any]]) -> Response:
    root = ET.Element(_MD + call + "Response")
    for result in results:
        _fill(_add(root, "result", None), result)
    return _xml(root)


def _fill(element: ET.Element, values: dict[str, Any]) -> None:
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                _fill(_add(element, name, None), item)
            else:
                _add(element, name, item)


def _caller(org: SimOrg, envelope: ET.Element) -> ApiCaller | Response:
    session_id = envelope.findtext(f"{_ENV}Header/{_MD}SessionHeader/{_MD}sessionId") or ""
    caller = caller_from_token(org, session_id)
    if caller is None:
        return fault("INVALID_SESSION_ID", texts.INVALID_SESSION)
    if not caller.user.api_enabled:
        return fault("API_DISABLED_FOR_ORG", texts.API_DISABLED)
    if not caller.user.modify_metadata:
        return fault("INSUFFICIENT_ACCESS", texts.INSUFFICIENT_ACCESS)
    return caller


def _file_properties(org: SimOrg, app, type_name: str, prefix: str) -> dict[str, Any]:  # noqa: ANN001
    mtype = TYPES[type_name]
    name = org_state.component_name(app, type_name)
    admin = org.user(org.config.admin_username)
    who = (admin.id[:15], admin.name) if admin else ("", "")
    return {"createdById": who[0], "createdByName": who[1], "createdDate": iso(app.created_at),
            "fileName": f"{prefix}{mtype.folder}/{name}.{mtype.suffix}", "fullName": name,
            "id": app.id if mtype is EXTERNAL_CLIENT_APPLICATION else org_state.PLUGIN_RECORD_ID,
            "lastModifiedById": who[0], "lastModifiedByName": who[1], "lastModifiedDate": iso(app.changed_at),
            "manageableState": "unmanaged", "type": type_name}


def _package_xml(wanted: dict[str, list[str]], version: str) -> bytes:
    root = ET.Element(_MD + "Package")
    for type_name, members in wanted.items():
        types = ET.SubElement(root, _MD + "types")
        for member in members:
            ET.SubElement(types, _MD + "members").text = member
        ET.SubElement(types, _MD + "name").text = type_name
    ET.SubElement(root, _MD + "version").text = version
    ET.register_namespace("", NAMESPACE)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)


def _retrieve_work(org: SimOrg, wanted: dict[str, list[str]], version: str, prefix: str):  # noqa: ANN202
    def work() -> dict[str, Any]:
        files, properties, messages = {}, [], []
        for type_name, members in wanted.items():
            if type_name not in TYPES:
                messages.append({"fileName": f"{prefix}package.xml",
                                 "problem": texts.UNKNOWN_FILE.format(folder=type_name)})
                continue
            if "*" in members:
                apps = org_state.all_components(org, type_name)
            else:
                apps = []
                for member in members:
                    app = org_state.find_component(org, type_name, member)
                    if app is None:
                        messages.append({"fileName": f"{prefix}package.xml",
                                         "problem": texts.NOT_FOUND.format(type=type_name, name=member)})
                    else:
                        apps.append(app)
            for app in apps:
                with org.lock:
                    values = org_state.values_of(app, type_name)
                if values is None:
                    continue
                props = _file_properties(org, app, type_name, prefix)
                files[props["fileName"]] = render(TYPES[type_name], values)
                properties.append(props)
        files[f"{prefix}package.xml"] = _package_xml(wanted, version)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return {"status": "Succeeded", "success": True, "fileProperties": properties, "messages": messages,
                "zipFile": base64.b64encode(buffer.getvalue()).decode()}
    return work


def register(router, org: SimOrg, jobs: Jobs) -> None:  # noqa: ANN001 - http.Router
    def endpoint(request: Request) -> Response:
        try:
            envelope = ET.fromstring(request.body)
        except ET.ParseError:
            return fault("INVALID_XML", "Unable to parse the SOAP request")  # [none]
        caller = _caller(org, envelope)
        if isinstance(caller, Response):
            return caller
        if not known_version(request.params["version"]):
            return fault("UNSUPPORTED_API_VERSION", texts.BAD_VERSION.format(version=request.params["version"]))
        body = envelope.find(_ENV + "Body")
        call = body[0] if body is not None and len(body) else None
        name = call.tag.replace(_MD, "") if call is not None else ""
        if name == "retrieve":
            return _retrieve(call, caller, request.params["version"])
        if name == "checkRetrieveStatus":
            return _check(call)
        if name == "listMetadata":
            return _list(call)
        return fault("INVALID_OPERATION", texts.UNKNOWN_SOAP_CALL.format(namespace=NAMESPACE, call=name))

    def _retrieve(call: ET.Element, caller: ApiCaller, version: str) -> Response:
        request = call.find(_MD + "retrieveRequest")
        wanted: dict[str, list[str]] = {}
        for types in (request.findall(f"{_MD}unpackaged/{_MD}types") if request is not None else []):
            wanted.setdefault((types.findtext(_MD + "name") or "").strip(), []).extend(
                (m.text or "").strip() for m in types.findall(_MD + "members"))
        single = (request.findtext(_MD + "singlePackage") or "").strip() == "true" if request is not None else False
        job = jobs.start("retrieve", "09S", caller, _retrieve_work(org, wanted, version, "" if single else
                                                                   "unpackaged/"))
        return _response("retrieve", [{"done": False, "id": job.id, "state": "Queued"}])

    def _check(call: ET.Element) -> Response:
        job_id = (call.findtext(_MD + "asyncProcessId") or "").strip()
        include_zip = (call.findtext(_MD + "includeZip") or "true").strip() != "false"
        job = jobs.get(job_id, "retrieve")
        if job is None:
            return fault("INVALID_ID_FIELD", texts.BAD_ASYNC_ID.format(id=job_id))
        if job.result is None:
            return _response("checkRetrieveStatus", [{"done": False, "id": job.id,
                                                      "status": job.status(time.time()), "success": False}])
        result = job.result
        return _response("checkRetrieveStatus", [{
            "done": True, "fileProperties": result["fileProperties"], "id": job.id, "messages": result["messages"],
            "status": result["status"], "success": result["success"],
            **({"zipFile": result["zipFile"]} if include_zip else {})}])

    def _list(call: ET.Element) -> Response:
        results = []
        for query in call.findall(_MD + "queries"):
            type_name = (query.findtext(_MD + "type") or "").strip()
            with org.lock:
                if type_name == "Profile":
                    names = sorted(p.name for p in org.profiles.values())
                elif type_name == "PermissionSet":
                    names = sorted(p.name for p in org.permission_sets.values())
                else:
                    names = []
            results += [{"fullName": n, "type": type_name, "fileName": "", "id": ""} for n in names]
            if type_name in TYPES:
                results += [_file_properties(org, app, type_name, "")
                            for app in org_state.all_components(org, type_name)]
        return _response("listMetadata", results)

    router.add("POST", "/services/Soap/m/{version}", endpoint, latency="api")
