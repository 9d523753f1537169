"""Serving a router with the standard library's threaded HTTP server (the sim has no web framework)."""

from __future__ import annotations

import sys
import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .messages import Request, Response
from .router import Router


class _QuietServer(ThreadingHTTPServer):
    """A browser that closes a connection mid-answer (a tab closed, a navigation) is normal, not an error to print."""

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


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

    server = _QuietServer((host, port), _Handler)
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
