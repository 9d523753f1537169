"""One HTTP exchange with the org's APIs, for every client in provisioner/api: the session in the Authorization
header only, https or http to loopback only, a network failure as OrgUnavailableError (worth a retry), and
Salesforce's REST error body read one way."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..errors import ApiUnavailableError, OrgUnavailableError
from ..hosts import is_loopback
from .session import ApiSession

TIMEOUT_SECONDS = 60.0


def check_instance(api: ApiSession) -> None:
    """The session goes only over https, or http to this machine."""
    parts = urllib.parse.urlsplit(api.instance_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        raise ApiUnavailableError(f"the API needs an https instance URL (http only on this machine), not "
                                  f"{parts.scheme}://{parts.hostname}")


def send(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict[str, str],
         timeout: float = TIMEOUT_SECONDS) -> tuple[int, bytes]:
    """(status, body) of one request, error statuses included; OrgUnavailableError when nothing answered."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - checked by check_instance
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        host = urllib.parse.urlsplit(url).hostname
        raise OrgUnavailableError(f"cannot reach {host} ({getattr(exc, 'reason', exc)})") from None


def rest(api: ApiSession, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
         content_type: str = "", timeout: float = TIMEOUT_SECONDS) -> tuple[int, Any]:
    """One REST call under /services/data/vNN.0/: (status, the parsed JSON or None)."""
    check_instance(api)
    headers = {**api.headers(), "Accept": "application/json"}
    if json_body is not None:
        data, content_type = json.dumps(json_body).encode(), "application/json"
    if content_type:
        headers["Content-Type"] = content_type
    status, raw = send(api.rest_url(path), method=method, data=data, headers=headers, timeout=timeout)
    try:
        return status, (json.loads(raw) if raw else None)
    except ValueError:
        return status, None


def rest_error(parsed: Any, status: int) -> tuple[str, str]:
    """(errorCode, message) of Salesforce's REST error body, a list of {errorCode, message}."""
    first = parsed[0] if isinstance(parsed, list) and parsed else parsed
    if isinstance(first, dict):
        return str(first.get("errorCode") or f"HTTP {status}"), str(first.get("message") or "")
    return f"HTTP {status}", ""


__all__ = ["TIMEOUT_SECONDS", "check_instance", "rest", "rest_error", "send"]
