"""A tiny request/response/router layer over the standard library's threaded HTTP server.

The simulated org has no framework dependency: every page module exposes `register(router, org)` and adds
its routes here. Handlers take a `Request` and return a `Response`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    cookies: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # named groups from the route pattern

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, list[str]]:
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            return _parse_multipart(self.body, ctype)
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def form_value(self, name: str, default: str = "") -> str:
        values = self.form().get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def html(cls, text: str, status: int = 200) -> "Response":
        return cls(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])

    @classmethod
    def json(cls, data: Any, status: int = 200) -> "Response":
        return cls(status, json.dumps(data).encode(), [("Content-Type", "application/json;charset=UTF-8")])

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> "Response":
        return cls(status, text.encode(), [("Content-Type", content_type)])

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "Response":
        return cls(status, b"", [("Location", location)])

    def set_cookie(self, name: str, value: str, *, max_age: int | None = None, path: str = "/") -> "Response":
        cookie = f"{name}={value}; Path={path}; HttpOnly; SameSite=Lax"
        if max_age is not None:
            cookie += f"; Max-Age={max_age}"
        self.headers.append(("Set-Cookie", cookie))
        return self


Handler = Callable[[Request], Response]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        #: run before every handler; may return a Response to short-circuit (latency, maintenance faults)
        self.before: list[Callable[[Request], Response | None]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """`pattern` is a regex matched against the whole path; named groups land in `request.params`."""
        self._routes.append((method.upper(), re.compile(pattern + r"\Z"), handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.add(method, pattern, fn)
            return fn

        return deco

    def dispatch(self, request: Request) -> Response:
        for hook in self.before:
            early = hook(request)
            if early is not None:
                return early
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if not match:
                continue
            if method != request.method:
                allowed = True
                continue
            request.params = match.groupdict()
            return handler(request)
        if allowed:
            return Response.text("Method Not Allowed", 405)
        return Response.html("<h1>URL No Longer Exists</h1>", 404)


def serve(router: Router, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start serving in a daemon thread; returns the server (its `server_address` has the bound port)."""

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep stderr quiet; the org logs what matters
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                body = _read_chunked(self.rfile)  # Node's fetch (the sf CLI) streams form bodies this way
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
            cookies = SimpleCookie()
            cookies.load(self.headers.get("Cookie", ""))
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                cookies={k: m.value for k, m in cookies.items()},
            )
            try:
                response = router.dispatch(request)
            except Exception as exc:  # an internal error page, as Salesforce shows one
                response = Response.html(
                    "<h1>An internal server error has occurred</h1>"
                    f"<p>Error ID: {type(exc).__name__}</p>",
                    500,
                )
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _handle

    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"sim-http-{port}", daemon=True)
    thread.start()
    return server, thread


def _read_chunked(stream) -> bytes:
    """A `Transfer-Encoding: chunked` request body (RFC 9112 section 7.1), trailers skipped."""
    body = bytearray()
    while True:
        size_line = stream.readline(65537)
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            return bytes(body)
        body += stream.read(size)
        stream.readline(65537)  # the CRLF after each chunk


def _parse_multipart(body: bytes, content_type: str) -> dict[str, list[str]]:
    """Enough multipart parsing for file uploads of small text files (certificates)."""
    match = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
    if not match:
        return {}
    boundary = b"--" + match.group(1).encode()
    fields: dict[str, list[str]] = {}
    for part in body.split(boundary):
        part = part.strip(b"\r\n")
        if not part or part == b"--":
            continue
        head, _, content = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields.setdefault(name.group(1).decode(), []).append(content.decode("utf-8", "replace"))
    return fields
