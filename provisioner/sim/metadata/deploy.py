"""REST deployRequest: POST a multipart body (a `json` part with deployOptions, a `file` part with the zip) and GET
its status by id (`?includeDetails=true` for componentSuccesses / componentFailures), in the shapes of Salesforce's
"Deploy Metadata with Apex Testing Using REST" and "Check the Status of Your Deployment Using REST Resources"
(EVIDENCE.md "Metadata API"). The deploy is checked whole and applied whole (all or nothing)."""

from __future__ import annotations

import io
import json
import re
import time
from datetime import datetime, timezone
from typing import Any

import multipart

from ..api_auth import ApiCaller, api_caller
from ..http import Request, Response
from ..org import SimOrg
from ..rest import LATEST_API_VERSION, OLDEST_API_VERSION
from . import org_state, package, texts
from .components import Component, Problem
from .jobs import Job, Jobs

#: DeployOptions the REST resource echoes, with their defaults [doc]
_OPTION_DEFAULTS = {"allowMissingFiles": False, "autoUpdatePackage": False, "checkOnly": False,
                    "ignoreWarnings": False, "performRetrieve": False, "purgeOnDelete": False,
                    "rollbackOnError": True, "runTests": [], "singlePackage": True, "testLevel": "NoTestRun"}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def rest_error(status: int, code: str, message: str) -> Response:
    return Response.json([{"message": message, "errorCode": code}], status)


def known_version(version: str) -> bool:
    return bool(re.fullmatch(r"\d+\.0", version)) and OLDEST_API_VERSION <= int(version[:-2]) <= LATEST_API_VERSION


def metadata_caller(org: SimOrg, request: Request) -> ApiCaller | Response:
    """The caller, if they may use the Metadata API (API Enabled, then Modify Metadata or Modify All Data)."""
    caller = api_caller(org, request)
    if isinstance(caller, Response):
        return caller
    if not known_version(request.params.get("version", "")):
        return rest_error(404, "NOT_FOUND", texts.NO_SUCH_REQUEST)
    if not caller.user.modify_metadata:
        return rest_error(403, "INSUFFICIENT_ACCESS", texts.INSUFFICIENT_ACCESS.partition(": ")[2])
    return caller


def _parts(request: Request) -> dict[str, bytes]:
    """The multipart body's parts by name, as bytes (the zip is binary)."""
    mime, options = multipart.parse_options_header(request.headers.get("content-type", ""))
    if mime != "multipart/form-data" or not options.get("boundary"):
        return {}
    parts: dict[str, bytes] = {}
    try:
        for part in multipart.MultipartParser(io.BytesIO(request.body), options["boundary"],
                                              content_length=len(request.body)):
            try:
                parts[part.name] = part.raw
            finally:
                part.close()
    except multipart.MultipartError:
        return {}
    return parts


def _failure(problem: Problem, now: str) -> dict[str, Any]:
    return {"changed": False, "columnNumber": problem.column or None, "componentType": problem.component_type,
            "created": False, "createdDate": now, "deleted": False, "fileName": problem.file_name,
            "fullName": problem.full_name, "id": None, "lineNumber": problem.line or None,
            "problem": problem.problem, "problemType": "Error", "success": False}


def _success(component_type: str, full_name: str, file_name: str, record_id: str | None, created: bool,
             now: str) -> dict[str, Any]:
    return {"changed": not created and bool(component_type), "componentType": component_type, "created": created,
            "createdDate": now, "deleted": False, "fileName": file_name, "fullName": full_name, "id": record_id,
            "problem": None, "problemType": None, "success": True}


def _deploy_work(org: SimOrg, data: bytes, options: dict[str, Any]):  # noqa: ANN202
    def work() -> dict[str, Any]:
        now = iso(time.time())
        archive = package.open_zip(data)
        components: list[Component] = []
        if archive is None:
            problems = [Problem("", "", "", texts.BAD_ZIP)]
        else:
            components, problems = package.read(archive)
        with org.lock:  # checked and applied in one step: all or nothing
            if not problems:
                problems = org_state.check(org, components)
            applied: dict[str, tuple[str, bool]] = {}
            if not problems and not options["checkOnly"]:
                applied = org_state.apply(org, components)
        parsed = {c.file_name for c in components}
        total = len(components) + len({p.file_name for p in problems} - parsed)  # files that did not even parse
        failures = [_failure(p, now) for p in problems]
        successes = []
        if not problems:
            successes = [_success(c.type.name, c.full_name, c.file_name, *applied.get(c.file_name, (None, False)),
                                  now) for c in components]
            successes.append(_success("", "package.xml", "package.xml", None, False, now))
        return {"status": "Failed" if problems else "Succeeded", "success": not problems,
                "numberComponentsTotal": total, "numberComponentsDeployed": 0 if problems else len(components),
                "numberComponentErrors": len(failures),
                "details": {"componentFailures": failures, "componentSuccesses": successes,
                            "runTestResult": {"numFailures": 0, "numTestsRun": 0, "totalTime": 0.0}}}
    return work


def _deploy_result(job: Job, include_details: bool) -> dict[str, Any]:
    now = time.time()
    options, result = job.extra["options"], job.result or {}
    body = {"id": job.id, "checkOnly": options["checkOnly"], "ignoreWarnings": options["ignoreWarnings"],
            "rollbackOnError": options["rollbackOnError"], "status": job.status(now), "done": job.result is not None,
            "success": result.get("success", False), "runTestsEnabled": False,
            "numberComponentsDeployed": result.get("numberComponentsDeployed", 0),
            "numberComponentsTotal": result.get("numberComponentsTotal", 0),
            "numberComponentErrors": result.get("numberComponentErrors", 0),
            "numberTestsCompleted": 0, "numberTestsTotal": 0, "numberTestErrors": 0,
            "createdBy": job.user_id[:15], "createdByName": job.user_name, "createdDate": iso(job.created_at),
            "startDate": iso(job.started_at) if now >= job.started_at else None,
            "lastModifiedDate": iso(job.completed_at or now), "completedDate": iso(job.completed_at),
            "errorMessage": None, "errorStatusCode": None, "stateDetail": None, "canceledBy": None,
            "canceledByName": None}
    if include_details:
        body["details"] = result.get("details", {"componentFailures": [], "componentSuccesses": []})
    return body


def register(router, org: SimOrg, jobs: Jobs) -> None:  # noqa: ANN001 - http.Router
    base = "/services/data/v{version}/metadata/deployRequest"

    def start(request: Request) -> Response:
        caller = metadata_caller(org, request)
        if isinstance(caller, Response):
            return caller
        parts = _parts(request)
        try:
            sent = json.loads(parts.get("json", b"") or b"null")
        except ValueError:
            sent = None
        if not isinstance(sent, dict) or "file" not in parts:
            return rest_error(400, "INVALID_MULTIPART_REQUEST", texts.BAD_DEPLOY_BODY)
        options = dict(_OPTION_DEFAULTS)
        options.update({k: v for k, v in (sent.get("deployOptions") or {}).items() if k in _OPTION_DEFAULTS})
        job = jobs.start("deploy", "0Af", caller, _deploy_work(org, parts["file"], options), options=options)
        url = f"{base.format(version=request.params['version'])}/{job.id}"
        return Response.json({"id": job.id, "url": url, "deployOptions": options,
                              "deployResult": _deploy_result(job, False)}, 201)

    def status(request: Request) -> Response:
        caller = metadata_caller(org, request)
        if isinstance(caller, Response):
            return caller
        job = jobs.get(request.params["request_id"], "deploy")
        if job is None:
            return rest_error(404, "NOT_FOUND", texts.NO_SUCH_REQUEST)
        details = (request.arg("includeDetails") or "").lower() == "true"
        url = f"{base.format(version=request.params['version'])}/{job.id}" + ("?includeDetails=true" if details else "")
        return Response.json({"id": job.id, "url": url, "deployOptions": job.extra["options"],
                              "deployResult": _deploy_result(job, details)})

    router.add("POST", base, start, latency="api")
    router.add("GET", base + r"/{request_id:\w+}", status, latency="api")
